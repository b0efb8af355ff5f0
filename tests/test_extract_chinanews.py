"""chinanews article pages: one test per field per fixture (tests/fixtures/chinanews/<case>/),
through the shared checks of tests/extraction_checks.py, and chinanews's own helpers and start URLs."""

from __future__ import annotations

from datetime import date

import pytest
from scrapy.utils.test import get_crawler

from healthcrawl.crawl.extractors.css import labelled
from healthcrawl.crawl.extractors.chinanews import EXTRACTOR, archive_url, channel_from_url, rss_datetime
from healthcrawl.project import settings_dict
from spiders.chinanews import ChinanewsSpider
from tests.extraction_checks import ExtractionChecks
from tests.pages import FIXTURES, load_fixture


class TestExtraction(ExtractionChecks):
    site = "chinanews"
    extractor = EXTRACTOR


@pytest.mark.parametrize(("case", "encoding"), [
    ("article_old_header_charset", "utf-8"),  # charset from the Content-Type header only
    ("article_new_no_charset", "utf-8"),      # no declaration at all: detected
])
def test_pages_without_meta_charset_decode(case: str, encoding: str) -> None:
    response = load_fixture(FIXTURES / "chinanews" / case)[0]
    assert b"charset" not in response.body.lower()
    assert response.encoding == encoding


# -- helpers of the site module ---------------------------------------------------------------------
@pytest.mark.parametrize(("text", "labels", "required", "value"), [
    ("2020年07月04日 12:10\u3000来源：求是网 参与互动", ("来源",), True, "求是网"),
    ("2020年07月04日 12:10 参与互动", ("来源",), True, None),
    ("来源：", ("来源",), False, None),
    ("中国新闻网", ("来源",), False, "中国新闻网"),
    ("【编辑:陈海峰】", ("责任编辑", "编辑"), False, "陈海峰"),
    ("责任编辑：陈海峰", ("责任编辑", "编辑"), False, "陈海峰"),
])
def test_labelled(text: str, labels: tuple[str, ...], required: bool, value: str | None) -> None:
    assert labelled(text, *labels, required=required) == value


@pytest.mark.parametrize(("url", "channel"), [
    ("https://www.chinanews.com.cn/jk/2026/11-10/10512345.shtml", "jk"),
    ("https://www.chinanews.com/ll/2020/07-04/9229287.shtml", "ll"),
    ("https://www.chinanews.com.cn/scroll-news/news1.html", None),
])
def test_channel_from_url(url: str, channel: str | None) -> None:
    assert channel_from_url(url) == channel


@pytest.mark.parametrize(("text", "iso"), [
    ("Thu, 12 Nov 2026 11:48:00 +0800", "2026-11-12T11:48:00+08:00"),
    ("Wed, 11 Nov 2026 15:55:00 GMT", "2026-11-11T23:55:00+08:00"),
    ("2026-11-12 11:30:00", "2026-11-12T11:30:00+08:00"),
])
def test_rss_datetime(text: str, iso: str) -> None:
    assert rss_datetime(text).isoformat() == iso


# -- the spider's start URLs ----------------------------------------------------------------------------
def test_archive_urls_cover_the_window() -> None:
    spider = ChinanewsSpider.from_crawler(get_crawler(ChinanewsSpider, settings_dict()), since="2026-11-09", until="2026-11-15")
    archives = [url for channel, url in spider.list_urls() if channel == "archive"]
    assert archives == [archive_url(date(2026, 11, d)) for d in range(15, 8, -1)]
    assert archives[0] == "https://www.chinanews.com.cn/scroll-news/2026/1115/news.shtml"


def test_channels_restrict_the_start_urls() -> None:
    spider = ChinanewsSpider.from_crawler(get_crawler(ChinanewsSpider, settings_dict()), since="2026-11-14", until="2026-11-15",
                                          channels="rss")
    assert list(spider.list_urls()) == [("rss", "https://www.chinanews.com.cn/rss/scroll-news.xml")]


def test_direct_urls_go_to_the_canonical_host() -> None:
    spider = ChinanewsSpider(urls="http://www.chinanews.com/sh/2025/06-02/10425976.shtml")
    assert spider.direct_urls == ["https://www.chinanews.com.cn/sh/2025/06-02/10425976.shtml"]
