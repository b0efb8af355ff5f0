"""ReleaseResponseMiddleware: a parsed page is freed as soon as the crawl is done with it.

Scrapy caches a text response's selector on the response (``response._cached_selector``) and the
selector keeps the response (``Selector.response``): every page a spider parses with
``response.css``/``xpath`` is a reference cycle, so its body, its lxml tree and its selectors are
freed only by Python's cyclic garbage collector. The pages that outlive the young generations are
freed together by a full collection, in whichever thread allocates at that moment, and the
collection holds the GIL for the whole freeing — often while the mongo pipeline's writer waits for
MongoDB (bench/gc_freeze.py, README "Dedup at scale"). This spider middleware sits next to the
engine; once the engine has taken everything a callback produced, it drops the response's cached
selector, so that the page is freed by reference counting at once. Nothing else changes: a later
``response.css`` builds the selector again, and a selector the spider kept still works.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

STATS = "healthcrawl/spider/responses_released"


class ReleaseResponseMiddleware:
    def __init__(self, crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_spider_output(self, response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for obj in result:
                yield obj
        finally:
            if getattr(response, "_cached_selector", None) is not None:
                response._cached_selector = None
                self.stats.inc_value(STATS)
