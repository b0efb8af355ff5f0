"""A crawl killed in the middle (SIGTERM, then SIGKILL if it is still alive) and resumed with the
same JOBDIR stores every article exactly once.

Scrapy's JOBDIR keeps the pending requests on disk and the fingerprints of those already sent. On
the first SIGTERM Scrapy stops scheduling, finishes the requests in progress (their items reach
the mongo pipeline, which flushes at close) and writes its queue state; the operator's SIGKILL
after a grace period only hits a process that has not managed that. The resumed crawl takes the
pending requests from the JOBDIR; the list pages it asks for again are filtered as already seen,
and article links it meets again whose article is stored are skipped (healthcrawl/middlewares/known.py).
A crawl killed outright (SIGKILL, no SIGTERM) never writes its queue's state: its JOBDIR cannot be
resumed (a resumed crawl schedules nothing), but a plain crawl (no JOBDIR) fetches exactly the
articles that are not stored yet, as the second test shows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest

from healthcrawl.mongod import MongodServer, free_port
from tests.test_resilience import WINDOW, assert_stored_exactly_once, clean_env, gmw_urls

ROOT = Path(__file__).resolve().parents[1]
GRACE = 30  # seconds between SIGTERM and SIGKILL


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from bench.corpus import generate

    out = tmp_path_factory.mktemp("jobdir-corpus") / "mirror"
    return out, generate(out, n=700, seed=11)


@pytest.fixture
def own_mongod(tmp_path):
    server = MongodServer(tmp_path / "db", free_port()).start()
    yield server
    server.stop()


def crawl_args(mirror: Path, database: str, tmp: Path, jobdir: Path | None) -> list[str]:
    args = [sys.executable, "-m", "scrapy", "crawl", "gmw", "-a", f"since={WINDOW[0]}", "-a", f"until={WINDOW[1]}",
            "-s", f"HEALTHCRAWL_REPLAY_DIR={mirror}", "-s", f"MONGO_DATABASE={database}",
            "-s", f"MONGO_SPOOL_DIR={tmp / 'spool'}", "-s", "HEALTHCRAWL_KEEP_IRRELEVANT=1",
            "-s", "MONGO_BATCH_SIZE=20", "-s", "MONGO_FLUSH_INTERVAL=0.5",
            # slow enough to be killed in the middle
            "-s", "DOWNLOAD_DELAY=0.02", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
    if jobdir is not None:
        args += ["-s", f"JOBDIR={jobdir}"]
    args += ["-s", "LOG_LEVEL=INFO"]
    return args


def start(args: list[str], uri: str, log: Path) -> subprocess.Popen:
    with log.open("a") as fh:
        return subprocess.Popen(args, cwd=ROOT, env=clean_env(MONGO_URI=uri), stdout=subprocess.DEVNULL,
                                stderr=fh)


def wait_for_articles(proc: subprocess.Popen, coll, count: int, log: Path) -> int:
    deadline = time.monotonic() + 120
    while coll.estimated_document_count() < count and time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        time.sleep(0.05)
    return coll.estimated_document_count()


def run_to_end(args: list[str], uri: str, log: Path) -> None:
    proc = start(args, uri, log)
    assert proc.wait(timeout=300) == 0, log.read_text()[-3000:]


def test_killed_and_resumed_with_jobdir_stores_every_article_once(corpus, own_mongod, tmp_path):
    mirror, info = corpus
    wanted = gmw_urls(info)
    jobdir, log = tmp_path / "job", tmp_path / "crawl.log"
    args = crawl_args(mirror, "resume", tmp_path, jobdir)
    client = pymongo.MongoClient(own_mongod.uri)
    coll = client["resume"].articles

    proc = start(args, own_mongod.uri, log)
    stored = wait_for_articles(proc, coll, 40, log)
    assert proc.poll() is None and stored < len(wanted) / 2  # in the middle of the crawl
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=GRACE)
        killed = False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        killed = True
    first = log.read_text()
    assert killed or "Received SIGTERM, shutting down gracefully" in first, first[-3000:]
    assert coll.estimated_document_count() < len(wanted)  # not finished: there is something to resume
    assert (jobdir / "requests.seen").exists()

    run_to_end(args, own_mongod.uri, log)  # resume: the same command, the same JOBDIR
    assert "Resuming crawl" in log.read_text()[len(first):]
    assert_stored_exactly_once(coll, wanted)
    runs = list(client["resume"].crawl_runs.find({"spider": "gmw"}).sort("start_time", 1))
    assert [r["finish_reason"] for r in runs] == ["shutdown", "finished"] or killed
    client.close()


def test_killed_outright_then_a_plain_crawl_completes_the_set(corpus, own_mongod, tmp_path):
    """SIGKILL without SIGTERM (a crash): Scrapy writes its disk queue's state only when it closes,
    so the JOBDIR cannot be resumed (a resumed crawl finds no queue and every list page already
    seen: it schedules nothing). A crawl without the JOBDIR then fetches only what is not stored."""
    mirror, info = corpus
    wanted = gmw_urls(info)
    jobdir, log = tmp_path / "job", tmp_path / "crawl.log"
    client = pymongo.MongoClient(own_mongod.uri)
    coll = client["crash"].articles

    proc = start(crawl_args(mirror, "crash", tmp_path, jobdir), own_mongod.uri, log)
    wait_for_articles(proc, coll, 40, log)
    proc.kill()
    proc.wait(10)
    stored_at_crash = coll.estimated_document_count()

    run_to_end(crawl_args(mirror, "crash", tmp_path, None), own_mongod.uri, log)  # a plain crawl
    assert_stored_exactly_once(coll, wanted)
    last = client["crash"].crawl_runs.find_one({"spider": "gmw"}, sort=[("start_time", -1)])
    # the plain crawl skipped what was stored and fetched at most the rest
    assert last["spider_stats"]["skipped_known"] >= stored_at_crash
    assert last["items"]["found"] <= len(wanted) - stored_at_crash
    client.close()
