"""Extraction: a page in, fields out. No crawling decisions and no processing happen here.

Each site module (``healthcrawl/crawl/extractors/<site>.py``) defines a :class:`SiteExtractor` with:

- ``templates``: :class:`Template` objects tried in order; the first whose ``matches`` is true
  extracts the page. When none matches, or the matching one finds no title or body, the
  generic fallback (:mod:`healthcrawl.crawl.extractors.generic`) reads the page instead.
- ``parse_list``: a list page (HTML, RSS or JSON) → :class:`ListPage` (article links with the
  dates the list shows, and the next list page).
- ``error_reason``: why a response is an error page rather than an article (or None).

Every field records *how* it was obtained (``Extracted.how``), so stats and stored items show
which template, selector or fallback produced what.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, ClassVar
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from healthcrawl.text import dates

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
    #: entries that could not be read, or read only in part: (kind, description) with kind
    #: ``entry_skipped`` (the entry is lost) or ``field_ignored`` (kept without that field);
    #: the spider logs and counts each one
    problems: list[tuple[str, str]] = field(default_factory=list)

    def skip(self, where: str, why: str) -> None:
        self.problems.append(("entry_skipped", f"{where}: {why}"))

    def ignore(self, where: str, why: str) -> None:
        self.problems.append(("field_ignored", f"{where}: {why}"))


def items_in(response: TextResponse, container_class: str, tag: str = "li") -> list[Selector]:
    """What the CSS ``.<container_class> <tag>`` selects, in document order, read in time linear
    in the page: the containers are found in one pass, and the items of each outermost one in
    one walk of it (the CSS form reads the page once per container, and a hostile page can nest
    a thousand of them)."""
    has_class = f"contains(concat(' ', normalize-space(@class), ' '), ' {container_class} ')"
    containers = response.selector.root.xpath(f"//*[{has_class}]")
    inside = set(containers)
    items: list[Selector] = []
    for container in containers:
        if any(above in inside for above in container.iterancestors()):
            continue  # a nested container: its items are among the outer one's
        items.extend(Selector(root=item, type="html") for item in container.iter(tag) if item is not container)
    return items


def outermost(items: Any, page: ListPage, what: str) -> list[Selector]:
    """The list items (``<li>`` …) that are not inside another item; each nested one is skipped
    and recorded on ``page``. Reading an item reads everything inside it, so a page of items
    nested a thousand deep would otherwise be read a thousand times over."""
    elements = {item.root for item in items}
    out = []
    for number, item in enumerate(items, 1):
        tag = getattr(item.root, "tag", None)
        holder = next(item.root.iterancestors(tag), None) if isinstance(tag, str) else None
        if holder is not None and holder in elements:
            page.skip(f"{what} {number}", "nested inside another entry")
        else:
            out.append(item)
    return out


@contextmanager
def one_entry(page: ListPage, where: str) -> Iterator[None]:
    """Read one list entry: whatever it raises costs that entry only (recorded on ``page``)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - a hostile entry must not lose the list page
        page.skip(where, f"{type(exc).__name__}: {exc}"[:200])


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
        from healthcrawl.crawl.extractors.generic import extract_generic

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


# -- helpers shared by several site modules (lists, editor credits, <br>-split bodies) ---------

#: An editor credit on a line of its own: "（责任编辑：王宁）", "责编：王宁", "【编辑:王宁】".
_EDITOR_LINE = re.compile(
    r"^[（(\[【]?\s*(?:责任编辑|责编|编辑)\s*[:：]\s*(?P<name>[^（()）\[\]【】]{1,40}?)\s*[）)\]】]?$")
#: The same credit glued to the end of the last paragraph: "……。（责任编辑：王宁）".
_EDITOR_TAIL = re.compile(
    r"\s*[（(\[【]\s*(?:责任编辑|责编)\s*[:：]\s*(?P<name>[^（()）\[\]【】]{1,40}?)\s*[）)\]】]\s*$")
#: A credit anywhere in a text: names are runs without spaces, possibly joined by "、".
_EDITOR_ANYWHERE = re.compile(
    r"(?:责任编辑|责编)\s*[:：]\s*(?P<name>[^\s（()）\[\]【】:：,，。]{1,20}(?:、[^\s（()）\[\]【】:：,，。]{1,20})*)")


def split_editor(paragraphs: list[str], tail: int = 3) -> tuple[list[str], str | None]:
    """Remove editor credits from the last ``tail`` paragraphs; (paragraphs, editor name or None)."""
    out = list(paragraphs)
    editor = None
    for i in range(len(out) - 1, max(len(out) - tail, 0) - 1, -1):
        line = squash(out[i])
        m = _EDITOR_LINE.match(line)
        if m:
            editor = editor or squash(m["name"])
            del out[i]
            continue
        m = _EDITOR_TAIL.search(line)
        if m:
            editor = editor or squash(m["name"])
            out[i] = line[:m.start()].rstrip()
            if not out[i]:
                del out[i]
    return out, editor


_LABEL_COLON = re.compile(r"(?:责任编辑|责编)\s*[:：]")
_LABEL_END = re.compile(r"(?:责任编辑|责编)\s*$")
#: text nodes read after a credit's label for the name ("责任编辑：<span>王宁</span>")
CREDIT_REACH = 8


def body_texts(response: TextResponse) -> list[tuple[str, Any]]:
    """(text, element holding it) for every text node of ``<body>`` outside scripts and styles,
    in document order, in one walk of the tree (an XPath ``ancestor::`` test per text node costs
    the depth of the page for each node)."""
    root = response.selector.root
    body = root.find("body") if hasattr(root, "find") else None
    if body is None:
        return []
    out: list[tuple[str, Any]] = []
    stack: list[tuple[Any, bool]] = [(body, False)]
    while stack:  # depth first, each element twice: its text on the way in, its tail on the way out
        element, leaving = stack.pop()
        if leaving:
            if element is not body and element.tail:
                out.append((element.tail, element.getparent()))
            continue
        if isinstance(element.tag, str) and element.tag not in ("script", "style") and element.text:
            out.append((element.text, element))
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return out


def editor_on_page(response: TextResponse) -> str | None:
    """An editor credit ("责任编辑：王宁") printed anywhere outside scripts, e.g. below the body.

    The credit is read from the text node holding the label and the few text nodes after it
    inside the same element (:data:`CREDIT_REACH`), not from the whole element: on a page of
    thousands of nested elements each mentioning 责编, that would read the page once per mention.
    """
    texts = body_texts(response)
    for i, (text, parent) in enumerate(texts):
        if "责任编辑" not in text and "责编" not in text:
            continue
        if not _LABEL_COLON.search(text):  # "责任编辑" alone: the colon must open the next text
            following = texts[i + 1][0] if i + 1 < len(texts) else ""
            if not (_LABEL_END.search(text) and following.lstrip().startswith((":", "："))):
                continue
        joined = [text]
        for following, holder in texts[i + 1:i + 1 + CREDIT_REACH]:
            if holder is not parent and parent not in holder.iterancestors():
                break
            joined.append(following)
        m = _EDITOR_ANYWHERE.search(squash("".join(joined)))
        if m:
            return m["name"]
    return None


_BLOCK_BREAK = re.compile(
    r"(?i)<br\s*/?>|</?(?:p|div|h[1-6]|li|ul|ol|tr|table|center|section|blockquote)\b[^>]*>")
_INVISIBLE = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->")


def text_blocks(node: Selector, drop: Callable[[str], bool] | None = None) -> list[str]:
    """Paragraph texts of a container split by ``<br>`` and block elements rather than ``<p>``.

    Source line breaks are ordinary spaces in HTML, so they are flattened before the breaks the
    markup means are turned into paragraph boundaries.
    """
    html = _INVISIBLE.sub("", node.get() or "")
    html = re.sub(r"[\r\n\t]+", " ", html)
    html = _BLOCK_BREAK.sub("\n", html)
    text = Selector(text=f"<div>{html}</div>").xpath("string(.)").get() or ""
    blocks = [squash(line) for line in text.split("\n")]
    return [b for b in blocks if b and not (drop and drop(b))]


def meta_keywords(response: TextResponse) -> list[str]:
    """Keywords from ``<meta name="keywords">`` (split at commas, semicolons, 、 and spaces)."""
    value = response.xpath('//meta[translate(@name, "KEYWORDS", "keywords")="keywords"]/@content').get()
    return [k for k in re.split(r"[,，;；、\s]+", value or "") if k]


#: A date-shaped string (guards find_datetime/dateparser against counters such as "12").
_DATE_SHAPE = re.compile(r"\d{1,4}\s*[-./年月]\s*\d{1,2}")


#: nodes (text nodes and elements) read on each side of a list link when looking for its date
SIBLING_REACH = 12


def _sibling_texts(element: Any, following: bool) -> Iterator[str]:
    """Texts of the nodes beside ``element``, nearest first (text nodes and elements alike);
    links, scripts and comments give an empty text."""
    def text_of(node: Any) -> str:
        return node.xpath("string(.)") if isinstance(node.tag, str) and node.tag not in ("a", "script") else ""

    if following:
        yield element.tail or ""
        node = element.getnext()
        while node is not None:
            yield text_of(node)
            yield node.tail or ""
            node = node.getnext()
    else:
        node = element.getprevious()
        while node is not None:
            yield node.tail or ""
            yield text_of(node)
            node = node.getprevious()
        parent = element.getparent()
        yield (parent.text or "") if parent is not None else ""


def sibling_datetime(anchor: Selector, year: int | None = None) -> datetime | None:
    """The date a list prints beside a link (``<li><a>…</a><span>2026-11-10 07:44</span></li>``).

    Only the :data:`SIBLING_REACH` nearest nodes on each side are read (following ones first):
    a list of thousands of sibling links costs the same per link as a short one.
    """
    element = anchor.root
    if not hasattr(element, "getnext"):
        return None
    for following in (True, False):
        for _, text in zip(range(SIBLING_REACH), _sibling_texts(element, following)):
            text = squash(text)
            if text and _DATE_SHAPE.search(text):
                when = dates.find_datetime(text, year)
                if when:
                    return when
    return None


def link_entries(response: TextResponse, anchors: Selector | list, accept: Callable[[str], bool],
                 channel: str | None = None, next_page: str | None = None) -> ListPage:
    """A list page of the distinct article links (page order) among ``anchors``.

    ``accept`` gets the absolute URL and says whether it is an article. The date is the one
    printed beside the link, else the date in the URL; a link listed twice (headline and list)
    keeps the better title and date. A link that cannot be read costs that link only
    (``ListPage.problems``).
    """
    page = ListPage(next_page=next_page)
    entries: dict[str, ListEntry] = {}
    dated_beside: set[str] = set()
    for number, anchor in enumerate(anchors, 1):
        with one_entry(page, f"link {number}"):
            href = (anchor.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = urljoin(response.url, href)
            if not accept(url):
                continue
            title = squash(anchor.attrib.get("title")) or squash(anchor.xpath("string(.)").get()) or None
            when = sibling_datetime(anchor)
            entry = entries.get(url)
            if entry is None:
                entries[url] = ListEntry(url, when or dates.date_from_url(url), title, channel)
            else:
                entry.title = entry.title or title
                if when and url not in dated_beside:
                    entry.published_at = when
            if when:
                dated_beside.add(url)
    page.entries = list(entries.values())
    return page


_TRS_PAGER = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")


def trs_next_page(response: TextResponse) -> str | None:
    """Next list page of a TRS CMS list: ``createPageHTML(count, current, "index", "shtml")``.

    ``current`` counts from 0; page 0 is ``index.shtml``, page n is ``index_n.shtml``. Without
    the script, a link to the next numbered page (``index_<n+1>.*`` in the same folder) is used.
    """
    m = _TRS_PAGER.search(" ".join(response.xpath("//script/text()").getall()))
    if m:
        count, current, stem, ext = int(m[1]), int(m[2]), m[3], m[4]
        return urljoin(response.url, f"{stem}_{current + 1}.{ext}") if current + 1 < count else None
    # no script: a plain link to the numbered page after this one (…/index_3.html from index_2)
    folder, _, name = urlsplit(response.url).path.rpartition("/")
    numbered = re.fullmatch(r"[\w-]+?_(\d+)\.s?html?", name)
    wanted = re.compile(rf"[\w-]+_{int(numbered[1]) + 1 if numbered else 1}\.s?html?")
    for href in response.xpath("//a/@href").getall():
        url = urljoin(response.url, href.strip())
        path_folder, _, path_name = urlsplit(url).path.rpartition("/")
        if path_folder == folder and wanted.fullmatch(path_name):
            return url
    return None


def next_link(response: TextResponse, labels: tuple[str, ...] = ("下一页", "下页")) -> str | None:
    """The href of a "下一页" pager link (absolute), if it leads somewhere else."""
    for anchor in response.xpath("//a[@href]"):
        text = squash(anchor.xpath("string(.)").get())
        href = anchor.attrib["href"].strip()
        if len(text) <= 12 and any(label in text for label in labels) \
                and not href.startswith(("javascript:", "#")):
            url = urljoin(response.url, href)
            if url != response.url:
                return url
    return None


# -- declarative templates, pagers and list dates (gmw, chinanews) -------------------------------

#: Navigation lines inside bodies: "【上一篇】…", "【下一篇】…".
_NAV_LINE = re.compile(r"^[【\[]\s*(?:上一篇|下一篇)\s*[】\]]")
#: A wire story's end mark, alone or closing the last paragraph: "(完)", "（完）".
_END_MARK = re.compile(r"\s*[(（]\s*完\s*[)）]\s*$")


def is_nav_line(text: str) -> bool:
    return bool(_NAV_LINE.match(text))


def strip_end_mark(paragraphs: list[str]) -> list[str]:
    """Paragraphs without the "(完)" end mark of the last one (dropped when nothing else is left)."""
    out = list(paragraphs)
    if out:
        last = _END_MARK.sub("", out[-1]).strip()
        if last:
            out[-1] = last
        else:
            out.pop()
    return out


def clean_paragraphs(paragraphs: list[str], end_mark: bool = False) -> tuple[list[str], str | None]:
    """Body paragraphs without 【上一篇】/【下一篇】 lines, editor credits and (optionally) the
    "(完)" end mark; (paragraphs, editor name found in a credit or None)."""
    paragraphs, editor = split_editor([p for p in paragraphs if not is_nav_line(p)])
    return (strip_end_mark(paragraphs) if end_mark else paragraphs), editor


def tidy_fallback(response: TextResponse, result: Extracted, end_mark: bool = False) -> None:
    """Give the generic fallback's body the templates' clean-up (it keeps credits and end marks,
    and trafilatura may repeat the title as the first paragraph); the editor from a credit in the
    body, else anywhere on the page."""
    paragraphs = list(result.fields.get("paragraphs") or [])
    if paragraphs and paragraphs[0] == result.fields.get("title"):
        paragraphs.pop(0)
    paragraphs, editor = clean_paragraphs(paragraphs, end_mark=end_mark)
    result.fields["paragraphs"] = paragraphs
    result.put("editor", editor, "fallback:editor-line")
    result.put("editor", editor_on_page(response), "fallback:page")


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


def pager_next(response: TextResponse, anchors: Selector | list,
               page_of: Callable[[str], int | None]) -> str | None:
    """The next page among pager links (absolute URL), or None on the last page.

    ``page_of(url)`` gives the page number of a URL of this series (None for other links); the
    response's own URL counts as page 1 when it has no number. A "下一页" link wins, else the link
    to page current + 1; links back to earlier pages are never taken.
    """
    current = page_of(response.url) or 1
    following = None
    for anchor in anchors:
        href = (anchor.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        url = urljoin(response.url, href)
        number = page_of(url)
        if number is None or number <= current:
            continue
        if squash(anchor.xpath("string(.)").get()) in ("下一页", "下页", ">", "›", "»"):
            return url
        if number == current + 1 and following is None:
            following = url
    return following


def recent_datetime(text: str | None, now: datetime, year: int | None = None,
                    slack: timedelta = timedelta(days=1)) -> datetime | None:
    """A list date printed without a year ("11-10 09:30"), Beijing time.

    ``year`` when the page's URL says it (archives); otherwise the current year, or the previous
    one when that would put the date in the future (December items listed in early January).
    ``slack`` absorbs clock differences between the site and the crawler.
    """
    if year is not None:
        return dates.find_datetime(text, year)
    when = dates.find_datetime(text, now.year)
    if when is not None and when > now + slack:
        when = dates.find_datetime(text, now.year - 1)
    return when


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
    #: strip a wire story's "(完)" end mark from the last paragraph
    end_mark: ClassVar[bool] = False
    source_labels: ClassVar[tuple[str, ...]] = ("来源",)
    author_labels: ClassVar[tuple[str, ...]] = ("作者",)
    editor_labels: ClassVar[tuple[str, ...]] = ("责任编辑", "责编", "编辑")

    def matches(self, response: TextResponse) -> bool:
        return any(response.css(query) for query in self.match_css)

    def extract(self, response: TextResponse) -> Extracted:
        result = Extracted(template=self.name)
        self.before(response, result)
        first_text = SiteExtractor.first_text
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
            paragraphs = SiteExtractor.paragraphs(body.css(self.paragraph_css))
            how = f"{query} {self.paragraph_css}"
            if not paragraphs:  # text split by <br> rather than <p>
                paragraphs, how = text_blocks(body), f"{query} text"
            paragraphs, editor = clean_paragraphs(paragraphs, end_mark=self.end_mark)
            result.put("paragraphs", paragraphs, how)
            result.put("editor", editor, f"{query} editor-line")
            result.put("images", SiteExtractor.images(response, [body], self.skip_images), f"{query} img")
            return

    def before(self, response: TextResponse, result: Extracted) -> None:
        """Fields read before the selectors (they win over them)."""

    def after(self, response: TextResponse, result: Extracted) -> None:
        """Fields the selectors left empty, the next page, clean-ups."""
