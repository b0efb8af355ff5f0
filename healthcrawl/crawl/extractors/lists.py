"""List pages: the entries (article links with the dates the list shows) and the next page.

The helpers read a list in time linear in the page, whatever its shape: containers found once,
nested items skipped, a fixed number of nodes read beside each link for its date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import TextResponse

from healthcrawl.text import dates
from healthcrawl.text.whitespace import squash


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

