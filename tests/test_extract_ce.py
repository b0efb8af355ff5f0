"""中国经济网 pages → fields, from saved bytes: one small test per field per fixture.

Article fixtures have an ``expected.json`` with the field values; error fixtures one with
``error_reason``; list fixtures (``entries``) are tested in test_lists_ce_cnii.py. The checks every
site shares are in tests/extraction_checks.py; the ce-specific ones are here.
"""

from __future__ import annotations

import pytest
from parsel import Selector

from healthcrawl.crawl.extractors.css import text_blocks
from healthcrawl.crawl.extractors.ce import EXTRACTOR, channel_from_url, is_article_url
from tests.extraction_checks import (WITH_IMAGES, ExtractionChecks, check_body_is_clean, extracted,
                                     fixture_params, fixtures_of_kind)
from tests.pages import expected_of, load_fixture

SITE = "ce"
ARTICLES = fixture_params(SITE, "article")


class TestExtraction(ExtractionChecks):
    site = SITE
    extractor = EXTRACTOR
    required = WITH_IMAGES
    fallback = True


@pytest.mark.parametrize("case", ARTICLES)
def test_body_has_no_promotion_editor_or_empty_lines(case):
    check_body_is_clean(EXTRACTOR, case, "更多精彩内容", "责任编辑")


@pytest.mark.parametrize("case", [d for d in fixtures_of_kind(SITE, "article") if "contains" in expected_of(d)],
                         ids=lambda d: d.name)
def test_text_split_by_br_becomes_paragraphs(case):
    assert expected_of(case)["contains"] in extracted(EXTRACTOR, case).fields["paragraphs"]


@pytest.mark.parametrize("case", ARTICLES)
def test_decoded_with_the_declared_charset(case):
    response, expected = load_fixture(case)
    assert response.encoding == expected["encoding"]


# -- URL shapes and shared helpers ----------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://www.ce.cn/xwzx/gnsz/gdxw/202505/21/t20250521_39123456.shtml",  # old: day folder, 8 digits
    "https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261112_5123456.shtml",  # new: no day folder, 7 digits
    "http://health.ce.cn/news/202611/11/t20261111_38915678.shtml",
    "https://tech.ce.cn/news/202611/t20261110_5120000.shtml",
    "https://finance.ce.cn/stock/gsgdbd/202611/10/t20261110_38910000.html",
])
def test_article_urls_of_both_forms_and_all_hosts(url):
    assert is_article_url(url)


@pytest.mark.parametrize("url", [
    "https://www.ce.cn/xwzx/gnsz/gdxw/",
    "https://www.ce.cn/xwzx/gnsz/gdxw/index_1.shtml",
    "http://paper.ce.cn/pc/content/202611/10/content_300001.html",
    "https://www.example.com/202611/10/t20261110_38912345.shtml",
])
def test_not_article_urls(url):
    assert not is_article_url(url)


def test_channel_from_url():
    assert channel_from_url("https://www.ce.cn/xwzx/gnsz/gdxw/202611/10/t20261110_38912345.shtml") == "gdxw"
    assert channel_from_url("https://health.ce.cn/news/202611/t20261111_5123000.shtml") == "health/news"
    assert channel_from_url("https://www.ce.cn/xwzx/") is None


def test_text_blocks_split_at_br_and_blocks_not_at_source_newlines():
    node = Selector(text="<div>第一段\n仍是第一段<br/>第二段<div>第三段</div><script>x()</script></div>").css("div")[0]
    assert text_blocks(node) == ["第一段 仍是第一段", "第二段", "第三段"]
