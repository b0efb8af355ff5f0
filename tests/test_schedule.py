"""`healthcrawl schedule`: the schedule file, cron fire times, and the scheduler's passes against
a local scrapyd stub (listjobs.json / schedule.json with basic auth), with skipped, missed and
failed runs recorded in a real mongod."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from healthcrawl.storage.mongod import free_port
from healthcrawl.ops.cron import RunStore, Scheduler
from healthcrawl.ops.schedule import ScheduleError, fire_times, load_schedule, parse_schedule
from healthcrawl.ops.scrapyd import ScrapydClient, ScrapydError
from healthcrawl.project import project_settings
from tests.servers import ROOT, ScrapydStub, crawl_env, last_tick_one_fire_ago

BJ = ZoneInfo("Asia/Shanghai")


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BJ).astimezone(timezone.utc)


def schedule_data(**over) -> dict:
    data = {"timezone": "Asia/Shanghai", "misfire_grace": 600,
            "jobs": [{"name": "gmw-daily", "spider": "gmw", "cron": "10 6 * * *", "args": {"since": "2d"}},
                     {"name": "ce-hourly", "spider": "ce", "cron": "0 * * * *"}]}
    data.update(over)
    return data


# --- the file --------------------------------------------------------------------------------------
def test_the_example_schedule_file_is_valid():
    schedule = load_schedule(ROOT / "schedule.example.toml")
    assert {j.spider for j in schedule.jobs} == {"gmw", "chinanews", "ce", "cnii"}
    assert schedule.timezone == "Asia/Shanghai"
    assert all(j.cron for j in schedule.jobs)


def test_json_schedule_files_load_too(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schedule_data()))
    assert [j.name for j in load_schedule(path).jobs] == ["gmw-daily", "ce-hourly"]


@pytest.mark.parametrize("job, message", [
    ({"spider": "gmw", "cron": "61 6 * * *"}, "invalid cron"),
    ({"spider": "gmw", "cron": "0 6 * *"}, "invalid cron"),
    ({"spider": "gmw"}, "needs 'spider' and 'cron'"),
    ({"spider": "gmw", "cron": "0 6 * * *", "settings": {"MONGO_URI": "mongodb://db:27017"}}, "looks like a secret"),
    ({"spider": "gmw", "cron": "0 6 * * *", "args": {"urls": "https://u:pw@x.cn/a.htm"}}, "looks like a secret"),
    ({"spider": "gmw", "cron": "0 6 * * *", "args": {"_job": "x"}}, "reserved"),
    ({"spider": "gwm", "cron": "0 6 * * *"}, r"no spider 'gwm' in this project \(spiders: ce, chinanews, cnii, gmw"),
])
def test_bad_schedule_entries_are_refused_with_a_reason(job, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule({"jobs": [job]})


def test_cron_fire_times_in_beijing_time():
    tz = BJ
    fires = fire_times("10 6 * * *", bj(2026, 11, 16, 6, 10), bj(2026, 11, 18, 7, 0), tz)
    # (after, until]: the 16th's 06:10 is excluded, it is the previous pass
    assert [f.strftime("%m-%d %H:%M %z") for f in fires] == ["11-17 06:10 +0800", "11-18 06:10 +0800"]
    weekdays = fire_times("0 7 * * 1-5", bj(2026, 11, 20, 8), bj(2026, 11, 24, 8), tz)  # Fri → Tue
    assert [f.strftime("%a") for f in weekdays] == ["Mon", "Tue"]


# --- the scheduler -------------------------------------------------------------------------------------
@pytest.fixture
def stub():
    with ScrapydStub() as server:
        yield server


@pytest.fixture
def store(mongod, mongo_db):
    s = RunStore(project_settings({"MONGO_URI": mongod.uri, "MONGO_DATABASE": mongo_db.name,
                                  "MONGO_CONNECT_TIMEOUT": 3}))
    yield s
    s.close()


def make_scheduler(stub, store, tmp_path, alerts, **over):
    schedule = parse_schedule(schedule_data(**over))
    client = ScrapydClient(stub.url, username=stub.username, password=stub.password)
    return Scheduler(schedule, [client], tmp_path / "state.json", store,
                     alert=lambda title, lines: alerts.append((title, lines)))


def events(mongo_db) -> list[tuple[str, str]]:
    return [(d["event"], d["spider"]) for d in mongo_db.crawl_runs.find({"kind": "schedule"}).sort("recorded_at", 1)]


def test_due_jobs_are_scheduled_with_their_arguments(stub, store, mongo_db, tmp_path):
    alerts = []
    scheduler = make_scheduler(stub, store, tmp_path, alerts)
    assert scheduler.tick(bj(2026, 11, 16, 6, 5)) == []  # first pass: nothing due yet
    out = scheduler.tick(bj(2026, 11, 16, 6, 10, 20))
    assert [(e["event"], e["spider"]) for e in out] == [("scheduled", "gmw")]
    assert stub.scheduled[0]["spider"] == ["gmw"] and stub.scheduled[0]["since"] == ["2d"]
    assert stub.scheduled[0]["project"] == ["healthcrawl"]
    assert events(mongo_db) == [] and alerts == []
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["watch"][0]["job_id"] == "job1"


def test_a_spider_still_running_is_not_started_twice_and_the_skip_is_recorded(stub, store, mongo_db, tmp_path):
    alerts = []
    scheduler = make_scheduler(stub, store, tmp_path, alerts)
    stub.jobs["running"].append({"id": "manual-ce-run", "spider": "ce"})  # started by someone else
    scheduler.tick(bj(2026, 11, 16, 9, 59))
    out = scheduler.tick(bj(2026, 11, 16, 10, 0, 5))
    assert [(e["event"], e["spider"]) for e in out] == [("skipped", "ce")]
    assert stub.scheduled == []
    assert events(mongo_db) == [("skipped", "ce")]
    doc = mongo_db.crawl_runs.find_one({"kind": "schedule"})
    assert "manual-ce-run" in doc["reason"] and doc["schedule_name"] == "ce-hourly"
    assert alerts and "ce run skipped" in alerts[0][0]
    # the job ends: the next hour runs again
    stub.finish("manual-ce-run")
    out = scheduler.tick(bj(2026, 11, 16, 11, 0, 5))
    assert [(e["event"], e["spider"]) for e in out] == [("scheduled", "ce")]
    # and while that one is pending, the hour after is skipped again
    out = scheduler.tick(bj(2026, 11, 16, 12, 0, 5))
    assert [(e["event"], e["spider"]) for e in out] == [("skipped", "ce")]


def test_runs_missed_while_the_scheduler_was_down_are_recorded(stub, store, mongo_db, tmp_path):
    alerts = []
    scheduler = make_scheduler(stub, store, tmp_path, alerts, jobs=[
        {"name": "gmw-daily", "spider": "gmw", "cron": "10 6 * * *"}])
    scheduler.tick(bj(2026, 11, 13, 12, 0))
    # down from the 13th to the 16th 06:12: the 14th and 15th are missed, the 16th still runs
    scheduler = make_scheduler(stub, store, tmp_path, alerts, jobs=[
        {"name": "gmw-daily", "spider": "gmw", "cron": "10 6 * * *"}])
    out = scheduler.tick(bj(2026, 11, 16, 6, 12))
    assert [(e["event"], e["spider"]) for e in out] == [("missed", "gmw"), ("scheduled", "gmw")]
    doc = mongo_db.crawl_runs.find_one({"event": "missed"})
    assert doc["reason"].startswith("2 run(s) due 2026-11-14 06:10 .. 2026-11-15 06:10 not started")
    # too late (beyond misfire_grace): recorded as missed, not started
    mongo_db.crawl_runs.insert_one({"kind": "crawl", "spider": "gmw", "job_id": "job1", "status": "closed",
                                    "finish_reason": "finished"})
    stub.finish("job1")
    scheduler.tick(bj(2026, 11, 16, 23, 0))
    out = scheduler.tick(bj(2026, 11, 17, 8, 0))
    assert [(e["event"], e["spider"]) for e in out] == [("missed", "gmw")]
    assert len(stub.scheduled) == 1
    assert [t for t, _ in alerts] == ["healthcrawl schedule: gmw run missed"] * 2


def test_a_job_that_ends_without_a_closed_run_record_is_a_failed_run(stub, store, mongo_db, tmp_path):
    alerts = []
    scheduler = make_scheduler(stub, store, tmp_path, alerts, jobs=[
        {"name": "gmw", "spider": "gmw", "cron": "0 * * * *"},
        {"name": "ce", "spider": "ce", "cron": "0 * * * *"}])
    scheduler.tick(bj(2026, 11, 16, 9, 59))
    scheduler.tick(bj(2026, 11, 16, 10, 0, 1))  # job1 = gmw, job2 = ce
    # gmw closed normally (its crawl_runs entry exists); ce died before writing one
    mongo_db.crawl_runs.insert_one({"kind": "crawl", "spider": "gmw", "job_id": "job1", "status": "closed",
                                    "finish_reason": "finished"})
    stub.finish("job1")
    stub.finish("job2")
    out = scheduler.tick(bj(2026, 11, 16, 10, 30))
    assert [(e["event"], e["spider"], e["job_id"]) for e in out] == [("failed", "ce", "job2")]
    assert events(mongo_db) == [("failed", "ce")]
    assert alerts and "ce run failed" in alerts[0][0]
    assert json.loads((tmp_path / "state.json").read_text())["watch"] == []


def test_an_unreachable_or_refusing_scrapyd_is_a_failed_run(store, mongo_db, tmp_path, stub):
    alerts = []
    schedule = parse_schedule(schedule_data(jobs=[{"name": "gmw", "spider": "gmw", "cron": "0 * * * *"}]))
    down = Scheduler(schedule, [ScrapydClient(f"http://127.0.0.1:{free_port()}/", "u", "p", timeout=2)],
                     tmp_path / "a.json", store, alert=lambda t, l: alerts.append(t))
    down.tick(bj(2026, 11, 16, 9, 59))
    out = down.tick(bj(2026, 11, 16, 10, 0, 1))
    assert [e["event"] for e in out] == ["failed"] and "no scrapyd node answered" in out[0]["reason"]
    stub.fail_schedule = True
    refusing = make_scheduler(stub, store, tmp_path / "b", alerts, jobs=[{"name": "gmw", "spider": "gmw", "cron": "0 * * * *"}])
    refusing.tick(bj(2026, 11, 16, 9, 59))
    out = refusing.tick(bj(2026, 11, 16, 10, 0, 1))
    assert [e["event"] for e in out] == ["failed"] and "could not schedule" in out[0]["reason"]
    assert events(mongo_db) == [("failed", "gmw"), ("failed", "gmw")]


def test_scrapyd_credentials_come_from_the_environment(stub, monkeypatch):
    monkeypatch.setenv("SCRAPYD_USERNAME", stub.username)
    monkeypatch.setenv("SCRAPYD_PASSWORD", stub.password)
    assert ScrapydClient(stub.url).listjobs("healthcrawl")["pending"] == []
    monkeypatch.setenv("SCRAPYD_PASSWORD", "wrong")
    with pytest.raises(ScrapydError, match="HTTP 401 .check SCRAPYD_USERNAME/SCRAPYD_PASSWORD"):
        ScrapydClient(stub.url).listjobs("healthcrawl")


def test_the_command_runs_one_pass_and_check_validates(stub, mongod, mongo_db, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schedule_data(jobs=[{"name": "gmw", "spider": "gmw", "cron": "* * * * *"}])))
    state = tmp_path / "state.json"
    # a previous pass just before this minute began: this pass finds the current minute due
    state.write_text(json.dumps({"last_tick": last_tick_one_fire_ago().isoformat(),
                                 "watch": []}))
    env = crawl_env(MONGO_URI=mongod.uri, MONGO_DATABASE=mongo_db.name, SCRAPYD_USERNAME=stub.username,
                    SCRAPYD_PASSWORD=stub.password)
    cmd = [sys.executable, "-m", "healthcrawl.cli.schedule"]
    result = subprocess.run(cmd + ["run", "--once", "--file", str(path), "--scrapyd", stub.url, "--state", str(state)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "scheduled gmw as job job1" in result.stdout
    assert stub.password not in result.stdout + result.stderr
    result = subprocess.run(cmd + ["check", "--file", str(ROOT / "schedule.example.toml")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "gmw-daily" in result.stdout and "next" in result.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"jobs": [{"spider": "gmw", "cron": "every day"}]}))
    result = subprocess.run(cmd + ["check", "--file", str(bad)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "invalid cron expression" in result.stderr


def test_a_refused_password_is_an_authentication_failure(stub, store, mongo_db, tmp_path):
    alerts = []
    schedule = parse_schedule(schedule_data(jobs=[{"name": "gmw", "spider": "gmw", "cron": "0 * * * *"}]))
    wrong = Scheduler(schedule, [ScrapydClient(stub.url, stub.username, "wrong")], tmp_path / "s.json", store,
                      alert=lambda t, l: alerts.append(l))
    wrong.tick(bj(2026, 11, 16, 9, 59))
    out = wrong.tick(bj(2026, 11, 16, 10, 0, 1))
    assert [e["event"] for e in out] == ["failed"]
    assert out[0]["reason"].startswith("authentication failed: scrapyd refused the credentials")
    assert "HTTP 401" in out[0]["reason"] and "no scrapyd node answered" not in out[0]["reason"]
    record = mongo_db.crawl_runs.find_one({"kind": "schedule"})
    assert record["cause"] == "authentication" and "wrong" not in record["reason"]
    assert stub.scheduled == []


def test_the_first_pass_says_what_it_did_for_every_job(stub, mongod, mongo_db, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schedule_data()))
    env = crawl_env(MONGO_URI=mongod.uri, MONGO_DATABASE=mongo_db.name, SCRAPYD_USERNAME=stub.username,
                    SCRAPYD_PASSWORD=stub.password)
    result = subprocess.run([sys.executable, "-m", "healthcrawl.cli.schedule", "run", "--once", "--file", str(path),
                             "--scrapyd", stub.url, "--state", str(tmp_path / "state.json")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("first pass (no ") and "nothing before now is due" in lines[0]
    assert lines[1].startswith("gmw-daily: not due (gmw) · next ") and lines[1].endswith(" CST")
    assert lines[2].startswith("ce-hourly: not due (ce) · next ")
    assert stub.scheduled == []
