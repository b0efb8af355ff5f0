"""Figure 2 — per-item pipeline cost, p50 and p95 per pipeline and in total.

A dedicated run in this process: items are made from the generated corpus's pages by the site
extractors and ``NewsSpider.finish_article`` (not timed), then passed one at a time through the
project's ITEM_PIPELINES (clean → validate → dedup → relevance → keywords → mongo, built from the project
settings as Scrapy builds them) against a real mongod, each ``process_item`` timed (awaited when
it is a coroutine). The dedup pipeline only fingerprints; the mongo pipeline's ``process_item``
builds the document (jieba search tokens included) and queues it; its writer thread decides each
batch's stories in MongoDB (healthcrawl/storage/stories.py) and writes the batches concurrently, as in a
crawl (its time per batch, decisions included, is printed too, for information). Baseline, same run: Scrapy's own time per page
in ``scrapy bench`` (1 / its pages per second). Goal: total p95 ≤ 10 ms.

The run keeps irrelevant items (``HEALTHCRAWL_KEEP_IRRELEVANT``) so that every step is timed on
every item; a crawl drops them after the relevance step. So the totals are also printed per
verdict: items scored relevant (every step), and items scored irrelevant up to and including the
relevance step — what a crawl spends on them, the most common case in a real week.

    python bench/pipeline_cost.py [--workdir DIR]       (BENCH_PIPELINE_ITEMS=2600 items)

For the analysis of the tail only, ``BENCH_SEARCH_TOKENS`` changes what the mongo pipeline does
with the text index's jieba search tokens: ``on`` (default, the project's behaviour), ``compute``
(computed but an empty string stored), ``off`` (neither).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import threading
import time
from pathlib import Path

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import WINDOW, Context, cpu_times, log, percentile, standalone, steal_share, verdict  # noqa: E402

GOAL_MS = 10.0
ITEMS = int(os.environ.get("BENCH_PIPELINE_ITEMS", "2600"))
SEARCH_TOKENS = os.environ.get("BENCH_SEARCH_TOKENS", "on")


def project_settings(overrides: dict) -> dict:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "healthcrawl.settings")
    from scrapy.utils.project import get_project_settings  # noqa: PLC0415

    settings = get_project_settings()
    # no reactor in this process: leave the reactor settings to get_crawler
    values = {k: v for k, v in settings.copy_to_dict().items() if not k.startswith(("TWISTED_", "ASYNCIO_"))}
    values.update(overrides)
    return values


def make_items(ctx: Context, limit: int) -> list:
    """Article items from the corpus pages, as the spiders make them (every n-th article)."""
    from scrapy.utils.test import get_crawler  # noqa: PLC0415

    from healthcrawl.crawl.fixtures import make_response  # noqa: PLC0415
    from healthcrawl.crawl.middlewares.replay import mirror_path  # noqa: PLC0415
    from spiders.ce import CeSpider  # noqa: PLC0415
    from spiders.chinanews import ChinanewsSpider  # noqa: PLC0415
    from spiders.cnii import CniiSpider  # noqa: PLC0415
    from spiders.gmw import GmwSpider  # noqa: PLC0415

    spiders = {}
    for cls in (GmwSpider, ChinanewsSpider, CeSpider, CniiSpider):
        crawler = get_crawler(cls, {"ITEM_PIPELINES": {}})
        spiders[cls.site] = crawler._create_spider(since=WINDOW[0], until=WINDOW[1])
    articles = ctx.corpus["articles"]
    step = max(1, len(articles) // limit)
    items = []
    for entry in articles[::step][:limit]:
        spider = spiders[entry["site"]]
        urls = [entry["url"]] + ([entry["url"].replace(".htm", "_2.htm")] if entry["pages"] == 2 else [])
        pages = []
        for url in urls:
            body = mirror_path(ctx.corpus_dir, url).read_bytes()
            pages.append(spider.extractor.extract(make_response(url, body, {"Content-Type": "text/html"})))
        items.extend(spider.finish_article(entry["url"], pages, {"channel": None}))
    return items


def run_pipelines(ctx: Context, items: list) -> dict:
    from scrapy.exceptions import DropItem  # noqa: PLC0415
    from scrapy.utils.conf import build_component_list  # noqa: PLC0415
    from scrapy.utils.misc import build_from_crawler, load_object  # noqa: PLC0415
    from scrapy.utils.test import get_crawler  # noqa: PLC0415

    from healthcrawl.text.segment import search_tokens  # noqa: PLC0415
    from spiders.gmw import GmwSpider  # noqa: PLC0415

    settings = project_settings({
        "MONGO_URI": ctx.mongod.uri, "MONGO_DATABASE": "bench_pipelines",
        "MONGO_SPOOL_DIR": str(ctx.workdir / "spool"), "HEALTHCRAWL_KEEP_IRRELEVANT": True,
    })
    import pymongo  # noqa: PLC0415

    client = pymongo.MongoClient(ctx.mongod.uri)
    client.drop_database("bench_pipelines")  # a fresh database: every item is new
    client.close()
    crawler = get_crawler(GmwSpider, settings)
    crawler.spider = crawler._create_spider(since=WINDOW[0], until=WINDOW[1])
    pipelines = []
    for path in build_component_list(crawler.settings.getwithbase("ITEM_PIPELINES")):
        cls = load_object(path)
        pipelines.append((cls.__name__.replace("Pipeline", "").lower(), build_from_crawler(cls, crawler)))

    writer_ms: list[float] = []  # the writer thread's time per bulk_write (one batch)
    lock = threading.Lock()
    mongo = next((p for name, p in pipelines if name == "mongo"), None)
    if mongo is not None:
        original_write = mongo._write

        def timed_write(records, retrying=False):
            started = time.perf_counter()
            try:
                return original_write(records, retrying)
            finally:
                with lock:
                    writer_ms.append(1000 * (time.perf_counter() - started))

        mongo._write = timed_write

    # CPU time besides wall-clock time: this machine is a shared VM whose CPU is at times given
    # to other machines (steal); a thread's CPU time does not count those pauses.

    timings: dict[str, list[float]] = {name: [] for name, _ in pipelines}
    cpu: dict[str, list[float]] = {name: [] for name, _ in pipelines}
    totals: list[float] = []
    cpu_totals: list[float] = []
    #: per item: its relevance verdict and the wall time of each step
    per_item: list[tuple[bool | None, dict[str, float]]] = []
    dropped = 0

    async def call(method):
        result = method()
        if inspect.isawaitable(result):
            result = await result
        return result

    async def go() -> None:
        nonlocal dropped
        for _, pipeline in pipelines:
            if hasattr(pipeline, "open_spider"):
                await call(pipeline.open_spider)
        for item in items:
            total = cpu_total = 0.0
            steps: dict[str, float] = {}
            for name, pipeline in pipelines:
                started, started_cpu = time.perf_counter(), time.thread_time()
                try:
                    await call(lambda: pipeline.process_item(item))  # noqa: B023
                except DropItem:
                    dropped += 1
                    break
                finally:
                    elapsed = 1000 * (time.perf_counter() - started)
                    used = 1000 * (time.thread_time() - started_cpu)
                    timings[name].append(elapsed)
                    steps[name] = elapsed
                    cpu[name].append(used)
                    total += elapsed
                    cpu_total += used
            totals.append(total)
            cpu_totals.append(cpu_total)
            per_item.append(((getattr(item, "relevance", None) or {}).get("relevant"), steps))
        for _, pipeline in pipelines:
            if hasattr(pipeline, "close_spider"):
                await call(pipeline.close_spider)

    original_tokens = search_tokens
    if SEARCH_TOKENS == "compute":
        search_tokens = lambda *texts: (original_tokens(*texts), "")[1]
    elif SEARCH_TOKENS == "off":
        search_tokens = lambda *texts: ""
    counters = cpu_times()
    try:
        asyncio.run(go())
    finally:
        search_tokens = original_tokens
    return {"timings": timings, "totals": totals, "cpu": cpu, "cpu_totals": cpu_totals,
            "writer": writer_ms, "dropped": dropped, "per_item": per_item,
            "stats": crawler.stats.get_stats(), "steal": steal_share(counters, cpu_times())}


def measure(ctx: Context, limit: int = ITEMS) -> str:
    page_ms = 1000 / ctx.page_rate()
    log(f"pipeline cost: making {limit} items from the corpus")
    items = make_items(ctx, limit)
    log(f"pipeline cost: {len(items)} items through the pipelines")
    result = run_pipelines(ctx, items)
    parts = []
    for name, values in result["timings"].items():
        parts.append(f"{name} {percentile(values, 50):.2f}/{percentile(values, 95):.2f}")
    cpu_parts = [f"{name} {percentile(v, 50):.2f}/{percentile(v, 95):.2f}" for name, v in result["cpu"].items()]
    totals, cpu_totals = result["totals"], result["cpu_totals"]
    p50, p95 = percentile(totals, 50), percentile(totals, 95)
    writer = result["writer"]
    log(f"pipeline cost: dropped {result['dropped']}; dedup "
        f"{ {k[17:]: v for k, v in result['stats'].items() if k.startswith('healthcrawl/dedup/')} }; "
        f"CPU steal by other machines during the run {100 * result['steal']:.0f} %")
    names = list(result["timings"])
    upto = names[: names.index("relevance") + 1] if "relevance" in names else names
    kept = [sum(steps.values()) for relevant, steps in result["per_item"] if relevant]
    stopped = [sum(steps.get(n, 0.0) for n in upto) for relevant, steps in result["per_item"] if relevant is False]
    if kept and stopped:
        log(f"pipeline cost by verdict, p50/p95 ms: {len(kept)} scored relevant, every step "
            f"{percentile(kept, 50):.2f}/{percentile(kept, 95):.2f}; {len(stopped)} scored irrelevant, up to the "
            f"relevance step where a crawl drops them {percentile(stopped, 50):.2f}/{percentile(stopped, 95):.2f}")
    log(f"pipeline cost: CPU time per item (reactor thread), p50/p95 ms: "
        f"total {percentile(cpu_totals, 50):.2f}/{percentile(cpu_totals, 95):.2f}; {', '.join(cpu_parts)}")
    return (f"pipeline cost per item: total p50 {p50:.2f} ms, p95 {p95:.2f} ms "
            f"(CPU time p50 {percentile(cpu_totals, 50):.2f}, p95 {percentile(cpu_totals, 95):.2f} ms) "
            f"= {p95 / page_ms:.2f} x Scrapy's own {page_ms:.1f} ms per page (scrapy bench); "
            f"p50/p95 ms: {', '.join(parts)}; mongo writer thread {percentile(writer, 50):.1f}/"
            f"{percentile(writer, 95):.1f} per batch, story decisions included ({len(writer)} batches); {len(items)} items, "
            f"{100 * result['steal']:.0f} % CPU steal"
            f"{'' if SEARCH_TOKENS == 'on' else f', search tokens {SEARCH_TOKENS} (analysis only)'} "
            f"(goal: total p95 <= {GOAL_MS:g} ms) {verdict(p95 <= GOAL_MS)}")


if __name__ == "__main__":
    standalone(measure)
