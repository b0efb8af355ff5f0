"""gmw and chinanews list pages: the article URLs (and dates) each yields, the next list page, and
the base spider's paging over them (stops at ``since``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from healthcrawl.text import dates
from healthcrawl.crawl.extractors import chinanews, gmw
from healthcrawl.crawl.extractors.base import ListPage, SiteExtractor, recent_datetime
from healthcrawl.crawl.spider import NewsSpider
from healthcrawl.project import settings_dict
from spiders.chinanews import ChinanewsSpider
from spiders.gmw import GmwSpider
from tests.pages import FIXTURES, load_fixture
from tests.extraction_checks import fixtures_of_kind

LISTS = [pytest.param(path, id=f"{path.parent.name}/{path.name}")
         for site in ("gmw", "chinanews") for path in fixtures_of_kind(site, "list")]


def extractor_for(path: Path, expected: dict) -> SiteExtractor:
    """The site's extractor; chinanews with the clock the fixture states (dates without a year)."""
    if path.parent.name == "gmw":
        return gmw.EXTRACTOR
    if "now" in expected:
        return chinanews.ChinanewsExtractor(now=lambda: datetime.fromisoformat(expected["now"]))
    return chinanews.EXTRACTOR


def parsed(path: Path) -> tuple[ListPage, dict]:
    response, expected = load_fixture(path)
    return extractor_for(path, expected).parse_list(response), expected


@pytest.mark.parametrize("path", LISTS)
def test_entry_urls(path: Path) -> None:
    page, expected = parsed(path)
    assert [e.url for e in page.entries] == [e["url"] for e in expected["entries"]]


@pytest.mark.parametrize("path", LISTS)
def test_entry_dates(path: Path) -> None:
    page, expected = parsed(path)
    assert [e.published_at.isoformat() for e in page.entries] == [e["published_at"] for e in expected["entries"]]


@pytest.mark.parametrize("path", LISTS)
def test_entry_titles(path: Path) -> None:
    page, expected = parsed(path)
    assert [e.title for e in page.entries] == [e["title"] for e in expected["entries"]]


@pytest.mark.parametrize("path", LISTS)
def test_entry_channels(path: Path) -> None:
    page, expected = parsed(path)
    assert [e.channel for e in page.entries] == [e["channel"] for e in expected["entries"]]


@pytest.mark.parametrize("path", LISTS)
def test_next_page(path: Path) -> None:
    page, expected = parsed(path)
    assert page.next_page == expected["next_page"]


def test_gmw_node_list_without_entries_has_no_next_page() -> None:
    response = load_fixture(FIXTURES / "gmw" / "list_node")[0]
    empty = response.replace(body=b"<html><body><p>\xe6\x9a\x82\xe6\x97\xa0</p></body></html>")
    assert gmw.EXTRACTOR.parse_list(empty) == ListPage()


@pytest.mark.parametrize(("text", "now", "year", "iso"), [
    ("11-12 11:48", "2026-11-12T12:00:00+08:00", None, "2026-11-12T11:48:00+08:00"),
    ("12-31 23:50", "2027-01-01T00:20:00+08:00", None, "2026-12-31T23:50:00+08:00"),  # last year's item
    ("1-1 00:10", "2027-01-01T00:20:00+08:00", None, "2027-01-01T00:10:00+08:00"),
    ("11-10 09:30", "2028-03-01T00:00:00+08:00", 2026, "2026-11-10T09:30:00+08:00"),  # archive year
])
def test_dates_without_a_year(text: str, now: str, year: int | None, iso: str) -> None:
    assert recent_datetime(text, datetime.fromisoformat(now), year).isoformat() == iso


# -- through the base spider ------------------------------------------------------------------------
def crawl_list(spidercls: type[NewsSpider], path: Path, since: str, until: str = "2026-11-15",
               list_page: int = 1) -> tuple[list[str], list[str]]:
    """(article URLs, list URLs) the spider requests from one list page."""
    spider = spidercls.from_crawler(get_crawler(spidercls, settings_dict()), since=since, until=until)
    response = load_fixture(path)[0]
    response = response.replace(request=Request(response.url, meta={"channel": "c", "list_page": list_page}))
    requests = list(spider.parse_list(response))
    assert all(isinstance(r, Request) for r in requests)
    articles = [r.url for r in requests if r.callback == spider.parse_article]
    lists = [r.url for r in requests if r.callback == spider.parse_list]
    return articles, lists


def test_gmw_paging_continues_while_the_page_is_inside_the_window() -> None:
    articles, lists = crawl_list(GmwSpider, FIXTURES / "gmw" / "list_node", since="2026-11-01")
    assert len(articles) == 5
    assert lists == ["https://health.gmw.cn/node_9222_2.htm"]


def test_gmw_paging_stops_at_since() -> None:
    articles, lists = crawl_list(GmwSpider, FIXTURES / "gmw" / "list_node", since="2026-11-09")
    assert articles == ["https://health.gmw.cn/2026-11/12/content_38609100.htm",
                        "https://health.gmw.cn/2026-11/11/content_38605678.htm",
                        "https://digital.gmw.cn/2026-11/10/content_38601234.htm",
                        "https://health.gmw.cn/2026-11/09/content_38598765.htm"]
    assert lists == []  # the 11-06 entry is older than since


def test_gmw_paging_stops_at_the_page_limit() -> None:
    _, lists = crawl_list(GmwSpider, FIXTURES / "gmw" / "list_node", since="2026-11-01", list_page=30)
    assert lists == []  # HEALTHCRAWL_MAX_LIST_PAGES defaults to 30


def test_gmw_channel_home_is_not_paged() -> None:
    articles, lists = crawl_list(GmwSpider, FIXTURES / "gmw" / "list_home", since="2026-11-09")
    assert len(articles) == 3 and lists == []


def test_gmw_entries_after_until_are_skipped() -> None:
    articles, _ = crawl_list(GmwSpider, FIXTURES / "gmw" / "list_node", since="2026-11-01", until="2026-11-10")
    assert "https://health.gmw.cn/2026-11/12/content_38609100.htm" not in articles
    assert len(articles) == 3


@pytest.fixture
def chinanews_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The module extractor (the spider's) with a clock inside the demo week."""
    monkeypatch.setattr(chinanews.EXTRACTOR, "now", lambda: datetime(2026, 11, 12, 12, tzinfo=dates.BEIJING))


@pytest.mark.usefixtures("chinanews_clock")
def test_chinanews_requests_go_to_the_canonical_host() -> None:
    articles, lists = crawl_list(ChinanewsSpider, FIXTURES / "chinanews" / "list_scroll", since="2026-11-09")
    assert len(articles) == 5
    assert all(url.startswith("https://www.chinanews.com.cn/") for url in articles + lists)
    assert lists == ["https://www.chinanews.com.cn/scroll-news/news2.html"]


@pytest.mark.usefixtures("chinanews_clock")
def test_chinanews_rolling_list_paging_stops_at_since() -> None:
    articles, lists = crawl_list(ChinanewsSpider, FIXTURES / "chinanews" / "list_scroll", since="2026-11-12")
    assert len(articles) == 3 and lists == []


def test_chinanews_rss_through_the_spider() -> None:
    articles, lists = crawl_list(ChinanewsSpider, FIXTURES / "chinanews" / "list_rss", since="2026-11-09")
    assert articles == [e["url"] for e in load_fixture(FIXTURES / "chinanews" / "list_rss")[1]["entries"]]
    assert lists == []
