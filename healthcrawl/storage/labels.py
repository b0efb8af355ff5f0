"""Editors' relevance labels in MongoDB (collection ``labels``): one document per event (URL, label,
who, when, from which screen), so a label can be changed and the history stays. The latest event of
a URL is its label; ``healthcrawl train`` learns from them, the editors' desk and ``healthcrawl label``
write them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

import pymongo
from pymongo import ASCENDING, DESCENDING, IndexModel

from healthcrawl.text.urls import canonical_url

LABELS = "labels"
RELEVANT = "relevant"
IRRELEVANT = "irrelevant"
LABEL_VALUES = (RELEVANT, IRRELEVANT)

LABEL_INDEXES = [IndexModel([("url", ASCENDING), ("at", DESCENDING)], name="url_at")]


def ensure_label_indexes(db: pymongo.database.Database) -> None:
    """The index of ``labels`` (idempotent)."""
    db[LABELS].create_indexes(LABEL_INDEXES)


def _canonical(url: str) -> str:
    try:
        return canonical_url(url) or url
    except Exception:  # noqa: BLE001 - a URL canonical_url cannot read is kept as given
        return url


def add_label(db: pymongo.database.Database, url: str, label: str, who: str, screen: str,
              at: datetime | None = None) -> dict[str, Any]:
    """Record that ``who`` labelled ``url`` ``relevant`` or ``irrelevant`` on ``screen`` (``cli``,
    ``desk``, ``bulletin``…) at ``at`` (default: now, UTC). Returns the stored document."""
    if label not in LABEL_VALUES:
        raise ValueError(f"label must be one of {LABEL_VALUES}, not {label!r}")
    if not isinstance(url, str) or not url.strip():
        raise ValueError("url must be a non-empty string")
    if not who or not screen:
        raise ValueError("who and screen must be given")
    at = at or datetime.now(timezone.utc)
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    doc = {"url": _canonical(url.strip()), "given_url": url.strip(), "label": label,
           "relevant": label == RELEVANT, "who": who, "screen": screen, "at": at}
    ensure_label_indexes(db)
    db[LABELS].insert_one(doc)
    return doc


def labels_for(db: pymongo.database.Database, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The latest label document of each URL that has one, keyed by the URL as given."""
    wanted: dict[str, list[str]] = {}
    for url in urls:
        wanted.setdefault(_canonical(url), []).append(url)
    if not wanted:
        return {}
    latest: dict[str, dict[str, Any]] = {}
    for doc in db[LABELS].find({"url": {"$in": list(wanted)}}).sort([("at", ASCENDING), ("_id", ASCENDING)]):
        latest[doc["url"]] = doc
    return {given: doc for canon, doc in latest.items() for given in wanted[canon]}


def all_labels(db: pymongo.database.Database) -> list[dict[str, Any]]:
    """Every label event, oldest first (use :func:`latest_labels` for one label per URL)."""
    return list(db[LABELS].find().sort([("at", ASCENDING), ("_id", ASCENDING)]))


def latest_labels(db: pymongo.database.Database) -> dict[str, dict[str, Any]]:
    """URL → its latest label document, for every labelled URL."""
    return {doc["url"]: doc for doc in all_labels(db)}


def withdraw_label(db: pymongo.database.Database, label_id: Any) -> bool:
    """Take back one label event (an editor's undo); True when it was there."""
    return db[LABELS].delete_one({"_id": label_id}).deleted_count == 1
