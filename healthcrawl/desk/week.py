"""The week on the desk: its window (seven Beijing days ending on the ``week`` day) and its
candidates — the relevant, picked or rescued articles published in it, best score first — with the
editors' filters (site, day, lowest score, segmented search) applied in MongoDB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from healthcrawl.article import BEIJING, stored_to_beijing
from healthcrawl.crawl.sites import SITES
from healthcrawl.storage.search import search
from healthcrawl.text.dates import day_end, day_start

DAYS = 7
#: search results taken into the week's list at most
SEARCH_LIMIT = 2000
LEAD_CHARS = 110
CANDIDATE = {"$or": [{"relevance.relevant": True}, {"bulletin.pick": True},
                     {"bulletin.rescued": {"$exists": True}}]}
LIST_FIELDS = {"title": 1, "url": 1, "canonical_url": 1, "site": 1, "site_name": 1, "published_at": 1,
               "relevance.score": 1, "relevance.relevant": 1, "relevance.matched": 1,
               "also_at.site_name": 1, "also_at.url": 1, "bulletin": 1,
               "lead": {"$substrCP": [{"$ifNull": ["$body", ""]}, 0, LEAD_CHARS]}}
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Window:
    since: date
    until: date

    @classmethod
    def ending(cls, until: date) -> "Window":
        return cls(until - timedelta(days=DAYS - 1), until)

    @property
    def days(self) -> list[date]:
        return [self.since + timedelta(days=i) for i in range((self.until - self.since).days + 1)]

    @property
    def key(self) -> str:
        return self.until.isoformat()

    def published(self) -> dict[str, Any]:
        return {"published_at": {"$gte": day_start(self.since), "$lte": day_end(self.until)}}

    def shifted(self, weeks: int) -> "Window":
        return Window.ending(self.until + timedelta(days=DAYS * weeks))


#: a stored datetime in Beijing time (None for anything else)
beijing = stored_to_beijing


def day_label(day: date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def parse_date(value: Any) -> date | None:
    """A ``YYYY-MM-DD`` day between the years 2000 and 2100, else None."""
    try:
        day = date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def latest_day(articles) -> date:
    """The Beijing day of the newest article published until now (today when there is none)."""
    now = datetime.now(timezone.utc)
    doc = articles.find_one({"published_at": {"$lte": now}}, {"published_at": 1}, sort=[("published_at", -1)])
    shown = beijing(doc.get("published_at")) if doc else None
    return (shown or now.astimezone(BEIJING)).date()


def week_of(params: Mapping[str, Any], articles) -> Window:
    """The window a request names (``week=YYYY-MM-DD``, its last day), else the latest week."""
    return Window.ending(parse_date(params.get("week")) or latest_day(articles))


@dataclass(frozen=True)
class Filters:
    site: str = ""
    day: date | None = None
    min_score: float | None = None
    q: str = ""
    rejected: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any], window: Window) -> "Filters":
        site = str(params.get("site") or "")
        day = parse_date(params.get("day"))
        try:
            min_score = float(params.get("min") or "")
        except ValueError:
            min_score = None
        return cls(site=site if site in SITES else "",
                   day=day if day in window.days else None,
                   min_score=min_score if min_score is not None and min_score == min_score else None,
                   q=str(params.get("q") or "").strip()[:100],
                   rejected=params.get("show") == "rejected")

    def params(self, window: Window) -> dict[str, str]:
        """Query parameters naming the same view (for links and forms)."""
        out = {"week": window.key}
        if self.site:
            out["site"] = self.site
        if self.day:
            out["day"] = self.day.isoformat()
        if self.min_score is not None:
            out["min"] = f"{self.min_score:g}"
        if self.q:
            out["q"] = self.q
        if self.rejected:
            out["show"] = "rejected"
        return out


def candidate_filter(desk, window: Window, filters: Filters) -> dict[str, Any] | None:
    """The MongoDB filter of the week's candidates under ``filters`` (None: a search found nothing)."""
    first, last = (filters.day, filters.day) if filters.day else (window.since, window.until)
    query: dict[str, Any] = {"published_at": {"$gte": day_start(first), "$lte": day_end(last)}, **CANDIDATE}
    query["bulletin.rejected"] = True if filters.rejected else {"$ne": True}
    if filters.site:
        query["site"] = filters.site
    if filters.min_score is not None:
        query["relevance.score"] = {"$gte": filters.min_score}
    if filters.q:
        found = search(desk.database, filters.q, first, last, filters.site or None, limit=SEARCH_LIMIT)
        if not found:
            return None
        query["_id"] = {"$in": [doc["_id"] for doc in found]}
    return query


def candidates(desk, window: Window, filters: Filters) -> list[dict[str, Any]]:
    """The candidates, best score first, then newest; each as :func:`row` shows it."""
    query = candidate_filter(desk, window, filters)
    if query is None:
        return []
    cursor = desk.articles.find(query, LIST_FIELDS).sort(
        [("relevance.score", -1), ("published_at", -1), ("_id", 1)])
    return [row(doc) for doc in cursor]


def matched_terms(relevance: Mapping[str, Any] | None, most: int = 8) -> list[str]:
    """The matched lexicon terms, strongest first per category, each once."""
    matched = (relevance or {}).get("matched") or {}
    terms: list[str] = []
    for category in ("health", "digital", "policy"):
        for term in matched.get(category) or []:
            if isinstance(term, str) and term not in terms:
                terms.append(term)
    return terms[:most]


def score_text(score: Any) -> str:
    """A score with two decimals, rounded down: 0.999 (irrelevant, capped) never shows as 1.00."""
    if not isinstance(score, (int, float)) or isinstance(score, bool):
        return "—"
    return f"{math.floor(score * 100 + 1e-9) / 100:.2f}"


def row(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document as a line of the week's list."""
    relevance = doc.get("relevance") or {}
    score = relevance.get("score")
    shown = beijing(doc.get("published_at"))
    bulletin = doc.get("bulletin") or {}
    also = []
    for entry in doc.get("also_at") or []:
        name = entry.get("site_name") or ""
        if name and name not in also:
            also.append(name)
    return {
        "id": str(doc["_id"]),
        "title": doc.get("title") or "（无标题）",
        "url": doc.get("url") or doc.get("canonical_url") or "",
        "site_name": doc.get("site_name") or doc.get("site") or "",
        "date": shown.strftime("%m-%d %H:%M") if shown else "—",
        "score": score_text(score),
        "relevant": bool(relevance.get("relevant")),
        "terms": matched_terms(relevance),
        "lead": " ".join(str(doc.get("lead") or "").split()),
        "also_at": also,
        "picked": bool(bulletin.get("pick")),
        "rejected": bool(bulletin.get("rejected")),
        "rescued": bool(bulletin.get("rescued")),
    }
