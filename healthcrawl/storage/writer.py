"""The mongo pipeline's writer thread: batches the queued records (``MONGO_BATCH_SIZE`` /
``MONGO_FLUSH_INTERVAL``), keeps what the database does not take in memory and in the spool, retries
with backoff, flushes at close, and replays the spools earlier runs left. A part of
:class:`pipelines.mongo.MongoPipeline` (the batch itself is written by
:class:`healthcrawl.storage.batches.BatchWrites`)."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time

from healthcrawl.storage.batches import describe
from healthcrawl.storage.errors import StorageError
from healthcrawl.storage.records import ITEM_KINDS
from healthcrawl.storage.spool import Spool

logger = logging.getLogger("pipelines.mongo")

#: put on the queue by close: the thread writes what it holds and ends
STOP = object()
#: longest wait between two attempts while the database is away (s)
MAX_BACKOFF = 10.0
#: held by a writer thread while it writes a batch, when the process's writers take turns
#: (``MONGO_WRITERS_TAKE_TURNS``)
TURN = threading.Lock()


class WriterThread:
    """Mixin of the mongo pipeline: the body of its writer thread (:meth:`_run`)."""

    @staticmethod
    def _items(records: list[dict]) -> int:
        return sum(r["kind"] in ITEM_KINDS for r in records)

    def _run(self) -> None:
        try:
            self._write_loop()
        except BaseException as exc:  # noqa: BLE001 - a dead writer must never lose items silently
            with self._lock:
                self._dead = True
                leftover = self._drain()
            self._fail("storage_writer_died",
                       f"the MongoDB writer thread stopped ({describe(exc)}); this run's unwritten "
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
            if obj is not STOP:
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

    def _next_record(self, batch_started: float, next_retry: float, backoff: float):
        """The next queued record (or STOP), or None once the batch is due or a retry is."""
        wait = None
        if self._batch:
            wait = max(0.0, batch_started + self.flush_interval - time.monotonic())
        if self._pending:
            wait = min(wait if wait is not None else backoff, max(0.0, next_retry - time.monotonic()))
        try:
            return self._queue.get(timeout=wait) if wait is None or wait > 0 else self._queue.get_nowait()
        except queue.Empty:
            return None

    def _write_loop(self) -> None:
        self._batch: list[dict] = []
        batch_started = next_retry = 0.0
        backoff = self.retry_interval
        closing = False
        first = True  # the run's first batch is written as soon as it has an item: no flush wait
        while not closing:
            obj = self._next_record(batch_started, next_retry, backoff)
            if obj is STOP:
                closing = True
            elif obj is not None:
                if not self._batch:
                    batch_started = time.monotonic()
                self._batch.append(obj)  # an article, reprint note or dropped record, ready to write
            due = self._batch and (first or len(self._batch) >= self.batch_size or closing
                                   or time.monotonic() - batch_started >= self.flush_interval)
            if due:  # (the batch stays in self._batch until it is handled: a crash salvages it)
                if self._pending:  # the database is away: queue behind what is waiting
                    self._park(self._batch)
                else:
                    with self._turn():
                        waiting = self._write(self._batch)
                    if waiting:
                        self._park(waiting)
                        next_retry = time.monotonic() + backoff
                self._batch = []
                first = False
            if self._pending and time.monotonic() >= next_retry:
                if self._write_pending():
                    backoff = self.retry_interval
                else:
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    next_retry = time.monotonic() + backoff
        self._final_flush()

    def _turn(self):
        """The process's turn to write (``MONGO_WRITERS_TAKE_TURNS``), else no wait."""
        return TURN if self.take_turns else contextlib.nullcontext()

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

    # -- the spools of earlier runs (written at start-up, before this run's items) ------------------
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
