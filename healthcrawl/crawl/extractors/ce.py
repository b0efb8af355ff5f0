"""中国经济网 (ce.cn): the TRS article templates (ce-trs, ce-trs-custom, then the fallback, which
reads the undocumented post-2025 markup) and the TRS channel lists, both URL forms.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from healthcrawl.crawl.extractors.base import Extracted, SiteExtractor
from healthcrawl.crawl.extractors.credits import editor_on_page
from healthcrawl.crawl.extractors.css import CssTemplate
from healthcrawl.crawl.extractors.generic import FALLBACK_TEMPLATE
from healthcrawl.crawl.extractors.lists import ListPage, link_entries, next_link, trs_next_page

#: Article URLs, old (``/YYYYMM/DD/tYYYYMMDD_<8 digits>``) and new (``/YYYYMM/tYYYYMMDD_<7>``).
ARTICLE_PATH = re.compile(r"/(\d{6})/(?:\d{2}/)?t(\d{8})_(\d+)\.s?html$")
#: Hosts whose articles the lists may link to.
ARTICLE_HOSTS = frozenset({"www.ce.cn", "ce.cn", "health.ce.cn", "tech.ce.cn", "finance.ce.cn"})
#: The channel folder right before the date folders: /xwzx/gnsz/gdxw/202611/10/t… → gdxw.
_CHANNEL = re.compile(r"/([A-Za-z0-9_]+)/\d{6}/(?:\d{2}/)?t\d{8}_\d+\.s?html$")


def is_article_url(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.hostname or "") in ARTICLE_HOSTS and bool(ARTICLE_PATH.search(parts.path))


def channel_from_url(url: str) -> str | None:
    """The channel folder; prefixed with the sub-site off www (health.ce.cn/news/… → health/news)."""
    parts = urlsplit(url)
    m = _CHANNEL.search(parts.path)
    if not m:
        return None
    sub = (parts.hostname or "").split(".")[0]
    return m[1] if sub in ("www", "ce") else f"{sub}/{m[1]}"


def clean_up(response: TextResponse, result: Extracted, how_prefix: str = "") -> None:
    """What every ce page needs after its body is read, whichever template or the fallback read it:
    the editor credit printed below the body, the URL channel. (Promotion lines such as
    "更多精彩内容，请点击进入中国经济网健康频道" go with the rest of the furniture.)"""
    if not result.fields.get("editor"):
        result.put("editor", editor_on_page(response), f"{how_prefix}page:责任编辑")
    result.put("channel", channel_from_url(response.url), "url")


class CeTrsTemplate(CssTemplate):
    """The TRS article page (to mid-2025): ``#articleText div.TRS_Editor p``."""

    name = "ce-trs"
    match_css = body_css = ("#articleText div.TRS_Editor",)
    title_css = ("h1#articleTitle",)
    time_css = ("span#articleTime",)
    source_css = ("span#articleSource",)
    author_css = ("span#articleAuthor",)

    def after(self, response: TextResponse, result: Extracted) -> None:
        clean_up(response, result)
        crumbs = response.css("#sousuo a::text, .crumbs a::text, .path a::text").getall()
        result.put("channel", crumbs[-1].strip() if crumbs else None, "breadcrumb")


class CeTrsCustomTemplate(CeTrsTemplate):
    """The same page with a ``div.Custom_UnionStyle`` body (Word-pasted; often ``<br>``-split)."""

    name = "ce-trs-custom"
    match_css = body_css = ("#articleText div.Custom_UnionStyle",)


class CeExtractor(SiteExtractor):
    site = "ce"
    templates = (CeTrsTemplate(), CeTrsCustomTemplate(), FALLBACK_TEMPLATE)

    def after_fallback(self, response: TextResponse, result: Extracted) -> None:
        clean_up(response, result, "fallback:")

    def parse_list(self, response: TextResponse) -> ListPage:
        """Any link of article shape (both URL forms); TRS pager script, else a "下一页" link."""
        return link_entries(response, response.css("a[href]"), is_article_url,
                            next_page=trs_next_page(response) or next_link(response))


EXTRACTOR = CeExtractor()
