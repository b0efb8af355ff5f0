"""healthcrawl: crawl Chinese mainstream media for health big-data and health-policy news.

Layout (see README "Architecture"):
- ``healthcrawl.spider``      the shared crawl loop (lists -> articles, date window, multi-page merge)
- ``healthcrawl.extractors``  page -> fields, one module per site, plus the generic fallback
- ``spiders/``                one thin module per site (start pages, URL shapes)
- ``pipelines/``              clean -> validate -> dedup -> relevance -> mongo, one per module
"""

__version__ = "0.1.0"
