"""``healthcrawl bulletin``: write the weekly bulletin from the stored articles."""

from __future__ import annotations

import argparse
import sys

from healthcrawl.arguments import ArgumentError, Parser
from healthcrawl.cli.export import add_database_option
from healthcrawl.project import project_settings
from healthcrawl.reports.bulletin import build_bulletin
from healthcrawl.reports.render import FORMATS
from healthcrawl.reports.select import read_pick_file
from healthcrawl.reports.source import day_argument, open_articles


# --- command line -----------------------------------------------------------------------------------
def add_bulletin_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``healthcrawl bulletin`` on an argparse subparsers object (handler: :func:`main`)."""
    p = subparsers.add_parser(
        "bulletin", help="write the weekly bulletin (docx, md or html) from the stored articles",
        description="Write the weekly bulletin from the articles stored in MongoDB: the relevant "
                    "articles published in [--since, --until] (Beijing time), best score first, "
                    "or the articles of a pick list / picked in the database.")
    configure_parser(p)
    p.set_defaults(func=main)
    return p


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    settings = project_settings()
    p.add_argument("--since", type=day_argument, required=True, metavar="YYYY-MM-DD",
                   help="first Beijing day of the issue: YYYY-MM-DD, today, or Nd (N days ago, e.g. 7d); required")
    p.add_argument("--until", type=day_argument, required=True, metavar="YYYY-MM-DD",
                   help="last Beijing day, inclusive: YYYY-MM-DD, today or Nd; required; also the issue date "
                        "unless --issue-date")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="docx",
                   help=f"{', '.join(FORMATS)}: Word, Markdown or a web page (default: docx)")
    p.add_argument("--out", metavar="PATH",
                   help="output file or folder (default: ./bulletin-<issue date>.<format>)")
    p.add_argument("--pick", metavar="FILE",
                   help="a text file: the articles to use, one URL per line in bulletin order, # comments "
                        "(default: the articles picked in the database, else the best scored)")
    p.add_argument("--limit", type=int, metavar="N",
                   help=f"at most N articles, a whole number, 0 = all (default: setting HEALTHCRAWL_BULLETIN_LIMIT, "
                        f"now {settings.getint('HEALTHCRAWL_BULLETIN_LIMIT')})")
    p.add_argument("--issue-date", type=day_argument, metavar="YYYY-MM-DD",
                   help="date in the header: YYYY-MM-DD, today or Nd (default: --until)")
    p.add_argument("--centre", metavar="NAME",
                   help=f"centre name in the header (default: setting HEALTHCRAWL_BULLETIN_CENTRE, "
                        f"now {settings.get('HEALTHCRAWL_BULLETIN_CENTRE')})")
    add_database_option(p)
    return p


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    """``healthcrawl bulletin``: 0 written, 1 nothing written (empty week, unknown picks), 2 error."""
    if not isinstance(args, argparse.Namespace):
        args = configure_parser(Parser(prog="healthcrawl bulletin")).parse_args(args)
    from healthcrawl.storage.errors import StorageError
    from healthcrawl.text.redact import secrets

    settings = project_settings()
    pick = None
    if args.pick:
        try:
            pick = read_pick_file(args.pick)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"healthcrawl bulletin: cannot read the pick file {args.pick}: {exc}", file=sys.stderr)
            return 2
    try:
        client, collection = open_articles(settings, args.database)
    except ArgumentError as exc:
        print(f"healthcrawl bulletin: {exc}", file=sys.stderr)
        return 2
    except StorageError as exc:
        print(f"healthcrawl bulletin: {secrets(str(exc))}", file=sys.stderr)
        return 2
    try:
        result = build_bulletin(
            collection, args.since, args.until, fmt=args.fmt, out=args.out, pick=pick,
            limit=args.limit, issue_date=args.issue_date, centre=args.centre, settings=settings)
    except (ValueError, OSError) as exc:
        print(f"healthcrawl bulletin: {exc}", file=sys.stderr)
        return 2
    finally:
        client.close()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(result.message, file=sys.stdout if result.written else sys.stderr)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
