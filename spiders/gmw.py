"""光明网: health, politics and news channel lists, plus the digital and tech channel homes."""

from healthcrawl.crawl.extractors.gmw import EXTRACTOR
from healthcrawl.crawl.spider import NewsSpider


class GmwSpider(NewsSpider):
    name = "gmw"
    site = "gmw"
    allowed_domains = ["gmw.cn"]
    extractor = EXTRACTOR
    channels = {
        # 要闻时评, 资讯速递, 医疗前沿
        "health": [f"https://health.gmw.cn/node_{n}.htm" for n in (9583, 9222, 9224)],
        # channel homes: every article link on the page, no pagination
        "digital": ["https://digital.gmw.cn/"],
        "tech": ["https://tech.gmw.cn/"],
        # 要闻, 滚动播报
        "politics": [f"https://politics.gmw.cn/node_{n}.htm" for n in (9844, 10495)],
        # 光明日报
        "news": ["https://news.gmw.cn/node_4108.htm"],
    }
