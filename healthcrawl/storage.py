"""MongoDB storage: where the database is, what a document looks like, indexes, the spool.

Used by ``pipelines/mongo.py`` (writes), the dedup pipeline (lookups) and the CLI (bulletin,
export, runs). Nothing here runs on the reactor thread except :func:`resolve_mongo_uri`, which
may start the embedded mongod once at start-up.
"""

from __future__ import annotations

import logging
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import bson
import pymongo
from bson import json_util
from pymongo import ASCENDING, DESCENDING, TEXT, IndexModel, UpdateOne
from bson.errors import InvalidDocument
from pymongo.errors import (AutoReconnect, ConnectionFailure, DocumentTooLarge, NetworkTimeout,
                            ServerSelectionTimeoutError)

from healthcrawl import mongod, stories
from healthcrawl.dedup import Fingerprinter
from healthcrawl import redact as _redact
from healthcrawl.article import Article, to_document, to_utc
from healthcrawl.segment import search_tokens
from healthcrawl.urls import canonical_url

logger = logging.getLogger(__name__)

ARTICLES = "articles"
CRAWL_RUNS = "crawl_runs"
#: URLs of articles the relevance pipeline dropped (``_id`` = canonical URL); see :func:`dropped_record`
DROPPED = "dropped"
#: ``DropItem.drop_reason`` set by pipelines/relevance.py on a not-relevant drop
IRRELEVANT = "irrelevant"

#: items the mongo pipeline could not store, with the reason and what it takes to fetch them again
REJECTS = "rejects"

#: MongoDB errors that mean "the server is away, try again later" (as opposed to a bad write).
TRANSIENT_ERRORS = (AutoReconnect, ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError)
#: server error codes that belong to one document, not to the connection or the configuration:
#: schema validation, document or index key too large, bad field names, a text-index language
RECORD_ERROR_CODES = {121: "DocumentValidationFailure", 10334: "BSONObjectTooLarge", 17419: "DocumentTooLarge",
                      17420: "DocumentTooLarge", 17280: "KeyTooLong", 52: "DollarPrefixedFieldName",
                      55: "InvalidDBRef", 56: "EmptyFieldName", 17262: "TextIndexLanguage",
                      17261: "TextIndexLanguage", 16755: "CannotExtractGeoKeys"}


def error_name(code: Any, code_name: str | None = None) -> str:
    """A readable name for a server error code (write errors carry only the number)."""
    return str(code_name or RECORD_ERROR_CODES.get(code) or code)


def record_specific(exc: BaseException) -> bool:
    """Whether an exception from writing one record is about that record (reject it) rather than
    about the database or the configuration (keep the record and fail the run)."""
    if isinstance(exc, (InvalidDocument, DocumentTooLarge)):
        return True
    code = getattr(exc, "code", None)
    if code in RECORD_ERROR_CODES:
        return True
    return code == 2 and "BSONObj size" in str(exc)  # an update that would make it > 16 MB


class StorageError(RuntimeError):
    """Storage is required but not usable; the message is meant for the operator."""


def redact(text: str) -> str:
    """Hide every secret of any URI inside ``text`` (alias of :func:`healthcrawl.redact.secrets`)."""
    return _redact.secrets(text)


def resolve_mongo_uri(settings: Any) -> str:
    """MONGO_URI if set, else the embedded mongod (started or reused), else a clear error."""
    uri = settings.get("MONGO_URI") or os.environ.get("MONGO_URI")
    if uri:
        return uri
    if not settings.getbool("HEALTHCRAWL_EMBEDDED_MONGO", True):
        raise StorageError("MONGO_URI is not set and HEALTHCRAWL_EMBEDDED_MONGO is off: "
                           "set MONGO_URI=mongodb://host:port to store articles")
    try:
        server = mongod.ensure_running(settings.get("HEALTHCRAWL_MONGO_DBPATH", "var/mongo"),
                                       settings.getint("HEALTHCRAWL_MONGO_PORT", 27027),
                                       settings.getfloat("HEALTHCRAWL_MONGO_CACHE_GB", 2.0))
    except mongod.EmbeddedMongoError as exc:
        raise StorageError(f"cannot run the embedded MongoDB: {exc}") from None
    return server.uri


def connect(uri: str, timeout: float = 5.0, **kwargs: Any) -> pymongo.MongoClient:
    """A client that has answered a ping, or a StorageError with a redacted message."""
    try:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=int(timeout * 1000),
                                     connectTimeoutMS=int(timeout * 1000), tz_aware=True,
                                     appname="healthcrawl", **kwargs)
    except Exception as exc:  # noqa: BLE001 - a URI pymongo cannot read (bad option, unescaped "/")
        raise StorageError(f"MONGO_URI {redact(uri)} is not a usable MongoDB URI: "
                           f"{redact(type(exc).__name__ + ': ' + str(exc))[:300]}") from None
    try:
        client.admin.command("ping")
    except Exception as exc:  # noqa: BLE001 - any failure here is a start-up failure
        client.close()
        detail = str(exc).split(" (configured timeouts")[0].split(", Timeout:")[0]
        raise StorageError(f"MongoDB at {redact(uri)} is unreachable: "
                           f"{redact(type(exc).__name__ + ': ' + detail)[:300]}") from None
    return client


def mongo_pipeline_enabled(settings: Any) -> bool:
    """Whether a crawl with these settings stores articles (pipelines/mongo.py is on)."""
    from scrapy.utils.conf import build_component_list

    pipelines = build_component_list(settings.getwithbase("ITEM_PIPELINES"))
    return any(str(getattr(p, "__name__", p)).endswith("MongoPipeline") for p in pipelines)


def write_concern(settings: Any) -> pymongo.WriteConcern:
    """The write concern of article writes: ``MONGO_WRITE_CONCERN`` (1, 2, "majority" …),
    journaled unless ``MONGO_WRITE_JOURNAL`` is off."""
    w = settings.get("MONGO_WRITE_CONCERN", 1)
    return pymongo.WriteConcern(w=int(w) if str(w).isdigit() else w, j=settings.getbool("MONGO_WRITE_JOURNAL", True))


def check_writes(db: pymongo.database.Database, concern: pymongo.WriteConcern, uri: str) -> None:
    """A write that matches nothing: the server checks the write concern (w: 2 on a standalone
    server, an unknown tag) and the user's right to write before anything else. StorageError
    with a readable, redacted message if it refuses."""
    try:
        db.get_collection(REJECTS, write_concern=concern).update_one(
            {"_id": "\x00healthcrawl-write-probe"}, {"$max": {"probe": 0}})
    except TRANSIENT_ERRORS as exc:
        raise StorageError(f"MongoDB at {redact(uri)} went away: {type(exc).__name__}") from None
    except Exception as exc:  # noqa: BLE001 - any refusal here is a configuration problem
        detail = str(exc).split(", full error:")[0]
        raise StorageError(f"MongoDB at {redact(uri)} refuses writes with write concern "
                           f"w={concern.document.get('w', 1)!r}, j={concern.document.get('j', False)}: "
                           f"{redact(type(exc).__name__ + ': ' + detail)[:300]}") from None


def preflight(settings: Any) -> str:
    """Everything storage needs, checked before a crawl starts: the database answers, accepts
    writes with the configured write concern, and the spool folder is usable. Returns the URI;
    raises StorageError with one readable line."""
    uri = resolve_mongo_uri(settings)
    client = connect(uri, settings.getfloat("MONGO_CONNECT_TIMEOUT", 5.0))
    try:
        check_writes(client[settings.get("MONGO_DATABASE", "healthcrawl")], write_concern(settings), uri)
    finally:
        client.close()
    Spool(settings.get("MONGO_SPOOL_DIR", "var/spool"), "preflight").check(close=True)
    return uri


# --- indexes -------------------------------------------------------------------------------------
ARTICLE_INDEXES = [
    IndexModel([("canonical_url", ASCENDING)], unique=True, name="canonical_url_unique"),
    IndexModel([("published_at", DESCENDING)], name="published_at"),
    IndexModel([("site", ASCENDING), ("published_at", DESCENDING)], name="site_published_at"),
    IndexModel([("relevance.score", DESCENDING)], name="relevance_score"),
    IndexModel([("relevance.relevant", ASCENDING), ("published_at", DESCENDING)], name="relevant_published_at"),
    IndexModel([("content_hash", ASCENDING)], name="content_hash"),
    # one document per story (healthcrawl/stories.py); partial: documents written before stories
    # have no story until ensure_indexes has migrated them
    IndexModel([("story", ASCENDING)], unique=True, name="story_unique",
               partialFilterExpression={"story": {"$type": "string"}}),
    IndexModel([("also_at.canonical_url", ASCENDING)], name="also_at_canonical_url"),
    IndexModel([("search_title", TEXT), ("search_body", TEXT)], name="search_text",
               weights={"search_title": 5, "search_body": 1}, default_language="none"),
]


def ensure_indexes(db: pymongo.database.Database) -> None:
    """Indexes of every collection the crawler writes (idempotent, quick when they exist), and the
    one-time migration of documents written before stories (:func:`stories.migrate`)."""
    db[ARTICLES].create_indexes(ARTICLE_INDEXES)
    stories.ensure_indexes(db)
    stories.migrate(db, db[ARTICLES])
    db[CRAWL_RUNS].create_index([("spider", ASCENDING), ("start_time", DESCENDING)], name="spider_start")
    db[REJECTS].create_index([("last_seen", DESCENDING)], name="last_seen")


# --- write operations ----------------------------------------------------------------------------
#: the record kinds the writer knows, and the collection role each is written to
RECORD_KINDS = {"article": ARTICLES, "also_at": ARTICLES, "dropped": DROPPED, "reject": REJECTS}
#: records that stand for one item of the pipeline (a ``dropped`` record comes from a drop signal)
ITEM_KINDS = ("article", "also_at", "reject")


def _truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at the last paragraph break in the final tenth if any."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", int(limit * 0.9), limit)
    return text[:cut if cut > 0 else limit]


def cap_document(doc: dict[str, Any], max_body_chars: int, max_bytes: int) -> dict[str, Any]:
    """Keep a document under MongoDB's 16 MB limit: a body longer than ``max_body_chars`` is cut
    (``body_truncated: true``, ``body_chars``: the full length) and its search tokens with it;
    if the BSON encoding is still over ``max_bytes`` the body is halved until it fits. The
    article is stored either way (the full text stays one click away at its URL)."""
    body = doc.get("body") or ""
    full = len(body)
    if full > max_body_chars:
        doc["body"] = _truncate(body, max_body_chars)
    rough = sum(len(v) for v in (doc.get("body"), doc.get("title"), doc.get("search_body"),
                                 doc.get("search_title")) if isinstance(v, str))
    if rough * 3 > max_bytes // 2:  # only big documents pay for an exact size
        while len(bson.encode(doc)) > max_bytes and len(doc["body"]) > 1000:
            doc["body"] = _truncate(doc["body"], len(doc["body"]) // 2)
            doc["search_body"] = search_tokens(doc["body"])
    if len(doc.get("body") or "") < full:
        doc["body_truncated"] = True
        doc["body_chars"] = full
    return doc


def article_record(item: Article, now: datetime | None = None, *, max_body_chars: int = 500_000,
                   max_bytes: int = 8 * 1024 * 1024) -> dict[str, Any]:
    """What the writer stores for one item: an upsert of the article, or a reprint note."""
    now = now or datetime.now(timezone.utc)
    if item.duplicate_of:
        return {
            "kind": "also_at",
            "original": item.duplicate_of["canonical_url"],
            "entry": {
                "url": item.url,
                "canonical_url": item.canonical_url,
                "site": item.site,
                "site_name": item.site_name,
                "title": item.title,
                "published_at": to_utc(item.published_at) if item.published_at else None,
                "reason": item.duplicate_of.get("reason"),
                "similarity": item.duplicate_of.get("similarity"),
            },
            "seen": now,
        }
    doc = to_document(item)
    doc.pop("duplicate_of", None)
    body = _truncate(item.body or "", max_body_chars)
    doc["search_title"] = search_tokens(item.title)
    doc["search_body"] = search_tokens(body)
    return {"kind": "article", "doc": cap_document(doc, max_body_chars, max_bytes), "seen": now}


def reject_record(record: dict[str, Any], reason: str, error: str,
                  now: datetime | None = None) -> dict[str, Any]:
    """A ``rejects`` entry for an item record the database refused: the URL and what it takes to
    fetch it again (site, spider, job), the reason (an error code name) and the error (redacted)."""
    if record["kind"] == "also_at":
        entry = record["entry"]
        doc = {"url": entry.get("url"), "canonical_url": entry.get("canonical_url"),
               "site": entry.get("site"), "title": entry.get("title"),
               "published_at": entry.get("published_at"), "reprint_of": record.get("original")}
    else:
        article = record["doc"]
        crawl = article.get("crawl") or {}
        doc = {"url": article.get("url"), "canonical_url": article.get("canonical_url"),
               "site": article.get("site"), "title": str(article.get("title") or "")[:500],
               "published_at": article.get("published_at"), "spider": crawl.get("spider"),
               "job_id": crawl.get("job_id")}
    doc.update(_id=doc["canonical_url"] or doc["url"], kind=record["kind"], reason=reason,
               error=redact(error)[:500])
    return {"kind": "reject", "doc": doc, "seen": now or datetime.now(timezone.utc)}


def valid_record(obj: Any) -> bool:
    """Whether a value read back from the spool is a record the writer can write."""
    if not isinstance(obj, dict) or obj.get("kind") not in RECORD_KINDS or not isinstance(obj.get("seen"), datetime):
        return False
    if obj["kind"] == "also_at":
        return isinstance(obj.get("original"), str) and isinstance(obj.get("entry"), dict) \
            and isinstance(obj["entry"].get("canonical_url"), str)
    doc = obj.get("doc")
    if not isinstance(doc, dict):
        return False
    return isinstance(doc.get("canonical_url" if obj["kind"] == "article" else "_id"), str)


def operations(record: dict[str, Any]) -> list[UpdateOne]:
    """The idempotent operations of any record (see :func:`record_operations`)."""
    if record["kind"] in ("dropped", "reject"):
        return [dropped_operation(record)]
    return record_operations(record)


def record_operations(record: dict[str, Any]) -> list[UpdateOne]:
    """Idempotent operations for a record: replaying one twice changes nothing more.

    An article record is written into its story's document (:func:`stories.story_operation`,
    one atomic pipeline update, upserted) under the decision the writer took for it
    (``record["_decision"]``; without one the article is a story of its own). A reprint note (an
    item that named its original itself, ``duplicate_of``) joins the copies of the story holding
    that original (:func:`write_note`: written alone, so that a note whose original is not
    stored is seen, not counted as written)."""
    seen = record["seen"]
    if record["kind"] == "also_at":
        entry = dict(record["entry"], reason=record["entry"].get("reason") or "reprint")
        return [UpdateOne(*stories.legacy_note_operation(record["original"], entry, seen))]
    doc = record["doc"]
    decision = record.get("_decision") or stories.Decision(doc["canonical_url"], None, "original")
    return [UpdateOne(*stories.story_operation(doc, decision, seen), upsert=True)]


def dropped_record(item: Any, exception: BaseException,
                   now: datetime | None = None) -> dict[str, Any] | None:
    """What the writer stores for an item the relevance pipeline dropped as not relevant, or None.

    Only a drop raised with ``drop_reason == "irrelevant"`` on a scored item counts: validation
    drops (a broken page may be fixed later) and any other drop are not remembered. The record
    lets the next crawl skip the URL while the lexicon version is unchanged
    (healthcrawl/middlewares/known.py).
    """
    if getattr(exception, "drop_reason", None) != IRRELEVANT:
        return None
    relevance = getattr(item, "relevance", None) or {}
    url = getattr(item, "url", None) or ""
    canonical = getattr(item, "canonical_url", None) or (canonical_url(url) if url else "")
    if not canonical or relevance.get("relevant") is not False:
        return None
    return {"kind": "dropped",
            "doc": {"_id": canonical, "url": url, "site": getattr(item, "site", None) or "",
                    "reason": IRRELEVANT, "score": relevance.get("score"),
                    "lexicon_version": relevance.get("lexicon_version")},
            "seen": now or datetime.now(timezone.utc)}


def dropped_operation(record: dict[str, Any]) -> UpdateOne:
    """Idempotent upsert of a ``dropped`` or ``reject`` record keyed on its ``_id`` (``first_seen``
    $min, ``last_seen`` $max)."""
    doc, seen = record["doc"], record["seen"]
    fields = {k: v for k, v in doc.items() if k != "_id"}
    return UpdateOne({"_id": doc["_id"]},
                     {"$set": fields, "$min": {"first_seen": seen}, "$max": {"last_seen": seen}},
                     upsert=True)


def write_records(collection: pymongo.collection.Collection, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write records as the mongo pipeline does (each article's story decided first, the
    articles in one ordered bulk_write, then the reprint notes one by one); for tests and tools.
    Returns the reprint notes whose original is not stored (not written)."""
    articles = [r for r in records if r["kind"] == "article"]
    if articles:
        decisions = stories.Stories(collection.database, Fingerprinter()).resolve_many([r["doc"] for r in articles])
        for record, decision in zip(articles, decisions):
            record["_decision"] = decision
        collection.bulk_write([op for r in articles for op in record_operations(r)], ordered=True)
    return [r for r in records if r["kind"] == "also_at" and not write_note(collection, r)]


def write_note(collection: pymongo.collection.Collection, record: dict[str, Any]) -> bool:
    """Write a reprint note (an ``also_at`` record) into the story holding its original; False
    when no stored story holds it (nothing written)."""
    (op,) = record_operations(record)
    return collection.update_one(op._filter, op._doc).matched_count > 0


# --- the spool: records waiting for the database -------------------------------------------------
def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), or None if there is no such live process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":  # a zombie holds its pid but writes nothing
            return None
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return 0.0  # alive, start unknown (no /proc): assume it is the owner


class Spool:
    """Records that could not be written yet, one extended-JSON line each, under ``directory``.

    Writing a record twice is harmless (the operations are idempotent upserts keyed on the
    canonical URL), so replaying a spool after a crash can never create a second document.

    File names: ``<database>.<pid>.<ms>.jsonl`` while a process writes it, renamed to
    ``<database>.<pid>.<ms>.replaying-<pid2>`` by the process replaying it, and
    ``….quarantine`` for lines that are not records. A file whose owning process is gone (its pid
    is not running, or runs a process started after the file was last written) is a leftover that
    the next run replays — also a ``replaying-`` file left by a replay that was killed.
    """

    #: spool files of this process whose pipeline is still open (others of this pid are leftovers)
    _open: set[str] = set()

    def __init__(self, directory: str | Path, database: str):
        self.directory = Path(directory)
        self.database = re.sub(r"[^A-Za-z0-9_.-]", "_", database)
        self.path = self.directory / f"{self.database}.{os.getpid()}.{time.time_ns() // 1000}.jsonl"
        Spool._open.add(self.path.name)

    def close(self) -> None:
        """This spool's pipeline is done: a file it leaves is a leftover for the next run."""
        Spool._open.discard(self.path.name)

    def check(self, close: bool = False) -> None:
        """StorageError unless records can be spooled here (checked at start-up)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            probe = self.directory / f".{self.path.name}.probe"
            with probe.open("a", encoding="utf-8") as fh:
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            probe.unlink()
        except OSError as exc:
            raise StorageError(f"the spool folder {self.directory} (MONGO_SPOOL_DIR) is not usable: "
                               f"{exc.strerror or exc}") from None
        finally:
            if close:
                self.close()

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        n = 0
        with self.path.open("a", encoding="utf-8") as fh:
            for record in records:  # keys starting with "_" are the writer's own marks
                record = {k: v for k, v in record.items() if not k.startswith("_")}
                fh.write(json_util.dumps(record, json_options=json_util.RELAXED_JSON_OPTIONS) + "\n")
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
        return n

    def discard_own(self) -> None:
        """Remove this process's spool file: everything in it is written."""
        try:
            self.path.unlink(missing_ok=True)
        except NotADirectoryError:  # the folder is gone, and the file with it
            pass
        except OSError as exc:  # left behind: a later replay rewrites it, which changes nothing
            logger.warning("could not remove the written spool %s: %s", self.path, exc.strerror or exc)

    @staticmethod
    def _owner(path: Path) -> int | None:
        """The pid that owns a spool file: the replaying process, else the writing one."""
        suffix = path.suffix
        try:
            if suffix.startswith(".replaying-"):
                return int(suffix[len(".replaying-"):])
            return int(path.name.split(".")[-3])
        except (ValueError, IndexError):
            return None

    @classmethod
    def orphaned(cls, path: Path) -> bool:
        """Whether nobody is writing or replaying ``path`` any more."""
        pid = cls._owner(path)
        if pid is None:
            return True
        if pid == os.getpid():  # this process: a pipeline still open here owns it, else nobody
            return path.name not in cls._open and not path.suffix.startswith(".replaying-")
        started = _process_start(pid)
        if started is None:
            return True
        try:  # the pid was reused by a process started after the file was last touched
            return started > path.stat().st_mtime + 1
        except OSError:
            return False

    def leftovers(self) -> list[Path]:
        """Spool files of earlier runs (or dead processes) for this database, oldest first."""
        if not self.directory.exists():
            return []
        files = [p for p in self.directory.glob(f"{self.database}.*")
                 if p != self.path and (p.suffix == ".jsonl" or p.suffix.startswith(".replaying-"))]
        return sorted((p for p in files if self.orphaned(p)), key=self._written)

    @staticmethod
    def _written(path: Path) -> tuple[float, str]:
        """Replay order: the oldest file first (a reprint note after the original it names)."""
        try:
            return path.stat().st_mtime, path.name
        except OSError:
            return 0.0, path.name

    @staticmethod
    def claim(path: Path) -> Path | None:
        """Rename a leftover so only one process replays it; None if another one got it."""
        claimed = path.with_suffix(f".replaying-{os.getpid()}")
        try:
            path.rename(claimed)
        except OSError:
            return None
        return claimed

    @staticmethod
    def release(claimed: Path) -> Path:
        """Give a claimed file back (its replay could not finish): the next run takes it."""
        back = claimed.with_suffix(".jsonl")
        claimed.rename(back)
        return back

    @staticmethod
    def read_batches(path: Path, size: int, quarantine: list[int] | None = None) -> Iterator[list[dict[str, Any]]]:
        """The file's records, ``size`` at a time. A line that is not a record (corrupt bytes,
        a line cut short by a crash, any other JSON) goes to ``<file>.quarantine`` with one
        WARNING for the file; ``quarantine`` (a one-element list) receives their number."""
        bad: list[bytes] = []
        batch: list[dict[str, Any]] = []
        with path.open("rb") as fh:
            for raw in fh:
                line = raw.strip()
                if not line:
                    continue
                try:
                    record = json_util.loads(line.decode("utf-8"), json_options=json_util.RELAXED_JSON_OPTIONS)
                except (UnicodeDecodeError, ValueError, TypeError, RecursionError, bson.errors.BSONError):
                    record = None
                if not valid_record(record):
                    bad.append(raw if raw.endswith(b"\n") else raw + b"\n")
                    continue
                batch.append(record)
                if len(batch) >= size:
                    yield batch
                    batch = []
        if batch:
            yield batch
        if bad:
            target = path.with_suffix(".quarantine")
            with target.open("ab") as out:
                out.writelines(bad)
            logger.warning("spool %s: %d line(s) that are not records moved to %s", path.name, len(bad), target.name)
            if quarantine is not None:
                quarantine[0] += len(bad)
