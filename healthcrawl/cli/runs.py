"""``healthcrawl runs``: recent crawl runs per spider from the ``crawl_runs`` collection, with
anomalies flagged against each spider's own history (healthcrawl/ops/history.py).

    healthcrawl runs                          the last 10 runs of every spider
    healthcrawl runs --spider gmw --limit 30
    healthcrawl runs --site ce                ce's spiders, and ce's fallback-read share per day
    healthcrawl runs --database healthcrawl_demo --json

A line on stderr names the database read, and says so when it holds no runs (exit status 0).
"""

from __future__ import annotations

import argparse
import sys

from healthcrawl.text import redact
from healthcrawl.arguments import (ArgumentError, run_command, check_database, fail, positive_int,
                                   site_key)
from healthcrawl.cli.export import add_database_option
from healthcrawl.ops.history import (BASELINE, analyse, fallback_by_day, load_runs, render_by_day, render_json,
                                     render_text)


# --- the command -------------------------------------------------------------------------------
def read_line(collection, runs: dict[str, list], args: argparse.Namespace) -> str:
    """Which database the runs shown (``runs``: spider → entries) came from; when none match, why (no runs at all: where there are)."""
    from healthcrawl.reports.source import _others_with_articles as others_holding  # noqa: PLC0415

    name = collection.database.name
    if any(runs.values()):
        return f"{sum(map(len, runs.values()))} run(s) of {len(runs)} spider(s) from database {name}"
    if collection.estimated_document_count() == 0:
        line = f"database {name} holds no crawl runs at all"
        others = others_holding(collection)
        return line + (f" (runs are in {', '.join(others[:5])}: --database {others[0]})" if others else "")
    which = f"spider {args.spider}" if args.spider else f"site {args.site}" if args.site else "any spider"
    return f"database {name} holds no crawl runs of {which}"


def cmd_runs(args: argparse.Namespace) -> int:
    from healthcrawl.project import project_settings
    from healthcrawl.storage.client import open_database
    from healthcrawl.storage.collections import CRAWL_RUNS
    from healthcrawl.storage.errors import StorageError

    settings = project_settings({"MONGO_DATABASE": args.database} if args.database else None)
    try:
        check_database(settings.get("MONGO_DATABASE"))
        database = open_database(settings)
    except ArgumentError as exc:
        return fail("healthcrawl runs", exc)
    except StorageError as exc:
        return fail("healthcrawl runs", redact.secrets(exc))
    with database:
        collection = database.collection(CRAWL_RUNS)
        runs = load_runs(collection, args.spider, args.limit, args.baseline, args.site)
        analysed = analyse(runs, args.limit, args.baseline,
                           max_fallback_share=settings.getfloat("HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE"))
        print(read_line(collection, analysed, args), file=sys.stderr)
    by_day = fallback_by_day(analysed) if args.site else None
    if args.json:
        render_json(analysed, by_day=by_day)
    else:
        render_text(analysed)
        if by_day is not None:
            render_by_day(args.site, by_day)
    return 0


def add_runs_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("runs", help="recent crawl runs per spider, anomalies flagged",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spider", metavar="NAME",
                   help="only this spider's runs: a spider name as `scrapy list` prints it (default: every spider)")
    p.add_argument("--site", type=site_key, metavar="SITE",
                   help="only this site's spiders (gmw, chinanews, ce, cnii …), and its share of "
                        "fallback-read articles per day (default: every site)")
    p.add_argument("--limit", type=positive_int, default=10, metavar="N",
                   help="runs shown per spider, a whole number ≥ 1 (default: 10)")
    p.add_argument("--baseline", type=positive_int, default=BASELINE, metavar="N",
                   help=f"successful earlier runs whose median is the baseline, a whole number ≥ 1 "
                        f"(default: {BASELINE})")
    add_database_option(p)
    p.add_argument("--json", action="store_true",
                   help="one JSON document on stdout, runs by spider (default: a table per spider)")
    p.set_defaults(func=cmd_runs)
    return p


def main(argv: list[str] | None = None) -> int:
    """``python -m healthcrawl.cli.runs``: the ``healthcrawl runs`` subcommand on its own."""
    return run_command(add_runs_parser, "runs", argv)


if __name__ == "__main__":
    sys.exit(main())
