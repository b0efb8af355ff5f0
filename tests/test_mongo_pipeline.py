"""pipelines/mongo.py against a real mongod (tests/conftest.py starts it on a free port)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pymongo
import pytest
from pymongo import monitoring
from scrapy import Spider, signals
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from healthcrawl.storage.collections import ARTICLES
from healthcrawl.storage.errors import redact, StorageError
from healthcrawl.article import SCHEMA_VERSION
from healthcrawl.project import settings_dict
from healthcrawl.storage.mongod import MongodServer, free_port
from healthcrawl.text.relevance import default_lexicon
from pipelines.mongo import MongoPipeline
from pipelines.relevance import RelevancePipeline
from tests.factories import make_article


class CommandCounter(monitoring.CommandListener):
    def __init__(self):
        self.commands: list[str] = []

    def started(self, event):
        self.commands.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def make_pipeline(uri: str, db: str, tmp_path, **settings) -> MongoPipeline:
    crawler = get_crawler(Spider, settings_dict({"MONGO_URI": uri, "MONGO_DATABASE": db,
                                                 "MONGO_SPOOL_DIR": str(tmp_path / "spool"), **settings}))
    return MongoPipeline.from_crawler(crawler)


def run_items(pipeline: MongoPipeline, items, between=None) -> None:
    async def go():
        await pipeline.open_spider()
        for n, item in enumerate(items):
            await pipeline.process_item(item)
            if between:
                await between(n)
        await pipeline.close_spider()
    asyncio.run(go())


def test_same_article_twice_is_one_document(mongod, mongo_db, tmp_path):
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [make_article(1)])
    first = mongo_db.articles.find_one({})
    time.sleep(0.01)
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [make_article(1, title="改过的标题")])
    docs = list(mongo_db.articles.find({}))
    assert len(docs) == 1
    assert docs[0]["first_seen"] == first["first_seen"]
    assert docs[0]["last_seen"] > first["last_seen"]
    assert docs[0]["title"] == "改过的标题"
    assert docs[0]["schema_version"] == SCHEMA_VERSION


def test_published_at_is_stored_as_utc(mongod, mongo_db, tmp_path):
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [make_article(2)])
    doc = mongo_db.articles.find_one({})
    assert doc["published_at"].utcoffset().total_seconds() == 0
    assert (doc["published_at"].hour, doc["published_at"].day) == (1, 12)  # 09:30 +08:00


def test_thousand_items_take_the_first_write_at_once_then_batches_of_hundred(mongod, mongo_db, tmp_path):
    listener = CommandCounter()
    pipeline = make_pipeline(mongod.uri, mongo_db.name, tmp_path, MONGO_BATCH_SIZE=100,
                             MONGO_FLUSH_INTERVAL=60)

    async def go():
        await pipeline.open_spider()
        # watch only the writer's client from here on (index creation is not an item write)
        pipeline.client._event_listeners = None
        listener_client = pymongo.MongoClient(mongod.uri, event_listeners=[listener], tz_aware=True)
        pipeline.collections[ARTICLES] = listener_client[mongo_db.name]["articles"]
        for i in range(1000):
            await pipeline.process_item(make_article(i))
        await pipeline.close_spider()
        listener_client.close()

    asyncio.run(go())
    # the run's first item is written at once (no flush wait), then 999 in batches of 100
    assert listener.commands.count("update") == 11
    assert mongo_db.articles.count_documents({}) == 1000
    assert pipeline.crawler.stats.get_value("healthcrawl/mongo/written") == 1000


@pytest.mark.parametrize("take_turns", [True, False])
def test_the_writers_of_one_process_take_turns(mongod, mongo_db, tmp_path, take_turns):
    """Two spiders' writers in one process: with MONGO_WRITERS_TAKE_TURNS one writes its batch
    while the other waits (their first writes never meet inside ``_write``); without it they write
    at once."""
    barrier = threading.Barrier(2, timeout=1.0)
    met_by: list[tuple[MongoPipeline, bool]] = []  # (pipeline, whether its first write met the other's)
    pipelines = [make_pipeline(mongod.uri, mongo_db.name, tmp_path / str(k), MONGO_WRITERS_TAKE_TURNS=take_turns)
                 for k in range(2)]

    def meeting(pipeline):
        write = pipeline._write

        def first_write(records, retrying=False):
            if not any(p is pipeline for p, _ in met_by):
                try:
                    barrier.wait()
                    met_by.append((pipeline, True))
                except threading.BrokenBarrierError:
                    met_by.append((pipeline, False))
            return write(records, retrying)
        return first_write

    for pipeline in pipelines:
        pipeline._write = meeting(pipeline)

    async def go():
        for pipeline in pipelines:
            await pipeline.open_spider()
        for i in range(4):
            for k, pipeline in enumerate(pipelines):
                await pipeline.process_item(make_article(10 * k + i))
        for pipeline in pipelines:
            await pipeline.close_spider()

    asyncio.run(go())
    assert [m for _, m in met_by] == [not take_turns] * 2
    assert mongo_db.articles.count_documents({}) == 8  # nothing lost either way


def test_indexes_and_chinese_text_search(mongod, mongo_db, tmp_path):
    article = make_article(3, title="互联网医院接入医保结算", body="患者在线复诊后可直接使用医保支付，数据实时上传监管平台。")
    other = make_article(4, title="秋季马拉松赛事举行", body="选手们在晴朗的天气中完成比赛。")
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [article, other])
    names = set(mongo_db.articles.index_information())
    assert {"canonical_url_unique", "published_at", "site_published_at", "relevance_score",
            "search_text"} <= names
    assert mongo_db.articles.index_information()["canonical_url_unique"]["unique"] is True
    found = list(mongo_db.articles.find({"$text": {"$search": "医保"}}, {"title": 1}))
    assert [d["title"] for d in found] == ["互联网医院接入医保结算"]
    found = list(mongo_db.articles.find({"$text": {"$search": "复诊"}}, {"title": 1}))
    assert [d["title"] for d in found] == ["互联网医院接入医保结算"]


def test_every_index_is_made_at_start_up_on_the_configured_collections(mongod, mongo_db, tmp_path):
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path, MONGO_COLLECTION="news",
                            MONGO_REJECTS_COLLECTION="refused"), [make_article(5)])
    assert mongo_db.news.count_documents({}) == 1 and "articles" not in mongo_db.list_collection_names()
    # the known-URL lookup's reprint index too (healthcrawl/crawl/middlewares/known.py creates none)
    assert {"canonical_url_unique", "story_unique", "also_at_canonical_url"} <= set(mongo_db.news.index_information())
    assert "last_seen" in mongo_db.refused.index_information()
    assert {"spider_start", "job_id"} <= set(mongo_db.crawl_runs.index_information())
    assert "owner" in mongo_db.dedup_copies.index_information()


def test_reprint_is_appended_to_the_original(mongod, mongo_db, tmp_path):
    original = make_article(5)
    reprint = make_article(6, url="https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261112_1234567.shtml",
                           site="ce", site_name="中国经济网")
    reprint.canonical_url = reprint.url
    reprint.duplicate_of = {"canonical_url": original.canonical_url, "reason": "reprint", "similarity": 0.9}
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [original, reprint])
    run_items(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [original, reprint])  # a re-run
    docs = list(mongo_db.articles.find({}))
    assert len(docs) == 1
    assert [a["url"] for a in docs[0]["also_at"]] == [reprint.url]
    assert docs[0]["also_at"][0]["site"] == "ce"


@pytest.fixture
def own_mongod(tmp_path):
    server = MongodServer(tmp_path / "own-db", free_port()).start()
    yield server
    server.stop()


def test_database_killed_mid_run_loses_nothing_and_doubles_nothing(own_mongod, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    db = "killtest"
    pipeline = make_pipeline(own_mongod.uri, db, tmp_path, MONGO_BATCH_SIZE=20, MONGO_FLUSH_INTERVAL=0.2,
                             MONGO_CONNECT_TIMEOUT=1, MONGO_RETRY_INTERVAL=0.2, MONGO_CLOSE_TIMEOUT=60)
    items = [make_article(i) for i in range(300)]

    async def between(n):
        if n == 100:
            await asyncio.sleep(0.5)   # let the first batches land
            own_mongod.kill()
        if n == 200:
            await asyncio.sleep(1.0)   # the writer meets the dead server
            await asyncio.to_thread(own_mongod.start)
        await asyncio.sleep(0)

    run_items(pipeline, items, between)
    client = pymongo.MongoClient(own_mongod.uri)
    coll = client[db].articles
    assert coll.count_documents({}) == 300
    assert len(coll.distinct("canonical_url")) == 300
    assert "MongoDB unreachable" in caplog.text
    client.close()


def test_database_down_at_close_is_written_by_the_next_run(own_mongod, tmp_path):
    db = "spooltest"
    first = make_pipeline(own_mongod.uri, db, tmp_path, MONGO_BATCH_SIZE=10, MONGO_FLUSH_INTERVAL=0.1,
                          MONGO_CLOSE_TIMEOUT=1, MONGO_RETRY_INTERVAL=0.2)

    async def between(n):
        if n == 4:
            await asyncio.sleep(0.3)
            own_mongod.kill()

    run_items(first, [make_article(i) for i in range(30)], between)
    assert first.crawler.stats.get_value("healthcrawl/mongo/left_in_spool") > 0
    assert list((tmp_path / "spool").glob("*.jsonl"))
    own_mongod.start()
    second = make_pipeline(own_mongod.uri, db, tmp_path)
    run_items(second, [make_article(29)])
    client = pymongo.MongoClient(own_mongod.uri)
    assert client[db].articles.count_documents({}) == 30
    assert not list((tmp_path / "spool").glob("*.jsonl"))
    client.close()


def test_unreachable_database_at_start_raises_a_readable_error(tmp_path):
    pipeline = make_pipeline(f"mongodb://hc:pw-s3cret@127.0.0.1:{free_port()}", "x", tmp_path,
                             MONGO_CONNECT_TIMEOUT=0.5)
    with pytest.raises(StorageError) as info:
        asyncio.run(pipeline.open_spider())
    assert "unreachable" in str(info.value)
    assert "pw-s3cret" not in str(info.value)


def test_redact_hides_credentials():
    assert redact("mongodb://u:p%40ss@h:1/db") == "mongodb://***:***@h:1/db"
    assert redact("error at mongodb+srv://user:pw@cluster/x") == "error at mongodb+srv://***:***@cluster/x"


# --- articles dropped as not relevant are remembered in `dropped` --------------------------------
def drop_via_pipelines(pipeline: MongoPipeline, drops) -> None:
    """Open the pipeline, send ``item_dropped`` for each (item, exception) as Scrapy's scraper
    does after a DropItem, close it."""
    crawler = pipeline.crawler

    async def go():
        await pipeline.open_spider()
        for item, exc in drops:
            crawler.signals.send_catch_log(signal=signals.item_dropped, item=item, response=None,
                                           spider=None, exception=exc)
        await pipeline.close_spider()
    asyncio.run(go())


def irrelevant_drop(i: int):
    """An item the real relevance pipeline drops, and its DropItem."""
    relevance = RelevancePipeline.from_crawler(get_crawler(Spider, settings_dict()))
    item = make_article(i, title="秋季马拉松赛事举行",
                        body="选手们在晴朗的天气中完成比赛，沿途观众热情加油。")
    with pytest.raises(DropItem, match="not relevant") as caught:
        relevance.process_item(item)
    return item, caught.value


def test_an_irrelevant_drop_is_recorded_once_and_a_validation_drop_not(mongod, mongo_db, tmp_path):
    item, exc = irrelevant_drop(7)
    broken = make_article(8, title="")
    # scored irrelevant and kept (HEALTHCRAWL_KEEP_IRRELEVANT), then dropped for another reason
    kept = make_article(10, relevance={"score": 0, "relevant": False, "lexicon_version": "x"})
    pipeline = make_pipeline(mongod.uri, mongo_db.name, tmp_path)
    drop_via_pipelines(pipeline, [(item, exc), (broken, DropItem("missing title")),
                                  (kept, DropItem("outside the window"))])
    docs = list(mongo_db.dropped.find({}))
    assert len(docs) == 1
    doc = docs[0]
    assert doc["_id"] == item.canonical_url and doc["url"] == item.url and doc["site"] == "gmw"
    assert doc["reason"] == "irrelevant" and doc["score"] == item.relevance["score"]
    assert doc["lexicon_version"] == default_lexicon().version
    assert doc["first_seen"] == doc["last_seen"]
    assert pipeline.crawler.stats.get_value("healthcrawl/mongo/irrelevant_recorded") == 1
    assert mongo_db.articles.count_documents({}) == 0

    # again (a re-crawl with HEALTHCRAWL_SKIP_KNOWN off): still one document, last_seen moves on
    time.sleep(0.01)
    drop_via_pipelines(make_pipeline(mongod.uri, mongo_db.name, tmp_path), [(item, exc)])
    again = list(mongo_db.dropped.find({}))
    assert len(again) == 1
    assert again[0]["first_seen"] == doc["first_seen"] and again[0]["last_seen"] > doc["last_seen"]


def test_dropped_records_wait_in_the_spool_while_the_database_is_away(own_mongod, tmp_path):
    item, exc = irrelevant_drop(9)
    pipeline = make_pipeline(own_mongod.uri, "hc_dropped_spool", tmp_path, MONGO_CLOSE_TIMEOUT=0.5,
                             MONGO_CONNECT_TIMEOUT=0.5, MONGO_FLUSH_INTERVAL=0.1)

    async def go():
        await pipeline.open_spider()
        own_mongod.kill()
        pipeline.crawler.signals.send_catch_log(signal=signals.item_dropped, item=item, response=None,
                                                spider=None, exception=exc)
        await pipeline.close_spider()
    asyncio.run(go())
    assert pipeline.crawler.stats.get_value("healthcrawl/mongo/records_left_in_spool") == 1
    assert pipeline.crawler.stats.get_value("healthcrawl/mongo/left_in_spool") is None  # not an item

    own_mongod.start()
    run_items(make_pipeline(own_mongod.uri, "hc_dropped_spool", tmp_path), [])
    client = pymongo.MongoClient(own_mongod.uri)
    assert [d["_id"] for d in client.hc_dropped_spool.dropped.find({})] == [item.canonical_url]
    assert client.hc_dropped_spool.articles.count_documents({}) == 0
    client.close()
