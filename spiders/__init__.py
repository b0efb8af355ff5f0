"""Site spiders: one thin module per site over healthcrawl.spider.NewsSpider."""
