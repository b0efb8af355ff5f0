"""Run history: the crawl_runs entry a real crawl writes, and `healthcrawl runs` anomaly flags
computed from crafted entries in a real mongod."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pymongo
import pytest

from healthcrawl.ops import history
from healthcrawl.ops.recorder import FieldCoverage, summarize
from healthcrawl.project import project_settings
from tests.servers import ROOT, WebhookReceiver, crawl_env, scrapy_crawl
from tests.demo import ARCHIVE, WEEK

T0 = datetime(2026, 11, 1, 6, 10, tzinfo=timezone.utc)
#: the fallback share above which a run is flagged (HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE, 0.3)
MAX_FALLBACK = project_settings().getfloat("HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE")


def make_run(day: int, spider: str = "gmw", found: int = 100, coverage: dict | None = None,
             fallback: float = 0.02, errors: int = 0, reason: str = "finished", **extra) -> dict:
    cov = {"title": 1.0, "published_at": 1.0, "body": 0.98, "source": 0.9, "author": 0.3, "editor": 0.8,
           "channel": 1.0, "images": 0.4, "keywords": 0.9}
    cov.update(coverage or {})
    start = T0 + timedelta(days=day)
    doc = {
        "schema": 1, "kind": "crawl", "spider": spider, "site": spider, "job_id": f"{spider}-{day}",
        "status": "closed", "finish_reason": reason, "start_time": start,
        "end_time": start + timedelta(minutes=20), "arguments": {"since": None, "until": None, "urls": [], "channels": []},
        "pages": found * 2, "requests": found * 2,
        "items": {"found": found, "scraped": found, "stored": found, "reprints": 0, "dropped": 0},
        "coverage": cov, "coverage_items": found,
        "fallback": {"count": int(found * fallback), "total": found, "share": fallback},
        "errors": {"total": errors, "rate": errors / max(found * 2, 1)},
        "monitors": {"ok": True, "failed": []},
    }
    doc.update(extra)
    return doc


@pytest.fixture
def runs_collection(mongo_db):
    coll = mongo_db.crawl_runs
    past_runs = [make_run(d, found=100 + d) for d in range(5)]
    past_runs += [
        make_run(5, found=30),                                   # collapse
        make_run(6, coverage={"published_at": 0.55}),            # coverage drop
        make_run(7, fallback=0.45),                              # fallback surge (> 30 %)
        make_run(8, errors=40),                                  # error spike
        make_run(9, reason="shutdown"),                          # not finished
        make_run(10),                                            # healthy again
    ]
    past_runs += [make_run(d, spider="ce", found=50, fallback=0.05) for d in range(4)]
    past_runs += [make_run(4, spider="ce", found=50, fallback=0.16)]  # fallback tripled
    past_runs.append({"kind": "schedule", "event": "skipped", "spider": "ce", "job_id": None,
                    "reason": "ce is already pending/running: abc (running on node 1)",
                    "start_time": T0 + timedelta(days=5)})
    past_runs.append({"kind": "crawl", "spider": "ce", "job_id": "ce-dead", "status": "running",
                    "start_time": T0 + timedelta(days=6)})
    coll.insert_many(past_runs)
    return coll


def flags_by_job(analysed: dict) -> dict[str, list[str]]:
    return {e["run"].get("job_id") or e["run"].get("event"): [f["code"] for f in e["flags"]]
            for entries in analysed.values() for e in entries}


def test_anomaly_flags_against_each_spiders_own_history(runs_collection):
    analysed = history.analyse(history.load_runs(runs_collection, limit=20), limit=20, max_fallback_share=MAX_FALLBACK)
    flags = flags_by_job(analysed)
    assert flags["gmw-5"] == ["items_collapse"]
    assert flags["gmw-6"] == ["coverage_drop:published_at"]
    assert flags["gmw-7"] == ["fallback_surge"]
    assert flags["gmw-8"] == ["error_spike"]
    assert flags["gmw-9"] == ["not_finished"]
    assert flags["gmw-10"] == []
    # the failed and anomalous runs did not poison the baseline of the healthy one
    assert all(flags[f"gmw-{d}"] == [] for d in range(5))
    assert flags["ce-4"] == ["fallback_surge"]  # 5 % → 16 %: tripled
    assert flags["skipped"] == ["skipped"]
    assert flags["ce-dead"] == ["no_close_recorded"]


def test_spider_filter_limit_and_text_output(runs_collection):
    analysed = history.analyse(history.load_runs(runs_collection, spider="gmw", limit=3), limit=3,
                                max_fallback_share=MAX_FALLBACK)
    assert list(analysed) == ["gmw"]
    assert [e["run"]["job_id"] for e in analysed["gmw"]] == ["gmw-10", "gmw-9", "gmw-8"]
    import io

    out = io.StringIO()
    history.render_text(analysed, out)
    text = out.getvalue()
    assert "gmw: 3 run(s), 2 flagged" in text
    assert "! error_spike: 40 error(s)" in text


def test_the_command_prints_flags_and_json_and_exits_0(runs_collection, mongod):
    env = crawl_env(MONGO_URI=mongod.uri, MONGO_DATABASE=runs_collection.database.name)
    result = subprocess.run([sys.executable, "-m", "healthcrawl.cli.runs", "--spider", "gmw", "--limit", "6"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "items_collapse" in result.stdout and "fallback_surge" in result.stdout
    result = subprocess.run([sys.executable, "-m", "healthcrawl.cli.runs", "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"gmw", "ce"}
    by_job = {r.get("job_id"): r for r in doc["gmw"]}
    assert [f["code"] for f in by_job["gmw-5"]["flags"]] == ["items_collapse"]
    assert by_job["gmw-5"]["start_time"].startswith("2026-11-06T06:10")


def test_too_little_history_flags_nothing_comparative(mongo_db):
    mongo_db.crawl_runs.insert_many([make_run(0), make_run(1, found=5)])
    analysed = history.analyse(history.load_runs(mongo_db.crawl_runs), max_fallback_share=MAX_FALLBACK)
    assert flags_by_job(analysed) == {"gmw-1": [], "gmw-0": []}


def test_the_fallback_surge_reads_the_monitors_maximum_share():
    usual = [make_run(d, fallback=0.3) for d in range(4, 0, -1)]  # a site that always uses it a lot
    assert [f["code"] for f in history.flag(make_run(5, fallback=0.35), usual, max_fallback_share=0.3)] \
        == ["fallback_surge"]
    assert history.flag(make_run(5, fallback=0.35), usual, max_fallback_share=0.4) == []


def test_the_fallback_share_per_day_names_the_days_drift(runs_collection):
    import io

    analysed = history.analyse(history.load_runs(runs_collection, limit=20, site="ce"), limit=20,
                               max_fallback_share=MAX_FALLBACK)
    assert list(analysed) == ["ce"]
    days = history.fallback_by_day(analysed)
    assert [(d["day"], d["share"], d["runs"]) for d in days] == [
        ("2026-11-01", 0.04, 1), ("2026-11-02", 0.04, 1), ("2026-11-03", 0.04, 1), ("2026-11-04", 0.04, 1),
        ("2026-11-05", 0.16, 1)]
    assert days[-1]["drift"].startswith("fallback share 16% (usual 5% over 4 run(s))") and days[0]["drift"] is None
    out = io.StringIO()
    history.render_json(analysed, out, by_day=days)
    doc = json.loads(out.getvalue())
    assert doc["fallback_by_day"][-1]["count"] == 8 and len(doc["ce"]) == 7


def test_summarize_counts_drops_templates_coverage_and_errors():
    stats = {
        "response_received_count": 40, "downloader/request_count": 42, "healthcrawl/spider/articles": 20,
        "item_scraped_count": 12, "item_dropped_count": 8, "item_dropped_reasons_count/DropItem": 8,
        "healthcrawl/validate/missing_title": 2, "healthcrawl/relevance/irrelevant": 6,
        "healthcrawl/relevance/relevant": 12, "healthcrawl/mongo/written": 12,
        "healthcrawl/template/gmw/gmw-2018": 15, "healthcrawl/template/gmw/fallback": 5,
        "log_count/ERROR": 3, "spider_exceptions/KeyError": 1,
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 2,
        "downloader/response_status_count/404": 3,
        "healthcrawl/fallback/example": "https://user:pw@health.gmw.cn/2026-11/10/content_9.htm",
    }
    coverage = FieldCoverage(("title", "body"))
    coverage.add({"title": "a", "body": ""})
    coverage.add({"title": "b", "body": "text"})
    doc = summarize(stats, coverage)
    assert doc["items"] == {"found": 20, "scraped": 12, "stored": 12, "reprints": 0, "dropped": 8}
    assert doc["dropped"]["by_reason"] == {"validate/missing_title": 2, "relevance/irrelevant": 6}
    assert doc["templates"] == {"gmw": {"gmw-2018": 15, "fallback": 5}}
    assert doc["fallback"] == {"count": 5, "total": 20, "share": 0.25,
                               "example": "https://***:***@health.gmw.cn/2026-11/10/content_9.htm"}
    assert doc["coverage"] == {"title": 1.0, "body": 0.5}
    assert doc["errors"]["total"] == 3 and doc["errors"]["downloader_exceptions"] == {"TimeoutError": 2}
    assert doc["http_status"] == {"404": 3}


def test_a_crawl_records_its_run_and_a_healthy_run_raises_no_alert(mongod, mongo_db_name):
    with WebhookReceiver() as receiver:
        result = scrapy_crawl(["gmw", "-a", f"since={WEEK[0]}", "-a", f"until={WEEK[1]}", "-a", "_job=job-healthy-1",
                               "-s", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}", "-s", f"MONGO_DATABASE={mongo_db_name}"],
                              crawl_env(MONGO_URI=mongod.uri, HEALTHCRAWL_ALERT_WEBHOOK=receiver.url))
        assert result.returncode == 0, result.stderr[-3000:]
        assert receiver.received == []
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    try:
        db = client[mongo_db_name]
        run = db.crawl_runs.find_one({"job_id": "job-healthy-1"})
        stored = db.articles.count_documents({"crawl.job_id": "job-healthy-1"})
    finally:
        client.drop_database(mongo_db_name)
        client.close()
    assert run["spider"] == "gmw" and run["status"] == "closed" and run["finish_reason"] == "finished"
    assert run["arguments"] == {"since": WEEK[0], "until": WEEK[1], "urls": [], "channels": [],
                                "window_explicit": True}
    assert run["start_time"] <= run["end_time"]
    assert run["pages"] > 0 and run["requests"] >= run["pages"]
    assert run["items"]["found"] >= run["items"]["stored"] == stored > 0
    assert run["items"]["dropped"] == sum(run["dropped"]["by_reason"].values())
    assert run["templates"]["gmw"] and run["fallback"]["total"] == run["items"]["found"]
    assert run["coverage_items"] == run["items"]["found"]
    assert run["coverage"]["title"] == 1.0 and run["coverage"]["body"] == 1.0
    assert run["errors"]["total"] == 0
    assert run["monitors"]["ok"] is True and run["alert"] is None
    assert run["code_path"] == str(ROOT)
    # GcPause ran in the job: start-up's heap frozen (HEALTHCRAWL_GC_FREEZE), full collections counted
    assert run["gc"]["frozen_objects"] > 10_000 and run["gc"]["full_collections"] >= 0


def test_the_command_names_the_database_and_says_when_it_holds_no_runs(runs_collection, mongod):
    name = runs_collection.database.name
    env = crawl_env(MONGO_URI=mongod.uri)

    def runs(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "healthcrawl.cli.runs", *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    result = runs("--database", name, "--spider", "gmw", "--limit", "3")
    assert result.returncode == 0 and f"3 run(s) of 1 spider(s) from database {name}" in result.stderr
    result = runs("--database", name, "--spider", "gmq")
    assert result.returncode == 0 and f"database {name} holds no crawl runs of spider gmq" in result.stderr
    result = runs("--database", f"{name}_none", "--json")
    assert result.returncode == 0 and json.loads(result.stdout) == {}
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"database {name}_none holds no crawl runs at all (runs are in ")
    assert f"--database {name}" in line or name in line
