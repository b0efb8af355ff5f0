"""Where the reports read: the articles collection the settings name, a window of Beijing days, and
what to tell the reader when that window holds nothing (naming the database, so that an empty
result is never mistaken for an empty week)."""

from __future__ import annotations

import argparse
from datetime import date, datetime, timezone
from typing import Any

from healthcrawl.article import BEIJING
from healthcrawl.text.dates import day_end, day_start, parse_day


def window_filter(since: date | None, until: date | None, field: str = "published_at") -> dict[str, Any]:
    """``{field: {$gte, $lte}}`` for Beijing days ``since`` 00:00 … ``until`` 23:59:59.999999.

    Either bound may be None (open on that side); both None gives ``{}``.
    """
    if since and until and since > until:
        raise ValueError(f"--since {since.isoformat()} is after --until {until.isoformat()}")
    bounds: dict[str, Any] = {}
    if since:
        bounds["$gte"] = day_start(since).astimezone(timezone.utc)
    if until:
        bounds["$lte"] = day_end(until).astimezone(timezone.utc)
    return {field: bounds} if bounds else {}


def window_text(since: date | None, until: date | None) -> str:
    """``published 2026-11-09 .. 2026-11-15 (Beijing time)``; ``""`` for no window."""
    if since and until:
        return f"published {since.isoformat()} .. {until.isoformat()} (Beijing time)"
    if since or until:
        return f"published {'since' if since else 'until'} {(since or until).isoformat()} (Beijing time)"
    return ""


def as_beijing(value: datetime) -> datetime:
    """A stored datetime in Beijing time (pymongo gives naive UTC unless ``tz_aware=True``)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BEIJING)


def beijing_iso(value: datetime | None) -> str | None:
    """``2026-11-10T09:30:00+08:00`` (milliseconds only when the value has them)."""
    if value is None:
        return None
    value = as_beijing(value)
    spec = "milliseconds" if value.microsecond else "seconds"
    return value.isoformat(timespec=spec)


def day_argument(value: str) -> date:
    """argparse type for ``--since``/``--until``: ``YYYY-MM-DD``, ``today`` or ``7d``."""
    try:
        return parse_day(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --- the database -----------------------------------------------------------------------------------
def open_articles(settings, database: str | None = None):
    """(client, articles collection) from MONGO_URI / the embedded mongod. ``database`` overrides
    the ``MONGO_DATABASE`` setting. ArgumentError for a name MongoDB refuses (checked before
    connecting), StorageError when the database cannot be used."""
    from healthcrawl.arguments import check_database
    from healthcrawl.storage.client import open_database
    from healthcrawl.storage.collections import ARTICLES

    db = open_database(settings, check_database(database or settings.get("MONGO_DATABASE")))
    return db.client, db.collection(ARTICLES)


def database_name(collection) -> str:
    """The name of the database a collection lives in (for messages)."""
    try:
        return collection.database.name
    except AttributeError:
        return "?"


def _others_with_articles(collection) -> list[str]:
    """The other databases of the server whose collection of that name holds documents."""
    import pymongo.errors

    try:
        client, own = collection.database.client, collection.database.name
        return [name for name in client.list_database_names()
                if name not in (own, "admin", "config", "local")
                and client[name][collection.name].estimated_document_count()]
    except (pymongo.errors.PyMongoError, AttributeError):  # no right to list: say nothing more
        return []


def nothing_found(collection, since: date | None, until: date | None, what: str = "articles") -> str:
    """One line for a window that holds nothing: ``database hc holds no relevant articles published
    2026-11-09 .. 2026-11-15 (Beijing time)``; when the collection is empty altogether, says so and
    names the databases of the server that do hold articles."""
    name = database_name(collection)
    if collection.estimated_document_count() == 0:
        line = f"database {name} holds no articles at all"
        others = _others_with_articles(collection)
        if others:
            shown = ", ".join(others[:5]) + (", …" if len(others) > 5 else "")
            line += f" (articles are in {shown}: --database {others[0]})"
        return line
    where = window_text(since, until)
    return f"database {name} holds no {what} {where or 'at all'}".rstrip()
