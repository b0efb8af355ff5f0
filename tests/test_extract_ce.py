"""中国经济网 pages → fields, from saved bytes: one small test per field per fixture.

Article fixtures have an ``expected.json`` with the field values; error fixtures one with
``error_reason``; list fixtures (``entries``) are tested in test_lists_ce_cnii.py.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from parsel import Selector

from healthcrawl.extractors.base import Extracted, split_editor, text_blocks
from healthcrawl.extractors.ce import EXTRACTOR, channel_from_url, is_article_url
from tests.pages import fixture_dirs, iso, load_fixture

SITE = "ce"
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


def test_fixtures_cover_every_template_and_the_fallback():
    assert {extracted(d)[0].template for d in ARTICLES} == {"ce-trs", "ce-trs-custom", "fallback"}


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
def test_body_has_no_promotion_editor_or_empty_lines(case):
    result, _ = extracted(case)
    for paragraph in result.fields["paragraphs"]:
        assert paragraph.strip()
        assert "更多精彩内容" not in paragraph
        assert "责任编辑" not in paragraph


@pytest.mark.parametrize("case", [d for d in ARTICLES if "contains" in expected_of(d)], ids=lambda d: d.name)
def test_text_split_by_br_becomes_paragraphs(case):
    result, expected = extracted(case)
    assert expected["contains"] in result.fields["paragraphs"]


@pytest.mark.parametrize("case", [d for d in ARTICLES if "how" in expected_of(d)], ids=lambda d: d.name)
def test_how_each_field_was_found(case):
    result, expected = extracted(case)
    assert {k: result.how.get(k) for k in expected["how"]} == expected["how"]


@pytest.mark.parametrize("case", ARTICLES, ids=ids)
def test_decoded_with_the_declared_charset(case):
    response, expected = load_fixture(case)
    assert response.encoding == expected["encoding"]


@pytest.mark.parametrize("case", ERRORS, ids=[d.name for d in ERRORS])
def test_error_reason(case):
    response, expected = load_fixture(case)
    assert EXTRACTOR.error_reason(response) == expected["error_reason"]


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


def test_split_editor_takes_own_lines_and_glued_tails():
    assert split_editor(["正文一。", "正文二。", "（责任编辑：刘佳）"]) == (["正文一。", "正文二。"], "刘佳")
    assert split_editor(["正文一。", "正文二。（责任编辑：王宁）"]) == (["正文一。", "正文二。"], "王宁")
    assert split_editor(["编辑：本段不在结尾。", "正文。", "正文。", "正文。"]) == (
        ["编辑：本段不在结尾。", "正文。", "正文。", "正文。"], None)


def test_text_blocks_split_at_br_and_blocks_not_at_source_newlines():
    node = Selector(text="<div>第一段\n仍是第一段<br/>第二段<div>第三段</div><script>x()</script></div>").css("div")[0]
    assert text_blocks(node) == ["第一段 仍是第一段", "第二段", "第三段"]
