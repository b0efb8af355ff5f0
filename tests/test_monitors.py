"""Close-of-job monitors and the webhook alert: unit checks, then real crawls of a demo-archive
copy whose gmw article template "changed" (h1.u-title renamed, so the fallback reads every page)
alerting a local receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import shutil
import urllib.parse

import pymongo
import pytest

from healthcrawl.ops.monitors import Thresholds, alert_body, evaluate, send_webhook, signed_url
from healthcrawl.project import project_settings
from healthcrawl.text import redact
from healthcrawl.storage.mongod import free_port
from tests.demo import ARCHIVE, WEEK
from tests.servers import WebhookReceiver, crawl_env, run_module, scrapy_crawl


def run_doc(**over) -> dict:
    doc = {"spider": "gmw", "job_id": "j1", "host": "h", "finish_reason": "finished", "requests": 100,
           "pages": 100, "arguments": {"since": "2026-11-09", "until": "2026-11-15", "urls": []},
           "items": {"found": 40, "stored": 30}, "coverage_items": 40,
           "coverage": {"title": 1.0, "published_at": 0.95, "body": 1.0},
           "errors": {"total": 1, "rate": 0.01}, "fallback": {"count": 2, "total": 40, "share": 0.05}}
    doc.update(over)
    return doc


def failed(doc: dict, t: Thresholds | None = None) -> list[str]:
    t = t or Thresholds.from_settings(project_settings({"HEALTHCRAWL_MONITOR_MIN_ITEMS": 10}))
    return [r.name for r in evaluate(doc, t) if not r.passed]


def test_a_healthy_run_passes_every_monitor():
    assert failed(run_doc()) == []


@pytest.mark.parametrize("over, names", [
    ({"finish_reason": "shutdown"}, ["finish_reason"]),
    ({"items": {"found": 3, "stored": 3}, "coverage_items": 3}, ["min_items"]),
    ({"coverage": {"title": 0.5, "published_at": 0.95, "body": 0.2}}, ["coverage/title", "coverage/body"]),
    ({"errors": {"total": 20, "rate": 0.2}}, ["error_rate"]),
    ({"fallback": {"count": 30, "total": 40, "share": 0.75}}, ["fallback_share"]),
])
def test_each_monitor_fails_on_its_own(over, names):
    assert failed(run_doc(**over)) == names


def test_min_items_of_urls_jobs_and_of_shared_frontier_nodes():
    one_url = run_doc(arguments={"urls": ["https://x/1"]}, items={"found": 1, "stored": 1}, coverage_items=1)
    assert failed(one_url) == []
    idle_node = run_doc(items={"found": 0}, coverage_items=0, redis={"last_node": 0, "frontier_found": 0})
    assert failed(idle_node) == []  # not its job to judge the crawl's total
    last_node = run_doc(items={"found": 2}, redis={"last_node": 1, "frontier_found": 35})
    assert "min_items" not in failed(last_node)
    last_node_empty = run_doc(items={"found": 0}, coverage_items=0, redis={"last_node": 1, "frontier_found": 4})
    assert failed(last_node_empty) == ["min_items"]


def test_alert_bodies_are_wecom_and_dingtalk_shaped():
    assert alert_body("T", ["a", "b"]) == {"msgtype": "text", "text": {"content": "T\na\nb"}}
    wecom = alert_body("T", ["a"], "wecom-markdown")
    assert wecom["msgtype"] == "markdown" and "**T**" in wecom["markdown"]["content"]
    ding = alert_body("T", ["a"], "dingtalk-markdown")
    assert ding["markdown"]["title"] == "T" and "- a" in ding["markdown"]["text"]


def test_dingtalk_signature():
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECxyz", now_ms=1700000000000)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    expected = base64.b64encode(hmac.new(b"SECxyz", b"1700000000000\nSECxyz", hashlib.sha256).digest()).decode()
    assert query["timestamp"] == ["1700000000000"] and query["sign"] == [expected]
    assert query["access_token"] == ["abc"]


def test_webhook_success_and_every_failure_is_reported_not_raised():
    with WebhookReceiver() as ok:
        assert send_webhook(ok.url, alert_body("T", ["x"])) is None
        assert ok.received == [{"msgtype": "text", "text": {"content": "T\nx"}}]
    with WebhookReceiver(answer={"errcode": 93000, "errmsg": "invalid webhook url"}) as refused:
        assert send_webhook(refused.url, alert_body("T", ["x"])).startswith("errcode 93000")
    with WebhookReceiver(status=500) as broken:
        assert send_webhook(broken.url, alert_body("T", ["x"])) == "HTTP 500"
    error = send_webhook(f"http://127.0.0.1:{free_port()}/send?key=robot-key", alert_body("T", ["x"]), timeout=2)
    assert error and "refused" in error.lower() and "robot-key" not in error


def test_the_webhook_key_is_never_shown():
    assert redact.webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY") == \
        "https://qyapi.weixin.qq.com/…"


# --- real crawls -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def broken_archive(tmp_path_factory):
    """The gmw part of the demo archive with the article headline markup renamed."""
    root = tmp_path_factory.mktemp("broken-archive")
    changed = 0
    for host in ARCHIVE.iterdir():
        if host.name.endswith("gmw.cn"):
            shutil.copytree(host, root / host.name)
    for page in root.rglob("content_*.htm*"):
        data = page.read_bytes()
        if b"u-title" in data:
            page.write_bytes(data.replace(b"u-title", b"u-headline"))
            changed += 1
    assert changed >= 5
    return root


def stored_run(uri: str, database: str, job_id: str) -> dict:
    client = pymongo.MongoClient(uri)
    try:
        return client[database].crawl_runs.find_one({"job_id": job_id})
    finally:
        client.drop_database(database)
        client.close()


def test_a_run_whose_template_broke_alerts_the_webhook(broken_archive, mongod, mongo_db_name):
    with WebhookReceiver() as receiver:
        result = scrapy_crawl(["gmw", "-a", f"since={WEEK[0]}", "-a", f"until={WEEK[1]}", "-a", "_job=job-broken-1",
                               "-s", f"HEALTHCRAWL_REPLAY_DIR={broken_archive}", "-s", f"MONGO_DATABASE={mongo_db_name}"],
                              crawl_env(MONGO_URI=mongod.uri, HEALTHCRAWL_ALERT_WEBHOOK=receiver.url))
        assert result.returncode == 0, result.stderr[-3000:]
    assert len(receiver.received) == 1, result.stderr[-3000:]
    body = receiver.received[0]
    assert body["msgtype"] == "text"
    content = body["text"]["content"]
    assert content.startswith("healthcrawl: gmw job job-broken-1")
    assert "fallback_share" in content and "template" in content
    assert receiver.paths == ["/cgi-bin/webhook/send?key=test-robot-key"]
    assert "test-robot-key" not in result.stdout + result.stderr  # the robot key is not logged
    run = stored_run(mongod.uri, mongo_db_name, "job-broken-1")
    assert run["monitors"]["ok"] is False and "fallback_share" in run["monitors"]["failed"]
    assert run["fallback"]["share"] == 1.0
    assert run["alert"]["sent"] is True


def usual_template(archive) -> str:
    """The template the gmw article pages of the demo archive are read with."""
    from scrapy.http import HtmlResponse

    from spiders.gmw import GmwSpider

    page = next(p for p in archive.rglob("content_*.htm*") if ".gmw.cn" in str(p))
    url = "https://" + str(page.relative_to(archive))
    return GmwSpider.extractor.extract(HtmlResponse(url, body=page.read_bytes())).template


def test_template_drift_names_the_template_and_a_page_and_runs_shows_the_share_per_day(
        broken_archive, mongod, mongo_db_name):
    from datetime import datetime, timedelta, timezone

    template = usual_template(ARCHIVE)
    assert template != "fallback"
    client = pymongo.MongoClient(mongod.uri)
    now = datetime.now(timezone.utc)
    usual = [{"kind": "crawl", "spider": "gmw", "site": "gmw", "job_id": f"usual-{d}", "status": "closed",
              "finish_reason": "finished", "start_time": now - timedelta(days=d), "arguments": {"urls": []},
              "items": {"found": 16}, "templates": {"gmw": {template: 15, "fallback": 1}},
              "fallback": {"count": 1, "total": 16, "share": 0.0625}} for d in (3, 2)]
    client[mongo_db_name].crawl_runs.insert_many(usual)
    try:
        with WebhookReceiver() as receiver:
            result = scrapy_crawl(["gmw", "-a", f"since={WEEK[0]}", "-a", f"until={WEEK[1]}", "-a", "_job=drift-1",
                                   "-s", f"HEALTHCRAWL_REPLAY_DIR={broken_archive}", "-s",
                                   f"MONGO_DATABASE={mongo_db_name}", "-s", "HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE=1"],
                                  crawl_env(MONGO_URI=mongod.uri, HEALTHCRAWL_ALERT_WEBHOOK=receiver.url))
            assert result.returncode == 0, result.stderr[-3000:]
        content = receiver.received[0]["text"]["content"]
        # the share is allowed (maximum 100 %), but far above the site's usual 6 %
        assert "template_drift: gmw: fallback share 100% (usual 6% over 2 run(s))" in content
        assert f"template {template!r} stopped matching (94% of the pages usually, now 0%)" in content
        example = re.search(r"e\.g\. (https://\S+\.gmw\.cn/\S+)", content)
        assert example and "fallback_share" not in content.split("\n")[1]
        run = client[mongo_db_name].crawl_runs.find_one({"job_id": "drift-1"})
        assert run["monitors"]["failed"] == ["template_drift"] and run["fallback"]["example"] == example[1]

        shown = run_module(["healthcrawl.cli", "runs", "--site", "gmw"],
                           crawl_env(MONGO_URI=mongod.uri, MONGO_DATABASE=mongo_db_name))
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        at = lines.index("gmw: share of articles read by the generic fallback, per day (Beijing)")
        days = lines[at + 1:]
        assert len(days) == 3 and all(" 6%  1 of 16 article(s), 1 run(s)" in d for d in days[:2])
        assert "100%" in days[2] and f"! fallback share 100% (usual 6% over 2 run(s)): template {template!r}" in days[2]
        assert example[1] in days[2]
    finally:
        client.drop_database(mongo_db_name)
        client.close()


def test_a_failing_webhook_is_logged_and_the_crawl_still_succeeds(broken_archive, mongod, mongo_db_name):
    url = next(p for p in broken_archive.rglob("content_*.htm*"))
    article = "https://" + str(url.relative_to(broken_archive))
    dead = f"http://127.0.0.1:{free_port()}/robot/send?access_token=dead-token"
    result = scrapy_crawl(["gmw", "-a", f"urls={article}", "-a", "_job=job-broken-2",
                           "-s", f"HEALTHCRAWL_REPLAY_DIR={broken_archive}", "-s", f"MONGO_DATABASE={mongo_db_name}",
                           "-s", "HEALTHCRAWL_ALERT_TIMEOUT=3", "-s", "HEALTHCRAWL_KEEP_IRRELEVANT=1"],
                          crawl_env(MONGO_URI=mongod.uri, HEALTHCRAWL_ALERT_WEBHOOK=dead))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "alert webhook http://127.0.0.1" in result.stderr and "failed" in result.stderr
    assert "dead-token" not in result.stderr
    run = stored_run(mongod.uri, mongo_db_name, "job-broken-2")
    assert run["finish_reason"] == "finished"
    assert run["alert"]["sent"] is False and run["alert"]["error"]
