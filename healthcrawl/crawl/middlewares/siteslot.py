"""One download slot per site: politeness is set per site, not per host.

Each site spreads over many hosts (health.gmw.cn, digital.gmw.cn, politics.gmw.cn …) that share
one server farm. This middleware puts every request of a site into the download slot named after
the site key (``gmw``, ``chinanews``, ``ce``, ``cnii``), whose concurrency and delay come from the
site registry (``Site.slot`` in healthcrawl/crawl/sites.py); a ``DOWNLOAD_SLOTS`` entry of the same
name overrides it. Hosts that have a ``DOWNLOAD_SLOTS`` entry of their own (the 人民邮电报 e-paper
host) keep their own slot.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request, signals

from healthcrawl.crawl.sites import download_slots, site_for_host


class SiteSlotMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.own_slots = set(crawler.settings.getdict("DOWNLOAD_SLOTS"))

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.engine_started, signal=signals.engine_started)
        return middleware

    def engine_started(self) -> None:
        """Give the downloader each registered site's slot settings (DOWNLOAD_SLOTS entries win)."""
        per_slot = self.crawler.engine.downloader.per_slot_settings
        for key, setting in download_slots().items():
            per_slot.setdefault(key, setting)

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
