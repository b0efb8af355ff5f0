"""Decode pages that declare no usable charset: UTF-8 if the bytes are UTF-8, else GB18030.

Scrapy decodes by the Content-Type header, a BOM or the page's ``<meta charset>``; a page that
declares nothing falls back to ASCII/UTF-8 guessing, which turns GB2312/GBK pages (old ce.cn
templates) into mojibake. GB18030 is a superset of GB2312 and GBK, so it is the safe choice for
Chinese pages that are not UTF-8. A declared but wrong charset ("utf-8" on GBK bytes) is caught
the same way: if the body does not decode under the declared charset without errors but does as
GB18030, the page is re-decoded and counted.
"""

from __future__ import annotations

import logging

from scrapy.http import HtmlResponse, Request, Response
from healthcrawl.project import CrawlerComponent

logger = logging.getLogger(__name__)
STATS = "healthcrawl/charset"


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


class CharsetMiddleware(CrawlerComponent):

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse) or not response.body:
            return response
        declared = response._declared_encoding()  # header, BOM or meta
        body = response.body
        if declared and _decodes(body, declared):
            return response
        if _decodes(body, "utf-8"):
            encoding = "utf-8"
        elif _decodes(body, "gb18030"):
            encoding = "gb18030"
        else:
            return response  # undecodable either way: Scrapy's lossy decode stands
        if declared:
            logger.info("charset %s declared but the bytes are %s: %s", declared, encoding, response.url)
            self.crawler.stats.inc_value(f"{STATS}/wrong_declaration")
        else:
            self.crawler.stats.inc_value(f"{STATS}/undeclared_{encoding}")
        return response.replace(encoding=encoding)
