"""中国信息产业网 (www.cnii.com.cn) and the 人民邮电报 e-paper (rmydb.cnii.com.cn): article templates
(cnii-main, cnii-old, cnii-epaper, then the fallback), channel lists and the e-paper's per-issue
``data.json`` (:meth:`CniiExtractor.parse_issue`).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response, TextResponse

from healthcrawl.crawl.extractors.base import Extracted, SiteExtractor
from healthcrawl.crawl.extractors.credits import editor_on_page
from healthcrawl.crawl.extractors.css import CssTemplate
from healthcrawl.crawl.extractors.generic import FALLBACK_TEMPLATE
from healthcrawl.crawl.extractors.lists import ListEntry, ListPage, link_entries, next_link, one_entry, trs_next_page
from healthcrawl.crawl.sites import EPAPER_HOST, EPAPER_NAME
from healthcrawl.text import dates
from healthcrawl.text.pagetitle import page_title
from healthcrawl.text.whitespace import squash

#: Main-site articles, current and ≤2019 form; the first folder is the channel.
MAIN_ARTICLE = re.compile(
    r"^/(?P<channel>[A-Za-z0-9_]+)/(?:\d{6}/t\d{8}_\d+\.html|\d{4}-\d{2}/\d{2}/content_\d+\.htm)$")
#: E-paper article pages, with or without the extra /rmydb/ prefix one known link carries.
EPAPER_ARTICLE = re.compile(
    r"^(?:/rmydb)?/html/\d{4}/(?P<day>\d{8})/(?P=day)_(?P<page>\d+)/(?P=day)_(?P=page)_\d+_\d+\.html$")
#: Site names appended to <title>: "标题_中国信息产业网", "标题-中国工信新闻网", "标题_人民邮电报".
_TITLE_SUFFIX = re.compile(
    rf"\s*[_|\-—–]+\s*(?:中国信息产业网|中国工信新闻网|{EPAPER_NAME}|人民邮电)(?:\s*[_|\-—–].*)?$")


def epaper_index_url(day: date) -> str:
    """The e-paper's per-issue index (published on most weekdays)."""
    return f"https://{EPAPER_HOST}/html/{day:%Y}/{day:%Y%m%d}/data.json"


def is_article_url(url: str) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not (host == "cnii.com.cn" or host.endswith(".cnii.com.cn")):
        return False
    return bool(MAIN_ARTICLE.match(parts.path) or EPAPER_ARTICLE.match(parts.path))


def page_channel(page_no: Any) -> str | None:
    """"第03版" from an e-paper page number (3, "03", "003" …)."""
    digits = re.search(r"\d+", str(page_no or ""))
    return f"第{int(digits[0]):02d}版" if digits else None


def head_title(response: TextResponse) -> str | None:
    """``<title>`` without the site name."""
    return _TITLE_SUFFIX.sub("", page_title(response.selector.root)) or None


def url_channel(url: str) -> str | None:
    """The channel folder of a main-site article URL (/gxyw/202611/t… → gxyw)."""
    m = MAIN_ARTICLE.match(urlsplit(url).path)
    return m["channel"] if m else None


def list_channel(response: TextResponse) -> str | None:
    """The channel the list entry that led here gave (request meta), if any."""
    try:
        return response.meta.get("channel")
    except AttributeError:  # a response built without a request
        return None


class CniiMainTemplate(CssTemplate):
    name = "cnii-main"
    match_css = body_css = ("#divContent",)
    title_css = ("h1",)
    time_css = ("span.detail_pubTime",)
    source_css = ("span.source",)
    author_css = ("span.author",)

    def after(self, response: TextResponse, result: Extracted) -> None:
        result.put("title", head_title(response), "title")
        result.put("editor", editor_on_page(response), "page:责任编辑")
        result.put("channel", url_channel(response.url), "url")


class CniiOldTemplate(CniiMainTemplate):
    """≤2019: author, source and time in one ``.conzz`` line ("作者：… 来源：… 2019-03-12 10:20")."""

    name = "cnii-old"
    match_css = body_css = (".conzw",)
    time_css = source_css = author_css = ()
    byline_css = (".conzz",)


class CniiEpaperTemplate(CssTemplate):
    name = "cnii-epaper"
    match_css = body_css = ("div#ozoom",)
    title_css = ("h1",)

    def before(self, response: TextResponse, result: Extracted) -> None:
        result.put("title", head_title(response), "title")
        result.put("published_at", dates.date_from_url(response.url), "url")  # the page prints none
        result.put("channel", list_channel(response), "list")
        m = EPAPER_ARTICLE.match(urlsplit(response.url).path)
        result.put("channel", page_channel(m["page"]) if m else None, "url")

    def after(self, response: TextResponse, result: Extracted) -> None:
        result.put("editor", editor_on_page(response), "page:责任编辑")


class CniiExtractor(SiteExtractor):
    site = "cnii"
    templates = (CniiMainTemplate(), CniiOldTemplate(), CniiEpaperTemplate(), FALLBACK_TEMPLATE)

    def error_reason(self, response: Response) -> str | None:
        reason = super().error_reason(response)
        if reason:
            return reason
        # The e-paper host answers some clients with a page that is only a script (a JavaScript
        # challenge that sets a cookie and reloads): not an article, and not worth a fallback.
        visible = squash(" ".join(response.xpath(
            "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
        ).getall()))
        if len(visible) < 20 and response.xpath("//script"):
            return "js_challenge"
        return None

    def parse_list(self, response: TextResponse) -> ListPage:
        if is_json(response):
            return self.parse_issue(response)
        anchors = response.css("div.mainNews li a[href]")
        return link_entries(response, anchors, is_article_url,
                            next_page=trs_next_page(response) or next_link(response))

    def parse_issue(self, response: TextResponse) -> ListPage:
        """An e-paper issue's ``data.json``: ``[{"pageNo", "pageName"?, "onePageArticleList":
        [{"mainTitle", "articleHref", "articleAuthor", "articleColumn"}, …]}, …]``.

        ``articleHref`` is joined against the data.json URL (it may be relative or absolute);
        the date comes from the path; the channel is the article's column, else "第PP版".
        A dict wrapping the list (``{"data": [...]}``) is accepted too. Anything that is not
        JSON (e.g. the host's JavaScript challenge) yields an empty page, which the spider logs.

        A malformed entry costs that entry only (``ListPage.problems``): a page or an article
        that is not an object, an ``articleHref`` that is not a string, or a value nested deeper
        than :data:`MAX_JSON_DEPTH` is skipped; a title or column of the wrong type is ignored
        (the article page has its own).
        """
        page = ListPage()
        data = load_json(response.text, page)
        if data is None:
            return page
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), [])
        issue_day = dates.date_from_url(response.url)
        for page_no, paper_page in enumerate(data if isinstance(data, list) else [], 1):
            where = f"page {page_no}"
            if not isinstance(paper_page, dict):
                page.skip(where, f"not an object ({_kind(paper_page)})")
                continue
            articles = paper_page.get("onePageArticleList")
            if articles is None:
                continue
            if not isinstance(articles, list):
                page.skip(where, f"onePageArticleList is not a list ({_kind(articles)})")
                continue
            for number, article in enumerate(articles, 1):
                with one_entry(page, f"{where} article {number}"):
                    entry = self._issue_entry(response.url, issue_day, paper_page, article,
                                              f"{where} article {number}", page)
                    if entry is not None:
                        page.entries.append(entry)
        return page

    @staticmethod
    def _issue_entry(issue_url: str, issue_day: Any, paper_page: dict, article: Any, where: str,
                     page: ListPage) -> ListEntry | None:
        if not isinstance(article, dict):
            page.skip(where, f"not an object ({_kind(article)})")
            return None
        href = article.get("articleHref")
        if href is None or href == "":
            return None  # an advertisement box: no article behind it
        if not isinstance(href, str):
            page.skip(where, f"articleHref is not a string ({_kind(href)})")
            return None
        href = squash(href)
        if not href:
            return None
        url = urljoin(issue_url, href)
        texts = {}
        for name in ("mainTitle", "articleColumn"):
            value = article.get(name)
            if value is not None and not isinstance(value, str):
                page.ignore(f"{where} ({url})", f"{name} is not a string ({_kind(value)})")
                value = None
            texts[name] = squash(value) or None
        return ListEntry(
            url=url,
            published_at=dates.date_from_url(url) or issue_day,
            title=texts["mainTitle"],
            channel=texts["articleColumn"] or page_channel(paper_page.get("pageNo")),
        )


#: data.json is three levels deep; anything nested deeper than this is not an entry
MAX_JSON_DEPTH = 16
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')


def _kind(value: Any) -> str:
    return type(value).__name__ if not isinstance(value, (list, dict)) else (
        f"{type(value).__name__} of {len(value)}")


def load_json(text: str, page: ListPage) -> Any:
    """The JSON value of ``text`` (None when it is not JSON). Arrays and objects nested deeper
    than :data:`MAX_JSON_DEPTH` (which would exhaust the parser's recursion) are replaced by
    ``null`` and recorded on ``page``, so the rest of the document is still read (the entry
    holding such a value is then skipped or loses that field, and is counted as such)."""
    try:
        return json.loads(text)
    except RecursionError:
        pass
    except ValueError:
        return None
    pieces, last, depth, cut_from = [], 0, 0, None
    for token in _JSON_TOKEN.finditer(text):
        char = token[0]
        if char in "[{":
            depth += 1
            if depth == MAX_JSON_DEPTH + 1 and cut_from is None:
                cut_from = token.start()
        elif char in "]}":
            if depth == MAX_JSON_DEPTH + 1 and cut_from is not None:
                pieces.append(text[last:cut_from] + "null")
                page.ignore(f"offset {cut_from}", f"a value nested deeper than {MAX_JSON_DEPTH} levels, "
                                                   "read as null")
                last, cut_from = token.end(), None
            depth -= 1
    pieces.append(text[last:])
    try:
        return json.loads("".join(pieces))
    except (ValueError, RecursionError):
        return None


def is_json(response: TextResponse) -> bool:
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    return "json" in ctype or urlsplit(response.url).path.endswith(".json")


EXTRACTOR = CniiExtractor()
