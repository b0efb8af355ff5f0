"""ce and cnii list pages (TRS lists, cnii channels, the e-paper's data.json) and the spiders'
crawl decisions on them: which article requests, which next page, where paging stops."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from healthcrawl.crawl.extractors.base import SiteExtractor, trs_next_page
from healthcrawl.crawl.extractors.ce import EXTRACTOR as CE
from healthcrawl.crawl.extractors.cnii import EXTRACTOR as CNII
from healthcrawl.project import settings_dict
from spiders.ce import CeSpider
from spiders.cnii import CniiSpider
from tests.pages import FIXTURES, fixture_dirs, iso, load_fixture, make_response

EXTRACTORS: dict[str, SiteExtractor] = {"ce": CE, "cnii": CNII}
LISTS = [d for site in EXTRACTORS for d in fixture_dirs(site)
         if "entries" in json.loads((d / "expected.json").read_text(encoding="utf-8"))]
ids = [f"{d.parent.name}/{d.name}" for d in LISTS]


def parsed(case: Path):
    response, expected = load_fixture(case)
    return EXTRACTORS[case.parent.name].parse_list(response), expected


@pytest.mark.parametrize("case", LISTS, ids=ids)
def test_list_article_urls(case):
    page, expected = parsed(case)
    assert [e.url for e in page.entries] == [e["url"] for e in expected["entries"]]


@pytest.mark.parametrize("case", LISTS, ids=ids)
def test_list_dates(case):
    page, expected = parsed(case)
    assert [e.published_at for e in page.entries] == [iso(e["published_at"]) for e in expected["entries"]]


@pytest.mark.parametrize("case", LISTS, ids=ids)
def test_list_titles(case):
    page, expected = parsed(case)
    assert [e.title for e in page.entries] == [e["title"] for e in expected["entries"]]


@pytest.mark.parametrize("case", LISTS, ids=ids)
def test_list_channels(case):
    page, expected = parsed(case)
    assert [e.channel for e in page.entries] == [e.get("channel") for e in expected["entries"]]


@pytest.mark.parametrize("case", LISTS, ids=ids)
def test_list_next_page(case):
    page, expected = parsed(case)
    assert page.next_page == expected["next_page"]


# -- TRS pagination ----------------------------------------------------------------------------

def html(url: str, body: str):
    return make_response(url, f"<html><body>{body}</body></html>".encode("utf-8"),
                         {"Content-Type": "text/html; charset=utf-8"})


@pytest.mark.parametrize("url, script, expected", [
    ("https://www.ce.cn/xwzx/gnsz/gdxw/", 'createPageHTML(20, 0, "index", "shtml");',
     "https://www.ce.cn/xwzx/gnsz/gdxw/index_1.shtml"),
    ("https://www.ce.cn/xwzx/gnsz/gdxw/index_1.shtml", "createPageHTML(20,1,'index','shtml');",
     "https://www.ce.cn/xwzx/gnsz/gdxw/index_2.shtml"),
    ("https://health.ce.cn/news/index_19.shtml", 'createPageHTML(20, 19, "index", "shtml");', None),
])
def test_trs_pager_script(url, script, expected):
    assert trs_next_page(html(url, f"<script>{script}</script>")) == expected


def test_numbered_page_link_without_script():
    response = html("https://www.cnii.com.cn/gxyw/index_2.html",
                    '<a href="index_1.html">2</a> <a href="index_3.html">4</a> <a href="../yw/index_3.html">x</a>')
    assert trs_next_page(response) == "https://www.cnii.com.cn/gxyw/index_3.html"


def test_next_link_labelled_xiayiye():
    response = html("https://health.ce.cn/news/", '<a href="list_more.shtml">下一页&gt;&gt;</a>')
    assert CE.parse_list(response).next_page == "https://health.ce.cn/news/list_more.shtml"


# -- spiders on these lists --------------------------------------------------------------------

def spider(cls, since: str, until: str, **kwargs):
    crawler = get_crawler(cls, settings_dict({"HEALTHCRAWL_MAX_LIST_PAGES": 30}))
    return cls.from_crawler(crawler, since=since, until=until, **kwargs)


def crawl_list(sp, case: str, channel: str) -> tuple[list[scrapy.Request], list[scrapy.Request]]:
    response, _ = load_fixture(FIXTURES / case)
    response.meta.update(channel=channel, list_page=1)
    out = list(sp.parse_list(response))
    return ([r for r in out if r.callback == sp.parse_article],
            [r for r in out if r.callback == sp.parse_list])


def test_ce_list_in_window_follows_articles_and_next_page():
    sp = spider(CeSpider, "2026-11-01", "2026-11-15")
    articles, lists = crawl_list(sp, "ce/list_gdxw", "gdxw")
    assert len(articles) == 6
    assert {r.meta["channel"] for r in articles} == {"gdxw"}
    assert [r.url for r in lists] == ["https://www.ce.cn/xwzx/gnsz/gdxw/index_1.shtml"]
    assert lists[0].meta["list_page"] == 2


def test_ce_entry_before_since_stops_paging():
    sp = spider(CeSpider, "2026-11-09", "2026-11-15")
    articles, lists = crawl_list(sp, "ce/list_gdxw", "gdxw")
    assert "https://www.ce.cn/xwzx/gnsz/gdxw/202611/06/t20261106_38900123.shtml" not in [r.url for r in articles]
    assert len(articles) == 5
    assert lists == []
    assert sp.crawler.stats.get_value("healthcrawl/spider/list_paging_stopped_at_since") == 1


def test_ce_entries_after_until_are_skipped_but_paging_goes_on():
    sp = spider(CeSpider, "2026-11-01", "2026-11-10")
    articles, lists = crawl_list(sp, "ce/list_gdxw", "gdxw")
    assert sorted(r.meta["list_date"].day for r in articles) == [6, 10, 10]
    assert len(lists) == 1


def test_cnii_channel_list_entry_before_since_stops_paging():
    sp = spider(CniiSpider, "2026-11-09", "2026-11-15")
    articles, lists = crawl_list(sp, "cnii/list_gxyw", "gxyw")
    assert len(articles) == 3
    assert lists == []


def test_cnii_data_json_yields_one_request_per_article_with_its_column():
    sp = spider(CniiSpider, "2026-11-09", "2026-11-15")
    articles, lists = crawl_list(sp, "cnii/epaper_data_json", "epaper")
    assert [r.meta["channel"] for r in articles] == ["要闻", "第01版", "数字健康", "第03版"]
    assert [r.meta["list_title"] for r in articles][0] == "信息通信业加快赋能健康中国建设"
    assert lists == []


def test_cnii_data_json_answered_by_the_javascript_challenge_yields_nothing():
    sp = spider(CniiSpider, "2026-11-09", "2026-11-15")
    challenge = (FIXTURES / "cnii" / "error_js_challenge" / "page.html").read_bytes()
    response = make_response("https://rmydb.cnii.com.cn/html/2026/20261112/data.json", challenge,
                             {"Content-Type": "text/html; charset=utf-8"})
    assert CNII.parse_list(response).entries == []
    assert list(sp.parse_list(response)) == []
    assert sp.crawler.stats.get_value("healthcrawl/spider/list_empty") == 1


# -- start URLs --------------------------------------------------------------------------------

EPAPER_WEEK = [f"https://rmydb.cnii.com.cn/html/2026/202611{d:02d}/data.json" for d in range(9, 14)]


def test_cnii_list_urls_add_one_data_json_per_weekday():
    sp = spider(CniiSpider, "2026-11-09", "2026-11-15")  # Mon .. Sun
    urls = list(sp.list_urls())
    assert [u for c, u in urls if c == "epaper"] == EPAPER_WEEK
    assert [c for c, _ in urls if c != "epaper"] == ["yw", "gxyw", "dtxw", "zcfg", "rmydb"]
    assert ("rmydb", "https://www.cnii.com.cn/rmydb/") in urls


def test_cnii_list_urls_for_selected_channels():
    only_epaper = spider(CniiSpider, "2026-11-13", "2026-11-16", channels="epaper")  # Fri .. Mon
    assert list(only_epaper.list_urls()) == [
        ("epaper", "https://rmydb.cnii.com.cn/html/2026/20261113/data.json"),
        ("epaper", "https://rmydb.cnii.com.cn/html/2026/20261116/data.json"),
    ]
    no_epaper = spider(CniiSpider, "2026-11-09", "2026-11-15", channels="yw")
    assert list(no_epaper.list_urls()) == [("yw", "https://www.cnii.com.cn/yw/")]


def test_ce_list_urls_are_the_contract_urls():
    sp = spider(CeSpider, "2026-11-09", "2026-11-15")
    assert list(sp.list_urls()) == [("gdxw", "https://www.ce.cn/xwzx/gnsz/gdxw/"),
                                    ("health", "https://health.ce.cn/news/")]
