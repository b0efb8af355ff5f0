"""SkipKnownMiddleware: incremental crawling — article links whose article is already stored (as a
story's document or one of its copies) or was dropped as not relevant under the current lexicon
are not requested again (README "Incremental re-crawls").

A spider middleware on list pages' output: the article requests of one list page are held back,
their canonical URLs looked up in MongoDB in one batch, in a worker thread, and only the unknown
ones go on. Off with ``HEALTHCRAWL_SKIP_KNOWN``, for ``-a urls=…`` and for crawls that store nothing;
a failed lookup lets the batch through.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.conf import build_component_list

from healthcrawl.storage.client import mongo_pipeline_enabled, open_database
from healthcrawl.storage.collections import ARTICLES, DROPPED
from healthcrawl.text.redact import secrets
from healthcrawl.text.urls import canonical_url

logger = logging.getLogger(__name__)

STATS = "healthcrawl/spider"
#: the name of that index (bench/dedup_scale.py still imports it)
ALSO_AT_INDEX = "also_at_canonical_url"


def _has_pipeline(settings: Any, suffix: str) -> bool:
    pipelines = build_component_list(settings.getwithbase("ITEM_PIPELINES"))
    return any(str(getattr(p, "__name__", p)).endswith(suffix) for p in pipelines)


def stores_articles(settings: Any) -> bool:
    """Whether the crawl writes articles to MongoDB (a ``…MongoPipeline`` is enabled)."""
    return mongo_pipeline_enabled(settings)


def drops_irrelevant(settings: Any) -> bool:
    """Whether the crawl drops irrelevant articles (``…RelevancePipeline`` on, not keeping them)."""
    return (_has_pipeline(settings, "RelevancePipeline")
            and not settings.getbool("HEALTHCRAWL_KEEP_IRRELEVANT"))


class SkipKnownMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.enabled = True
        self.database = None  # storage.client.Database, opened on the first lookup
        self.collection = None
        #: the ``dropped`` collection, None when this crawl keeps or never scores irrelevant articles
        self.dropped = None
        self.check_dropped = drops_irrelevant(crawler.settings)
        #: the relevance scorer's lexicon version, read on first lookup (in the worker thread)
        self.lexicon_version: str | None = None
        self._lock = threading.Lock()
        #: canonical URLs skipped so far (a story listed on several list pages counts once)
        self.skipped: set[str] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("HEALTHCRAWL_SKIP_KNOWN"):
            raise NotConfigured("HEALTHCRAWL_SKIP_KNOWN is off")
        if not stores_articles(settings):
            raise NotConfigured("no MongoPipeline: nothing is stored, nothing is known")
        return cls(crawler)

    # -- lifecycle -------------------------------------------------------------------------------
    def spider_opened(self, spider) -> None:
        if getattr(spider, "direct_urls", None):
            self.enabled = False
            logger.info("direct URLs given: known articles are fetched again")
        elif not callable(getattr(spider, "parse_article", None)):
            self.enabled = False

    def spider_closed(self, spider) -> None:
        stats = self.crawler.stats
        skipped = stats.get_value(f"{STATS}/skipped_known", 0)
        irrelevant = stats.get_value(f"{STATS}/skipped_known_irrelevant", 0)
        if self.enabled and skipped:
            logger.info("skipped %d known article page(s): %d already stored, %d dropped as not "
                        "relevant (HEALTHCRAWL_SKIP_KNOWN)", skipped, skipped - irrelevant, irrelevant)
        database, self.database, self.collection, self.dropped = self.database, None, None, None
        if database is not None:
            database.close()

    def _collection(self):
        """The articles collection, connected on first use (in a worker thread)."""
        with self._lock:
            if self.collection is None:
                database = open_database(self.crawler.settings)
                if self.check_dropped:
                    from healthcrawl.text.relevance import scorer_from_settings  # noqa: PLC0415

                    self.lexicon_version = scorer_from_settings(self.crawler.settings).lexicon.version
                    self.dropped = database.collection(DROPPED)
                self.database, self.collection = database, database.collection(ARTICLES)
            return self.collection

    # -- the lookup ------------------------------------------------------------------------------
    def known(self, urls: list[str]) -> set[str]:
        """The canonical URLs among ``urls`` that are stored (articles), recorded as reprints or
        dropped as not relevant under the current lexicon version."""
        found, irrelevant = self.lookup(urls)
        return found | irrelevant

    def lookup(self, urls: list[str]) -> tuple[set[str], set[str]]:
        """(stored articles or reprints, dropped as not relevant with the current lexicon)."""
        collection = self._collection()
        wanted = list(dict.fromkeys(urls))
        found = {doc["canonical_url"] for doc in collection.find(
            {"canonical_url": {"$in": wanted}, "stub": {"$ne": True}}, {"_id": 0, "canonical_url": 1})}
        rest = {u for u in wanted if u not in found}
        if rest:
            for doc in collection.find({"also_at.canonical_url": {"$in": list(rest)}},
                                       {"_id": 0, "also_at.canonical_url": 1}):
                found.update(e.get("canonical_url") for e in doc.get("also_at") or ()
                             if e.get("canonical_url") in rest)
        rest = [u for u in wanted if u not in found]
        irrelevant: set[str] = set()
        if rest and self.dropped is not None:
            irrelevant = {doc["_id"] for doc in self.dropped.find(
                {"_id": {"$in": rest}, "lexicon_version": self.lexicon_version}, {"_id": 1})}
        return found, irrelevant

    # -- the spider output -----------------------------------------------------------------------
    def _is_article_request(self, obj: Any) -> bool:
        spider = self.crawler.spider
        return (isinstance(obj, Request) and obj.callback == spider.parse_article
                and "pages" not in obj.meta and not obj.dont_filter)

    async def process_spider_output(self, response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if not self.enabled:
            async for obj in result:
                yield obj
            return
        held: list[tuple[Request, str]] = []
        async for obj in result:
            if self._is_article_request(obj):
                held.append((obj, canonical_url(obj.url)))
            else:
                yield obj
        # links already skipped from another list page need no second lookup
        held = [(request, url) for request, url in held if url not in self.skipped]
        if not held:
            return
        stats = self.crawler.stats
        try:
            known, irrelevant = await asyncio.to_thread(self.lookup, [url for _, url in held])
        except Exception as exc:  # noqa: BLE001 - never fail a crawl over a saving
            stats.inc_value(f"{STATS}/known_lookup_failed")
            logger.warning("known-article lookup failed for %d link(s) of %s (%s: %s); fetching them",
                           len(held), response.url, type(exc).__name__, secrets(exc)[:200])
            known, irrelevant = set(), set()
        stats.inc_value(f"{STATS}/known_lookups")
        skipped = skipped_irrelevant = 0
        for request, url in held:
            if url in known or url in irrelevant:
                if url not in self.skipped:
                    self.skipped.add(url)
                    skipped += 1
                    skipped_irrelevant += url in irrelevant
                continue
            yield request
        if skipped:
            stats.inc_value(f"{STATS}/skipped_known", skipped)
            logger.debug("%s: %d of %d article link(s) already stored or dropped as not relevant",
                         response.url, skipped, len(held))
        if skipped_irrelevant:
            stats.inc_value(f"{STATS}/skipped_known_irrelevant", skipped_irrelevant)

