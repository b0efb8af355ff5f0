"""The sites healthcrawl knows: one registry, used by the Article contract, spiders and reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    domains: tuple[str, ...]


SITES: dict[str, Site] = {
    "gmw": Site("gmw", "光明网", ("gmw.cn",)),
    "chinanews": Site("chinanews", "中国新闻网", ("chinanews.com.cn", "chinanews.com")),
    "ce": Site("ce", "中国经济网", ("ce.cn",)),
    "cnii": Site("cnii", "中国信息产业网", ("cnii.com.cn",)),
}

#: Articles from the 人民邮电报 e-paper carry the newspaper's name, not the portal's.
EPAPER_NAME = "人民邮电报"
EPAPER_HOST = "rmydb.cnii.com.cn"


def site_name(site: str, url: str = "") -> str:
    """The name a reader expects: the newspaper for e-paper pages, otherwise the portal."""
    if site == "cnii" and EPAPER_HOST in url:
        return EPAPER_NAME
    return SITES[site].name


def site_for_host(host: str) -> str | None:
    host = host.lower().split(":")[0]
    for site in SITES.values():
        for domain in site.domains:
            if host == domain or host.endswith("." + domain):
                return site.key
    return None
