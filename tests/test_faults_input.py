"""Untrusted input never costs more than itself (issue 11): each bad input costs itself only,
with one log line naming it and a ``healthcrawl/...`` counter, and the rest of the crawl goes on.

Two whole crawls (real ``scrapy crawl`` subprocesses replaying tests/input_site.py's mirror into a
real mongod) prove the list and multi-page cases: a gmw list page with an unreadable date still
gives every entry and its next page; multi-page articles whose next page is filtered (offsite,
duplicate) are stored from the pages already read; the e-paper issue with malformed entries
gives its good entries. The middleware, clean-up and parser cases are checked directly on real
inputs (files, hostile pages); time is measured by bench/hostile_cpu.py, not here.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pymongo
import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from healthcrawl.project import settings_dict
from healthcrawl.text import dates
from healthcrawl.crawl.extractors import ce, chinanews, gmw
from healthcrawl.crawl.fixtures import make_response
from healthcrawl.crawl.middlewares.replay import ReplayMiddleware
from pipelines.clean import clean_body
from spiders.chinanews import ChinanewsSpider
from spiders.gmw import GmwSpider
from tests import input_site as site
from tests.servers import crawl_env, read_stats, scrapy_crawl, stats_args

ROOT = Path(__file__).resolve().parents[1]
HTML = {"Content-Type": "text/html; charset=utf-8"}


class Crawl:
    def __init__(self, result: subprocess.CompletedProcess, stats: dict, docs: dict[str, dict]):
        self.result, self.stats, self.docs = result, stats, docs
        self.log = result.stderr

    def lines(self, pattern: str) -> list[str]:
        return [line for line in self.log.splitlines() if re.search(pattern, line)]


def replay_crawl(args: list[str], mirror: Path, tmp: Path, uri: str, database: str) -> Crawl:
    stats_file = tmp / f"stats-{args[0]}.json"
    result = scrapy_crawl(
        [*args, "-a", f"since={site.WINDOW[0]}", "-a", f"until={site.WINDOW[1]}",
         "-s", f"HEALTHCRAWL_REPLAY_DIR={mirror}", "-s", f"MONGO_DATABASE={database}",
         "-s", f"MONGO_SPOOL_DIR={tmp / 'spool'}", "-s", "HEALTHCRAWL_KEEP_IRRELEVANT=1", "-s", "LOG_LEVEL=INFO",
         *stats_args(stats_file)], crawl_env(MONGO_URI=uri))
    stats = read_stats(stats_file)
    client = pymongo.MongoClient(uri, tz_aware=True)
    docs = {d["url"]: d for d in client[database].articles.find({"site": args[0]})}
    client.close()
    return Crawl(result, stats, docs)


@pytest.fixture(scope="module")
def crawls(mongod, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults_input")
    mirror = site.build_mirror(tmp / "mirror")
    database = f"hc_faults_input_{os.getpid()}"
    out = {
        "gmw": replay_crawl(["gmw", "-a", "channels=health"], mirror, tmp, mongod.uri, database),
        "cnii": replay_crawl(["cnii", "-a", "channels=epaper", "-a", f"since={site.EPAPER_DAY}",
                              "-a", f"until={site.EPAPER_DAY}"], mirror, tmp, mongod.uri, database),
    }
    yield out
    client = pymongo.MongoClient(mongod.uri)
    client.drop_database(database)
    client.close()


def test_the_crawls_finish(crawls):
    for crawl in crawls.values():
        assert crawl.result.returncode == 0, crawl.log[-3000:]
        assert crawl.stats.get("finish_reason") == "finished", crawl.log[-3000:]
        assert "Traceback" not in crawl.log, crawl.log[crawl.log.index("Traceback") - 1000:][:4000]


# -- dates ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["0001-01-01", "0001-01-01 00:00", "9999-12-31", "1年1月1日",
                                  "2026-11-10" + " " * 20000 + "x"])
def test_no_date_string_raises(text):
    with dates.collect_problems() as problems:
        when = dates.find_datetime(text)
    assert when is None or when.year in dates.YEARS
    if text.startswith(("0001", "9999")):
        assert problems and problems[0][0] == text


def test_list_page_with_an_unreadable_date_keeps_its_entries_and_pagination(crawls):
    crawl = crawls["gmw"]
    # every entry of both list pages inside the window is stored once; the bad one with its URL date
    assert sorted(crawl.docs) == sorted(site.GMW_STORED)
    assert crawl.stats["healthcrawl/spider/list_pages"] == 2  # node_9222.htm and node_9222_2.htm
    assert crawl.stats["healthcrawl/spider/list_paging_stopped_at_since"] == 1
    bad = crawl.docs[site.BAD_ENTRY.url]
    assert bad["title"] == site.BAD_ENTRY.title and bad["published_at"].date().isoformat() == site.BAD_ENTRY.day
    assert crawl.stats["healthcrawl/spider/unreadable_date"] == 1
    lines = crawl.lines(r"WARNING: gmw: unreadable date '0001-01-01' on " + re.escape(site.LIST_URL_1)
                        + r" \(OverflowError: ")
    assert len(lines) == 1, crawl.log[-3000:]


# -- multi-page articles whose next page is filtered ------------------------------------------------
def test_next_page_offsite_keeps_the_pages_already_read(crawls):
    crawl = crawls["gmw"]
    doc = crawl.docs[site.OFFSITE.url]
    assert doc["crawl"]["pages"] == 1 and site.TEXTS[site.OFFSITE.id][0] in doc["body"]
    assert crawl.stats["healthcrawl/spider/article_page_filtered/offsite"] == 1
    lines = crawl.lines(r"WARNING: gmw: article page " + re.escape(site.OFFSITE.next_page)
                        + r" filtered \(offsite\); keeping 1 earlier page\(s\) of " + re.escape(site.OFFSITE.url))
    assert len(lines) == 1, crawl.log[-3000:]


def test_next_page_filtered_as_duplicate_keeps_the_pages_already_read(crawls):
    crawl = crawls["gmw"]
    both = [crawl.docs[site.TWO_PAGES.url], crawl.docs[site.TWO_PAGES_DIGITAL.url]]
    # whichever asked for the shared page 2 first has it; the other is stored from its page 1
    assert sorted(d["crawl"]["pages"] for d in both) == [1, 2]
    merged = next(d for d in both if d["crawl"]["pages"] == 2)
    assert merged["body"].endswith(site.PAGE_2_TEXT[-1])
    kept = next(d for d in both if d["crawl"]["pages"] == 1)
    assert site.PAGE_2_TEXT[0] not in kept["body"]
    assert crawl.stats["healthcrawl/spider/article_page_filtered/duplicate"] == 1
    assert crawl.stats["healthcrawl/spider/article_page_filtered"] == 2  # with the offsite one
    lines = crawl.lines(r"WARNING: gmw: article page " + re.escape(site.TWO_PAGES.page2_url())
                        + r" filtered \(duplicate\); keeping 1 earlier page\(s\) of " + re.escape(kept["url"]))
    assert len(lines) == 1, crawl.log[-3000:]


def test_next_page_dropped_for_its_length_keeps_the_pages_already_read(caplog):
    # Scrapy's UrlLengthMiddleware drops a request over URLLENGTH_LIMIT (2083) without its errback
    article = replace(site.GOOD_1, next_page=site.GOOD_1.page2_url() + "?p=" + "x" * 2100)
    spider = GmwSpider.from_crawler(get_crawler(GmwSpider, settings_dict()), since="2026-11-09", until="2026-11-15")
    response = make_response(article.url, site.gmw_article(article).encode(), HTML)
    response = response.replace(request=Request(article.url, meta={"channel": "health", "depth": 1}))
    with caplog.at_level(logging.WARNING):
        [item] = list(spider.parse_article(response))
    assert item.url == article.url and item.crawl["pages"] == 1
    assert item.body.startswith(site.TEXTS[article.id][0])
    assert spider.crawler.stats.get_value("healthcrawl/spider/article_page_filtered/url_too_long") == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"gmw: article page {article.next_page} filtered (url_too_long); keeping 1 earlier page(s) of {article.url}"]


# -- the e-paper's data.json ------------------------------------------------------------------------
def test_epaper_issue_with_malformed_entries_gives_its_good_entries(crawls):
    crawl = crawls["cnii"]
    assert sorted(crawl.docs) == sorted(site.EPAPER_STORED), crawl.log[-3000:]
    # the entry with a list as its title is kept: the article page has its own title
    assert crawl.docs[site.EPAPER_STORED[1]]["title"] == site.EPAPER_GOOD[1][1]
    # skipped: a string, a number as the link, the deep array (once cut), a page that is a string
    assert crawl.stats["healthcrawl/spider/list_entry_skipped"] == 4
    # ignored: the list title, the value nested deeper than the limit
    assert crawl.stats["healthcrawl/spider/list_field_ignored"] == 2
    issue = re.escape(site.ISSUE_URL)
    for pattern in (r"page 1 article 2: not an object \(str\)",
                    r"page 1 article 3: articleHref is not a string \(int\)",
                    r"page 1 article 5: not an object \(list of 1\)",
                    r"page 2: not an object \(str\)",
                    r"page 1 article 4 \(.*\): mainTitle is not a string \(list of 2\)",
                    r"offset \d+: a value nested deeper than 16 levels, read as null"):
        lines = crawl.lines(rf"WARNING: cnii: list (entry skipped|field ignored): {issue} \({pattern}\)")
        assert len(lines) == 1, (pattern, crawl.log[-3000:])


# -- time linear in page size: the hostile pages of bench/hostile_cpu.py give their entries ----------
def test_list_of_sibling_links_gives_every_link():
    links = "".join(f'<a href="./202611/10/t20261110_{38900000 + i}.shtml">标题{i}</a><br/>\n' for i in range(1500))
    page = f'<html><head><meta charset="utf-8"></head><body><div class="list">{links}</div></body></html>'
    parsed = ce.EXTRACTOR.parse_list(make_response("https://www.ce.cn/xwzx/gnsz/gdxw/", page.encode(), HTML))
    assert len(parsed.entries) == 1500 and not parsed.problems
    assert parsed.entries[7].published_at.date().isoformat() == "2026-11-10"  # from the URL


def test_gmw_article_with_many_unclosed_enpproperty_comments():
    article = site.GOOD_1
    real = re.search(r"<!--enpproperty.*?/enpproperty-->", site.gmw_article(article))[0]
    page = site.gmw_article(article).replace(real, "<!--enpproperty <date>1999-01-01</date> -->\n" * 3000)
    result = gmw.EXTRACTOR.extract(make_response(article.url, page.encode(), HTML))
    # no record is ever closed: nothing is read from the comments; the visible time gives the date
    assert result.fields["published_at"].isoformat() == f"{article.day}T09:30:00+08:00"
    assert result.how["published_at"] == "span.m-con-time"
    assert gmw._fields("<date>2026-11-10 " * 5000 + "<title>标题</title>") == {"title": "标题"}


@pytest.mark.parametrize("paragraph, kept, what", [
    ("正文。" + "（完）" * 8000, "正文。", {"end_mark": 8000}),
    ("正文" + "（责任编辑：王宁）" * 3000, "正文", {"editor_line": 3000}),
    # not furniture (text follows): kept as it is, at once (every split of the spaces was tried)
    ("【编辑：王宁 】 " * 2000 + "详见下文", None, {}),
    ("打印 " * 2000 + "正文", None, {}),
])
def test_paragraph_furniture_is_cleaned_in_one_pass(paragraph, kept, what):
    body, counts, editor = clean_body(paragraph)
    assert body == (kept if kept is not None else paragraph)
    assert dict(counts) == what
    assert editor == ("王宁" if "editor_line" in what else None)


def test_nested_list_items_cost_themselves_only(caplog):
    items = "".join(f'<li><div class="dd_bt"><a href="/jk/2026/11-10/{10500000 + i}.shtml">标题{i}</a></div>'
                    f'<div class="dd_time">11-10 09:30</div><ul>' for i in range(300)) + "</ul></li>" * 300
    page = (f'<html><head><meta charset="utf-8"></head><body><div class="content_list"><ul>{items}</ul></div>'
            f'</body></html>')
    url = "https://www.chinanews.com.cn/scroll-news/news1.html"
    spider = ChinanewsSpider.from_crawler(get_crawler(ChinanewsSpider, settings_dict()), since="2026-11-09", until="2026-11-15")
    response = make_response(url, page.encode(), HTML)
    response = response.replace(request=Request(url, meta={"channel": "scroll", "list_page": 1}))
    extractor = chinanews.ChinanewsExtractor(now=lambda: dates.day_start(dates.parse_day("2026-11-12")))
    spider.extractor = extractor
    with caplog.at_level(logging.WARNING):
        requests = list(spider.parse_list(response))
    # the outermost entry is read; the 299 nested inside it are skipped and counted
    assert [r.url for r in requests if r.callback == spider.parse_article] == [
        "https://www.chinanews.com.cn/jk/2026/11-10/10500000.shtml"]
    assert spider.crawler.stats.get_value("healthcrawl/spider/list_entry_skipped") == 299
    lines = [r.getMessage() for r in caplog.records if url in r.getMessage()]
    assert lines[0] == f"chinanews: list entry skipped: {url} (entry 2: nested inside another entry)"
    assert lines[-1] == f"chinanews: list entries skipped or read in part: {url} (289 more)"
    assert len(lines) == 11


def test_list_entry_that_raises_costs_that_entry_only(caplog):
    page = site.gmw_list([(site.GOOD_1, site.GOOD_1.day), (site.GOOD_2, site.GOOD_2.day)]).replace(
        site.GOOD_2.url, "http://[broken", 1)  # urljoin raises ValueError: Invalid IPv6 URL
    spider = GmwSpider.from_crawler(get_crawler(GmwSpider, settings_dict()), since="2026-11-09", until="2026-11-15")
    response = make_response(site.LIST_URL_1, page.encode(), HTML)
    response = response.replace(request=Request(site.LIST_URL_1, meta={"channel": "health", "list_page": 1}))
    with caplog.at_level(logging.WARNING):
        requests = list(spider.parse_list(response))
    assert [r.url for r in requests] == [site.GOOD_1.url, site.LIST_URL_2]
    assert spider.crawler.stats.get_value("healthcrawl/spider/list_entry_skipped") == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"gmw: list entry skipped: {site.LIST_URL_1} (.channel-newsGroup li 2: ValueError: Invalid IPv6 URL)"]


# -- record and replay ------------------------------------------------------------------------------
def test_a_crawl_in_record_mode_stores_pages_it_cannot_save(mongod, tmp_path):
    record = tmp_path / "rec"
    with site.LocalSite(site.record_pages()) as local:
        urls = [local.base + path for path in site.RECORD_PAGES]
        database = f"hc_faults_record_{os.getpid()}"
        stats_file = tmp_path / "stats.json"
        result = scrapy_crawl(
            ["input_local", "-a", "urls=" + ",".join(urls),
             "-s", "SPIDER_MODULES=spiders,tests.input_site", "-s", f"HEALTHCRAWL_RECORD_DIR={record}",
             "-s", f"MONGO_DATABASE={database}", "-s", f"MONGO_SPOOL_DIR={tmp_path / 'spool'}",
             "-s", "HEALTHCRAWL_KEEP_IRRELEVANT=1", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
             *stats_args(stats_file)], crawl_env(MONGO_URI=mongod.uri))
    assert result.returncode == 0, result.stderr[-3000:]
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    docs = {d["url"]: d for d in client[database].articles.find({})}
    client.drop_database(database)
    client.close()
    # every page is stored once, saved or not
    assert sorted(docs) == sorted(urls), result.stderr[-3000:]
    for url, article in zip(urls, site.RECORD_PAGES.values()):
        assert docs[url]["title"] == article.title
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    # the too-long name, and whichever of the page and the page "inside" it came second
    assert stats["healthcrawl/replay/record_failed"] == 2 and stats["healthcrawl/replay/recorded"] == 1
    failed = [line for line in result.stderr.splitlines() if "WARNING: record: could not save" in line]
    assert len(failed) == 2 and any(urls[2] in line and "File name too long" in line for line in failed)
    assert all(line.endswith("; the page is parsed all the same") for line in failed)


@pytest.mark.parametrize("url, reason", [
    ("https://health.gmw.cn/2026-11/10/index.htm/page.htm", "NotADirectoryError|FileExistsError"),
    ("https://health.gmw.cn/" + "长" * 120 + ".htm", "OSError: File name too long"),
    ("https://health.gmw.cn/a%00b.htm", "ValueError: the URL names no file inside the record folder"),
])
def test_a_response_that_cannot_be_recorded_is_still_parsed(tmp_path, caplog, url, reason):
    record = tmp_path / "rec"
    (record / "health.gmw.cn" / "2026-11" / "10").mkdir(parents=True)
    (record / "health.gmw.cn" / "2026-11" / "10" / "index.htm").write_bytes(b"a file, not a folder")
    crawler = get_crawler(GmwSpider, settings_dict({"HEALTHCRAWL_RECORD_DIR": str(record)}))
    recorder = ReplayMiddleware.from_crawler(crawler)
    request = Request(url)
    response = HtmlResponse(url, body=site.gmw_article(site.GOOD_1).encode(), encoding="utf-8", request=request)
    with caplog.at_level(logging.WARNING):
        assert recorder.process_response(request, response) is response  # goes on to be parsed
    assert gmw.EXTRACTOR.extract(response).fields["title"] == site.GOOD_1.title
    assert crawler.stats.get_value("healthcrawl/replay/record_failed") == 1
    assert crawler.stats.get_value("healthcrawl/replay/recorded") is None
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"record: could not save {url} (")
    assert re.search(reason, line) and line.endswith("; the page is parsed all the same")


@pytest.mark.parametrize("url", ["http://../secret.htm", "http://..%2F/secret.htm", "http://a..b/secret.htm",
                                 "http://./mirror/x.htm"])
def test_replay_host_is_validated_like_the_path(tmp_path, caplog, url):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (tmp_path / "secret.htm").write_text("<html><body>outside the mirror</body></html>", encoding="utf-8")
    crawler = get_crawler(GmwSpider, settings_dict({"HEALTHCRAWL_REPLAY_DIR": str(mirror)}))
    replay = ReplayMiddleware.from_crawler(crawler)
    with caplog.at_level(logging.WARNING):
        response = replay.process_request(Request(url, dont_filter=True))
    assert response.status == 404 and response.body == b""
    assert crawler.stats.get_value("healthcrawl/replay/refused") == 1
    assert crawler.stats.get_value("healthcrawl/replay/served") is None
    assert [r.getMessage() for r in caplog.records] == [
        f"replay: refused {url} (its host or path would leave the mirror)"]


def test_replay_serves_hosts_that_are_names_and_addresses(tmp_path):
    for host in ("health.gmw.cn", "127.0.0.1", "rmydb_x.cnii.com.cn"):
        page = tmp_path / host / "a.htm"
        page.parent.mkdir(parents=True)
        page.write_bytes(b"<html><body>ok</body></html>")
    replay = ReplayMiddleware.from_crawler(get_crawler(GmwSpider, settings_dict({"HEALTHCRAWL_REPLAY_DIR": str(tmp_path)})))
    for url in ("https://health.gmw.cn/a.htm", "http://127.0.0.1:8080/a.htm", "https://RMYDB_X.cnii.com.cn/a.htm"):
        assert replay.process_request(Request(url)).status == 200


def test_a_run_of_furniture_is_counted_piece_by_piece():
    body, counts, editor = clean_body("正文。（完）【编辑：王宁】【打印】")
    assert body == "正文。" and editor == "王宁"
    assert dict(counts) == {"end_mark": 1, "editor_line": 1, "page_tools": 1}
