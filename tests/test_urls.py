"""healthcrawl.text.urls.canonical_url: one string per article, whatever link led to it."""

from __future__ import annotations

import pytest

from healthcrawl.text.urls import canonical_url

CN = "https://www.chinanews.com.cn/sh/2025/06-02/10425976.shtml"


@pytest.mark.parametrize("url", [
    "https://www.chinanews.com.cn/sh/2025/06-02/10425976.shtml",
    "http://www.chinanews.com.cn/sh/2025/06-02/10425976.shtml",
    "https://www.chinanews.com/sh/2025/06-02/10425976.shtml",
    "http://www.chinanews.com/sh/2025/06-02/10425976.shtml#comments",
    "https://WWW.ChinaNews.com/sh/2025/06-02/10425976.shtml?",
    "https://chinanews.com/sh/2025/06-02/10425976.shtml",
    "https://www.chinanews.com.cn:443/sh/2025/06-02/10425976.shtml",
    "http://www.chinanews.com.cn:80/sh/2025/06-02/10425976.shtml",
    "https://m.chinanews.com/sh/2025/06-02/10425976.shtml",
    "https://m.chinanews.com.cn/sh/2025/06-02/10425976.shtml?from=timeline",
    "https://wap.chinanews.com.cn/sh/2025/06-02/10425976.shtml",
    "https://3g.chinanews.com/sh/2025/06-02/10425976.shtml",
    "https://www.chinanews.com.cn/sh/2025/06-02/10425976.shtml?utm_source=wechat&utm_medium=social",
    "https://www.chinanews.com.cn/sh/2025/06-02/10425976.shtml?spm=a1.b2&share_token=abc&shareId=9",
    "https://www.chinanews.com.cn/sh/2025/06-02/10425976.shtml?isappinstalled=0&scene=1&from=groupmessage",
    "  https://www.chinanews.com.cn/sh/2025/06-02/10425976.shtml  ",
    "//www.chinanews.com.cn/sh/2025/06-02/10425976.shtml",
])
def test_chinanews_spellings_fold_to_one(url):
    assert canonical_url(url) == CN


def test_gmw_channel_hosts_and_mobile():
    url = "https://digital.gmw.cn/2025-05/20/content_38036147.htm"
    assert canonical_url("http://digital.gmw.cn/2025-05/20/content_38036147.htm") == url
    assert canonical_url("https://m.digital.gmw.cn/2025-05/20/content_38036147.htm") == url
    assert canonical_url("https://digital.gmw.cn/2025-05/20/content_38036147.htm?utm_campaign=x#top") == url
    # m.gmw.cn names no channel host: kept (the content hash still catches the duplicate)
    assert canonical_url("https://m.gmw.cn/2025-05/20/content_38036147.htm") == \
        "https://m.gmw.cn/2025-05/20/content_38036147.htm"
    assert canonical_url("http://gmw.cn/") == "https://www.gmw.cn/"


def test_ce_alias_hosts():
    url = "https://www.ce.cn/xwzx/gnsz/gdxw/202505/21/t20250521_39362382.shtml"
    # the bulletin itself links to the adimg mirror host
    assert canonical_url("http://adimg.ce.cn/xwzx/gnsz/gdxw/202505/21/t20250521_39362382.shtml") == url
    assert canonical_url("http://ce.cn/xwzx/gnsz/gdxw/202505/21/t20250521_39362382.shtml") == url
    assert canonical_url("https://m.ce.cn/xwzx/gnsz/gdxw/202505/21/t20250521_39362382.shtml") == url
    assert canonical_url("https://wap.ce.cn/xwzx/gnsz/gdxw/202505/21/t20250521_39362382.shtml") == url
    health = "https://health.ce.cn/news/202511/t20251110_1234567.shtml"
    assert canonical_url("http://health.ce.cn/news/202511/t20251110_1234567.shtml") == health
    assert canonical_url("https://m.health.ce.cn/news/202511/t20251110_1234567.shtml") == health


def test_cnii_epaper_prefix_and_mobile():
    url = "https://rmydb.cnii.com.cn/html/2025/20250603/20250603_006/20250603_006_07_9918.html"
    assert canonical_url("https://rmydb.cnii.com.cn/rmydb/html/2025/20250603/20250603_006/20250603_006_07_9918.html?") == url
    assert canonical_url("http://rmydb.cnii.com.cn/html/2025/20250603/20250603_006/20250603_006_07_9918.html") == url
    main = "https://www.cnii.com.cn/rmydb/202506/t20250603_650000.html"
    assert canonical_url("http://m.cnii.com.cn/rmydb/202506/t20250603_650000.html") == main
    assert canonical_url("http://cnii.com.cn/rmydb/202506/t20250603_650000.html") == main


def test_mobile_host_with_another_path_is_not_folded():
    # a mobile-only path (no desktop twin with the same path) keeps its host
    url = "https://m.chinanews.com.cn/wap/detail/chs/zw/10425976.shtml"
    assert canonical_url(url) == url


def test_identifying_query_parameters_are_kept_and_sorted():
    assert canonical_url("https://example.org/a?b=2&a=1&utm_source=x") == "https://example.org/a?a=1&b=2"
    assert canonical_url("https://example.org/show?id=5&from=home") == "https://example.org/show?id=5"


def test_other_hosts_only_generic_steps():
    assert canonical_url("HTTP://Example.ORG:8080/x/../y?q=%e4%b8%ad#f") == "https://example.org:8080/y?q=%E4%B8%AD"
    assert canonical_url("https://example.org/路径") == "https://example.org/%E8%B7%AF%E5%BE%84"


def test_empty_and_idempotent():
    assert canonical_url("") == ""
    for url in ("http://www.chinanews.com/sh/2025/06-02/10425976.shtml?utm_source=x",
                "https://rmydb.cnii.com.cn/rmydb/html/2025/20250603/20250603_006/20250603_006_07_9918.html"):
        once = canonical_url(url)
        assert canonical_url(once) == once


def test_every_registered_domain_is_a_site_domain():
    """The canonical host rules know every site of the registry (healthcrawl/crawl/sites.py)."""
    from healthcrawl.crawl.sites import SITES
    from healthcrawl.text.urls import _site_domain

    for site in SITES.values():
        for domain in site.domains:
            assert _site_domain(f"news.{domain}") == domain
