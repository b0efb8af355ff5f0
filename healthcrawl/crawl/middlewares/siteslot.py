"""One download slot per site: politeness is set per site, not per host.

Each site spreads over many hosts (health.gmw.cn, digital.gmw.cn, politics.gmw.cn …) that share
one server farm. This middleware puts every request of a site into the download slot named after
the site key (``gmw``, ``chinanews``, ``ce``, ``cnii``), whose concurrency and delay are the
``DOWNLOAD_SLOTS`` entries settings.py builds from the site registry (``Site.slot`` in
healthcrawl/crawl/sites.py). Hosts that have a ``DOWNLOAD_SLOTS`` entry of their own (the 人民邮电报 e-paper
host) keep their own slot.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request

from healthcrawl.crawl.sites import site_for_host


class SiteSlotMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.own_slots = set(crawler.settings.getdict("DOWNLOAD_SLOTS"))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if "download_slot" in request.meta:
            return None
        host = (urlsplit(request.url).hostname or "").lower()
        if host in self.own_slots:
            return None
        site = site_for_host(host)
        if site is not None:
            request.meta["download_slot"] = site
        return None
