"""GcPause (healthcrawl/ops/gcpause.py): start-up's heap frozen for the job, full collections timed.

In-process, through Scrapy's own crawler and signals; the heap is given back at spider_closed, which
the tests check too (a frozen heap left behind would keep every later test's cycles)."""

from __future__ import annotations

import gc

from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from healthcrawl.ops.gcpause import STATS, GcPause
from healthcrawl.ops.recorder import summarize


class Quiet(Spider):
    name = "quiet"


def open_extension(freeze: bool) -> tuple:
    crawler = get_crawler(Quiet, {"HEALTHCRAWL_GC_FREEZE": freeze})
    extension = GcPause.from_crawler(crawler)
    spider = Quiet()
    extension.spider_opened(spider)
    return crawler, extension, spider


def close(crawler, extension, spider) -> None:
    extension.spider_closed(spider)


def make_cycles(n: int) -> None:
    for _ in range(n):
        a: list = []
        a.append(a)


def test_the_start_up_heap_is_frozen_for_the_job_and_given_back_at_close():
    assert gc.get_freeze_count() == 0
    crawler, extension, spider = open_extension(freeze=True)
    try:
        frozen = crawler.stats.get_value(f"{STATS}/frozen_objects")
        # everything alive at spider_opened (this test process holds well over 10,000 objects);
        # frozen objects still die by reference counting, so the count can only fall
        assert frozen >= gc.get_freeze_count() > 10_000
        make_cycles(1000)
        gc.collect()  # a full collection during the job: timed
        gc.collect()
    finally:
        close(crawler, extension, spider)
    assert gc.get_freeze_count() == 0
    assert extension._timed not in gc.callbacks
    stats = crawler.stats.get_stats()
    assert stats[f"{STATS}/full_collections"] >= 2
    assert 0 <= stats[f"{STATS}/full_pause_max_ms"] <= stats[f"{STATS}/full_pause_total_ms"]
    # the run document carries them (the extension closes before the recorder: settings order)
    assert summarize(stats)["gc"]["full_collections"] == stats[f"{STATS}/full_collections"]


def test_freeze_off_freezes_nothing_and_still_counts_the_pauses():
    crawler, extension, spider = open_extension(freeze=False)
    try:
        assert gc.get_freeze_count() == 0
        gc.collect()
    finally:
        close(crawler, extension, spider)
    stats = crawler.stats.get_stats()
    assert f"{STATS}/frozen_objects" not in stats
    assert stats[f"{STATS}/full_collections"] >= 1
    # nothing frozen: the collection walked the whole heap of this process, a measurable time
    assert stats[f"{STATS}/full_pause_max_ms"] > 0


def test_collections_after_the_job_are_not_counted():
    crawler, extension, spider = open_extension(freeze=True)
    close(crawler, extension, spider)
    counted = crawler.stats.get_value(f"{STATS}/full_collections")
    gc.collect()
    assert crawler.stats.get_value(f"{STATS}/full_collections") == counted == 0


def test_two_crawlers_in_one_process_unfreeze_when_the_last_one_closes():
    first = open_extension(freeze=True)
    second = open_extension(freeze=True)
    close(*first)
    assert gc.get_freeze_count() > 0  # the second crawl still runs
    close(*second)
    assert gc.get_freeze_count() == 0


def test_the_extension_runs_before_the_recorder_so_the_run_document_has_its_stats():
    from healthcrawl import settings
    order = sorted(settings.EXTENSIONS, key=settings.EXTENSIONS.get)
    assert order.index("healthcrawl.ops.gcpause.GcPause") < order.index("healthcrawl.ops.recorder.RunRecorder")



def test_from_crawler_connects_both_signals():
    from pydispatch import dispatcher
    crawler = get_crawler(Quiet, {})
    extension = GcPause.from_crawler(crawler)
    for signal, handler in ((signals.spider_opened, extension.spider_opened),
                            (signals.spider_closed, extension.spider_closed)):
        assert handler in list(dispatcher.liveReceivers(dispatcher.getAllReceivers(crawler.signals.sender, signal)))


def test_a_second_crawlers_freeze_is_not_counted_as_a_pause_of_the_first():
    first = open_extension(freeze=True)
    second = open_extension(freeze=True)  # its spider_opened collects: start-up, not the crawl's
    close(*second)
    close(*first)
    assert first[0].stats.get_value(f"{STATS}/full_collections") == 0


def test_thresholds_hold_for_the_job_and_python_s_own_come_back():
    before = gc.get_threshold()
    crawler = get_crawler(Quiet, {"HEALTHCRAWL_GC_FREEZE": False, "HEALTHCRAWL_GC_THRESHOLDS": [5000, 20, 100]})
    extension = GcPause.from_crawler(crawler)
    spider = Quiet()
    extension.spider_opened(spider)
    try:
        assert gc.get_threshold() == (5000, 20, 100)
    finally:
        extension.spider_closed(spider)
    assert gc.get_threshold() == before
