"""Figure 4 — peak memory (RSS) of the 5,000-article crawl.

The crawl of figure 1 (all four spiders in one process, every pipeline, the mongo writer thread);
the figure is the process's peak resident set size (``VmHWM`` read by the crawl process itself at
the end; mongod is a separate process and not counted). Baseline, same run: the process's RSS when
the crawl started (``memusage/startup``: interpreter, Scrapy, project code, settings), so the ratio
shows what crawling 5,000 articles adds. Goal: ≤ 400 MB.

    python bench/memory.py [--workdir DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import Context, standalone, verdict  # noqa: E402

GOAL_MB = 400


def measure(ctx: Context) -> str:
    crawl = ctx.first_crawl
    peak, startup = crawl["peak_rss_mb"], crawl["startup_rss_mb"]
    return (f"peak memory: {peak:.0f} MB RSS for {crawl['articles']} articles "
            f"= {peak / startup:.2f} x start-up RSS {startup:.0f} MB (goal: <= {GOAL_MB} MB) "
            f"{verdict(peak <= GOAL_MB)}")


if __name__ == "__main__":
    standalone(measure)
