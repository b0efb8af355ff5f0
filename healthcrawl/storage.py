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
from typing import Any, Iterable

import pymongo
from bson import json_util
from pymongo import ASCENDING, DESCENDING, TEXT, IndexModel, UpdateOne
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError

from healthcrawl import mongod
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

#: MongoDB errors that mean "the server is away, try again later" (as opposed to a bad write).
TRANSIENT_ERRORS = (AutoReconnect, ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError)


class StorageError(RuntimeError):
    """Storage is required but not usable; the message is meant for the operator."""


_CREDENTIALS = re.compile(r"(mongodb(?:\+srv)?://)([^@/\s]+)@")


def redact(text: str) -> str:
    """Hide the user:password part of any MongoDB URI inside ``text``."""
    return _CREDENTIALS.sub(r"\1***:***@", str(text))


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
                                       settings.getint("HEALTHCRAWL_MONGO_PORT", 27027))
    except mongod.EmbeddedMongoError as exc:
        raise StorageError(f"cannot run the embedded MongoDB: {exc}") from None
    return server.uri


def connect(uri: str, timeout: float = 5.0, **kwargs: Any) -> pymongo.MongoClient:
    """A client that has answered a ping, or a StorageError with a redacted message."""
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=int(timeout * 1000),
                                 connectTimeoutMS=int(timeout * 1000), tz_aware=True,
                                 appname="healthcrawl", **kwargs)
    try:
        client.admin.command("ping")
    except Exception as exc:  # noqa: BLE001 - any failure here is a start-up failure
        client.close()
        detail = str(exc).split(" (configured timeouts")[0].split(", Timeout:")[0]
        raise StorageError(f"MongoDB at {redact(uri)} is unreachable: "
                           f"{redact(type(exc).__name__ + ': ' + detail)[:300]}") from None
    return client


# --- indexes -------------------------------------------------------------------------------------
ARTICLE_INDEXES = [
    IndexModel([("canonical_url", ASCENDING)], unique=True, name="canonical_url_unique"),
    IndexModel([("published_at", DESCENDING)], name="published_at"),
    IndexModel([("site", ASCENDING), ("published_at", DESCENDING)], name="site_published_at"),
    IndexModel([("relevance.score", DESCENDING)], name="relevance_score"),
    IndexModel([("relevance.relevant", ASCENDING), ("published_at", DESCENDING)], name="relevant_published_at"),
    IndexModel([("content_hash", ASCENDING)], name="content_hash"),
    IndexModel([("dedup.keys", ASCENDING)], name="dedup_keys"),
    IndexModel([("search_title", TEXT), ("search_body", TEXT)], name="search_text",
               weights={"search_title": 5, "search_body": 1}, default_language="none"),
]


def ensure_indexes(db: pymongo.database.Database) -> None:
    db[ARTICLES].create_indexes(ARTICLE_INDEXES)
    db[CRAWL_RUNS].create_index([("spider", ASCENDING), ("start_time", DESCENDING)], name="spider_start")


# --- write operations ----------------------------------------------------------------------------
def article_record(item: Article, now: datetime | None = None) -> dict[str, Any]:
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
    doc["search_title"] = search_tokens(item.title)
    doc["search_body"] = search_tokens(item.body)
    return {"kind": "article", "doc": doc, "seen": now}


def record_operations(record: dict[str, Any]) -> list[UpdateOne]:
    """Idempotent operations for a record: replaying one twice changes nothing more."""
    seen = record["seen"]
    if record["kind"] == "also_at":
        entry = record["entry"]
        return [
            # drop an older note for the same reprint URL, then add the current one; the
            # original may not be written yet (another crawler's or process's batch), so the
            # note upserts a stub that the original's own upsert completes
            UpdateOne({"canonical_url": record["original"]},
                      {"$pull": {"also_at": {"canonical_url": entry["canonical_url"]}}}),
            UpdateOne({"canonical_url": record["original"]},
                      {"$push": {"also_at": entry}, "$max": {"last_seen": seen},
                       "$setOnInsert": {"stub": True}},
                      upsert=True),
        ]
    doc = record["doc"]
    fields = {k: v for k, v in doc.items() if k not in ("first_seen", "last_seen", "also_at", "_id")}
    return [UpdateOne(
        {"canonical_url": doc["canonical_url"]},
        {"$set": fields, "$min": {"first_seen": seen}, "$max": {"last_seen": seen},
         "$setOnInsert": {"also_at": []}, "$unset": {"stub": ""}},
        upsert=True,
    )]


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
    """Idempotent upsert of a ``dropped`` record (``first_seen`` $min, ``last_seen`` $max)."""
    doc, seen = record["doc"], record["seen"]
    fields = {k: v for k, v in doc.items() if k != "_id"}
    return UpdateOne({"_id": doc["_id"]},
                     {"$set": fields, "$min": {"first_seen": seen}, "$max": {"last_seen": seen}},
                     upsert=True)


def write_records(collection: pymongo.collection.Collection, records: list[dict[str, Any]]):
    """One ordered bulk_write (one round trip for up to 100,000 operations)."""
    ops: list[UpdateOne] = []
    for record in records:
        if record["kind"] != "dropped":  # dropped records belong to the DROPPED collection
            ops.extend(record_operations(record))
    if not ops:
        return None
    return collection.bulk_write(ops, ordered=True)


# --- the spool: records waiting for the database -------------------------------------------------
class Spool:
    """Records that could not be written yet, one extended-JSON line each, under ``directory``.

    Writing a record twice is harmless (the operations are idempotent upserts keyed on the
    canonical URL), so replaying a spool after a crash can never create a second document.
    """

    def __init__(self, directory: str | Path, database: str):
        self.directory = Path(directory)
        self.database = re.sub(r"[^A-Za-z0-9_.-]", "_", database)
        self.path = self.directory / f"{self.database}.{os.getpid()}.{int(time.time() * 1000)}.jsonl"

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        n = 0
        with self.path.open("a", encoding="utf-8") as fh:
            for record in records:
                fh.write(json_util.dumps(record, json_options=json_util.RELAXED_JSON_OPTIONS) + "\n")
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
        return n

    def discard_own(self) -> None:
        self.path.unlink(missing_ok=True)

    def leftovers(self) -> list[Path]:
        """Spool files of earlier runs (or other processes) for this database."""
        if not self.directory.exists():
            return []
        return sorted(p for p in self.directory.glob(f"{self.database}.*.jsonl") if p != self.path)

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
    def read(path: Path) -> list[dict[str, Any]]:
        records = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    records.append(json_util.loads(line, json_options=json_util.RELAXED_JSON_OPTIONS))
                except ValueError:  # a line cut short by a crash mid-write
                    logger.warning("spool %s: skipped a truncated line", path)
        return records
