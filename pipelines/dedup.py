"""DedupPipeline: canonical URL, exact-content duplicates and cross-site reprints.

For every item:

1. ``canonical_url`` = :func:`healthcrawl.urls.canonical_url` of ``url``;
2. ``content_hash`` and ``dedup`` (MinHash LSH keys, see :mod:`healthcrawl.dedup`);
3. one indexed MongoDB query (``dedup.keys`` $in the item's LSH band keys + content key + URL
   key, at most ``HEALTHCRAWL_DEDUP_MAX_CANDIDATES`` documents, small projection), plus this
   the process's in-memory index of originals (writes are batched, so an original may not be
   stored yet; all crawlers of one process share it):

   - the canonical URL is already stored (or seen earlier in this run) →
     ``healthcrawl/dedup/url_seen_before``; the item passes unchanged and the mongo pipeline
     upserts it (URL identity is the unique index's job, never a check-then-insert here);
   - the same content hash at another canonical URL → ``duplicate_of`` reason ``content``;
   - an LSH candidate with estimated Jaccard ≥ ``HEALTHCRAWL_DEDUP_THRESHOLD`` → ``duplicate_of``
     reason ``reprint`` with its similarity;
   - otherwise an original (``healthcrawl/dedup/original``), remembered for the rest of the run.

Duplicates are never dropped: ``duplicate_of = {"canonical_url", "reason", "similarity"}`` and
the mongo pipeline records them in the original's ``also_at``. Different write-ups of one event
share far less text than the threshold (see README.md ("Processing")) and stay separate articles.

If MongoDB fails during a lookup the item is matched against this run only
(``healthcrawl/dedup/lookup_failed``); an unreachable database at start-up stops the crawl.
"""

from __future__ import annotations

import asyncio
import logging

from itemadapter import ItemAdapter

from healthcrawl.dedup import Fingerprint, Fingerprinter, Match, better, shared_run_index
from healthcrawl.urls import canonical_url

logger = logging.getLogger(__name__)

STATS = "healthcrawl/dedup"
PROJECTION = {"_id": 0, "canonical_url": 1, "content_hash": 1, "dedup.params": 1, "dedup.minhash": 1}


class DedupPipeline:
    def __init__(self, crawler, fingerprinter: Fingerprinter, max_candidates: int = 50):
        self.crawler = crawler
        self.fingerprinter = fingerprinter
        self.max_candidates = max_candidates
        self.run_index = shared_run_index(fingerprinter, crawler.settings.get("MONGO_DATABASE", "healthcrawl"))
        self.client = None
        self.collection = None

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        fingerprinter = Fingerprinter(
            threshold=s.getfloat("HEALTHCRAWL_DEDUP_THRESHOLD", 0.4),
            num_perm=s.getint("HEALTHCRAWL_DEDUP_NUM_PERM", 128),
            shingle=s.getint("HEALTHCRAWL_DEDUP_SHINGLE", 5),
            bands=s.getint("HEALTHCRAWL_DEDUP_BANDS", 42),
        )
        return cls(crawler, fingerprinter, s.getint("HEALTHCRAWL_DEDUP_MAX_CANDIDATES", 50))

    def inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{key}", count)

    # -- lifecycle -----------------------------------------------------------------------------
    async def open_spider(self) -> None:
        from healthcrawl import storage  # noqa: PLC0415 - storage may start the embedded mongod

        try:
            self.client, self.collection = await asyncio.to_thread(self._connect)
        except storage.StorageError as exc:
            # the same words as the mongo pipeline: whichever opens first reports it
            logger.error("storage unavailable, stopping the crawl: %s", exc)
            raise

    def _connect(self):
        from healthcrawl import storage  # noqa: PLC0415

        s = self.crawler.settings
        uri = storage.resolve_mongo_uri(s)
        client = storage.connect(uri, timeout=s.getfloat("MONGO_CONNECT_TIMEOUT", 5.0))
        db = client[s.get("MONGO_DATABASE", "healthcrawl")]
        return client, db[s.get("MONGO_COLLECTION", storage.ARTICLES)]

    async def close_spider(self) -> None:
        if self.client is not None:
            await asyncio.to_thread(self.client.close)
            self.client = None

    # -- items ---------------------------------------------------------------------------------
    async def process_item(self, item):
        adapter = ItemAdapter(item)
        url = canonical_url(adapter.get("url") or "")
        adapter["canonical_url"] = url
        fp = self.fingerprinter.fingerprint(adapter.get("body"))
        adapter["content_hash"] = fp.content_hash
        adapter["dedup"] = self.fingerprinter.dedup_field(fp, url)

        stored_url_seen, stored_match = False, None
        if url not in self.run_index and self.collection is not None:
            try:
                stored_url_seen, stored_match = await asyncio.to_thread(self._lookup, url, fp)
            except Exception as exc:  # noqa: BLE001 - any database failure: fall back to this run
                from healthcrawl.storage import redact  # noqa: PLC0415

                logger.warning("dedup lookup failed for %s (%s: %s); matching against this run only",
                               url, type(exc).__name__, redact(str(exc))[:200])
                self.inc("lookup_failed")
        # no await from here on: concurrent items see each other's registrations in order
        if stored_url_seen or url in self.run_index:
            self.inc("url_seen_before")
            logger.debug("%s is %s, already stored or seen in this run: its document is updated",
                         adapter.get("url"), url)
            self.run_index.add(url, fp)
            return item
        match = better(stored_match, self.run_index.find(fp, exclude_url=url))
        if match is None:
            self.run_index.add(url, fp)
            self.inc("original")
            return item
        adapter["duplicate_of"] = match.as_duplicate_of()
        self.inc(match.reason)
        logger.debug("%s is a %s of %s (similarity %.3f)", url, match.reason, match.canonical_url,
                     match.similarity)
        return item

    def _lookup(self, url: str, fp: Fingerprint) -> tuple[bool, Match | None]:
        """(canonical URL already stored, best stored original) — one bounded query on one index."""
        keys = self.fingerprinter.lookup_keys(fp, url)
        docs = list(self.collection.find({"dedup.keys": {"$in": keys}}, PROJECTION, limit=self.max_candidates))
        url_seen = any(d.get("canonical_url") == url for d in docs)
        if not url_seen and len(docs) >= self.max_candidates:
            # the bound may have cut off the exact matches: ask for them by their own keys
            fpr = self.fingerprinter
            url_seen = self.collection.find_one(
                {"dedup.keys": fpr.url_key(url), "canonical_url": url}, {"_id": 1}) is not None
            if not url_seen and fp.content_hash:
                same = self.collection.find_one(
                    {"dedup.keys": fpr.content_key(fp.content_hash), "content_hash": fp.content_hash,
                     "canonical_url": {"$ne": url}}, PROJECTION)
                if same is not None:
                    docs.insert(0, same)
        if url_seen:
            return True, None
        candidates = ((d.get("canonical_url"), d.get("content_hash"),
                       self.fingerprinter.signature_from_field(d.get("dedup"))) for d in docs)
        return False, self.fingerprinter.best_match(fp, candidates, exclude_url=url)
