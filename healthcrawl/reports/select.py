"""Which stored articles make the bulletin: a pick file, the articles picked in the database, or
the best-scored relevant ones of the window; one item per story."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from healthcrawl.reports.export import as_beijing, window_filter
from healthcrawl.text.urls import canonical_url as canonicalize
from healthcrawl.reports.outline import DEFAULT_LIMIT


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
