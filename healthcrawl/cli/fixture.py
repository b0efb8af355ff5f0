"""``healthcrawl fixture``: save one page as a test fixture, from the web, a saved file (``--page``)
or the replay mirror (``--replay-dir`` / HEALTHCRAWL_REPLAY_DIR); its expected.json is a draft."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_fixture(args: argparse.Namespace) -> int:
    from healthcrawl.crawl.fixtures import save_fixture
    from healthcrawl.project import project_settings

    url = args.url_option or args.url
    if not url:
        print("healthcrawl fixture: give the page's URL (URL or --url URL)", file=sys.stderr)
        return 2
    replay_dir = args.replay_dir or (None if args.page else project_settings().get("HEALTHCRAWL_REPLAY_DIR"))
    try:
        path = save_fixture(url, args.site, Path(args.dest), name=args.name, kind=args.kind,
                            page=Path(args.page) if args.page else None,
                            replay_dir=Path(replay_dir) if replay_dir else None)
    except Exception as exc:  # noqa: BLE001 - report any fetch/extract failure to the operator
        print(f"healthcrawl fixture: {exc}", file=sys.stderr)
        return 2
    print(f"saved {path}: expected.json is a draft; check every value against the page, correct the "
          f"wrong ones, delete its \"draft\" line, then run the site's tests")
    return 0


def add_fixture_parser(subparsers) -> None:
    from healthcrawl.crawl.sites import SITE_KEYS  # noqa: PLC0415

    p = subparsers.add_parser("fixture", help="save one page as a test fixture (web, saved file or replay mirror)")
    p.add_argument("url", nargs="?", help="the page's URL (or --url)")
    p.add_argument("--url", dest="url_option", metavar="URL", help="the page's URL")
    p.add_argument("--site", required=True, choices=SITE_KEYS)
    p.add_argument("--kind", choices=("article", "list"), default="article",
                   help="an article or a list page (default: article)")
    p.add_argument("--page", metavar="FILE", help="the page's saved bytes (offline; default: download it)")
    p.add_argument("--replay-dir", metavar="DIR",
                   help="read the page from this replay mirror (offline; default: HEALTHCRAWL_REPLAY_DIR if set)")
    p.add_argument("--name", help="fixture directory name (default: from the URL)")
    p.add_argument("--dest", default="tests/fixtures", help="fixtures folder (default: tests/fixtures)")
    p.set_defaults(func=cmd_fixture)
