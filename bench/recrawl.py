"""Figure 3 — incremental re-crawl: article pages requested by a second crawl of the same window.

After the crawl of figure 1, the same four spiders crawl the same window into the same database
again. List pages are fetched again; article links whose article is stored (or recorded as a
reprint in an original's ``also_at``) are skipped by healthcrawl/crawl/middlewares/known.py in one
MongoDB lookup per list page. Baseline, same run: the article pages the first crawl requested.
Goal: the second crawl requests at most 5 % of them.

Both crawls run with HEALTHCRAWL_KEEP_IRRELEVANT=1 (the crawl of figure 1, where every article
is stored). Without it, articles dropped as irrelevant are recorded in the ``dropped`` collection
and skipped the same way (tests/test_known.py); articles dropped by validation (no body, too
short) are fetched again by every crawl.

    python bench/recrawl.py [--workdir DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import Context, log, standalone, verdict  # noqa: E402

GOAL = 0.05


def measure(ctx: Context) -> str:
    first, second = ctx.first_crawl, ctx.second_crawl
    ratio = second["article_pages"] / first["article_pages"]
    log(f"incremental: first crawl {first['article_pages']} article pages, {first['list_pages']} list pages, "
        f"{first['crawl_s']:.1f}s; second crawl {second['article_pages']} article pages, "
        f"{second['list_pages']} list pages, {second['skipped_known']} links skipped as known, "
        f"{second['crawl_s']:.1f}s")
    return (f"incremental re-crawl: {second['article_pages']} article pages requested "
            f"= {ratio:.3f} x the first crawl's {first['article_pages']} "
            f"({second['skipped_known']} known articles skipped, {second['crawl_s']:.0f} s vs {first['crawl_s']:.0f} s) "
            f"(goal: ratio <= {GOAL}) {verdict(ratio <= GOAL)}")


if __name__ == "__main__":
    standalone(measure)
