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

**Pre-check** (``HEALTHCRAWL_DEDUP_PRECHECK``, on): most items are new stories whose keys no
stored article shares, and their MongoDB lookup finds nothing. The process keeps the
``dedup.keys`` of the stored articles in memory (:class:`healthcrawl.dedup.KeySet`, 8 bytes a key,
≈ 35 MB per 100,000 articles; read once per process and database by a thread the first crawler
starts — until that scan is done every item is looked up — then kept current by the same thread,
which reads the articles stored since, by ``_id``, every ``HEALTHCRAWL_DEDUP_REFRESH`` seconds,
other processes' articles included). An item none of whose
keys is there skips the lookup (``healthcrawl/dedup/lookup_skipped``); the others are looked up
(``healthcrawl/dedup/lookups``). The pre-check has no false negatives for what it has read: an
article another process stored in the last few seconds (its batch, plus one refresh interval)
may be missed, as it may without the pre-check while that process's batch is unwritten.

If MongoDB fails during a lookup the item is matched against this run only
(``healthcrawl/dedup/lookup_failed``); an unreachable database at start-up stops the crawl.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from array import array
from datetime import datetime, timedelta, timezone

import numpy as np
from bson import ObjectId
from itemadapter import ItemAdapter

from healthcrawl.dedup import Fingerprint, Fingerprinter, KeySet, Match, better, shared_run_index
from healthcrawl.urls import canonical_url

logger = logging.getLogger(__name__)

STATS = "healthcrawl/dedup"
PROJECTION = {"_id": 0, "canonical_url": 1, "content_hash": 1, "dedup.params": 1, "dedup.minhash": 1}
#: a refresh re-reads the articles whose ``_id`` is this much older than the newest read, so an
#: insert that committed after a newer one is not missed
REFRESH_OVERLAP = timedelta(seconds=30)


class _Generation:
    """What one loader/refresher thread builds; a closed generation is dropped whole, so a thread
    still finishing its scan after the last crawler closed can only write into its own."""

    def __init__(self) -> None:
        self.keys = KeySet()
        self.ready = threading.Event()  # the initial load is complete: lookups may be skipped
        self.stop = threading.Event()
        self.loaded: tuple[int, float] | None = None  # (articles, seconds) of the initial load
        self.failed = False  # the initial load failed: no pre-check in this generation
        self.since: ObjectId | None = None  # the next refresh reads articles from this _id on


class StoredKeys:
    """The stored articles' ``dedup.keys`` of one database, shared by the crawlers of a process.

    The first crawler to open starts one thread, with its own connection (the crawlers' own
    close with them), that reads every stored article's keys (a scan of the collection: ~20 s at
    100,000 articles on a small machine, so it never holds up the crawl — until it is
    :attr:`ready`, every item is looked up as without the pre-check), then reads the articles
    stored since, by ``_id``, every ``refresh_interval`` seconds, until the last crawler closes."""

    def __init__(self, refresh_interval: float):
        self.refresh_interval = refresh_interval
        self.users = 0
        self._lock = threading.Lock()
        self._gen = _Generation()
        self._thread: threading.Thread | None = None

    @property
    def keys(self) -> KeySet:
        return self._gen.keys

    @property
    def ready(self) -> threading.Event:
        return self._gen.ready

    @property
    def loaded(self) -> tuple[int, float] | None:
        return self._gen.loaded

    @property
    def failed(self) -> bool:
        return self._gen.failed

    def read(self, collection, query: dict, gen: _Generation | None = None) -> int:
        """Add the keys of the articles matching ``query``; the number of articles read."""
        gen = gen or self._gen
        count, newest, batch = 0, None, array("q")
        for doc in collection.find(query, {"dedup.keys": 1}, batch_size=5000):
            batch.extend((doc.get("dedup") or {}).get("keys") or ())
            count += 1
            _id = doc.get("_id")
            if isinstance(_id, ObjectId) and (newest is None or _id > newest):
                newest = _id
        gen.keys.add_array(np.frombuffer(batch, dtype=np.int64) if batch else np.empty(0, np.int64))
        if newest is not None:
            since = ObjectId.from_datetime(newest.generation_time - REFRESH_OVERLAP)
            gen.since = since if gen.since is None else max(gen.since, since)
        return count

    def open(self, connect) -> None:
        """Register a user; the first one starts the loader/refresher thread, which calls
        ``connect()`` for its own ``(client, collection)``."""
        with self._lock:
            self.users += 1
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, args=(connect, self._gen),
                                            name="healthcrawl-dedup-keys", daemon=True)
            self._thread.start()

    def _run(self, connect, gen: _Generation) -> None:
        from healthcrawl.storage import redact  # noqa: PLC0415

        client = None
        try:
            started, wall = time.monotonic(), datetime.now(timezone.utc)
            try:
                client, collection = connect()
                count = self.read(collection, {}, gen)
            except Exception as exc:  # noqa: BLE001 - without the pre-check every item is looked up
                logger.warning("dedup pre-check off for this crawl: loading stored keys failed (%s: %s)",
                               type(exc).__name__, redact(str(exc))[:200])
                gen.failed = True
                return
            # whatever was inserted while the scan ran is read by the first refresh
            start_id = ObjectId.from_datetime(wall - REFRESH_OVERLAP)
            gen.since = start_id if gen.since is None else min(gen.since, start_id)
            gen.loaded = (count, time.monotonic() - started)
            gen.ready.set()
            logger.info("dedup pre-check ready: keys of %d stored article(s) loaded in %.1fs", *gen.loaded)
            failing = False
            while not gen.stop.wait(self.refresh_interval):
                try:
                    self.refresh(collection, gen)
                    if failing:
                        logger.info("dedup pre-check: refreshing stored keys works again")
                    failing = False
                except Exception as exc:  # noqa: BLE001 - the lookups report the database's state
                    if not failing:
                        logger.warning("dedup pre-check: refreshing stored keys failed (%s: %s); retrying",
                                       type(exc).__name__, redact(str(exc))[:200])
                    failing = True
        finally:
            if client is not None:
                client.close()

    def refresh(self, collection, gen: _Generation | None = None) -> int:
        """Read the articles stored since the newest one read (with an overlap)."""
        gen = gen or self._gen
        query = {} if gen.since is None else {"_id": {"$gte": gen.since}}
        return self.read(collection, query, gen)

    def close(self) -> None:
        """Unregister a user; the last one stops the thread and drops its generation (a later
        crawler starts a new one)."""
        with self._lock:
            self.users -= 1
            if self.users > 0 or self._thread is None:
                return
            self._gen.stop.set()
            thread, self._thread, self._gen = self._thread, None, _Generation()
        thread.join(10)


_SHARED_KEYS: dict[tuple[str, str], StoredKeys] = {}
_SHARED_KEYS_LOCK = threading.Lock()


def shared_stored_keys(uri: str, database: str, refresh_interval: float) -> StoredKeys:
    with _SHARED_KEYS_LOCK:
        if (uri, database) not in _SHARED_KEYS:
            _SHARED_KEYS[(uri, database)] = StoredKeys(refresh_interval)
        return _SHARED_KEYS[(uri, database)]


class DedupPipeline:
    def __init__(self, crawler, fingerprinter: Fingerprinter, max_candidates: int = 50,
                 precheck: bool = True, refresh_interval: float = 2.0):
        self.crawler = crawler
        self.fingerprinter = fingerprinter
        self.max_candidates = max_candidates
        self.run_index = shared_run_index(fingerprinter, crawler.settings.get("MONGO_DATABASE", "healthcrawl"))
        self.precheck = precheck
        self.refresh_interval = refresh_interval
        self.stored_keys: StoredKeys | None = None
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
        return cls(crawler, fingerprinter, s.getint("HEALTHCRAWL_DEDUP_MAX_CANDIDATES", 50),
                   s.getbool("HEALTHCRAWL_DEDUP_PRECHECK", True), s.getfloat("HEALTHCRAWL_DEDUP_REFRESH", 2.0))

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
        if self.precheck:
            await asyncio.to_thread(self._open_stored_keys)

    def _open_stored_keys(self) -> None:
        from healthcrawl import storage  # noqa: PLC0415

        s = self.crawler.settings
        self.stored_keys = shared_stored_keys(storage.resolve_mongo_uri(s), s.get("MONGO_DATABASE", "healthcrawl"),
                                              self.refresh_interval)
        self.stored_keys.open(self._connect)

    def _connect(self):
        from healthcrawl import storage  # noqa: PLC0415

        s = self.crawler.settings
        uri = storage.resolve_mongo_uri(s)
        client = storage.connect(uri, timeout=s.getfloat("MONGO_CONNECT_TIMEOUT", 5.0))
        db = client[s.get("MONGO_DATABASE", "healthcrawl")]
        return client, db[s.get("MONGO_COLLECTION", storage.ARTICLES)]

    async def close_spider(self) -> None:
        if self.stored_keys is not None:
            keys, self.stored_keys = self.stored_keys, None
            if keys.failed:
                self.inc("precheck_failed")
            await asyncio.to_thread(keys.close)
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
        if url not in self.run_index and self.collection is not None and self._may_be_stored(fp, url):
            self.inc("lookups")
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

    def _may_be_stored(self, fp: Fingerprint, url: str) -> bool:
        """False when no stored article shares a key with the item (the pre-check)."""
        if self.stored_keys is None or not self.stored_keys.ready.is_set():
            return True
        if self.stored_keys.keys.contains_any(self.fingerprinter.lookup_keys(fp, url)):
            return True
        self.inc("lookup_skipped")
        return False

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
