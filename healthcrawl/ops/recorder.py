"""RunRecorder: every job's outcome in MongoDB ``<MONGO_DATABASE>.crawl_runs`` (README "Run history"
lists its fields). A ``status: "running"`` document at ``spider_opened`` (a killed job stays
visible), completed at ``spider_closed`` from the job's stats (:func:`summarize`) after the monitors
(:mod:`healthcrawl.ops.monitors`, through :data:`run_closed`) have added their results. Database
calls run in a thread; a database that cannot be used is logged and the crawl goes on (the mongo
pipeline is the loud one); a crawl that stores nothing is not recorded.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals

from healthcrawl.storage.client import mongo_pipeline_enabled, open_database
from healthcrawl.storage.collections import CRAWL_RUNS, ensure_run_indexes
from healthcrawl.article import ARTICLE_FIELDS
from healthcrawl.ops.failure import run_failures
from healthcrawl.text.redact import secrets

logger = logging.getLogger(__name__)

#: Sent (awaited) after the run document is built and before it is stored: ``run`` (the
#: document, handlers may add keys), ``crawler`` and ``previous`` (the spider's earlier runs).
run_closed = object()

#: earlier runs handed to the monitors (enough for a baseline of successful runs of the same kind)
PREVIOUS_RUNS = 30
#: document layout version of crawl_runs entries
RUN_SCHEMA = 1
FALLBACK = "fallback"
#: stat set by the spider: the first article of the run the generic fallback read (the drift alert names it)
FALLBACK_EXAMPLE = "healthcrawl/fallback/example"
PIPELINE_STATS = ("clean", "validate", "dedup", "relevance", "mongo")
#: pipelines whose every counter is a drop reason (the others: counters with "drop" in the name,
#: and the relevance pipeline's dropped irrelevant items)
DROP_ONLY_PIPELINES = ("validate",)
COVERAGE_FIELDS = tuple(f for f in ARTICLE_FIELDS if f != "schema_version")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def safe_key(key: str) -> str:
    """A MongoDB-friendly field name (no dots, no leading $)."""
    key = str(key).replace(".", "_")
    return "_" + key[1:] if key.startswith("$") else key


def non_empty(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict, set)):
        return bool(value)
    return True


class FieldCoverage:
    """Counts, per Article field, how many items had it non-empty."""

    def __init__(self, fields: tuple[str, ...] = COVERAGE_FIELDS):
        self.fields = fields
        self.items = 0
        self.filled: Counter[str] = Counter()

    def add(self, item: Any) -> None:
        try:
            adapter = ItemAdapter(item)
        except TypeError:
            return
        self.items += 1
        for name in self.fields:
            if non_empty(adapter.get(name)):
                self.filled[name] += 1

    def shares(self) -> dict[str, float]:
        if not self.items:
            return {}
        return {name: round(self.filled[name] / self.items, 4) for name in self.fields}


def _sub(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {safe_key(k[len(prefix):]): v for k, v in sorted(stats.items())
            if k.startswith(prefix) and k != prefix}


def spider_arguments(spider: Any) -> dict[str, Any]:
    """The crawl arguments worth keeping (and nothing else: no settings, no secrets)."""
    since, until = getattr(spider, "since", None), getattr(spider, "until", None)
    return {
        "since": since.date().isoformat() if isinstance(since, datetime) else None,
        "until": until.date().isoformat() if isinstance(until, datetime) else None,
        "urls": [secrets(u) for u in getattr(spider, "direct_urls", None) or []],
        "channels": list(getattr(spider, "selected_channels", None) or []),
        "window_explicit": bool(getattr(spider, "window_explicit", False)),
    }


def _drops(stats: dict[str, Any]) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """(drops by ``<pipeline>/<reason>``, every pipeline's counters)."""
    by_reason: dict[str, int] = {}
    pipelines: dict[str, dict[str, Any]] = {}
    for name in PIPELINE_STATS:
        counters = _sub(stats, f"healthcrawl/{name}/")
        if counters:
            pipelines[name] = counters
        for key, value in counters.items():
            if name in DROP_ONLY_PIPELINES or "drop" in key:
                by_reason[f"{name}/{key}"] = value
    # the relevance pipeline drops irrelevant items unless HEALTHCRAWL_KEEP_IRRELEVANT keeps them
    irrelevant = int(stats.get("healthcrawl/relevance/irrelevant", 0)) - \
        int(stats.get("healthcrawl/relevance/kept_irrelevant", 0))
    if irrelevant > 0:
        by_reason["relevance/irrelevant"] = irrelevant
    return by_reason, pipelines


def _templates(stats: dict[str, Any]) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    """({site: {template: count}}, the fallback's ``{count, total, share}``)."""
    templates: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith("healthcrawl/template/") and key.count("/") >= 3:
            site, template = key.split("/", 3)[2:]
            templates.setdefault(site, {})[safe_key(template)] = int(value)
    templated = sum(sum(t.values()) for t in templates.values())
    fallback = sum(t.get(FALLBACK, 0) for t in templates.values())
    return templates, {"count": fallback, "total": templated,
                       "share": round(fallback / templated, 4) if templated else 0.0,
                       "example": secrets(stats[FALLBACK_EXAMPLE]) if stats.get(FALLBACK_EXAMPLE) else None}


def _errors(stats: dict[str, Any], requests: int) -> dict[str, Any]:
    log_errors = int(stats.get("log_count/ERROR", 0)) + int(stats.get("log_count/CRITICAL", 0))
    prefix = "downloader/exception_type_count/"
    downloader_exceptions: Counter[str] = Counter()
    for key, value in stats.items():
        if key.startswith(prefix):  # "twisted.internet.error.ConnectionRefusedError" → class name
            downloader_exceptions[safe_key(key[len(prefix):].rsplit(".", 1)[-1])] += int(value)
    return {
        "total": log_errors,
        "rate": round(log_errors / requests, 4) if requests else (1.0 if log_errors else 0.0),
        "spider_exceptions": _sub(stats, "spider_exceptions/"),
        "downloader_exceptions": dict(downloader_exceptions),
        "downloader_exception_count": int(stats.get("downloader/exception_count", 0)),
    }


def summarize(stats: dict[str, Any], coverage: FieldCoverage | None = None) -> dict[str, Any]:
    """The counting part of a run document, from the job's final stats (a pure function)."""
    requests = int(stats.get("downloader/request_count", 0))
    dropped = int(stats.get("item_dropped_count", 0))
    by_reason, pipelines = _drops(stats)
    templates, fallback = _templates(stats)
    return {
        "pages": int(stats.get("response_received_count", 0)),
        "requests": requests,
        "items": {
            "found": int(stats.get("healthcrawl/spider/articles", 0)),
            "scraped": int(stats.get("item_scraped_count", 0)),
            "stored": int(stats.get("healthcrawl/mongo/written", 0)),
            "reprints": int(stats.get("healthcrawl/mongo/also_at", 0)),
            "dropped": dropped,
        },
        "dropped": {"total": dropped, "by_exception": _sub(stats, "item_dropped_reasons_count/"),
                    "by_reason": by_reason},
        "templates": templates,
        "fallback": fallback,
        "coverage": coverage.shares() if coverage else {},
        "coverage_items": coverage.items if coverage else 0,
        "errors": _errors(stats, requests),
        "http_status": _sub(stats, "downloader/response_status_count/"),
        "spider_stats": _sub(stats, "healthcrawl/spider/"),
        "pipelines": pipelines,
        "redis": _sub(stats, "healthcrawl/redis/") or None,
        "gc": _sub(stats, "healthcrawl/gc/") or None,
        "storage": storage_accounting(stats),
        "failures": run_failures(stats),
    }


#: the terms of the mongo pipeline's storage invariant (queued == stored + left_in_spool + rejected)
STORAGE_TERMS = ("queued", "stored", "left_in_spool", "rejected", "lost")


def storage_accounting(stats: dict[str, Any]) -> dict[str, int] | None:
    """What became of the items queued for storage (None when nothing reached the mongo pipeline)."""
    if "healthcrawl/mongo/queued" not in stats:
        return None
    return {term: int(stats.get(f"healthcrawl/mongo/{term}", 0)) for term in STORAGE_TERMS}


def code_path() -> str:
    """Where the code runs from: a scrapyd egg (``…/eggs/<project>/<version>.egg``), a checkout,
    site-packages."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def egg_version() -> str | None:
    """The deployed version: scrapyd's ``_version`` of the job, else the egg's file name."""
    if os.environ.get("SCRAPYD_EGG_VERSION"):
        return os.environ["SCRAPYD_EGG_VERSION"]
    path = code_path()
    return os.path.basename(path)[:-4] if path.endswith(".egg") else None


class RunRecorder:
    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.store = s.getbool("HEALTHCRAWL_RUNS_STORE")
        self.coverage = FieldCoverage()
        self.database = None  # storage.client.Database, while the run is being recorded
        self.start_time: datetime | None = None
        self.run: dict[str, Any] | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # -- signals ---------------------------------------------------------------------------------
    def stores_articles(self) -> bool:
        """Whether this crawl uses MongoDB at all: an extraction-only crawl (mongo pipeline off,
        no MONGO_URI) must not start the embedded database just to record its run."""
        s = self.crawler.settings
        return mongo_pipeline_enabled(s) or bool(s.get("MONGO_URI") or os.environ.get("MONGO_URI"))

    async def spider_opened(self, spider) -> None:
        self.start_time = utcnow()
        self.run = self.opening_document(spider)
        if not self.store:
            return
        if not self.stores_articles():
            logger.info("crawl_runs: not recorded (no MongoPipeline and no MONGO_URI in this crawl)")
            return
        try:
            self.database = await asyncio.to_thread(self._open)
            await asyncio.to_thread(self._write, self.run)
        except Exception as exc:  # noqa: BLE001 - run history must never stop a crawl
            logger.warning("crawl_runs: this run is not recorded: %s", secrets(exc)[:300])
            self._close_client()

    def item_scraped(self, item) -> None:
        self.coverage.add(item)

    def item_dropped(self, item) -> None:
        self.coverage.add(item)

    async def spider_closed(self, spider, reason: str) -> None:
        if self.run is None:  # closed before it opened
            self.start_time = utcnow()
            self.run = self.opening_document(spider)
        run = self.closing_document(spider, reason)
        previous = await self._previous(run)
        try:
            await self.crawler.signals.send_catch_log_async(run_closed, run=run, crawler=self.crawler,
                                                            previous=previous)
        except Exception:  # noqa: BLE001
            logger.exception("crawl_runs: a run_closed handler failed")
        # a monitor may have failed the run (a storage shortfall)
        run["failures"] = run_failures(self.crawler.stats.get_stats())
        run["status"] = "failed" if run["failures"] else "closed"
        if self.database is not None:
            try:
                await asyncio.to_thread(self._write, run)
                logger.info("crawl_runs: recorded job %s (%s, %d item(s) found, %d stored)",
                            run["job_id"], reason, run["items"]["found"], run["items"]["stored"])
            except Exception as exc:  # noqa: BLE001
                logger.warning("crawl_runs: could not record job %s: %s", run["job_id"],
                               secrets(exc)[:300])
        self._close_client()

    # -- documents -------------------------------------------------------------------------------
    def opening_document(self, spider) -> dict[str, Any]:
        s = self.crawler.settings
        return {
            "schema": RUN_SCHEMA,
            "kind": "crawl",
            "spider": spider.name,
            "site": getattr(spider, "site", None) or spider.name,
            "job_id": str(getattr(spider, "job_id", None) or getattr(spider, "_job", None) or "unknown"),
            "status": "running",
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "egg_version": egg_version(),
            "code_path": code_path(),
            "scrapyd": bool(os.environ.get("SCRAPY_PROJECT") and getattr(spider, "_job", None)),
            "arguments": spider_arguments(spider),
            "replay": bool(s.get("HEALTHCRAWL_REPLAY_DIR")),
            "distributed": bool(s.get("REDIS_URL")),
            "start_time": self.start_time,
        }

    def closing_document(self, spider, reason: str) -> dict[str, Any]:
        end = utcnow()
        run = dict(self.run or {})
        stats = self.crawler.stats.get_stats()
        run.update(summarize(stats, self.coverage))
        run.update({
            "status": "failed" if run["failures"] else "closed",
            "finish_reason": reason,
            "end_time": end,
            "duration_s": round((end - run["start_time"]).total_seconds(), 3),
            "monitors": None,
            "alert": None,
        })
        return run

    # -- storage (in a thread) -------------------------------------------------------------------
    def _open(self):
        database = open_database(self.crawler.settings)
        try:
            ensure_run_indexes(database.db)
        except Exception:  # noqa: BLE001 - closed, then reported by the caller
            database.close()
            raise
        return database

    async def _previous(self, run: dict[str, Any]) -> list[dict[str, Any]]:
        """The spider's earlier runs, newest first (the monitors compare this one with them)."""
        if self.database is None:
            return []
        query = {"spider": run["spider"], "kind": "crawl", "job_id": {"$ne": run["job_id"]},
                 "start_time": {"$lt": run["start_time"]}}
        runs = self.database.collection(CRAWL_RUNS)
        try:
            return await asyncio.to_thread(
                lambda: list(runs.find(query, {"_id": 0}).sort("start_time", -1).limit(PREVIOUS_RUNS)))
        except Exception as exc:  # noqa: BLE001 - without history the monitors still check the run
            logger.warning("crawl_runs: earlier runs unavailable: %s", secrets(exc)[:300])
            return []

    def _write(self, run: dict[str, Any]) -> None:
        self.database.collection(CRAWL_RUNS).replace_one(
            {"job_id": run["job_id"], "spider": run["spider"], "kind": "crawl"}, run, upsert=True)

    def _close_client(self) -> None:
        if self.database is not None:
            self.database.close()
            self.database = None
