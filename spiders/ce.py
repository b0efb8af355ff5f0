"""中国经济网: TRS channel lists (国内时政滚动, 健康要闻) → articles."""

from healthcrawl.crawl.extractors.ce import EXTRACTOR
from healthcrawl.crawl.spider import NewsSpider


class CeSpider(NewsSpider):
    name = "ce"
    site = "ce"
    allowed_domains = ["ce.cn"]
    extractor = EXTRACTOR
    channels = {
        "gdxw": ["https://www.ce.cn/xwzx/gnsz/gdxw/"],
        "health": ["https://health.ce.cn/news/"],
    }
