"""Segmented Chinese search over the stored articles: the query is cut into words the way the text
index was built (simplified characters, jieba search mode with the project's user dictionary),
MongoDB's ``$text`` index finds the documents holding every word, then each phrase of the query (its
space-separated parts) must occur as written in the title or the body, so 医保支付 does not find a
text with 医保 and 支付 apart. Traditional and simplified characters find each other.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pymongo

from healthcrawl.storage.collections import ARTICLES
from healthcrawl.text.chinese import to_simplified
from healthcrawl.text.dates import day_end, day_start
from healthcrawl.text.segment import search_tokens

#: stored fields a search result leaves out (MongoDB internals and the index's own tokens)
HIDDEN_FIELDS = ("search_title", "search_body", "dedup", "copies")
#: documents read from the index per phrase-checked result wanted, at most
SCAN_FACTOR = 20


def fold(text: str) -> str:
    """Text as the search compares it: simplified characters, full-width folded (NFKC), case-folded."""
    return unicodedata.normalize("NFKC", to_simplified(text or "")).casefold()


def query_words(query: str) -> list[str]:
    """The words the index must hold: the query's search tokens made as the index's are
    (:func:`~healthcrawl.text.segment.search_tokens`), keeping the smallest — 医保支付 gives 医保 and
    支付, which a text holding 医保支付 has among its tokens however its words were cut."""
    tokens = list(dict.fromkeys(search_tokens(fold(query)).split()))
    return [t for t in tokens if not any(other != t and other in t for other in tokens)]


def query_phrases(query: str) -> list[str]:
    """The query's space-separated parts, folded: each must occur in the title or body."""
    return [part for part in fold(query).split() if part]


def text_search(query: str) -> str | None:
    """The ``$search`` string requiring every word (each quoted), or None when there is none."""
    words = query_words(query)
    if not words:
        return None
    return " ".join('"' + word.replace('"', "") + '"' for word in words)


def has_phrases(doc: dict[str, Any], phrases: list[str]) -> bool:
    """Whether every phrase occurs in the document's title or body."""
    text = fold(doc.get("title") or "") + "\n" + fold(doc.get("body") or "")
    return all(phrase in text for phrase in phrases)


def _articles(db: Any) -> pymongo.collection.Collection:
    """The articles collection of a pymongo Database or of a :class:`healthcrawl.storage.client.Database`."""
    if isinstance(db, pymongo.database.Database):
        return db[ARTICLES]
    return db.collection(ARTICLES)


def search_filter(query: str, since: date | None = None, until: date | None = None,
                  site: str | None = None) -> dict[str, Any] | None:
    """The MongoDB filter of a search (None: the query has no word to search)."""
    search = text_search(query)
    if search is None:
        return None
    found: dict[str, Any] = {"$text": {"$search": search}}
    window: dict[str, Any] = {}
    if since is not None:
        window["$gte"] = day_start(since)
    if until is not None:
        window["$lte"] = day_end(until)
    if window:
        found["published_at"] = window
    if site:
        found["site"] = site
    return found


def search(db: Any, query: str, since: date | None = None, until: date | None = None,
           site: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Stored articles holding every word and every phrase of ``query``, best text match first
    (then newest): at most ``limit`` documents, each with ``search_score`` (MongoDB's text score).

    ``since``/``until``: Beijing days, inclusive; ``site``: a site key (``gmw`` …). ``db``: a
    pymongo Database or the project's :class:`~healthcrawl.storage.client.Database`.
    """
    found = search_filter(query, since, until, site)
    if found is None or limit <= 0:
        return []
    phrases = query_phrases(query)
    projection: dict[str, Any] = {name: 0 for name in HIDDEN_FIELDS}
    projection["search_score"] = {"$meta": "textScore"}
    cursor = (_articles(db).find(found, projection)
              .sort([("search_score", {"$meta": "textScore"}), ("published_at", -1), ("_id", 1)])
              .limit(limit * SCAN_FACTOR))
    results = []
    for doc in cursor:
        if has_phrases(doc, phrases):
            results.append(doc)
            if len(results) >= limit:
                break
    return results
