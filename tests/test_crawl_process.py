"""Whole crawls in a subprocess, as an operator runs them: replayed pages, a real mongod."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pymongo
import pytest

from healthcrawl.storage.mongod import free_port

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT / "healthcrawl" / "demo" / "archive"
WEEK = ("2026-11-09", "2026-11-15")


def crawl(args: list[str], env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "MONGO_URI"}
    full_env.update({"HEALTHCRAWL_EMBEDDED_MONGO": "0", **(env or {})})
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def test_unreachable_database_fails_the_crawl_loudly(tmp_path):
    port = free_port()  # nothing listens there
    result = crawl(["gmw", "-a", "urls=https://health.gmw.cn/2026-11/10/content_1.htm",
                    "-s", f"HEALTHCRAWL_REPLAY_DIR={tmp_path}", "-s", "MONGO_CONNECT_TIMEOUT=1"],
                   env={"MONGO_URI": f"mongodb://crawler:Very-S3cret-pw@127.0.0.1:{port}/admin"})
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


@pytest.mark.skipif(not ARCHIVE.is_dir(), reason="demo archive not built")
@pytest.mark.parametrize("site", ["gmw", "chinanews", "ce", "cnii"])
def test_replay_crawl_of_the_demo_week_stores_articles(site, mongod, mongo_db_name, tmp_path):
    out = tmp_path / "items.jsonl"
    result = crawl([site, "-a", f"since={WEEK[0]}", "-a", f"until={WEEK[1]}",
                    "-s", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}", "-s", f"MONGO_DATABASE={mongo_db_name}",
                    "-s", "HEALTHCRAWL_KEEP_IRRELEVANT=1", "-O", str(out)],
                   env={"MONGO_URI": mongod.uri})
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert items, result.stderr[-3000:]
    manifest = json.loads((ARCHIVE.parent / "manifest.json").read_text(encoding="utf-8"))
    expected = {a["url"] for a in manifest["articles"]
                if a["site"] == site and not a.get("broken") and not a.get("outside_window")}
    got = {i["url"] for i in items}
    assert got <= {a["url"] for a in manifest["articles"]}
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


@pytest.mark.skipif(not ARCHIVE.is_dir(), reason="demo archive not built")
def test_extraction_only_export_with_pipelines_off(tmp_path):
    manifest = json.loads((ARCHIVE.parent / "manifest.json").read_text(encoding="utf-8"))
    url = next(a["url"] for a in manifest["articles"] if a["site"] == "gmw" and a.get("published_at")
               and not a.get("broken"))
    out = tmp_path / "one.jsonl"
    result = crawl(["gmw", "-a", f"urls={url}", "-s", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}",
                    "-s", "ITEM_PIPELINES={}", "-O", str(out)])
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [i["url"] for i in items] == [url]
    assert items[0]["published_at"].endswith("+08:00")


def test_unreachable_site_is_reported_in_one_line(tmp_path, mongod, mongo_db_name):
    env = {**os.environ, "HEALTHCRAWL_REPLAY_DIR": str(tmp_path), "MONGO_URI": mongod.uri,
           "MONGO_DATABASE": mongo_db_name}
    result = subprocess.run([sys.executable, "-m", "healthcrawl.cli", "crawl", "gmw",
                             "--log-level", "WARNING"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [l for l in result.stdout.splitlines() if "could not reach the site" in l]
    assert len(lines) == 1 and lines[0].startswith("gmw")
