"""中国新闻网: the rolling list, its per-day archives for the window, and the RSS feed.

Every request goes to the canonical host www.chinanews.com.cn (healthcrawl.text.urls.canonical_url).
"""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from healthcrawl.text import dates
from healthcrawl.crawl.extractors.chinanews import EXTRACTOR, archive_url
from healthcrawl.crawl.spider import NewsSpider
from healthcrawl.text.urls import canonical_url


class ChinanewsSpider(NewsSpider):
    name = "chinanews"
    site = "chinanews"
    allowed_domains = ["chinanews.com.cn", "chinanews.com"]
    extractor = EXTRACTOR
    channels = {
        "scroll": ["https://www.chinanews.com.cn/scroll-news/news1.html"],
        # one archive page per day of the window, computed in list_urls()
        "archive": [],
        "rss": ["https://www.chinanews.com.cn/rss/scroll-news.xml"],
    }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.direct_urls = [canonical_url(url) for url in self.direct_urls]

    def list_urls(self) -> Iterable[tuple[str, str]]:
        for channel, url in super().list_urls():
            yield channel, canonical_url(url)
        if self.selected_channels and "archive" not in self.selected_channels:
            return
        # since is set by from_crawler; a spider built without a crawler archives `until` only
        since = self.since or dates.day_start(self.until.date())
        day, first = self.until.date(), since.date()
        while day >= first:  # newest first, like the lists
            yield "archive", archive_url(day)
            day -= timedelta(days=1)
