"""The ``healthcrawl`` command.

    healthcrawl demo                       crawl the bundled offline archive into the embedded MongoDB
    healthcrawl crawl [SITE …] [--since …]  crawl the live sites (all four by default)
    healthcrawl mongo start|stop|status    manage the embedded mongod
    healthcrawl fixture URL --site SITE    save one live page as a test fixture (online)
    healthcrawl score / rescore            relevance scoring of JSON lines / of stored articles
    healthcrawl bulletin --since --until   the weekly bulletin (docx, md, html) from stored articles
    healthcrawl export --since --until     stored articles as csv or jsonl
    healthcrawl runs                       recent crawl runs per spider, with anomaly flags
    healthcrawl schedule run --file F      run spiders on scrapyd on a cron schedule
"""

from __future__ import annotations

import argparse
import sys

from healthcrawl.arguments import Parser, database_name, log_level
from healthcrawl.cli.crawl import SITE_KEYS, cmd_crawl
from healthcrawl.cli.demo import DEMO_DATABASE, cmd_demo
from healthcrawl.cli.fixture import cmd_fixture
from healthcrawl.cli.mongo import cmd_mongo
from healthcrawl.cli.score import cmd_rescore, cmd_score


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="healthcrawl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="crawl the bundled offline archive into the embedded MongoDB")
    p.add_argument("--database", default=DEMO_DATABASE, type=database_name)
    p.add_argument("--out", default="var/demo", help="folder for the demo week's bulletin")
    p.add_argument("--log-level", default="WARNING", type=log_level)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", help="crawl the live sites")
    p.add_argument("sites", nargs="*", metavar="SITE", help=f"any of {', '.join(SITE_KEYS)} (default: all)")
    p.add_argument("--since")
    p.add_argument("--until")
    p.add_argument("--urls")
    p.add_argument("--channels")
    p.add_argument("--database", type=database_name)
    p.add_argument("--log-level", default="INFO", type=log_level)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("mongo", help="manage the embedded mongod")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.set_defaults(func=cmd_mongo)

    p = sub.add_parser("fixture", help="save one live page as a test fixture (online)")
    p.add_argument("url")
    p.add_argument("--site", required=True, choices=SITE_KEYS)
    p.add_argument("--name", help="fixture directory name (default: from the URL)")
    p.add_argument("--dest", default="tests/fixtures")
    p.set_defaults(func=cmd_fixture)

    from healthcrawl.cli.bulletin import add_bulletin_parser
    from healthcrawl.cli.export import add_export_parser

    from healthcrawl.cli.runs import add_runs_parser
    from healthcrawl.cli.schedule import add_schedule_parser

    add_bulletin_parser(sub)
    add_export_parser(sub)
    add_runs_parser(sub)
    add_schedule_parser(sub)

    p = sub.add_parser("score", help="score JSON lines {title, text} from stdin")
    p.set_defaults(func=cmd_score)
    p = sub.add_parser("rescore", help="re-score stored articles after a lexicon change")
    p.add_argument("--database", type=database_name)
    p.set_defaults(func=cmd_rescore)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
