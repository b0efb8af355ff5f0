"""A main-text and field extractor for Chinese news pages of any site (issue 15), the heart of the
generic fallback: ``extract_article(html, url)`` → :class:`Article`. Pure lxml, no Scrapy.

The page is cut into text units (:mod:`.textunits`), each worth its prose characters or less than
nothing (links, teasers, list items, furniture lines); the article is the element whose units add
up to the most (in the spirit of CETD's text density), narrowed to the part under the page's
headline when a second article follows in full, widened from one paragraph to its block when a
link list in that block sank the total. Inside it, boilerplate containers and
lines are dropped and the text stops at the first end mark once most of it is read; the headline,
byline and editor credit become fields (:mod:`.pagefields`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from healthcrawl.crawl.extractors import pagefields
from healthcrawl.crawl.extractors.textunits import (Unit, drop_invisible, is_boiler_container,
                                                    list_members, mark_notices, meta_tags, norm, parse_page,
                                                    sentence_marks, text_of, text_units, unit_value)
from healthcrawl.text.boilerplate import ARTICLE_END, EDITOR_CREDIT, FURNITURE_LINE
from healthcrawl.text.pagetitle import page_title
from healthcrawl.text.whitespace import char_count, squash


@dataclass
class Article:
    title: str | None = None
    #: Beijing time; ``published_precision`` says whether the page gave a time ("minute") or a day
    published_at: datetime | None = None
    published_precision: str | None = None
    source: str | None = None
    editor: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    #: from the keywords meta tag
    keywords: list[str] = field(default_factory=list)
    #: field -> how it was found ("h1", "title-tag", "byline", "meta", "page" …)
    how: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: Any, how: str) -> None:
        if value:
            setattr(self, name, value)
            self.how[name] = how


def extract_article(html: str, url: str | None = None) -> Article:
    """Title, publication time, source, editor and body paragraphs of a news page."""
    article = Article()
    root = parse_page(html)
    meta = meta_tags(root)
    head = page_title(root)
    drop_invisible(root)
    title, title_how, title_element = pagefields.find_title(root, head)
    units = text_units(root)
    body = _body(root, units, title_element)
    if body and (title is None or len(norm(title)) < 6 or (title_how == "title-tag" and title_element is None)):
        heading = _headline_atop(body) or pagefields.heading_before(units, body[0])
        if heading is not None and not (title and norm(heading.text) in norm(title)):
            title, title_how, title_element = heading.text, "before-body", heading.element
    article.set("title", title, title_how)
    byline = pagefields.byline_after(units, title, title_element)
    article.paragraphs = _trim([u.text for u in body], title)
    when, how = pagefields.published(byline, meta, units)
    if when:
        article.published_at, article.published_precision = when
        article.how["published_at"] = how
    article.set("source", *pagefields.source(byline, title, units, article.paragraphs, meta))
    article.set("editor", pagefields.editor(units, body[-1] if body else None, byline), "page")
    article.set("keywords", pagefields.split_keywords(meta.get("keywords")), "meta:keywords")
    return article


def _headline_atop(body: list[Unit]) -> Unit | None:
    """The body's first line when it is a headline: short, no sentence, a dated line right after."""
    first = body[0]
    if not 6 <= first.chars <= 60 or re.search(r"[，。；]", first.text):
        return None
    dated = any(u.chars < 80 and pagefields.find_datetime(u.text) for u in body[1:3])
    return first if dated else None


def _body(root: Any, units: list[Unit], title_element: Any) -> list[Unit]:
    """The article's units: those of the best container without furniture, after the headline,
    long lines once."""
    listed = list_members(root)
    for unit in units:
        unit.value = unit_value(unit)
        if unit.element in listed:
            unit.value = -abs(unit.value) or -1.0
    mark_notices(units)
    container = _best_container(root, units)
    container = _under_headline(root, units, container, title_element)
    body = _body_units(units, _whole_article(units, container))
    if title_element is not None:  # the body starts after the headline
        after = [i for i, u in enumerate(body) if u.element is title_element]
        if after and after[-1] < len(body) - 1:
            body = body[after[-1] + 1:]
    return _long_lines_once(body)


def _best_container(root: Any, units: list[Unit], top: Any = None) -> Any:
    """The element whose text units add up to the most (the article), below ``top`` (the body)."""
    own: dict[Any, float] = {}
    for unit in units:
        own[unit.element] = own.get(unit.element, 0.0) + unit.value
    total: dict[Any, float] = {}
    if top is None:
        body = root.find("body")
        top = body if body is not None else root
    elements = [e for e in top.iter() if isinstance(e.tag, str)]
    for element in reversed(elements):  # children before parents
        score = own.get(element, 0.0)
        for child in element:
            score += total.get(child, 0.0)
        if score > 0 and element is not top and is_boiler_container(element) and _looks_like_list(element):
            score = 0.0
        total[element] = score
    best, best_score = top, float("-inf")
    for element in elements:
        score = total.get(element, 0.0)
        if score > best_score:
            best, best_score = element, score
    return best


_HEADLINE_TAGS = ("h1", "h2", "h3")


def _under_headline(root: Any, units: list[Unit], best: Any, title_element: Any) -> Any:
    """The article under the page's headline: when the best container lies below a second
    headline of the same kind (a next or recommended article shown in full below the first), the
    best container between the headline and that second one, if it holds prose."""
    if title_element is None or best is title_element:
        return best
    headline = _headline_of(title_element)
    if headline is None:
        return best
    same = [e for e in root.iter(headline.tag) if e is not headline
            and (e.get("class") or None) == (headline.get("class") or None)]
    order = {e: i for i, e in enumerate(root.iter())}
    start = order[headline]
    following = [e for e in same if order[e] > start]
    if not following or (order[best] < order[following[0]] and not _contains(best, following[0])):
        return best  # the best container ends before the second headline
    stop = order[following[0]]
    section = [u for u in units if start < order.get(u.element, -1) < stop]
    if sum(max(0.0, u.value) for u in section) < 60:
        return best
    parent = _common_parent(headline, following[0])
    candidate = _best_container(root, section, parent)
    return candidate if not _contains(candidate, following[0]) else best


def _headline_of(element: Any) -> Any:
    """The headline element itself (``h1``-``h3`` or a ``*title*`` class) holding ``element``."""
    chain = [element, *list(element.iterancestors())[:2]]
    for node in chain:
        if node.tag in _HEADLINE_TAGS:
            return node
    return next((node for node in chain if "title" in (node.get("class") or "").lower()), None)


def _contains(ancestor: Any, element: Any) -> bool:
    return any(node is ancestor for node in element.iterancestors())


def _common_parent(first: Any, second: Any) -> Any:
    mine = set(first.iterancestors())
    return next((node for node in second.iterancestors() if node in mine), None)


def _whole_article(units: list[Unit], container: Any) -> Any:
    """A container that is one ``<p>`` of a longer article (the article's block also holds a list
    sinking its total) widened to its parent when two more sibling ``<p>`` hold prose."""
    parent = container.getparent()
    if container.tag != "p" or parent is None or parent.tag in ("body", "html"):
        return container
    siblings = {child for child in parent if child.tag == "p" and child is not container}
    prose = sum(1 for u in units if u.value > 20 and u.element in siblings)
    return parent if prose >= 2 else container


def _looks_like_list(element: Any) -> bool:
    return element.tag in ("ul", "ol", "nav", "footer", "aside") or len(element.findall(".//a")) >= 3


def _body_units(units: list[Unit], container: Any) -> list[Unit]:
    inside: list[Unit] = []
    members = set(container.iter())
    excluded: dict[Any, bool] = {}

    def in_boiler(element: Any) -> bool:
        """Whether ``element`` is inside (or is) a boilerplate container below ``container``."""
        chain = []
        node = element
        while node is not None and node is not container and node not in excluded:
            chain.append(node)
            node = node.getparent()
        result = excluded.get(node, False) if node is not None else False
        for link in reversed(chain):  # from the top down
            result = result or (is_boiler_container(link) and _boiler_inside(link))
            excluded[link] = result
        return excluded.get(element, result)

    mine = [u for u in units if u.element in members]
    total = sum(max(0.0, u.value) for u in mine) or 1.0
    done = 0.0
    for unit in mine:
        if ARTICLE_END.match(unit.text) and done >= 0.5 * total:
            break  # the article has ended: credits, notices, related lists, comments follow
        done += max(0.0, unit.value)
        if unit.chars and unit.link_chars / unit.chars > 0.5:
            continue
        if FURNITURE_LINE.match(unit.text) or unit.value <= -8:
            continue  # furniture, a teaser, an item of a link list, a legal notice
        if in_boiler(unit.element):
            continue
        inside.append(unit)
    return inside


def _long_lines_once(units: list[Unit]) -> list[Unit]:
    """Long lines repeated (a second copy of the article on the page) are kept once."""
    seen: set[str] = set()
    out: list[Unit] = []
    for unit in units:
        if unit.chars >= 80 and unit.text in seen:
            continue
        seen.add(unit.text)
        out.append(unit)
    return out


def _boiler_inside(element: Any) -> bool:
    """A boilerplate-named container inside the article is dropped unless it holds prose."""
    text = squash(text_of(element))
    chars = char_count(text)
    if chars == 0:
        return True
    prose = sentence_marks(text)
    links = sum(char_count(text_of(a)) for a in element.iter("a"))
    return links / chars > 0.3 or prose / chars < 0.02 or chars < 40


_BYLINE_LINE = re.compile(r"(?:来源|作者|时间|发布|编辑|责编|记者|稿源|浏览|阅读|点击|字号)[:：]|^\s*(?:19|20)\d{2}[-/.年]")


_DATED = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}[:：]\d{2}")
_PLACE = re.compile(r"^(?:来自|IP属地[:：]?)\s*\S{1,10}$")


def _byline_block(lines: list[str]) -> int:
    """How many lines at the top are a byline block: up to the last dated line before the first
    sentence, among the first six (and an "来自…" location line after it)."""
    end = 0
    for index, line in enumerate(lines[:6]):
        if len(line) >= 60 or re.search(r"[。！？]", line):
            break  # the article's first sentence
        if _DATED.search(line):
            end = index + 1
    while end and end < len(lines) and _PLACE.match(lines[end]):
        end += 1
    return end if end < len(lines) else 0


def _trim(paragraphs: list[str], title: str | None) -> list[str]:
    """Without the headline and byline lines at the top and the editor credit at the end."""
    out = [p for p in paragraphs if len(norm(p)) > 1]  # lone marks and letters ("·", "今")
    out = out[_byline_block(out):]
    norm_title = norm(title or "")
    # headline and byline at the top
    while out and (
            (norm_title and norm(out[0]) == norm_title)
            or (len(out[0]) < 80 and _BYLINE_LINE.search(out[0]) and not re.search(r"[。！？]", out[0]))):
        out.pop(0)
    # editor credit closing the body, and lone brackets left of it
    while out and not norm(out[-1]):
        out.pop()
    while out:
        last = out[-1]
        m = EDITOR_CREDIT.search(last)
        if m and len(last) < 40 + len(m[0]) and m.start() <= len(last) - len(m[0]) - 0:
            stripped = (last[:m.start()] + last[m.end():]).strip(" 【】[]()（）")
            if len(stripped) < 6:
                out.pop()
                continue
        break
    return out
