"""KeywordsPipeline: ``top_keywords`` of every article that reaches it — after the relevance
decision, so only what is stored is segmented.

jieba's TF-IDF keywords (:class:`healthcrawl.text.keywords.Keywords`) of the title and the body's
first ``HEALTHCRAWL_KEYWORDS_MAX_CHARS`` characters in simplified characters, without the
lexicon's stopwords (the lexicon of ``HEALTHCRAWL_RELEVANCE_LEXICON``, else the packaged one),
``HEALTHCRAWL_TOP_KEYWORDS`` of them (0: none). Counted ``healthcrawl/keywords/extracted``.

In a real week almost every article the sites publish is irrelevant and dropped by the relevance
pipeline before this step: they are never segmented (they were, for keywords thrown away with the
item, until 2026-12-03). The blocks segmented here are reused by the mongo pipeline's search
tokens (:mod:`healthcrawl.text.segment`). Items with ``duplicate_of`` (imported copies naming
their original) pass untouched, as they pass the relevance pipeline unscored.

The tokenizer, its user dictionary and the IDF table are loaded in ``open_spider``, off the
reactor thread.
"""

from __future__ import annotations

import asyncio

from itemadapter import ItemAdapter

from healthcrawl.project import CrawlerComponent
from healthcrawl.text.keywords import Keywords
from healthcrawl.text.lexicon import default_lexicon, load_lexicon

STATS = "healthcrawl/keywords"


class KeywordsPipeline(CrawlerComponent):
    def __init__(self, crawler):
        super().__init__(crawler)
        s = crawler.settings
        path = s.get("HEALTHCRAWL_RELEVANCE_LEXICON")
        lexicon = load_lexicon(path) if path else default_lexicon()
        self.keywords = Keywords(s.getint("HEALTHCRAWL_TOP_KEYWORDS"), s.getint("HEALTHCRAWL_KEYWORDS_MAX_CHARS"),
                                 lexicon.stopwords)

    async def open_spider(self) -> None:
        # warm up: the tokenizer (jieba's dictionary and the user dictionary) and the IDF table
        await asyncio.to_thread(self.keywords.of, "卫生健康", "医疗数据")

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("duplicate_of"):
            return item
        adapter["top_keywords"] = self.keywords.of(adapter.get("title"), adapter.get("body"))
        self.crawler.stats.inc_value(f"{STATS}/extracted")
        return item
