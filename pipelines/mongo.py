"""MongoPipeline: every article stored in MongoDB — queued on the reactor, written by a writer
thread in batches of idempotent upserts, kept in a spool while the database is away, and accounted
for at close (``queued == stored + left_in_spool + rejected``, else the run fails). README
"Storage" says how it behaves; the writer thread is :mod:`healthcrawl.storage.writer`, a batch's
writes :mod:`healthcrawl.storage.batches`.

``process_item`` builds the write record (the document with its jieba search tokens) on the reactor
thread: that segmentation is pure Python, and in the writer thread it held the GIL against the
reactor (bench/pipeline_cost.py measured p95 ×2). Items the relevance pipeline drops are queued as
``dropped`` records (the ``item_dropped`` signal) for the same writer.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from scrapy import signals

from healthcrawl.article import Article
from healthcrawl.ops.failure import fail_run
from healthcrawl.storage import stories
from healthcrawl.storage.batches import BatchWrites, describe
from healthcrawl.storage.client import Database, check_writes, open_database, write_concern
from healthcrawl.storage.collections import ARTICLES, DROPPED, REJECTS, collection_names, ensure_indexes
from healthcrawl.storage.errors import TRANSIENT_ERRORS, StorageError, redact
from healthcrawl.storage.records import article_record, dropped_record
from healthcrawl.storage.spool import Spool
from healthcrawl.storage.writer import STOP, WriterThread
from healthcrawl.text.fingerprint import fingerprinter_from_settings

logger = logging.getLogger(__name__)

STATS = "healthcrawl/mongo"


class MongoPipeline(WriterThread, BatchWrites):
    """The Scrapy side: open (database, indexes, spools of earlier runs), queue, account, close.
    The writer thread is :class:`~healthcrawl.storage.writer.WriterThread`, the batch writes
    :class:`~healthcrawl.storage.batches.BatchWrites`."""

    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.database = s.get("MONGO_DATABASE")
        self.names = collection_names(s)
        self.batch_size = max(1, s.getint("MONGO_BATCH_SIZE"))
        self.flush_interval = s.getfloat("MONGO_FLUSH_INTERVAL")
        self.take_turns = s.getbool("MONGO_WRITERS_TAKE_TURNS")
        self.close_timeout = s.getfloat("MONGO_CLOSE_TIMEOUT")
        self.retry_interval = s.getfloat("MONGO_RETRY_INTERVAL")
        self.max_body_chars = s.getint("MONGO_MAX_BODY_CHARS")
        self.max_document_bytes = s.getint("MONGO_MAX_DOCUMENT_BYTES")
        self.spool = Spool(s.get("MONGO_SPOOL_DIR"), self.database)
        self.counts: Counter[str] = Counter()
        self._synced: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self.client = None
        self.stories: stories.Stories | None = None
        self.collections: dict[str, Any] = {}
        self._accepting = False  # the writer thread takes records (between open and close)
        # records not yet written (the database is away or refused the batch), the batch being
        # written, and the last permanent refusal (no wait at close)
        self._pending: list[dict] = []
        self._batch: list[dict] = []
        self._permanent: str | None = None
        self._dead = False  # the writer thread stopped: items are spooled by process_item
        self._replaying = False  # writing earlier runs' spools: counted apart from this run's items
        self._event_loop: asyncio.AbstractEventLoop | None = None
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # -- lifecycle ---------------------------------------------------------------------------------
    async def open_spider(self) -> None:
        try:
            database = await asyncio.to_thread(open_database, self.crawler.settings)
            self.client = database.client
            await asyncio.to_thread(self._prepare, database.uri)
        except StorageError as exc:
            logger.error("storage unavailable, stopping the crawl: %s", exc)
            if self.client is not None:
                self.client.close()
            raise
        self._event_loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="healthcrawl-mongo-writer", daemon=True)
        self._thread.start()
        self._accepting = True

    def _prepare(self, uri: str) -> None:
        """Indexes, the write-concern probe, the spool check, then the spools of earlier runs."""
        settings = self.crawler.settings
        database = Database(uri, self.client, self.database, settings)
        # j=True: a write counts as done only once it is in the journal, so a database that is
        # killed right after acknowledging a batch cannot lose it (w:1 alone can lose ~100 ms)
        self.collections = {role: database.collection(role, durable=True) for role in (ARTICLES, DROPPED, REJECTS)}
        check_writes(database.db, write_concern(settings), uri)
        self.stories = stories.Stories(database.db, fingerprinter_from_settings(settings),
                                       settings.getfloat("HEALTHCRAWL_DEDUP_SETTLE_TIMEOUT"),
                                       settings.getfloat("HEALTHCRAWL_DEDUP_HORIZON_DAYS"))
        try:
            ensure_indexes(database.db, self.names)
        except TRANSIENT_ERRORS as exc:
            raise StorageError(f"MongoDB at {redact(uri)} went away: {describe(exc)}") from None
        self.spool.check()
        logger.info("storing articles in %s/%s.%s", redact(uri), self.database, self.names[ARTICLES])
        self._replay_leftovers()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            raise TypeError(f"MongoPipeline stores Article items, got {type(item).__name__}")
        record = article_record(item, datetime.now(timezone.utc), max_body_chars=self.max_body_chars,
                                max_bytes=self.max_document_bytes)
        if record.get("doc", {}).get("body_truncated"):
            logger.warning("article body of %d characters cut to %d to fit a MongoDB document: %s",
                           record["doc"]["body_chars"], len(record["doc"]["body"]), item.url)
            self._count("body_truncated")
        self._count("queued")
        with self._lock:
            dead = self._dead
            if not dead:
                self._queue.put(record)
        if dead:  # the writer is gone: keep the item on disk for the next run
            await asyncio.to_thread(self._salvage, [record])
        self._sync_stats()
        return item

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        """Queue a ``dropped`` record for an item dropped as not relevant (others are ignored)."""
        if not self._accepting:
            return
        record = dropped_record(item, exception, datetime.now(timezone.utc))
        if record is not None:
            with self._lock:
                if not self._dead:
                    self._queue.put(record)

    async def close_spider(self) -> None:
        self._accepting = False
        if self._thread is not None:
            self._queue.put(STOP)
            await asyncio.to_thread(self._thread.join)
            self._check_invariant()
        self.spool.close()
        self._sync_stats()
        if self.client is not None:
            self.client.close()

    def _check_invariant(self) -> None:
        """queued == stored + left_in_spool + rejected, or the run fails (nothing goes unnoticed)."""
        with self._lock:
            c = Counter(self.counts)
        accounted = c["stored"] + c["left_in_spool"] + c["rejected"]
        if c["queued"] != accounted:
            self._count("lost", c["queued"] - accounted)
            self._sync_stats()
            fail_run(self.crawler, "storage_shortfall",
                     f"{c['queued']} item(s) queued for storage but {c['stored']} stored, "
                     f"{c['left_in_spool']} left in the spool and {c['rejected']} rejected")

    # -- stats (counted in the writer thread, published on the reactor thread) ----------------------
    def _count(self, key: str, n: int = 1) -> None:
        if n:
            with self._lock:
                self.counts[key] += n

    def _sync_stats(self) -> None:
        with self._lock:
            delta = self.counts - self._synced
            self._synced = Counter(self.counts)
        for key, n in delta.items():  # "dedup:<reason>": the story decisions, with the dedup stats
            name = f"healthcrawl/dedup/{key[6:]}" if key.startswith("dedup:") else f"{STATS}/{key}"
            self.crawler.stats.inc_value(name, n)

    def _fail(self, cause: str, message: str) -> None:
        """Fail the run (from the writer thread: at once, on the event loop's thread)."""
        if self._event_loop is not None and threading.current_thread() is self._thread:
            try:
                self._event_loop.call_soon_threadsafe(fail_run, self.crawler, cause, message)
                return
            except RuntimeError:  # the loop is closed
                pass
        fail_run(self.crawler, cause, message)
