"""Incremental crawling (healthcrawl/crawl/middlewares/known.py): stored articles are not fetched again."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from pathlib import Path

import pymongo
import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from healthcrawl.crawl.middlewares.known import SkipKnownMiddleware
from healthcrawl.project import settings_dict
from healthcrawl.storage.mongod import free_port
from healthcrawl.text.relevance import default_lexicon
from healthcrawl.text.urls import canonical_url
from healthcrawl.settings import SPIDER_MIDDLEWARES
from spiders.gmw import GmwSpider
from tests.demo import MANIFEST_PATH as MANIFEST, week_args
from tests.servers import crawl_env, scrapy_crawl

ROOT = Path(__file__).resolve().parents[1]
LEXICON = ROOT / "healthcrawl" / "data" / "lexicon.json"
PIPELINES = {"pipelines.mongo.MongoPipeline": 900}

STORED = "https://health.gmw.cn/2026-11/10/content_1001.htm"
STUB = "https://health.gmw.cn/2026-11/10/content_1002.htm"
REPRINT_IN_STUB = "https://www.ce.cn/xwzx/gnsz/gdxw/202611/10/t20261110_39000001.shtml"
REPRINT = "https://www.chinanews.com.cn/jk/2026/11-10/1000003.shtml"
NEW = "https://health.gmw.cn/2026-11/10/content_1004.htm"


def make_middleware(uri: str, db: str, spider_kwargs: dict | None = None, **settings):
    values = {"MONGO_URI": uri, "MONGO_DATABASE": db, "ITEM_PIPELINES": PIPELINES,
              "MONGO_CONNECT_TIMEOUT": 1, **settings}
    crawler = get_crawler(GmwSpider, settings_dict(values))
    crawler.spider = crawler._create_spider(**(spider_kwargs or {}))
    mw = SkipKnownMiddleware.from_crawler(crawler)
    mw.spider_opened(crawler.spider)
    return crawler, mw


def list_output(spider):
    """What a list page yields: article links (one with tracking parameters over http), the next
    list page, and a later page of a multi-page article (never filtered)."""
    follow = spider.parse_article
    return [
        Request("http://health.gmw.cn/2026-11/10/content_1001.htm?utm_source=wechat&spm=1", callback=follow),
        Request(STUB, callback=follow),
        Request(REPRINT_IN_STUB, callback=follow),
        Request(REPRINT, callback=follow),
        Request(NEW, callback=follow),
        Request("https://health.gmw.cn/node_9222_2.htm", callback=spider.parse_list),
        Request("https://health.gmw.cn/2026-11/10/content_1001_2.htm", callback=follow, meta={"pages": [1]}),
    ]


def run_output(mw, outputs) -> list[str]:
    response = HtmlResponse("https://health.gmw.cn/node_9222.htm", body=b"<html></html>",
                            request=Request("https://health.gmw.cn/node_9222.htm"))

    async def source():
        for obj in outputs:
            yield obj

    async def go():
        return [r.url async for r in mw.process_spider_output(response, source())]

    return asyncio.run(go())


@pytest.fixture
def stored_db(mongo_db):
    original = "https://news.gmw.cn/2026-11/09/content_9.htm"
    others = [{"canonical_url": "https://www.cnii.com.cn/yw/202611/t20261109_1.html"}, {"canonical_url": REPRINT}]
    mongo_db.articles.insert_many([
        # stories (healthcrawl/storage/stories.py): the document shows one copy, the others are in also_at
        {"canonical_url": STORED, "story": STORED, "title": "已存", "copies": [{"canonical_url": STORED}],
         "also_at": []},
        # a schema-1 stub (a database not migrated yet): reprint notes for an original never written
        {"canonical_url": STUB, "stub": True, "also_at": [{"canonical_url": REPRINT_IN_STUB}]},
        {"canonical_url": original, "story": others[1]["canonical_url"], "title": "原稿",
         "copies": [{"canonical_url": original}, *others], "also_at": others},
    ])
    return mongo_db


def test_known_articles_and_reprints_are_skipped_in_one_lookup(mongod, stored_db):
    crawler, mw = make_middleware(mongod.uri, stored_db.name)
    passed = run_output(mw, list_output(crawler.spider))
    assert passed == [
        "https://health.gmw.cn/node_9222_2.htm",  # not an article link: passed on at once
        "https://health.gmw.cn/2026-11/10/content_1001_2.htm",  # a later page: never checked
        STUB,  # only a placeholder is stored: the original is still wanted
        NEW,
    ]
    stats = crawler.stats
    assert stats.get_value("healthcrawl/spider/skipped_known") == 3
    assert stats.get_value("healthcrawl/spider/known_lookups") == 1
    mw.spider_closed(crawler.spider)


def test_dropped_as_irrelevant_with_the_current_lexicon_is_known(mongod, stored_db):
    stored_db.dropped.insert_many([
        {"_id": NEW, "reason": "irrelevant", "lexicon_version": default_lexicon().version},
        # scored with another lexicon: fetched and scored again
        {"_id": STUB, "reason": "irrelevant", "lexicon_version": "0.old"},
    ])
    scoring = {**PIPELINES, "pipelines.relevance.RelevancePipeline": 400}
    crawler, mw = make_middleware(mongod.uri, stored_db.name, ITEM_PIPELINES=scoring)
    passed = run_output(mw, list_output(crawler.spider))
    assert NEW not in passed and STUB in passed
    stats = crawler.stats
    assert stats.get_value("healthcrawl/spider/skipped_known") == 4
    assert stats.get_value("healthcrawl/spider/skipped_known_irrelevant") == 1
    assert stats.get_value("healthcrawl/spider/known_lookups") == 1
    mw.spider_closed(crawler.spider)

    # irrelevant articles kept (stored flagged), or no relevance pipeline: `dropped` is not read
    for settings in ({"ITEM_PIPELINES": scoring, "HEALTHCRAWL_KEEP_IRRELEVANT": True}, {}):
        crawler, mw = make_middleware(mongod.uri, stored_db.name, **settings)
        assert NEW in run_output(mw, list_output(crawler.spider))
        assert crawler.stats.get_value("healthcrawl/spider/skipped_known_irrelevant") is None
        mw.spider_closed(crawler.spider)


def test_direct_urls_are_always_fetched(mongod, stored_db):
    crawler, mw = make_middleware(mongod.uri, stored_db.name, {"urls": STORED})
    outputs = list_output(crawler.spider)
    assert run_output(mw, outputs) == [r.url for r in outputs]
    assert crawler.stats.get_value("healthcrawl/spider/skipped_known") is None


def test_a_failed_lookup_lets_the_links_through(caplog):
    dead = f"mongodb://crawler:Hidden-pw-77@127.0.0.1:{free_port()}"
    crawler, mw = make_middleware(dead, "x", MONGO_CONNECT_TIMEOUT=0.3)
    outputs = list_output(crawler.spider)
    assert sorted(run_output(mw, outputs)) == sorted(r.url for r in outputs)
    assert crawler.stats.get_value("healthcrawl/spider/known_lookup_failed") == 1
    assert "known-article lookup failed" in caplog.text
    assert "Hidden-pw-77" not in caplog.text


def test_switched_off_by_the_setting_and_without_storage():
    assert "healthcrawl.crawl.middlewares.known.SkipKnownMiddleware" in SPIDER_MIDDLEWARES
    with pytest.raises(NotConfigured):
        SkipKnownMiddleware.from_crawler(get_crawler(GmwSpider, settings_dict({"HEALTHCRAWL_SKIP_KNOWN": False,
                                                                               "ITEM_PIPELINES": PIPELINES})))
    with pytest.raises(NotConfigured):
        SkipKnownMiddleware.from_crawler(get_crawler(GmwSpider, settings_dict({"ITEM_PIPELINES": {}})))


# --- whole crawls over the demo archive ----------------------------------------------------------
def crawl(site: str, uri: str, db: str, *extra: str,
          keep_irrelevant: bool = True) -> subprocess.CompletedProcess:
    result = scrapy_crawl([site, *week_args(db), "-s", f"HEALTHCRAWL_KEEP_IRRELEVANT={int(keep_irrelevant)}",
                           "-s", "LOG_LEVEL=WARNING", *extra], crawl_env(MONGO_URI=uri))
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def last_run(db, site: str) -> dict:
    return db.crawl_runs.find_one({"spider": site}, sort=[("start_time", -1)])


def test_second_crawl_fetches_only_list_pages(mongod, mongo_db):
    crawl("gmw", mongod.uri, mongo_db.name)
    first = last_run(mongo_db, "gmw")
    docs = mongo_db.articles.count_documents({"site": "gmw"})
    assert first["items"]["stored"] == docs > 0
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    multipage = [a["url"] for a in manifest["articles"] if a["site"] == "gmw" and a["flags"]["multipage"]]
    assert multipage and mongo_db.articles.find_one({"url": multipage[0]})["crawl"]["pages"] == 2

    crawl("gmw", mongod.uri, mongo_db.name)
    second = last_run(mongo_db, "gmw")
    assert second["spider_stats"]["skipped_known"] == docs
    assert second["items"]["stored"] == 0
    # what is still fetched: list pages, robots.txt and the listed pages that were not stored
    # (the archive's error page); no stored article, no later page of a multi-page article
    article_pages = second["pages"] - second["spider_stats"]["list_pages"]
    assert article_pages <= first["pages"] - first["spider_stats"]["list_pages"] - docs - 1
    assert second["monitors"]["ok"], second["monitors"]  # min_items counts the known links
    assert mongo_db.articles.count_documents({}) == docs


def test_a_stored_reprint_is_known(mongod, mongo_db):
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    reprint = next(a for a in manifest["articles"] if a["site"] == "ce" and a["flags"]["reprint_of"]
                   and "chinanews" in a["flags"]["reprint_of"])
    crawl("chinanews", mongod.uri, mongo_db.name)
    crawl("ce", mongod.uri, mongo_db.name)
    original = mongo_db.articles.find_one({"url": reprint["flags"]["reprint_of"]})
    assert reprint["url"] in [e["url"] for e in original["also_at"]]
    assert mongo_db.articles.find_one({"url": reprint["url"]}) is None
    stored_ce = mongo_db.articles.count_documents({"site": "ce"})

    crawl("ce", mongod.uri, mongo_db.name)
    second = last_run(mongo_db, "ce")
    assert second["spider_stats"]["skipped_known"] == stored_ce + 1  # + the reprint
    assert second["items"]["reprints"] == 0 and second["items"]["stored"] == 0
    client = pymongo.MongoClient(mongod.uri)
    assert len(client[mongo_db.name].articles.find_one({"url": reprint["flags"]["reprint_of"]})["also_at"]) == 1
    client.close()



def dropped_as_irrelevant(log: str) -> set[str]:
    """Canonical URLs of the items a crawl dropped as not relevant (its INFO "Dropped:" lines)."""
    return {canonical_url(m.group(1)) for m in re.finditer(r"Dropped: not relevant \(.*?\): (\S+)", log)}


def test_articles_dropped_as_irrelevant_are_not_fetched_again_until_the_lexicon_changes(
        mongod, mongo_db, tmp_path):
    log = crawl("gmw", mongod.uri, mongo_db.name, "-s", "LOG_LEVEL=INFO", keep_irrelevant=False).stderr
    first = last_run(mongo_db, "gmw")
    irrelevant = dropped_as_irrelevant(log)
    assert len(irrelevant) == first["dropped"]["by_reason"]["relevance/irrelevant"] > 0
    assert first["pipelines"]["mongo"]["irrelevant_recorded"] == len(irrelevant)
    assert first["items"]["dropped"] == sum(first["dropped"]["by_reason"].values())
    version = default_lexicon().version
    dropped = {d["_id"]: d for d in mongo_db.dropped.find({})}
    assert set(dropped) == irrelevant  # validation drops (the error page …) are not remembered
    assert all(d["reason"] == "irrelevant" and d["lexicon_version"] == version and d["site"] == "gmw"
               for d in dropped.values())
    stored = mongo_db.articles.count_documents({})
    assert stored == first["items"]["stored"] > 0
    assert not set(mongo_db.articles.distinct("canonical_url")) & irrelevant
    other_drops = first["dropped"]["total"] - len(irrelevant)

    # the same window again: neither the stored nor the irrelevant articles are requested
    crawl("gmw", mongod.uri, mongo_db.name, keep_irrelevant=False)
    second = last_run(mongo_db, "gmw")
    assert second["spider_stats"]["skipped_known"] == stored + len(irrelevant)
    assert second["spider_stats"]["skipped_known_irrelevant"] == len(irrelevant)
    assert second["items"]["found"] == other_drops  # only pages dropped for other reasons
    assert second["items"]["stored"] == 0 and "relevance/irrelevant" not in second["dropped"]["by_reason"]
    article_pages = second["pages"] - second["spider_stats"]["list_pages"]
    first_article_pages = first["pages"] - first["spider_stats"]["list_pages"]
    assert article_pages <= first_article_pages - stored - len(irrelevant)
    assert second["monitors"]["ok"], second["monitors"]

    # a new lexicon version: the irrelevant ones are fetched and scored again (the stored ones not)
    data = json.loads(LEXICON.read_text(encoding="utf-8"))
    data["version"] = version + ".test"
    lexicon = tmp_path / "lexicon.json"
    lexicon.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    crawl("gmw", mongod.uri, mongo_db.name, "-s", f"HEALTHCRAWL_RELEVANCE_LEXICON={lexicon}",
          keep_irrelevant=False)
    third = last_run(mongo_db, "gmw")
    assert third["spider_stats"]["skipped_known"] == stored
    assert "skipped_known_irrelevant" not in third["spider_stats"]
    assert third["dropped"]["by_reason"]["relevance/irrelevant"] == len(irrelevant)
    again = {d["_id"]: d for d in mongo_db.dropped.find({})}
    assert set(again) == irrelevant
    assert all(d["lexicon_version"] == version + ".test" and d["first_seen"] == dropped[u]["first_seen"]
               for u, d in again.items())
