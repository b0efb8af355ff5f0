"""One benchmark crawl in its own process: ``healthcrawl crawl``'s code path (all four spiders in
one Scrapy process, every pipeline, a real mongod through ``MONGO_URI``), plus a small extension
counting article-page responses. Writes a JSON report (``--out``): articles produced, stored,
reprints, article pages and requests, crawl time (first spider opened → last closed), peak RSS
of this process (``VmHWM``) and its RSS at start-up.

    python bench/crawl_worker.py --out report.json --settings '{"HEALTHCRAWL_REPLAY_DIR": "…"}'
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # the project root instead of bench/ (whose names must not shadow packages)

from scrapy import signals  # noqa: E402

STATS = "healthcrawl/bench"


class ArticlePages:
    """Counts responses to article-page requests (first and later pages of articles)."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def response_received(self, response, request, spider) -> None:
        if request.callback is not None and request.callback == getattr(spider, "parse_article", None):
            self.crawler.stats.inc_value(f"{STATS}/article_pages")


def proc_status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--settings", default="{}")
    parser.add_argument("--since", required=True)
    parser.add_argument("--until", required=True)
    args = parser.parse_args()
    overrides = json.loads(args.settings)
    from healthcrawl.cli import SITE_KEYS, run_crawl, _project_settings  # noqa: PLC0415

    extensions = dict(_project_settings().getdict("EXTENSIONS"))
    extensions["bench.crawl_worker.ArticlePages"] = 900
    overrides["EXTENSIONS"] = extensions
    started = time.monotonic()
    code, results = run_crawl(list(SITE_KEYS), overrides, {"since": args.since, "until": args.until})
    wall = time.monotonic() - started

    def total(key: str) -> int:
        return sum(int(r["stats"].get(key, 0) or 0) for r in results)

    starts = [r["stats"]["start_time"] for r in results if r["stats"].get("start_time")]
    ends = [r["stats"]["finish_time"] for r in results if r["stats"].get("finish_time")]
    report = {
        "exit_code": code,
        "articles": total("healthcrawl/spider/articles"),
        "stored": total("healthcrawl/mongo/written"),
        "reprints": total("healthcrawl/mongo/also_at"),
        "dropped": total("item_dropped_count"),
        "skipped_known": total("healthcrawl/spider/skipped_known"),
        "article_pages": total(f"{STATS}/article_pages"),
        "list_pages": total("healthcrawl/spider/list_pages"),
        "requests": total("downloader/request_count"),
        "responses": total("response_received_count"),
        "errors": total("log_count/ERROR"),
        "crawl_s": (max(ends) - min(starts)).total_seconds() if starts and ends else wall,
        "run_crawl_s": wall,
        "peak_rss_mb": proc_status_mb("VmHWM"),
        "cpu_s": (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)),
        "startup_rss_mb": max((r["stats"].get("memusage/startup", 0) for r in results), default=0) / 2**20,
        "finish_reasons": {r["spider"]: r["stats"].get("finish_reason") for r in results},
        "per_spider": {r["spider"]: {k: v for k, v in r["stats"].items()
                                     if isinstance(v, (int, float)) and (k.startswith("healthcrawl/")
                                                                         or k.startswith("downloader/"))}
                       for r in results},
    }
    args.out.write_text(json.dumps(report, default=str), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
