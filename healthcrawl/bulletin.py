"""The weekly bulletin (卫生健康大数据与政策研究周报) from the stored articles: docx, md or html.

    healthcrawl bulletin --since 2026-11-09 --until 2026-11-15                  # bulletin-2026-11-15.docx
    healthcrawl bulletin --since 2026-11-09 --until 2026-11-15 --format html --out week.html
    healthcrawl bulletin --since 2026-11-09 --until 2026-11-15 --pick picks.txt

The layout is the research centre's issue format:

    <centre> 2026 年 11 月 15 日
    本期导语：  本期周报共收集 N 篇…相关信息，时间从 <since> 到 <until>，监测范围包括…。
    一、信息目录   1. <title> （<site_name>） …
    二、具体内容   1.标题：<title> / 来源：<site_name> / 链接：<url> / 主要内容：
                   <title> / <YYYY-MM-DD> 来源：<site_name> / the body, paragraph by paragraph

Selection (:func:`select_articles`), in this order of precedence:

1. a pick list (``--pick FILE``: one URL per line, in bulletin order; ``url``,
   ``canonical_url`` or a reprint URL in ``also_at`` all name the story): exactly those
   articles, whatever their relevance; any URL not in the database stops the bulletin with a
   list of the unknown URLs;
2. hand picks stored on the documents (``bulletin.pick: true``, ordered by ``bulletin.order``)
   among the articles published in the window;
3. otherwise the relevant articles (``relevance.relevant: true``) published in the window,
   highest ``relevance.score`` first, then newest, at most ``limit`` (setting
   ``HEALTHCRAWL_BULLETIN_LIMIT``, default 10).

A story appears once: a reprint is not a document of its own (it sits in the original's
``also_at``), and a second document with the same ``content_hash`` or named in an earlier
item's ``also_at`` is skipped. Dates are Beijing time. A window with nothing to report writes
no file: :class:`BulletinResult` says so (``written`` False, exit code 1).
"""

from __future__ import annotations

import argparse
import html
import io
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from healthcrawl.arguments import database_name
from healthcrawl.export import as_beijing, atomic_write, day_argument, open_articles, window_filter
from healthcrawl.project import project_settings
from healthcrawl.sites import SITES
from healthcrawl.urls import canonical_url as canonicalize

FORMATS = ("docx", "md", "html")
#: setting HEALTHCRAWL_BULLETIN_CENTRE
DEFAULT_CENTRE = "北京市卫生健康大数据与政策研究中心"
#: setting HEALTHCRAWL_BULLETIN_LIMIT: articles in an automatically selected bulletin
DEFAULT_LIMIT = 10
#: setting HEALTHCRAWL_BULLETIN_SCOPE: the 监测范围 named in 本期导语 (what is actually crawled)
DEFAULT_SCOPE = "光明网、中国新闻网、中国经济网、中国信息产业网等全国主流媒体"
BULLETIN_NAME = "卫生健康大数据与政策研究周报"
TOPIC = "卫生健康大数据与政策研究"

# Fonts: 宋体 for text and 黑体 for headings (East Asian), Times New Roman for Latin text.
BODY_FONT_EA, HEADING_FONT_EA, LATIN_FONT = "宋体", "黑体", "Times New Roman"

# Characters XML 1.0 forbids (python-docx refuses them; browsers show garbage).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


# --- the content ------------------------------------------------------------------------------------
def clean_text(text: Any) -> str:
    """A stored string made safe for every output: no XML-illegal characters, no NULs."""
    return _XML_ILLEGAL.sub("", str(text or ""))


def one_line(text: Any) -> str:
    return _SPACES.sub(" ", clean_text(text)).strip()


def cn_date(day: date) -> str:
    """``2025 年 5 月 23 日`` (the issue format: spaces around the numbers)."""
    return f"{day.year} 年 {day.month} 月 {day.day} 日"


def safe_link(url: str) -> str | None:
    """``url`` if it is an absolute http(s) URL fit for an href, else None (shown as text only)."""
    url = (url or "").strip()
    if not url or any(c.isspace() or ord(c) < 32 or c in "<>\"'`\\" for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


@dataclass
class BulletinItem:
    """One story of the bulletin (a stored document)."""

    title: str
    site_name: str
    url: str
    canonical_url: str
    #: Beijing time
    published_at: datetime | None
    paragraphs: list[str]
    score: float | None = None

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "BulletinItem":
        site = doc.get("site") or ""
        name = doc.get("site_name") or (SITES[site].name if site in SITES else "") or doc.get("source") or site
        published = doc.get("published_at")
        paragraphs = [p for p in (one_line(line) for line in clean_text(doc.get("body")).split("\n")) if p]
        return cls(
            title=one_line(doc.get("title")) or "（无标题）",
            site_name=one_line(name),
            url=clean_text(doc.get("url") or doc.get("canonical_url")).strip(),
            canonical_url=clean_text(doc.get("canonical_url")).strip(),
            published_at=as_beijing(published) if isinstance(published, datetime) else None,
            paragraphs=paragraphs,
            score=(doc.get("relevance") or {}).get("score"),
        )

    @property
    def date_text(self) -> str:
        return self.published_at.strftime("%Y-%m-%d") if self.published_at else ""

    @property
    def dateline(self) -> str:
        """``2025-05-20 来源：光明网``"""
        return f"{self.date_text} 来源：{self.site_name}".strip()


@dataclass
class Bulletin:
    centre: str
    issue_date: date
    since: date
    until: date
    scope: str
    items: list[BulletinItem]

    @property
    def header(self) -> str:
        return f"{self.centre} {cn_date(self.issue_date)}"

    @property
    def intro(self) -> str:
        return (f"本期周报共收集 {len(self.items)} 篇{TOPIC}相关信息，时间从 {cn_date(self.since)}到 "
                f"{cn_date(self.until)}，监测范围包括{self.scope}。")


# --- selection ----------------------------------------------------------------------------------------
@dataclass
class Selection:
    docs: list[dict[str, Any]]
    #: "file" (pick list), "stored" (bulletin.pick flags) or "auto"
    mode: str
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_pick_file(path: Path | str) -> list[str]:
    """URLs from a pick file: one per line, in order; blank lines and ``#`` comments ignored."""
    urls = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            urls.append(line.split()[0])
    return urls


def _story_keys(doc: dict[str, Any]) -> set[str]:
    """Every key naming this story: its URLs, its reprints' URLs, its content hash."""
    keys = {f"url:{doc.get('canonical_url')}", f"url:{doc.get('url')}"}
    for entry in doc.get("also_at") or []:
        keys.add(f"url:{entry.get('canonical_url')}")
        keys.add(f"url:{entry.get('url')}")
    if doc.get("content_hash"):
        keys.add(f"hash:{doc['content_hash']}")
    keys.discard("url:None")
    keys.discard("url:")
    return keys


def _find_by_url(collection, url: str) -> tuple[dict[str, Any] | None, bool]:
    """(document, via_reprint) for a URL: its own url/canonical_url first, then a reprint URL."""
    try:
        canonical = canonicalize(url)
    except ValueError:  # not a URL at all: it can still match a stored string exactly
        canonical = ""
    forms = list(dict.fromkeys(u for u in (url, canonical) if u))
    doc = collection.find_one({"$or": [{"canonical_url": {"$in": forms}}, {"url": {"$in": forms}}]})
    if doc is not None:
        return doc, False
    doc = collection.find_one({"$or": [{"also_at.canonical_url": {"$in": forms}},
                                       {"also_at.url": {"$in": forms}}]})
    return doc, doc is not None


def _sort_key(doc: dict[str, Any]):
    score = (doc.get("relevance") or {}).get("score")
    published = doc.get("published_at")
    return (-(score if isinstance(score, (int, float)) else float("-inf")),
            -(published.timestamp() if isinstance(published, datetime) else float("-inf")))


def select_articles(collection, since: date, until: date, *, pick: list[str] | None = None,
                    limit: int | None = None, default_limit: int = DEFAULT_LIMIT) -> Selection:
    """The documents of one bulletin, in bulletin order (see the module docstring).

    ``limit``: at most this many articles (0: no limit). None: ``default_limit`` for the automatic
    selection, no limit for hand picks (the editor chose them).
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be 0 (no limit) or more, not {limit}")
    window = window_filter(since, until)
    seen: set[str] = set()
    docs: list[dict[str, Any]] = []
    notes: list[str] = []

    def take(doc: dict[str, Any]) -> bool:
        keys = _story_keys(doc)
        if keys & seen:
            return False
        seen.update(keys)
        docs.append(doc)
        return True

    if pick is not None:
        unknown = []
        lo, hi = window["published_at"]["$gte"], window["published_at"]["$lte"]
        for url in pick:
            doc, via_reprint = _find_by_url(collection, url)
            if doc is None:
                unknown.append(url)
                continue
            if not take(doc):
                notes.append(f"{url}: same story as an earlier pick, listed once")
                continue
            if via_reprint:
                notes.append(f"{url}: a reprint of {doc.get('url')} ({doc.get('site_name')}), "
                             f"which is used")
            published = doc.get("published_at")
            if not isinstance(published, datetime) or not (lo <= as_beijing(published) <= hi):
                when = as_beijing(published).strftime("%Y-%m-%d") if isinstance(published, datetime) else "no date"
                notes.append(f"{url}: published {when}, outside {since.isoformat()} .. {until.isoformat()}")
            elif not (doc.get("relevance") or {}).get("relevant"):
                notes.append(f"{url}: not marked relevant; included because it was picked")
        if limit:
            docs = docs[:limit]
        return Selection(docs, "file", unknown, notes)

    picked = list(collection.find({**window, "bulletin.pick": True}))
    if picked:
        def order(doc):
            value = (doc.get("bulletin") or {}).get("order")
            return (0, value) if isinstance(value, (int, float)) else (1, 0)
        for doc in sorted(sorted(picked, key=_sort_key), key=order):
            take(doc)
        if limit:
            docs = docs[:limit]
        return Selection(docs, "stored", [], notes)

    n = limit if limit is not None else default_limit
    cursor = collection.find({**window, "relevance.relevant": True}).sort(
        [("relevance.score", -1), ("published_at", -1), ("canonical_url", 1)])
    for doc in cursor:
        if n and len(docs) >= n:
            break
        if not take(doc):
            notes.append(f"{doc.get('url')}: same story as an article already listed, skipped")
    return Selection(docs, "auto", [], notes)


# --- rendering: markdown ---------------------------------------------------------------------------
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def md_escape(text: str) -> str:
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def render_md(b: Bulletin) -> str:
    out = [f"# {md_escape(b.header)}", "", "## 本期导语：", "", md_escape(b.intro), "", "## 一、信息目录", ""]
    for n, item in enumerate(b.items, 1):
        out.append(f"{n}. {md_escape(item.title)}（{md_escape(item.site_name)}）")
    out += ["", "## 二、具体内容", ""]
    for n, item in enumerate(b.items, 1):
        link = safe_link(item.url)
        out += [f"### {n}.标题：{md_escape(item.title)}", "",
                f"来源：{md_escape(item.site_name)}", "",
                "链接：", "",
                f"<{link}>" if link else md_escape(item.url), "",
                "主要内容：", "",
                f"**{md_escape(item.title)}**", "",
                md_escape(item.dateline), ""]
        for para in item.paragraphs:
            out += [md_escape(para), ""]
    return "\n".join(out)


# --- rendering: html --------------------------------------------------------------------------------
_CSS = """
body{font-family:"Songti SC","SimSun","宋体",serif;max-width:48em;margin:2em auto;padding:0 1em;line-height:1.8;color:#111}
h1{font-family:"Heiti SC","SimHei","黑体",sans-serif;font-size:1.5em;text-align:center;border-bottom:1px solid #444;padding-bottom:.4em}
h2,h3,h4{font-family:"Heiti SC","SimHei","黑体",sans-serif}
h2{font-size:1.25em;margin-top:1.6em}h3{font-size:1.1em;margin-top:1.6em}h4{text-align:center}
.site{color:#444}.dateline{text-align:center;color:#444}.body p{text-indent:2em}
a{color:#1a4fa0;word-break:break-all}
""".strip()


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(b: Bulletin) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        # nothing in the page may load or run anything: stored text is data, never markup
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(BULLETIN_NAME)} · {_e(b.header)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{_e(b.header)}</h1></header>",
        "<main>",
        '<section id="intro">',
        "<h2>本期导语：</h2>",
        f"<p>{_e(b.intro)}</p>",
        "</section>",
        '<section id="toc">',
        "<h2>一、信息目录</h2>",
        "<ol>",
    ]
    for n, item in enumerate(b.items, 1):
        out.append(f'<li><a href="#item-{n}">{_e(item.title)}</a><br>'
                   f'<span class="site">（{_e(item.site_name)}）</span></li>')
    out += ["</ol>", "</section>", '<section id="content">', "<h2>二、具体内容</h2>"]
    for n, item in enumerate(b.items, 1):
        link = safe_link(item.url)
        anchor = (f'<a href="{_e(link)}" rel="noopener noreferrer nofollow">{_e(item.url)}</a>'
                  if link else f"<span>{_e(item.url)}</span>")
        out += [
            f'<article id="item-{n}">',
            f"<h3>{n}.标题：{_e(item.title)}</h3>",
            f"<p>来源：{_e(item.site_name)}</p>",
            f"<p>链接：<br>{anchor}</p>",
            "<p>主要内容：</p>",
            f"<h4>{_e(item.title)}</h4>",
            f'<p class="dateline">{_e(item.dateline)}</p>',
            '<div class="body">',
            *(f"<p>{_e(para)}</p>" for para in item.paragraphs),
            "</div>",
            "</article>",
        ]
    out += ["</section>", "</main>", "</body>", "</html>", ""]
    return "\n".join(out)


# --- rendering: docx --------------------------------------------------------------------------------
def _set_fonts(rpr_parent, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Fonts on a style/run rPr: East Asian font via w:eastAsia, theme fonts removed (they win)."""
    from docx.oxml.ns import qn

    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        from docx.oxml import OxmlElement

        lang = OxmlElement("w:lang")
        # schema order: w:lang comes before these (Word rejects misordered rPr children)
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _setup_styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    styles = document.styles
    # document defaults too, so any run without a style still gets the Chinese font
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
            fonts = rpr_default.find(qn("w:rPr")).find(qn("w:rFonts"))
            if fonts is not None:
                for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                    fonts.attrib.pop(qn(attr), None)
                fonts.set(qn("w:ascii"), LATIN_FONT)
                fonts.set(qn("w:hAnsi"), LATIN_FONT)
                fonts.set(qn("w:eastAsia"), BODY_FONT_EA)
            lang = rpr_default.find(qn("w:rPr")).find(qn("w:lang"))
            if lang is not None:
                lang.set(qn("w:eastAsia"), "zh-CN")
    normal = styles["Normal"]
    _set_fonts(normal.element, BODY_FONT_EA)
    normal.font.size = Pt(12)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.5
    for name, size in (("Title", 18), ("Heading 1", 15), ("Heading 2", 13)):
        style = styles[name]
        _set_fonts(style.element, HEADING_FONT_EA)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        linked = f"{name} Char"  # the character style Word links to the paragraph style
        if linked in [s.name for s in styles]:
            _set_fonts(styles[linked].element, HEADING_FONT_EA)
    styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(styles["List Number"].element, BODY_FONT_EA)
    if "Hyperlink" not in [s.name for s in styles]:
        link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link.base_style = styles["Default Paragraph Font"]
        link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
        link.font.underline = True
        link.unhide_when_used = True
        link.priority = 99
        # Word's built-in "Hyperlink" style, not a custom one (Word would rename a custom one)
        link.element.attrib.pop(qn("w:customStyle"), None)


def add_hyperlink(paragraph, url: str, text: str) -> None:
    """A real w:hyperlink (external relationship) around one run styled "Hyperlink"."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), r_id)
    hyperlink.set(qn("w:history"), "1")
    run = paragraph.add_run(text, style="Hyperlink")
    hyperlink.append(run._r)  # moves the run from the paragraph into the hyperlink
    paragraph._p.append(hyperlink)


def render_docx(b: Bulletin) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    _setup_styles(document)
    section = document.sections[0]  # A4, the usual margins of Chinese official documents
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(3.17)
    props = document.core_properties
    props.title = f"{BULLETIN_NAME} {cn_date(b.issue_date)}"
    props.author = b.centre
    props.language = "zh-CN"
    props.subject = BULLETIN_NAME

    document.add_paragraph(b.header, style="Title")
    document.add_heading("本期导语：", level=1)
    document.add_paragraph(b.intro)
    document.add_heading("一、信息目录", level=1)
    for item in b.items:
        p = document.add_paragraph(style="List Number")
        p.add_run(item.title)
        p.add_run().add_break()
        p.add_run(f"（{item.site_name}）")
    document.add_heading("二、具体内容", level=1)
    for n, item in enumerate(b.items, 1):
        document.add_heading(f"{n}.标题：{item.title}", level=2)
        document.add_paragraph(f"来源：{item.site_name}")
        document.add_paragraph("链接：")
        p = document.add_paragraph()
        link = safe_link(item.url)
        if link:
            add_hyperlink(p, link, item.url)
        else:
            p.add_run(item.url)
        document.add_paragraph("主要内容：")
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(item.title)
        run.bold = True
        run.font.size = Pt(14)
        p = document.add_paragraph(item.dateline)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for para in item.paragraphs:
            p = document.add_paragraph(para)
            p.paragraph_format.first_line_indent = Pt(24)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(b: Bulletin, fmt: str) -> bytes:
    if fmt == "docx":
        return render_docx(b)
    if fmt == "html":
        return render_html(b).encode("utf-8")
    if fmt == "md":
        return render_md(b).encode("utf-8")
    raise ValueError(f"unknown bulletin format {fmt!r}; use one of {', '.join(FORMATS)}")


# --- the whole job ----------------------------------------------------------------------------------
@dataclass
class BulletinResult:
    #: True when a file was written
    written: bool
    path: Path | None
    fmt: str
    items: list[BulletinItem]
    #: "file", "stored" or "auto" (see select_articles); "" when nothing was selected
    mode: str = ""
    #: pick-list URLs not found in the database
    unknown: list[str] = field(default_factory=list)
    #: things the editor should know (reprints resolved, picks outside the window …)
    notes: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def exit_code(self) -> int:
        return 0 if self.written else 1


def default_filename(issue_date: date, fmt: str) -> str:
    return f"bulletin-{issue_date.isoformat()}.{fmt}"


def _collection_name(collection) -> str:
    try:
        return f"{collection.database.name}.{collection.name}"
    except AttributeError:
        return "the articles collection"


def build_bulletin(collection, since: date, until: date, *, fmt: str = "docx",
                   out: Path | str | None = None, pick: list[str] | None = None,
                   limit: int | None = None, centre: str | None = None,
                   issue_date: date | None = None, scope: str | None = None,
                   default_limit: int = DEFAULT_LIMIT) -> BulletinResult:
    """Select, render and write one bulletin; nothing is written when there is nothing to report.

    ``out``: the file, or a folder for ``bulletin-<issue date>.<fmt>`` (default: the current
    folder). ``pick``: URLs in bulletin order (see :func:`select_articles`). ``limit``: at most
    this many articles (0 = no limit; None = ``default_limit`` unless the articles are picked).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown bulletin format {fmt!r}; use one of {', '.join(FORMATS)}")
    if since > until:
        raise ValueError(f"--since {since.isoformat()} is after --until {until.isoformat()}")
    issue_date = issue_date or until
    selection = select_articles(collection, since, until, pick=pick, limit=limit,
                                default_limit=default_limit)
    items = [BulletinItem.from_document(doc) for doc in selection.docs]
    window = f"{since.isoformat()} .. {until.isoformat()} (Beijing time)"
    if selection.unknown:
        listed = "\n".join(f"  {url}" for url in selection.unknown)
        message = (f"{len(selection.unknown)} picked URL(s) are not in {_collection_name(collection)} "
                   f"(matched against url, canonical_url and reprint URLs):\n{listed}\n"
                   f"nothing written: crawl them first (healthcrawl crawl --urls …) or remove them "
                   f"from the pick list")
        return BulletinResult(False, None, fmt, items, selection.mode, selection.unknown,
                              selection.notes, message)
    if not items:
        if selection.mode == "file":
            message = "the pick list names no articles: nothing written"
        else:
            message = (f"no relevant articles published {window} in {_collection_name(collection)}: "
                       f"nothing written (crawl the week first, or pick articles by hand)")
        return BulletinResult(False, None, fmt, [], selection.mode, [], selection.notes, message)

    bulletin = Bulletin(centre=(centre or DEFAULT_CENTRE).strip(), issue_date=issue_date,
                        since=since, until=until, scope=(scope or DEFAULT_SCOPE).strip(), items=items)
    data = render(bulletin, fmt)
    as_folder = not out or str(out).endswith(("/", os.sep))  # "--out bulletins/" names a folder
    path = Path(out) if out else Path.cwd()
    if as_folder or path.is_dir():
        path = path / default_filename(issue_date, fmt)
    atomic_write(path, data)
    how = {"file": "from the pick list", "stored": "picked in the database (bulletin.pick)",
           "auto": "by relevance score"}[selection.mode]
    message = f"wrote {path}: {len(items)} article(s) {how}, {window}"
    return BulletinResult(True, path, fmt, items, selection.mode, [], selection.notes, message)


# --- command line -----------------------------------------------------------------------------------
def add_bulletin_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``healthcrawl bulletin`` on an argparse subparsers object (handler: :func:`main`)."""
    p = subparsers.add_parser(
        "bulletin", help="write the weekly bulletin (docx, md or html) from the stored articles",
        description="Write the weekly bulletin from the articles stored in MongoDB: the relevant "
                    "articles published in [--since, --until] (Beijing time), best score first, "
                    "or the articles of a pick list / picked in the database.")
    configure_parser(p)
    p.set_defaults(func=main)
    return p


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--since", type=day_argument, required=True, metavar="YYYY-MM-DD",
                   help="first day of the issue (Beijing time), or e.g. 7d")
    p.add_argument("--until", type=day_argument, required=True, metavar="YYYY-MM-DD",
                   help="last day, inclusive (Beijing time); also the issue date by default")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="docx")
    p.add_argument("--out", metavar="PATH",
                   help="output file or folder (default: ./bulletin-<issue date>.<format>)")
    p.add_argument("--pick", metavar="FILE",
                   help="the articles to use, one URL per line in bulletin order")
    p.add_argument("--limit", type=int, metavar="N",
                   help="at most N articles (default: setting HEALTHCRAWL_BULLETIN_LIMIT; 0 = all)")
    p.add_argument("--issue-date", type=day_argument, metavar="YYYY-MM-DD",
                   help="date in the header (default: --until)")
    p.add_argument("--centre", help="centre name in the header (default: setting HEALTHCRAWL_BULLETIN_CENTRE)")
    p.add_argument("--database", type=database_name, help="MongoDB database (default: the MONGO_DATABASE setting)")
    return p


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    """``healthcrawl bulletin``: 0 written, 1 nothing written (empty week, unknown picks), 2 error."""
    if not isinstance(args, argparse.Namespace):
        args = configure_parser(argparse.ArgumentParser(prog="healthcrawl bulletin")).parse_args(args)
    from healthcrawl.storage import StorageError, redact

    settings = project_settings()
    pick = None
    if args.pick:
        try:
            pick = read_pick_file(args.pick)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"healthcrawl bulletin: cannot read the pick file {args.pick}: {exc}", file=sys.stderr)
            return 2
    try:
        client, collection = open_articles(settings, args.database)
    except StorageError as exc:
        print(f"healthcrawl bulletin: {redact(str(exc))}", file=sys.stderr)
        return 2
    try:
        result = build_bulletin(
            collection, args.since, args.until, fmt=args.fmt, out=args.out, pick=pick,
            limit=args.limit, issue_date=args.issue_date,
            centre=args.centre or settings.get("HEALTHCRAWL_BULLETIN_CENTRE") or DEFAULT_CENTRE,
            scope=settings.get("HEALTHCRAWL_BULLETIN_SCOPE") or DEFAULT_SCOPE,
            default_limit=settings.getint("HEALTHCRAWL_BULLETIN_LIMIT", DEFAULT_LIMIT))
    except (ValueError, OSError) as exc:
        print(f"healthcrawl bulletin: {exc}", file=sys.stderr)
        return 2
    finally:
        client.close()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(result.message, file=sys.stdout if result.written else sys.stderr)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
