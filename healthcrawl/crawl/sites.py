"""The sites healthcrawl knows: the one registry that the spiders (``scrapy list``), the CLI, the
bulletin scope, the politeness slots, the channel vocabulary, tests and benchmarks all read.

Adding a site is one :class:`Site` entry here (README "Adding a site"); ``healthcrawl new-site``
writes the spider, extractor, fixture and test that go with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The one channel vocabulary every site's ``channel`` is mapped to; the site's own label is kept
#: beside it as ``channel_label``.
CHANNELS = ("health", "policy", "tech", "economy", "industry", "society", "news")
#: the vocabulary term of a label the site's table does not name
DEFAULT_CHANNEL = "news"


@dataclass(frozen=True)
class Slot:
    """Politeness of one site: concurrent requests and delay (seconds) in its download slot."""

    concurrency: int = 2
    delay: float = 1.0

    def setting(self) -> dict[str, Any]:
        return {"concurrency": self.concurrency, "delay": self.delay, "randomize_delay": True}


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    domains: tuple[str, ...]
    slot: Slot = Slot()
    #: the site's own channel labels (URL folder, breadcrumb, page property) -> CHANNELS term
    channels: dict[str, str] = field(default_factory=dict)

    def channel(self, label: str | None) -> str | None:
        """The vocabulary term of one of this site's channel labels (None for no label)."""
        if not label:
            return None
        return self.channels.get(label, self.channels.get(label.split("/")[0], DEFAULT_CHANNEL))


SITES: dict[str, Site] = {
    "gmw": Site("gmw", "光明网", ("gmw.cn",), Slot(4, 0.5), {
        "health": "health", "要闻时评": "health", "资讯速递": "health", "医疗前沿": "health",
        "数字健康": "health", "部委声音": "policy", "politics": "policy", "digital": "tech",
        "tech": "tech", "科技图片": "tech", "光明日报": "news", "news": "news"}),
    "chinanews": Site("chinanews", "中国新闻网", ("chinanews.com.cn", "chinanews.com"), Slot(4, 0.5), {
        "jk": "health", "gn": "policy", "sh": "society", "cj": "economy", "it": "tech",
        "scroll": "news", "archive": "news", "rss": "news",
        "健康": "health", "社会": "society", "财经": "economy", "国内": "news", "国际": "news"}),
    "ce": Site("ce", "中国经济网", ("ce.cn",), Slot(2, 1.0), {
        "health": "health", "gdxw": "policy", "gnsz": "policy", "tech": "tech", "finance": "economy"}),
    "cnii": Site("cnii", "中国信息产业网", ("cnii.com.cn",), Slot(2, 1.0), {
        "yw": "industry", "gxyw": "industry", "dtxw": "industry", "zcfg": "policy",
        "rmydb": "industry", "epaper": "industry"}),
}

#: the registry's keys, in registry order (the sites ``healthcrawl crawl`` crawls by default)
SITE_KEYS: tuple[str, ...] = tuple(SITES)

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


def download_slots() -> dict[str, dict[str, Any]]:
    """``DOWNLOAD_SLOTS`` entries of every site (slot named after the site key)."""
    return {site.key: site.slot.setting() for site in SITES.values()}


def bulletin_scope() -> str:
    """The monitoring scope the bulletin's 本期导语 names: every registered site."""
    return "、".join(site.name for site in SITES.values()) + "等全国主流媒体"


def channel_of(site: str, label: str | None) -> str | None:
    """The vocabulary term of ``site``'s channel ``label`` (the label itself for an unknown site)."""
    return SITES[site].channel(label) if site in SITES else label
