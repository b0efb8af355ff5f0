"""The generic fallback extractor, used when no site template matches a page.

trafilatura does the body (it is a maintained, benchmarked main-text extractor that copes with
arbitrary news markup far better than a hand-written heuristic); title and date fall back to
``<h1>``/``<title>``/meta tags and to the first date string near the title. Items produced here
carry ``template = "fallback"`` and are counted per site, so a template change is visible.
"""

from __future__ import annotations

import re

import trafilatura
from scrapy.http import TextResponse

from healthcrawl.text import dates
from healthcrawl.crawl.extractors.base import Extracted, squash, strip_label

FALLBACK = "fallback"
_TITLE_SUFFIX = re.compile(r"\s*[_|\-—–]\s*[^_|\-—–]{2,20}$")
_SOURCE = re.compile(r"来源\s*[:：]\s*([^\s|/]{2,30})")


def extract_generic(response: TextResponse) -> Extracted:
    result = Extracted(template=FALLBACK)
    doc = trafilatura.bare_extraction(
        response.text, url=response.url, with_metadata=True, include_comments=False,
        include_tables=False, include_images=True, favor_precision=True,
    )
    body = getattr(doc, "text", None) or ""
    paragraphs = [squash(p) for p in body.split("\n") if squash(p)]
    result.put("paragraphs", paragraphs, "fallback:trafilatura")

    h1 = squash(" ".join(response.css("h1 ::text").getall()))
    result.put("title", h1, "fallback:h1")
    og = squash(response.css('meta[property="og:title"]::attr(content)').get())
    result.put("title", og, "fallback:og:title")
    page_title = squash(" ".join(response.xpath("//title//text()").getall()))
    result.put("title", _TITLE_SUFFIX.sub("", page_title), "fallback:title")

    for name in ("article:published_time", "publishdate", "PubDate", "pubdate"):
        value = response.css(f'meta[property="{name}"]::attr(content), meta[name="{name}"]::attr(content)').get()
        result.put("published_at", dates.find_datetime(value), f"fallback:meta:{name}")
    trafilatura_date = getattr(doc, "date", None)
    # trafilatura only knows the day; a time string in the page text is better
    page_text = squash(" ".join(response.xpath("//body//text()[not(ancestor::script)]").getall()))[:4000]
    result.put("published_at", dates.find_datetime(page_text), "fallback:text")
    result.put("published_at", dates.find_datetime(trafilatura_date), "fallback:trafilatura")

    source = _SOURCE.search(page_text)
    result.put("source", strip_label(source.group(1)) if source else None, "fallback:text")
    keywords = response.css('meta[name="keywords"]::attr(content)').get()
    if keywords:
        result.put("keywords", [k for k in re.split(r"[,，;；\s]+", keywords) if k], "fallback:meta")
    return result
