"""The generic fallback (the density extractor, issue 15) as the spiders call it: on portal-like
pages written for this test (tests/fixtures/fallback/, the fixture format of the site templates,
one test per field), on the project's real saved pages and on a handful of the extraction
benchmark's pages (fields from eval/extraction/manifest.json; skipped when the pages are not laid
out). The quality figures are measured by ``bench/extraction.py``, not here."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from w3lib.encoding import html_to_unicode

from eval.extraction.realpages import expected_fields
from eval.extraction.xpathlabel import label_text
from healthcrawl.crawl.extractors.base import SiteExtractor
from healthcrawl.crawl.extractors.density import Article, extract_article
from healthcrawl.crawl.extractors.generic import FALLBACK_TEMPLATE
from healthcrawl.crawl.extractors.pagefields import find_datetime
from healthcrawl.crawl.fixtures import expected_output, make_response
from tests.extraction_checks import ExtractionChecks, extracted_paragraphs, fixture_params
from tests.pages import REALPAGES

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HEALTHCRAWL_EXTRACTION_DATA", "/work/data/extraction"))
#: benchmark pages checked here (dev split, several sites and page shapes)
BENCH_PAGES = ("mh-7f67d45fb1", "ia-0d931936", "ia-274a65d9", "ia-33a95b71", "mh-0987b0ff61", "mh-7e99760d09")


class FallbackOnly(SiteExtractor):
    """A site whose only template is the generic fallback."""

    site = "fallback"
    templates = (FALLBACK_TEMPLATE,)


class TestExtraction(ExtractionChecks):
    site = "fallback"
    extractor = FallbackOnly()
    fallback = True


@pytest.mark.parametrize("path", fixture_params("fallback", "article"))
def test_no_page_furniture_in_the_body(path: Path) -> None:
    body = "\n".join(extracted_paragraphs(TestExtraction.extractor, path))
    for furniture in ("分享到", "相关新闻", "热点排行", "排行榜", "【详细】", "网友评论", "版权所有",
                      "上一篇", "下一篇", "责编", "责任编辑", "编辑:", "首页", "浏览次数"):
        assert furniture not in body


def test_time_forms() -> None:
    for text, wanted in [("2024年5月22日週三 下午2:05", "2024-05-22T14:05"), ("06/02/2022 - 13:48", "2022-02-06T13:48"),
                         ("时间：2024.05.20", "2024-05-20T00:00"), ("2024-05-13 08:49 来源：人民日报", "2024-05-13T08:49")]:
        when, _ = find_datetime(text)
        assert when.isoformat()[:16] == wanted


def test_label_recipe() -> None:
    """The held-out pages' labels are recipes (eval/extraction/xpathlabel.py), applied at layout time."""
    page = ("<html><body><div id='a'><h1>题</h1><p>第一段，正文。</p><div class='share'>分享到</div>"
            "<p>第二段<b>加粗</b>正文。<br>换行</p><p>（责任编辑：王宁）</p><p>相关新闻</p><p>别的</p></div></body></html>")
    recipe = {"xpath": "//div[@id='a']", "drop": ["./h1", ".//div[@class='share']"],
              "drop_lines": [r"^[（(]?责任编辑"], "cut_at": r"^相关新闻$"}
    assert label_text(page, recipe) == "第一段，正文。\n第二段加粗正文。\n换行"
    with pytest.raises(KeyError):
        label_text(page, {"xpath": "//article"})


def test_empty_and_broken_input() -> None:
    assert extract_article("").paragraphs == []
    assert extract_article('<?xml version="1.0" encoding="utf-8"?><html><body><p>短</p></body></html>').title is None


# -- the project's real saved pages (fields from their README, read at run time) ----------------------

def _real_params() -> list:
    if not REALPAGES.exists():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"real pages not available ({REALPAGES})"))]
    return [pytest.param(file, name, id=f"{file.split('/')[0]}-{name}")
            for file, fields in expected_fields(REALPAGES).items() for name in fields]


@cache
def real(file: str) -> Article:
    return extract_article(html_to_unicode(None, (REALPAGES / file).read_bytes())[1])


@pytest.mark.parametrize(("file", "name"), _real_params())
def test_real_page_field(file: str, name: str) -> None:
    wanted = expected_fields(REALPAGES)[file][name]
    article = real(file)
    if name == "published_at":  # to the minute: the extractor reads no seconds
        assert article.published_at.utcoffset().total_seconds() == 8 * 3600
        wanted = wanted[:16]
        got: Any = article.published_at.isoformat().replace("T", " ")[:16]
    elif name == "paragraph_count":
        got = len(article.paragraphs)
    elif name == "first_paragraph_start":
        got = article.paragraphs[0][:len(wanted)]
    elif name == "last_paragraph_end":
        got = article.paragraphs[-1][-len(wanted):]
    else:
        got = getattr(article, name)
    assert got == wanted


# -- benchmark pages (eval/extraction_fetch.py lays them out; not part of the project) ----------------

@cache
def manifest_pages() -> dict[str, dict]:
    manifest = json.loads((ROOT / "eval" / "extraction" / "manifest.json").read_text(encoding="utf-8"))
    return {page["id"]: page for page in manifest["pages"]}


def _bench_params() -> list:
    if not all((DATA / f"{page}.html").exists() for page in BENCH_PAGES):
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"benchmark pages not laid out in {DATA}"))]
    return [pytest.param(page, name, id=f"{page}-{name}") for page in BENCH_PAGES
            for name, value in manifest_pages()[page]["fields"].items() if value]


@cache
def bench_output(page: str) -> dict[str, Any]:
    entry = manifest_pages()[page]
    encoding = {"gb2312": "gb18030", "gbk": "gb18030"}.get((entry.get("encoding") or "").lower(), entry.get("encoding"))
    response = make_response(entry.get("url") or "https://example.invalid/", (DATA / f"{page}.html").read_bytes(),
                             {"Content-Type": f"text/html; charset={encoding}"} if encoding else None)
    return expected_output(response, TestExtraction.extractor)


@pytest.mark.parametrize(("page", "name"), _bench_params())
def test_benchmark_page_field(page: str, name: str) -> None:
    wanted = manifest_pages()[page]["fields"][name]
    got = bench_output(page)[name]
    if name == "published_at":  # to the minute, or to the day where the page shows only a day
        got = got.replace("T", " ")[:len(wanted)]
    assert got == wanted
