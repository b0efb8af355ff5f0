"""中国信息产业网 and 人民邮电报 e-paper pages → fields: one small test per field per fixture."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from healthcrawl.extractors.base import Extracted
from healthcrawl.extractors.cnii import EXTRACTOR, epaper_index_url, is_article_url, page_channel
from tests.pages import fixture_dirs, iso, load_fixture

SITE = "cnii"
FIELDS = ("title", "source", "author", "editor", "channel", "keywords", "images")


def expected_of(path: Path) -> dict:
    return json.loads((path / "expected.json").read_text(encoding="utf-8"))


ARTICLES = [d for d in fixture_dirs(SITE) if not {"entries", "error_reason"} & set(expected_of(d))]
ERRORS = [d for d in fixture_dirs(SITE) if "error_reason" in expected_of(d)]
ids = [d.name for d in ARTICLES]


@cache
def extracted(path: Path) -> tuple[Extracted, dict]:
    response, expected = load_fixture(path)
    return EXTRACTOR.extract(response), expected


def test_fixtures_cover_every_template():
    assert {extracted(d)[0].template for d in ARTICLES} == {"cnii-main", "cnii-old", "cnii-epaper"}


@pytest.mark.parametrize("case", ARTICLES, ids=ids)
def test_article_is_not_an_error_page(case):
    response, _ = load_fixture(case)
    assert EXTRACTOR.error_reason(response) is None


@pytest.mark.parametrize("case", ARTICLES, ids=ids)
def test_template(case):
    result, expected = extracted(case)
    assert result.template == expected["template"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("case", ARTICLES, ids=ids)
def test_field(case, field):
    result, expected = extracted(case)
    got = result.fields.get(field)
    if isinstance(expected[field], list):
        got = got or []
    assert got == expected[field]


@pytest.mark.parametrize("case", ARTICLES, ids=ids)
def test_published_at_is_beijing_time(case):
    result, expected = extracted(case)
    published = result.fields["published_at"]
    assert published == iso(expected["published_at"])
    assert published.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("case", ARTICLES, ids=ids)
def test_paragraph_count(case):
    result, expected = extracted(case)
    assert len(result.fields["paragraphs"]) == expected["paragraph_count"]


@pytest.mark.parametrize("case", ARTICLES, ids=ids)
def test_first_paragraph(case):
    result, expected = extracted(case)
    assert result.fields["paragraphs"][0] == expected["first_paragraph"]


@pytest.mark.parametrize("case", ARTICLES, ids=ids)
def test_last_paragraph(case):
    result, expected = extracted(case)
    assert result.fields["paragraphs"][-1] == expected["last_paragraph"]


@pytest.mark.parametrize("case", ARTICLES, ids=ids)
def test_body_has_no_editor_or_empty_lines(case):
    result, _ = extracted(case)
    for paragraph in result.fields["paragraphs"]:
        assert paragraph.strip()
        assert "责任编辑" not in paragraph


@pytest.mark.parametrize("case", [d for d in ARTICLES if "how" in expected_of(d)], ids=lambda d: d.name)
def test_how_each_field_was_found(case):
    result, expected = extracted(case)
    assert {k: result.how.get(k) for k in expected["how"]} == expected["how"]


@pytest.mark.parametrize("case", ERRORS, ids=[d.name for d in ERRORS])
def test_error_reason(case):
    response, expected = load_fixture(case)
    assert EXTRACTOR.error_reason(response) == expected["error_reason"]


def test_epaper_channel_from_the_list_entry_wins_over_the_page_number():
    """The data.json column (passed as the request's channel) names the article's channel."""
    case = next(d for d in ARTICLES if d.name == "epaper_article")
    page, _ = load_fixture(case)
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
