"""``healthcrawl schedule check|run``: a calendar for scrapyd, which has none. A schedule file
(``schedule.example.toml``) says which spiders run when; ``run`` is a long-running process that
schedules due jobs through scrapyd, skips a spider already running, and records skipped, missed
and failed runs in ``crawl_runs`` (and alerts). README "Operations → Scheduling" says how to use it
and why it is a process rather than crontab lines."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any, Callable

from healthcrawl.arguments import database_name, log_level
from healthcrawl.ops.cron import RunStore, Scheduler
from healthcrawl.ops.schedule import ScheduleError, load_schedule
from healthcrawl.ops.scrapyd import ScrapydClient
from healthcrawl.arguments import run_command
from healthcrawl.project import project_settings


# --- the command -------------------------------------------------------------------------------
def _settings_alert(settings) -> Callable[[str, list[str]], Any]:
    from healthcrawl.ops.monitors import alert

    return lambda title, lines: alert(settings, title, lines)


def cmd_schedule(args: argparse.Namespace) -> int:
    try:
        schedule = load_schedule(args.file)
    except ScheduleError as exc:
        print(f"healthcrawl schedule: {exc}", file=sys.stderr)
        return 2
    if args.action == "check":
        now = datetime.now(timezone.utc)
        print(f"{args.file}: {len(schedule.jobs)} job(s), times in {schedule.timezone}, project {schedule.project}")
        for job in schedule.jobs:
            state = "" if job.enabled else "  (disabled)"
            print(f"  {job.name:<20} {job.spider:<10} {job.cron:<16} next {_next_fire(schedule, job, now)}  "
                  f"args {json.dumps(job.args, ensure_ascii=False)}{state}")
        return 0
    logging.basicConfig(level=args.log_level, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    urls = args.scrapyd or schedule.scrapyd
    if not urls:
        print("healthcrawl schedule: no scrapyd URL (--scrapyd or 'scrapyd' in the file)", file=sys.stderr)
        return 2
    settings = project_settings({"MONGO_DATABASE": args.database} if args.database else None)
    store = RunStore(settings)
    scheduler = Scheduler(schedule, [ScrapydClient(u) for u in urls], args.state, store,
                          _settings_alert(settings))
    failed = 0
    try:
        if args.once:
            first = scheduler.state.get("last_tick") is None
            now = datetime.now(timezone.utc)
            entries = scheduler.tick(now)
            if first:
                print(f"first pass (no {args.state} yet): nothing before now is due or missed; "
                      f"jobs start at their next fire time")
            failed = _report_pass(schedule, entries, now)
        else:
            scheduler.run_forever(args.interval)
    finally:
        store.close()
    if failed:
        print(f"healthcrawl schedule: {failed} run(s) failed in this pass", file=sys.stderr)
        return 1
    return 0


def _next_fire(schedule, job, now: datetime) -> str:
    from croniter import croniter

    return f"{croniter(job.cron, now.astimezone(schedule.tz)).get_next(datetime):%Y-%m-%d %H:%M %Z}"


def _report_pass(schedule, entries: list[dict], now: datetime) -> int:
    """One line per job of the pass (scheduled / skipped / missed / failed / not due / disabled,
    and its next fire time); returns the number of failed runs."""
    failed = 0
    for job in schedule.jobs:
        mine = [e for e in entries if e.get("schedule_name") == job.name]
        nxt = f"next {_next_fire(schedule, job, now)}"
        if not job.enabled:
            print(f"{job.name}: disabled")
        elif not mine:
            print(f"{job.name}: not due ({job.spider}) · {nxt}")
        for e in mine:
            if e["event"] == "scheduled":
                print(f"{job.name}: scheduled {job.spider} as job {e['job_id']} · {nxt}")
            else:
                print(f"{job.name}: {e['event']} {job.spider}: {e['reason']} · {nxt}")
                failed += e["event"] == "failed"
    return failed


def add_schedule_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("schedule", help="run spiders on scrapyd by a cron schedule file",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("run", "check"), help="run: the scheduler; check: validate the file")
    p.add_argument("--file", required=True, metavar="PATH",
                   help="schedule file, TOML or JSON (see schedule.example.toml); required")
    p.add_argument("--scrapyd", action="append", metavar="URL",
                   help="scrapyd URL such as http://127.0.0.1:6800, repeat for several nodes "
                        "(default: 'scrapyd' in the file)")
    p.add_argument("--state", default="var/schedule-state.json", metavar="PATH",
                   help="JSON file keeping the last runs between passes (default: %(default)s)")
    p.add_argument("--interval", type=float, default=30.0, metavar="SECONDS",
                   help="seconds between passes, a number (default: %(default)s)")
    p.add_argument("--once", action="store_true", help="one pass, then exit (default: run until stopped)")
    p.add_argument("--database", type=database_name, metavar="NAME",
                   help="MongoDB database for crawl_runs (default: the MONGO_DATABASE setting)")
    p.add_argument("--log-level", default="INFO", type=log_level, metavar="LEVEL",
                   help="DEBUG, INFO, WARNING, ERROR or CRITICAL (default: INFO)")
    p.set_defaults(func=cmd_schedule)
    return p


def main(argv: list[str] | None = None) -> int:
    """``python -m healthcrawl.cli.schedule``: the ``healthcrawl schedule`` subcommand on its own."""
    return run_command(add_schedule_parser, "schedule", argv)


if __name__ == "__main__":
    sys.exit(main())
