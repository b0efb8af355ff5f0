"""Which stored articles make the bulletin, in bulletin order: a pick list, the articles picked in
the database, or the best-ranked relevant ones of the window (:func:`order_key`); one item per
story."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from healthcrawl.reports.source import as_beijing, window_filter
from healthcrawl.text.urls import canonical_url as canonicalize


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


# --- order ------------------------------------------------------------------------------------------
def rank_score(doc: dict[str, Any]) -> float | None:
    """The number the bulletin ranks by, higher first (None: ranked last): the relevance
    ``priority`` (healthcrawl/text/priority.py), or the score for articles stored before it."""
    relevance = doc.get("relevance") or {}
    return relevance.get("priority", relevance.get("score"))


def order_key(doc: dict[str, Any]) -> tuple:
    """Bulletin order: :func:`rank_score` highest first, then the newest, then by canonical URL."""
    score = rank_score(doc)
    published = doc.get("published_at")
    return (-score if isinstance(score, (int, float)) else float("inf"),
            -as_beijing(published).timestamp() if isinstance(published, datetime) else float("inf"),
            str(doc.get("canonical_url") or ""))


def stored_pick_key(doc: dict[str, Any]) -> tuple:
    """Hand picks: by ``bulletin.order`` (unnumbered ones after), then :func:`order_key`."""
    value = (doc.get("bulletin") or {}).get("order")
    return ((0, value) if isinstance(value, (int, float)) else (1, 0), order_key(doc))


# --- one item per story -----------------------------------------------------------------------------
def story_keys(doc: dict[str, Any]) -> set[str]:
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


class Stories:
    """The documents taken so far, at most one per story."""

    def __init__(self) -> None:
        self.docs: list[dict[str, Any]] = []
        self._seen: set[str] = set()

    def take(self, doc: dict[str, Any]) -> bool:
        """Add ``doc`` unless a document of the same story is in already; whether it was added."""
        keys = story_keys(doc)
        if keys & self._seen:
            return False
        self._seen.update(keys)
        self.docs.append(doc)
        return True

    def first(self, limit: int | None) -> list[dict[str, Any]]:
        return self.docs[:limit] if limit else self.docs


# --- the three ways -----------------------------------------------------------------------------------
def find_by_url(collection, url: str) -> tuple[dict[str, Any] | None, bool]:
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


def pick_notes(url: str, doc: dict[str, Any], via_reprint: bool, window: dict[str, Any]) -> list[str]:
    """What the editor should know about one picked article: a reprint, outside the window, irrelevant."""
    notes = []
    if via_reprint:
        notes.append(f"{url}: a reprint of {doc.get('url')} ({doc.get('site_name')}), which is used")
    bounds = window["published_at"]
    published = doc.get("published_at")
    if not isinstance(published, datetime) or not (bounds["$gte"] <= as_beijing(published) <= bounds["$lte"]):
        when = as_beijing(published).strftime("%Y-%m-%d") if isinstance(published, datetime) else "no date"
        span = f"{as_beijing(bounds['$gte']):%Y-%m-%d} .. {as_beijing(bounds['$lte']):%Y-%m-%d}"
        notes.append(f"{url}: published {when}, outside {span}")
    elif not (doc.get("relevance") or {}).get("relevant"):
        notes.append(f"{url}: not marked relevant; included because it was picked")
    return notes


def select_picked(collection, pick: list[str], window: dict[str, Any], limit: int | None) -> Selection:
    """Exactly the articles of a pick list, in its order."""
    stories, unknown, notes = Stories(), [], []
    for url in pick:
        doc, via_reprint = find_by_url(collection, url)
        if doc is None:
            unknown.append(url)
        elif not stories.take(doc):
            notes.append(f"{url}: same story as an earlier pick, listed once")
        else:
            notes += pick_notes(url, doc, via_reprint, window)
    return Selection(stories.first(limit), "file", unknown, notes)


def select_stored(collection, window: dict[str, Any], limit: int | None) -> Selection:
    """The articles of the window with ``bulletin.pick: true`` (empty when there are none)."""
    stories = Stories()
    for doc in sorted(collection.find({**window, "bulletin.pick": True}), key=stored_pick_key):
        stories.take(doc)
    return Selection(stories.first(limit), "stored")


def select_ranked(collection, window: dict[str, Any], limit: int) -> Selection:
    """The relevant articles of the window in :func:`order_key` order, at most ``limit`` (0: all)."""
    stories, notes = Stories(), []
    for doc in sorted(collection.find({**window, "relevance.relevant": True, "bulletin.rejected": {"$ne": True}}), key=order_key):
        if limit and len(stories.docs) >= limit:
            break
        if not stories.take(doc):
            notes.append(f"{doc.get('url')}: same story as an article already listed, skipped")
    return Selection(stories.docs, "auto", [], notes)


def select_articles(collection, since: date, until: date, *, pick: list[str] | None = None,
                    limit: int | None = None, default_limit: int = 0) -> Selection:
    """The documents of one bulletin, in bulletin order: the pick list if given, else the stored
    picks of the window, else the ranked relevant articles.

    ``limit``: at most this many articles (0: no limit). None: ``default_limit`` for the ranked
    selection, no limit for hand picks (the editor chose them).
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be 0 (no limit) or more, not {limit}")
    window = window_filter(since, until)
    if pick is not None:
        return select_picked(collection, pick, window, limit)
    stored = select_stored(collection, window, limit)
    if stored.docs:
        return stored
    return select_ranked(collection, window, default_limit if limit is None else limit)
