"""One readable log line per dropped item, instead of Scrapy's dump of the whole item.

Scrapy logs a dropped item at WARNING with its full repr (bodies, MinHash signatures…), which
buries real problems. A drop is an expected outcome of processing (irrelevant, outside the
window, too short) and is counted in stats by the pipeline that dropped it; here it becomes one
INFO line with the reason and the URL.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.logformatter import LogFormatter


class HealthcrawlLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        url = ""
        try:
            url = ItemAdapter(item).get("url") or ""
        except TypeError:
            pass
        message = str(exception)
        if url and url not in message:
            message = f"{message}: {url}"
        return {"level": logging.INFO, "msg": "Dropped: %(reason)s", "args": {"reason": message}}
