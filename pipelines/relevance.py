"""RelevancePipeline: score every new article (lexicon rule and learned layer), drop the irrelevant ones.

- Items with ``duplicate_of`` set (imported copies that name their original; crawled items never
  do) pass through unscored — counted ``healthcrawl/relevance/duplicate_skipped``. Every crawled
  copy of a story is scored: a reprint has its original's text, so it scores the same.
- Otherwise ``relevance = {"score", "relevant", "matched", "scores", "lexicon_version",
  "reasons", "priority", "model_version"}`` is set by
  :class:`healthcrawl.text.relevance.Scorer` (the same code as ``healthcrawl score`` /
  ``rescore``), counted ``relevant`` or ``irrelevant``. ``top_keywords`` are the next step's
  (``pipelines/keywords.py``): an item dropped here is never segmented. ``priority`` ranks the bulletin's
  candidates; ``reasons`` say which rule or model features decided.
- Irrelevant items are dropped (``DropItem``) unless ``HEALTHCRAWL_KEEP_IRRELEVANT`` is true, in
  which case they pass flagged ``relevant: False`` (``healthcrawl/relevance/kept_irrelevant``).
  The ``DropItem`` carries ``drop_reason = "irrelevant"`` and the dropped item keeps its
  ``relevance`` field (score, reasons), ``title`` and ``canonical_url``: the mongo pipeline's
  ``item_dropped`` handler records them in the ``dropped`` collection, so an editor can find and
  rescue a miss, and the next crawl does not fetch it again while the lexicon version is the
  same (healthcrawl/crawl/middlewares/known.py).

The lexicon, thresholds and model are loaded once, in ``open_spider`` (off the reactor
thread), never per item.
"""

from __future__ import annotations

import asyncio
import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from healthcrawl.text.relevance import Scorer, scorer_from_settings
from healthcrawl.storage.collections import IRRELEVANT  # DropItem.drop_reason of a not-relevant drop
from healthcrawl.text.urls import canonical_url

logger = logging.getLogger(__name__)

STATS = "healthcrawl/relevance"


class RelevancePipeline:
    def __init__(self, crawler, scorer: Scorer, keep_irrelevant: bool = False):
        self.crawler = crawler
        self.scorer = scorer
        self.keep_irrelevant = keep_irrelevant

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(crawler, scorer_from_settings(s), s.getbool("HEALTHCRAWL_KEEP_IRRELEVANT"))

    def inc(self, key: str) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{key}")

    async def open_spider(self) -> None:
        # warm up: build the term index and load the model now
        await asyncio.to_thread(self.scorer.score, "卫生健康", "医疗数据")
        self.crawler.stats.set_value(f"{STATS}/lexicon_version", self.scorer.lexicon.version)
        if self.scorer.model:
            self.crawler.stats.set_value(f"{STATS}/model_version", self.scorer.model.version)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("duplicate_of"):
            self.inc("duplicate_skipped")
            return item
        result = self.scorer.score(adapter.get("title") or "", adapter.get("body") or "")
        adapter["relevance"] = result.relevance_field()
        if result.relevant:
            self.inc("relevant")
            return item
        self.inc("irrelevant")
        if self.keep_irrelevant:
            self.inc("kept_irrelevant")
            return item
        if not adapter.get("canonical_url") and adapter.get("url"):  # dedup (which sets it) is off
            adapter["canonical_url"] = canonical_url(adapter["url"])
        why = result.reasons.get("rule", "")
        if "model" in result.reasons:
            why += f"; model p={result.reasons['model']['p']}"
        drop = DropItem(f"not relevant (score {result.score}, {why}): {adapter.get('url')}")
        #: tells an irrelevant drop from the others (class name unchanged: drop stats by exception)
        drop.drop_reason = IRRELEVANT
        raise drop
