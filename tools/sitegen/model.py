"""The records the page renderers take: a :class:`Story` (one article), a :class:`ListSpec` (one list
page and the stories it links) and an :class:`Older` list-only entry."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

#: templates the renderers know
TEMPLATES = ("gmw2018", "gmw_error", "cn_old", "cn_new", "ce_trs", "ce_modern", "cnii_main",
             "epaper", "missing")


@dataclass(frozen=True)
class Image:
    """An inline image placed before body paragraph ``at`` (which becomes its centred caption)."""

    at: int
    src: str  # relative, as the site writes it


@dataclass(frozen=True)
class Story:
    """One article: its URL, the template it is rendered with, the fields the page shows and the
    body (one paragraph a line). ``relevant`` is the editorial label (health sector AND (data /
    digital / AI OR health policy)); the special cases are fields too and end up in the manifest."""

    key: str
    url: str
    template: str
    title: str
    #: "YYYY-MM-DD HH:MM:SS" Beijing time as the page (or, for e-paper, the issue) gives it;
    #: for ``no_date``/broken pages the date the list shows
    published: str
    relevant: bool
    body: str = ""
    source: str = ""
    source_link: str = ""
    author: str = ""
    editor: str = ""
    keywords: tuple[str, ...] = ()
    #: gmw node (id, name); chinanews channel label; e-paper column
    node: tuple[int, str] = (0, "")
    channel: str = ""
    images: tuple[Image, ...] = ()
    #: multi-page (gmw): paragraphs before this index are on page 1, the rest on page 2
    page_break: int = 0
    charset: str = "utf-8"
    reprint_of: str = ""
    same_event_as: str = ""
    #: "" | "error_page" | "truncated" | "missing"
    broken: str = ""
    no_date: bool = False
    #: ce old template variants: editor line as the last <p> of the body (else a div after it),
    #: a trailing "更多精彩内容…" line, the body wrapped in div.Custom_UnionStyle
    editor_in_body: bool = False
    more_line: str = ""
    union_style: bool = False
    #: ce modern template: also declare the time in <meta property="article:published_time">
    meta_time: bool = False
    #: e-paper: (page number, page name, sequence on the page)
    epaper: tuple[int, str, int] = (0, "", 0)
    #: e-paper: how data.json writes the link: "relative" | "rmydb-prefix" | "absolute"
    href_form: str = "relative"
    note: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.body.strip().splitlines() if line.strip())

    @property
    def day(self) -> str:
        return self.published[:10]


@dataclass(frozen=True)
class Older:
    """A list entry older than the window whose page is not mirrored (HTTP 404 if requested):
    spiders must drop it by its list date, and stop paging on the page that shows it."""

    url: str
    day: str
    title: str

    @property
    def published(self) -> str:
        return f"{self.day} 00:00:00"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    key = ""


@dataclass(frozen=True)
class ListSpec:
    """A list page (first page URL) and the stories it links to, newest first once rendered."""

    url: str
    name: str
    keys: tuple[str, ...]
    #: 0: everything on one page; else entries per page (node_x.htm, node_x_2.htm …)
    page_size: int = 0
    #: the last mirrored page still links a further (older, not mirrored) page
    more_pages: bool = False
    #: gmw: write same-host hrefs as "../../2026-11/10/content_x.htm"
    dotdot: bool = False
    #: entries older than the window at the end of the list (not mirrored)
    older: tuple[Older, ...] = ()
