"""Figure 1 — end-to-end throughput: articles per second through every pipeline into MongoDB.

The generated corpus (bench/corpus.py, ≥ 5,000 articles in the four sites' markup, list pages
linking them) is replayed through all four spiders in one process (``healthcrawl crawl``'s code
path) into a real mongod started for the run. Rate = articles the spiders produced (each one
cleaned, validated, fingerprinted and looked up, scored, stored or recorded as a reprint) divided
by the crawl time (first spider opened → last spider closed). Baseline, same machine, same run:
``scrapy bench`` (Scrapy's own link-following spider against its local server, Scrapy defaults),
its steady-state pages per second, run just before and just after the crawl (the mean: this
machine is shared and its speed drifts). Goal: ratio ≥ 0.6.

    python bench/throughput.py [--workdir DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import Context, log, standalone, verdict  # noqa: E402

GOAL = 0.6


def measure(ctx: Context) -> str:
    bench = ctx.scrapy_bench  # scrapy bench, the crawl, scrapy bench again
    crawl = ctx.first_crawl
    rate = crawl["articles"] / crawl["crawl_s"]
    ratio = rate / bench["pages_per_s"]
    log(f"throughput: scrapy bench {bench['before']:.1f} pages/s before the crawl, {bench['after']:.1f} after")
    log(f"throughput: {crawl['articles']} articles ({crawl['stored']} stored, {crawl['reprints']} reprints, "
        f"{crawl['article_pages']} article pages, {crawl['requests']} requests) in {crawl['crawl_s']:.1f}s; "
        f"process wall time {crawl['process_wall_s']:.1f}s, CPU time {crawl['cpu_s']:.1f}s "
        f"({1000 * crawl['cpu_s'] / crawl['articles']:.1f} ms per article, start-up included); "
        f"CPU steal by other machines during the crawl {100 * crawl['steal']:.0f} %")
    return (f"throughput: {rate:.1f} articles/s ({crawl['articles']} articles in {crawl['crawl_s']:.0f} s) "
            f"= {ratio:.2f} x scrapy bench {bench['pages_per_s']:.1f} pages/s "
            f"(goal: ratio >= {GOAL}) {verdict(ratio >= GOAL)}")


if __name__ == "__main__":
    standalone(measure)
