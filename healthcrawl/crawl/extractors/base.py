"""Extraction: a page in, fields out; no crawling decisions and no processing happen here.

A site module defines a :class:`SiteExtractor` (its templates, tried in order and ending with the
generic fallback; ``parse_list``; ``error_reason``) built from :class:`Template` objects that
return :class:`Extracted` fields, each with how it was obtained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from scrapy.http import Response, TextResponse

from healthcrawl.text import dates
from healthcrawl.text.pagetitle import page_title
from healthcrawl.text.whitespace import squash
# the list types and helpers, importable from here as before (tests, spider)
from healthcrawl.crawl.extractors.lists import (ListEntry, ListPage, recent_datetime,  # noqa: F401
                                                trs_next_page)

#: Fields a template may return in ``Extracted.fields``.
PAGE_FIELDS = ("title", "published_at", "source", "author", "editor", "paragraphs", "images",
               "keywords", "channel")
_EMPTY = (None, "", [], ())


@dataclass
class Extracted:
    """What one template (or the fallback) read off one article page."""

    template: str
    fields: dict[str, Any] = field(default_factory=dict)
    #: field name -> how it was obtained ("h1.u-title", "enpproperty", "url", "fallback:h1" …)
    how: dict[str, str] = field(default_factory=dict)
    #: URL of the next page of a multi-page article, if any
    next_page: str | None = None

    def put(self, name: str, value: Any, how: str) -> None:
        """Set a field unless it is already set or the value is empty."""
        if value in _EMPTY or self.fields.get(name) not in _EMPTY:
            return
        self.fields[name] = value
        self.how[name] = how

    def keep(self, other: Extracted) -> None:
        """Fill the fields still empty with ``other``'s (what an earlier template found)."""
        for name, value in other.fields.items():
            self.put(name, value, other.how.get(name, other.template))
        self.next_page = self.next_page or other.next_page

    @property
    def complete(self) -> bool:
        return bool(self.fields.get("title")) and bool(self.fields.get("paragraphs"))


class Template:
    """One page template of a site. Subclasses set ``name`` and implement the two methods."""

    name: ClassVar[str] = "template"
    #: the generic fallback: it matches every page, and the site's ``after_fallback`` tidies its output
    fallback: ClassVar[bool] = False

    def matches(self, response: TextResponse) -> bool:
        raise NotImplementedError

    def extract(self, response: TextResponse) -> Extracted:
        raise NotImplementedError


ERROR_TITLE_MARKERS = ("页面没有找到", "出错啦", "404 Not Found", "页面不存在", "访问的页面不存在")


class SiteExtractor:
    site: ClassVar[str] = ""
    #: tried in order; the last is the generic fallback (:mod:`healthcrawl.crawl.extractors.generic`)
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
        if any(marker in page_title(response.selector.root) for marker in ERROR_TITLE_MARKERS):
            return "error_page"
        return None

    def extract(self, response: TextResponse) -> Extracted:
        """The first matching template reads the page; when it finds no title or no body, the
        fallback (the last template) reads it, keeping what the template did find (e.g. a hidden
        date)."""
        found = None
        for template in self.templates:
            if not (template.fallback or (found is None and template.matches(response))):
                continue  # after a template that matched, only the fallback is tried
            result = template.extract(response)
            if found is not None:
                result.keep(found)
            found = result
            if template.fallback:
                self.after_fallback(response, result)
            if result.complete or template.fallback:
                break
        found = found or Extracted(template="none")
        self.complete_dates(response, found)
        return found

    def after_fallback(self, response: TextResponse, result: Extracted) -> None:
        """The site's clean-up of what the generic fallback read (hidden metadata, promotions …)."""

    def complete_dates(self, response: TextResponse, result: Extracted) -> None:
        """The URL date is the last resort for published_at."""
        result.put("published_at", dates.date_from_url(response.url), "url")

    # -- lists ---------------------------------------------------------------------------------
    def parse_list(self, response: TextResponse) -> ListPage:
        raise NotImplementedError


__all__ = ["PAGE_FIELDS", "ERROR_TITLE_MARKERS", "Extracted", "Template", "SiteExtractor", "ListEntry",
           "ListPage", "recent_datetime", "trs_next_page", "squash"]
