"""Storage under faults (issue 11): nothing lost, nothing silent. Real mongod, real crawls.

Every item that reaches the mongo pipeline ends stored, left in the spool (fsynced, written by the
next run) or rejected with a ``rejects`` record; anything else fails the run loudly (one ERROR
line, ``crawl_runs`` status ``failed``, the alert, exit 1). One test per fault case; each asserts
what was stored, the log line, the counter and, for whole crawls, the exit code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import bson
import pymongo
import pytest

from healthcrawl.storage.records import cap_document
from healthcrawl.storage.mongod import MongodServer, free_port
from tests.factories import make_article
from tests.servers import WebhookReceiver, crawl_env, scrapy_crawl
from tests.test_mongo_pipeline import make_pipeline, run_items

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT / "healthcrawl" / "demo" / "archive"
MANIFEST = ROOT / "healthcrawl" / "demo" / "manifest.json"
WEEK = ("2026-11-09", "2026-11-15")
FIXTURE = ROOT / "tests" / "fixtures" / "gmw" / "article_2018"


def stats_of(pipeline) -> dict:
    return {k.split("/", 2)[2]: v for k, v in pipeline.crawler.stats.get_stats().items()
            if k.startswith("healthcrawl/mongo/")}


def failures_of(pipeline) -> list[str]:
    return [k.rsplit("/", 1)[1] for k in pipeline.crawler.stats.get_stats() if k.startswith("healthcrawl/run/failure/")]


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "] ERROR: " in line]


@pytest.fixture
def own_mongod(tmp_path):
    server = MongodServer(tmp_path / "own-db", free_port()).start()
    yield server
    server.stop()


# --- start-up refusals: the crawl never starts ----------------------------------------------------
def demo_crawl(database: str, uri: str, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return scrapy_crawl(["gmw", "-a", f"since={WEEK[0]}", "-a", f"until={WEEK[1]}",
                         "-s", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}", "-s", f"MONGO_DATABASE={database}", *extra],
                        env=crawl_env(MONGO_URI=uri, **(env or {})))


def test_a_write_concern_the_server_cannot_meet_stops_the_crawl_before_it_starts(mongod, mongo_db, tmp_path):
    # a standalone mongod cannot acknowledge w: 2; before, 0 of 8 items were stored and it exited 0
    result = demo_crawl(mongo_db.name, mongod.uri, "-s", f"MONGO_SPOOL_DIR={tmp_path / 'spool'}",
                        env={"MONGO_WRITE_CONCERN": "2"})
    assert result.returncode == 1
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr[-3000:]
    assert "storage unavailable, stopping the crawl" in errors[0] and "refuses writes with write concern w=2" in errors[0]
    assert "Traceback" not in result.stderr
    assert "downloader/request_count" not in result.stderr  # not one page requested
    assert mongo_db.articles.count_documents({}) == 0


def test_a_spool_folder_that_cannot_be_created_stops_the_crawl_before_it_starts(mongod, mongo_db, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the spool folder should be")
    result = demo_crawl(mongo_db.name, mongod.uri, "-s", f"MONGO_SPOOL_DIR={blocker / 'spool'}")
    assert result.returncode == 1
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr[-3000:]
    assert "(MONGO_SPOOL_DIR) is not usable" in errors[0]
    assert "Traceback" not in result.stderr
    assert mongo_db.articles.count_documents({}) == 0


# --- a document the database refuses: rejected, recorded, the run fails, the rest is stored --------
@pytest.fixture(scope="module")
def refused_crawl(mongod, tmp_path_factory):
    """The demo week of gmw into a database whose schema refuses one article's title."""
    tmp = tmp_path_factory.mktemp("refused")
    database = f"hc_refused_{os.getpid()}"
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    victim = next(a for a in manifest["articles"] if a["site"] == "gmw" and a["relevant"]
                  and not a.get("broken") and not a.get("outside_window") and not a["flags"].get("reprint_of"))
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    client[database].create_collection("articles", validator={"title": {"$ne": victim["title"]}})
    with WebhookReceiver() as webhook:
        result = demo_crawl(database, mongod.uri, "-s", f"MONGO_SPOOL_DIR={tmp / 'spool'}",
                            env={"HEALTHCRAWL_ALERT_WEBHOOK": webhook.url})
        received = list(webhook.received)
    yield {"result": result, "db": client[database], "victim": victim, "manifest": manifest, "alerts": received}
    client.drop_database(database)
    client.close()


def test_a_refused_document_is_rejected_with_its_url_and_reason(refused_crawl):
    db, victim = refused_crawl["db"], refused_crawl["victim"]
    rejects = list(db.rejects.find({}))
    assert [r["url"] for r in rejects] == [victim["url"]], refused_crawl["result"].stderr[-3000:]
    reject = rejects[0]
    assert reject["reason"] == "DocumentValidationFailure" and reject["site"] == "gmw" and reject["spider"] == "gmw"
    assert reject["title"] == victim["title"] and reject["first_seen"] <= reject["last_seen"]
    assert db.articles.count_documents({"url": victim["url"]}) == 0


def test_a_refused_document_costs_only_itself(refused_crawl):
    db, victim = refused_crawl["db"], refused_crawl["victim"]
    stored = {d["url"] for d in db.articles.find({"stub": {"$ne": True}}, {"url": 1})}
    # every relevant gmw article of the week but the refused one is stored
    wanted = {a["url"] for a in refused_crawl["manifest"]["articles"]
              if a["site"] == "gmw" and a["relevant"] and not a.get("broken") and not a.get("outside_window")
              and not a["flags"].get("reprint_of")}
    assert wanted - {victim["url"]} <= stored
    assert victim["url"] not in stored


def test_a_refused_document_fails_the_run_loudly(refused_crawl):
    result, db = refused_crawl["result"], refused_crawl["db"]
    assert result.returncode == 1
    log = result.stderr
    errors = error_lines(log)
    assert any("run failed (storage_rejected): MongoDB refused article(s) of this run (DocumentValidationFailure" in e
               for e in errors), log[-3000:]
    assert "'healthcrawl/mongo/rejected': 1" in log and "'healthcrawl/run/failed': 1" in log
    assert "Traceback" not in log
    run = db.crawl_runs.find_one({"spider": "gmw"})
    assert run["status"] == "failed"
    assert "storage_rejected" in run["failures"]
    acc = run["storage"]
    assert acc["queued"] == acc["stored"] + acc["left_in_spool"] + acc["rejected"] and acc["rejected"] == 1
    assert acc["lost"] == 0
    assert {"run_failed", "storage"} <= set(run["monitors"]["failed"])
    assert run["alert"]["sent"] is True
    alerts = refused_crawl["alerts"]
    assert len(alerts) == 1 and "storage" in alerts[0]["text"]["content"]


# --- an article page of 5.4 MB in GBK: stored, capped under MongoDB's limit -------------------------
def huge_gbk_page(size: int = 5_400_000) -> bytes:
    """The real gmw fixture page, re-declared as GBK, with its text repeated to ``size`` bytes."""
    html = (FIXTURE / "page.html").read_text(encoding="utf-8")
    html = html.replace('charset="UTF-8"', 'charset="gbk"').replace("charset=utf-8", "charset=gbk")
    start = html.index("<p>　　记者近日")
    end = html.index("<p>【上一篇】")
    paragraphs = html[start:end]
    repeat = size // len(paragraphs.encode("gbk")) + 1
    page = html[:start] + paragraphs * repeat + html[end:]
    return page.encode("gbk")


def test_an_article_of_five_megabytes_in_gbk_is_stored_capped(mongod, mongo_db, tmp_path):
    page = huge_gbk_page()
    assert len(page) >= 5_400_000
    url = "https://digital.gmw.cn/2026-11/10/content_38601234.htm"
    mirror = tmp_path / "mirror" / "digital.gmw.cn" / "2026-11" / "10" / "content_38601234.htm"
    mirror.parent.mkdir(parents=True)
    mirror.write_bytes(page)  # served as the site would: bytes, the charset in the page's <meta>
    result = scrapy_crawl(["gmw", "-a", f"urls={url}", "-s", f"MONGO_DATABASE={mongo_db.name}",
                           "-s", f"HEALTHCRAWL_REPLAY_DIR={tmp_path / 'mirror'}",
                           "-s", f"MONGO_SPOOL_DIR={tmp_path / 'spool'}", "-s", "HEALTHCRAWL_KEEP_IRRELEVANT=1"],
                          env=crawl_env(MONGO_URI=mongod.uri), timeout=600)
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    doc = mongo_db.articles.find_one({})
    assert doc is not None, log[-3000:]
    assert doc["body_truncated"] is True and doc["body_chars"] > 1_500_000
    assert len(doc["body"]) <= 500_000 and doc["body"].startswith("记者近日")
    assert len(bson.encode(doc)) < 16 * 1024 * 1024
    assert "'healthcrawl/mongo/body_truncated': 1" in log and "'healthcrawl/mongo/stored': 1" in log
    lines = [line for line in log.splitlines()
             if re.search(r"WARNING: article body of \d+ characters cut to \d+ to fit a MongoDB document", line)]
    assert len(lines) == 1 and "WARNING" in lines[0] and url in lines[0]


def test_a_body_still_too_large_after_the_cut_is_halved_until_it_fits():
    doc = {"canonical_url": "https://x.example/1", "title": "标题", "body": "卫生健康数据。\n" * 200_000}
    capped = cap_document(dict(doc), max_body_chars=10_000_000, max_bytes=1_000_000)
    assert len(bson.encode(capped)) <= 1_000_000
    assert capped["body_truncated"] is True and capped["body_chars"] == len(doc["body"])
    assert capped["body"].endswith("。") and doc["body"].startswith(capped["body"])


# --- the spool fails mid-crawl while the database is away: kept in memory, stored, run failed -----
def test_an_unwritable_spool_while_the_database_is_away_loses_nothing_and_fails_the_run(own_mongod, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    spool_dir = tmp_path / "spool"
    pipeline = make_pipeline(own_mongod.uri, "spoolgone", tmp_path, MONGO_BATCH_SIZE=20, MONGO_FLUSH_INTERVAL=0.2,
                             MONGO_CONNECT_TIMEOUT=1, MONGO_RETRY_INTERVAL=0.2, MONGO_CLOSE_TIMEOUT=60)
    items = [make_article(i) for i in range(300)]

    async def between(n):
        if n == 50:
            await asyncio.sleep(0.5)
            # the spool folder is replaced by a regular file (root ignores permissions)
            for f in spool_dir.iterdir():
                f.unlink()
            spool_dir.rmdir()
            spool_dir.write_text("not a folder any more")
            own_mongod.kill()
        if n == 200:
            await asyncio.sleep(1.0)
            await asyncio.to_thread(own_mongod.start)
        await asyncio.sleep(0)

    run_items(pipeline, items, between)
    client = pymongo.MongoClient(own_mongod.uri)
    assert client.spoolgone.articles.count_documents({}) == 300
    client.close()
    s = stats_of(pipeline)
    assert s["queued"] == s["stored"] == 300 and s["spool_failed"] > 0 and "lost" not in s
    assert failures_of(pipeline) == ["spool_unwritable"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "run failed (spool_unwritable): cannot write the spool" in errors[0].getMessage()


# --- the writer thread dies: detected at once, every item kept for the next run -----------------------
def test_a_dead_writer_thread_is_detected_at_once_and_nothing_is_lost(mongod, mongo_db, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    pipeline = make_pipeline(mongod.uri, mongo_db.name, tmp_path, MONGO_BATCH_SIZE=10, MONGO_FLUSH_INTERVAL=0.1)
    calls = {"n": 0}
    real_write = pipeline._write

    def write_then_crash(records, retrying=False):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("a bug in the writer")
        return real_write(records, retrying)

    pipeline._write = write_then_crash
    seen_failed_before_close = {}

    async def go():
        await pipeline.open_spider()
        for i in range(60):
            await pipeline.process_item(make_article(i))
            if i == 35:
                for _ in range(50):  # the failure shows while the crawl goes on, not at close
                    await asyncio.sleep(0.05)
                    if pipeline.crawler.stats.get_value("healthcrawl/run/failed"):
                        break
                seen_failed_before_close["failed"] = pipeline.crawler.stats.get_value("healthcrawl/run/failed")
        await pipeline.close_spider()
    asyncio.run(go())

    assert seen_failed_before_close["failed"] == 1
    s = stats_of(pipeline)
    stored = mongo_db.articles.count_documents({})
    # the batches written before the crash: the run's first item (written at once), then ten
    assert stored == s["stored"] == 11
    assert s["queued"] == 60 and s["left_in_spool"] == 49 and "lost" not in s
    assert failures_of(pipeline) == ["storage_writer_died"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "the MongoDB writer thread stopped (RuntimeError: a bug in the writer)" in errors[0]
    # the next run writes what was kept
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [])
    assert mongo_db.articles.count_documents({}) == 60


# --- spool files left by dead processes -----------------------------------------------------------------
def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def spool_lines(n: int, start: int = 0) -> list[str]:
    seen = datetime(2026, 11, 12, tzinfo=timezone.utc)
    out = []
    for i in range(start, start + n):
        url = f"https://health.gmw.cn/2026-11/12/content_{50000000 + i}.htm"
        record = {"kind": "article", "seen": seen,
                  "doc": {"url": url, "canonical_url": url, "site": "gmw", "title": f"第{i}条", "body": "正文。"}}
        out.append(bson.json_util.dumps(record, json_options=bson.json_util.RELAXED_JSON_OPTIONS))
    return out


REPLAYER = """
import asyncio, sys
from scrapy import Spider
from scrapy.utils.test import get_crawler
from healthcrawl.project import settings_dict
from pipelines.mongo import MongoPipeline
crawler = get_crawler(Spider, settings_dict({"MONGO_URI": sys.argv[1], "MONGO_DATABASE": sys.argv[2],
                                             "MONGO_SPOOL_DIR": sys.argv[3], "MONGO_BATCH_SIZE": 50}))
asyncio.run(MongoPipeline.from_crawler(crawler).open_spider())
"""


def test_a_spool_claimed_by_a_crawl_killed_while_replaying_is_replayed_by_the_next_run(mongod, mongo_db, tmp_path):
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    (spool_dir / f"{mongo_db.name}.{dead_pid()}.1.jsonl").write_text("\n".join(spool_lines(20_000)) + "\n")
    replayer = subprocess.Popen([sys.executable, "-c", REPLAYER, mongod.uri, mongo_db.name, str(spool_dir)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while mongo_db.articles.estimated_document_count() < 500 and time.monotonic() < deadline:
            time.sleep(0.05)
        replayer.send_signal(signal.SIGKILL)
    finally:
        replayer.wait()
    claimed = list(spool_dir.glob("*.replaying-*"))
    assert [p.suffix for p in claimed] == [f".replaying-{replayer.pid}"]
    partial = mongo_db.articles.count_documents({})
    assert 500 <= partial < 20_000

    pipeline = make_pipeline(mongod.uri, mongo_db.name, tmp_path)
    run_items(pipeline, [])
    assert mongo_db.articles.count_documents({}) == 20_000
    assert len(mongo_db.articles.distinct("canonical_url")) == 20_000
    assert list(spool_dir.iterdir()) == []
    assert stats_of(pipeline)["replayed_from_spool"] == 20_000


def test_a_spool_of_a_live_process_is_left_to_it(mongod, mongo_db, tmp_path):
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        mine = spool_dir / f"{mongo_db.name}.{sleeper.pid}.1.jsonl"
        mine.write_text("\n".join(spool_lines(5)) + "\n")
        os.utime(mine, (time.time() + 5, time.time() + 5))  # written after that process started
        run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [])
        assert mine.exists() and mongo_db.articles.count_documents({}) == 0
    finally:
        sleeper.kill()
        sleeper.wait()
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [])
    assert not mine.exists() and mongo_db.articles.count_documents({}) == 5


def test_corrupt_spool_lines_are_quarantined_and_every_good_line_is_written(mongod, mongo_db, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    good = spool_lines(10)
    path = spool_dir / f"{mongo_db.name}.{dead_pid()}.1.jsonl"
    bad = [b"\xff\xfe\x80\x81", b'{"x": 1}', b"[1, 2, 3]", good[9].encode()[:40]]
    path.write_bytes(b"\n".join([good[0].encode(), bad[0], *[g.encode() for g in good[1:5]], bad[1], bad[2],
                                 *[g.encode() for g in good[5:9]], bad[3]]) + b"\n")
    pipeline = make_pipeline(mongod.uri, mongo_db.name, tmp_path)
    run_items(pipeline, [make_article(1)])  # the crawl starts and stores as usual
    assert mongo_db.articles.count_documents({}) == 9 + 1
    quarantine = path.with_suffix(".quarantine")
    assert quarantine.read_bytes().split(b"\n")[:-1] == bad
    assert not path.exists() and not list(spool_dir.glob("*.replaying-*"))
    s = stats_of(pipeline)
    assert s["spool_quarantined"] == 4 and s["replayed_from_spool"] == 9
    warnings = [r.getMessage() for r in caplog.records if "not records" in r.getMessage()]
    assert warnings == [f"spool {path.with_suffix('.replaying-' + str(os.getpid())).name}: 4 line(s) that are "
                        f"not records moved to {path.with_suffix('.quarantine').name}"]


# --- the close-of-job storage monitor ----------------------------------------------------------------
def test_the_storage_monitor_fails_a_run_that_stored_less_than_it_queued():
    from healthcrawl.ops.monitors import Thresholds, evaluate
    from healthcrawl.project import project_settings

    thresholds = Thresholds.from_settings(project_settings())
    run = {"finish_reason": "finished", "items": {"found": 10}, "requests": 12,
           "storage": {"queued": 10, "stored": 7, "left_in_spool": 3, "rejected": 0, "lost": 0}}
    result = {r.name: r for r in evaluate(run, thresholds)}["storage"]
    assert not result.passed
    assert result.message == "7 of 10 item(s) queued for storage were stored (3 left in the spool for the next run, 0 rejected, 0 lost)"
    run["storage"].update(stored=10, left_in_spool=0)
    assert {r.name: r for r in evaluate(run, thresholds)}["storage"].passed


# --- a MONGO_URI pymongo cannot read --------------------------------------------------------------
def test_an_unreadable_mongo_uri_is_one_line_without_its_password(tmp_path):
    # an unescaped "/" in the password: pymongo refuses the URI before connecting
    result = subprocess.run([sys.executable, "-m", "healthcrawl.cli", "crawl", "gmw",
                             "--urls", "https://digital.gmw.cn/2026-11/10/content_1.htm"],
                            cwd=ROOT, env=crawl_env(MONGO_URI="mongodb://crawler:pa/ss-S3CRET@127.0.0.1:1/",
                                                    MONGO_SPOOL_DIR=str(tmp_path / "spool")),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "is not a usable MongoDB URI" in lines[0], result.stderr[-2000:]
    assert "S3CRET" not in result.stderr + result.stdout and "Traceback" not in result.stderr


# --- the database refuses every write mid-crawl (a configuration changed under the crawl) ----------
def test_a_database_that_refuses_the_batches_mid_crawl_keeps_them_and_fails_the_run(mongod, mongo_db, tmp_path, caplog):
    from pymongo import WriteConcern

    caplog.set_level(logging.WARNING)
    pipeline = make_pipeline(mongod.uri, mongo_db.name, tmp_path, MONGO_BATCH_SIZE=10, MONGO_FLUSH_INTERVAL=0.1,
                             MONGO_RETRY_INTERVAL=0.1, MONGO_CLOSE_TIMEOUT=2)

    async def go():
        await pipeline.open_spider()
        for i in range(10):
            await pipeline.process_item(make_article(i))
        await asyncio.sleep(0.5)  # the first batch is written
        # from here the server refuses every write of the pipeline: w: 2 on a standalone server
        for role, coll in list(pipeline.collections.items()):
            pipeline.collections[role] = coll.with_options(write_concern=WriteConcern(w=2))
        pipeline.stories.copies = pipeline.stories.copies.with_options(write_concern=WriteConcern(w=2))
        for i in range(10, 30):
            await pipeline.process_item(make_article(i))
        await pipeline.close_spider()
    asyncio.run(go())

    s = stats_of(pipeline)
    assert mongo_db.articles.count_documents({}) == s["stored"] == 10
    assert s["queued"] == 30 and s["left_in_spool"] == 20 and "lost" not in s and s["write_refused"] >= 1
    assert failures_of(pipeline) == ["storage_refused"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(e.startswith("run failed (storage_refused): MongoDB refuses writes: OperationFailure: cannot use 'w' > 1")
               for e in errors), errors
    # the next run, configured right, writes what was kept
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [])
    assert mongo_db.articles.count_documents({}) == 30
