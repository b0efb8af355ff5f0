"""ValidatePipeline: required fields, body length, the spider's window."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import scrapy
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from healthcrawl.article import BEIJING, Article
from healthcrawl.project import settings_dict
from pipelines.validate import ValidatePipeline

BODY = "国家卫生健康委员会近日印发通知，要求各地加快推进全民健康信息平台建设，促进医疗数据互联互通。" * 2


class WindowSpider(scrapy.Spider):
    """The part of NewsSpider the pipeline reads: since/until and check_window."""

    name = "window"
    since = datetime(2026, 11, 9, 0, 0, tzinfo=BEIJING)
    until = datetime(2026, 11, 15, 23, 59, 59, 999999, tzinfo=BEIJING)
    check_window = True


def make_pipeline(settings=None, **spider_attrs):
    crawler = get_crawler(WindowSpider, settings_dict(settings))
    crawler.spider = crawler._create_spider()
    for name, value in spider_attrs.items():
        setattr(crawler.spider, name, value)
    return ValidatePipeline.from_crawler(crawler), crawler


def article(**fields) -> Article:
    values = dict(url="https://health.gmw.cn/2026-11/10/content_1.htm", title="标题",
                  published_at=datetime(2026, 11, 10, 9, 0, tzinfo=BEIJING), body=BODY)
    values.update(fields)
    return Article(**values)


def test_valid_item_passes():
    pipeline, crawler = make_pipeline()
    item = article()
    assert pipeline.process_item(item) is item
    assert not {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("healthcrawl/validate")}


@pytest.mark.parametrize("fields, reason", [
    ({"url": ""}, "missing_url"),
    ({"title": ""}, "missing_title"),
    ({"title": "   "}, "missing_title"),
    ({"published_at": None}, "missing_published_at"),
    ({"published_at": "2026-11-10"}, "bad_published_at"),
    ({"body": ""}, "missing_body"),
    ({"body": "短短的正文。\n只有两段。"}, "body_too_short"),
    ({"published_at": datetime(2026, 11, 8, 23, 59, tzinfo=BEIJING)}, "outside_window"),
    ({"published_at": datetime(2026, 11, 16, 0, 0, tzinfo=BEIJING)}, "outside_window"),
    # 2026-11-08 17:00 UTC is 2026-11-09 01:00 in Beijing: inside; 15:30 UTC is 23:30 on the 8th
    ({"published_at": datetime(2026, 11, 8, 15, 30, tzinfo=timezone.utc)}, "outside_window"),
])
def test_drops_are_counted_with_a_reason(fields, reason):
    pipeline, crawler = make_pipeline()
    with pytest.raises(DropItem) as exc:
        pipeline.process_item(article(**fields))
    assert str(exc.value)
    assert crawler.stats.get_value(f"healthcrawl/validate/{reason}") == 1


def test_window_edges_and_timezones():
    pipeline, _ = make_pipeline()
    for when in (datetime(2026, 11, 9, 0, 0, tzinfo=BEIJING),
                 datetime(2026, 11, 15, 23, 59, tzinfo=BEIJING),
                 datetime(2026, 11, 8, 17, 0, tzinfo=timezone.utc),
                 datetime(2026, 11, 12, 8, 0)):  # naive: taken as Beijing time
        pipeline.process_item(article(published_at=when))


def test_window_not_checked_when_spider_does_not_check_it():
    pipeline, crawler = make_pipeline(check_window=False)
    item = article(published_at=datetime(2020, 1, 1, tzinfo=BEIJING))
    assert pipeline.process_item(item) is item


def test_spider_without_window_attributes():
    crawler = get_crawler(scrapy.Spider, settings_dict())
    crawler.spider = crawler._create_spider("bare")
    pipeline = ValidatePipeline.from_crawler(crawler)
    item = article(published_at=datetime(2020, 1, 1, tzinfo=BEIJING))
    assert pipeline.process_item(item) is item


def test_min_body_chars_is_a_setting_and_whitespace_does_not_count():
    pipeline, _ = make_pipeline({"HEALTHCRAWL_MIN_BODY_CHARS": 10})
    pipeline.process_item(article(body="一二三四五\n六七八九十"))
    with pytest.raises(DropItem):
        pipeline.process_item(article(body="一二三四五 \n \u3000六七八九"))
