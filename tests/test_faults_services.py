"""Services that go away (issue 11), with real processes on 127.0.0.1.

- Redis stopped in the middle of a distributed crawl (a real redis-server with an append-only
  file, stopped by pid and started again on the same port and data): back within
  ``HEALTHCRAWL_REDIS_RETRY_TIMEOUT``, the crawl goes on and stores every article once; away
  longer, the run fails (``redis_unavailable``, exit 1), the frontier stays in Redis and a second
  run completes the set (the requests found while Redis was away are held, then queued or
  spooled). A pop whose answer was lost when Redis stopped is put back.
- ``healthcrawl schedule``: a cron that never fires and mistyped values are refused by ``check``;
  one job's error does not stop the other jobs of the pass; ``run --once`` exits 1 when a run
  failed.
- ``healthcrawl mongo stop|status`` never signal a process that is not the mongod they started;
  ``stop`` reaps its own child.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis

from healthcrawl import settings as project_settings
from healthcrawl.storage.mongod import free_port
from tests.servers import RedisServer, crawl_env, last_tick_one_fire_ago, run_module
from tests.test_resilience import WINDOW, assert_stored_exactly_once, gmw_urls

FRONTIER = f"healthcrawl:gmw:{WINDOW[0].replace('-', '')}-{WINDOW[1].replace('-', '')}"


# --- Redis --------------------------------------------------------------------------------------------
class DurableRedis(RedisServer):
    """redis-server with an append-only file (fsync on every write): stopped by pid and started
    again on the same port with the same data, as a Redis host restarted by its operator."""

    def __init__(self, directory: Path):
        super().__init__(directory, durable=True)

    def wipe(self) -> None:
        """Lose the data (as a Redis restarted without persistence)."""
        import shutil

        for path in self.directory.iterdir():
            if path.name != "redis.log":
                shutil.rmtree(path) if path.is_dir() else path.unlink()


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
                spool: Path, job: str, latency: float = 0.05) -> subprocess.Popen:
    middlewares = {**project_settings.DOWNLOADER_MIDDLEWARES, "tests.servers.SlowDownloads": 900}
    args = ["gmw", "-a", f"since={WINDOW[0]}", "-a", f"until={WINDOW[1]}", "-a", f"_job={job}",
            "-s", f"HEALTHCRAWL_REPLAY_DIR={mirror}", "-s", "HEALTHCRAWL_KEEP_IRRELEVANT=1",
            "-s", "MONGO_BATCH_SIZE=20", "-s", "MONGO_FLUSH_INTERVAL=0.5", "-s", "LOG_LEVEL=INFO",
            "-s", f"MONGO_DATABASE={database}", "-s", f"REDIS_URL={redis_url}",
            "-s", "HEALTHCRAWL_REDIS_IDLE_CLOSE=1", "-s", "CONCURRENT_REQUESTS=4",
            "-s", f"HEALTHCRAWL_REDIS_RETRY_TIMEOUT={retry_timeout}", "-s", f"HEALTHCRAWL_REDIS_SPOOL_DIR={spool}",
            "-s", f"DOWNLOADER_MIDDLEWARES={json.dumps(middlewares)}"]
    with log.open("w") as out:
        return run_module(["scrapy", "crawl", *args], crawl_env(MONGO_URI=uri, HC_TEST_LATENCY=str(latency)),
                          popen=True, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


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


def stop_mid_crawl(server: DurableRedis, proc: subprocess.Popen, log: Path, articles, early: bool = False) -> None:
    """Stop redis-server once the crawl has stored a few articles and still has a queue, or
    (``early``) as soon as the first requests are in the frontier: the list pages then in flight
    (slow downloads) answer while Redis is away, so the article requests they find are held."""
    queue = redis.Redis.from_url(server.url)
    if early:
        wait_until(proc, log, lambda: queue.scard(f"{FRONTIER}:dupefilter") >= 1, "a frontier")
    else:
        wait_until(proc, log, lambda: articles.count_documents({}) >= 5 and queue.zcard(f"{FRONTIER}:requests") >= 5,
                   "a crawl with a queue")
    queue.close()
    server.stop()


def lines(log: str, text: str) -> list[str]:
    return [line for line in log.splitlines() if text in line]


def test_redis_back_within_the_retry_budget_loses_nothing(durable_redis, mongod, mongo_db, corpus, tmp_path):
    log = tmp_path / "crawl.log"
    mirror, wanted = corpus
    proc = start_crawl(mirror, durable_redis.url, mongod.uri, mongo_db.name, log, 120, tmp_path / "spool", "back",
                       latency=0.3)
    stop_mid_crawl(durable_redis, proc, log, mongo_db.articles, early=True)
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
    held = run["redis"]["held_requests"]  # found by the pages in flight while Redis was away
    assert held > 0 and f"{held} request(s) held meanwhile queued" in back[0]
    # nothing lost, nothing doubled
    assert_stored_exactly_once(mongo_db.articles, wanted)
    assert not list((tmp_path / "spool").glob("*")) if (tmp_path / "spool").exists() else True


@pytest.mark.parametrize("early", [False, True], ids=["mid-crawl", "list-pages-in-flight"])
def test_redis_away_past_the_budget_fails_the_run_and_the_next_run_completes_the_set(
        durable_redis, mongod, mongo_db, corpus, tmp_path, early):
    spool = tmp_path / "spool"
    log = tmp_path / "first.log"
    mirror, wanted = corpus
    proc = start_crawl(mirror, durable_redis.url, mongod.uri, mongo_db.name, log, 2, spool, "first",
                       latency=0.3 if early else 0.05)
    stop_mid_crawl(durable_redis, proc, log, mongo_db.articles, early=early)
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
    if early:  # the article requests the list pages in flight found are in the spool
        assert spooled > 0 and lines(text, f"saved {spooled} request(s) found while Redis was unreachable")

    # the next run of the same frontier completes the set: every article once
    log2 = tmp_path / "second.log"
    mirror, wanted = corpus
    proc = start_crawl(mirror, durable_redis.url, mongod.uri, mongo_db.name, log2, 60, spool, "second")
    text2 = finish(proc, log2)
    assert proc.returncode == 0, text2[-3000:]
    # each saved request is queued unless the shared dupefilter has seen it since (another copy
    # of the same request was queued before Redis went away): what counts is the stored set below
    restored = lines(text2, f" of {spooled} request(s) saved in")
    assert len(restored) == 1 and "queued" in restored[0], text2[-3000:]
    assert list(spool.glob("*.requests")) == []
    assert_stored_exactly_once(mongo_db.articles, wanted)
    print(f"first run stored {stored_first}/{len(wanted)}, {spooled} request(s) spooled, redis stats {run['redis']}")


def test_redis_back_without_its_data_fails_the_run_loudly(durable_redis, mongod, mongo_db, corpus, tmp_path):
    mirror, wanted = corpus
    log = tmp_path / "crawl.log"
    proc = start_crawl(mirror, durable_redis.url, mongod.uri, mongo_db.name, log, 120, tmp_path / "spool", "wiped")
    stop_mid_crawl(durable_redis, proc, log, mongo_db.articles)
    wait_until(proc, log, lambda: "Redis frontier unreachable" in log.read_text(), "the outage line")
    durable_redis.wipe()
    durable_redis.start()
    text = finish(proc, log)

    assert proc.returncode == 1, text[-3000:]
    lost = lines(text, "ERROR: run failed (redis_frontier_lost): Redis at redis://127.0.0.1:")
    assert len(lost) == 1 and "came back without the frontier" in lost[0], lost
    assert len(lines(text, "Redis frontier is back after")) == 1
    assert "Traceback" not in text
    run = mongo_db.crawl_runs.find_one({"job_id": "wiped", "kind": "crawl"})
    assert run["redis"]["outages"] == 1
    assert mongo_db.articles.count_documents({}) < len(wanted)  # the queue was lost: said, not hidden


def test_redis_a_pop_whose_answer_was_lost_is_put_back_when_redis_is_back(durable_redis, tmp_path, caplog):
    """The pop that ran in Redis while the connection broke (its answer never arrived) is found
    in the node's ``…:popped:<node>`` hash and put back once Redis answers again (a real
    redis-server; the lost answer is the pop run without reading its result)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from scrapy import Request, Spider
    from scrapy.utils.test import get_crawler

    from healthcrawl.crawl.frontier import RedisScheduler

    crawler = get_crawler(Spider, {"REDIS_URL": durable_redis.url, "HEALTHCRAWL_REDIS_FRONTIER": "pop-test",
                                   "HEALTHCRAWL_REDIS_SPOOL_DIR": str(tmp_path / "spool"),
                                   "HEALTHCRAWL_REDIS_IDLE_CLOSE": 1, "HEALTHCRAWL_REDIS_FRONTIER_TTL": 600,
                                   "HEALTHCRAWL_REDIS_RETRY_TIMEOUT": 60,
                                   "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
                                   "SCHEDULER_SERIALIZER": "scrapy_redis.picklecompat",
                                   "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter"})
    crawler.spider = Spider("t")
    crawler.stats.open_spider()
    scheduler = RedisScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    try:
        for i in range(3):
            scheduler.enqueue_request(Request(f"https://example.cn/{i}.htm"))
        assert scheduler.next_request().url == "https://example.cn/0.htm"
        scheduler._pop(keys=[scheduler.queue_key, scheduler.popped_key], args=[600])  # the answer is lost
        scheduler._lost(RedisConnectionError("Connection reset by peer"))
        assert len(scheduler.queue) == 1 and scheduler.next_request() is None  # away: nothing popped
        with caplog.at_level("INFO", logger="healthcrawl.crawl.frontier"):
            scheduler._probe()  # Redis answers again
        assert len(scheduler.queue) == 2
        assert [r.url for r in (scheduler.next_request(), scheduler.next_request())] == [
            "https://example.cn/1.htm", "https://example.cn/2.htm"]
        assert crawler.stats.get_value("healthcrawl/redis/pop_put_back") == 1
        assert crawler.stats.get_value("healthcrawl/redis/outages") == 1
        messages = [r.getMessage() for r in caplog.records]
        assert sum("put back a request popped from the frontier" in m for m in messages) == 1
        assert sum(m.startswith("Redis frontier is back after") for m in messages) == 1
    finally:
        scheduler.close("finished")


class AnswerLosingProxy:
    """A TCP proxy in front of a real redis-server that passes everything through, except that
    the first command carrying ``marker`` is run by Redis and then the client's connection is
    closed before the answer reaches it (a connection reset after the server acted)."""

    def __init__(self, upstream_port: int, marker: bytes):
        import socket

        self.upstream_port, self.marker, self.dropped = upstream_port, marker, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._answers, args=(server, client), daemon=True).start()
            threading.Thread(target=self._commands, args=(client, server), daemon=True).start()

    def _commands(self, client, server) -> None:
        while chunk := self._read(client):
            if self.marker in chunk and not self.dropped:
                self.dropped += 1
                server.shutdown(0)  # no answer goes back: the reader thread stops relaying
                server.sendall(chunk)
                time.sleep(0.2)  # Redis runs it
                client.close(), server.close()
                return
            server.sendall(chunk)
        server.close()

    def _answers(self, server, client) -> None:
        while chunk := self._read(server):
            try:
                client.sendall(chunk)
            except OSError:
                return

    @staticmethod
    def _read(sock) -> bytes:
        try:
            return sock.recv(65536)
        except OSError:
            return b""

    def close(self) -> None:
        self.listener.close()


def test_redis_an_enqueue_whose_answer_was_lost_leaves_the_request_queued(durable_redis, tmp_path):
    """Redis adds a request to the shared dupefilter and the connection breaks before its answer
    arrives; redis-py sends the command again. Enqueued as one script, the request is in the queue
    (two separate commands, SADD then ZADD, the second SADD answered 'seen' and the request was
    lost: the list page behind 25 missing articles in CI run of 2026-12-02)."""
    from scrapy import Request, Spider
    from scrapy.utils.test import get_crawler

    from healthcrawl.crawl.frontier import RedisScheduler

    from scrapy_redis.dupefilter import RFPDupeFilter

    request = Request("https://news.gmw.cn/node_4108.htm")
    fingerprint = RFPDupeFilter(None, "unused").request_fingerprint(request)
    proxy = AnswerLosingProxy(durable_redis.port, fingerprint.encode())
    crawler = get_crawler(Spider, {"REDIS_URL": proxy.url, "HEALTHCRAWL_REDIS_FRONTIER": "answer-test",
                                   "HEALTHCRAWL_REDIS_SPOOL_DIR": str(tmp_path / "spool"),
                                   "HEALTHCRAWL_REDIS_RETRY_TIMEOUT": 60,
                                   "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
                                   "SCHEDULER_SERIALIZER": "scrapy_redis.picklecompat",
                                   "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter"})
    crawler.spider = Spider("t")
    crawler.stats.open_spider()
    scheduler = RedisScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    try:
        scheduler.enqueue_request(request)
        assert proxy.dropped == 1  # the answer was lost once
        direct = redis.Redis.from_url(durable_redis.url)
        assert direct.sismember(scheduler.dupefilter_key, fingerprint)
        assert direct.zcard(scheduler.queue_key) == 1, "the request is in the dupefilter but not queued: lost"
        assert scheduler.next_request().url == request.url
        assert not scheduler.enqueue_request(request.copy())  # and it stays filtered once queued
        direct.close()
    finally:
        scheduler.close("finished")
        proxy.close()


# --- healthcrawl schedule -----------------------------------------------------------------------------
def schedule_cmd(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run_module(["healthcrawl.cli.schedule", *args], env, timeout=120)


@pytest.mark.parametrize("name, text, message", [
    ("never.toml", '[[jobs]]\nspider = "gmw"\ncron = "0 6 30 2 *"\n',
     "job 1 (gmw): the cron expression '0 6 30 2 *' never fires (no such date)"),
    ("grace.toml", 'misfire_grace = "fifteen minutes"\n[[jobs]]\nspider = "gmw"\ncron = "0 6 * * *"\n',
     "'misfire_grace' must be a number, not 'fifteen minutes' (write it without quotes)"),
    ("args.toml", '[[jobs]]\nspider = "gmw"\ncron = "0 6 * * *"\nargs = "since=2d"\n',
     "job 1 (gmw): 'args' must be a table, not 'since=2d'"),
    ("enabled.json", json.dumps({"jobs": [{"spider": "gmw", "cron": "0 6 * * *", "enabled": "false"}]}),
     "job 1 (gmw): 'enabled' must be true or false, not 'false' (write it without quotes)"),
], ids=["never-fires", "misfire-grace-text", "args-not-a-table", "enabled-as-string"])
def test_schedule_check_refuses_a_never_firing_cron_and_mistyped_values_in_one_line(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    result = schedule_cmd("check", "--file", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"healthcrawl schedule: {path}: {message}"]
    assert "Traceback" not in result.stderr and result.stdout == ""


class PickyScrapyd:
    """A scrapyd stand-in whose schedule.json answers ``ok`` without a job id for one spider
    (a proxy or a scrapyd-compatible server gone wrong); the other spiders are scheduled."""

    def __init__(self, broken_spider: str):
        self.scheduled: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, doc: dict) -> None:
                data = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - listjobs.json
                self._answer({"status": "ok", "pending": [], "running": [], "finished": []})

            def do_POST(self):  # noqa: N802 - schedule.json
                params = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                spider = params["spider"][0]
                if spider == broken_spider:
                    self._answer({"status": "ok", "node_name": "picky"})
                    return
                stub.scheduled.append(spider)
                self._answer({"status": "ok", "jobid": f"job-{spider}"})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "PickyScrapyd":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_schedule_one_jobs_error_does_not_stop_the_pass_and_run_once_exits_1(mongod, mongo_db, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"jobs": [{"name": "ce-now", "spider": "ce", "cron": "* * * * *"},
                                         {"name": "gmw-now", "spider": "gmw", "cron": "* * * * *"}]}))
    state = tmp_path / "state.json"
    before = last_tick_one_fire_ago()
    state.write_text(json.dumps({"last_tick": before.isoformat(), "watch": []}))
    env = crawl_env(MONGO_URI=mongod.uri, MONGO_DATABASE=mongo_db.name)
    with PickyScrapyd("ce") as scrapyd:
        result = schedule_cmd("run", "--once", "--file", str(path), "--scrapyd", scrapyd.url, "--state", str(state),
                              env=env)
    assert result.returncode == 1, result.stderr
    assert "failed ce: could not schedule: scrapyd" in result.stdout
    assert "schedule.json: answered ok without a job id" in result.stdout
    assert "scheduled gmw as job job-gmw" in result.stdout  # the job after the failing one ran
    assert scrapyd.scheduled == ["gmw"]
    assert result.stderr.count("ERROR: schedule: FAILED ce (ce-now)") == 1
    assert "healthcrawl schedule: 1 run(s) failed in this pass" in result.stderr
    assert "Traceback" not in result.stderr
    saved = json.loads(state.read_text())
    assert datetime.fromisoformat(saved["last_tick"]) > before  # the state advanced
    assert [w["job_id"] for w in saved["watch"]] == ["job-gmw"]
    event = mongo_db.crawl_runs.find_one({"kind": "schedule"})
    assert (event["event"], event["spider"], event["schedule_name"]) == ("failed", "ce", "ce-now")


def test_schedule_an_error_inside_one_jobs_pass_is_its_failed_event_and_the_state_advances(tmp_path, monkeypatch):
    """Any exception in one job's part of a pass (here a cron library failure, forced with a
    monkeypatch: the file check refuses the crons that fail for real) is that job's failed event."""
    from healthcrawl.ops import cron
    from healthcrawl.ops.schedule import parse_schedule
    from healthcrawl.ops.scrapyd import ScrapydClient

    real = cron.fire_times

    def fire_times(expr, *args):
        if expr == "*/1 * * * *":
            raise RuntimeError("croniter broke")
        return real(expr, *args)

    monkeypatch.setattr(cron, "fire_times", fire_times)
    plan = parse_schedule({"jobs": [{"name": "broken", "spider": "ce", "cron": "*/1 * * * *"},
                                          {"name": "fine", "spider": "gmw", "cron": "* * * * *"}]})
    with PickyScrapyd("none") as scrapyd:
        scheduler = cron.Scheduler(plan, [ScrapydClient(scrapyd.url)], tmp_path / "state.json")
        # half past this minute: the minute before's tick leaves exactly one fire time due
        now = datetime.now(timezone.utc).replace(second=30, microsecond=0)
        scheduler.tick(now - timedelta(seconds=61))
        out = scheduler.tick(now)
    assert [(e["event"], e["spider"]) for e in out] == [("failed", "ce"), ("scheduled", "gmw")]
    assert out[0]["reason"] == "scheduler error in this job's pass: RuntimeError: croniter broke"
    assert json.loads((tmp_path / "state.json").read_text())["last_tick"] == now.isoformat()


# --- healthcrawl mongo stop|status ---------------------------------------------------------------------
def mongo_cmd(action: str, dbpath: Path, port: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "HEALTHCRAWL_MONGO_DBPATH": str(dbpath), "HEALTHCRAWL_MONGO_PORT": str(port)}
    return run_module(["healthcrawl.cli", "mongo", action], env, timeout=120)


def test_mongo_stop_and_status_never_signal_a_process_that_is_not_their_mongod(tmp_path):
    dbpath = tmp_path / "db"
    dbpath.mkdir()
    port = free_port()
    other = subprocess.Popen(["sleep", "300"])  # the pid a stale state file names after a reboot
    try:
        (dbpath / "healthcrawl-mongod.json").write_text(json.dumps({"pid": other.pid, "port": port}))
        status = mongo_cmd("status", dbpath, port)
        assert status.returncode == 2
        assert status.stderr.splitlines() == [
            f"healthcrawl mongo: {dbpath}/healthcrawl-mongod.json names pid {other.pid} (sleep 300), which is not "
            f"the mongod of {dbpath} on port {port}: not signalled; mongod is not running"]
        stop = mongo_cmd("stop", dbpath, port)
        assert stop.returncode == 2
        assert stop.stderr.splitlines() == [
            f"healthcrawl mongo: {dbpath}/healthcrawl-mongod.json names pid {other.pid} (sleep 300), which is not "
            f"the mongod of {dbpath} on port {port}: not signalled; stale state file removed"]
        assert other.poll() is None  # still running: neither command signalled it
        assert not (dbpath / "healthcrawl-mongod.json").exists()
        assert mongo_cmd("status", dbpath, port).returncode == 3  # plainly not running now
    finally:
        other.kill()
        other.wait(10)


def test_mongo_stop_of_a_mongod_started_by_the_same_process_reaps_it(tmp_path):
    from healthcrawl.storage import mongod

    server = mongod.ensure_running(tmp_path / "db", free_port())
    pid = server.pid
    assert mongod.is_mongod_of(pid, tmp_path / "db", server.port)
    assert mongod.stop(tmp_path / "db") is True
    # gone and reaped: no zombie left in the process table
    assert not Path(f"/proc/{pid}").exists()
    assert mongod.status(tmp_path / "db") is None


def test_schedule_run_once_against_a_real_scrapyd_exits_1_when_its_run_failed(mongod, mongo_db, tmp_path):
    """A real scrapyd (basic auth) where the project was never deployed: the due run cannot be
    started, the pass says why in one line, records it, and exits 1 (a system cron sees it)."""
    from tests.servers import ScrapydServer

    scrapyd = ScrapydServer(tmp_path / "scrapyd", "ops", "Sd-pass-not-in-logs").start()
    try:
        path = tmp_path / "s.toml"
        path.write_text('[[jobs]]\nname = "gmw-now"\nspider = "gmw"\ncron = "* * * * *"\n')
        state = tmp_path / "state.json"
        before = last_tick_one_fire_ago()
        state.write_text(json.dumps({"last_tick": before.isoformat(), "watch": []}))
        env = crawl_env(MONGO_URI=mongod.uri, MONGO_DATABASE=mongo_db.name, SCRAPYD_USERNAME="ops",
                        SCRAPYD_PASSWORD="Sd-pass-not-in-logs")
        result = schedule_cmd("run", "--once", "--file", str(path), "--scrapyd", scrapyd.url, "--state", str(state),
                              env=env)
    finally:
        scrapyd.stop()
    assert result.returncode == 1, result.stdout + result.stderr
    # one line per job: "<job>: failed gmw: <why>: run not scheduled · next <time>"
    failed = [line for line in result.stdout.splitlines() if line.startswith("gmw-now: failed gmw: ")]
    assert len(failed) == 1 and "listjobs.json: project 'healthcrawl' not found" in failed[0], result.stdout
    assert result.stderr.count("ERROR: schedule: FAILED gmw (gmw-now)") == 1
    assert "Sd-pass-not-in-logs" not in result.stdout + result.stderr
    assert datetime.fromisoformat(json.loads(state.read_text())["last_tick"]) > before
    assert mongo_db.crawl_runs.count_documents({"kind": "schedule", "event": "failed", "spider": "gmw"}) == 1
