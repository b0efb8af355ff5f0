"""``healthcrawl fixture URL --site SITE``: save one live page as a test fixture (online)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path



# --- fixtures ------------------------------------------------------------------------------------
def cmd_fixture(args: argparse.Namespace) -> int:
    from healthcrawl.crawl.fixtures import save_fixture

    try:
        path = save_fixture(args.url, args.site, Path(args.dest), name=args.name)
    except Exception as exc:  # noqa: BLE001 - report any fetch/extract failure to the operator
        print(f"healthcrawl fixture: {exc}", file=sys.stderr)
        return 2
    print(f"saved {path}: check expected.json, then run the site's tests")
    return 0
