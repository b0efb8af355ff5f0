"""光明网 (gmw.cn): article templates (gmw-2018, gmw-new, gmw-photo, gmw-old, then the fallback),
node, commentary and channel-home lists.

Every template and the fallback read the hidden ``<!--enpproperty …-->`` record first (date to
the second, keywords, channel); multi-page articles (``content_<id>_2.htm`` …) set
``Extracted.next_page`` and the spider merges the pages.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import TextResponse

from healthcrawl.crawl.extractors.base import Extracted, SiteExtractor
from healthcrawl.crawl.extractors.css import CssTemplate
from healthcrawl.crawl.extractors.generic import FALLBACK, FALLBACK_TEMPLATE
from healthcrawl.crawl.extractors.lists import (ListEntry, ListPage, items_in, link_entries, one_entry,
                                                outermost, pager_next)
from healthcrawl.crawl.extractors.pagefields import split_keywords
from healthcrawl.text import dates
from healthcrawl.text.whitespace import squash

#: First pages of articles: https://{sub}.gmw.cn/YYYY-MM/DD/content_<id>.htm
_ARTICLE_PATH = re.compile(r"^/\d{4}-\d{2}/\d{2}/content_\d+\.htm$")
#: Any page of an article (group 1: id, group 2: page number from 2 on).
_CONTENT = re.compile(r"/content_(\d+)(?:_(\d+))?\.htm$")
#: Channel list pages: node_<id>.htm, node_<id>_<n>.htm
_NODE = re.compile(r"/node_(\d+)(?:_(\d+))?\.htm$")
_ENP_START = re.compile(r"<!--\s*enpproperty")
_ENP_END = re.compile(r"/enpproperty\s*-->")
_ENP_OPEN = re.compile(r"<(\w+)>")
_ENP_CLOSE = re.compile(r"</(\w+)>")
#: (class of the container of the <li> items, link, date) selectors of the list markups: channel
#: (node) lists, commentary lists
_LIST_MARKUPS = (("channel-newsGroup", ".channel-newsTitle a", ".channel-newsTime"),
                 ("content_left_main", ".main_title a", "[class*=time]"))


def is_article_url(url: str) -> bool:
    """A first article page on any gmw.cn host (later pages ``_2.htm`` are not list entries)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return (host == "gmw.cn" or host.endswith(".gmw.cn")) and bool(_ARTICLE_PATH.match(parts.path))


def enpproperty(response: TextResponse) -> dict[str, str]:
    """The fields of the hidden ``<!--enpproperty <date>…</date>…/enpproperty-->`` comment.

    Read in time linear in the page: the comment is the text from the first opening to the
    first closing after it, and each ``<name>`` field runs to the first ``</name>`` after it
    (found by bisection among the closing tags), so pages of many unclosed comments or fields
    cost no more than their size.
    """
    text = response.text
    start = _ENP_START.search(text)
    if not start:
        return {}
    end = _ENP_END.search(text, start.end())
    if not end:
        return {}
    return {name: squash(html.unescape(value))
            for name, value in _fields(text[start.end():end.start()]).items()}


def _fields(body: str) -> dict[str, str]:
    """``<name>value</name>`` pairs, left to right, as ``re.findall(r"<(\\w+)>(.*?)</\\1>")``
    would give them (the last of a repeated name wins)."""
    closes: dict[str, list[int]] = {}
    for m in _ENP_CLOSE.finditer(body):
        closes.setdefault(m[1], []).append(m.start())
    fields: dict[str, str] = {}
    pos = 0
    for m in _ENP_OPEN.finditer(body):
        if m.start() < pos:
            continue
        ends = closes.get(m[1])
        i = bisect_left(ends, m.end()) if ends else 0
        if not ends or i == len(ends):
            continue
        fields[m[1]] = body[m.end():ends[i]]
        pos = ends[i] + len(m[1]) + 3
    return fields


def put_enpproperty(response: TextResponse, result: Extracted) -> None:
    enp = enpproperty(response)
    result.put("published_at", dates.find_datetime(enp.get("date")), "enpproperty")
    result.put("keywords", split_keywords(enp.get("keyword")), "enpproperty")
    result.put("channel", enp.get("nodename"), "enpproperty")
    result.put("author", enp.get("author"), "enpproperty")


def next_article_page(response: TextResponse) -> str | None:
    """The next page of a multi-page article, from the pager (``#displaypagenum``, ``a.ptfontcon``)."""
    this = _CONTENT.search(urlsplit(response.url).path)
    if not this:
        return None

    def page_of(url: str) -> int | None:
        m = _CONTENT.search(urlsplit(url).path)
        return int(m[2] or 1) if m and m[1] == this[1] else None

    return pager_next(response, response.css("#displaypagenum a[href], a.ptfontcon[href]"), page_of)


def next_node_page(url: str) -> str | None:
    """node_<id>.htm → node_<id>_2.htm → node_<id>_3.htm …; None for other lists."""
    parts = urlsplit(url)
    m = _NODE.search(parts.path)
    if not m:
        return None
    page = int(m[2] or 1) + 1
    return urljoin(url, f"node_{m[1]}_{page}.htm")


class GmwTemplate(CssTemplate):
    """What all gmw article templates share: enpproperty first, pager, logo."""

    drop_css = ("script", "style", "#displaypagenum", "div.u-moreText", ".liability",
                "#contentLiability")
    skip_images = ("content_logo.png",)

    def before(self, response: TextResponse, result: Extracted) -> None:
        put_enpproperty(response, result)

    def after(self, response: TextResponse, result: Extracted) -> None:
        result.put("title", enpproperty(response).get("title"), "enpproperty")
        crumbs = [squash(t) for t in response.css("div.g-crumbs a::text").getall() if squash(t)]
        result.put("channel", crumbs[-1] if crumbs else None, "breadcrumb")
        result.next_page = next_article_page(response)


class Gmw2018Template(GmwTemplate):
    name = "gmw-2018"
    match_css = ("h1.u-title",)
    title_css = ("h1.u-title",)
    time_css = ("span.m-con-time",)
    source_css = ("span.m-con-source a", "span.m-con-source")
    editor_css = ("span.liability", "div.liability")
    body_css = ("#article_inbox div.u-mainText", "div.u-mainText")


class GmwNewTemplate(GmwTemplate):
    name = "gmw-new"
    match_css = ("#articleID", "#ContentPh")
    title_css = ("#articleID h1", "h1")
    time_css = ("#articlePubTime",)
    source_css = ("#articleSource a", "#articleSource")
    editor_css = ("#articleLiability", ".liability")
    body_css = ("#ContentPh",)


class GmwPhotoTemplate(GmwTemplate):
    name = "gmw-photo"
    match_css = ("div.h-contentMain",)
    title_css = ("h1.h-title", ".h-title", "h1")
    time_css = ("span.u-time",)
    source_css = ("span.u-source a", "span.u-source")
    editor_css = (".liability",)
    body_css = ("div.h-contentMain",)


class GmwOldTemplate(GmwTemplate):
    name = "gmw-old"
    match_css = ("h1#articleTitle", "#contentMain")
    title_css = ("h1#articleTitle", "#articleTitle")
    time_css = ("#pubTime",)
    source_css = ("#source a", "#source")
    editor_css = ("#contentLiability",)
    body_css = ("#contentMain",)


class GmwExtractor(SiteExtractor):
    site = "gmw"
    templates = (Gmw2018Template(), GmwNewTemplate(), GmwPhotoTemplate(), GmwOldTemplate(), FALLBACK_TEMPLATE)

    def after_fallback(self, response: TextResponse, result: Extracted) -> None:
        """The hidden CMS record beats the fallback's guesses from visible text; the pager."""
        hidden = Extracted(template=FALLBACK)
        put_enpproperty(response, hidden)
        result.fields.update(hidden.fields)
        result.how.update(hidden.how)
        result.next_page = next_article_page(response)

    def parse_list(self, response: TextResponse) -> ListPage:
        """Node and commentary lists (paged node_<id>_<n>.htm); channel homes (every article link)."""
        path = urlsplit(response.url).path
        if path in ("", "/") or path.endswith(("/index.htm", "/index.html")):
            return link_entries(response, response.css("a[href]"), is_article_url)
        page = ListPage()
        entries: dict[str, ListEntry] = {}
        for container, link_css, time_css in _LIST_MARKUPS:
            where = f".{container} li"
            for number, item in enumerate(outermost(items_in(response, container), page, where), 1):
                with one_entry(page, f"{where} {number}"):
                    entry = self._entry(response, item, link_css, time_css)
                    if entry and entry.url not in entries:
                        entries[entry.url] = entry
        page.entries = list(entries.values())
        # a page whose every entry failed still has a next page: one bad page must not end paging
        page.next_page = next_node_page(response.url) if entries or page.problems else None
        return page

    @staticmethod
    def _entry(response: TextResponse, item: Selector, link_css: str, time_css: str) -> ListEntry | None:
        anchor = item.css(f"{link_css}[href]")
        if not anchor:
            return None
        url = urljoin(response.url, anchor[0].attrib["href"].strip())
        if not is_article_url(url):
            return None
        shown = squash(" ".join(item.css(f"{time_css} ::text").getall()))
        when = dates.find_datetime(shown) if shown else None
        title = squash(anchor[0].attrib.get("title")) or squash(anchor[0].xpath("string(.)").get()) or None
        return ListEntry(url, when or dates.date_from_url(url), title)


EXTRACTOR = GmwExtractor()
