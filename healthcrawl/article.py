"""The Article contract: the Scrapy item *and* the MongoDB document the data team reads.

One definition, versioned by ``SCHEMA_VERSION``. Spiders fill the page fields, pipelines fill
``canonical_url``, ``content_hash``, ``relevance``, ``top_keywords`` and ``crawl``; the mongo
pipeline turns the item into a document with :func:`to_document`.

Every field is documented in README.md ("The Article document"); change both together and bump
``SCHEMA_VERSION`` when a field changes meaning or type.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

SCHEMA_VERSION = 2
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class Article:
    # --- identity -------------------------------------------------------------------------
    url: str
    #: canonical form used for deduplication (host aliases, https, no tracking parameters)
    canonical_url: str = ""
    #: ``gmw`` | ``chinanews`` | ``ce`` | ``cnii``
    site: str = ""
    #: 光明网, 中国新闻网, 中国经济网, 中国信息产业网 (人民邮电报 for e-paper articles)
    site_name: str = ""
    #: the channel in one vocabulary for every site (health, policy, tech, economy, industry,
    #: society, news: healthcrawl/crawl/sites.py)
    channel: str | None = None
    #: the site's own label of that channel or section (e.g. 要闻时评, jk, gdxw, 第03版)
    channel_label: str | None = None
    # --- page fields ----------------------------------------------------------------------
    title: str = ""
    #: timezone-aware; Beijing time on the item, stored as UTC in MongoDB
    published_at: datetime | None = None
    #: 来源 without the "来源：" label
    source: str | None = None
    author: str | None = None
    #: 责编 / 编辑 without the label
    editor: str | None = None
    #: paragraphs joined by "\n"
    body: str = ""
    #: absolute image URLs in body order
    images: list[str] = field(default_factory=list)
    #: keywords the page itself declares (meta keywords, gmw enpproperty)
    keywords: list[str] = field(default_factory=list)
    # --- processing -----------------------------------------------------------------------
    #: jieba.analyse top keywords of title + body
    top_keywords: list[str] = field(default_factory=list)
    #: {"score", "relevant", "matched": {category: [terms]}, "lexicon_version"}
    relevance: dict[str, Any] | None = None
    #: sha1 of the normalised body; the same text at another URL is a duplicate
    content_hash: str | None = None
    #: the story's other copies (reprints elsewhere), written by storage (healthcrawl/storage/stories.py):
    #: [{"url", "canonical_url", "site", "site_name", "title", "published_at", "reason", "similarity"}]
    also_at: list[dict[str, Any]] = field(default_factory=list)
    #: set only by whoever already knows an item is a copy (imported data): {"canonical_url" of
    #: the original, "reason", "similarity"}; the item joins the original's story as a copy.
    #: Crawled items never carry it: storage decides (healthcrawl/storage/stories.py)
    duplicate_of: dict[str, Any] | None = None
    #: the MinHash fingerprint of the body: {"params", "minhash"} (healthcrawl/text/fingerprint.py)
    dedup: dict[str, Any] = field(default_factory=dict)
    #: crawl metadata: spider, job_id, template, date_source, fields (how each was extracted),
    #: pages (multi-page articles), first_seen/last_seen (set by the mongo pipeline)
    crawl: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION


ARTICLE_FIELDS = tuple(f.name for f in dataclasses.fields(Article))

#: Fields the mongo pipeline manages itself; never overwritten from an item.
STORAGE_MANAGED = ("first_seen", "last_seen", "also_at", "story", "rank", "copies")


def to_beijing(dt: datetime) -> datetime:
    """Beijing time for a datetime; naive values are taken to be Beijing time already."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=BEIJING)
    return dt.astimezone(BEIJING)


def stored_to_beijing(value: Any) -> datetime | None:
    """A datetime read from MongoDB (naive values are UTC there) in Beijing time; None for
    anything that is not a datetime."""
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BEIJING)


def to_utc(dt: datetime) -> datetime:
    return to_beijing(dt).astimezone(timezone.utc)


def to_document(article: Article) -> dict[str, Any]:
    """The MongoDB document for an article (datetimes in UTC; ``also_at`` left to storage)."""
    doc = dataclasses.asdict(article)
    if article.published_at is not None:
        doc["published_at"] = to_utc(article.published_at)
    doc.pop("also_at")
    return doc


def from_document(doc: dict[str, Any]) -> Article:
    """An Article back from a stored document (Beijing time again); unknown keys are ignored."""
    values = {k: v for k, v in doc.items() if k in ARTICLE_FIELDS}
    published = values.get("published_at")
    if isinstance(published, datetime):
        if published.tzinfo is None:  # pymongo returns naive UTC unless tz_aware=True
            published = published.replace(tzinfo=timezone.utc)
        values["published_at"] = published.astimezone(BEIJING)
    return Article(**values)
