"""``healthcrawl search``: the stored articles holding a Chinese phrase, best text match first
(segmented like the text index, every word required, then the phrase check:
:mod:`healthcrawl.storage.search`).

    healthcrawl search 医保支付
    healthcrawl search "医保 数据" --since 2026-11-09 --until 2026-11-15 --site ce
    healthcrawl search 远程会诊 --database healthcrawl_demo --json

Exit status: 0 found, 1 nothing found (one line on stderr naming the database), 2 usage or
database error.
"""

from __future__ import annotations

import argparse
import json
import sys

from healthcrawl.arguments import ArgumentError, fail, positive_int, site_key
from healthcrawl.cli.export import add_database_option
from healthcrawl.reports.source import beijing_iso, day_argument, nothing_found, window_text

PROG = "healthcrawl search"
#: results shown when --limit is not given
DEFAULT_LIMIT = 20


def add_search_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``healthcrawl search`` on an argparse subparsers object (handler: :func:`main`)."""
    p = subparsers.add_parser("search", help="full-text search of the stored articles (Chinese phrases)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    configure_parser(p)
    p.set_defaults(func=main)
    return p


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("query", metavar="QUERY",
                   help="words or phrases; each space-separated part must occur as written in the title "
                        "or body (traditional characters find simplified ones)")
    p.add_argument("--since", type=day_argument, metavar="YYYY-MM-DD",
                   help="first Beijing day of publication, or today / 7d (default: no lower bound)")
    p.add_argument("--until", type=day_argument, metavar="YYYY-MM-DD",
                   help="last Beijing day of publication, inclusive, or today / 7d (default: no upper bound)")
    p.add_argument("--site", type=site_key, metavar="SITE",
                   help="only this site's articles: a site key such as gmw, chinanews, ce, cnii (default: all)")
    p.add_argument("--limit", type=positive_int, default=DEFAULT_LIMIT, metavar="N",
                   help=f"at most N results, a whole number ≥ 1 (default: {DEFAULT_LIMIT})")
    add_database_option(p)
    p.add_argument("--json", action="store_true",
                   help="one JSON array on stdout instead of one line per article (default: lines)")
    return p


def result_row(doc: dict) -> dict:
    """What the command shows of one result (times in Beijing time, ISO 8601)."""
    relevance = doc.get("relevance") or {}
    return {"published_at": beijing_iso(doc.get("published_at")), "site": doc.get("site"),
            "site_name": doc.get("site_name"), "title": doc.get("title"), "url": doc.get("url"),
            "search_score": round(doc.get("search_score") or 0.0, 3), "relevant": relevance.get("relevant"),
            "relevance_score": relevance.get("score")}


def render_lines(rows: list[dict]) -> None:
    for row in rows:
        day = (row["published_at"] or "")[:16].replace("T", " ") or "(no date)"
        print(f"{day}  {row['site'] or '?':<9} {row['search_score']:>6.2f}  {row['title']}\n"
              f"{'':17}  {row['url']}")


def _not_found(collection, args: argparse.Namespace) -> str:
    """One line for a search without results, naming the database (and saying when it is empty)."""
    if collection.estimated_document_count() == 0:
        return nothing_found(collection, args.since, args.until)
    where = " ".join(part for part in (window_text(args.since, args.until),
                                       f"on site {args.site}" if args.site else "") if part)
    return (f"database {collection.database.name}: no article holds {args.query!r}"
            + (f" ({where})" if where else ""))


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    """``healthcrawl search``: 0 found, 1 nothing found, 2 usage or database error."""
    import pymongo.errors  # noqa: PLC0415

    from healthcrawl.arguments import Parser  # noqa: PLC0415
    from healthcrawl.project import project_settings  # noqa: PLC0415
    from healthcrawl.reports.source import open_articles  # noqa: PLC0415
    from healthcrawl.storage.errors import StorageError  # noqa: PLC0415
    from healthcrawl.storage.search import search, text_search  # noqa: PLC0415
    from healthcrawl.text.redact import secrets  # noqa: PLC0415

    if not isinstance(args, argparse.Namespace):
        args = configure_parser(Parser(prog=PROG)).parse_args(args)
    if text_search(args.query) is None:
        return fail(PROG, f"the query {args.query!r} holds no word to search")
    if args.since and args.until and args.since > args.until:
        return fail(PROG, f"--since {args.since} is after --until {args.until}: the window is empty")
    try:
        client, collection = open_articles(project_settings(), args.database)
    except ArgumentError as exc:
        return fail(PROG, exc)
    except StorageError as exc:
        return fail(PROG, secrets(exc))
    try:
        rows = [] if collection.estimated_document_count() == 0 else [
            result_row(doc) for doc in search(collection.database, args.query, args.since, args.until,
                                              args.site, args.limit)]
        missing = _not_found(collection, args) if not rows else ""
    except pymongo.errors.PyMongoError as exc:  # e.g. a database whose articles lack the text index
        return fail(PROG, f"database {collection.database.name}: {secrets(exc)}")
    finally:
        client.close()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        render_lines(rows)
    name = collection.database.name
    print(missing or f"{len(rows)} article(s) from database {name}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
