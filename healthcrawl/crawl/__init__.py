"""Crawling: the base spider, the site registry, page extractors, downloader/spider middlewares,
the JOBDIR scheduler and the Redis frontier."""
