"""Services that go away (issue 11), with real processes on 127.0.0.1.

- Redis stopped in the middle of a distributed crawl (a real redis-server with an append-only
  file, stopped by pid and started again on the same port and data): back within
  ``HEALTHCRAWL_REDIS_RETRY_TIMEOUT``, the crawl goes on and stores every article once; away
  longer, the run fails (``redis_unavailable``, exit 1), the frontier stays in Redis and a second
  run completes the set.
- ``healthcrawl schedule``: a cron that never fires and mistyped values are refused by ``check``;
  one job's error does not stop the other jobs of the pass; ``run --once`` exits 1 when a run
  failed.
- ``healthcrawl mongo stop|status`` never signal a process that is not the mongod they started;
  ``stop`` reaps its own child.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest
import redis

from healthcrawl import settings as project_settings
from healthcrawl.mongod import free_port, port_open
from tests.servers import ROOT, crawl_env, require_binary, scrapy_crawl

from tests.test_resilience import WINDOW, assert_stored_exactly_once, gmw_urls

FRONTIER = f"healthcrawl:gmw:{WINDOW[0].replace('-', '')}-{WINDOW[1].replace('-', '')}"


# --- Redis --------------------------------------------------------------------------------------------
class DurableRedis:
    """redis-server with an append-only file (fsync on every write): stopped by pid and started
    again on the same port with the same data, as a Redis host restarted by its operator."""

    def __init__(self, directory: Path):
        self.binary = require_binary("redis-server")
        self.directory = directory
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "DurableRedis":
        self.directory.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.directory),
             "--logfile", str(self.directory / "redis.log"), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while not port_open(self.port):
            assert self.proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        self.proc = None


@pytest.fixture
def durable_redis(tmp_path):
    server = DurableRedis(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A generated replay corpus (bench/corpus.py): long enough to stop Redis in the middle."""
    from bench.corpus import generate

    out = tmp_path_factory.mktemp("faults-corpus") / "mirror"
    info = generate(out, n=500, seed=23)
    return out, gmw_urls(info)


def start_crawl(mirror: Path, redis_url: str, uri: str, database: str, log: Path, retry_timeout: float,
                spool: Path, job: str) -> subprocess.Popen:
    middlewares = {**project_settings.DOWNLOADER_MIDDLEWARES, "tests.servers.SlowDownloads": 900}
    args = ["gmw", "-a", f"since={WINDOW[0]}", "-a", f"until={WINDOW[1]}", "-a", f"_job={job}",
            "-s", f"HEALTHCRAWL_REPLAY_DIR={mirror}", "-s", "HEALTHCRAWL_KEEP_IRRELEVANT=1",
            "-s", "MONGO_BATCH_SIZE=20", "-s", "MONGO_FLUSH_INTERVAL=0.5", "-s", "LOG_LEVEL=INFO",
            "-s", f"MONGO_DATABASE={database}", "-s", f"REDIS_URL={redis_url}",
            "-s", "HEALTHCRAWL_REDIS_IDLE_CLOSE=1", "-s", "CONCURRENT_REQUESTS=4",
            "-s", f"HEALTHCRAWL_REDIS_RETRY_TIMEOUT={retry_timeout}", "-s", f"HEALTHCRAWL_REDIS_SPOOL_DIR={spool}",
            "-s", f"DOWNLOADER_MIDDLEWARES={json.dumps(middlewares)}"]
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", *args], cwd=ROOT,
                                env=crawl_env(MONGO_URI=uri, HC_TEST_LATENCY="0.05"),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(proc: subprocess.Popen, log: Path, condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{what} never happened:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def finish(proc: subprocess.Popen, log: Path, timeout: float = 240) -> str:
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"the crawl did not end:\n{log.read_text()[-3000:]}")
    return log.read_text()


def stop_mid_crawl(server: DurableRedis, proc: subprocess.Popen, log: Path, articles) -> None:
    """Stop redis-server once the crawl has stored a few articles and still has a queue."""
    queue = redis.Redis.from_url(server.url)
    wait_until(proc, log, lambda: articles.count_documents({}) >= 5 and queue.zcard(f"{FRONTIER}:requests") >= 5,
               "a crawl with a queue")
    queue.close()
    server.stop()


def lines(log: str, text: str) -> list[str]:
    return [line for line in log.splitlines() if text in line]


def test_redis_back_within_the_retry_budget_loses_nothing(durable_redis, mongod, mongo_db, corpus, tmp_path):
    log = tmp_path / "crawl.log"
    mirror, wanted = corpus
    proc = start_crawl(mirror, durable_redis.url, mongod.uri, mongo_db.name, log, 120, tmp_path / "spool", "back")
    stop_mid_crawl(durable_redis, proc, log, mongo_db.articles)
    wait_until(proc, log, lambda: "Redis frontier unreachable" in log.read_text(), "the outage line")
    time.sleep(1.5)  # a few retries
    durable_redis.start()
    text = finish(proc, log)

    assert proc.returncode == 0, text[-3000:]
    away = lines(text, "Redis frontier unreachable at")
    assert len(away) == 1 and "WARNING" in away[0] and "retrying for up to 120 s" in away[0], away
    assert f"redis://127.0.0.1:{durable_redis.port}/0" in away[0]
    back = lines(text, "Redis frontier is back after")
    assert len(back) == 1, back
    assert "Traceback" not in text
    run = mongo_db.crawl_runs.find_one({"job_id": "back", "kind": "crawl"})
    assert run["finish_reason"] == "finished"
    assert run["redis"]["outages"] == 1 and run["redis"]["retries"] >= 1
    # nothing lost, nothing doubled
    assert_stored_exactly_once(mongo_db.articles, wanted)
    assert not list((tmp_path / "spool").glob("*")) if (tmp_path / "spool").exists() else True


def test_redis_away_past_the_budget_fails_the_run_and_the_next_run_completes_the_set(
        durable_redis, mongod, mongo_db, corpus, tmp_path):
    spool = tmp_path / "spool"
    log = tmp_path / "first.log"
    mirror, wanted = corpus
    proc = start_crawl(mirror, durable_redis.url, mongod.uri, mongo_db.name, log, 2, spool, "first")
    stop_mid_crawl(durable_redis, proc, log, mongo_db.articles)
    text = finish(proc, log)

    assert proc.returncode == 1, text[-3000:]
    assert len(lines(text, "Redis frontier unreachable at")) == 1
    failed = lines(text, "ERROR: run failed (redis_unavailable): Redis frontier at")
    assert len(failed) == 1 and "unreachable for 2 s" in failed[0], failed
    assert lines(text, "healthcrawl: the run failed (redis_unavailable)")
    assert lines(text, "Spider closed (redis_unavailable)")
    assert "Traceback" not in text
    run = mongo_db.crawl_runs.find_one({"job_id": "first", "kind": "crawl"})
    assert run["finish_reason"] == "redis_unavailable"
    assert run["redis"]["outages"] == 1 and run["redis"]["retries"] >= 1
    stored_first = mongo_db.articles.count_documents({})
    assert stored_first < len(wanted)

    # the frontier is still in Redis (the append-only file), requests found meanwhile in the spool
    durable_redis.start()
    client = redis.Redis.from_url(durable_redis.url)
    assert client.zcard(f"{FRONTIER}:requests") > 0
    assert client.scard(f"{FRONTIER}:dupefilter") > 0
    client.close()
    spooled = run["redis"]["spooled"]
    assert len(list(spool.glob("*.requests"))) == 1

    # the next run of the same frontier completes the set: every article once
    log2 = tmp_path / "second.log"
    mirror, wanted = corpus
    proc = start_crawl(mirror, durable_redis.url, mongod.uri, mongo_db.name, log2, 60, spool, "second")
    text2 = finish(proc, log2)
    assert proc.returncode == 0, text2[-3000:]
    assert lines(text2, f"queued {spooled} of {spooled} request(s) saved in")
    assert list(spool.glob("*.requests")) == []
    assert_stored_exactly_once(mongo_db.articles, wanted)
    print(f"first run stored {stored_first}/{len(wanted)}, {spooled} request(s) spooled, redis stats {run['redis']}")
