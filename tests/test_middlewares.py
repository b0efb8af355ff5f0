"""Downloader middlewares: offline replay, recording, HTTP 491 slow-down, charset repair."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from healthcrawl.crawl.middlewares.charset import CharsetMiddleware
from healthcrawl.crawl.middlewares.replay import ReplayMiddleware, mirror_path
from healthcrawl.crawl.middlewares.throttle import SlowDownMiddleware
from healthcrawl.project import settings_dict


def crawler_with(**settings):
    return get_crawler(Spider, settings_dict(settings))


@pytest.mark.parametrize("url, relative", [
    ("https://health.gmw.cn/node_9222.htm", "health.gmw.cn/node_9222.htm"),
    ("https://www.ce.cn/xwzx/gnsz/gdxw/", "www.ce.cn/xwzx/gnsz/gdxw/index.html"),
    ("https://www.ce.cn/a/b.shtml?spm=1&x=2", "www.ce.cn/a/b.shtml"),
    ("https://WWW.CNII.COM.CN/yw/", "www.cnii.com.cn/yw/index.html"),
    ("https://www.chinanews.com.cn/%E5%81%A5%E5%BA%B7/x.html", "www.chinanews.com.cn/健康/x.html"),
])
def test_mirror_path(tmp_path, url, relative):
    assert mirror_path(tmp_path, url) == tmp_path / relative


def test_mirror_path_refuses_to_leave_the_tree(tmp_path):
    assert mirror_path(tmp_path, "https://a.cn/x/../../etc/passwd") is None


def test_replay_serves_stored_bytes_and_404_for_missing_files(tmp_path):
    page = tmp_path / "www.ce.cn" / "xwzx" / "index.html"
    page.parent.mkdir(parents=True)
    body = "<html><head><meta charset='gb2312'></head><body>卫生健康</body></html>".encode("gb2312")
    page.write_bytes(body)
    crawler = crawler_with(HEALTHCRAWL_REPLAY_DIR=str(tmp_path))
    mw = ReplayMiddleware.from_crawler(crawler)
    response = mw.process_request(Request("https://www.ce.cn/xwzx/"))
    assert isinstance(response, HtmlResponse) and response.status == 200
    assert response.body == body and "卫生健康" in response.text
    missing = mw.process_request(Request("https://www.ce.cn/nothing.shtml"))
    assert missing.status == 404
    data = tmp_path / "rmydb.cnii.com.cn" / "data.json"
    data.parent.mkdir()
    data.write_text('[{"pageNo": "01"}]', encoding="utf-8")
    as_json = mw.process_request(Request("https://rmydb.cnii.com.cn/data.json"))
    assert isinstance(as_json, TextResponse) and as_json.json() == [{"pageNo": "01"}]
    stats = crawler.stats.get_stats()
    assert stats["healthcrawl/replay/served"] == 2 and stats["healthcrawl/replay/missing"] == 1


def test_replay_and_record_off_by_default():
    with pytest.raises(NotConfigured):
        ReplayMiddleware.from_crawler(crawler_with())


def test_record_then_replay_round_trip(tmp_path):
    record = tmp_path / "rec"
    crawler = crawler_with(HEALTHCRAWL_RECORD_DIR=str(record))
    recorder = ReplayMiddleware.from_crawler(crawler)
    url = "https://health.gmw.cn/2026-11/10/content_1.htm"
    request = Request(url)
    assert recorder.process_request(request) is None  # recording goes to the network
    original = HtmlResponse(url, body="<html><body><p>录下的页面</p></body></html>".encode(), request=request)
    assert recorder.process_response(request, original) is original
    error = Response("https://health.gmw.cn/x.htm", status=500, body=b"oops", request=Request("https://health.gmw.cn/x.htm"))
    recorder.process_response(error.request, error)  # only 200s are recorded
    assert not (record / "health.gmw.cn" / "x.htm").exists()
    replayer = ReplayMiddleware.from_crawler(crawler_with(HEALTHCRAWL_REPLAY_DIR=str(record)))
    replayed = replayer.process_request(Request(url))
    assert replayed.body == original.body


def slowdown(**settings) -> SlowDownMiddleware:
    crawler = crawler_with(HEALTHCRAWL_SLOWDOWN_DELAY=0.01, HEALTHCRAWL_SLOWDOWN_RETRIES=2, **settings)
    return SlowDownMiddleware.from_crawler(crawler)


def test_491_is_retried_later_and_never_parsed():
    mw = slowdown()
    request = Request("https://rmydb.cnii.com.cn/html/2026/20261110/data.json")
    answer = Response(request.url, status=491, request=request)
    retry = asyncio.run(mw.process_response(request, answer))
    assert isinstance(retry, Request) and retry.url == request.url
    assert retry.dont_filter and retry.meta["slowdown_tries"] == 1
    again = asyncio.run(mw.process_response(retry, Response(request.url, status=491, request=retry)))
    assert again.meta["slowdown_tries"] == 2
    with pytest.raises(IgnoreRequest):
        asyncio.run(mw.process_response(again, Response(request.url, status=491, request=again)))
    stats = mw.crawler.stats.get_stats()
    assert stats["healthcrawl/throttle/491"] == 3 and stats["healthcrawl/throttle/gave_up"] == 1


def test_other_statuses_pass_through():
    mw = slowdown()
    request = Request("https://www.cnii.com.cn/yw/")
    ok = Response(request.url, status=200, request=request)
    assert asyncio.run(mw.process_response(request, ok)) is ok


def test_503_and_429_with_retry_after_wait_what_the_server_asks(caplog):
    import time

    mw = slowdown(HEALTHCRAWL_RETRY_AFTER_MAX=0.3)
    request = Request("https://www.ce.cn/xwzx/gnsz/gdxw/202611/10/t20261110_1.shtml")
    busy = Response(request.url, status=503, headers={"Retry-After": "0.2"}, request=request)
    assert asyncio.run(mw.process_response(request, busy)) is busy  # not delta-seconds: Scrapy's retry decides
    started = time.monotonic()
    busy = Response(request.url, status=503, headers={"Retry-After": "1"}, request=request)
    with caplog.at_level("INFO", logger="healthcrawl.crawl.middlewares.throttle"):
        retry = asyncio.run(mw.process_response(request, busy))
    assert 0.3 <= time.monotonic() - started < 0.9  # 1 s asked, HEALTHCRAWL_RETRY_AFTER_MAX 0.3 s
    assert isinstance(retry, Request) and retry.dont_filter and retry.meta["slowdown_tries"] == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"HTTP 503 with Retry-After 1 from {request.url}: retry 1/2 in 0.3s"]
    limited = Response(request.url, status=429, headers={"Retry-After": "0"}, request=retry)
    assert asyncio.run(mw.process_response(retry, limited)).meta["slowdown_tries"] == 2
    plain = Response(request.url, status=503, request=request)
    assert asyncio.run(mw.process_response(request, plain)) is plain  # no header: Scrapy's retry
    stats = mw.crawler.stats.get_stats()
    assert stats["healthcrawl/throttle/503"] == 1 and stats["healthcrawl/throttle/429"] == 1


def test_retry_after_accepts_seconds_and_http_dates():
    from datetime import datetime, timezone

    from healthcrawl.crawl.middlewares.throttle import parse_retry_after

    now = datetime(2026, 11, 10, 8, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(b"120", now) == 120.0
    assert parse_retry_after(b"Tue, 10 Nov 2026 08:01:30 GMT", now) == 90.0
    assert parse_retry_after(b"Tue, 10 Nov 2026 07:00:00 GMT", now) == 0.0  # already past
    assert parse_retry_after(b"soon", now) is None and parse_retry_after(None) is None
    assert parse_retry_after(b"-5", now) is None


def test_charset_repair_for_undeclared_gbk():
    mw = CharsetMiddleware.from_crawler(crawler_with())
    body = "<html><body><p>医疗保障信息平台建设</p></body></html>".encode("gbk")
    request = Request("https://www.ce.cn/a.shtml")
    response = HtmlResponse(request.url, body=body, request=request)
    fixed = mw.process_response(request, response)
    assert "医疗保障信息平台建设" in fixed.text
    assert mw.crawler.stats.get_value("healthcrawl/charset/undeclared_gb18030") == 1


def test_requests_of_a_site_share_its_slot_and_the_epaper_keeps_its_own():
    from healthcrawl.crawl.middlewares.siteslot import SiteSlotMiddleware
    from healthcrawl.settings import DOWNLOAD_SLOTS

    mw = SiteSlotMiddleware.from_crawler(crawler_with(DOWNLOAD_SLOTS=DOWNLOAD_SLOTS))
    slots = {}
    for url in ("https://health.gmw.cn/node_9222.htm", "https://politics.gmw.cn/node_9844.htm",
                "https://www.chinanews.com/gn/2026/11-10/1.shtml", "https://health.ce.cn/news/",
                "https://www.cnii.com.cn/yw/", "https://rmydb.cnii.com.cn/html/2026/20261110/data.json",
                "https://example.org/"):
        request = Request(url)
        mw.process_request(request)
        slots[url] = request.meta.get("download_slot")
    assert list(slots.values()) == ["gmw", "gmw", "chinanews", "ce", "cnii", None, None]
    assert set(DOWNLOAD_SLOTS) >= {"gmw", "chinanews", "ce", "cnii", "rmydb.cnii.com.cn"}
