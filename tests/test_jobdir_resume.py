"""A crawl killed in the middle and resumed with the same JOBDIR stores every article exactly once,
whether it was stopped by SIGTERM (and SIGKILL if still alive after a grace period) or killed
outright with SIGKILL.

Scrapy's JOBDIR keeps the pending requests on disk and the fingerprints of those already enqueued,
but writes its queue's state only when the scheduler closes. On the first SIGTERM Scrapy stops
scheduling, finishes the requests in progress (their items reach the mongo pipeline, which flushes
at close) and writes that state: the resumed crawl takes the pending requests from the JOBDIR
("Resuming crawl"), the list pages it asks for again are filtered as already seen, and article
links it meets again whose article is stored are skipped (healthcrawl/crawl/middlewares/known.py).
A crawl killed before its scheduler closed (SIGKILL, or the SIGKILL after the grace period) leaves
its marker ``JOBDIR/healthcrawl.running`` behind (healthcrawl/crawl/jobdir.py): the resumed crawl logs
one WARNING, counts ``jobdir/unclean_resume``, forgets the lost queue and the seen fingerprints and
crawls the window again, fetching only list pages and the articles not stored yet.
The last tests check the scheduler itself on a real Crawler (no crawl), and how it is selected.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pymongo
import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from healthcrawl import settings as project_settings
from healthcrawl.storage.mongod import MongodServer, free_port
from healthcrawl.crawl.jobdir import MARKER, SCHEDULER_PATH, UNCLEAN_RESUME_STAT, JobdirScheduler
from tests.servers import crawl_env, run_module
from tests.test_resilience import WINDOW, assert_stored_exactly_once, gmw_urls

GRACE = 30  # seconds between SIGTERM and SIGKILL
#: the one WARNING of a resumed crawl whose JOBDIR was not closed cleanly
UNCLEAN = "was not closed cleanly (its crawl was killed or crashed): its request queue is lost"


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
    args = ["scrapy", "crawl", "gmw", "-a", f"since={WINDOW[0]}", "-a", f"until={WINDOW[1]}",
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
        return run_module(args, crawl_env(MONGO_URI=uri), popen=True, stdout=subprocess.DEVNULL, stderr=fh)


def wait_for_articles(proc: subprocess.Popen, coll, count: int, log: Path) -> int:
    deadline = time.monotonic() + 120
    while coll.estimated_document_count() < count and time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        time.sleep(0.05)
    return coll.estimated_document_count()


def run_to_end(args: list[str], uri: str, log: Path) -> None:
    proc = start(args, uri, log)
    assert proc.wait(timeout=300) == 0, log.read_text()[-3000:]


@pytest.mark.parametrize("grace", [GRACE, 0.05], ids=["graceful", "sigkill-during-shutdown"])
def test_killed_and_resumed_with_jobdir_stores_every_article_once(corpus, own_mongod, tmp_path, grace):
    """SIGTERM, then SIGKILL if the crawl is still alive after ``grace`` seconds (the second case
    almost always kills it in the middle of its graceful shutdown)."""
    mirror, info = corpus
    wanted = gmw_urls(info)
    jobdir, log = tmp_path / "job", tmp_path / "crawl.log"
    marker = jobdir / MARKER
    args = crawl_args(mirror, "resume", tmp_path, jobdir)
    client = pymongo.MongoClient(own_mongod.uri)
    coll = client["resume"].articles

    proc = start(args, own_mongod.uri, log)
    stored = wait_for_articles(proc, coll, 40, log)
    assert proc.poll() is None and stored < len(wanted) / 2  # in the middle of the crawl
    assert marker.exists()  # written when the scheduler opened
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
        killed = False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        killed = True
    first = log.read_text()
    if killed:  # the graceful shutdown did not finish: the marker stayed
        assert marker.exists()
    else:
        assert "Received SIGTERM, shutting down gracefully" in first, first[-3000:]
        assert not marker.exists()  # removed after the queue state was written
    assert coll.estimated_document_count() < len(wanted)  # not finished: there is something to resume
    assert (jobdir / "requests.seen").exists()

    run_to_end(args, own_mongod.uri, log)  # resume: the same command, the same JOBDIR
    resumed = log.read_text()[len(first):]
    if killed:
        assert resumed.count(UNCLEAN) == 1, resumed[-3000:]
    else:
        assert "Resuming crawl" in resumed and UNCLEAN not in resumed, resumed[-3000:]
    assert not marker.exists()
    assert_stored_exactly_once(coll, wanted)
    runs = list(client["resume"].crawl_runs.find({"spider": "gmw"}).sort("start_time", 1))
    # a killed run's entry stays "running", without a finish reason
    assert [r.get("finish_reason") for r in runs] == [None if killed else "shutdown", "finished"]
    assert runs[-1]["spider_stats"].get("jobdir/unclean_resume", 0) == int(killed)
    client.close()


def test_killed_outright_then_resumed_with_the_same_jobdir_completes_the_set(corpus, own_mongod, tmp_path):
    """SIGKILL without SIGTERM (a crash): Scrapy never wrote its disk queue's state, and
    requests.seen holds whatever part of the fingerprints had been flushed. The same command with the same JOBDIR sees the marker left
    behind, discards both and crawls the window again, fetching only what is not stored."""
    mirror, info = corpus
    wanted = gmw_urls(info)
    jobdir, log = tmp_path / "job", tmp_path / "crawl.log"
    args = crawl_args(mirror, "crash", tmp_path, jobdir)
    client = pymongo.MongoClient(own_mongod.uri)
    coll = client["crash"].articles

    proc = start(args, own_mongod.uri, log)
    wait_for_articles(proc, coll, 40, log)
    proc.kill()
    proc.wait(10)
    stored_at_crash = coll.estimated_document_count()
    assert stored_at_crash < len(wanted)
    # requests.seen holds what its file buffer had flushed when the process died: any part of the
    # fingerprints, possibly none; the marker is what tells the next run
    assert (jobdir / MARKER).exists() and (jobdir / "requests.seen").exists()
    first = log.read_text()

    run_to_end(args, own_mongod.uri, log)  # resume: the same command, the same JOBDIR
    resumed = log.read_text()[len(first):]
    assert resumed.count(UNCLEAN) == 1, resumed[-3000:]
    assert "Resuming crawl" not in resumed
    assert not (jobdir / MARKER).exists()
    assert_stored_exactly_once(coll, wanted)
    runs = list(client["crash"].crawl_runs.find({"spider": "gmw"}).sort("start_time", 1))
    assert [r["status"] for r in runs] == ["running", "closed"]  # the killed run never closed
    last = runs[-1]
    assert last["finish_reason"] == "finished"
    assert last["spider_stats"]["jobdir/unclean_resume"] == 1
    # the resumed crawl skipped what was stored and fetched at most the rest
    assert last["spider_stats"]["skipped_known"] >= stored_at_crash
    assert last["items"]["found"] <= len(wanted) - stored_at_crash
    client.close()


# --- the scheduler on a real Crawler, without crawling ---------------------------------------------
def open_scheduler(jobdir: Path) -> tuple[JobdirScheduler, object]:
    # (Scrapy's default DownloaderAwarePriorityQueue needs a running engine)
    crawler = get_crawler(Spider, {"JOBDIR": str(jobdir), "ADDONS": project_settings.ADDONS,
                                   "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"})
    assert crawler.settings["SCHEDULER"] == SCHEDULER_PATH
    spider = Spider("unit")
    spider.crawler = crawler
    crawler.stats.open_spider()
    scheduler = JobdirScheduler.from_crawler(crawler)
    scheduler.open(spider)
    return scheduler, crawler


def test_a_marker_left_behind_discards_queue_and_seen_fingerprints(tmp_path, caplog):
    jobdir = tmp_path / "job"
    scheduler, _ = open_scheduler(jobdir)  # a first run, "killed": never closed
    assert scheduler.enqueue_request(Request("https://example.com/list_1.htm"))
    scheduler.df.file.close()  # the process dies: no close(), the marker stays
    # requests.seen holds what its file buffer had flushed when the process died: any part of the
    # fingerprints, possibly none; the marker is what tells the next run
    assert (jobdir / MARKER).exists() and (jobdir / "requests.seen").exists()

    with caplog.at_level("WARNING", logger="healthcrawl.crawl.jobdir"):
        scheduler, crawler = open_scheduler(jobdir)
    assert sum(UNCLEAN in r.getMessage() for r in caplog.records) == 1
    assert crawler.stats.get_value(UNCLEAN_RESUME_STAT) == 1
    assert (jobdir / "requests.seen").stat().st_size == 0
    assert len(scheduler) == 0 and not list((jobdir / "requests.queue").iterdir())
    # the list page is no longer "seen": it is scheduled again
    assert scheduler.enqueue_request(Request("https://example.com/list_1.htm"))
    scheduler.close("finished")
    assert not (jobdir / MARKER).exists()
    assert (jobdir / "requests.queue" / "active.json").exists()

    caplog.clear()  # closed cleanly: an ordinary Scrapy resume
    with caplog.at_level("INFO"):
        scheduler, crawler = open_scheduler(jobdir)
    messages = [r.getMessage() for r in caplog.records]
    assert "Resuming crawl (1 requests scheduled)" in messages
    assert not [m for m in messages if UNCLEAN in m] and crawler.stats.get_value(UNCLEAN_RESUME_STAT) is None
    assert not scheduler.enqueue_request(Request("https://example.com/list_1.htm"))  # seen
    scheduler.close("finished")


def test_the_scheduler_is_selected_with_jobdir_and_the_redis_frontier_still_wins(tmp_path):
    def scheduler(**settings) -> str:
        return get_crawler(Spider, {"ADDONS": project_settings.ADDONS, **settings}).settings["SCHEDULER"]

    assert scheduler() == "scrapy.core.scheduler.Scheduler"
    assert scheduler(JOBDIR=str(tmp_path)) == SCHEDULER_PATH
    # the Redis frontier add-on runs after ours; an explicit SCHEDULER outranks both
    assert scheduler(JOBDIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:1/0") == \
        "healthcrawl.crawl.frontier.RedisScheduler"
    assert scheduler(JOBDIR=str(tmp_path), SCHEDULER="scrapy.core.scheduler.Scheduler") == \
        "scrapy.core.scheduler.Scheduler"
