"""The scheduler loop: fires the schedule's jobs on scrapyd when their cron is due, skips a job
still running, and records skipped, missed and failed events in crawl_runs."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from healthcrawl.ops.schedule import Job, Schedule, ScheduleError, fire_times
from healthcrawl.ops.scrapyd import ScrapydAuthError, ScrapydClient, ScrapydError
from healthcrawl.text import redact

logger = logging.getLogger("healthcrawl.schedule")


# --- where events go -----------------------------------------------------------------------------
class RunStore:
    """crawl_runs access for the scheduler; tolerant: a missing database is logged, not fatal."""

    def __init__(self, settings, database: str | None = None):
        self.settings = settings
        self.database = database  # None: MONGO_DATABASE
        self.connection = None  # storage.client.Database once connected
        self._warned = False

    def _collection(self):
        from healthcrawl.storage.client import open_database
        from healthcrawl.storage.collections import CRAWL_RUNS

        if self.connection is None:
            try:
                self.connection = open_database(self.settings, self.database)
                self._warned = False
            except Exception as exc:  # noqa: BLE001
                if not self._warned:
                    logger.error("schedule: crawl_runs unavailable (%s); events are only logged",
                                 redact.secrets(exc)[:300])
                    self._warned = True
                return None
        return self.connection.collection(CRAWL_RUNS)

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
        if self.connection is not None:
            self.connection.close()
            self.connection = None


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
        self._listing_errors: list[ScrapydError] = []  # why nodes did not list their jobs this pass

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
              now: datetime, job_id: str | None = None, cause: str | None = None) -> dict[str, Any]:
        """Record one event; ``cause`` of a failed launch: ``authentication`` (scrapyd answered
        401), ``unreachable`` (no node answered) or ``refused`` (schedule.json said no)."""
        doc = {
            "kind": "schedule", "event": kind, "spider": spider,
            "schedule_name": job.name if job else None, "job_id": job_id, "reason": reason, "cause": cause,
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
                        self._listing_errors.append(exc)
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
                                          f"{type(exc).__name__}: {redact.secrets(exc)[:300]}", None, now))
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
            errors = self._listing_errors
            why = "; ".join(map(str, errors))
            if errors and all(isinstance(e, ScrapydAuthError) for e in errors):
                return [self.event("failed", job, job.spider, f"authentication failed: scrapyd refused the "
                                   f"credentials ({why}): run not scheduled", fire, now, cause="authentication")]
            return [self.event("failed", job, job.spider, "no scrapyd node answered listjobs.json"
                               + (f" ({why})" if why else "") + ": run not scheduled", fire, now,
                               cause="unreachable")]
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
                auth = isinstance(exc, ScrapydAuthError)
                out.append(self.event("failed", job, job.spider, ("authentication failed: " if auth else "")
                                      + f"could not schedule: {exc}", fire, now,
                                      cause="authentication" if auth else "refused"))
                continue
            logger.info("schedule: started %s (%s) as job %s on %s, due %s", job.spider, job.name, job_id,
                        redact.secrets(client.url), fire.isoformat())
            self.state["watch"].append({"job_id": job_id, "name": job.name, "spider": job.spider,
                                        "node": node, "fire": _iso(fire), "scheduled_at": _iso(now),
                                        "seen": None})
            out.append({"event": "scheduled", "spider": job.spider, "schedule_name": job.name,
                        "job_id": job_id, "node": node, "fire": fire})
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
