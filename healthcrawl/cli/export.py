"""``healthcrawl export``: the stored articles of a window as CSV or JSON lines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from healthcrawl.arguments import ArgumentError, Parser, database_name, fail
from healthcrawl.project import project_settings
from healthcrawl.reports.export import FORMATS, export
from healthcrawl.reports.source import day_argument, nothing_found, open_articles, window_filter


# --- command line ----------------------------------------------------------------------------------
def add_database_option(p: argparse.ArgumentParser, what: str = "MongoDB database to read",
                        dest: str = "database") -> None:
    """``--database NAME`` with its default as the settings give it now (MONGO_DATABASE)."""
    p.add_argument("--database", dest=dest, type=database_name, metavar="NAME",
                   help=f"{what} (default: the MONGO_DATABASE setting, now "
                        f"{project_settings().get('MONGO_DATABASE')})")


def add_export_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``healthcrawl export`` on an argparse subparsers object (handler: :func:`main`)."""
    p = subparsers.add_parser(
        "export", help="export stored articles as CSV (Excel) or JSON lines",
        description="Export stored articles published in a window of Beijing days. Relevant "
                    "articles only unless --all. CSV is UTF-8 with BOM (opens in Excel).")
    configure_parser(p)
    p.set_defaults(func=main)
    return p


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--since", type=day_argument, metavar="YYYY-MM-DD",
                   help="first Beijing day of publication: YYYY-MM-DD, today, or Nd (N days ago, e.g. 7d) "
                        "(default: no lower bound)")
    p.add_argument("--until", type=day_argument, metavar="YYYY-MM-DD",
                   help="last Beijing day, inclusive: YYYY-MM-DD, today or Nd (default: no upper bound)")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="csv",
                   help="csv (UTF-8 with BOM, opens in Excel) or jsonl (one JSON document per line) "
                        "(default: csv)")
    p.add_argument("--all", dest="include_all", action="store_true",
                   help="every stored article (default: only the relevant ones)")
    p.add_argument("--out", default="-", metavar="PATH", help="output file, - for stdout (default: stdout)")
    add_database_option(p)
    return p


def _empty_hint(collection, args: argparse.Namespace) -> str:
    """Why the export is empty, naming the database (and the --all way when only relevance hid them)."""
    what = "articles" if args.include_all else "relevant articles"
    line = nothing_found(collection, args.since, args.until, what)
    if not args.include_all:
        others = collection.count_documents(window_filter(args.since, args.until))
        if others:
            line += f"; {others} article(s) there are not marked relevant (--all exports them)"
    return line


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    """``healthcrawl export``: 0 on success (also when nothing matched, said in one line), 2 on a
    usage/storage error."""
    if not isinstance(args, argparse.Namespace):
        args = configure_parser(Parser(prog="healthcrawl export")).parse_args(args)
    from healthcrawl.text.redact import secrets
    from healthcrawl.storage.errors import StorageError

    try:
        client, collection = open_articles(project_settings(), args.database)
    except ArgumentError as exc:
        return fail("healthcrawl export", exc)
    except StorageError as exc:
        return fail("healthcrawl export", secrets(exc))
    try:
        result = export(collection, args.since, args.until, args.fmt,
                        None if args.out in (None, "-") else Path(args.out), args.include_all)
        hint = _empty_hint(collection, args) if result.count == 0 else ""
    except (ValueError, OSError) as exc:
        return fail("healthcrawl export", secrets(exc))
    finally:
        client.close()
    what = "article(s)" if args.include_all else "relevant article(s)"
    print(result.message.replace("article(s)", what, 1), file=sys.stderr)
    if hint:
        print(hint, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
