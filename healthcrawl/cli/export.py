"""``healthcrawl export``: the stored articles of a window as CSV or JSON lines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from healthcrawl.arguments import ArgumentError, Parser, check_database, database_name, fail
from healthcrawl.project import project_settings
from healthcrawl.reports.export import FORMATS, day_argument, export, open_articles


# --- command line ----------------------------------------------------------------------------------
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
                   help="first day (Beijing time), or e.g. 7d; default: no lower bound")
    p.add_argument("--until", type=day_argument, metavar="YYYY-MM-DD",
                   help="last day, inclusive (Beijing time); default: no upper bound")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="csv")
    p.add_argument("--all", dest="include_all", action="store_true",
                   help="every stored article, not only the relevant ones")
    p.add_argument("--out", default="-", metavar="PATH", help="output file (default: stdout)")
    p.add_argument("--database", type=database_name, help="MongoDB database (default: the MONGO_DATABASE setting)")
    return p


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    """``healthcrawl export``: 0 on success (also when nothing matched), 2 on a usage/storage error."""
    if not isinstance(args, argparse.Namespace):
        args = configure_parser(Parser(prog="healthcrawl export")).parse_args(args)
    from healthcrawl.text.redact import secrets
    from healthcrawl.storage.errors import StorageError

    settings = project_settings()
    try:
        check_database(args.database or settings.get("MONGO_DATABASE") or "healthcrawl")
        client, collection = open_articles(settings, args.database)
    except ArgumentError as exc:
        return fail("healthcrawl export", exc)
    except StorageError as exc:
        return fail("healthcrawl export", secrets(exc))
    try:
        result = export(collection, args.since, args.until, args.fmt,
                        None if args.out in (None, "-") else Path(args.out), args.include_all)
    except (ValueError, OSError) as exc:
        return fail("healthcrawl export", secrets(exc))
    finally:
        client.close()
    what = "article(s)" if args.include_all else "relevant article(s)"
    print(result.message.replace("article(s)", what, 1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
