"""The bulletin's content: its names and defaults, one item per story, the whole issue, and the
text clean-up every back end shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from healthcrawl.reports.export import as_beijing
from healthcrawl.crawl.sites import SITES


FORMATS = ("docx", "md", "html")
#: setting HEALTHCRAWL_BULLETIN_CENTRE
DEFAULT_CENTRE = "北京市卫生健康大数据与政策研究中心"
#: setting HEALTHCRAWL_BULLETIN_LIMIT: articles in an automatically selected bulletin
DEFAULT_LIMIT = 10
#: setting HEALTHCRAWL_BULLETIN_SCOPE: the 监测范围 named in 本期导语 (what is actually crawled)
DEFAULT_SCOPE = "光明网、中国新闻网、中国经济网、中国信息产业网等全国主流媒体"
BULLETIN_NAME = "卫生健康大数据与政策研究周报"
TOPIC = "卫生健康大数据与政策研究"
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
