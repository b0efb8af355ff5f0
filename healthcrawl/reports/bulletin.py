"""The weekly bulletin (卫生健康大数据与政策研究周报) from the stored articles: select
(:mod:`~healthcrawl.reports.select`), outline (:mod:`~healthcrawl.reports.outline`), render
(:mod:`~healthcrawl.reports.render`) and write one issue; nothing is written when there is
nothing to report. Usage: README "The weekly bulletin"."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from healthcrawl.project import project_settings
from healthcrawl.reports.export import atomic_write
from healthcrawl.reports.outline import Bulletin, BulletinItem
from healthcrawl.reports.render import FORMATS, render
from healthcrawl.reports.select import Selection, select_articles
from healthcrawl.reports.source import database_name, nothing_found


# --- the whole job ----------------------------------------------------------------------------------
@dataclass
class BulletinResult:
    #: True when a file was written
    written: bool
    path: Path | None
    fmt: str
    items: list[BulletinItem]
    #: "file", "stored" or "auto" (see select_articles); "" when nothing was selected
    mode: str = ""
    #: pick-list URLs not found in the database
    unknown: list[str] = field(default_factory=list)
    #: things the editor should know (reprints resolved, picks outside the window …)
    notes: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def exit_code(self) -> int:
        return 0 if self.written else 1


def default_filename(issue_date: date, fmt: str) -> str:
    return f"bulletin-{issue_date.isoformat()}.{fmt}"


def _collection_name(collection) -> str:
    try:
        return f"{collection.database.name}.{collection.name}"
    except AttributeError:
        return "the articles collection"


def _nothing_written(collection, since: date, until: date, selection: Selection) -> str:
    """Why a selection gives no bulletin, naming the database read."""
    if selection.unknown:
        listed = "\n".join(f"  {url}" for url in selection.unknown)
        return (f"{len(selection.unknown)} picked URL(s) are not in {_collection_name(collection)} "
                f"(matched against url, canonical_url and reprint URLs):\n{listed}\n"
                f"nothing written: crawl them first (healthcrawl crawl --urls …) or remove them "
                f"from the pick list")
    if selection.mode == "file":
        return "the pick list names no articles: nothing written"
    return (f"{nothing_found(collection, since, until, 'relevant articles')}: nothing written "
            f"(crawl the week first, or pick articles by hand)")


def _from_settings(settings, centre: str | None, scope: str | None,
                   default_limit: int | None) -> tuple[str, str, int]:
    """Centre, scope and limit as given, the settings' HEALTHCRAWL_BULLETIN_* where not given."""
    if not centre or not scope or default_limit is None:
        settings = settings or project_settings()
        centre = centre or settings.get("HEALTHCRAWL_BULLETIN_CENTRE")
        scope = scope or settings.get("HEALTHCRAWL_BULLETIN_SCOPE")
        default_limit = settings.getint("HEALTHCRAWL_BULLETIN_LIMIT") if default_limit is None else default_limit
    return centre, scope, default_limit


def _target(out: Path | str | None, issue_date: date, fmt: str) -> Path:
    """The file to write: ``out``, or ``bulletin-<issue date>.<fmt>`` in the folder ``out`` names."""
    as_folder = not out or str(out).endswith(("/", os.sep))  # "--out bulletins/" names a folder
    path = Path(out) if out else Path.cwd()
    return path / default_filename(issue_date, fmt) if as_folder or path.is_dir() else path


def build_bulletin(collection, since: date, until: date, *, fmt: str = "docx",
                   out: Path | str | None = None, pick: list[str] | None = None,
                   limit: int | None = None, centre: str | None = None,
                   issue_date: date | None = None, scope: str | None = None,
                   default_limit: int | None = None, settings=None) -> BulletinResult:
    """Select, render and write one bulletin; nothing is written when there is nothing to report.

    ``out``: the file, or a folder for ``bulletin-<issue date>.<fmt>`` (default: the current
    folder). ``pick``: URLs in bulletin order (see :func:`select_articles`). ``limit``: at most
    this many articles (0 = no limit; None = ``default_limit`` unless the articles are picked).
    ``centre``, ``scope``, ``default_limit``: None reads HEALTHCRAWL_BULLETIN_CENTRE / _SCOPE /
    _LIMIT from ``settings`` (default: the project settings).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown bulletin format {fmt!r}; use one of {', '.join(FORMATS)}")
    if since > until:
        raise ValueError(f"--since {since.isoformat()} is after --until {until.isoformat()}")
    centre, scope, default_limit = _from_settings(settings, centre, scope, default_limit)
    issue_date = issue_date or until
    selection = select_articles(collection, since, until, pick=pick, limit=limit, default_limit=default_limit)
    items = [BulletinItem.from_document(doc) for doc in selection.docs]
    if selection.unknown or not items:
        return BulletinResult(False, None, fmt, items if selection.unknown else [], selection.mode,
                              selection.unknown, selection.notes,
                              _nothing_written(collection, since, until, selection))
    bulletin = Bulletin(centre=centre.strip(), issue_date=issue_date, since=since, until=until,
                        scope=scope.strip(), items=items)
    path = _target(out, issue_date, fmt)
    atomic_write(path, render(bulletin, fmt))
    how = {"file": "from the pick list", "stored": "picked in the database (bulletin.pick)",
           "auto": "by relevance score"}[selection.mode]
    message = (f"wrote {path}: {len(items)} article(s) {how}, published {since.isoformat()} .. "
               f"{until.isoformat()} (Beijing time), from database {database_name(collection)}")
    return BulletinResult(True, path, fmt, items, selection.mode, [], selection.notes, message)
