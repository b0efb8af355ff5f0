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
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from healthcrawl.arguments import (ArgumentError, Parser, check_database, check_spider_arguments, database_name,
                                   fail, log_level)
from healthcrawl.failure import run_failures
from healthcrawl.project import project_settings as _project_settings

SITE_KEYS = ("gmw", "chinanews", "ce", "cnii")
#: the demo archive's week (healthcrawl/demo/manifest.json says the same)
DEMO_SINCE, DEMO_UNTIL = "2026-11-09", "2026-11-15"
DEMO_DATABASE = "healthcrawl_demo"


# --- crawling ------------------------------------------------------------------------------------
def run_crawl(spiders: list[str], settings_overrides: dict[str, Any], spider_args: dict[str, str]) -> tuple[int, list[dict]]:
    """Run spiders in one process; returns (exit code, per-spider stats)."""
    from scrapy.crawler import CrawlerProcess

    from healthcrawl import storage
    from healthcrawl.redact import secrets

    settings = _project_settings(settings_overrides)
    # check storage once, before the crawlers start (the database answers and accepts writes with
    # the configured write concern, the spool folder is usable): one clear failure, not one per site
    try:
        uri = storage.preflight(settings)
    except storage.StorageError as exc:
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
    """Per-site lines: found, stored, reprints, dropped by reason, pages skipped, unreachable sites."""
    print(f"\n{'site':<10} {'found':>6} {'stored':>7} {'reprints':>9}  dropped (by reason); skipped pages", file=out)
    for result in results:
        stats = result["stats"]
        name = result["spider"]
        found = stats.get("healthcrawl/spider/articles", 0)
        stored = stats.get("healthcrawl/mongo/written", 0)
        reprints = stats.get("healthcrawl/mongo/also_at", 0)
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(dropped_by_reason(stats).items())) or "none"
        skipped = ", ".join(f"{k.rsplit('/', 1)[1]}={v}" for k, v in sorted(stats.items())
                            if k.startswith("healthcrawl/spider/skipped/")) or "none"
        print(f"{name:<10} {found:>6} {stored:>7} {reprints:>9}  {dropped}; skipped {skipped}", file=out)
        lists_ok = stats.get("healthcrawl/spider/list_pages", 0)
        lists_failed = stats.get("healthcrawl/spider/list_unreachable", 0)
        if lists_failed and not lists_ok:
            print(f"{name:<10} could not reach the site: all {lists_failed} list page(s) failed "
                  f"(see the log for the first error)", file=out)
        if stats.get("finish_reason") not in (None, "finished"):
            print(f"{name:<10} finished with reason {stats.get('finish_reason')}", file=out)


def demo_archive() -> Path:
    return Path(str(resources.files("healthcrawl.demo").joinpath("archive")))


def cmd_demo(args: argparse.Namespace) -> int:
    archive = demo_archive()
    if not archive.is_dir():
        print(f"the demo archive is missing at {archive}", file=sys.stderr)
        return 2
    overrides = {"HEALTHCRAWL_REPLAY_DIR": str(archive), "MONGO_DATABASE": args.database,
                 "LOG_LEVEL": args.log_level}
    print(f"healthcrawl demo: replaying {archive} (week {DEMO_SINCE} .. {DEMO_UNTIL}) "
          f"into MongoDB database {args.database!r}")
    code, results = run_crawl(list(SITE_KEYS), overrides, {"since": DEMO_SINCE, "until": DEMO_UNTIL})
    if results:
        summarise(results)
    if code == 0:
        _print_store_summary(args.database, DEMO_SINCE, DEMO_UNTIL)
        code = _demo_bulletin(args.database, Path(args.out))
    return code


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
        check_spider_args(spiders, spider_args, _project_settings(overrides))
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


def _demo_bulletin(database: str, out: Path) -> int:
    """The demo week's bulletin (every relevant article), as docx and md, and its contents."""
    from datetime import date

    from healthcrawl import storage
    from healthcrawl.bulletin import build_bulletin

    settings = _project_settings({"MONGO_DATABASE": database})
    client = storage.connect(storage.resolve_mongo_uri(settings))
    coll = client[database][storage.ARTICLES]
    since, until = date.fromisoformat(DEMO_SINCE), date.fromisoformat(DEMO_UNTIL)
    out.mkdir(parents=True, exist_ok=True)
    results = [build_bulletin(coll, since, until, fmt=fmt, out=out / f"bulletin-{DEMO_UNTIL}.{fmt}", limit=0,
                              centre=settings.get("HEALTHCRAWL_BULLETIN_CENTRE"),
                              scope=settings.get("HEALTHCRAWL_BULLETIN_SCOPE"))
               for fmt in ("docx", "md")]
    client.close()
    if not results[0].written:
        print(f"no bulletin: {results[0].message}", file=sys.stderr)
        return 1
    print(f"\nbulletin {DEMO_SINCE} .. {DEMO_UNTIL}: {results[0].count} article(s) → "
          f"{results[0].path} and {results[1].path}\n一、信息目录")
    for n, item in enumerate(results[0].items, 1):
        print(f"{n:>3}. {item.title}（{item.site_name}）")
    return 0


def _print_store_summary(database: str, since: str, until: str) -> None:
    from healthcrawl import storage

    settings = _project_settings({"MONGO_DATABASE": database})
    client = storage.connect(storage.resolve_mongo_uri(settings))
    coll = client[database][storage.ARTICLES]
    total = coll.count_documents({})
    relevant = coll.count_documents({"relevance.relevant": True})
    reprinted = coll.count_documents({"also_at.0": {"$exists": True}})
    print(f"\nMongoDB {database}.articles: {total} article(s), {relevant} relevant, "
          f"{reprinted} with reprints elsewhere (also_at)")
    client.close()


# --- the embedded database -----------------------------------------------------------------------
def cmd_mongo(args: argparse.Namespace) -> int:
    from healthcrawl import mongod

    settings = _project_settings()
    dbpath = Path(settings.get("HEALTHCRAWL_MONGO_DBPATH")).resolve()
    port = settings.getint("HEALTHCRAWL_MONGO_PORT")
    try:
        if args.action == "start":
            server = mongod.ensure_running(dbpath, port, settings.getfloat("HEALTHCRAWL_MONGO_CACHE_GB"))
            print(f"mongod running: {server.uri} (pid {server.pid}, data {dbpath})")
        elif args.action == "stop":
            print("mongod stopped" if mongod.stop(dbpath) else "mongod was not running")
        else:
            server = mongod.status(dbpath)
            print(f"mongod running: {server.uri} (pid {server.pid}, data {dbpath})" if server
                  else f"mongod not running (data {dbpath})")
            return 0 if server else 3
    except mongod.EmbeddedMongoError as exc:
        print(f"healthcrawl mongo: {exc}", file=sys.stderr)
        return 2
    return 0


# --- fixtures ------------------------------------------------------------------------------------
def cmd_fixture(args: argparse.Namespace) -> int:
    from healthcrawl.fixtures import save_fixture

    try:
        path = save_fixture(args.url, args.site, Path(args.dest), name=args.name)
    except Exception as exc:  # noqa: BLE001 - report any fetch/extract failure to the operator
        print(f"healthcrawl fixture: {exc}", file=sys.stderr)
        return 2
    print(f"saved {path}: check expected.json, then run the site's tests")
    return 0


# --- relevance -----------------------------------------------------------------------------------
def cmd_score(args: argparse.Namespace) -> int:
    from healthcrawl.relevance import score_lines, scorer_from_settings

    try:
        score_lines(sys.stdin, sys.stdout, scorer=scorer_from_settings(_project_settings()))
    except ValueError as exc:
        return fail("healthcrawl score", exc)
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    from healthcrawl import storage
    from healthcrawl.relevance import rescore, scorer_from_settings

    from healthcrawl.redact import secrets

    settings = _project_settings({"MONGO_DATABASE": args.database} if args.database else None)
    try:
        check_database(settings.get("MONGO_DATABASE"))
        client = storage.connect(storage.resolve_mongo_uri(settings))
    except ArgumentError as exc:
        return fail("healthcrawl rescore", exc)
    except storage.StorageError as exc:
        return fail("healthcrawl rescore", secrets(exc))
    counts = rescore(client[settings.get("MONGO_DATABASE")][storage.ARTICLES],
                     scorer=scorer_from_settings(settings))
    print(json.dumps(counts, ensure_ascii=False))
    client.close()
    return 0


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

    from healthcrawl.bulletin import add_bulletin_parser
    from healthcrawl.export import add_export_parser

    from healthcrawl.runs import add_runs_parser
    from healthcrawl.schedule import add_schedule_parser

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
