"""The bulletin as data: one item per story, the whole issue, and its outline — every heading and
label of the issue format (本期导语 / 一、信息目录 / 二、具体内容 / 标题 / 来源 / 链接 / 主要内容), in
order, built once here and drawn by each back end of :mod:`healthcrawl.reports.render`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from healthcrawl.crawl.sites import SITES
from healthcrawl.reports.source import as_beijing


BULLETIN_NAME = "卫生健康大数据与政策研究周报"
TOPIC = "卫生健康大数据与政策研究"
# the labels of the issue format: written here only
INTRO, TOC, CONTENT = "本期导语：", "一、信息目录", "二、具体内容"
TITLE, SOURCE, LINK, SUMMARY = "标题：", "来源：", "链接：", "主要内容："
NO_TITLE = "（无标题）"
# Characters XML 1.0 forbids (python-docx refuses them; browsers show garbage).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


# --- text clean-up ----------------------------------------------------------------------------------
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


# --- the content ------------------------------------------------------------------------------------
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
            title=one_line(doc.get("title")) or NO_TITLE,
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
        return f"{self.date_text} {SOURCE}{self.site_name}".strip()


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


# --- the outline ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """A line: ``label`` and ``suffix`` are our words (written as they are), ``value`` is stored or
    configured text (each back end escapes it)."""

    label: str = ""
    value: str = ""
    suffix: str = ""

    @property
    def plain(self) -> str:
        return f"{self.label}{self.value}{self.suffix}"


@dataclass(frozen=True)
class Block:
    """One block of an entry or a section.

    ``kind``: "para" (a paragraph), "heading" (an entry's 标题 line), "link" (the 链接 label and
    the URL), "headline" (the article's title above its body), "dateline", "body" (paragraphs).
    """

    kind: str
    text: Text = Text()
    #: "link": the URL as stored, and the same URL when it is fit for an href (else None)
    url: str = ""
    href: str | None = None
    #: "body": the article's paragraphs
    paragraphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class TocEntry:
    """One line of 一、信息目录: the title, its site in parentheses, the anchor of its entry."""

    anchor: str
    title: str
    source: Text


@dataclass(frozen=True)
class Entry:
    """One story under 二、具体内容."""

    anchor: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Section:
    """本期导语 (``blocks``), 一、信息目录 (``toc``) or 二、具体内容 (``entries``)."""

    id: str
    heading: str
    blocks: tuple[Block, ...] = ()
    toc: tuple[TocEntry, ...] = ()
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Outline:
    """The whole issue, in order: what every back end draws."""

    name: str
    header: str
    centre: str
    issue: str
    sections: tuple[Section, ...]


def _entry(n: int, item: BulletinItem) -> Entry:
    return Entry(f"item-{n}", (
        Block("heading", Text(f"{n}.{TITLE}", item.title)),
        Block("para", Text(SOURCE, item.site_name)),
        Block("link", Text(LINK), url=item.url, href=safe_link(item.url)),
        Block("para", Text(SUMMARY)),
        Block("headline", Text(value=item.title)),
        Block("dateline", Text(value=item.dateline)),
        Block("body", paragraphs=tuple(item.paragraphs)),
    ))


def outline(b: Bulletin) -> Outline:
    """The outline of one issue (the seeds' layout)."""
    toc = tuple(TocEntry(f"item-{n}", item.title, Text("（", item.site_name, "）"))
                for n, item in enumerate(b.items, 1))
    return Outline(BULLETIN_NAME, b.header, b.centre, cn_date(b.issue_date), (
        Section("intro", INTRO, blocks=(Block("para", Text(value=b.intro)),)),
        Section("toc", TOC, toc=toc),
        Section("content", CONTENT, entries=tuple(_entry(n, item) for n, item in enumerate(b.items, 1))),
    ))
