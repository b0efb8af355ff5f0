"""Scrapy extensions for operating healthcrawl (enabled in ``EXTENSIONS``, settings.py).

- :mod:`healthcrawl.extensions.runs`: ``RunRecorder`` — every job's outcome in MongoDB
  ``crawl_runs`` (arguments, counts, drops, templates, field coverage, errors);
- :mod:`healthcrawl.extensions.monitors`: ``JobMonitor`` — close-of-job checks over that record
  (minimum items, field coverage, error rate, finish reason, fallback share) and the webhook
  alert (WeCom / DingTalk JSON) when one fails.
"""
