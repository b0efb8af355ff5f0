"""The keywords pipeline: ``top_keywords`` of what passes the relevance decision, the same keywords
the scorer gives (``healthcrawl score`` / ``rescore``), from the settings' lexicon and limits; a
dropped item is never segmented."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from healthcrawl.article import BEIJING, Article
from healthcrawl.project import settings_dict
from healthcrawl.text import segment
from healthcrawl.text.relevance import Scorer
from pipelines.keywords import KeywordsPipeline
from pipelines.relevance import RelevancePipeline

TITLE = "國家衞健委：推進醫療數據共享"  # traditional: keywords are read in simplified characters
BODY = ("國家衛生健康委近日印發指導意見，要求各地加快全民健康信息平台建設，推動醫療機構檢查檢驗結果互認共享。\n"
        "意見提出，醫院要依託大數據和人工智能提升醫療服務效率，患者就醫時可在手機上查看電子病歷。")
COLD_TITLE, COLD_BODY = "寒潮来袭", "中央气象台发布寒潮蓝色预警，受强冷空气影响，未来三天中东部大部地区气温将下降8到12℃，并伴有大风天气。"


class PlainSpider(scrapy.Spider):
    name = "plain"


def crawler_of(**settings):
    crawler = get_crawler(PlainSpider, settings_dict(settings))
    crawler.spider = crawler._create_spider()
    return crawler


def article(title: str, body: str, **fields) -> Article:
    return Article(url="https://health.gmw.cn/2026-11/10/content_1.htm", title=title, body=body,
                   published_at=datetime(2026, 11, 10, 9, 0, tzinfo=BEIJING), **fields)


def test_keywords_are_the_scorers_and_counted():
    crawler = crawler_of()
    pipeline = KeywordsPipeline.from_crawler(crawler)
    asyncio.run(pipeline.open_spider())
    item = article(TITLE, BODY)
    assert pipeline.process_item(item) is item
    assert item.top_keywords == Scorer().score(TITLE, BODY, keywords=True).keywords
    assert 0 < len(item.top_keywords) <= 10 and "全民健康信息平台" in item.top_keywords
    assert crawler.stats.get_value("healthcrawl/keywords/extracted") == 1


def test_limits_and_stopwords_come_from_the_settings(tmp_path):
    data = json.loads((Path(segment.__file__).parents[1] / "data" / "lexicon.json").read_text(encoding="utf-8"))
    first = KeywordsPipeline.from_crawler(crawler_of()).keywords.of(TITLE, BODY)[0]
    data["version"], data["stopwords"] = "test.1", list(data.get("stopwords", [])) + [first]
    path = tmp_path / "lexicon.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pipeline = KeywordsPipeline.from_crawler(crawler_of(HEALTHCRAWL_RELEVANCE_LEXICON=str(path),
                                                        HEALTHCRAWL_TOP_KEYWORDS=3))
    item = pipeline.process_item(article(TITLE, BODY))
    assert len(item.top_keywords) == 3 and first not in item.top_keywords
    none = KeywordsPipeline.from_crawler(crawler_of(HEALTHCRAWL_TOP_KEYWORDS=0)).process_item(article(TITLE, BODY))
    assert none.top_keywords == []


def test_imported_copies_pass_untouched():
    crawler = crawler_of()
    item = article(TITLE, BODY, duplicate_of={"canonical_url": "https://x", "reason": "reprint", "similarity": 0.8})
    assert KeywordsPipeline.from_crawler(crawler).process_item(item).top_keywords == []
    assert not crawler.stats.get_value("healthcrawl/keywords/extracted")


def test_an_item_the_relevance_step_drops_is_never_segmented():
    crawler = crawler_of()
    relevance = RelevancePipeline.from_crawler(crawler)
    segment._blocks.clear()
    with pytest.raises(DropItem, match="not relevant"):
        relevance.process_item(article(COLD_TITLE, COLD_BODY))
    assert not segment._blocks  # relevance reads no jieba tokens
    kept = relevance.process_item(article(TITLE, BODY))
    assert not segment._blocks
    KeywordsPipeline.from_crawler(crawler).process_item(kept)
    assert kept.top_keywords and segment._blocks


def test_the_crawl_runs_keywords_after_relevance_and_before_mongo():
    from healthcrawl import settings

    order = sorted(settings.ITEM_PIPELINES, key=settings.ITEM_PIPELINES.get)
    assert order.index("pipelines.relevance.RelevancePipeline") + 1 == order.index("pipelines.keywords.KeywordsPipeline")
    assert order.index("pipelines.keywords.KeywordsPipeline") < order.index("pipelines.mongo.MongoPipeline")
