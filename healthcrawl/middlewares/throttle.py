"""HTTP 491 (and any code in HEALTHCRAWL_SLOWDOWN_CODES) means "slow down", never a page.

The 人民邮电报 e-paper host answers bursts of requests with 491. The request is retried later:
the host's download slot delay is raised (doubled, up to AutoThrottle's maximum) and the request
goes back to the scheduler after ``HEALTHCRAWL_SLOWDOWN_DELAY`` seconds, at most
``HEALTHCRAWL_SLOWDOWN_RETRIES`` times; then it is given up with one log line and a counter.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)
STATS = "healthcrawl/throttle"


class SlowDownMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.codes = set(s.getlist("HEALTHCRAWL_SLOWDOWN_CODES", [491]))
        self.codes = {int(c) for c in self.codes}
        self.delay = s.getfloat("HEALTHCRAWL_SLOWDOWN_DELAY", 30.0)
        self.retries = s.getint("HEALTHCRAWL_SLOWDOWN_RETRIES", 3)
        self.max_delay = max(s.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0), self.delay)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.codes:
            return response
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/{response.status}")
        tries = request.meta.get("slowdown_tries", 0) + 1
        self._slow_slot(request)
        if tries > self.retries:
            logger.warning("gave up after %d slow-down answers (HTTP %d): %s", tries - 1,
                           response.status, request.url)
            stats.inc_value(f"{STATS}/gave_up")
            raise IgnoreRequest(f"HTTP {response.status} slow-down, {tries - 1} retries")
        logger.info("HTTP %d (slow down) from %s: retry %d/%d in %.0fs", response.status,
                    request.url, tries, self.retries, self.delay * tries)
        await asyncio.sleep(self.delay * tries)
        retry = request.replace(dont_filter=True)
        retry.meta["slowdown_tries"] = tries
        return retry

    def _slow_slot(self, request: Request) -> None:
        try:
            downloader = self.crawler.engine.downloader
        except (AttributeError, RuntimeError):  # no engine outside a running crawl
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = min(max(slot.delay * 2, self.delay), self.max_delay)
