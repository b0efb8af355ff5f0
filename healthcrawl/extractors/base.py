"""Extraction: a page in, fields out. No crawling decisions and no processing happen here.

Each site module (``healthcrawl/extractors/<site>.py``) defines a :class:`SiteExtractor` with:

- ``templates``: :class:`Template` objects tried in order; the first whose ``matches`` is true
  extracts the page. When none matches, or the matching one finds no title or body, the
  generic fallback (:mod:`healthcrawl.extractors.generic`) reads the page instead.
- ``parse_list``: a list page (HTML, RSS or JSON) → :class:`ListPage` (article links with the
  dates the list shows, and the next list page).
- ``error_reason``: why a response is an error page rather than an article (or None).

Every field records *how* it was obtained (``Extracted.how``), so stats and stored items show
which template, selector or fallback produced what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, ClassVar
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import Response, TextResponse

from healthcrawl import dates

#: Fields a template may return in ``Extracted.fields``.
PAGE_FIELDS = ("title", "published_at", "source", "author", "editor", "paragraphs", "images",
               "keywords", "channel")

_WS = re.compile(r"[\s\u3000\xa0]+")


def squash(text: str | None) -> str:
    """Collapse all whitespace (including full-width spaces) to single spaces, and strip."""
    return _WS.sub(" ", text or "").strip()


def strip_label(text: str | None, *labels: str) -> str | None:
    """Remove a leading label such as "来源：" / "责编：" / "【编辑:…】" brackets; None if empty."""
    text = squash(text)
    text = text.strip("[]【】() （）")
    for label in labels:
        text = re.sub(rf"^\s*{label}\s*[:：]?\s*", "", text)
    text = text.strip("[]【】() （）").strip()
    return text or None


@dataclass
class ListEntry:
    url: str
    published_at: datetime | None = None
    title: str | None = None
    channel: str | None = None


@dataclass
class ListPage:
    entries: list[ListEntry] = field(default_factory=list)
    next_page: str | None = None


@dataclass
class Extracted:
    """What one template (or the fallback) read off one article page."""

    template: str
    fields: dict[str, Any] = field(default_factory=dict)
    #: field name -> how it was obtained ("h1.u-title", "enpproperty", "url", "fallback" …)
    how: dict[str, str] = field(default_factory=dict)
    #: URL of the next page of a multi-page article, if any
    next_page: str | None = None

    def put(self, name: str, value: Any, how: str) -> None:
        """Set a field unless it is already set or the value is empty."""
        if value in (None, "", [], ()) or self.fields.get(name) not in (None, "", [], ()):
            return
        self.fields[name] = value
        self.how[name] = how

    @property
    def complete(self) -> bool:
        return bool(self.fields.get("title")) and bool(self.fields.get("paragraphs"))


class Template:
    """One page template of a site. Subclasses set ``name`` and implement the two methods."""

    name: ClassVar[str] = "template"

    def matches(self, response: TextResponse) -> bool:
        raise NotImplementedError

    def extract(self, response: TextResponse) -> Extracted:
        raise NotImplementedError


ERROR_TITLE_MARKERS = ("页面没有找到", "出错啦", "404 Not Found", "页面不存在", "访问的页面不存在")


class SiteExtractor:
    site: ClassVar[str] = ""
    templates: ClassVar[tuple[Template, ...]] = ()

    # -- articles ------------------------------------------------------------------------------
    def error_reason(self, response: Response) -> str | None:
        """Why this response is not an article page (None when it may be one)."""
        if not isinstance(response, TextResponse):
            return "not_html"
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if ctype and not any(t in ctype for t in ("html", "xml", "text/plain")):
            return "not_html"
        if not response.body.strip():
            return "empty"
        title = squash(" ".join(response.xpath("//title//text()").getall()))
        if any(marker in title for marker in ERROR_TITLE_MARKERS):
            return "error_page"
        return None

    def extract(self, response: TextResponse) -> Extracted:
        """Run the first matching template; fall back to the generic extractor if needed."""
        from healthcrawl.extractors.generic import extract_generic

        for template in self.templates:
            if template.matches(response):
                result = template.extract(response)
                if result.complete:
                    self.complete_dates(response, result)
                    return result
                break
        else:
            result = None
        fallback = extract_generic(response)
        if result is not None:  # keep what the template did find (e.g. a hidden date)
            for name, value in result.fields.items():
                fallback.put(name, value, result.how.get(name, result.template))
        self.complete_dates(response, fallback)
        return fallback

    def complete_dates(self, response: TextResponse, result: Extracted) -> None:
        """The URL date is the last resort for published_at."""
        result.put("published_at", dates.date_from_url(response.url), "url")

    # -- lists ---------------------------------------------------------------------------------
    def parse_list(self, response: TextResponse) -> ListPage:
        raise NotImplementedError

    # -- helpers shared by the site modules -----------------------------------------------------
    @staticmethod
    def first_text(sel: Selector | Response, *css: str) -> tuple[str | None, str | None]:
        """The first non-empty squashed text among CSS selectors, with the selector used."""
        for query in css:
            text = squash(" ".join(sel.css(query).xpath(".//text()").getall()))
            if text:
                return text, query
        return None, None

    @staticmethod
    def paragraphs(nodes: Selector | list, drop: Callable[[str], bool] | None = None) -> list[str]:
        """Texts of paragraph nodes, squashed, empty ones and ``drop``-matching ones removed."""
        out = []
        for node in nodes:
            text = squash(" ".join(node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()))
            if text and not (drop and drop(text)):
                out.append(text)
        return out

    @staticmethod
    def images(response: TextResponse, nodes: Selector | list, skip: tuple[str, ...] = ()) -> list[str]:
        """Absolute image URLs under ``nodes``, in order, without duplicates or skipped names."""
        seen: list[str] = []
        for node in nodes:
            for src in node.css("img::attr(src)").getall():
                src = src.strip()
                if not src or src.startswith("data:") or any(s in src for s in skip):
                    continue
                absolute = urljoin(response.url, src)
                if absolute not in seen:
                    seen.append(absolute)
        return seen
