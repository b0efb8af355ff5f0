"""``healthcrawl fixture URL --site SITE``: save one live page as a test fixture (online)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_fixture(args: argparse.Namespace) -> int:
    from healthcrawl.crawl.fixtures import save_fixture

    kind = getattr(args, "kind", None) or "article"
    try:
        path = save_fixture(args.url, args.site, Path(args.dest), name=args.name, kind=kind)
    except Exception as exc:  # noqa: BLE001 - report any fetch/extract failure to the operator
        print(f"healthcrawl fixture: {exc}", file=sys.stderr)
        return 2
    print(f"saved {path}: check every value of expected.json against the page, then run the site's tests")
    return 0


def add_fixture_parser(subparsers) -> None:
    from healthcrawl.crawl.sites import SITE_KEYS  # noqa: PLC0415

    p = subparsers.add_parser("fixture", help="save one live page as a test fixture (online)")
    p.add_argument("url")
    p.add_argument("--site", required=True, choices=SITE_KEYS)
    p.add_argument("--kind", choices=("article", "list"), default="article",
                   help="an article or a list page (default: article)")
    p.add_argument("--name", help="fixture directory name (default: from the URL)")
    p.add_argument("--dest", default="tests/fixtures", help="fixtures folder (default: tests/fixtures)")
    p.set_defaults(func=cmd_fixture)
