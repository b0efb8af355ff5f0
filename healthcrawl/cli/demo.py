"""``healthcrawl demo``: crawl the bundled offline archive into the embedded MongoDB and write the
demo week's bulletin."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from healthcrawl.project import project_settings
from healthcrawl.cli.crawl import SITE_KEYS, run_crawl, summarise
from healthcrawl.arguments import database_name, log_level


#: the demo archive's week (healthcrawl/demo/manifest.json says the same)
DEMO_SINCE, DEMO_UNTIL = "2026-11-09", "2026-11-15"
DEMO_DATABASE = "healthcrawl_demo"
def demo_archive() -> Path:
    return Path(str(resources.files("healthcrawl.demo").joinpath("archive")))


def cmd_demo(args: argparse.Namespace) -> int:
    archive = demo_archive()
    if not archive.is_dir():
        print(f"the demo archive is missing at {archive}", file=sys.stderr)
        return 2
    overrides = {"HEALTHCRAWL_REPLAY_DIR": str(archive), "MONGO_DATABASE": args.database,
                 "LOG_LEVEL": args.log_level}
    print(f"healthcrawl demo: replaying {archive} (week {DEMO_SINCE} .. {DEMO_UNTIL}) "
          f"into MongoDB database {args.database!r}")
    code, results = run_crawl(list(SITE_KEYS), overrides, {"since": DEMO_SINCE, "until": DEMO_UNTIL})
    if results:
        summarise(results)
    if code == 0:
        _print_store_summary(args.database, DEMO_SINCE, DEMO_UNTIL)
        code = _demo_bulletin(args.database, Path(args.out))
    return code


def _demo_bulletin(database: str, out: Path) -> int:
    """The demo week's bulletin (every relevant article), as docx and md, and its contents."""
    from datetime import date

    from healthcrawl.reports.bulletin import build_bulletin
    from healthcrawl.storage.client import open_database
    from healthcrawl.storage.collections import ARTICLES

    settings = project_settings({"MONGO_DATABASE": database})
    since, until = date.fromisoformat(DEMO_SINCE), date.fromisoformat(DEMO_UNTIL)
    out.mkdir(parents=True, exist_ok=True)
    with open_database(settings) as db:
        coll = db.collection(ARTICLES)
        results = [build_bulletin(coll, since, until, fmt=fmt, out=out / f"bulletin-{DEMO_UNTIL}.{fmt}", limit=0,
                                  settings=settings)
                   for fmt in ("docx", "md")]
    if not results[0].written:
        print(f"no bulletin: {results[0].message}", file=sys.stderr)
        return 1
    print(f"\nbulletin {DEMO_SINCE} .. {DEMO_UNTIL}: {results[0].count} article(s) → "
          f"{results[0].path} and {results[1].path}\n一、信息目录")
    for n, item in enumerate(results[0].items, 1):
        print(f"{n:>3}. {item.title}（{item.site_name}）")
    return 0


def _print_store_summary(database: str, since: str, until: str) -> None:
    from healthcrawl.storage.client import open_database
    from healthcrawl.storage.collections import ARTICLES

    settings = project_settings({"MONGO_DATABASE": database})
    db = open_database(settings)
    coll = db.collection(ARTICLES)
    total = coll.count_documents({})
    relevant = coll.count_documents({"relevance.relevant": True})
    reprinted = coll.count_documents({"also_at.0": {"$exists": True}})
    print(f"\nMongoDB {database}.articles: {total} article(s), {relevant} relevant, "
          f"{reprinted} with reprints elsewhere (also_at)")
    db.close()


def add_demo_parser(subparsers) -> None:
    p = subparsers.add_parser("demo", help="crawl the bundled offline archive into the embedded MongoDB")
    p.add_argument("--database", default=DEMO_DATABASE, type=database_name, metavar="NAME",
                   help=f"MongoDB database to fill (default: {DEMO_DATABASE})")
    p.add_argument("--out", default="var/demo", metavar="DIR",
                   help="folder for the demo week's bulletin, created if missing (default: var/demo)")
    p.add_argument("--log-level", default="WARNING", type=log_level, metavar="LEVEL",
                   help="Scrapy log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (default: WARNING)")
    p.set_defaults(func=cmd_demo)
