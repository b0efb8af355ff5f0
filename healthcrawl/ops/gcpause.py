"""GcPause: Python's cyclic garbage collector in a crawler process.

A crawler holds a large, long-lived heap once it is started (Scrapy and Twisted, lxml, the jieba
dictionary, the lexicon, the fingerprinter). Every full (generation 2) collection walks all of it,
in whichever thread allocates at that moment — often the mongo pipeline's writer, whose batch then
waits tens of milliseconds. With ``HEALTHCRAWL_GC_FREEZE`` on, the heap built by start-up (up to
``spider_opened``: the pipelines are open, jieba and the lexicon loaded) is moved to the permanent
generation (:func:`gc.freeze`), so later collections walk only what the crawl itself allocates;
at ``spider_closed`` it is given back (:func:`gc.unfreeze`, once the last crawler of the process that
froze it closes), so that a process running several crawls one after another collects their garbage.
Either way the collections' pauses are counted (``healthcrawl/gc/…`` stats, ``crawl_runs`` has them
with the other stats) so that an operator sees what the collector costs a job.
``HEALTHCRAWL_GC_THRESHOLDS`` sets :func:`gc.set_threshold` for the job (Python's own come back at
close); raising them removes the full collections of a short crawl but keeps its cyclic garbage
(bench/gc_freeze.py: +110 MB peak RSS for 700, 10, 100), so it is not the default.
"""

from __future__ import annotations

import gc
import logging
import time

from scrapy import signals

logger = logging.getLogger(__name__)

STATS = "healthcrawl/gc"


class GcPause:
    #: crawlers of this process that froze the heap and have not closed yet
    _frozen_by = 0
    #: a freeze's own collection is under way (another crawler of the process must not count it)
    _freezing = False

    def __init__(self, crawler):
        self.stats = crawler.stats
        self.freeze = crawler.settings.getbool("HEALTHCRAWL_GC_FREEZE")
        self.thresholds = [int(t) for t in crawler.settings.getlist("HEALTHCRAWL_GC_THRESHOLDS")]
        self._started: float | None = None
        self._pauses: list[float] = []  # seconds of each full collection
        self._froze = False
        self._thresholds_before: tuple[int, ...] | None = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        if self.thresholds:
            self._thresholds_before = gc.get_threshold()
            gc.set_threshold(*self.thresholds)
        if self.freeze:
            started = time.perf_counter()
            GcPause._freezing = True
            try:
                gc.collect()
            finally:
                GcPause._freezing = False
            gc.freeze()
            GcPause._frozen_by += 1
            self._froze = True
            self.stats.set_value(f"{STATS}/frozen_objects", gc.get_freeze_count())
            logger.info("garbage collector: %d start-up objects frozen in %.0f ms (HEALTHCRAWL_GC_FREEZE)",
                        gc.get_freeze_count(), 1000 * (time.perf_counter() - started))
        gc.callbacks.append(self._timed)  # after the freeze: its own collection is not the crawl's

    def spider_closed(self, spider) -> None:
        if self._timed in gc.callbacks:
            gc.callbacks.remove(self._timed)
        if self._thresholds_before:
            gc.set_threshold(*self._thresholds_before)
            self._thresholds_before = None
        if self._froze:
            self._froze = False
            GcPause._frozen_by -= 1
            if GcPause._frozen_by == 0:
                gc.unfreeze()
        self.stats.set_value(f"{STATS}/full_collections", len(self._pauses))
        if self._pauses:
            self.stats.set_value(f"{STATS}/full_pause_max_ms", round(1000 * max(self._pauses), 2))
            self.stats.set_value(f"{STATS}/full_pause_total_ms", round(1000 * sum(self._pauses), 2))

    def _timed(self, phase: str, info: dict) -> None:
        """gc.callbacks hook: the duration of each generation-2 collection."""
        if info.get("generation") != 2 or GcPause._freezing:
            return
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self._pauses.append(time.perf_counter() - self._started)
            self._started = None
