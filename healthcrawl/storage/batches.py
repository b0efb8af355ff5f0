"""Writing one batch of records (articles, reprint notes, dropped URLs, rejects) to MongoDB: each
record ends stored, rejected (the database refused that document) or waiting (the database is
away, or refuses the whole batch). A part of :class:`pipelines.mongo.MongoPipeline`, which holds
the collections, the story resolver and the counters these methods use."""

from __future__ import annotations

import logging
from collections import Counter

from pymongo.errors import BulkWriteError

from healthcrawl.storage.collections import ARTICLES, DROPPED, REJECTS
from healthcrawl.storage.errors import TRANSIENT_ERRORS, error_name, record_specific, redact
from healthcrawl.storage.records import RECORD_KINDS, operations, reject_record, write_note

logger = logging.getLogger("pipelines.mongo")

#: writer retries of the same records after a duplicate-key race before the record is rejected
RACE_RETRIES = 5


def reason_of(exc: BaseException) -> str:
    """A short name for why a write failed: the server's code name, else the exception's type."""
    details = getattr(exc, "details", None) or {}
    code = getattr(exc, "code", None)
    return error_name(code, details.get("codeName")) if code is not None else type(exc).__name__


def describe(exc: BaseException) -> str:
    """``Type: message`` of a database error, redacted and short (no full server reply)."""
    text = str(exc).split(", full error:")[0]
    return redact(f"{type(exc).__name__}: {text}")[:300]


def _write_error(exc: BulkWriteError) -> tuple[dict | None, str, str]:
    """The first write error of a bulk write (None: write-concern errors only), its name and message."""
    errors = exc.details.get("writeErrors") or []
    if not errors:
        return None, "", ""
    error = errors[0]
    return error, error_name(error.get("code"), error.get("codeName")), redact(str(error.get("errmsg")))[:300]


class BatchWrites:
    """Mixin of the mongo pipeline: ``_write(records)`` → the records that must wait."""

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
                error, name, message = _write_error(exc)
                if error is None:  # write-concern errors only: applied but not confirmed
                    return self._refused(records, exc)
                k = owner[error["index"]]
                self._stored(records[:k])
                if error.get("code") == 11000 and races < RACE_RETRIES:
                    races += 1  # two writers upserting one new document: the retry updates it
                    self._count("upsert_race_retried")
                else:
                    self._reject(records[k], name, message, rejects)
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
                error, name, message = _write_error(exc)
                if error is None:
                    return self._refused(records[i:], exc)
                self._reject(record, name, message, rejects)
            except Exception as exc:  # noqa: BLE001
                if record_specific(exc):
                    self._reject(record, reason_of(exc), describe(exc), rejects)
                else:
                    return self._refused(records[i:], exc)
            else:
                self._stored([record])
        return []

    def _refused(self, records: list[dict], exc: BaseException) -> list[dict]:
        """The database refuses writes for a reason no retry of ours fixes soon (write concern,
        permissions, a server-side limit): the run fails loudly; the records wait in the spool and
        are retried (the next run writes them once the cause is fixed)."""
        cause = describe(exc)
        self._count("write_refused")
        if self._permanent != cause:
            self._permanent = cause
            self._fail("storage_refused", f"MongoDB refuses writes: {cause}; {len(records)} record(s) "
                       f"kept in {self.spool.path}")
        return records
