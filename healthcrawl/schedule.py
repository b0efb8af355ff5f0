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
import base64
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo
from healthcrawl import redact
from healthcrawl.project import project_settings

logger = logging.getLogger("healthcrawl.schedule")

EVENTS = ("skipped", "missed", "failed")
DEFAULT_TIMEZONE = "Asia/Shanghai"
#: settings a schedule file may not pass to jobs (they would appear in scrapyd's logs)
_SECRET_NAME = re.compile(r"(URI|URL|PASSWORD|PASSWD|SECRET|TOKEN|KEY|WEBHOOK|CREDENTIAL)", re.I)
_CREDENTIALS_IN_URL = re.compile(r"\w+://[^/\s:@]*:[^/\s@]+@")
#: at most this many fire times are enumerated per pass (a per-minute cron after a week down)
MAX_FIRES = 10_000


class ScheduleError(ValueError):
    """The schedule file is not usable; the message says why."""




# --- the schedule file ---------------------------------------------------------------------------
@dataclass
class Job:
    name: str
    spider: str
    cron: str
    args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    #: schedule on every scrapyd node (a shared Redis frontier) instead of the first reachable one
    all_nodes: bool = False
    enabled: bool = True


@dataclass
class Schedule:
    jobs: list[Job]
    project: str = "healthcrawl"
    timezone: str = DEFAULT_TIMEZONE
    misfire_grace: float = 900.0
    alert_on: tuple[str, ...] = EVENTS
    scrapyd: list[str] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def valid_cron(expr: str) -> bool:
    from croniter import croniter

    return len(expr.split()) == 5 and croniter.is_valid(expr)


def cron_fires(expr: str) -> bool:
    """False for a valid expression that names no date (``0 6 30 2 *``: 30 February)."""
    from croniter import CroniterBadDateError, croniter

    try:
        croniter(expr, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        return False
    return True


def fire_times(expr: str, after: datetime, until: datetime, tz: ZoneInfo) -> list[datetime]:
    """Fire times t with ``after < t <= until`` (aware datetimes, in ``tz``)."""
    from croniter import croniter

    it = croniter(expr, after.astimezone(tz))
    out: list[datetime] = []
    while len(out) < MAX_FIRES:
        t = it.get_next(datetime)
        if t > until:
            break
        if t > after:
            out.append(t)
    return out


def _check_secret(where: str, key: str, value: Any) -> None:
    if _SECRET_NAME.search(key) or _CREDENTIALS_IN_URL.search(str(value)):
        raise ScheduleError(f"{where}: {key!r} looks like a secret or host setting; settings and "
                            f"arguments sent through schedule.json appear in scrapyd's logs: set it "
                            f"in the scrapyd host's environment instead")


_TYPE_NAMES = {str: "a string", bool: "true or false", dict: "a table", list: "an array",
               float: "a number"}
_TOP_KEYS = ("project", "timezone", "misfire_grace", "alert_on", "scrapyd", "jobs")
_JOB_KEYS = ("name", "spider", "cron", "args", "settings", "all_nodes", "enabled")


def _shown(value: Any) -> str:
    """A wrong value as the error shows it: scalars quoted (secrets hidden), tables and arrays
    by their kind only (they may hold anything)."""
    if isinstance(value, (dict, list)):
        return _TYPE_NAMES[type(value)]
    return redact.secrets(repr(value))[:80]


def _typed(where: str, key: str, value: Any, kind: type) -> Any:
    """``value`` if it is of ``kind`` (numbers: int or float, never a boolean), else a one-line
    :class:`ScheduleError` naming the key, what it must be and what it is."""
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise ScheduleError(f"{where}: {key!r} must be {_TYPE_NAMES[kind]}, not {_shown(value)}"
                            + (" (write it without quotes)" if kind in (bool, float) and isinstance(value, str)
                               else ""))
    return value


def _unknown_keys(where: str, raw: dict, known: tuple[str, ...]) -> None:
    unknown = sorted(set(map(str, raw)) - set(known))
    if unknown:
        raise ScheduleError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} "
                            f"(known: {', '.join(known)})")


def _table_of_scalars(where: str, key: str, raw: dict) -> dict[str, str]:
    table = _typed(where, key, raw.get(key, {}), dict)
    out = {}
    for k, v in table.items():
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise ScheduleError(f"{where}: {key}.{k} must be a string or a number, not {_shown(v)}")
        out[str(k)] = str(v)
    return out


def parse_schedule(data: dict[str, Any], source: str = "schedule") -> Schedule:
    if not isinstance(data, dict):
        raise ScheduleError(f"{source}: expected a table/object at the top")
    _unknown_keys(source, data, _TOP_KEYS)
    tzname = _typed(source, "timezone", data.get("timezone", DEFAULT_TIMEZONE), str)
    try:
        ZoneInfo(tzname)
    except Exception:  # noqa: BLE001
        raise ScheduleError(f"{source}: unknown timezone {tzname!r}") from None
    alert_on = _typed(source, "alert_on", data.get("alert_on", list(EVENTS)), list)
    unknown = {str(a) for a in alert_on} - set(EVENTS)
    if unknown:
        raise ScheduleError(f"{source}: alert_on knows {', '.join(EVENTS)}, not {', '.join(sorted(unknown))}")
    alert_on = tuple(alert_on)
    misfire_grace = float(_typed(source, "misfire_grace", data.get("misfire_grace", 900), float))
    if misfire_grace < 0:
        raise ScheduleError(f"{source}: 'misfire_grace' must be a number of seconds >= 0, not {misfire_grace:g}")
    project = _typed(source, "project", data.get("project", "healthcrawl"), str)
    raw_jobs = data.get("jobs") or []
    if not isinstance(raw_jobs, list) or not raw_jobs:
        raise ScheduleError(f"{source}: no [[jobs]] entries")
    jobs: list[Job] = []
    names: set[str] = set()
    for i, raw in enumerate(raw_jobs, 1):
        where = f"{source}: job {i}"
        if not isinstance(raw, dict) or not raw.get("spider") or not raw.get("cron"):
            raise ScheduleError(f"{where}: needs 'spider' and 'cron'")
        _unknown_keys(where, raw, _JOB_KEYS)
        for key in ("name", "spider", "cron"):
            if key in raw:
                _typed(where, key, raw[key], str)
        name = str(raw.get("name") or raw["spider"])
        where = f"{where} ({name})"
        if name in names:
            raise ScheduleError(f"{where}: the name {name!r} is used twice")
        names.add(name)
        cron = " ".join(str(raw["cron"]).split())
        if not valid_cron(cron):
            raise ScheduleError(f"{where}: invalid cron expression {cron!r} "
                                f"(five fields: minute hour day-of-month month day-of-week)")
        if not cron_fires(cron):
            raise ScheduleError(f"{where}: the cron expression {cron!r} never fires (no such date)")
        args = _table_of_scalars(where, "args", raw)
        settings = _table_of_scalars(where, "settings", raw)
        all_nodes = _typed(where, "all_nodes", raw.get("all_nodes", False), bool)
        enabled = _typed(where, "enabled", raw.get("enabled", True), bool)
        for key, value in args.items():
            if key.startswith("_") or key in ("project", "spider", "setting", "jobid"):
                raise ScheduleError(f"{where}: {key!r} is reserved by scrapyd")
            _check_secret(f"{where} args", key, value)
        for key, value in settings.items():
            _check_secret(f"{where} settings", key, value)
        jobs.append(Job(name=name, spider=raw["spider"], cron=cron, args=args, settings=settings,
                        all_nodes=all_nodes, enabled=enabled))
    scrapyd = data.get("scrapyd") or []
    if isinstance(scrapyd, str):
        scrapyd = [scrapyd]
    _typed(source, "scrapyd", scrapyd, list)
    for url in scrapyd:
        _typed(source, "scrapyd", url, str)
        _check_secret(f"{source}: scrapyd", "scrapyd", url)
    return Schedule(jobs=jobs, project=project, timezone=tzname, misfire_grace=misfire_grace,
                    alert_on=alert_on, scrapyd=list(scrapyd))


def load_schedule(path: str | Path) -> Schedule:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ScheduleError(f"{path}: invalid JSON: {exc}") from None
    else:
        try:
            import tomllib
        except ImportError:  # Python 3.10
            try:
                import tomli as tomllib  # type: ignore[no-redef]
            except ImportError:
                raise ScheduleError(f"{path}: TOML needs Python 3.11 or the tomli package; "
                                    f"or write the schedule as JSON") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScheduleError(f"{path}: invalid TOML: {exc}") from None
    return parse_schedule(data, str(path))


# --- scrapyd -----------------------------------------------------------------------------------
class ScrapydError(RuntimeError):
    pass


def redact_url(url: str) -> str:
    """Alias of :func:`healthcrawl.redact.secrets`."""
    return redact.secrets(url)


class ScrapydClient:
    """The few scrapyd JSON endpoints the scheduler needs (basic auth from the environment)."""

    def __init__(self, url: str, username: str | None = None, password: str | None = None, timeout: float = 15.0):
        self.url = url.rstrip("/") + "/"
        self.username = username if username is not None else os.environ.get("SCRAPYD_USERNAME")
        self.password = password if password is not None else os.environ.get("SCRAPYD_PASSWORD")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ScrapydClient({redact_url(self.url)})"

    def _call(self, endpoint: str, params: list[tuple[str, str]] | None = None, post: bool = False) -> dict:
        query = urllib.parse.urlencode(params or [])
        url = self.url + endpoint
        data = None
        if post:
            data = query.encode()
        elif query:
            url += "?" + query
        request = urllib.request.Request(url, data=data, method="POST" if post else "GET")
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            hint = " (check SCRAPYD_USERNAME/SCRAPYD_PASSWORD)" if exc.code == 401 else ""
            raise ScrapydError(f"scrapyd {redact_url(self.url)} {endpoint}: HTTP {exc.code}{hint}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ScrapydError(f"scrapyd {redact_url(self.url)} {endpoint}: {reason}") from None
        if body.get("status") != "ok":
            raise ScrapydError(f"scrapyd {redact_url(self.url)} {endpoint}: {body.get('message', body)}")
        return body

    def listjobs(self, project: str) -> dict[str, list[dict]]:
        body = self._call("listjobs.json", [("project", project)])
        return {k: body.get(k, []) for k in ("pending", "running", "finished")}

    def schedule(self, project: str, spider: str, args: dict[str, str] | None = None,
                 settings: dict[str, str] | None = None) -> str:
        params = [("project", project), ("spider", spider)]
        params += [("setting", f"{k}={v}") for k, v in (settings or {}).items()]
        params += list((args or {}).items())
        job_id = self._call("schedule.json", params, post=True).get("jobid")
        if not job_id:
            raise ScrapydError(f"scrapyd {redact_url(self.url)} schedule.json: answered ok without a job id")
        return str(job_id)


# --- where events go -----------------------------------------------------------------------------
class RunStore:
    """crawl_runs access for the scheduler; tolerant: a missing database is logged, not fatal."""

    def __init__(self, settings, database: str | None = None):
        self.settings = settings
        self.database = database or settings.get("MONGO_DATABASE", "healthcrawl")
        self.client = None
        self._warned = False

    def _collection(self):
        from healthcrawl import storage

        if self.client is None:
            try:
                self.client = storage.connect(storage.resolve_mongo_uri(self.settings),
                                              self.settings.getfloat("MONGO_CONNECT_TIMEOUT", 5.0))
                self._warned = False
            except Exception as exc:  # noqa: BLE001
                if not self._warned:
                    logger.error("schedule: crawl_runs unavailable (%s); events are only logged",
                                 storage.redact(str(exc))[:300])
                    self._warned = True
                return None
        return self.client[self.database][storage.CRAWL_RUNS]

    def record(self, event: dict[str, Any]) -> None:
        collection = self._collection()
        if collection is None:
            return
        try:
            collection.insert_one(dict(event))
        except Exception as exc:  # noqa: BLE001
            logger.error("schedule: could not record %s event: %s", event.get("event"), exc)
            self.close()

    def find_run(self, job_id: str) -> dict[str, Any] | None | bool:
        """The crawl run of a scrapyd job; None if absent; False if the database is unavailable."""
        collection = self._collection()
        if collection is None:
            return False
        try:
            return collection.find_one({"job_id": job_id, "kind": "crawl"}, {"_id": 0, "status": 1,
                                                                             "finish_reason": 1})
        except Exception:  # noqa: BLE001
            self.close()
            return False

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


# --- the scheduler -------------------------------------------------------------------------------
def _iso(t: datetime | None) -> str | None:
    return t.astimezone(timezone.utc).isoformat() if t else None


def _parse(t: str | None) -> datetime | None:
    return datetime.fromisoformat(t) if t else None


class Scheduler:
    def __init__(self, schedule: Schedule, clients: list[ScrapydClient], state_path: str | Path,
                 store: RunStore | None = None, alert: Callable[[str, list[str]], Any] | None = None):
        if not clients:
            raise ScheduleError("no scrapyd URL: give --scrapyd or 'scrapyd' in the schedule file")
        self.schedule = schedule
        self.clients = clients
        self.state_path = Path(state_path)
        self.store = store
        self.alert = alert
        self.state = self._load_state()
        self.host = socket.gethostname()
        self._listing_errors: list[str] = []  # why scrapyd nodes did not list their jobs this pass

    # -- state ----------------------------------------------------------------------------------
    def _load_state(self) -> dict[str, Any]:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        state.setdefault("last_tick", None)
        state.setdefault("watch", [])
        return state

    def _save_state(self) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(self.state_path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.state, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_path)

    # -- events ---------------------------------------------------------------------------------
    def event(self, kind: str, job: Job | None, spider: str, reason: str, fire: datetime | None,
              now: datetime, job_id: str | None = None) -> dict[str, Any]:
        doc = {
            "kind": "schedule", "event": kind, "spider": spider,
            "schedule_name": job.name if job else None, "job_id": job_id, "reason": reason,
            "scheduled_for": fire.astimezone(timezone.utc) if fire else None,
            "start_time": (fire or now).astimezone(timezone.utc),
            "recorded_at": now.astimezone(timezone.utc), "host": self.host,
        }
        log = logger.error if kind == "failed" else logger.warning
        log("schedule: %s %s (%s): %s", kind.upper(), spider, job.name if job else "-", reason)
        if self.store is not None:
            self.store.record(doc)
        if kind in self.schedule.alert_on and self.alert is not None:
            when = fire.astimezone(self.schedule.tz).strftime("%Y-%m-%d %H:%M %Z") if fire else "-"
            try:
                self.alert(f"healthcrawl schedule: {spider} run {kind}",
                           [reason, f"job {job.name if job else '-'} · due {when} · scheduler on {self.host}"])
            except Exception as exc:  # noqa: BLE001
                logger.error("schedule: alert failed: %s", exc)
        return doc

    # -- one pass -------------------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """One pass: schedule what is due, record skipped/missed/failed runs. Returns the events
        and scheduled jobs of this pass (``{"event": "scheduled", ...}`` for the latter)."""
        now = now or datetime.now(timezone.utc)
        last = _parse(self.state.get("last_tick"))
        if last is None or last > now:
            last = now  # first pass: nothing is due yet, nothing counts as missed
        out: list[dict[str, Any]] = []
        jobs_by_node: dict[int, dict[str, list[dict]]] | None = None

        def listings() -> dict[int, dict[str, list[dict]]]:
            nonlocal jobs_by_node
            if jobs_by_node is None:
                jobs_by_node = {}
                self._listing_errors = []
                for i, client in enumerate(self.clients):
                    try:
                        jobs_by_node[i] = client.listjobs(self.schedule.project)
                    except ScrapydError as exc:
                        logger.warning("schedule: %s", exc)
                        self._listing_errors.append(str(exc))
            return jobs_by_node

        try:
            if self.state["watch"]:
                out += self._check_watched(now, listings())
            for job in self.schedule.jobs:
                if not job.enabled:
                    continue
                try:
                    out += self._due(job, last, now, listings)
                except Exception as exc:  # noqa: BLE001 - one job's error must not stop the others
                    logger.debug("schedule: job %s failed", job.name, exc_info=True)
                    out.append(self.event("failed", job, job.spider, f"scheduler error in this job's pass: "
                                          f"{type(exc).__name__}: {redact_url(str(exc))[:300]}", None, now))
        finally:
            # the pass happened: fire times up to now are not looked at again, whatever failed
            self.state["last_tick"] = _iso(now)
            self._save_state()
        return out

    def _due(self, job: Job, last: datetime, now: datetime,
             listings: Callable[[], dict[int, dict[str, list[dict]]]]) -> list[dict[str, Any]]:
        """One job's part of a pass: its missed fire times, and its launch if one is due."""
        out: list[dict[str, Any]] = []
        fires = fire_times(job.cron, last, now, self.schedule.tz)
        if not fires:
            return out
        latest = fires[-1]
        passed_over = fires[:-1]
        late = (now - latest).total_seconds() > self.schedule.misfire_grace
        if late:
            passed_over = fires
        if passed_over:
            first, final = passed_over[0], passed_over[-1]
            span = (f"{first.strftime('%Y-%m-%d %H:%M')}" if first == final else
                    f"{first.strftime('%Y-%m-%d %H:%M')} .. {final.strftime('%Y-%m-%d %H:%M')}")
            out.append(self.event("missed", job, job.spider,
                                  f"{len(passed_over)} run(s) due {span} not started: the scheduler "
                                  f"was not running then (misfire grace {self.schedule.misfire_grace:g} s)",
                                  final, now))
        if late:
            return out
        return out + self._launch(job, latest, now, listings())

    def _active(self, spider: str, listing: dict[int, dict[str, list[dict]]]) -> list[str]:
        return [f"{j.get('id')} ({state} on node {i + 1})" for i, jobs in listing.items()
                for state in ("pending", "running") for j in jobs.get(state, []) if j.get("spider") == spider]

    def _launch(self, job: Job, fire: datetime, now: datetime,
                listing: dict[int, dict[str, list[dict]]]) -> list[dict[str, Any]]:
        if not listing:
            why = "; ".join(self._listing_errors)
            return [self.event("failed", job, job.spider, "no scrapyd node answered listjobs.json"
                               + (f" ({why})" if why else "") + ": run not scheduled", fire, now)]
        active = self._active(job.spider, listing)
        listed = {a.split(" ", 1)[0] for a in active}
        # jobs this scheduler started that scrapyd does not list as ended yet (or whose node is
        # not answering): never start the spider a second time on a guess
        active += [f"{w['job_id']} (started by this scheduler, not listed as ended)"
                   for w in self.state["watch"] if w["spider"] == job.spider and w["job_id"] not in listed]
        if active:
            return [self.event("skipped", job, job.spider,
                               f"{job.spider} is already pending/running: {', '.join(active)}", fire, now)]
        settings = dict(job.settings)
        nodes = sorted(listing) if job.all_nodes else [min(listing)]
        if job.all_nodes and len(nodes) > 1:
            settings.setdefault("HEALTHCRAWL_REDIS_FRONTIER", f"{job.name}-{fire.astimezone(timezone.utc):%Y%m%dT%H%M}")
        out = []
        for node in nodes:
            client = self.clients[node]
            try:
                job_id = client.schedule(self.schedule.project, job.spider, job.args, settings)
            except ScrapydError as exc:
                out.append(self.event("failed", job, job.spider, f"could not schedule: {exc}", fire, now))
                continue
            logger.info("schedule: started %s (%s) as job %s on %s, due %s", job.spider, job.name, job_id,
                        redact_url(client.url), fire.isoformat())
            self.state["watch"].append({"job_id": job_id, "name": job.name, "spider": job.spider,
                                        "node": node, "fire": _iso(fire), "scheduled_at": _iso(now),
                                        "seen": None})
            out.append({"event": "scheduled", "spider": job.spider, "job_id": job_id, "node": node,
                        "fire": fire})
        return out

    def _check_watched(self, now: datetime, listing: dict[int, dict[str, list[dict]]]) -> list[dict[str, Any]]:
        out = []
        keep = []
        jobs = {j.name: j for j in self.schedule.jobs}
        for w in self.state["watch"]:
            try:
                self._check_one(w, now, listing, jobs, out, keep)
            except Exception as exc:  # noqa: BLE001 - one bad entry must not stop the others
                logger.error("schedule: could not check job %s (%s): %s: %s; looking again next pass",
                             w.get("job_id"), w.get("spider"), type(exc).__name__, exc)
                keep.append(w)
        self.state["watch"] = keep
        return out

    def _check_one(self, w: dict[str, Any], now: datetime, listing: dict[int, dict[str, list[dict]]],
                   jobs: dict[str, Job], out: list[dict[str, Any]], keep: list[dict[str, Any]]) -> None:
        node = listing.get(w.get("node", 0))
        if node is None:  # that scrapyd did not answer: look again next pass
            keep.append(w)
            return
        state = next((s for s in ("pending", "running", "finished")
                      if any(j.get("id") == w["job_id"] for j in node.get(s, []))), None)
        if state in ("pending", "running"):
            w["seen"] = state
            keep.append(w)
            return
        scheduled_at = _parse(w.get("scheduled_at")) or now
        if state is None and (now - scheduled_at).total_seconds() < 60:
            keep.append(w)  # not listed yet (scrapyd's poller): give it a moment
            return
        run = self.store.find_run(w["job_id"]) if self.store is not None else False
        job = jobs.get(w["name"])
        fire = _parse(w.get("fire"))
        if run is False:
            logger.info("schedule: job %s (%s) ended; its run record could not be checked "
                        "(no database)", w["job_id"], w["spider"])
        elif run is None:
            why = ("scrapyd lists it as finished" if state == "finished"
                   else "scrapyd no longer lists it (restarted?)")
            out.append(self.event("failed", job, w["spider"], f"job {w['job_id']} ended without a "
                                  f"crawl_runs record ({why}): it failed before its first request "
                                  f"— see its scrapyd log", fire, now, job_id=w["job_id"]))
        elif run.get("status") != "closed":
            out.append(self.event("failed", job, w["spider"], f"job {w['job_id']} ended without "
                                  f"closing (killed or crashed): see its scrapyd log", fire, now,
                                  job_id=w["job_id"]))
        else:
            logger.info("schedule: job %s (%s) closed: %s", w["job_id"], w["spider"], run.get("finish_reason"))

    # -- the loop -------------------------------------------------------------------------------
    def run_forever(self, interval: float = 30.0, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                signal.signal(sig, lambda *_: stop.set())
            except ValueError:  # not the main thread
                pass
        logger.info("schedule: %d job(s), %d scrapyd node(s), pass every %g s",
                    len(self.schedule.jobs), len(self.clients), interval)
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - one bad pass must not end the scheduler
                logger.exception("schedule: pass failed")
            stop.wait(interval)
        logger.info("schedule: stopped")


# --- the command -------------------------------------------------------------------------------
def _settings_alert(settings) -> Callable[[str, list[str]], Any]:
    from healthcrawl.extensions.monitors import alert

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
    """Standalone entry point (``python -m healthcrawl.schedule``), the same as the
    ``healthcrawl`` subcommand."""
    parser = argparse.ArgumentParser(prog="healthcrawl")
    sub = parser.add_subparsers(dest="command", required=True)
    add_schedule_parser(sub)
    args = parser.parse_args(["schedule", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
