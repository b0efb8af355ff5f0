"""``healthcrawl schedule``: a calendar for scrapyd, which has none.

A schedule file (TOML or JSON, see ``schedule.example.toml``) says which spiders run when (cron
expressions in the file's time zone, Beijing by default) with which spider arguments.
``healthcrawl schedule run --file F --scrapyd URL`` is a long-running process (one per
deployment: run it under systemd/supervisor) that, every ``--interval`` seconds:

1. finds each job's cron fire times since its previous pass (the last pass is kept in a state
   file, so fire times that passed while the scheduler was down are known);
2. the newest due fire time is scheduled through scrapyd's ``schedule.json`` — unless the same
   spider is already pending or running on a scrapyd node (``listjobs.json``): then the run is
   **skipped** and recorded; a fire time found more than ``misfire_grace`` seconds late, and
   older ones passed over, are recorded as **missed**;
3. jobs it scheduled are watched: when scrapyd lists one as finished, its ``crawl_runs`` entry
   must exist and be closed; if not (the process died, or never reached its first request) the
   run is recorded as **failed**. A job that closed with another reason than ``finished`` is
   already recorded (and alerted) by the job itself.

Skipped, missed and failed runs are logged, written to ``crawl_runs`` as ``kind: "schedule"``
entries (so ``healthcrawl runs`` shows them) and alerted through ``HEALTHCRAWL_ALERT_WEBHOOK``
(``alert_on`` in the file chooses which). ``healthcrawl schedule check`` validates a file and
prints the next fire times; ``run --once`` makes one pass (for a system cron or a test) and exits
1 when a run of that pass failed.

A file is refused with one line naming the job and key (exit 2) when a value has the wrong type
(``misfire_grace = "fifteen minutes"``, ``args`` not a table, ``enabled = "false"`` as a string),
a key is unknown, or a cron expression is invalid or never fires (``0 6 30 2 *``). Within a pass,
an error in one job (or one watched scrapyd job) is that job's ``failed`` event: the other jobs
still run and the state still advances, so the same fire times are not looked at again.

Why a process rather than crontab lines: "never twice at once" and "a missed or failed run is
visible" need state (what was scheduled, what scrapyd says about it, when the last pass was);
crontab lines would still need this program on every fire and lose the missed-while-down check.

scrapyd credentials come from ``SCRAPYD_USERNAME`` / ``SCRAPYD_PASSWORD`` (the variables
scrapyd itself reads). Settings passed to jobs appear in scrapyd's "Process started" log line, so
the schedule file refuses setting names or values that look like secrets: ``MONGO_URI`` and the
webhook belong in the scrapyd host's environment.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any, Callable

from healthcrawl.ops.cron import RunStore, Scheduler
from healthcrawl.ops.schedule import ScheduleError, load_schedule
from healthcrawl.ops.scrapyd import ScrapydClient
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
            from croniter import croniter

            nxt = croniter(job.cron, now.astimezone(schedule.tz)).get_next(datetime)
            state = "" if job.enabled else "  (disabled)"
            print(f"  {job.name:<20} {job.spider:<10} {job.cron:<16} next {nxt:%Y-%m-%d %H:%M}  "
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
            for entry in scheduler.tick():
                if entry.get("event") == "scheduled":
                    print(f"scheduled {entry['spider']} as job {entry['job_id']}")
                else:
                    print(f"{entry['event']} {entry['spider']}: {entry['reason']}")
                    failed += entry.get("event") == "failed"
        else:
            scheduler.run_forever(args.interval)
    finally:
        store.close()
    if failed:
        print(f"healthcrawl schedule: {failed} run(s) failed in this pass", file=sys.stderr)
        return 1
    return 0


def add_schedule_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("schedule", help="run spiders on scrapyd by a cron schedule file",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("run", "check"), help="run: the scheduler; check: validate the file")
    p.add_argument("--file", required=True, help="schedule file (.toml or .json)")
    p.add_argument("--scrapyd", action="append", metavar="URL",
                   help="scrapyd URL (repeat for several nodes); default: 'scrapyd' in the file")
    p.add_argument("--state", default="var/schedule-state.json", help="state file (default %(default)s)")
    p.add_argument("--interval", type=float, default=30.0, help="seconds between passes (default 30)")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--database", help="MongoDB database for crawl_runs (default MONGO_DATABASE)")
    p.add_argument("--log-level", default="INFO")
    p.set_defaults(func=cmd_schedule)
    return p


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (``python -m healthcrawl.ops.schedule``), the same as the
    ``healthcrawl`` subcommand."""
    parser = argparse.ArgumentParser(prog="healthcrawl")
    sub = parser.add_subparsers(dest="command", required=True)
    add_schedule_parser(sub)
    args = parser.parse_args(["schedule", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
