"""ReleaseResponseMiddleware: a parsed page is freed by reference counting once the engine has
taken its callback's output, not left for a full garbage collection (Scrapy's response <->
selector cycle)."""

from __future__ import annotations

import asyncio
import gc
import weakref
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from healthcrawl.crawl.middlewares.release import STATS, ReleaseResponseMiddleware
from healthcrawl.project import settings_dict
from healthcrawl.settings import SPIDER_MIDDLEWARES

PAGE = Path(__file__).parent / "fixtures" / "gmw" / "article_new" / "page.html"


def page() -> HtmlResponse:
    return HtmlResponse(url="https://health.gmw.cn/2026-11/30/content_1.htm", body=PAGE.read_bytes())


async def spider_output(response):
    yield {"title": response.css("title::text").get()}
    yield {"links": len(response.css("a::attr(href)").getall())}


async def drain(middleware, response) -> list:
    return [obj async for obj in middleware.process_spider_output(response, spider_output(response))]


@pytest.fixture
def no_gc():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def test_a_parsed_page_is_a_cycle_without_it(no_gc):
    response = page()
    assert response.css("title::text").get()
    gone = weakref.ref(response)
    del response
    assert gone() is not None  # held by its own selector until a collection runs
    gc.collect()
    assert gone() is None


def test_the_page_is_freed_once_its_output_is_taken(no_gc):
    crawler = get_crawler(Spider, settings_dict({}))
    middleware = ReleaseResponseMiddleware.from_crawler(crawler)
    response = page()
    out = asyncio.run(drain(middleware, response))
    assert out[0]["title"] and out[1]["links"] > 0  # the output passes through, in order
    assert crawler.stats.get_value(STATS) == 1
    gone = weakref.ref(response)
    del response
    assert gone() is None  # freed by reference counting, the collector disabled


def test_a_selector_kept_by_the_spider_still_works(no_gc):
    middleware = ReleaseResponseMiddleware.from_crawler(get_crawler(Spider, settings_dict({})))
    response = page()
    kept = response.css("title")
    asyncio.run(drain(middleware, response))
    assert kept.css("::text").get() == response.css("title::text").get()  # a later css parses again


def test_it_sits_next_to_the_engine():
    ours = SPIDER_MIDDLEWARES["healthcrawl.crawl.middlewares.release.ReleaseResponseMiddleware"]
    base = get_crawler(Spider).settings.getdict("SPIDER_MIDDLEWARES_BASE")
    assert ours < min(base.values()) and ours < min(v for k, v in SPIDER_MIDDLEWARES.items() if "release" not in k)
