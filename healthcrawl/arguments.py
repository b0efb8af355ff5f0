"""Arguments checked before anything starts: one line naming the problem, exit status 2.

Used by the ``healthcrawl`` commands (:class:`Parser`, the argparse types, the checks in
``healthcrawl/cli/``) and by the spiders (:func:`check_spider_arguments` from ``NewsSpider.__init__`` and
from ``scrapy crawl`` before its crawler starts), so ``healthcrawl crawl --since …`` and
``scrapy crawl gmw -a since=…`` refuse the same things the same way:

- a date that is not ``YYYY-MM-DD``/``7d``, and a window whose ``since`` is after its ``until``
  (it would crawl nothing and report success);
- ``urls`` given but holding no URL (``""``, ``" , "``: it would silently crawl everything), or
  holding something that is not an http(s) URL;
- ``channels`` given but empty, or naming a channel the spider does not have;
- a log level Python's logging does not know; a MongoDB database name MongoDB refuses; a count
  that must be positive; a site healthcrawl does not know.
"""

from __future__ import annotations

import argparse
import logging
import sys
import urllib.parse
from datetime import date, datetime
from typing import Any, Callable, NoReturn

from healthcrawl.text import dates

#: characters MongoDB refuses in a database name (on any platform), and its length limit in bytes
_DATABASE_FORBIDDEN = '/\\. "$*<>:|?\0'
_DATABASE_MAX_BYTES = 63


class ArgumentError(ValueError):
    """An argument that must be refused before anything starts; the message names it."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``healthcrawl runs: argument --limit: … (see healthcrawl
    runs --help)`` and exit status 2, instead of the usage block. Subcommand parsers inherit it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")

    def add_subparsers(self, **kwargs):
        """Subcommand parsers that refuse an unknown option themselves (``healthcrawl export:
        unrecognized arguments: --bogus``), not through the top-level parser."""
        kwargs.setdefault("parser_class", SubcommandParser)
        return super().add_subparsers(**kwargs)


class SubcommandParser(Parser):
    """A subcommand's parser: leftover arguments are its error, named after it."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


def fail(prog: str, error: Exception | str) -> int:
    """Print the one line for a refused argument; the exit status (2)."""
    print(f"{prog}: {error}", file=sys.stderr)
    return 2


# --- argparse types ----------------------------------------------------------------------------
def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def check_database(name: Any) -> str:
    """``name`` if MongoDB accepts it as a database name, else :class:`ArgumentError`."""
    if not isinstance(name, str) or not name:
        raise ArgumentError("the database name is empty")
    bad = sorted({c for c in name if c in _DATABASE_FORBIDDEN})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise ArgumentError(f"invalid database name {name!r}: MongoDB refuses the character(s) {shown}")
    if len(name.encode("utf-8")) > _DATABASE_MAX_BYTES:
        raise ArgumentError(f"invalid database name {name[:20]!r}…: longer than {_DATABASE_MAX_BYTES} bytes")
    return name


def argparse_type(check: Callable[[str], str], name: str) -> Callable[[str], str]:
    """An argparse ``type=`` from a check raising :class:`ArgumentError` (``name``: what argparse
    calls the type in its messages)."""
    def convert(value: str) -> str:
        try:
            return check(value)
        except ArgumentError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = name
    return convert


#: argparse type for ``--database``
database_name = argparse_type(check_database, "database_name")


def check_log_level(value: Any) -> str:
    """A level name logging knows (``debug`` → ``DEBUG``), else :class:`ArgumentError`."""
    name = str(value).strip().upper()
    if name.isdigit() or isinstance(logging.getLevelName(name), int):
        return name
    raise ArgumentError(f"unknown log level {value!r}; use DEBUG, INFO, WARNING, ERROR or CRITICAL")


#: argparse type for ``--log-level``
log_level = argparse_type(check_log_level, "log_level")


def site_key(value: str) -> str:
    """argparse type for ``--site``: a site healthcrawl knows (healthcrawl/crawl/sites.py)."""
    from healthcrawl.crawl.sites import SITES  # noqa: PLC0415

    if value not in SITES:
        raise argparse.ArgumentTypeError(f"unknown site {value!r}; known: {', '.join(SITES)}")
    return value


# --- spider arguments --------------------------------------------------------------------------
def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def check_spider_arguments(spidercls: Any, *, since: str | None = None, until: str | None = None,
                           urls: str | None = None, channels: str | None = None,
                           name: str = "{}", today: date | None = None) -> None:
    """Refuse (:class:`ArgumentError`) what a crawl of ``spidercls`` would misread: a bad date,
    ``since`` after ``until``, an empty or non-http ``urls``, an empty or unknown ``channels``.
    ``name`` formats argument names in messages (``"--{}"`` for the command line)."""
    today = today or datetime.now(dates.BEIJING).date()
    days: dict[str, date] = {}
    for arg, value in (("since", since), ("until", until)):
        if value is None:
            continue
        try:
            days[arg] = dates.parse_day(str(value), today=today)
        except ValueError as exc:
            raise ArgumentError(f"{name.format(arg)}: {exc}") from None
        except OverflowError:  # "99999999d"
            raise ArgumentError(f"{name.format(arg)}: {value!r} is too far back") from None
    first, last = days.get("since"), days.get("until", today)
    if first is not None and first > last:
        until_text = last.isoformat() if "until" in days else f"{last.isoformat()} (today)"
        raise ArgumentError(f"{name.format('since')} {first.isoformat()} is after {name.format('until')} "
                            f"{until_text}: the window is empty")
    if urls is not None:
        listed = _split(str(urls))
        if not listed:
            raise ArgumentError(f"{name.format('urls')} holds no URL (leave it out to crawl the sites' lists)")
        for url in listed:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ArgumentError(f"{name.format('urls')}: not an http(s) URL: {url!r}")
    if channels is not None:
        listed = _split(str(channels))
        if not listed:
            raise ArgumentError(f"{name.format('channels')} holds no channel (leave it out to crawl every channel)")
        known = getattr(spidercls, "channels", None) or {}
        unknown = sorted(set(listed) - set(known))
        if unknown:
            raise ArgumentError(f"{getattr(spidercls, 'name', spidercls)}: unknown channel(s) "
                                f"{', '.join(unknown)}; known: {', '.join(sorted(known))}")


#: the spider arguments :func:`check_spider_arguments` checks
SPIDER_ARGUMENTS = ("since", "until", "urls", "channels")


def spider_arguments_error(spidercls: Any, spargs: dict[str, Any]) -> str | None:
    """For ``scrapy crawl``: why its ``-a`` arguments would be refused by a healthcrawl spider
    (one line), or None (also for a spider that is not a healthcrawl one)."""
    if not hasattr(spidercls, "channels"):
        return None
    try:
        check_spider_arguments(spidercls, **{k: v for k, v in spargs.items() if k in SPIDER_ARGUMENTS})
    except ArgumentError as exc:
        return str(exc)
    return None


def run_command(add_parser: Callable[[Any], Any], command: str, argv: list[str] | None = None) -> int:
    """One ``healthcrawl`` subcommand run on its own (``python -m healthcrawl.cli.<command>``):
    the same parser and handler as the ``healthcrawl`` command's."""
    parser = Parser(prog="healthcrawl")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args([command, *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)
