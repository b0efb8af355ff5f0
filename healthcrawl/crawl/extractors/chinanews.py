"""中国新闻网 (chinanews.com.cn): article templates (chinanews-new, chinanews-old, then the
fallback), the rolling list, the per-day archive and the RSS feed.

Both templates read the hidden ``#BaiduSpider`` block first; every URL handed to the crawl is
rewritten by :func:`healthcrawl.text.urls.canonical_url` (canonical host ``www.chinanews.com.cn``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from healthcrawl.article import to_beijing
from healthcrawl.crawl.extractors.base import Extracted, SiteExtractor
from healthcrawl.crawl.extractors.css import CssTemplate, first_text, labelled, strip_label
from healthcrawl.crawl.extractors.generic import FALLBACK_TEMPLATE
from healthcrawl.crawl.extractors.lists import (ListEntry, ListPage, items_in, one_entry, outermost,
                                                pager_next, recent_datetime)
from healthcrawl.text import dates
from healthcrawl.text.pagetitle import page_title
from healthcrawl.text.urls import canonical_url
from healthcrawl.text.whitespace import squash

CANONICAL_HOST = "www.chinanews.com.cn"
#: /{channel}/YYYY/MM-DD/<id>.shtml
_ARTICLE_PATH = re.compile(r"^/([a-z]+)/\d{4}/\d{2}-\d{2}/\d+\.s?html?$")
#: /scroll-news/YYYY/MMDD/news.shtml (per-day archive)
_ARCHIVE_PATH = re.compile(r"^/scroll-news/(\d{4})/\d{4}/")
#: a page of a scroll list: news.shtml, news1.html, news2.html …
_LIST_PAGE = re.compile(r"/news(\d*)\.s?html$")
#: titles of the site's error pages ("404页面", "中新网-404错误")
_ERROR_TITLE = re.compile(r"^\s*404\b|404\s*(?:页面|错误)")


def channel_from_url(url: str) -> str | None:
    m = _ARTICLE_PATH.match(urlsplit(url).path)
    return m[1] if m else None


def archive_url(day: date) -> str:
    """The per-day archive of the rolling list."""
    return f"https://{CANONICAL_HOST}/scroll-news/{day:%Y}/{day:%m%d}/news.shtml"


def rss_datetime(text: str | None) -> datetime | None:
    """An RSS ``pubDate``: RFC 822 ("Tue, 10 Nov 2026 09:30:00 +0800") or "2026-11-10 09:30:00"."""
    text = squash(text)
    if not text:
        return None
    try:
        when = to_beijing(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError, OverflowError):  # not RFC 822, or year 1 - 8 h
        return dates.find_datetime(text)
    return when if when.year in dates.YEARS else dates.find_datetime(text)


class ChinanewsTemplate(CssTemplate):
    """What both article templates share: the #BaiduSpider block, body, credits, end mark."""

    time_css = ("#pubtime_baidu",)
    source_css = ("#source_baidu",)
    editor_css = ("#editor_baidu", "div.left_name span", "div.left_name")
    body_css = ("div.left_zw",)
    drop_css = ("script", "style", "div.adEditor", ".adInContent", "#function_code_page",
                "div.left_name")

    def matches(self, response: TextResponse) -> bool:
        return super().matches(response) and bool(response.css("div.left_zw"))

    def after(self, response: TextResponse, result: Extracted) -> None:
        author, how = first_text(response, "#author_baidu")
        author = labelled(author, *self.author_labels)
        if author and author != result.fields.get("editor"):
            result.put("author", author, how)
        result.put("channel", channel_from_url(response.url), "url")


class ChinanewsNewTemplate(ChinanewsTemplate):
    name = "chinanews-new"
    match_css = ("h1.content_left_title", "div.content_left_time")
    title_css = ("h1.content_left_title", ".content_left_title")
    byline_css = ("div.content_left_time",)


class ChinanewsOldTemplate(ChinanewsTemplate):
    name = "chinanews-old"
    match_css = ("#cont_1_1_2", "div.left-t")
    title_css = ("#cont_1_1_2 h1", "div.content h1", "h1")
    byline_css = ("div.left-t",)


class ChinanewsExtractor(SiteExtractor):
    site = "chinanews"
    templates = (ChinanewsNewTemplate(), ChinanewsOldTemplate(), FALLBACK_TEMPLATE)

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        #: the clock that completes list dates printed without a year (tests pass a fixed one)
        self.now = now or (lambda: datetime.now(dates.BEIJING))

    def error_reason(self, response: Response) -> str | None:
        reason = super().error_reason(response)
        if reason is None and _ERROR_TITLE.search(page_title(response.selector.root)):
            reason = "error_page"
        return reason

    def after_fallback(self, response: TextResponse, result: Extracted) -> None:
        result.put("channel", channel_from_url(response.url), "url")

    # -- lists ---------------------------------------------------------------------------------
    def parse_list(self, response: TextResponse) -> ListPage:
        """Rolling list / per-day archive (``.content_list li``), or the RSS feed."""
        if response.url.endswith(".xml") or response.body.lstrip()[:5] in (b"<?xml", b"<rss "):
            return self.feed_entries(response)
        archive = _ARCHIVE_PATH.match(urlsplit(response.url).path)
        year = int(archive[1]) if archive else None
        now = self.now()
        page = ListPage()
        for number, item in enumerate(outermost(items_in(response, "content_list"), page, "entry"), 1):
            with one_entry(page, f"entry {number}"):
                anchor = item.css(".dd_bt a[href]")
                if not anchor:
                    continue  # separator rows
                url = canonical_url(urljoin(response.url, anchor[0].attrib["href"].strip()))
                shown = squash(" ".join(item.css(".dd_time ::text").getall()))
                when = recent_datetime(shown, now, year) or dates.date_from_url(url)
                page.entries.append(ListEntry(
                    url, when, squash(anchor[0].xpath("string(.)").get()) or None,
                    strip_label(" ".join(item.css(".dd_lm ::text").getall()))))
        following = pager_next(response, response.css("div.pagebox a[href], #pagebox a[href]"),
                               self._list_page_of(response.url))
        page.next_page = canonical_url(following) if following else None
        return page

    @staticmethod
    def _list_page_of(list_url: str) -> Callable[[str], int | None]:
        """Page numbers of the list series ``list_url`` belongs to (same folder, news<n>.html)."""
        folder = urlsplit(list_url).path.rpartition("/")[0]

        def page_of(url: str) -> int | None:
            path = urlsplit(url).path
            m = _LIST_PAGE.search(path)
            return int(m[1] or 1) if m and path.rpartition("/")[0] == folder else None

        return page_of

    @staticmethod
    def feed_entries(response: TextResponse) -> ListPage:
        # parsed as XML whatever the Content-Type: an HTML parser would empty the <link> elements
        feed = Selector(text=response.text, type="xml")
        page = ListPage()
        for number, item in enumerate(feed.xpath("//*[local-name()='item']"), 1):
            with one_entry(page, f"item {number}"):
                link = squash(item.xpath("string(*[local-name()='link'])").get())
                if not link:
                    continue
                page.entries.append(ListEntry(
                    canonical_url(urljoin(response.url, link)),
                    rss_datetime(item.xpath("string(*[local-name()='pubDate'])").get()),
                    squash(item.xpath("string(*[local-name()='title'])").get()) or None,
                    squash(item.xpath("string(*[local-name()='category'])").get()) or None))
        return page


EXTRACTOR = ChinanewsExtractor()
