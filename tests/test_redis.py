"""Distributed crawling: two crawl processes share one frontier in a real redis-server.

Both run ``scrapy crawl gmw`` over the demo archive at the same time with ``-s REDIS_URL=…``;
both enqueue the same start pages (the shared dupefilter drops the second copy), pull from one
queue, and close by themselves once the shared queue has stayed empty for
``HEALTHCRAWL_REDIS_IDLE_CLOSE`` seconds. Together they fetch what one process fetches, and
every article is stored exactly once.
"""

from __future__ import annotations

import json
import subprocess
import time

import pymongo
import pytest
import redis

from healthcrawl import settings as project_settings
from tests.servers import RedisServer, crawl_env, run_module, scrapy_crawl
from tests.demo import ARCHIVE, WEEK

GMW_HOSTS = 5  # robots.txt is fetched per host by each process, outside the shared frontier



@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def test_two_processes_share_one_frontier_and_store_every_article_once(redis_server, mongod, tmp_path):
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    single_db, shared_db = "hc_redis_single", "hc_redis_shared"
    try:
        args = ["gmw", "-a", f"since={WEEK[0]}", "-a", f"until={WEEK[1]}", "-s", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}"]
        # one process alone, for comparison
        result = scrapy_crawl(args + ["-a", "_job=single", "-s", f"MONGO_DATABASE={single_db}"],
                              crawl_env(MONGO_URI=mongod.uri))
        assert result.returncode == 0, result.stderr[-3000:]
        single = client[single_db].crawl_runs.find_one({"job_id": "single"})
        # two processes, one Redis frontier
        middlewares = {**project_settings.DOWNLOADER_MIDDLEWARES, "tests.servers.SlowDownloads": 900}
        shared = args + ["-s", f"MONGO_DATABASE={shared_db}", "-s", f"REDIS_URL={redis_server.url}",
                         "-s", "HEALTHCRAWL_REDIS_IDLE_CLOSE=4", "-s", "CONCURRENT_REQUESTS=2",
                         "-s", f"DOWNLOADER_MIDDLEWARES={json.dumps(middlewares)}"]
        env = crawl_env(MONGO_URI=mongod.uri, HC_TEST_LATENCY="0.25")
        started = time.monotonic()
        procs = [run_module(["scrapy", "crawl", *shared, "-a", f"_job=node-{i}"], env, popen=True)
                 for i in (1, 2)]
        outputs = []
        for proc in procs:
            try:
                outputs.append(proc.communicate(timeout=240))
            except subprocess.TimeoutExpired:
                for p in procs:
                    p.kill()
                pytest.fail("a crawl process did not close by itself")
        for proc, (_, err) in zip(procs, outputs):
            assert proc.returncode == 0, err[-3000:]
        elapsed = time.monotonic() - started

        db = client[shared_db]
        nodes = {r["job_id"]: r for r in db.crawl_runs.find({"kind": "crawl"})}
        assert set(nodes) == {"node-1", "node-2"}
        frontiers = {r["redis"]["frontier"] for r in nodes.values()}
        assert frontiers == {f"healthcrawl:gmw:{WEEK[0].replace('-', '')}-{WEEK[1].replace('-', '')}"}
        # together they did the work of one process: same articles, about the same requests
        assert sum(r["items"]["found"] for r in nodes.values()) == single["items"]["found"]
        total_requests = sum(r["requests"] for r in nodes.values())
        assert single["requests"] <= total_requests <= single["requests"] + GMW_HOSTS + 2, \
            (single["requests"], {k: r["requests"] for k, r in nodes.items()})
        # the second node's copies of the start pages were dropped by the shared dupefilter
        assert sum(r["redis"].get("filtered_shared", 0) for r in nodes.values()) >= 1
        # every article stored exactly once: as many documents as one process stores, and no more
        # articles written twice (last_seen moved past first_seen) than in the single-process run
        articles = list(db.articles.find({}, {"canonical_url": 1, "crawl.job_id": 1}))
        assert len(articles) == client[single_db].articles.count_documents({}) > 0
        assert len({a["canonical_url"] for a in articles}) == len(articles)
        rewritten = {"$expr": {"$ne": ["$first_seen", "$last_seen"]}}
        assert db.articles.count_documents(rewritten) == client[single_db].articles.count_documents(rewritten)
        assert {a["crawl"]["job_id"] for a in articles} <= {"node-1", "node-2"}
        # one node was the last out: it judged the frontier's total and removed the keys
        assert sorted(r["redis"]["last_node"] for r in nodes.values()) == [0, 1]
        assert all(r["monitors"]["ok"] for r in nodes.values())
        assert redis.Redis.from_url(redis_server.url).keys("healthcrawl:*") == []
        share = {k: r["requests"] for k, r in nodes.items()}
        print(f"requests per node {share} (one process: {single['requests']}), {elapsed:.0f} s")
    finally:
        client.drop_database(single_db)
        client.drop_database(shared_db)
        client.close()


def test_without_redis_url_the_normal_scheduler_is_used():
    result = run_module(["scrapy", "settings", "--get", "SCHEDULER"], timeout=120)
    assert result.stdout.strip() == "scrapy.core.scheduler.Scheduler"


def test_with_redis_url_a_crawl_uses_the_redis_frontier(redis_server, tmp_path):
    # no database needed: a crawl with an unreachable start page only has to open the scheduler
    url = "https://health.gmw.cn/2026-11/10/content_1.htm"
    result = scrapy_crawl(["gmw", "-a", f"urls={url}", "-s", f"HEALTHCRAWL_REPLAY_DIR={tmp_path}",
                           "-s", "ITEM_PIPELINES={}", "-s", "HEALTHCRAWL_REDIS_IDLE_CLOSE=0"],
                          crawl_env(REDIS_URL=redis_server.url))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "shared frontier healthcrawl:gmw:" in result.stderr
    assert "'scheduler/enqueued/redis': 1" in result.stderr


def test_an_unreachable_redis_stops_the_crawl_loudly_without_showing_its_password(tmp_path):
    from healthcrawl.storage.mongod import free_port

    url = "https://health.gmw.cn/2026-11/10/content_1.htm"
    result = scrapy_crawl(["gmw", "-a", f"urls={url}", "-s", f"HEALTHCRAWL_REPLAY_DIR={tmp_path}",
                           "-s", "ITEM_PIPELINES={}"],
                          crawl_env(REDIS_URL=f"redis://:Redis-S3cret@127.0.0.1:{free_port()}/0"))
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Redis frontier unavailable at redis://***@127.0.0.1:" in log
    assert "Redis-S3cret" not in log


def test_a_queue_class_other_than_the_priority_queue_is_refused_in_one_line(redis_server, tmp_path):
    """The frontier's pop and enqueue are scripts on scrapy-redis's sorted-set queue: a list queue
    would be written by one and not read by the other, so the crawl does not start."""
    url = "https://health.gmw.cn/2026-11/10/content_1.htm"
    result = scrapy_crawl(["gmw", "-a", f"urls={url}", "-s", f"HEALTHCRAWL_REPLAY_DIR={tmp_path}",
                           "-s", "ITEM_PIPELINES={}", "-s", "SCHEDULER_QUEUE_CLASS=scrapy_redis.queue.FifoQueue"],
                          crawl_env(REDIS_URL=redis_server.url))
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "ERROR: the Redis frontier needs SCHEDULER_QUEUE_CLASS scrapy_redis.queue.PriorityQueue, not " \
           "scrapy_redis.queue.FifoQueue; stopping the crawl" in log, log[-3000:]
    assert "scheduler/enqueued/redis" not in log
