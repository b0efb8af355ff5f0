"""Store articles in MongoDB: batched, idempotent upserts written by a background thread.

- Start-up: the URI comes from ``MONGO_URI`` or the embedded mongod; an unusable database fails
  the crawl at once with a readable message (non-zero exit). Storage is never silently off.
- ``process_item`` turns the item into its write record (the document, with the jieba search
  tokens of the text index; ≈ 1 ms, most blocks already segmented by the relevance pipeline's
  keywords) and hands it to a queue; a writer thread writes the records with one ``bulk_write``
  per ``MONGO_BATCH_SIZE`` items or per ``MONGO_FLUSH_INTERVAL`` seconds. The reactor never
  waits on the database. (The segmentation is pure Python: in the writer thread it held the GIL
  against the reactor, and every numpy call that released the GIL there cost the reactor up to a
  switch interval, 5 ms, to get it back — bench/pipeline_cost.py measured p95 ×2.)
- Upserts are keyed on the unique ``canonical_url``: re-crawling updates ``last_seen`` and never
  makes a second document, also when two processes write the same article at once.
- When the database goes away, batches stay in memory and are appended to a spool file; they are
  written when the database answers again, or by the next run (spool replay at start-up).
- URIs are redacted in every log line and error (credentials never leave the settings).
- Articles the relevance pipeline drops as not relevant are remembered in the ``dropped``
  collection (``MONGO_DROPPED_COLLECTION``): the ``item_dropped`` signal queues a small record
  ``{_id: canonical_url, url, site, reason: "irrelevant", score, lexicon_version, first_seen,
  last_seen}`` for the same writer thread, written in the same flush by a second
  ``bulk_write`` of idempotent upserts (``healthcrawl/mongo/irrelevant_recorded``; no "drop" in
  the name: crawl_runs counts every ``healthcrawl/<pipeline>/*drop*`` stat as a drop reason).
  These records ride in the same batches, so they are kept in memory and spooled like articles
  while the database is away; one lost anyway (a crash before the spool write) only costs a
  re-download of that page by the next crawl. Other drops (validation …) are not recorded.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from pymongo import WriteConcern
from scrapy import signals
from pymongo.errors import BulkWriteError

from healthcrawl import storage
from healthcrawl.article import Article

logger = logging.getLogger(__name__)

STATS = "healthcrawl/mongo"
_STOP = object()


class MongoPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.database = s.get("MONGO_DATABASE", "healthcrawl")
        self.collection_name = s.get("MONGO_COLLECTION", storage.ARTICLES)
        self.dropped_name = s.get("MONGO_DROPPED_COLLECTION", storage.DROPPED)
        self.batch_size = max(1, s.getint("MONGO_BATCH_SIZE", 100))
        self.flush_interval = s.getfloat("MONGO_FLUSH_INTERVAL", 2.0)
        self.connect_timeout = s.getfloat("MONGO_CONNECT_TIMEOUT", 5.0)
        self.close_timeout = s.getfloat("MONGO_CLOSE_TIMEOUT", 30.0)
        self.retry_interval = s.getfloat("MONGO_RETRY_INTERVAL", 1.0)
        self.journal = s.getbool("MONGO_WRITE_JOURNAL", True)
        w = s.get("MONGO_WRITE_CONCERN", 1)
        self.write_w = int(w) if str(w).isdigit() else w
        self.spool = storage.Spool(s.get("MONGO_SPOOL_DIR", "var/spool"), self.database)
        self.counts: Counter[str] = Counter()
        self._synced: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self.client = None
        self._accepting = False  # the writer thread takes records (between open and close)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # -- lifecycle ---------------------------------------------------------------------------------
    async def open_spider(self) -> None:
        settings = self.crawler.settings
        try:
            uri = await asyncio.to_thread(storage.resolve_mongo_uri, settings)
            self.client = await asyncio.to_thread(storage.connect, uri, self.connect_timeout)
        except storage.StorageError as exc:
            logger.error("storage unavailable, stopping the crawl: %s", exc)
            raise
        db = self.client[self.database]
        # j=True: a write counts as done only once it is in the journal, so a database that is
        # killed right after acknowledging a batch cannot lose it (w:1 alone can lose ~100 ms)
        concern = WriteConcern(w=self.write_w, j=self.journal)
        self.collection = db.get_collection(self.collection_name, write_concern=concern)
        self.dropped = db.get_collection(self.dropped_name, write_concern=concern)
        await asyncio.to_thread(storage.ensure_indexes, db)
        logger.info("storing articles in %s/%s.%s", storage.redact(uri), self.database, self.collection_name)
        await asyncio.to_thread(self._replay_leftovers)
        self._thread = threading.Thread(target=self._run, name="healthcrawl-mongo-writer", daemon=True)
        self._thread.start()
        self._accepting = True

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            raise TypeError(f"MongoPipeline stores Article items, got {type(item).__name__}")
        self._queue.put(storage.article_record(item, datetime.now(timezone.utc)))
        self._count("queued")
        self._sync_stats()
        return item

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        """Queue a ``dropped`` record for an item dropped as not relevant (others are ignored)."""
        if not self._accepting:
            return
        record = storage.dropped_record(item, exception, datetime.now(timezone.utc))
        if record is not None:
            self._queue.put(record)

    async def close_spider(self) -> None:
        self._accepting = False
        if self._thread is not None:
            self._queue.put(_STOP)
            await asyncio.to_thread(self._thread.join)
        self._sync_stats()
        if self.client is not None:
            self.client.close()

    # -- stats (counted in the writer thread, published on the reactor thread) ----------------------
    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.counts[key] += n

    def _sync_stats(self) -> None:
        with self._lock:
            delta = self.counts - self._synced
            self._synced = Counter(self.counts)
        for key, n in delta.items():
            self.crawler.stats.inc_value(f"{STATS}/{key}", n)

    # -- the writer thread -------------------------------------------------------------------------
    def _run(self) -> None:
        batch: list[dict] = []
        pending: list[dict] = []  # records the database has not taken yet (also in the spool)
        batch_started = 0.0
        next_retry = 0.0
        backoff = self.retry_interval
        closing = False
        while not closing:
            wait = None
            if batch:
                wait = max(0.0, batch_started + self.flush_interval - time.monotonic())
            if pending:
                wait = min(wait if wait is not None else backoff, max(0.0, next_retry - time.monotonic()))
            try:
                obj = self._queue.get(timeout=wait) if wait is None or wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                obj = None
            if obj is _STOP:
                closing = True
            elif obj is not None:
                if not batch:
                    batch_started = time.monotonic()
                batch.append(obj)  # an article, reprint note or dropped record, ready to write
            due = batch and (len(batch) >= self.batch_size or closing
                             or time.monotonic() - batch_started >= self.flush_interval)
            if due:
                if pending:  # the database is away: queue behind what is waiting
                    self._park(pending, batch)
                elif not self._write(batch):
                    self._park(pending, batch)
                    next_retry = time.monotonic() + backoff
                batch = []
            if pending and time.monotonic() >= next_retry:
                if self._write_pending(pending):
                    backoff = self.retry_interval
                else:
                    backoff = min(backoff * 2, 10.0)
                    next_retry = time.monotonic() + backoff
        self._final_flush(pending)

    def _park(self, pending: list[dict], batch: list[dict]) -> None:
        pending.extend(batch)
        self.spool.append(batch)
        self._count("spooled", len(batch))

    def _write_pending(self, pending: list[dict]) -> bool:
        for start in range(0, len(pending), self.batch_size):
            if not self._write(pending[start:start + self.batch_size], retrying=True):
                del pending[:start]
                return False
        logger.warning("MongoDB is back: wrote %d record(s) kept while it was away", len(pending))
        self._count("recovered", len(pending))
        pending.clear()
        self.spool.discard_own()
        return True

    def _final_flush(self, pending: list[dict]) -> None:
        deadline = time.monotonic() + self.close_timeout
        while pending and time.monotonic() < deadline:
            if self._write_pending(pending):
                return
            time.sleep(min(self.retry_interval, max(0.0, deadline - time.monotonic())))
        if pending:
            logger.error("MongoDB still unreachable at close: %d record(s) kept in %s; "
                         "they are written by the next run", len(pending), self.spool.path)
            self._count("left_in_spool", len(pending))

    def _write(self, records: list[dict], retrying: bool = False) -> bool:
        """Write records; False if the database is unreachable (the caller keeps them)."""
        try:
            self._bulk_write(records)
        except storage.TRANSIENT_ERRORS as exc:
            if not retrying:
                logger.warning("MongoDB unreachable (%s): keeping %d record(s) in memory and in %s",
                               storage.redact(type(exc).__name__), len(records), self.spool.path)
            self._count("write_failed_transient")
            return False
        self._count("written", sum(r["kind"] == "article" for r in records))
        self._count("also_at", sum(r["kind"] == "also_at" for r in records))
        self._count("irrelevant_recorded", sum(r["kind"] == "dropped" for r in records))
        self._count("bulk_writes")
        return True

    def _bulk_write(self, records: list[dict]) -> None:
        """The batch's articles and reprint notes, then its ``dropped`` records: one ordered
        bulk_write each (see :meth:`_upsert`)."""
        self._upsert(self.collection, [op for r in records if r["kind"] != "dropped"
                                       for op in storage.record_operations(r)])
        self._upsert(self.dropped, [storage.dropped_operation(r) for r in records if r["kind"] == "dropped"])

    def _upsert(self, collection, ops: list) -> None:
        """One ordered bulk_write of upserts; a duplicate-key race (two writers upserting one new
        document) is retried — the second upsert then updates — and any other bad operation is
        logged, counted and skipped so the rest of the batch is still written."""
        attempts = 0
        while ops:
            try:
                collection.bulk_write(ops, ordered=True)
                return
            except BulkWriteError as exc:
                error = exc.details["writeErrors"][0]
                index = error["index"]
                if error.get("code") == 11000 and attempts < 5:
                    attempts += 1
                    self._count("upsert_race_retried")
                    ops = ops[index:]
                    continue
                logger.error("MongoDB refused a write to %s (%s): %s", collection.name, error.get("code"),
                             storage.redact(str(error.get("errmsg")))[:300])
                self._count("write_error")
                ops = ops[index + 1:]

    def _replay_leftovers(self) -> None:
        """Write records spooled by earlier runs (idempotent: nothing is doubled)."""
        for path in self.spool.leftovers():
            claimed = storage.Spool.claim(path)
            if claimed is None:
                continue
            records = storage.Spool.read(claimed)
            try:
                for start in range(0, len(records), self.batch_size):
                    self._bulk_write(records[start:start + self.batch_size])
            except storage.TRANSIENT_ERRORS:
                claimed.rename(path)  # give it back for the next attempt
                raise
            claimed.unlink()
            logger.warning("wrote %d record(s) left in %s by an earlier run", len(records), path.name)
            self._count("replayed_from_spool", len(records))
