"""中国信息产业网 and 人民邮电报 e-paper pages → fields: one small test per field per fixture.

The checks every site shares are in tests/extraction_checks.py; the cnii-specific ones are here.
"""

from __future__ import annotations

from datetime import date

import pytest
from scrapy.http import HtmlResponse, Request

from healthcrawl.crawl.extractors.cnii import EXTRACTOR, epaper_index_url, is_article_url, page_channel
from tests.extraction_checks import ExtractionChecks, check_body_is_clean, fixture_params
from tests.pages import FIXTURES, load_fixture

SITE = "cnii"


class TestExtraction(ExtractionChecks):
    site = SITE
    extractor = EXTRACTOR
    error_kinds = ("article", "error")  # not the lists: the e-paper's data.json is "not_html"


@pytest.mark.parametrize("case", fixture_params(SITE, "article"))
def test_body_has_no_editor_or_empty_lines(case):
    check_body_is_clean(EXTRACTOR, case, "责任编辑")


def test_epaper_channel_from_the_list_entry_wins_over_the_page_number():
    """The data.json column (passed as the request's channel) names the article's channel."""
    page, _ = load_fixture(FIXTURES / SITE / "epaper_article")
    response = HtmlResponse(page.url, body=page.body, request=Request(page.url, meta={"channel": "数字健康"}))
    result = EXTRACTOR.extract(response)
    assert (result.fields["channel"], result.how["channel"]) == ("数字健康", "list")


# -- URL shapes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://www.cnii.com.cn/gxyw/202611/t20261110_612345.html",
    "http://www.cnii.com.cn/yw/2019-03/12/content_2103456.htm",
    "https://rmydb.cnii.com.cn/html/2026/20261110/20261110_003/20261110_003_01_2315.html",
    "https://rmydb.cnii.com.cn/rmydb/html/2026/20261111/20261111_002/20261111_002_03_2348.html",
])
def test_article_urls(url):
    assert is_article_url(url)


@pytest.mark.parametrize("url", [
    "https://www.cnii.com.cn/gxyw/",
    "https://www.cnii.com.cn/gxyw/index_1.html",
    "https://rmydb.cnii.com.cn/html/2026/20261110/data.json",
    "https://www.example.com/gxyw/202611/t20261110_612345.html",
])
def test_not_article_urls(url):
    assert not is_article_url(url)


def test_page_channel_and_index_url():
    assert [page_channel(v) for v in (3, "03", "003", "A05", None)] == ["第03版", "第03版", "第03版", "第05版", None]
    assert epaper_index_url(date(2026, 11, 9)) == "https://rmydb.cnii.com.cn/html/2026/20261109/data.json"
