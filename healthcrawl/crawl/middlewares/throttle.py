""""Slow down" answers: HTTP 491 (and any code in HEALTHCRAWL_SLOWDOWN_CODES), and 429 or 503
with a ``Retry-After`` header. Never a page.

The 人民邮电报 e-paper host answers bursts of requests with 491. The request is retried later:
the host's download slot delay is raised (doubled, up to AutoThrottle's maximum) and the request
goes back to the scheduler after ``HEALTHCRAWL_SLOWDOWN_DELAY`` seconds (times the attempt), at
most ``HEALTHCRAWL_SLOWDOWN_RETRIES`` times; then it is given up with one log line and a counter.

A 429 or 503 carrying ``Retry-After`` (seconds or an HTTP date) is the server saying when to come
back: the request is retried after that long (at most ``HEALTHCRAWL_RETRY_AFTER_MAX`` seconds),
with the same retry limit; the slot's delay is doubled (not raised to the 491 delay). Without the header, 429/503 are left to
Scrapy's RetryMiddleware (immediate retries, ``RETRY_TIMES``). Counted as
``healthcrawl/throttle/<status>``; one INFO line per retry, one WARNING when given up.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)
STATS = "healthcrawl/throttle"


class SlowDownMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.codes = set(s.getlist("HEALTHCRAWL_SLOWDOWN_CODES"))
        self.codes = {int(c) for c in self.codes}
        self.delay = s.getfloat("HEALTHCRAWL_SLOWDOWN_DELAY")
        self.retries = s.getint("HEALTHCRAWL_SLOWDOWN_RETRIES")
        self.max_delay = max(s.getfloat("AUTOTHROTTLE_MAX_DELAY"), self.delay)
        self.retry_after_codes = {429, 503}
        self.retry_after_max = s.getfloat("HEALTHCRAWL_RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        retry_after = None
        if response.status in self.retry_after_codes:
            retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
            if retry_after is None:
                return response  # no Retry-After: Scrapy's RetryMiddleware decides
        elif response.status not in self.codes:
            return response
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/{response.status}")
        tries = request.meta.get("slowdown_tries", 0) + 1
        # 491: the slot waits at least HEALTHCRAWL_SLOWDOWN_DELAY between requests from now on;
        # Retry-After concerns this request: the slot's delay is only doubled
        self._slow_slot(request, floor=self.delay if retry_after is None else 0.0)
        if tries > self.retries:
            logger.warning("gave up after %d slow-down answers (HTTP %d): %s", tries - 1,
                           response.status, request.url)
            stats.inc_value(f"{STATS}/gave_up")
            raise IgnoreRequest(f"HTTP {response.status} slow-down, {tries - 1} retries")
        if retry_after is None:
            wait = self.delay * tries
            logger.info("HTTP %d (slow down) from %s: retry %d/%d in %.0fs", response.status,
                        request.url, tries, self.retries, wait)
        else:
            wait = min(retry_after, self.retry_after_max)
            logger.info("HTTP %d with Retry-After %s from %s: retry %d/%d in %.1fs", response.status,
                        response.headers.get(b"Retry-After", b"").decode("latin-1"), request.url,
                        tries, self.retries, wait)
        await asyncio.sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["slowdown_tries"] = tries
        return retry

    def _slow_slot(self, request: Request, floor: float) -> None:
        try:
            downloader = self.crawler.engine.downloader
        except (AttributeError, RuntimeError):  # no engine outside a running crawl
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = min(max(slot.delay * 2, floor), self.max_delay)


def parse_retry_after(value: bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None when
    absent or unreadable (a date in the past is 0)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
