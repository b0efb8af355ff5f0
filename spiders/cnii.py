"""中国信息产业网 channel lists, plus the 人民邮电报 e-paper's per-issue data.json (weekdays)."""

from collections.abc import Iterable
from datetime import timedelta

from healthcrawl.crawl.extractors.cnii import EXTRACTOR, epaper_index_url
from healthcrawl.crawl.spider import NewsSpider


class CniiSpider(NewsSpider):
    name = "cnii"
    site = "cnii"
    allowed_domains = ["cnii.com.cn"]  # includes the e-paper host rmydb.cnii.com.cn
    extractor = EXTRACTOR
    channels = {
        **{c: [f"https://www.cnii.com.cn/{c}/"] for c in ("yw", "gxyw", "dtxw", "zcfg", "rmydb")},
        # one data.json per issue day, computed from the window in list_urls()
        "epaper": [],
    }

    def list_urls(self) -> Iterable[tuple[str, str]]:
        yield from super().list_urls()
        if self.selected_channels and "epaper" not in self.selected_channels:
            return
        day, last = self.since.date(), self.until.date()
        while day <= last:
            if day.weekday() < 5:  # the paper appears Monday to Friday (not on holidays: 404)
                yield "epaper", epaper_index_url(day)
            day += timedelta(days=1)
