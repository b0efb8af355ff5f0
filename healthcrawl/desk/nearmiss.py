"""Near misses: articles the relevance scorer judged irrelevant, best score first, for an editor to
rescue — the week's stored irrelevant articles (``HEALTHCRAWL_KEEP_IRRELEVANT``, or a rescue
undone) and the URLs the crawl dropped as irrelevant lately (``dropped``, last seen within
``HEALTHCRAWL_DESK_NEAR_MISS_DAYS``) that are not stored.

Rescuing a dropped URL stores it with what ``dropped`` holds (URL, site, score; title, date,
reasons and text when the entry has them), through the project's writer
(:func:`healthcrawl.storage.records.write_records`): there is no network on the desk, so nothing is
fetched. An entry without text gives an article with an empty body, marked
``bulletin.rescued.text_missing``; ``scrapy crawl <site> -a urls=<url>`` with
``HEALTHCRAWL_KEEP_IRRELEVANT=1`` fills it in later (the crawl keeps ``bulletin``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from healthcrawl.article import Article
from healthcrawl.crawl.sites import SITES, site_name
from healthcrawl.desk import picks
from healthcrawl.desk.users import User
from healthcrawl.desk.web import Refused
from healthcrawl.desk.week import Window, beijing, matched_terms, score_text
from healthcrawl.storage.collections import IRRELEVANT
from healthcrawl.storage.records import article_record, write_records
from healthcrawl.text.dates import date_from_url
from healthcrawl.text.urls import canonical_url

LIMIT = 100
TEXT_FIELDS = ("body", "text", "excerpt", "lead")


def entry_text(entry: dict[str, Any]) -> str:
    for name in TEXT_FIELDS:
        if isinstance(entry.get(name), str) and entry[name].strip():
            return entry[name]
    return ""


def score_of(doc: dict[str, Any]) -> float | None:
    value = (doc.get("relevance") or {}).get("score", doc.get("score"))
    return float(value) if isinstance(value, (int, float)) else None


def _line(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    score = score_of(doc)
    shown = beijing(doc.get("published_at")) or beijing(doc.get("last_seen"))
    return {
        "kind": kind,
        "key": str(doc["_id"]),
        "title": doc.get("title") or "",
        "url": doc.get("url") or doc.get("canonical_url") or str(doc["_id"]),
        "site_name": doc.get("site_name") or (SITES[doc["site"]].name if doc.get("site") in SITES else doc.get("site") or ""),
        "date": shown.strftime("%m-%d %H:%M") if shown else "—",
        "score": score_text(score),
        "terms": matched_terms(doc.get("relevance") or {"matched": doc.get("matched")}),
        "has_text": kind == "stored" or bool(entry_text(doc)),
    }


def stored_misses(desk, window: Window) -> list[dict[str, Any]]:
    query = {**window.published(), "relevance.relevant": False, "bulletin.rescued": {"$exists": False}}
    fields = {"title": 1, "url": 1, "canonical_url": 1, "site": 1, "site_name": 1, "published_at": 1,
              "relevance.score": 1, "relevance.matched": 1}
    cursor = desk.articles.find(query, fields).sort([("relevance.score", -1), ("published_at", -1)]).limit(LIMIT)
    return [_line(doc, "stored") for doc in cursor]


def dropped_misses(desk, days: int) -> list[dict[str, Any]]:
    """Recent drops not stored since (a rescue, or a later crawl with another lexicon)."""
    since = datetime.now(timezone.utc) - timedelta(days=days)
    entries = list(desk.dropped.find({"reason": IRRELEVANT, "last_seen": {"$gte": since}})
                   .sort([("score", -1), ("last_seen", -1)]).limit(LIMIT * 2))
    keys = [e["_id"] for e in entries]
    stored = {d["canonical_url"] for d in desk.articles.find({"canonical_url": {"$in": keys}}, {"canonical_url": 1})}
    stored |= {a["canonical_url"] for d in desk.articles.find({"also_at.canonical_url": {"$in": keys}},
                                                               {"also_at.canonical_url": 1})
               for a in d.get("also_at") or []}
    return [_line(e, "dropped") for e in entries if e["_id"] not in stored][:LIMIT]


def article_from_dropped(entry: dict[str, Any]) -> Article:
    """What can be stored of a dropped URL without fetching it."""
    url = entry.get("url") or entry["_id"]
    site = entry.get("site") if entry.get("site") in SITES else ""
    published = entry.get("published_at")
    date_source = "dropped"
    if not isinstance(published, datetime):
        published, date_source = date_from_url(url), "url"
    relevance = dict(entry.get("relevance") or {})
    relevance.setdefault("score", entry.get("score"))
    relevance.setdefault("relevant", False)
    relevance.setdefault("lexicon_version", entry.get("lexicon_version"))
    if entry.get("matched") and "matched" not in relevance:
        relevance["matched"] = entry["matched"]
    if entry.get("reasons") and "reasons" not in relevance:
        relevance["reasons"] = entry["reasons"]
    return Article(url=url, canonical_url=str(entry["_id"]) or canonical_url(url), site=site,
                   site_name=site_name(site, url) if site else "", title=str(entry.get("title") or ""),
                   published_at=published, body=entry_text(entry), relevance=relevance,
                   crawl={"spider": site or None, "template": "rescued", "date_source": date_source})


def rescue_dropped(desk, user: User, key: str) -> dict[str, Any]:
    """Store a dropped URL (if no document holds it yet) and rescue it."""
    entry = desk.dropped.find_one({"_id": key})
    if entry is None:
        raise Refused(404, "没有这条记录。")
    holder = {"$or": [{"canonical_url": key}, {"also_at.canonical_url": key}]}
    doc = desk.articles.find_one(holder, {"_id": 1})
    text_missing = not entry_text(entry)
    if doc is None:
        write_records(desk.articles, [article_record(article_from_dropped(entry))])
        doc = desk.articles.find_one(holder, {"_id": 1})
    return picks.rescue(desk, user, doc["_id"], source="dropped", text_missing=text_missing)
