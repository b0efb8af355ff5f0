"""Site spiders: one thin module per site over healthcrawl.crawl.spider.NewsSpider."""
