"""The ``healthcrawl`` command: one module per command under healthcrawl/cli/, each adding its
parser with ``add_<command>_parser``.

    healthcrawl demo                       crawl the bundled offline archive into the embedded MongoDB
    healthcrawl crawl [SITE …] [--since …]  crawl the live sites (all four by default)
    healthcrawl mongo start|stop|status    manage the embedded mongod
    healthcrawl fixture URL --site SITE    save one live page as a test fixture (online)
    healthcrawl score / rescore            relevance scoring of JSON lines / of stored articles
    healthcrawl label URL relevant|irrelevant   an editor's label
    healthcrawl train                      retrain the learned relevance layer (ships only if no worse)
    healthcrawl bulletin --since --until   the weekly bulletin (docx, md, html) from stored articles
    healthcrawl export --since --until     stored articles as csv or jsonl
    healthcrawl search "医保支付"            full-text search of the stored articles (compound terms too)
    healthcrawl runs                       recent crawl runs per spider, with anomaly flags
    healthcrawl schedule run --file F      run spiders on scrapyd on a cron schedule
    healthcrawl desk [adduser NAME]        the editors' desk (web) over the stored articles
"""

from __future__ import annotations

import argparse
import sys

from healthcrawl.arguments import Parser
from healthcrawl.cli.bulletin import add_bulletin_parser
from healthcrawl.cli.crawl import add_crawl_parser
from healthcrawl.cli.demo import add_demo_parser
from healthcrawl.cli.desk import add_desk_parser
from healthcrawl.cli.export import add_export_parser
from healthcrawl.cli.fixture import add_fixture_parser
from healthcrawl.cli.mongo import add_mongo_parser
from healthcrawl.cli.newsite import add_newsite_parser
from healthcrawl.cli.runs import add_runs_parser
from healthcrawl.cli.schedule import add_schedule_parser
from healthcrawl.cli.score import add_score_parser
from healthcrawl.cli.search import add_search_parser

COMMANDS = (add_demo_parser, add_crawl_parser, add_mongo_parser, add_fixture_parser, add_score_parser,
            add_bulletin_parser, add_export_parser, add_runs_parser, add_schedule_parser, add_desk_parser,
            add_search_parser, add_newsite_parser)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="healthcrawl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
