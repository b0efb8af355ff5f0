"""Whole crawls in a subprocess, as an operator runs them: replayed pages, a real mongod; two
crawls of the demo week at once, then a re-crawl: each article stored once."""

from __future__ import annotations

import json

import pymongo
import pytest

from healthcrawl.storage.mongod import free_port
from tests.demo import ARCHIVE, ARTICLES, WEEK, expected_in_bulletin, reprint_pairs, week_args
from tests.servers import crawl_env, run_module, scrapy_crawl


def crawl(args: list[str], **env: str):
    return scrapy_crawl(args, crawl_env(**env))


def test_unreachable_database_fails_the_crawl_loudly(tmp_path):
    port = free_port()  # nothing listens there
    result = crawl(["gmw", "-a", "urls=https://health.gmw.cn/2026-11/10/content_1.htm",
                    "-s", f"HEALTHCRAWL_REPLAY_DIR={tmp_path}", "-s", "MONGO_CONNECT_TIMEOUT=1"],
                   MONGO_URI=f"mongodb://crawler:Very-S3cret-pw@127.0.0.1:{port}/admin")
    assert result.returncode != 0
    log = result.stdout + result.stderr
    assert "storage unavailable, stopping the crawl" in log
    assert f"127.0.0.1:{port}" in log and "unreachable" in log
    assert "Very-S3cret-pw" not in log


def test_no_uri_and_no_embedded_database_fails_the_crawl(tmp_path):
    result = crawl(["gmw", "-a", "urls=https://health.gmw.cn/2026-11/10/content_1.htm",
                    "-s", f"HEALTHCRAWL_REPLAY_DIR={tmp_path}"])
    assert result.returncode != 0
    assert "MONGO_URI is not set" in result.stdout + result.stderr


@pytest.mark.parametrize("site", ["gmw", "chinanews", "ce", "cnii"])
def test_replay_crawl_of_the_demo_week_stores_articles(site, mongod, mongo_db_name, tmp_path):
    out = tmp_path / "items.jsonl"
    result = crawl([site, *week_args(mongo_db_name), "-s", "HEALTHCRAWL_KEEP_IRRELEVANT=1", "-O", str(out)],
                   MONGO_URI=mongod.uri)
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert items, result.stderr[-3000:]
    expected = {a["url"] for a in ARTICLES
                if a["site"] == site and not a.get("broken") and not a.get("outside_window")}
    got = {i["url"] for i in items}
    assert got <= {a["url"] for a in ARTICLES}
    assert expected - got == set(), f"not found: {sorted(expected - got)}"
    for item in items:
        assert item["published_at"].endswith("+08:00"), item["published_at"]
        assert WEEK[0] <= item["published_at"][:10] <= WEEK[1]
        assert item["title"] and item["body"]
        assert item["crawl"]["template"]
    client = pymongo.MongoClient(mongod.uri)
    stored = client[mongo_db_name].articles
    # every article once: a story's document or a copy in its also_at (the decision is storage's:
    # no exported item names an original)
    assert not any(i.get("duplicate_of") for i in items)
    docs = list(stored.find({}, {"canonical_url": 1, "also_at.canonical_url": 1}))
    places = [d["canonical_url"] for d in docs] + [e["canonical_url"] for d in docs for e in d["also_at"]]
    assert sorted(places) == sorted({i["canonical_url"] for i in items})
    client.close()


def test_extraction_only_export_with_pipelines_off(tmp_path):
    url = next(a["url"] for a in ARTICLES if a["site"] == "gmw" and a.get("published_at")
               and not a.get("broken"))
    out = tmp_path / "one.jsonl"
    result = crawl(["gmw", "-a", f"urls={url}", "-s", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}",
                    "-s", "ITEM_PIPELINES={}", "-O", str(out)])
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [i["url"] for i in items] == [url]
    assert items[0]["published_at"].endswith("+08:00")


def test_unreachable_site_is_reported_in_one_line(tmp_path, mongod, mongo_db_name):
    env = crawl_env(HEALTHCRAWL_REPLAY_DIR=str(tmp_path), MONGO_URI=mongod.uri, MONGO_DATABASE=mongo_db_name)
    result = run_module(["healthcrawl.cli", "crawl", "gmw", "--log-level", "WARNING"], env)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [l for l in result.stdout.splitlines() if "could not reach the site" in l]
    assert len(lines) == 1 and lines[0].startswith("gmw")


# --- two crawls at once, then a re-crawl ----------------------------------------------------------
#: every request waits this long (tests/servers.py SlowDownloads): a replayed crawl lasts seconds,
#: so that two crawls started together are storing at the same time
LATENCY = "0.5"


def run_together(spiders: list[str], uri: str, database: str, spool, *extra: str) -> None:
    from healthcrawl.settings import DOWNLOADER_MIDDLEWARES

    slow = json.dumps({**DOWNLOADER_MIDDLEWARES, "tests.servers.SlowDownloads": 1})
    env = crawl_env(MONGO_URI=uri, HC_TEST_LATENCY=LATENCY)
    procs = [scrapy_crawl([s, *week_args(database, spool), "-s", "LOG_LEVEL=INFO",
                           "-s", f"DOWNLOADER_MIDDLEWARES={slow}", *extra], env, popen=True) for s in spiders]
    for spider, proc in zip(spiders, procs):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, (spider, err[-3000:])


def snapshot(db) -> dict[str, dict]:
    """Each document by canonical URL, without what a re-crawl may change (when it was last seen,
    by which job, search tokens), copies in URL order."""
    out = {}
    for d in db.articles.find({}, {"_id": 0, "last_seen": 0, "crawl": 0, "search_title": 0, "search_body": 0}):
        for name in ("copies", "also_at"):
            d[name] = sorted(({k: v for k, v in e.items() if k != "last_seen"} for e in d[name]),
                             key=lambda e: e["canonical_url"])
        out[d["canonical_url"]] = d
    return out


def test_two_overlapping_crawls_and_a_re_crawl_store_each_article_once(mongod, mongo_db, tmp_path):
    sites = ("chinanews", "ce")  # the reprint pair's two sites, crawled at the same time
    wanted = expected_in_bulletin(sites)
    pairs = reprint_pairs(wanted)
    assert len(pairs) == 1
    original, reprint = pairs[0]

    run_together(list(sites), mongod.uri, mongo_db.name, tmp_path / "spool")
    runs = list(mongo_db.crawl_runs.find({}, {"start_time": 1, "end_time": 1}))
    assert len(runs) == 2 and max(r["start_time"] for r in runs) < min(r["end_time"] for r in runs)  # overlapped
    first = snapshot(mongo_db)
    assert set(first) == {a["url"] for a in wanted} - {reprint}
    doc = first[original]
    assert [e["url"] for e in doc["also_at"]] == [reprint] and doc["story"] in (original, reprint)
    # (how the ce copy was found depends on which crawl stored first: first, or as a reprint)
    assert doc["also_at"][0]["site"] == "ce" and doc["also_at"][0]["reason"] in ("original", "reprint", "content")
    assert [e["url"] for d in first.values() for e in d["also_at"]] == [reprint]

    # a re-crawl of both (the known-URL skip off: every article is fetched and written again)
    run_together(list(sites), mongod.uri, mongo_db.name, tmp_path / "spool", "-s", "HEALTHCRAWL_SKIP_KNOWN=0")
    assert snapshot(mongo_db) == first
    assert mongo_db.crawl_runs.count_documents({"status": "closed"}) == 4
