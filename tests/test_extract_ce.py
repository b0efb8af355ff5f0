"""中国经济网 pages → fields, from saved bytes: one small test per field per fixture (the checks
every site shares, tests/extraction_checks.py), and the ce-specific ones."""

from __future__ import annotations

import codecs
import re

import pytest
from parsel import Selector

from healthcrawl.crawl.extractors.css import text_blocks
from healthcrawl.crawl.extractors.ce import EXTRACTOR, channel_from_url, is_article_url
from tests.extraction_checks import ExtractionChecks, check_body_is_clean, fixture_params
from tests.pages import load_fixture

SITE = "ce"
ARTICLES = fixture_params(SITE, "article")


class TestExtraction(ExtractionChecks):
    site = SITE
    extractor = EXTRACTOR
    fallback = True


@pytest.mark.parametrize("case", ARTICLES)
def test_body_has_no_promotion_editor_or_empty_lines(case):
    check_body_is_clean(EXTRACTOR, case, "更多精彩内容", "责任编辑")


#: GB2312 and GBK pages are read as their superset
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030"}


@pytest.mark.parametrize("case", ARTICLES)
def test_decoded_with_the_declared_charset(case):
    response, _ = load_fixture(case)
    declared = re.search(rb"charset=[\"']?([\w-]+)", response.body)[1].decode().lower()
    assert codecs.lookup(response.encoding).name == codecs.lookup(_SUPERSET.get(declared, declared)).name


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
