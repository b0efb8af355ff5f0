"""One benchmark crawl in its own process: ``healthcrawl crawl``'s code path (all four spiders in
one Scrapy process, every pipeline, a real mongod through ``MONGO_URI``), plus a small extension
counting article-page responses. Writes a JSON report (``--out``): articles produced, stored,
reprints, article pages and requests, crawl time (first spider opened → last closed), peak RSS
of this process (``VmHWM``) and its RSS at start-up.

With ``--instrument`` (bench/dedup_scale.py) the report also has timings taken inside the crawl
by wrapping, in this process only, the methods that do the work (their behaviour is unchanged):
when the first article was handed to the mongo pipeline and when the first one was stored
(``MongoPipeline._stored``, in the writer thread, after the database acknowledged the batch),
when the mongo pipeline was open (``open_spider``: connected, indexes checked) and when this
script's ``main`` began (the interpreter and its imports done), the writer's ``Stories.resolve_many`` calls (items, seconds; and the seconds of
their steps: the fingerprints recorded, the content claims, the band claims), each batch the writer
wrote (``MongoPipeline._write``: articles, seconds waiting for the process's turn — ``MONGO_WRITERS_TAKE_TURNS`` —
and seconds writing, the story decisions included), and the known-URL lookups of
``SkipKnownMiddleware.lookup`` (links, seconds, when the first one answered). Times are epoch
seconds (``time.time()``), comparable with the parent's clock.

    python bench/crawl_worker.py --out report.json --settings '{"HEALTHCRAWL_REPLAY_DIR": "…"}'

Experiments by environment: ``BENCH_GC_CENSUS=S`` (the report's ``gc_census``: S seconds into the
run, how many objects the collector's oldest generation holds, by type, beside the frozen count),
``BENCH_SWITCH_INTERVAL`` (the GIL's switch interval), ``BENCH_NO_TEXT_INDEX`` (no text index).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # the project root instead of bench/ (whose names must not shadow packages)

from scrapy import signals  # noqa: E402

STATS = "healthcrawl/bench"


class ArticlePages:
    """Counts responses to article-page requests (first and later pages of articles)."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def response_received(self, response, request, spider) -> None:
        if request.callback is not None and request.callback == getattr(spider, "parse_article", None):
            self.crawler.stats.inc_value(f"{STATS}/article_pages")


class Instruments:
    """Timings of the crawl's storage path, recorded by wrappers (see the module doc)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.main_at = time.time()  # the interpreter and this module's imports done
        self.storage_ready: float | None = None
        self.first_resolve: tuple[float, int, float] | None = None  # (started at, items, seconds)
        self.first_item: float | None = None
        self.first_stored: float | None = None
        self.first_lookup: float | None = None
        self.resolve: list[tuple[int, float]] = []
        self.lookups: list[tuple[int, float]] = []
        self.resolve_cpu: list[float] = []  # the writer thread's own CPU seconds in each resolve_many
        # seconds of each resolve_many's steps: {"record", "content", "bands"} (the rest: settling)
        self.resolve_steps: list[dict[str, float]] = []
        # each batch the writer wrote: (articles, seconds waiting for the process's turn, seconds writing)
        self.writes: list[tuple[int, float, float]] = []
        self._steps = threading.local()

    def install(self) -> None:
        from healthcrawl.crawl.middlewares.known import SkipKnownMiddleware  # noqa: PLC0415
        from healthcrawl.storage.stories import Stories  # noqa: PLC0415
        from healthcrawl.storage.writer import WriterThread  # noqa: PLC0415
        from pipelines.mongo import MongoPipeline  # noqa: PLC0415

        me = self
        turn, write = WriterThread._turn, MongoPipeline._write
        resolve_many, stored, lookup = Stories.resolve_many, MongoPipeline._stored, SkipKnownMiddleware.lookup
        process_item, open_spider = MongoPipeline.process_item, MongoPipeline.open_spider

        def timed_resolve_many(self, docs):
            at, started, cpu = time.time(), time.perf_counter(), time.thread_time()
            me._steps.seconds = {}
            out = resolve_many(self, docs)
            with me.lock:
                me.resolve.append((len(docs), time.perf_counter() - started))
                me.resolve_cpu.append(time.thread_time() - cpu)
                me.resolve_steps.append(me._steps.seconds)
                if me.first_resolve is None:
                    me.first_resolve = (at, len(docs), time.perf_counter() - started)
            return out

        def timed_turn(self):
            @contextlib.contextmanager
            def timed():
                started = time.perf_counter()
                with turn(self):
                    me._steps.turn = time.perf_counter() - started
                    yield
            return timed()

        def timed_write(self, records, retrying=False):
            started = time.perf_counter()
            try:
                return write(self, records, retrying)
            finally:
                waited = getattr(me._steps, "turn", 0.0)
                me._steps.turn = 0.0
                articles = sum(r["kind"] == "article" for r in records)
                if articles and not self._replaying:
                    with me.lock:
                        me.writes.append((articles, waited, time.perf_counter() - started))

        def timed_stored(self, records):
            if me.first_stored is None and not self._replaying and any(r["kind"] == "article" for r in records):
                me.first_stored = time.time()
            return stored(self, records)

        def timed_lookup(self, urls):
            started = time.perf_counter()
            out = lookup(self, urls)
            with me.lock:
                me.lookups.append((len(urls), time.perf_counter() - started))
                if me.first_lookup is None:
                    me.first_lookup = time.time()
            return out

        async def storage_ready(self):
            await open_spider(self)
            if me.storage_ready is None:
                me.storage_ready = time.time()

        async def first_item(self, item):
            if me.first_item is None:
                me.first_item = time.time()
            return await process_item(self, item)

        def timed_step(name, method):
            def timed(self, *args):
                started = time.perf_counter()
                try:
                    return method(self, *args)
                finally:
                    steps = getattr(me._steps, "seconds", None)
                    if steps is not None:
                        steps[name] = steps.get(name, 0.0) + time.perf_counter() - started
            return timed

        Stories.resolve_many = timed_resolve_many
        # band_insert and band_owners are inside bands (its inserts, and the owners read after a lost claim)
        for name, attribute in (("record", "_record_fingerprints"), ("content", "_claim_content"), ("bands", "_claim_bands"),
                                ("band_insert", "_insert_bands"), ("band_owners", "_band_owners")):
            setattr(Stories, attribute, timed_step(name, getattr(Stories, attribute)))
        MongoPipeline._stored = timed_stored
        WriterThread._turn = timed_turn
        MongoPipeline._write = timed_write
        MongoPipeline.process_item = first_item
        MongoPipeline.open_spider = storage_ready
        SkipKnownMiddleware.lookup = timed_lookup

    def report(self) -> dict:
        return {"main_at": self.main_at, "storage_ready_at": self.storage_ready,
                "first_resolve": self.first_resolve, "first_item_at": self.first_item, "first_stored_at": self.first_stored,
                "first_lookup_at": self.first_lookup, "resolve_many": self.resolve, "lookups": self.lookups,
                "resolve_cpu": self.resolve_cpu, "resolve_steps": self.resolve_steps, "writes": self.writes}


def proc_status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--settings", default="{}")
    parser.add_argument("--since", required=True)
    parser.add_argument("--until", required=True)
    parser.add_argument("--instrument", action="store_true", help="storage timings (see the module doc)")
    args = parser.parse_args()
    if os.environ.get("BENCH_SWITCH_INTERVAL"):  # an experiment: the GIL's switch interval (default 0.005 s)
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
    if os.environ.get("BENCH_NO_TEXT_INDEX"):  # an experiment: the articles' text index is not (re)created
        from healthcrawl.storage import collections  # noqa: PLC0415
        collections.ARTICLE_INDEXES[:] = [m for m in collections.ARTICLE_INDEXES
                                          if m.document["name"] != collections.TEXT_INDEX]
    census: dict = {}
    if os.environ.get("BENCH_GC_CENSUS"):  # an experiment: what the collector's oldest generation holds
        def take_census(after: float) -> None:
            import collections, gc  # noqa: PLC0415
            time.sleep(after)
            objects = gc.get_objects(generation=2)
            census.update(at_s=after, gen2=len(objects), frozen=gc.get_freeze_count(),
                          types=collections.Counter(type(o).__module__ + "." + type(o).__qualname__
                                                    for o in objects).most_common(40))
            del objects
        threading.Thread(target=take_census, args=(float(os.environ["BENCH_GC_CENSUS"]),), daemon=True).start()
    instruments = Instruments() if args.instrument else None
    if instruments:
        instruments.install()
    overrides = json.loads(args.settings)
    from healthcrawl.cli.crawl import run_crawl  # noqa: PLC0415
    from healthcrawl.crawl.sites import SITE_KEYS  # noqa: PLC0415
    from healthcrawl.project import project_settings  # noqa: PLC0415

    extensions = dict(project_settings().getdict("EXTENSIONS"))
    extensions["bench.crawl_worker.ArticlePages"] = 900
    overrides["EXTENSIONS"] = extensions
    started = time.monotonic()
    code, results = run_crawl(list(SITE_KEYS), overrides, {"since": args.since, "until": args.until})
    wall = time.monotonic() - started

    def total(key: str) -> int:
        return sum(int(r["stats"].get(key, 0) or 0) for r in results)

    starts = [r["stats"]["start_time"] for r in results if r["stats"].get("start_time")]
    ends = [r["stats"]["finish_time"] for r in results if r["stats"].get("finish_time")]
    report = {
        "exit_code": code,
        "articles": total("healthcrawl/spider/articles"),
        "stored": total("healthcrawl/mongo/written"),
        "reprints": total("healthcrawl/mongo/also_at"),
        "dropped": total("item_dropped_count"),
        "skipped_known": total("healthcrawl/spider/skipped_known"),
        "article_pages": total(f"{STATS}/article_pages"),
        "list_pages": total("healthcrawl/spider/list_pages"),
        "requests": total("downloader/request_count"),
        "responses": total("response_received_count"),
        "errors": total("log_count/ERROR"),
        "crawl_s": (max(ends) - min(starts)).total_seconds() if starts and ends else wall,
        "run_crawl_s": wall,
        "peak_rss_mb": proc_status_mb("VmHWM"),
        "cpu_s": (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)),
        "startup_rss_mb": max((r["stats"].get("memusage/startup", 0) for r in results), default=0) / 2**20,
        "finish_reasons": {r["spider"]: r["stats"].get("finish_reason") for r in results},
        "per_spider": {r["spider"]: {k: v for k, v in r["stats"].items()
                                     if isinstance(v, (int, float)) and (k.startswith("healthcrawl/")
                                                                         or k.startswith("downloader/"))}
                       for r in results},
    }
    if instruments:
        report["instruments"] = instruments.report()
    if census:
        report["gc_census"] = census
    args.out.write_text(json.dumps(report, default=str), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
