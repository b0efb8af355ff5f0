"""GB2312/GBK pages (old ce.cn templates) decode to the right text, however the charset is given.

The saved bytes of the ce fixtures are used: a GB2312 page declaring ``charset=gb2312`` in a
``<meta>``, a GBK page (with a character GB2312 lacks: 喆) declaring ``charset=gbk``. Variants move
the declaration to the Content-Type header or drop it; undeclared pages are the charset
middleware's job (healthcrawl.crawl.middlewares.charset), Scrapy alone would guess.
"""

from __future__ import annotations

import re

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from healthcrawl.crawl.extractors.ce import EXTRACTOR
from healthcrawl.crawl.middlewares.charset import CharsetMiddleware
from tests.pages import FIXTURES, make_response

GB2312_URL = "https://www.ce.cn/xwzx/gnsz/gdxw/202611/10/t20261110_38912345.shtml"
GB2312_TITLE = "超九成县（市）开展医共体建设 群众家门口看病更方便"
GBK_URL = "https://health.ce.cn/news/202611/11/t20261111_38915678.shtml"
GBK_WORD = "陈喆"
META = re.compile(rb'<meta http-equiv="Content-Type"[^>]*>', re.I)


def page(case: str) -> bytes:
    return (FIXTURES / "ce" / case / "page.html").read_bytes()


def undeclared(case: str) -> bytes:
    body, count = META.subn(b"", page(case))
    assert count == 1
    return body


def test_gb2312_with_meta_charset():
    response = make_response(GB2312_URL, page("trs_gb2312_gdxw"))
    assert response.encoding == "gb18030"  # w3lib reads gb2312 as its superset
    assert GB2312_TITLE in response.text
    assert EXTRACTOR.extract(response).fields["title"] == GB2312_TITLE


def test_gbk_with_meta_charset():
    response = make_response(GBK_URL, page("trs_custom_gbk_health"))
    assert GBK_WORD in response.text


@pytest.mark.parametrize("charset", ["GBK", "gb2312", "GB18030"])
def test_gbk_with_header_charset_only(charset):
    response = make_response(GBK_URL, undeclared("trs_custom_gbk_health"),
                             {"Content-Type": f"text/html; charset={charset}"})
    assert GBK_WORD in response.text
    assert "互联网医院服务规范出台" in EXTRACTOR.extract(response).fields["title"]


@pytest.fixture
def charset_middleware():
    return CharsetMiddleware.from_crawler(get_crawler())


@pytest.mark.parametrize("case, url, text", [
    ("trs_gb2312_gdxw", GB2312_URL, GB2312_TITLE),
    ("trs_custom_gbk_health", GBK_URL, GBK_WORD),
])
def test_undeclared_gb_pages_are_decoded_by_the_middleware(charset_middleware, case, url, text):
    response = make_response(url, undeclared(case), {"Content-Type": "text/html"})
    fixed = charset_middleware.process_response(response.request, response)
    assert isinstance(fixed, HtmlResponse)
    assert text in fixed.text
    assert EXTRACTOR.extract(fixed).template.startswith("ce-trs")


def test_gbk_bytes_declared_as_utf8_are_redecoded_by_the_middleware(charset_middleware):
    body = page("trs_custom_gbk_health").replace(b"charset=gbk", b"charset=utf-8")
    response = make_response(GBK_URL, body)
    assert GBK_WORD not in response.text  # Scrapy trusts the declaration: mojibake
    fixed = charset_middleware.process_response(response.request, response)
    assert GBK_WORD in fixed.text


def test_undeclared_utf8_page_stays_utf8(charset_middleware):
    body = (FIXTURES / "ce" / "new_utf8_fallback" / "page.html").read_bytes().replace(b'<meta charset="utf-8">', b"")
    response = make_response("https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261112_5123456.shtml", body,
                             {"Content-Type": "text/html"})
    fixed = charset_middleware.process_response(response.request, response)
    assert "数字健康服务加快走进社区" in fixed.text


def test_declared_pages_are_left_alone(charset_middleware):
    response = make_response(GB2312_URL, page("trs_gb2312_gdxw"))
    assert charset_middleware.process_response(response.request, response) is response
