"""The week's bulletin on the desk, made by the code of ``healthcrawl bulletin``: the selection
(:func:`healthcrawl.reports.select.select_articles`: the picks in their order, else the automatic
choice), the items and the issue (:mod:`healthcrawl.reports.outline`) and the back ends
(:func:`healthcrawl.reports.render.render`). The desk adds what an editor may change per week —
the issue date and the intro (本期导语) — kept in ``desk_issues`` (``_id``: the week's last day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from healthcrawl.reports.bulletin import default_filename
from healthcrawl.reports.outline import Bulletin, BulletinItem
from healthcrawl.reports.render import render
from healthcrawl.reports.select import select_articles
from healthcrawl.desk.week import Window, parse_date

ISSUES = "desk_issues"
MAX_INTRO = 2000
MEDIA_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


@dataclass
class EditedBulletin(Bulletin):
    """A bulletin whose intro an editor may have rewritten (empty: the generated one)."""

    intro_text: str = ""

    @property
    def intro(self) -> str:
        return self.intro_text or super().intro


@dataclass
class Issue:
    window: Window
    issue_date: date
    intro_text: str
    #: "stored" (the editors' picks), "auto" (no picks yet: the automatic choice)
    mode: str
    bulletin: EditedBulletin
    notes: list[str]

    @property
    def items(self) -> list[BulletinItem]:
        return self.bulletin.items

    def filename(self, fmt: str) -> str:
        return default_filename(self.issue_date, fmt)


def issue_settings(desk, window: Window) -> dict[str, Any]:
    return desk.db[ISSUES].find_one({"_id": window.key}) or {}


def save_settings(desk, window: Window, who: str, issue_date: str, intro: str) -> None:
    day = parse_date(issue_date)
    intro = (intro or "").strip()[:MAX_INTRO]
    desk.db[ISSUES].update_one({"_id": window.key}, {"$set": {
        "issue_date": day.isoformat() if day else None, "intro": intro,
        "by": who, "at": datetime.now(timezone.utc)}}, upsert=True)


def build_issue(desk, window: Window) -> Issue:
    """The week's issue as ``healthcrawl bulletin --since … --until …`` selects it, with the
    editors' issue date and intro."""
    stored = issue_settings(desk, window)
    issue_date = parse_date(stored.get("issue_date")) or window.until
    config = desk.config
    selection = select_articles(desk.articles, window.since, window.until, default_limit=config.bulletin_limit)
    items = [BulletinItem.from_document(doc) for doc in selection.docs]
    bulletin = EditedBulletin(centre=config.centre.strip(), issue_date=issue_date, since=window.since,
                              until=window.until, scope=config.scope.strip(), items=items,
                              intro_text=stored.get("intro") or "")
    return Issue(window, issue_date, stored.get("intro") or "", selection.mode, bulletin, selection.notes)


def generated_intro(issue: Issue) -> str:
    """The intro the bulletin has when the editors leave it alone."""
    return Bulletin.intro.fget(issue.bulletin)  # type: ignore[attr-defined]


def document(issue: Issue, fmt: str) -> bytes:
    return render(issue.bulletin, fmt)
