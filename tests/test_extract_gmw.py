"""gmw article pages: one test per field per fixture (tests/fixtures/gmw/<case>/expected.json).

The fixture-driven helpers here (``article_params``, ``check_field``) are shared with
test_extract_chinanews.py.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from healthcrawl.article import Article
from healthcrawl.extractors.base import Extracted, SiteExtractor
from healthcrawl.extractors.gmw import EXTRACTOR, enpproperty, is_article_url, next_node_page
from spiders.gmw import GmwSpider
from tests.pages import FIXTURES, fixture_dirs, load_fixture

#: expected.json keys checked against the extraction, besides "how.<field>"
CHECKED = ("template", "title", "published_at", "source", "author", "editor", "channel", "keywords",
           "images", "paragraph_count", "first_paragraph", "last_paragraph", "next_page")


# -- helpers shared with test_extract_chinanews.py ------------------------------------------------
def fixtures_of_kind(site: str, kind: str) -> list[Path]:
    return [path for path in fixture_dirs(site) if load_fixture(path)[1].get("kind") == kind]


def article_params(site: str) -> list:
    """(fixture dir, key) for every checked key an article fixture's expected.json states."""
    params = []
    for path in fixtures_of_kind(site, "article"):
        expected = load_fixture(path)[1]
        keys = [k for k in CHECKED if k in expected] + [f"how.{k}" for k in expected.get("how", {})]
        params += [pytest.param(path, key, id=f"{path.name}-{key}") for key in keys]
    return params


@cache
def extracted(extractor: SiteExtractor, path: Path) -> Extracted:
    return extractor.extract(load_fixture(path)[0])


def actual_value(result: Extracted, key: str) -> Any:
    paragraphs = result.fields.get("paragraphs") or []
    if key.startswith("how."):
        return result.how.get(key[4:])
    if key == "template":
        return result.template
    if key == "next_page":
        return result.next_page
    if key == "paragraph_count":
        return len(paragraphs)
    if key == "first_paragraph":
        return paragraphs[0] if paragraphs else None
    if key == "last_paragraph":
        return paragraphs[-1] if paragraphs else None
    if key == "published_at":  # ISO with offset: checks the value *and* Beijing time
        value = result.fields.get(key)
        return value.isoformat() if value else None
    if key in ("images", "keywords"):
        return result.fields.get(key) or []
    return result.fields.get(key)


def check_field(extractor: SiteExtractor, path: Path, key: str) -> None:
    expected = load_fixture(path)[1]
    wanted = expected["how"][key[4:]] if key.startswith("how.") else expected[key]
    assert actual_value(extracted(extractor, path), key) == wanted


def check_error(extractor: SiteExtractor, path: Path) -> None:
    response, expected = load_fixture(path)
    assert extractor.error_reason(response) == expected.get("error")


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "key"), article_params("gmw"))
def test_article_field(path: Path, key: str) -> None:
    check_field(EXTRACTOR, path, key)


@pytest.mark.parametrize("path", fixture_dirs("gmw"), ids=lambda p: p.name)
def test_error_reason(path: Path) -> None:
    check_error(EXTRACTOR, path)


def test_every_template_has_a_fixture() -> None:
    covered = {load_fixture(p)[1]["template"] for p in fixtures_of_kind("gmw", "article")}
    assert {t.name for t in EXTRACTOR.templates} | {"fallback"} <= covered


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
    spider = GmwSpider.from_crawler(get_crawler(GmwSpider), since="2026-11-09", until="2026-11-15")
    first, first_expected = load_fixture(FIXTURES / "gmw" / "multipage_p1")
    second, second_expected = load_fixture(FIXTURES / "gmw" / "multipage_p2")

    out = list(spider.parse_article(first.replace(request=Request(first.url, meta={"channel": "health"}))))
    assert [type(o) for o in out] == [Request]
    assert out[0].url == first_expected["next_page"]

    items = list(spider.parse_article(second.replace(request=out[0])))
    assert len(items) == 1 and isinstance(items[0], Article)
    article = items[0]
    body = article.body.split("\n")
    assert len(body) == first_expected["paragraph_count"] + second_expected["paragraph_count"]
    assert (body[0], body[-1]) == (first_expected["first_paragraph"], second_expected["last_paragraph"])
    assert body[first_expected["paragraph_count"]] == second_expected["first_paragraph"]
    assert article.crawl["pages"] == 2
    assert article.url == first.url
    assert (article.title, article.editor, article.channel) == ("健康医疗大数据如何护航全民健康", "赵宁", "要闻时评")
    assert article.published_at.isoformat() == "2026-11-11T07:30:00+08:00"
