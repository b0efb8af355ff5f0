"""The one way to the database: :func:`open_database` builds a checked client from the settings
(``MONGO_URI`` or the embedded mongod, ``MONGO_CONNECT_TIMEOUT``, ``MONGO_DATABASE``, the collection
names, the write concern); every component and command goes through it. Also the start-up
preflight and the write-concern probe.

Nothing here runs on the reactor thread: callers run :func:`open_database` in a worker thread (it
may start the embedded mongod once at start-up).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pymongo
from pymongo.collection import Collection

from healthcrawl.storage import mongod
from healthcrawl.storage.collections import REJECTS, collection_names
from healthcrawl.storage.errors import TRANSIENT_ERRORS, StorageError, redact
from healthcrawl.storage.spool import Spool


def scrapyd_job() -> str | None:
    """The scrapyd job id when this process is a scrapyd job, else None.

    scrapyd (1.5+) starts a job as ``python -m <runner> crawl <spider> -a _job=<id> …`` with
    ``SCRAPY_PROJECT`` in its environment; scrapyd before 1.5 also set ``SCRAPY_JOB``."""
    if os.environ.get("SCRAPY_JOB"):
        return os.environ["SCRAPY_JOB"]
    if not os.environ.get("SCRAPY_PROJECT"):
        return None
    for before, arg in zip(sys.argv, sys.argv[1:]):
        if before == "-a" and arg.startswith("_job="):
            return arg[len("_job="):]
    return None


def resolve_mongo_uri(settings: Any) -> str:
    """MONGO_URI if set, else the embedded mongod (started or reused), else a clear error.

    The embedded mongod is for the command line and the demo: a scrapyd job (see
    :func:`scrapyd_job`) never starts one under scrapyd's working directory."""
    uri = settings.get("MONGO_URI") or os.environ.get("MONGO_URI")
    if uri:
        return uri
    job = scrapyd_job()
    if job:
        raise StorageError(f"MONGO_URI is not set: scrapyd job {job} does not start the embedded "
                           f"mongod; set MONGO_URI=mongodb://host:port in scrapyd's environment")
    if not settings.getbool("HEALTHCRAWL_EMBEDDED_MONGO"):
        raise StorageError("MONGO_URI is not set and HEALTHCRAWL_EMBEDDED_MONGO is off: "
                           "set MONGO_URI=mongodb://host:port to store articles")
    try:
        server = mongod.ensure_running(settings.get("HEALTHCRAWL_MONGO_DBPATH"),
                                       settings.getint("HEALTHCRAWL_MONGO_PORT"),
                                       settings.getfloat("HEALTHCRAWL_MONGO_CACHE_GB"))
    except mongod.EmbeddedMongoError as exc:
        raise StorageError(f"cannot run the embedded MongoDB: {exc}") from None
    return server.uri


def connect(uri: str, timeout: float = 5.0, **kwargs: Any) -> pymongo.MongoClient:
    """A client that has answered a ping, or a StorageError with a redacted message.

    Low level: components and commands use :func:`open_database` (which reads the timeout from
    ``MONGO_CONNECT_TIMEOUT``); ``timeout``'s default is kept for callers not moved yet."""
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


def write_concern(settings: Any) -> pymongo.WriteConcern:
    """The write concern of article writes: ``MONGO_WRITE_CONCERN`` (1, 2, "majority" …),
    journaled unless ``MONGO_WRITE_JOURNAL`` is off."""
    w = settings.get("MONGO_WRITE_CONCERN")
    return pymongo.WriteConcern(w=int(w) if str(w).isdigit() else w, j=settings.getbool("MONGO_WRITE_JOURNAL"))


class Database:
    """A checked connection to the project's database: ``uri`` (show it with ``redact``),
    ``client``, ``db`` (the ``MONGO_DATABASE`` database) and its collections by role."""

    def __init__(self, uri: str, client: pymongo.MongoClient, name: str, settings: Any):
        self.uri, self.client, self.name, self.settings = uri, client, name, settings
        self.db = client[name]
        #: role (``ARTICLES``, ``DROPPED``, ``REJECTS``, ``CRAWL_RUNS`` …) → collection name
        self.names = collection_names(settings)

    def collection(self, role: str, durable: bool = False) -> Collection:
        """The collection playing ``role``; ``durable``: with the write concern of article writes."""
        concern = write_concern(self.settings) if durable else None
        return self.db.get_collection(self.names.get(role, role), write_concern=concern)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(settings: Any, database: str | None = None) -> Database:
    """The database the settings name (``database`` overrides ``MONGO_DATABASE``), connected and
    pinged within ``MONGO_CONNECT_TIMEOUT``; StorageError with one redacted line otherwise."""
    uri = resolve_mongo_uri(settings)
    client = connect(uri, settings.getfloat("MONGO_CONNECT_TIMEOUT"))
    return Database(uri, client, database or settings.get("MONGO_DATABASE"), settings)


def mongo_pipeline_enabled(settings: Any) -> bool:
    """Whether a crawl with these settings stores articles (pipelines/mongo.py is on)."""
    from scrapy.utils.conf import build_component_list

    pipelines = build_component_list(settings.getwithbase("ITEM_PIPELINES"))
    return any(str(getattr(p, "__name__", p)).endswith("MongoPipeline") for p in pipelines)


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
    with open_database(settings) as database:
        check_writes(database.db, write_concern(settings), database.uri)
    Spool(settings.get("MONGO_SPOOL_DIR"), "preflight").check(close=True)
    return database.uri
