"""``healthcrawl crawl``: crawl the live sites in one process and print a per-site summary."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from healthcrawl.arguments import ArgumentError, check_database, check_spider_arguments, fail
from healthcrawl.ops.failure import run_failures
from healthcrawl.project import project_settings
from healthcrawl.arguments import database_name, log_level
# the registry's sites (healthcrawl/crawl/sites.py); importable from here as before (demo, bench)
from healthcrawl.crawl.sites import SITE_KEYS


# --- crawling ------------------------------------------------------------------------------------
def run_crawl(spiders: list[str], settings_overrides: dict[str, Any], spider_args: dict[str, str]) -> tuple[int, list[dict]]:
    """Run spiders in one process; returns (exit code, per-spider stats)."""
    from scrapy.crawler import CrawlerProcess

    from healthcrawl.storage.client import preflight
    from healthcrawl.storage.errors import StorageError
    from healthcrawl.text.redact import secrets

    settings = project_settings(settings_overrides)
    # check storage once, before the crawlers start (the database answers and accepts writes with
    # the configured write concern, the spool folder is usable): one clear failure, not one per site
    try:
        uri = preflight(settings)
    except StorageError as exc:
        print(f"healthcrawl: storage unavailable: {secrets(exc)}", file=sys.stderr)
        return 1, []
    settings.set("MONGO_URI", uri, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    for name in spiders:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler, **spider_args)
    process.start()
    results = [{"spider": c.spidercls.name, "stats": c.stats.get_stats() if c.stats else {}} for c in crawlers]
    failed = any(run_failures(r["stats"]) for r in results)
    code = 1 if process.bootstrap_failed or failed else 0
    return code, results


def dropped_by_reason(stats: dict) -> dict[str, int]:
    """Items dropped by the pipelines, by reason (validate counts only drops; relevance drops
    the irrelevant items it does not keep for audit)."""
    dropped = {k.rsplit("/", 1)[1]: v for k, v in stats.items()
               if k.startswith("healthcrawl/validate/") and isinstance(v, int)}
    irrelevant = stats.get("healthcrawl/relevance/irrelevant", 0) - stats.get("healthcrawl/relevance/kept_irrelevant", 0)
    if irrelevant:
        dropped["irrelevant"] = irrelevant
    return dropped


def summarise(results: list[dict], out=sys.stdout) -> None:
    """Per-site lines: found, stored, reprints, already stored (skipped as known), dropped by
    reason, pages skipped, pages that could not be had, unreachable sites."""
    print(f"\n{'site':<10} {'found':>6} {'stored':>7} {'reprints':>9} {'known':>6}  dropped (by reason); "
          f"skipped pages; unreachable pages", file=out)
    for result in results:
        stats = result["stats"]
        name = result["spider"]
        found = stats.get("healthcrawl/spider/articles", 0)
        stored = stats.get("healthcrawl/mongo/written", 0)
        reprints = stats.get("healthcrawl/mongo/also_at", 0)
        known = stats.get("healthcrawl/spider/skipped_known", 0)
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(dropped_by_reason(stats).items())) or "none"
        skipped = ", ".join(f"{k.rsplit('/', 1)[1]}={v}" for k, v in sorted(stats.items())
                            if k.startswith("healthcrawl/spider/skipped/")) or "none"
        failed = stats.get("healthcrawl/spider/article_unreachable", 0) + stats.get("healthcrawl/spider/list_unreachable", 0)
        print(f"{name:<10} {found:>6} {stored:>7} {reprints:>9} {known:>6}  {dropped}; skipped {skipped}; "
              f"unreachable {failed or 'none'}", file=out)
        for page in stats.get("healthcrawl/spider/unreachable_pages") or []:
            print(f"{'':<10} unreachable: {page}", file=out)
        lists_ok = stats.get("healthcrawl/spider/list_pages", 0)
        lists_failed = stats.get("healthcrawl/spider/list_unreachable", 0)
        if lists_failed and not lists_ok:
            print(f"{name:<10} could not reach the site: all {lists_failed} list page(s) failed "
                  f"(see the log for the first error)", file=out)
        if stats.get("finish_reason") not in (None, "finished"):
            print(f"{name:<10} finished with reason {stats.get('finish_reason')}", file=out)


def cmd_crawl(args: argparse.Namespace) -> int:
    spiders = args.sites or list(SITE_KEYS)
    unknown = sorted(set(spiders) - set(SITE_KEYS))
    if unknown:
        return fail("healthcrawl crawl", f"unknown site(s) {', '.join(unknown)}; known: {', '.join(SITE_KEYS)}")
    overrides = {"LOG_LEVEL": args.log_level}
    if args.database:
        overrides["MONGO_DATABASE"] = args.database
    spider_args = {k: v for k, v in (("since", args.since), ("until", args.until),
                                     ("urls", args.urls), ("channels", args.channels)) if v is not None}
    # every argument is checked before the database is touched or a spider starts
    try:
        check_spider_args(spiders, spider_args, project_settings(overrides))
    except ArgumentError as exc:
        return fail("healthcrawl crawl", exc)
    code, results = run_crawl(spiders, overrides, spider_args)
    if results:
        summarise(results)
    return code


def check_spider_args(spiders: list[str], spider_args: dict[str, str], settings) -> None:
    """The crawl's database name and each spider's arguments (:class:`ArgumentError`)."""
    from scrapy.spiderloader import get_spider_loader

    check_database(settings.get("MONGO_DATABASE"))
    loader = get_spider_loader(settings)
    for name in spiders:
        check_spider_arguments(loader.load(name), name="--{}", **spider_args)


def add_crawl_parser(subparsers) -> None:
    p = subparsers.add_parser("crawl", help="crawl the live sites")
    p.add_argument("sites", nargs="*", metavar="SITE", help=f"any of {', '.join(SITE_KEYS)} (default: all)")
    p.add_argument("--since", help="YYYY-MM-DD (Beijing time) or 7d (default: the last 7 days)")
    p.add_argument("--until", help="YYYY-MM-DD (Beijing time) or today (default: today)")
    p.add_argument("--urls", help="comma-separated article URLs fetched directly, no discovery")
    p.add_argument("--channels", help="comma-separated channel names restricting discovery")
    p.add_argument("--database", type=database_name, help="database (default: MONGO_DATABASE, healthcrawl)")
    p.add_argument("--log-level", default="INFO", type=log_level, help="Scrapy log level (default: INFO)")
    p.set_defaults(func=cmd_crawl)
