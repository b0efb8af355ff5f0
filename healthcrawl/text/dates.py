"""Dates on Chinese news pages: find the date substring first, then parse it, in Beijing time.

Pages write dates as "2024-05-20 03:15", "2020年07月04日 12:10", "2025.05.21", "5-21 07:44"
(year elsewhere) or bury them in hidden metadata. :func:`find_datetime` pulls the first such
substring out of a noisy string (labels, sources, share buttons) and parses it; dateparser is the
general parser for anything the fast patterns do not cover. Every value returned is
timezone-aware Beijing time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import lru_cache

from healthcrawl.article import BEIJING, to_beijing
from healthcrawl.text.whitespace import squash

logger = logging.getLogger(__name__)

#: Years a page date may have; anything else is a broken or hostile value, not a date.
YEARS = range(1900, 2200)
#: Unreadable date strings seen while :func:`collect_problems` is active: (text, reason).
_PROBLEMS: ContextVar[list[tuple[str, str]] | None] = ContextVar("date_problems", default=None)


@contextmanager
def collect_problems() -> Iterator[list[tuple[str, str]]]:
    """Collect the date strings that could not be read (instead of raising) while parsing one
    page, so the caller can log them with the page's URL and count them."""
    problems: list[tuple[str, str]] = []
    token = _PROBLEMS.set(problems)
    try:
        yield problems
    finally:
        _PROBLEMS.reset(token)


def _problem(text: str, reason: str) -> None:
    problems = _PROBLEMS.get()
    if problems is None:
        logger.debug("unreadable date %r (%s)", text[:80], reason)
    else:
        problems.append((text[:80], reason))

# Full dates: 2024-05-20 03:15[:21][.0], 2024/5/20, 2024.05.20, 2024年5月20日 3:15
_FULL = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
# Month-day without a year: 5-21 07:44, 05月21日 07:44
_SHORT = re.compile(
    r"(?<!\d)(?P<m>\d{1,2})\s*(?:-|/|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2}))"
)
# Compact: 20240520 (URLs, e-paper paths)
_COMPACT = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")
# URL shapes: /2024-05/20/, /2020/07-04/, /202405/20/, /t20240520_
_URL_PATTERNS = (
    re.compile(r"/(?P<y>20\d{2})-(?P<m>\d{2})/(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>20\d{2})/(?P<m>\d{2})-(?P<d>\d{2})/"),
    re.compile(r"/t(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})_"),
    re.compile(r"/(?P<y>20\d{2})(?P<m>\d{2})/(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})[/_]"),
    # people.com.cn and other CMSs: /n1/2024/0517/c14739-40238011.html
    re.compile(r"/(?P<y>20\d{2})/(?P<m>\d{2})(?P<d>\d{2})/"),
    # /2024/05/17/ (WordPress-like paths)
    re.compile(r"/(?P<y>20\d{2})/(?P<m>\d{2})/(?P<d>\d{2})/"),
    # /2024-05-17/ and …_2024-05-17.html
    re.compile(r"[/_](?P<y>20\d{2})-(?P<m>\d{2})-(?P<d>\d{2})(?:[/_.])"),
)


def _build(y: int, m: int, d: int, hh: str | None = None, mm: str | None = None,
           ss: str | None = None) -> datetime | None:
    try:
        return datetime(y, m, d, int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=BEIJING)
    except ValueError:  # 2024-02-30, 25:61 …
        return None


def find_datetime(text: str | None, year: int | None = None) -> datetime | None:
    """The first date (and time) in ``text``, Beijing time; ``year`` completes "M-D HH:MM"."""
    if not text:
        return None
    # one space per run: the patterns' optional spaces then cannot backtrack over long runs
    text = squash(text)
    for m in _FULL.finditer(text):
        dt = _build(int(m["y"]), int(m["m"]), int(m["d"]), m["H"], m["M"], m["S"])
        if dt:
            return dt
    if year is not None:
        for m in _SHORT.finditer(text):
            dt = _build(year, int(m["m"]), int(m["d"]), m["H"], m["M"])
            if dt:
                return dt
    for m in _COMPACT.finditer(text):
        dt = _build(int(m["y"]), int(m["m"]), int(m["d"]))
        if dt:
            return dt
    return parse_loose(text)


def parse_loose(text: str) -> datetime | None:
    """dateparser for what the patterns miss ("2024年5月20日上午9时" …); the year must be given."""
    text = text.strip()
    if not text or len(text) > 80 or not re.search(r"\d", text):
        return None
    when, problem = _parse_loose(text)
    if problem:
        _problem(text, problem)
    return when


@lru_cache(maxsize=4096)
def _parse_loose(text: str) -> tuple[datetime | None, str | None]:
    """(datetime or None, why the text is unreadable or None); cached: a list page prints the
    same strings ("11-10") on every line, and dateparser takes about a millisecond each."""
    import dateparser  # imported lazily: it is slow to import and rarely needed

    try:
        dt = dateparser.parse(
            text,
            languages=["zh", "en"],
            # a year must be on the page: dateparser would otherwise fill in the current one
            settings={"TIMEZONE": "Asia/Shanghai", "RETURN_AS_TIMEZONE_AWARE": True,
                      "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]},
        )
        if dt is None:
            return None, None
        if dt.year not in YEARS:
            return None, f"year {dt.year} out of range"
        return to_beijing(dt), None
    except Exception as exc:  # noqa: BLE001 - dateparser raises OverflowError, ValueError … on odd input
        return None, f"{type(exc).__name__}: {exc}"


def date_from_url(url: str) -> datetime | None:
    """The publication date written into an article URL (midnight Beijing time)."""
    for pattern in _URL_PATTERNS:
        m = pattern.search(url)
        if m:
            dt = _build(int(m["y"]), int(m["m"]), int(m["d"]))
            if dt:
                return dt
    return None


def parse_day(value: str, *, today: date | None = None) -> date:
    """A crawl-window bound: ``YYYY-MM-DD`` or relative ``7d`` (days before today, Beijing)."""
    value = value.strip()
    today = today or datetime.now(BEIJING).date()
    m = re.fullmatch(r"(\d+)\s*d", value)
    if m:
        return today - timedelta(days=int(m[1]))
    if value in ("today", "0d"):
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or a relative value such as 7d)") from None


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BEIJING)


def day_end(day: date) -> datetime:
    return day_start(day) + timedelta(days=1) - timedelta(microseconds=1)
