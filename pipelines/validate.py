"""ValidatePipeline: drop what is not a usable article, and say why.

Required: ``url``, ``title``, ``published_at`` (a datetime) and a ``body`` of at least
``HEALTHCRAWL_MIN_BODY_CHARS`` characters (whitespace not counted). When the spider checks its
window (``spider.check_window``: discovery crawls, and direct URLs with an explicit
``since``/``until``), an article published outside ``spider.since`` .. ``spider.until`` is dropped
too. Each drop raises :class:`DropItem` with a readable reason and is counted as
``healthcrawl/validate/<reason>``: missing_url, missing_title, missing_published_at,
bad_published_at, missing_body, body_too_short, outside_window.
"""

from __future__ import annotations

import re
from datetime import datetime

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from healthcrawl.article import to_beijing
from healthcrawl.project import CrawlerComponent

STATS = "healthcrawl/validate"
_SPACE = re.compile(r"\s+")


def body_chars(body: str | None) -> int:
    """Characters of the body, whitespace and paragraph breaks not counted."""
    return len(_SPACE.sub("", body or ""))


class ValidatePipeline(CrawlerComponent):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.min_body_chars = crawler.settings.getint("HEALTHCRAWL_MIN_BODY_CHARS")

    def drop(self, reason: str, message: str):
        self.crawler.stats.inc_value(f"{STATS}/{reason}")
        raise DropItem(message)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        if not url:
            self.drop("missing_url", "no url")
        if not (adapter.get("title") or "").strip():
            self.drop("missing_title", f"no title: {url}")
        published = adapter.get("published_at")
        if published is None:
            self.drop("missing_published_at", f"no publication date: {url}")
        if not isinstance(published, datetime):
            self.drop("bad_published_at", f"publication date is not a datetime ({published!r}): {url}")
        chars = body_chars(adapter.get("body"))
        if chars == 0:
            self.drop("missing_body", f"no body text: {url}")
        if chars < self.min_body_chars:
            self.drop("body_too_short",
                      f"body too short ({chars} < {self.min_body_chars} characters): {url}")
        spider = self.crawler.spider
        if getattr(spider, "check_window", False):
            since, until = getattr(spider, "since", None), getattr(spider, "until", None)
            when = to_beijing(published)
            if (since is not None and when < since) or (until is not None and when > until):
                self.drop("outside_window",
                          f"published {when.isoformat()} outside "
                          f"{since.isoformat() if since else '…'} .. {until.isoformat() if until else '…'}: {url}")
        return item
