"""Store articles in MongoDB: batched, idempotent upserts written by a background thread.

- Start-up: the URI comes from ``MONGO_URI`` or the embedded mongod; an unusable database fails
  the crawl at once with a readable message (non-zero exit). Storage is never silently off.
- ``process_item`` turns the item into its write record (the document, with the jieba search
  tokens of the text index; ≈ 1 ms, most blocks already segmented by the relevance pipeline's
  keywords) and hands it to a queue; a writer thread writes the records with one ``bulk_write``
  per ``MONGO_BATCH_SIZE`` items or per ``MONGO_FLUSH_INTERVAL`` seconds (journaled). The reactor never
  waits on the database. (The segmentation is pure Python: in the writer thread it held the GIL
  against the reactor, and every numpy call that released the GIL there cost the reactor up to a
  switch interval, 5 ms, to get it back — bench/pipeline_cost.py measured p95 ×2.)
- Before a batch is written, the writer decides each article's story in MongoDB
  (:mod:`healthcrawl.storage.stories`: new story, reprint or same text, the same answer in every process);
  each article is then one atomic upsert of its story's document (unique ``story``): re-crawling
  updates ``last_seen`` and never makes a second document, also when processes write at once.
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

The storage invariant (README "Storage"): every item that reaches this pipeline ends in exactly
one of *stored* (acknowledged by the database), *left in the spool* (fsynced on disk, written by
the next run), or *rejected* (the database refused that document: a ``rejects`` record with its
URL, reason and what it takes to fetch it again). At close ``queued == stored + left_in_spool +
rejected`` is checked; a shortfall fails the run. Any error that is not a transient network error
— a write-concern or permission problem, an unwritable spool, a crash of the writer thread —
fails the run (:func:`healthcrawl.ops.failure.fail_run`: one ERROR line, ``crawl_runs`` status
``failed``, the alert, exit 1) while the records are kept in the spool and retried. Documents are
capped below MongoDB's 16 MB limit (``MONGO_MAX_BODY_CHARS``, ``MONGO_MAX_DOCUMENT_BYTES``).
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

from pymongo.errors import BulkWriteError
from scrapy import signals

from healthcrawl.storage import stories
from healthcrawl.storage.client import check_writes, connect, resolve_mongo_uri, write_concern
from healthcrawl.storage.collections import ARTICLES, DROPPED, REJECTS, ensure_indexes
from healthcrawl.storage.errors import TRANSIENT_ERRORS, error_name, record_specific, redact, StorageError
from healthcrawl.storage.records import ITEM_KINDS, RECORD_KINDS, article_record, dropped_record, operations, reject_record, write_note
from healthcrawl.storage.spool import Spool
from healthcrawl.article import Article
from healthcrawl.text.fingerprint import fingerprinter_from_settings
from healthcrawl.ops.failure import fail_run

logger = logging.getLogger(__name__)

STATS = "healthcrawl/mongo"
_STOP = object()
#: writer retries of the same records after a duplicate-key race before the record is rejected
RACE_RETRIES = 5


def _reason(exc: BaseException) -> str:
    """A short name for why a write failed: the server's code name, else the exception's type."""
    details = getattr(exc, "details", None) or {}
    code = getattr(exc, "code", None)
    return error_name(code, details.get("codeName")) if code is not None else type(exc).__name__


def _describe(exc: BaseException) -> str:
    """``Type: message`` of a database error, redacted and short (no full server reply)."""
    text = str(exc).split(", full error:")[0]
    return redact(f"{type(exc).__name__}: {text}")[:300]


class MongoPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.database = s.get("MONGO_DATABASE", "healthcrawl")
        self.names = {ARTICLES: s.get("MONGO_COLLECTION", ARTICLES),
                      DROPPED: s.get("MONGO_DROPPED_COLLECTION", DROPPED),
                      REJECTS: s.get("MONGO_REJECTS_COLLECTION", REJECTS)}
        self.batch_size = max(1, s.getint("MONGO_BATCH_SIZE", 100))
        self.flush_interval = s.getfloat("MONGO_FLUSH_INTERVAL", 2.0)
        self.connect_timeout = s.getfloat("MONGO_CONNECT_TIMEOUT", 5.0)
        self.close_timeout = s.getfloat("MONGO_CLOSE_TIMEOUT", 30.0)
        self.retry_interval = s.getfloat("MONGO_RETRY_INTERVAL", 1.0)
        self.max_body_chars = s.getint("MONGO_MAX_BODY_CHARS", 500_000)
        self.max_document_bytes = s.getint("MONGO_MAX_DOCUMENT_BYTES", 8 * 1024 * 1024)
        self.spool = Spool(s.get("MONGO_SPOOL_DIR", "var/spool"), self.database)
        self.counts: Counter[str] = Counter()
        self._synced: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self.client = None
        self.stories: stories.Stories | None = None
        self.collections: dict[str, Any] = {}
        self._accepting = False  # the writer thread takes records (between open and close)
        # records not yet written (the database is away or refused the batch); ids of those
        # fsynced in the spool; whether the last failure was permanent (no wait at close)
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
        settings = self.crawler.settings
        try:
            uri = await asyncio.to_thread(resolve_mongo_uri, settings)
            self.client = await asyncio.to_thread(connect, uri, self.connect_timeout)
            await asyncio.to_thread(self._prepare, uri)
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
        db = self.client[self.database]
        # j=True: a write counts as done only once it is in the journal, so a database that is
        # killed right after acknowledging a batch cannot lose it (w:1 alone can lose ~100 ms)
        concern = write_concern(self.crawler.settings)
        self.collections = {role: db.get_collection(name, write_concern=concern)
                            for role, name in self.names.items()}
        check_writes(db, concern, uri)
        self.stories = stories.Stories(db, fingerprinter_from_settings(self.crawler.settings),
                                       self.crawler.settings.getfloat("HEALTHCRAWL_DEDUP_SETTLE_TIMEOUT", 10.0),
                                       self.crawler.settings.getint("HEALTHCRAWL_DEDUP_CLAIMERS", 4))
        try:
            ensure_indexes(db)
        except TRANSIENT_ERRORS as exc:
            raise StorageError(f"MongoDB at {redact(uri)} went away: {_describe(exc)}") from None
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
            self._queue.put(_STOP)
            await asyncio.to_thread(self._thread.join)
            self._check_invariant()
        self.spool.close()
        self._sync_stats()
        if self.stories is not None:
            self.stories.close()
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

    @staticmethod
    def _items(records: list[dict]) -> int:
        return sum(r["kind"] in ITEM_KINDS for r in records)

    # -- the writer thread -------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._write_loop()
        except BaseException as exc:  # noqa: BLE001 - a dead writer must never lose items silently
            with self._lock:
                self._dead = True
                leftover = self._drain()
            self._fail("storage_writer_died",
                       f"the MongoDB writer thread stopped ({_describe(exc)}); this run's unwritten "
                       f"items are kept in {self.spool.path} for the next run")
            logger.debug("writer thread failure", exc_info=True)
            self._salvage(self._pending + self._batch + leftover)
            self._pending, self._batch = [], []

    def _drain(self) -> list[dict]:
        out = []
        while True:
            try:
                obj = self._queue.get_nowait()
            except queue.Empty:
                return out
            if obj is not _STOP:
                out.append(obj)

    def _salvage(self, records: list[dict]) -> None:
        """Records this process will not write: into the spool (counted ``left_in_spool``)."""
        self._spool_fresh(records)
        self._left([r for r in records if r.get("_spooled")])

    def _left(self, records: list[dict]) -> None:
        """Records left in the spool for the next run: ``left_in_spool`` counts the items among
        them (a term of the invariant), ``records_left_in_spool`` every record."""
        self._count("left_in_spool", self._items(records))
        self._count("records_left_in_spool", len(records))

    def _spool_fresh(self, records: list[dict]) -> None:
        """Append the records not in the spool yet (fsynced); a spool that fails fails the run."""
        fresh = [r for r in records if not r.get("_spooled")]
        if not fresh:
            return
        try:
            self.spool.append(fresh)
        except OSError as exc:
            self._fail("spool_unwritable", f"cannot write the spool {self.spool.path} "
                       f"({exc.strerror or exc}): {len(fresh)} record(s) kept in memory only")
            self._count("spool_failed", len(fresh))
            return
        for r in fresh:
            r["_spooled"] = True
        self._count("spooled", len(fresh))

    def _write_loop(self) -> None:
        self._batch: list[dict] = []
        pending = self._pending  # records the database has not taken yet (in the spool if it can be)
        batch_started = 0.0
        next_retry = 0.0
        backoff = self.retry_interval
        closing = False
        first = True  # the run's first batch is written as soon as it has an item: no flush wait
        while not closing:
            wait = None
            if self._batch:
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
                if not self._batch:
                    batch_started = time.monotonic()
                self._batch.append(obj)  # an article, reprint note or dropped record, ready to write
            due = self._batch and (first or len(self._batch) >= self.batch_size or closing
                                   or time.monotonic() - batch_started >= self.flush_interval)
            if due:  # (the batch stays in self._batch until it is handled: a crash salvages it)
                if pending:  # the database is away: queue behind what is waiting
                    self._park(self._batch)
                else:
                    waiting = self._write(self._batch)
                    if waiting:
                        self._park(waiting)
                        next_retry = time.monotonic() + backoff
                self._batch = []
                first = False
            if pending and time.monotonic() >= next_retry:
                if self._write_pending():
                    backoff = self.retry_interval
                else:
                    backoff = min(backoff * 2, 10.0)
                    next_retry = time.monotonic() + backoff
        self._final_flush()

    def _park(self, records: list[dict]) -> None:
        """Keep records for a later attempt: in memory, and fsynced in the spool."""
        self._pending.extend(records)
        self._spool_fresh(records)

    def _write_pending(self) -> bool:
        pending = self._pending
        total = len(pending)
        for start in range(0, len(pending), self.batch_size):
            chunk = pending[start:start + self.batch_size]
            waiting = self._write(chunk, retrying=True)
            if waiting:
                pending[:] = waiting + pending[start + len(chunk):]
                self._spool_fresh(waiting)  # a record refused on this attempt: its rejects record
                self._count("recovered", max(0, total - len(pending)))
                return False
        if self._permanent is None:
            logger.warning("MongoDB is back: wrote %d record(s) kept while it was away", total)
        self._count("recovered", total)
        pending.clear()
        self._permanent = None
        self.spool.discard_own()
        return True

    def _final_flush(self) -> None:
        deadline = time.monotonic() + self.close_timeout
        while self._pending and time.monotonic() < deadline:
            if self._write_pending():
                return
            if self._permanent:  # the same refusal again: waiting would change nothing
                break
            time.sleep(min(self.retry_interval, max(0.0, deadline - time.monotonic())))
        if self._pending:
            self._spool_fresh(self._pending)  # the spool failed earlier: one last try
            kept = [r for r in self._pending if r.get("_spooled")]
            logger.error("MongoDB %s at close: %d record(s) kept in %s; they are written by the next run",
                         "still refuses the writes" if self._permanent else "still unreachable",
                         len(kept), self.spool.path)
            self._left(kept)

    # -- writing -----------------------------------------------------------------------------------
    def _write(self, records: list[dict], retrying: bool = False) -> list[dict]:
        """Write records; returns those that must wait (the database is away, or refused the
        batch for a reason that is not the record's own). Stored and rejected records are
        counted here; a record the database refuses becomes a ``rejects`` record."""
        groups: dict[str, list[dict]] = {}
        for record in records:
            groups.setdefault(RECORD_KINDS[record["kind"]], []).append(record)
        waiting: list[dict] = []
        rejects: list[dict] = []
        for role in (ARTICLES, DROPPED):
            waiting += self._write_role(role, groups.get(role, []), rejects, retrying)
        waiting += self._write_role(REJECTS, groups.get(REJECTS, []) + rejects, [], retrying)
        if not waiting:
            self._count("bulk_writes")
        return waiting

    def _stored(self, records: list[dict]) -> None:
        kinds = Counter(r["kind"] for r in records)
        if self._replaying:  # an earlier run's items: not this run's to account for
            self._count("replayed_from_spool", len(records))
            self._count("replay_rejected", kinds["reject"])
            return
        copies = sum(1 for r in records if r["kind"] == "article" and r.get("_decision") and r["_decision"].parent)
        self._count("written", kinds["article"] - copies)  # story documents (a copy of its own story)
        self._count("also_at", kinds["also_at"] + copies)  # copies of another story
        self._count("irrelevant_recorded", kinds["dropped"])
        self._count("stored", kinds["article"] + kinds["also_at"])
        self._count("rejected", kinds["reject"])

    def _reject(self, record: dict, reason: str, error: str, rejects: list[dict]) -> None:
        """The database refused this record itself: record why, keep going with the others."""
        if record["kind"] in ("dropped", "reject"):  # bookkeeping records: counted, not kept
            logger.error("MongoDB refused a %s record (%s): %s", record["kind"], reason, error)
            self._count(f"{record['kind']}_record_refused")
            return
        url = (record.get("doc") or record.get("entry") or {}).get("url")
        logger.warning("MongoDB refused the article %s (%s): %s; recorded in %s", url, reason, error,
                       self.names[REJECTS])
        self._count(f"rejected_reason/{reason}")
        rejects.append(reject_record(record, reason, error))
        if not self._replaying:
            self._fail("storage_rejected", f"MongoDB refused article(s) of this run ({reason}: {error}); "
                       f"see the {self.names[REJECTS]} collection")

    def _decide(self, records: list[dict]) -> None:
        """Each article's story, decided in MongoDB before it is written (healthcrawl/storage/stories.py)."""
        undecided = [r for r in records if r["kind"] == "article" and "_decision" not in r]
        if not undecided:
            return
        for record, decision in zip(undecided, self.stories.resolve_many([r["doc"] for r in undecided])):
            record["_decision"] = decision
            self._count(f"dedup:{'known' if decision.known else decision.reason}")

    def _write_role(self, role: str, records: list[dict], rejects: list[dict], retrying: bool) -> list[dict]:
        notes = [r for r in records if r["kind"] == "also_at"]
        if not notes:
            return self._write_records(role, records, rejects, retrying)
        waiting = self._write_records(role, [r for r in records if r["kind"] != "also_at"], rejects, retrying)
        return waiting + self._write_notes(notes, rejects)

    def _write_notes(self, notes: list[dict], rejects: list[dict]) -> list[dict]:
        """Reprint notes (items that named their original: imported data, spools of the earlier
        format), one by one: a note whose original is not stored is rejected, never lost."""
        for i, note in enumerate(notes):
            try:
                written = write_note(self.collections[ARTICLES], note)
            except TRANSIENT_ERRORS:
                self._count("write_failed_transient")
                return notes[i:]
            except Exception as exc:  # noqa: BLE001
                return self._refused(notes[i:], exc)
            if written:
                self._stored([note])
            else:
                self._reject(note, "OriginalNotStored", f"its original {note['original']} is not stored", rejects)
        return []

    def _away(self, records: list[dict], exc: BaseException, retrying: bool) -> list[dict]:
        """The database is away (a transient error): the records wait, one WARNING per outage."""
        if not retrying:
            logger.warning("MongoDB unreachable (%s): keeping %d record(s) in memory and in %s",
                           type(exc).__name__, len(records), self.spool.path)
        self._count("write_failed_transient")
        return records

    def _write_records(self, role: str, records: list[dict], rejects: list[dict], retrying: bool) -> list[dict]:
        collection = self.collections[role]
        if role == ARTICLES and records:
            try:
                self._decide(records)
            except TRANSIENT_ERRORS as exc:
                return self._away(records, exc, retrying)
            except Exception as exc:  # noqa: BLE001 - the decision cannot be taken: keep them all
                return self._refused(records, exc)
        races = 0
        while records:
            ops, owner = [], []
            for i, record in enumerate(records):
                for op in operations(record):
                    ops.append(op)
                    owner.append(i)
            try:
                collection.bulk_write(ops, ordered=True)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors") or []
                if not errors:  # write-concern errors only: applied but not confirmed
                    return self._refused(records, exc)
                error = errors[0]
                k = owner[error["index"]]
                self._stored(records[:k])
                if error.get("code") == 11000 and races < RACE_RETRIES:
                    races += 1  # two writers upserting one new document: the retry updates it
                    self._count("upsert_race_retried")
                else:
                    self._reject(records[k], error_name(error.get("code"), error.get("codeName")),
                                 redact(str(error.get("errmsg")))[:300], rejects)
                    k += 1
                records = records[k:]
            except TRANSIENT_ERRORS as exc:
                return self._away(records, exc, retrying)
            except Exception as exc:  # noqa: BLE001 - a refusal of the batch: find whose it is
                return self._one_by_one(collection, records, exc, rejects)
            else:
                self._stored(records)
                return []
        return []

    def _one_by_one(self, collection, records: list[dict], first: BaseException,
                    rejects: list[dict]) -> list[dict]:
        """The batch was refused as a whole: write its records one at a time; those refused for
        a reason of their own are rejected, a refusal of everything keeps them all waiting."""
        for i, record in enumerate(records):
            try:
                collection.bulk_write(operations(record), ordered=True)
            except TRANSIENT_ERRORS:
                self._count("write_failed_transient")
                return records[i:]
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors") or []
                if not errors:
                    return self._refused(records[i:], exc)
                self._reject(record, error_name(errors[0].get("code"), errors[0].get("codeName")),
                             redact(str(errors[0].get("errmsg")))[:300], rejects)
            except Exception as exc:  # noqa: BLE001
                if record_specific(exc):
                    self._reject(record, _reason(exc), _describe(exc), rejects)
                else:
                    return self._refused(records[i:], exc)
            else:
                self._stored([record])
        return []

    def _refused(self, records: list[dict], exc: BaseException) -> list[dict]:
        """The database refuses writes for a reason no retry of ours fixes soon (write concern,
        permissions, a server-side limit): the run fails loudly; the records wait in the spool and
        are retried (the next run writes them once the cause is fixed)."""
        cause = _describe(exc)
        self._count("write_refused")
        if self._permanent != cause:
            self._permanent = cause
            self._fail("storage_refused", f"MongoDB refuses writes: {cause}; {len(records)} record(s) "
                       f"kept in {self.spool.path}")
        return records

    def _replay_leftovers(self) -> None:
        """Write records spooled by earlier runs (idempotent: nothing is doubled)."""
        self._replaying = True
        try:
            for path in self.spool.leftovers():
                self._replay_file(path)
        finally:
            self._replaying = False

    def _replay_file(self, path) -> None:
        claimed = Spool.claim(path)
        if claimed is None:  # another process took it first
            return
        quarantined = [0]
        written = 0
        for batch in Spool.read_batches(claimed, self.batch_size, quarantined):
            waiting = self._write(batch)
            if waiting:  # the database is away or refuses: give the file back for the next run
                Spool.release(claimed)
                raise StorageError(
                    f"cannot write the {len(waiting)} record(s) left in {path.name} by an earlier "
                    f"run: {self._permanent or 'MongoDB went away'}")
            written += len(batch)
        claimed.unlink()
        self._count("spool_quarantined", quarantined[0])
        logger.warning("wrote %d record(s) left in %s by an earlier run", written, path.name)
