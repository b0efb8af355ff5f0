"""The shared crawl loop: start pages → list pages (paginated) → article pages (multi-page merged).

A site spider (``spiders/<site>.py``) is a thin subclass that sets ``name``/``site``, its
``extractor`` and its ``channels`` (channel name → list URLs), and may override
:meth:`NewsSpider.list_urls` (for URLs computed from the window, e.g. per-day archives).

Arguments (the same with ``scrapy crawl -a`` and scrapyd's ``schedule.json``):

- ``since`` / ``until``: ``YYYY-MM-DD`` (Beijing) or relative ``7d``; default the last 7 days;
- ``urls``: comma-separated article URLs fetched directly (no discovery); their date is not
  checked unless ``since``/``until`` were given explicitly;
- ``channels``: comma-separated channel names to restrict discovery.
"""

from __future__ import annotations

import logging
import uuid

from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from healthcrawl.text import dates
from healthcrawl.arguments import check_spider_arguments
from healthcrawl.article import Article, to_beijing
from healthcrawl.crawl.extractors.base import Extracted, SiteExtractor
from healthcrawl.crawl.extractors.generic import FALLBACK
from healthcrawl.ops.recorder import FALLBACK_EXAMPLE
from healthcrawl.crawl.sites import channel_of, site_name

STATS = "healthcrawl/spider"
#: the first pages of a run that could not be had ("URL (reason)"), shown by the run's summary
UNREACHABLE_PAGES = f"{STATS}/unreachable_pages"
MAX_UNREACHABLE_LISTED = 20
#: request meta: Scrapy's "Gave up retrying" line at DEBUG — the errbacks log the failure once
QUIET_RETRIES = {"give_up_log_level": logging.DEBUG}
#: problems of one list page logged one per line; the rest in one line (all are counted)
PROBLEM_LINES = 10
#: words for download failures whose exception has no message
_FAILURE_TEXT = {"ResponseDataLossError": "the connection closed before the whole page arrived"}


class NewsSpider(scrapy.Spider):
    site: ClassVar[str] = ""
    extractor: ClassVar[SiteExtractor]
    #: channel name -> list page URLs (first pages)
    channels: ClassVar[dict[str, list[str]]] = {}

    def __init__(self, *args: Any, since: str | None = None, until: str | None = None,
                 urls: str | None = None, channels: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        check_spider_arguments(type(self), since=since, until=until, urls=urls, channels=channels)
        self.window_explicit = since is not None or until is not None
        today = datetime.now(dates.BEIJING).date()
        until_day = dates.parse_day(until) if until else today
        since_day = dates.parse_day(since) if since else None
        self.direct_urls = [u.strip() for u in (urls or "").split(",") if u.strip()]
        self._since_day = since_day
        self.until = dates.day_end(until_day)
        self.since: datetime | None = dates.day_start(since_day) if since_day else None
        #: scrapyd passes its job id as the ``_job`` argument
        self.job_id = kwargs.get("_job") or uuid.uuid4().hex
        self.selected_channels = [c.strip() for c in (channels or "").split(",") if c.strip()]
        unknown = set(self.selected_channels) - set(self.channels)
        if unknown:
            raise ValueError(f"{self.name}: unknown channels {sorted(unknown)}; known: {sorted(self.channels)}")

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        if settings.get("HEALTHCRAWL_REPLAY_DIR"):
            # replaying from disk: politeness delays would only slow the replay down
            for name, value in (("DOWNLOAD_DELAY", 0), ("AUTOTHROTTLE_ENABLED", False),
                                ("DOWNLOAD_SLOTS", {}), ("HEALTHCRAWL_SLOWDOWN_DELAY", 0.1)):
                settings.set(name, value, priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.since is None:
            days = crawler.settings.getint("HEALTHCRAWL_DEFAULT_DAYS")
            spider.since = dates.day_start(spider.until.date()) - timedelta(days=days - 1)
        spider.max_list_pages = crawler.settings.getint("HEALTHCRAWL_MAX_LIST_PAGES")
        spider.max_article_pages = crawler.settings.getint("HEALTHCRAWL_MAX_ARTICLE_PAGES")
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    # -- helpers -------------------------------------------------------------------------------
    def inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{key}", count)

    def in_window(self, when: datetime | None) -> bool:
        return when is None or (self.since <= when <= self.until)

    def report_problems(self, url: str, unreadable_dates: list[tuple[str, str]],
                        problems: Iterable[tuple[str, str]] = ()) -> None:
        """One warning line and a counter for each unreadable date string and each list entry
        skipped (``list_entry_skipped``) or read without a field (``list_field_ignored``)."""
        for text, reason in unreadable_dates:
            self.logger.warning("%s: unreadable date %r on %s (%s)", self.name, text, url, reason)
            self.inc("unreadable_date")
        problems = list(problems)
        for kind, what in problems[:PROBLEM_LINES]:
            self.logger.warning("%s: list %s: %s (%s)", self.name, kind.replace("_", " "), url, what)
        if len(problems) > PROBLEM_LINES:
            self.logger.warning("%s: list entries skipped or read in part: %s (%d more)", self.name, url,
                                len(problems) - PROBLEM_LINES)
        for kind, _ in problems:
            self.inc(f"list_{kind}")

    def would_be_dropped(self, url: str, depth: int) -> str | None:
        """Why Scrapy would drop a request for ``url`` at ``depth`` silently, without calling its
        errback (None when it would not): ``offsite`` (OffsiteMiddleware: the host is outside
        ``allowed_domains``), ``url_too_long`` (UrlLengthMiddleware, ``URLLENGTH_LIMIT``),
        ``too_deep`` (DepthMiddleware, ``DEPTH_LIMIT``)."""
        settings = self.crawler.settings
        domains = [d.lower() for d in getattr(self, "allowed_domains", None) or [] if d]
        host = (urlsplit(url).hostname or "").lower()
        if domains and not any(host == d or host.endswith("." + d) for d in domains):
            return "offsite"
        if 0 < settings.getint("URLLENGTH_LIMIT") < len(url):
            return "url_too_long"
        if 0 < settings.getint("DEPTH_LIMIT") < depth:
            return "too_deep"
        return None

    @property
    def check_window(self) -> bool:
        """Direct URLs are yielded whatever their date, unless a window was given explicitly."""
        return not self.direct_urls or self.window_explicit

    # -- discovery -----------------------------------------------------------------------------
    def list_urls(self) -> Iterable[tuple[str, str]]:
        """(channel, URL) pairs of the first list pages to crawl."""
        for channel, urls in self.channels.items():
            if self.selected_channels and channel not in self.selected_channels:
                continue
            for url in urls:
                yield channel, url

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.direct_urls:
            for url in self.direct_urls:
                yield scrapy.Request(url, callback=self.parse_article, errback=self.article_failed,
                                     meta={"channel": None, **QUIET_RETRIES})
            return
        for channel, url in self.list_urls():
            yield scrapy.Request(url, callback=self.parse_list,
                                 meta={"channel": channel, "list_page": 1, **QUIET_RETRIES},
                                 errback=self.list_failed)

    def list_failed(self, failure) -> None:
        request = failure.request
        self.logger.warning("%s: list page unreachable: %s (%s)", self.name, request.url,
                            failure.getErrorMessage() or failure.type.__name__)
        self.inc("list_unreachable")
        self.note_unreachable(request.url, failure.getErrorMessage() or failure.type.__name__)

    def note_unreachable(self, url: str, reason: str) -> None:
        """Keep the first pages that could not be had, for the run's summary (``unreachable_pages``)."""
        pages = self.crawler.stats.get_value(UNREACHABLE_PAGES) or []
        if len(pages) < MAX_UNREACHABLE_LISTED:
            self.crawler.stats.set_value(UNREACHABLE_PAGES, [*pages, f"{url} ({reason})"])

    def article_failed(self, failure) -> None:
        """An article page could not be had (HTTP error status, timeout, reset, truncated or too
        large transfer): one log line and a counter, ``healthcrawl/spider/article_unreachable``
        and ``…/article_unreachable/<http_404|exception class>``. Scrapy's own "Error downloading"
        traceback and its "Gave up retrying" line are replaced by this one (QUIET_RETRIES); HTTP
        statuses are warnings, transfer failures errors (as Scrapy logged them)."""
        request = failure.request
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # dropped on purpose (robots.txt, the 491 slow-down gave up): its middleware says why
            self.inc("article_ignored")
            return
        attempts = request.meta.get("retry_times", 0) + 1
        if failure.check(HttpError):
            status = failure.value.response.status
            kind, reason, level = f"http_{status}", f"HTTP {status}", logging.WARNING
        else:
            kind = type(failure.value).__name__
            message = failure.getErrorMessage() or _FAILURE_TEXT.get(kind, "")
            reason = f"{kind}: {message}"[:300] if message else kind
            level = logging.ERROR
        self.logger.log(level, "%s: article page unreachable: %s (%s; %d attempt(s))", self.name,
                        request.url, reason, attempts)
        self.inc("article_unreachable")
        self.inc(f"article_unreachable/{kind}")
        self.note_unreachable(request.url, reason)

    def parse_list(self, response: Response) -> Iterable[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.logger.warning("list page is not text: %s", response.url)
            self.inc("list_not_text")
            return
        with dates.collect_problems() as unreadable:
            page = self.extractor.parse_list(response)
        self.report_problems(response.url, unreadable, page.problems)
        channel = response.meta.get("channel")
        self.inc("list_pages")
        if not page.entries:
            self.logger.warning("list page has no entries (template change?): %s", response.url)
            self.inc("list_empty")
        older = 0
        for entry in page.entries:
            when = entry.published_at
            if when is not None and when < self.since:
                older += 1
                self.inc("list_entries_before_since")
                continue
            if when is not None and when > self.until:
                self.inc("list_entries_after_until")
                continue
            self.inc("list_entries")
            yield response.follow(entry.url, callback=self.parse_article, errback=self.article_failed,
                                  meta={"channel": entry.channel or channel, **QUIET_RETRIES,
                                        "list_date": when, "list_title": entry.title})
        page_no = response.meta.get("list_page", 1)
        # Lists are newest first: once a page holds entries older than `since`, stop paging.
        if page.next_page and not older and page_no < self.max_list_pages:
            yield response.follow(page.next_page, callback=self.parse_list,
                                  meta={"channel": channel, "list_page": page_no + 1, **QUIET_RETRIES},
                                  errback=self.list_failed)
        elif page.next_page and older:
            self.inc("list_paging_stopped_at_since")

    # -- articles ------------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterable[Article | scrapy.Request]:
        reason = self.extractor.error_reason(response)
        if reason:
            self.logger.warning("%s: skipped %s: %s (HTTP %s)", self.name, reason, response.url,
                                response.status)
            self.inc(f"skipped/{reason}")
            return
        with dates.collect_problems() as unreadable:
            extracted = self.extractor.extract(response)
        self.report_problems(response.url, unreadable)
        pages: list[Extracted] = response.meta.get("pages", []) + [extracted]
        first_url = response.meta.get("first_url", response.url)
        if extracted.next_page and len(pages) < self.max_article_pages:
            next_url = response.urljoin(extracted.next_page)
            meta = {**response.meta, "pages": pages, "first_url": first_url}
            dropped = self.would_be_dropped(next_url, response.meta.get("depth", 0) + 1)
            if next_url != response.url and dropped:
                yield from self.keep_earlier_pages(next_url, dropped, meta)
                return
            if next_url != response.url:
                # a duplicate is dropped by the scheduler without the errback: request_dropped
                yield scrapy.Request(next_url, callback=self.parse_article, meta=meta,
                                     errback=self.page_failed)
                return
        yield from self.finish_article(first_url, pages, response.meta)

    def request_dropped(self, request: scrapy.Request, spider: scrapy.Spider | None = None) -> None:
        """A later page of a multi-page article filtered by the scheduler (a duplicate): the
        errback is not called, so the earlier pages come back through a ``data:`` request that
        needs no download."""
        if request.callback != self.parse_article or "pages" not in request.meta:
            return
        self.crawler.engine.crawl(scrapy.Request(
            "data:text/plain,", callback=self.dropped_page, dont_filter=True,
            meta={**request.meta, "dropped_url": request.url, "allow_offsite": True,
                  "dont_obey_robotstxt": True}))

    def dropped_page(self, response: Response) -> Iterable[Article]:
        meta = dict(response.meta)
        yield from self.keep_earlier_pages(meta.pop("dropped_url"), "duplicate", meta)

    def keep_earlier_pages(self, url: str, why: str, meta: dict) -> Iterable[Article]:
        """The next page of a multi-page article will not be fetched (``why``: offsite,
        url_too_long, too_deep, duplicate): the article is made of the pages already read,
        counted and logged."""
        self.logger.warning("%s: article page %s filtered (%s); keeping %d earlier page(s) of %s",
                            self.name, url, why, len(meta["pages"]), meta["first_url"])
        self.inc("article_page_filtered")
        self.inc(f"article_page_filtered/{why}")
        yield from self.finish_article(meta["first_url"], meta["pages"], meta)

    def page_failed(self, failure) -> Iterable[Article]:
        """A later page of a multi-page article failed: keep what the earlier pages gave."""
        request = failure.request
        self.logger.warning("%s: article page %s failed (%s); keeping %d earlier page(s)",
                            self.name, request.url, failure.getErrorMessage() or failure.type.__name__,
                            len(request.meta["pages"]))
        self.inc("article_page_failed")
        yield from self.finish_article(request.meta["first_url"], request.meta["pages"], request.meta)

    def finish_article(self, url: str, pages: list[Extracted], meta: dict) -> Iterable[Article]:
        first = pages[0]
        fields = dict(first.fields)
        paragraphs: list[str] = []
        images: list[str] = []
        for page in pages:
            paragraphs.extend(page.fields.get("paragraphs") or [])
            images.extend(i for i in page.fields.get("images") or [] if i not in images)
        how = dict(first.how)
        if fields.get("published_at") is None and meta.get("list_date") is not None:
            fields["published_at"] = meta["list_date"]
            how["published_at"] = "list"
        published = fields.get("published_at")
        if published is not None:
            published = to_beijing(published)
        if self.check_window and published is not None and not self.in_window(published):
            self.logger.info("%s: outside %s..%s: %s (%s)", self.name, self.since.date(),
                             self.until.date(), url, published.isoformat())
            self.inc("article_outside_window")
            return
        template = first.template
        self.inc(f"template/{template}")
        self.crawler.stats.inc_value(f"healthcrawl/template/{self.site}/{template}")
        if template == FALLBACK and self.crawler.stats.get_value(FALLBACK_EXAMPLE) is None:
            self.crawler.stats.set_value(FALLBACK_EXAMPLE, url)  # named by the drift alert
        article = Article(
            url=url,
            site=self.site,
            site_name=site_name(self.site, url),
            channel=channel_of(self.site, fields.get("channel") or meta.get("channel")),
            channel_label=fields.get("channel") or meta.get("channel"),
            title=fields.get("title") or meta.get("list_title") or "",
            published_at=published,
            source=fields.get("source"),
            author=fields.get("author"),
            editor=fields.get("editor"),
            body="\n".join(paragraphs),
            images=images,
            keywords=list(fields.get("keywords") or []),
            crawl={
                "spider": self.name,
                "job_id": self.job_id,
                "template": template,
                "date_source": how.get("published_at"),
                "fields": how,
                "pages": len(pages),
            },
        )
        self.inc("articles")
        yield article
