"""healthcrawl: crawl Chinese mainstream media for health big-data and health-policy news.

Layout (see README "Architecture"): ``crawl`` (spider, extractors, middlewares, schedulers),
``text`` (dates, URLs, segmentation, fingerprints, relevance), ``storage`` (MongoDB),
``reports`` (bulletin, export), ``ops`` (run records, monitors, schedule), ``cli`` (commands);
``spiders/`` and ``pipelines/`` sit beside the package.
"""

__version__ = "0.1.0"
