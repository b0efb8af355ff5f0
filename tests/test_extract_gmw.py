"""gmw article pages: one test per field per fixture (tests/fixtures/gmw/<case>/expected.json),
through the shared checks of tests/extraction_checks.py, and gmw's own helpers and paging."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from healthcrawl.article import Article
from healthcrawl.crawl.extractors.gmw import EXTRACTOR, enpproperty, is_article_url, next_node_page
from healthcrawl.project import settings_dict
from spiders.gmw import GmwSpider
from tests.extraction_checks import ExtractionChecks
from tests.pages import FIXTURES, load_fixture


class TestExtraction(ExtractionChecks):
    site = "gmw"
    extractor = EXTRACTOR
    fallback = True


# -- helpers of the site module ---------------------------------------------------------------------
def test_enpproperty_fields() -> None:
    response = load_fixture(FIXTURES / "gmw" / "article_old")[0]
    enp = enpproperty(response)
    assert (enp["articleid"], enp["date"], enp["nodeid"]) == ("23912345", "2017-03-08 06:15:33.0", "4108")


@pytest.mark.parametrize(("url", "following"), [
    ("https://health.gmw.cn/node_9222.htm", "https://health.gmw.cn/node_9222_2.htm"),
    ("https://health.gmw.cn/node_9222_2.htm", "https://health.gmw.cn/node_9222_3.htm"),
    ("https://digital.gmw.cn/", None),
])
def test_next_node_page(url: str, following: str | None) -> None:
    assert next_node_page(url) == following


@pytest.mark.parametrize(("url", "article"), [
    ("https://digital.gmw.cn/2026-11/10/content_38601234.htm", True),
    ("https://gmw.cn/2026-11/10/content_38601234.htm", True),
    ("https://digital.gmw.cn/2026-11/10/content_38601234_2.htm", False),  # a later page
    ("https://topics.gmw.cn/node_150000.htm", False),
    ("https://www.example.com/2026-11/10/content_1.htm", False),
])
def test_is_article_url(url: str, article: bool) -> None:
    assert is_article_url(url) is article


# -- multi-page articles through the spider -----------------------------------------------------------
def test_two_pages_are_merged_by_the_spider() -> None:
    spider = GmwSpider.from_crawler(get_crawler(GmwSpider, settings_dict()), since="2026-11-09", until="2026-11-15")
    first, first_expected = load_fixture(FIXTURES / "gmw" / "multipage_p1")
    second, second_expected = load_fixture(FIXTURES / "gmw" / "multipage_p2")

    out = list(spider.parse_article(first.replace(request=Request(first.url, meta={"channel": "health"}))))
    assert [type(o) for o in out] == [Request]
    assert out[0].url == first_expected["next_page"]

    items = list(spider.parse_article(second.replace(request=out[0])))
    assert len(items) == 1 and isinstance(items[0], Article)
    article = items[0]
    assert article.body.split("\n") == first_expected["paragraphs"] + second_expected["paragraphs"]
    assert article.crawl["pages"] == 2
    assert article.url == first.url
    assert (article.title, article.editor) == ("健康医疗大数据如何护航全民健康", "赵宁")
    # the site's own label, and the one vocabulary term it maps to (healthcrawl/crawl/sites.py)
    assert (article.channel_label, article.channel) == ("要闻时评", "health")
    assert article.published_at.isoformat() == "2026-11-11T07:30:00+08:00"
