"""``healthcrawl runs``: recent crawl runs per spider, with anomalies flagged (see :mod:`healthcrawl.ops.history`)."""

from __future__ import annotations

import argparse
import sys

from healthcrawl.text import redact
from healthcrawl.arguments import (ArgumentError, run_command, check_database, database_name, fail, positive_int,
                                   site_key)
from healthcrawl.ops.history import (BASELINE, analyse, fallback_by_day, load_runs, render_by_day, render_json,
                                     render_text)


# --- the command -------------------------------------------------------------------------------
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
        runs = load_runs(database.collection(CRAWL_RUNS), args.spider, args.limit, args.baseline, args.site)
    analysed = analyse(runs, args.limit, args.baseline,
                       max_fallback_share=settings.getfloat("HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE"))
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
    p.add_argument("--spider", help="only this spider")
    p.add_argument("--site", type=site_key,
                   help="only this site's spiders, and its share of fallback-read articles per day")
    p.add_argument("--limit", type=positive_int, default=10, help="runs shown per spider (default 10)")
    p.add_argument("--baseline", type=positive_int, default=BASELINE,
                   help=f"successful earlier runs whose median is the baseline (default {BASELINE})")
    p.add_argument("--database", type=database_name, help="MongoDB database (default MONGO_DATABASE)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=cmd_runs)
    return p


def main(argv: list[str] | None = None) -> int:
    """``python -m healthcrawl.cli.runs``: the ``healthcrawl runs`` subcommand on its own."""
    return run_command(add_runs_parser, "runs", argv)


if __name__ == "__main__":
    sys.exit(main())
