"""scrapyd end to end: a real scrapyd started with the repository's deploy/scrapyd.conf (basic
auth from SCRAPYD_USERNAME/SCRAPYD_PASSWORD, a free 127.0.0.1 port from SCRAPYD_HTTP_PORT), the project
deployed with ``scrapyd-deploy`` (egg built from setup.py, credentials from the environment via
``${SCRAPYD_USERNAME}``/``${SCRAPYD_PASSWORD}`` in scrapy.cfg), a replay crawl of the demo week
scheduled through schedule.json, its articles and crawl_runs entry found in MongoDB (written with
the scrapyd host's MONGO_URI), and the password absent from every log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import zipfile
from pathlib import Path

import pymongo
import pytest

from healthcrawl.crawl.sites import SITES
from healthcrawl.ops.cron import Scheduler
from healthcrawl.ops.schedule import parse_schedule
from healthcrawl.ops.scrapyd import ScrapydClient
from tests.demo import ARCHIVE, WEEK, expected_in_bulletin
from tests.servers import (EGG_ONLY_RUNNER, PROJECT_ENV, ROOT, VENV_BIN, ScrapydServer, _wait_port,
                           crawl_env, last_tick_one_fire_ago, require_binary)

USERNAME, PASSWORD = "hc-ops", "Sd-pa55-7f3c9e-not-in-logs"
EXPECTED_SPIDERS = sorted(SITES)  # one spider per registered site
#: the sites the demo archive holds (a site added later has no pages there)
DEMO_SPIDERS = ("chinanews", "ce", "gmw", "cnii")


def project_copy(dest):
    """What a deploy needs (the scrapy.cfg target gets the credentials lines we recommend)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("healthcrawl", "spiders", "pipelines"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ("setup.py", "scrapy.cfg", "requirements.txt"):
        shutil.copy(ROOT / name, dest / name)
    return dest


class RepoConfigScrapyd(ScrapydServer):
    """scrapyd started as README "Operations → scrapyd" says: from its own folder holding a link to
    the repository's deploy/scrapyd.conf, credentials and port from the environment. Test-only
    overrides (a quick poller, the egg-only runner of tests/servers.py) come from a
    ``~/.scrapyd.conf`` in a temporary HOME, which scrapyd reads after ./scrapyd.conf."""

    def start(self) -> "RepoConfigScrapyd":
        d = self.directory
        (d / "home").mkdir(parents=True, exist_ok=True)
        (d / "scrapyd.conf").symlink_to(ROOT / "deploy" / "scrapyd.conf")
        (d / "hc_egg_runner.py").write_text(EGG_ONLY_RUNNER.format(repo=str(ROOT.resolve())))
        (d / "home" / ".scrapyd.conf").write_text("[scrapyd]\npoll_interval = 0.5\nrunner = hc_egg_runner\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT_ENV) and k != "PYTHONPATH"}
        env.update(HOME=str(d / "home"), SCRAPYD_HTTP_PORT=str(self.port), SCRAPYD_USERNAME=self.username,
                   SCRAPYD_PASSWORD=self.password, **self.env)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=d, env=env,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_port(self.port, self.proc, "scrapyd", self.log)
        return self


@pytest.fixture
def scrapyd(tmp_path, mongod, mongo_db_name):
    require_binary("scrapyd-deploy")
    # the scrapyd host's environment: where jobs store articles (no credentials in this test URI;
    # production puts a URI with credentials here, never in schedule.json); LATENCY_MIDDLEWARE importable
    server = RepoConfigScrapyd(tmp_path / "scrapyd", USERNAME, PASSWORD,
                           env={"MONGO_URI": mongod.uri, "MONGO_DATABASE": mongo_db_name,
                                "HEALTHCRAWL_EMBEDDED_MONGO": "0", "PYTHONPATH": str(latency_module(tmp_path))}).start()
    yield server
    server.stop()


def latency_module(tmp_path) -> Path:
    """A folder holding ``hc_test_latency`` (:data:`LATENCY_MIDDLEWARE`), for the scrapyd host's PYTHONPATH."""
    extra = tmp_path / "latency"
    extra.mkdir(exist_ok=True)
    (extra / "hc_test_latency.py").write_text(LATENCY_MIDDLEWARE)
    return extra


def with_latency() -> tuple[str, str]:
    """The schedule.json setting that makes every request of a job wait a second (LATENCY_MIDDLEWARE)."""
    from healthcrawl.settings import DOWNLOADER_MIDDLEWARES

    return "setting", f"DOWNLOADER_MIDDLEWARES={json.dumps({**DOWNLOADER_MIDDLEWARES, 'hc_test_latency.Latency': 1})}"


def wait_finished(server: ScrapydServer, job_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = server.call("listjobs.json", {"project": "healthcrawl"})
        done = [j for j in jobs["finished"] if j["id"] == job_id]
        if done:
            return done[0]
        time.sleep(0.5)
    pytest.fail(f"scrapyd job {job_id} did not finish within {timeout:.0f}s:\n{server.all_logs()[-4000:]}")


def read_and_drop(uri: str, database: str, read):
    """``read(db)`` of what the scrapyd jobs wrote, then the database dropped."""
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        return read(client[database])
    finally:
        client.drop_database(database)
        client.close()


def test_deploy_schedule_and_store_through_scrapyd_with_authentication(scrapyd, tmp_path, mongod, mongo_db_name):
    # --- unauthenticated requests are refused
    with pytest.raises(urllib.error.HTTPError) as refused:
        scrapyd.call("daemonstatus.json", auth=False)
    assert refused.value.code == 401

    # --- deploy with scrapyd-deploy: the egg is built from setup.py (then checked, then uploaded)
    project, env, egg = build_egg(scrapyd, tmp_path)
    names = zipfile.ZipFile(egg).namelist()
    for required in ("healthcrawl/ops/recorder.py", "healthcrawl/ops/monitors.py",
                     "healthcrawl/crawl/frontier.py", "healthcrawl/data/lexicon.json", "healthcrawl/data/userdict.txt",
                     "spiders/gmw.py", "pipelines/relevance.py"):
        assert required in names, f"{required} is not in the egg: list its package in setup.py's packages"
    deploy = upload(project, env, egg, "r1")
    assert json.loads(deploy.stdout)["status"] == "ok"
    assert PASSWORD not in deploy.stdout + deploy.stderr
    spiders = scrapyd.call("listspiders.json", {"project": "healthcrawl"})
    assert spiders["spiders"] == EXPECTED_SPIDERS, spiders

    # --- schedule a replay crawl of the demo week (spider arguments + non-secret settings; every request
    # waits a second, so the job is still pending or running at the scheduler's tick below)
    job_id = scrapyd.call("schedule.json", [("project", "healthcrawl"), ("spider", "gmw"),
                                            ("since", WEEK[0]), ("until", WEEK[1]),
                                            ("setting", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}"), with_latency()],
                          post=True)["jobid"]

    # --- while it is pending/running, `healthcrawl schedule` does not start gmw a second time
    schedule = parse_schedule({"jobs": [{"name": "gmw-every-minute", "spider": "gmw", "cron": "* * * * *"}]})
    state = tmp_path / "schedule-state.json"
    state.write_text(json.dumps({"last_tick": last_tick_one_fire_ago().isoformat(),
                                 "watch": []}))
    alerts = []
    scheduler = Scheduler(schedule, [ScrapydClient(scrapyd.url, USERNAME, PASSWORD)], state, None,
                          alert=lambda title, lines: alerts.append(title))
    out = scheduler.tick()
    assert [e["event"] for e in out] == ["skipped"], out
    assert job_id in out[0]["reason"]

    finished = wait_finished(scrapyd, job_id)
    assert finished["spider"] == "gmw"

    # --- the job wrote to the scrapyd host's MongoDB, from the egg, with the egg's package data
    run, articles = read_and_drop(mongod.uri, mongo_db_name, lambda db: (
        db.crawl_runs.find_one({"job_id": job_id}, {"_id": 0}), list(db.articles.find({"crawl.job_id": job_id}))))
    logs = scrapyd.all_logs()
    assert run is not None, logs[-4000:]
    assert run["status"] == "closed" and run["finish_reason"] == "finished", run
    assert run["scrapyd"] is True and run["egg_version"] == "r1"
    assert run["arguments"]["since"] == WEEK[0] and run["arguments"]["until"] == WEEK[1]
    assert ".egg" in run["code_path"] and str(scrapyd.directory) in run["code_path"], run["code_path"]
    assert run["monitors"]["ok"] is True
    assert len(articles) == run["items"]["stored"] > 0
    for article in articles:  # lexicon (relevance) and jieba user dictionary (search_*) loaded from the egg
        assert article["relevance"]["lexicon_version"] and article["search_title"]

    # --- the scrapyd password appears in no log and no record
    assert PASSWORD not in logs
    assert PASSWORD not in json.dumps(run, default=str)
    assert f"Process started: project='healthcrawl' spider='gmw' job='{job_id}'" in logs


def build_egg(server: ScrapydServer, tmp_path) -> tuple[Path, dict[str, str], Path]:
    """A copy of the project with a ``[deploy:hctest]`` target (credentials from the environment)
    and its egg built by scrapyd-deploy: (project folder, environment, egg)."""
    project = project_copy(tmp_path / "project")
    with (project / "scrapy.cfg").open("a") as cfg:
        cfg.write(f"\n[deploy:hctest]\nurl = {server.url}\nproject = healthcrawl\n"
                  "username = ${SCRAPYD_USERNAME}\npassword = ${SCRAPYD_PASSWORD}\n")
    env = crawl_env(SCRAPYD_USERNAME=USERNAME, SCRAPYD_PASSWORD=PASSWORD)
    egg = tmp_path / "healthcrawl.egg"
    build = subprocess.run([str(VENV_BIN / "scrapyd-deploy"), "--build-egg", str(egg)], cwd=project, env=env,
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    return project, env, egg


def upload(project: Path, env: dict[str, str], egg: Path, version: str) -> subprocess.CompletedProcess:
    """``scrapyd-deploy`` of ``egg`` to the project's ``hctest`` target."""
    done = subprocess.run([str(VENV_BIN / "scrapyd-deploy"), "hctest", "--egg", str(egg), "--version", version],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def deploy(server: ScrapydServer, tmp_path, version: str) -> None:
    """Build the egg from a copy of the project and upload it with scrapyd-deploy."""
    upload(*build_egg(server, tmp_path), version)


#: a downloader middleware for the scrapyd jobs of the test below, outside the project (the
#: egg is the project): every request waits a second, as a live site may answer, so that a
#: replayed crawl lasts seconds (instead of half of one) and the pair's crawls overlap although
#: scrapyd starts one job per poll and a job's process needs a second or more to start
LATENCY_MIDDLEWARE = """\
import asyncio


class Latency:
    async def process_request(self, request, spider=None):
        await asyncio.sleep(1.0)
        return None
"""


def test_four_spiders_scheduled_at_once_store_each_story_once(tmp_path, mongod, mongo_db_name):
    """Issue 12's case: the four spiders scheduled together over the demo week (scrapyd runs
    max_proc = 2 of them at a time; the reprint pair's two sites first, so they overlap — checked
    from their crawl_runs times; every request takes a second, see LATENCY_MIDDLEWARE) give the
    database one process gives: every relevant story of the week once (24 documents), the
    ce/chinanews reprint pair one document — the copy published first — with the other in also_at."""
    require_binary("scrapyd-deploy")
    server = ScrapydServer(tmp_path / "scrapyd", USERNAME, PASSWORD,
                           env={"MONGO_URI": mongod.uri, "MONGO_DATABASE": mongo_db_name,
                                "HEALTHCRAWL_EMBEDDED_MONGO": "0", "PYTHONPATH": str(latency_module(tmp_path))}).start()
    try:
        deploy(server, tmp_path, "r1")
        jobs = [server.call("schedule.json", [("project", "healthcrawl"), ("spider", spider),
                                              ("since", WEEK[0]), ("until", WEEK[1]),
                                              ("setting", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}"), with_latency()],
                            post=True)["jobid"]
                for spider in DEMO_SPIDERS]
        finished = [wait_finished(server, job) for job in jobs]
        logs = server.all_logs()
    finally:
        server.stop()
    assert sorted(f["spider"] for f in finished) == sorted(DEMO_SPIDERS)

    wanted = expected_in_bulletin()
    reprints = [a for a in wanted if a["flags"]["reprint_of"]]
    assert (len(wanted), len(reprints)) == (25, 1)
    reprint, original = reprints[0]["url"], reprints[0]["flags"]["reprint_of"]
    docs, runs = read_and_drop(mongod.uri, mongo_db_name, lambda db: (
        list(db.articles.find({}, {"url": 1, "story": 1, "also_at": 1, "published_at": 1})),
        list(db.crawl_runs.find({}, {"job_id": 1, "spider": 1, "status": 1, "start_time": 1, "end_time": 1}))))
    assert sorted(r["job_id"] for r in runs) == sorted(jobs) and {r["status"] for r in runs} == {"closed"}, logs[-4000:]
    assert "hc_test_latency.Latency" in logs  # the jobs ran with the latency (listed as enabled)
    pair = [r for r in runs if r["spider"] in ("chinanews", "ce")]
    assert max(r["start_time"] for r in pair) < min(r["end_time"] for r in pair), pair  # the pair's crawls overlapped
    assert len(docs) == 24, [d["url"] for d in docs]
    assert {d["url"] for d in docs} == {a["url"] for a in wanted} - {reprint}
    with_copies = [d for d in docs if d["also_at"]]
    assert len(with_copies) == 1 and with_copies[0]["url"] == original  # published at 10:42, the reprint at 15:06
    assert [(e["url"], e["site"]) for e in with_copies[0]["also_at"]] == [(reprint, "ce")]
    assert len({d["story"] for d in docs}) == 24


def mongods_under(folder: Path) -> list[int]:
    """Pids of mongod processes whose working directory or --dbpath lies under ``folder``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if argv and Path(argv[0].decode(errors="replace")).name == "mongod":
            text = " ".join(a.decode(errors="replace") for a in argv) + " " + cwd
            if str(folder) in text:
                found.append(int(proc.name))
    return found


def test_a_job_without_mongo_uri_fails_in_one_line_and_starts_no_mongod(tmp_path):
    """A scrapyd host without MONGO_URI (and the embedded mongod left on, its default): the job
    fails at once with one ERROR line in its log, nothing fetched, no mongod started or left."""
    from healthcrawl.storage.mongod import free_port

    require_binary("scrapyd-deploy")
    server = RepoConfigScrapyd(tmp_path / "scrapyd", USERNAME, PASSWORD,
                               env={"HEALTHCRAWL_MONGO_PORT": str(free_port())}).start()
    try:
        deploy(server, tmp_path, "r1")
        job_id = server.call("schedule.json", [("project", "healthcrawl"), ("spider", "gmw"),
                                               ("since", WEEK[0]), ("until", WEEK[1]),
                                               ("setting", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}")], post=True)["jobid"]
        wait_finished(server, job_id)
        scrapyd_log = server.log.read_text(errors="replace")
    finally:
        server.stop()
    job_log = (server.directory / "logs" / "healthcrawl" / "gmw" / f"{job_id}.log").read_text(errors="replace")
    errors = [line for line in job_log.splitlines() if " ERROR: " in line]
    assert len(errors) == 1, job_log[-3000:]
    assert f"MONGO_URI is not set: scrapyd job {job_id} does not start the embedded mongod" in errors[0]
    assert "Traceback" not in job_log and "Traceback" not in scrapyd_log, job_log[-3000:]
    assert "downloader/request_count" not in job_log  # nothing fetched: the crawler never started
    assert "Process died: exitstatus=1" in scrapyd_log
    assert not (server.directory / "var" / "mongo").exists()
    assert mongods_under(tmp_path) == []
