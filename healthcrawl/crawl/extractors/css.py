"""Templates described by CSS selectors (:class:`CssTemplate`) and the helpers they read with.

A site module subclasses :class:`CssTemplate` per page template, sets the selectors of each field
and may add hooks for hidden metadata (``before``) and what the selectors leave (``after``).
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import Response, TextResponse

from healthcrawl.crawl.extractors.base import Extracted, Template
from healthcrawl.crawl.extractors.pagefields import split_keywords
from healthcrawl.text import dates
from healthcrawl.text.boilerplate import clean_paragraphs
from healthcrawl.text.whitespace import squash


def strip_label(text: str | None, *labels: str) -> str | None:
    """Remove a leading label such as "来源：" / "责编：" / "【编辑:…】" brackets; None if empty."""
    text = squash(text)
    text = text.strip("[]【】() （）")
    for label in labels:
        text = re.sub(rf"^\s*{label}\s*[:：]?\s*", "", text)
    text = text.strip("[]【】() （）").strip()
    return text or None


def first_text(sel: Selector | Response, *css: str) -> tuple[str | None, str | None]:
    """The first non-empty squashed text among CSS selectors, with the selector used."""
    for query in css:
        text = squash(" ".join(sel.css(query).xpath(".//text()").getall()))
        if text:
            return text, query
    return None, None


def paragraph_texts(nodes: Selector | list) -> list[str]:
    """Texts of paragraph nodes, squashed, empty ones removed."""
    out = []
    for node in nodes:
        text = squash(" ".join(node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()))
        if text:
            out.append(text)
    return out


def image_urls(response: TextResponse, nodes: Selector | list, skip: tuple[str, ...] = ()) -> list[str]:
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


_BLOCK_BREAK = re.compile(
    r"(?i)<br\s*/?>|</?(?:p|div|h[1-6]|li|ul|ol|tr|table|center|section|blockquote)\b[^>]*>")
_INVISIBLE = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->")


def text_blocks(node: Selector) -> list[str]:
    """Paragraph texts of a container split by ``<br>`` and block elements rather than ``<p>``.

    Source line breaks are ordinary spaces in HTML, so they are flattened before the breaks the
    markup means are turned into paragraph boundaries.
    """
    html = _INVISIBLE.sub("", node.get() or "")
    html = re.sub(r"[\r\n\t]+", " ", html)
    html = _BLOCK_BREAK.sub("\n", html)
    text = Selector(text=f"<div>{html}</div>").xpath("string(.)").get() or ""
    blocks = [squash(line) for line in text.split("\n")]
    return [b for b in blocks if b]


def meta_keywords(response: TextResponse) -> list[str]:
    """Keywords from ``<meta name="keywords">`` (split at commas, semicolons, 、 and spaces)."""
    return split_keywords(response.xpath('//meta[translate(@name, "KEYWORDS", "keywords")="keywords"]/@content').get())


def labelled(text: str | None, *labels: str, required: bool = False) -> str | None:
    """The value after the first "label：" in ``text`` (up to the next space).

    "2020年07月04日 12:10　来源：求是网 参与互动" → "求是网" (label 来源). Without any label in the
    text, the whole text without brackets, or None when ``required``.
    """
    text = squash(text)
    if not text:
        return None
    m = re.search(rf"(?:{'|'.join(map(re.escape, labels))})\s*[:：]\s*(\S*)", text) if labels else None
    if m:  # "来源：" with nothing after it is no value
        return strip_label(m[1])
    return None if required else strip_label(text)


def pruned(node: Selector, drop_css: tuple[str, ...]) -> Selector:
    """A copy of ``node`` without the elements matching ``drop_css``.

    The copy is re-parsed, so the response's own (cached) selector tree is left intact for the
    other selectors, templates and the fallback.
    """
    copy = Selector(text=node.get() or "")
    for query in drop_css:
        for element in copy.css(query):
            element.drop()
    return copy


class CssTemplate(Template):
    """A template described by CSS selectors: for each field, the first selector that yields wins.

    Site modules subclass it, set the selectors and may override :meth:`before` (hidden
    metadata, read first so it beats visible text) and :meth:`after` (next page, channel …).
    ``how`` is the selector that produced a field; the body's is "<container> <paragraph css>".
    """

    #: the page is of this template when any of these match
    match_css: ClassVar[tuple[str, ...]] = ()
    title_css: ClassVar[tuple[str, ...]] = ()
    time_css: ClassVar[tuple[str, ...]] = ()
    #: the element's text is the value, with or without its label ("来源：人民日报" / "人民日报")
    source_css: ClassVar[tuple[str, ...]] = ()
    author_css: ClassVar[tuple[str, ...]] = ()
    editor_css: ClassVar[tuple[str, ...]] = ()
    #: bylines holding several fields ("2020年07月04日 12:10　来源：求是网"): read after the
    #: dedicated selectors, and only for the date and labelled values
    byline_css: ClassVar[tuple[str, ...]] = ()
    #: body containers (the first present is read) and the paragraph elements inside them
    body_css: ClassVar[tuple[str, ...]] = ()
    paragraph_css: ClassVar[str] = "p"
    #: elements removed from the body before reading it (editor credit, pager, ads)
    drop_css: ClassVar[tuple[str, ...]] = ("script", "style")
    #: image URLs containing any of these are not article images (logos)
    skip_images: ClassVar[tuple[str, ...]] = ()
    source_labels: ClassVar[tuple[str, ...]] = ("来源",)
    author_labels: ClassVar[tuple[str, ...]] = ("作者",)
    editor_labels: ClassVar[tuple[str, ...]] = ("责任编辑", "责编", "编辑")

    def matches(self, response: TextResponse) -> bool:
        return any(response.css(query) for query in self.match_css)

    def extract(self, response: TextResponse) -> Extracted:
        result = Extracted(template=self.name)
        self.before(response, result)
        result.put("title", *first_text(response, *self.title_css))
        for query in self.time_css + self.byline_css:
            text, how = first_text(response, query)
            result.put("published_at", dates.find_datetime(text), how)
        for name, queries, labels in (("source", self.source_css, self.source_labels),
                                      ("author", self.author_css, self.author_labels),
                                      ("editor", self.editor_css, self.editor_labels)):
            for query in queries:
                text, how = first_text(response, query)
                result.put(name, labelled(text, *labels), how)
            for query in self.byline_css:
                text, how = first_text(response, query)
                result.put(name, labelled(text, *labels, required=True), how)
        self.read_body(response, result)
        result.put("keywords", meta_keywords(response), "meta:keywords")
        self.after(response, result)
        return result

    def read_body(self, response: TextResponse, result: Extracted) -> None:
        for query in self.body_css:
            nodes = response.css(query)
            if not nodes:
                continue
            body = pruned(nodes[0], self.drop_css)
            paragraphs = paragraph_texts(body.css(self.paragraph_css))
            how = f"{query} {self.paragraph_css}"
            if not paragraphs:  # text split by <br> rather than <p>
                paragraphs, how = text_blocks(body), f"{query} text"
            paragraphs, editor = clean_paragraphs(paragraphs)
            result.put("paragraphs", paragraphs, how)
            result.put("editor", editor, f"{query} editor-line")
            result.put("images", image_urls(response, [body], self.skip_images), f"{query} img")
            return

    def before(self, response: TextResponse, result: Extracted) -> None:
        """Fields read before the selectors (they win over them)."""

    def after(self, response: TextResponse, result: Extracted) -> None:
        """Fields the selectors left empty, the next page, clean-ups."""
