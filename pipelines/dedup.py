"""DedupPipeline: the identity of every item — canonical URL and fingerprint.

For every item:

1. ``canonical_url`` = :func:`healthcrawl.text.urls.canonical_url` of ``url`` (the unique key of a copy);
2. ``content_hash`` (sha1 of the normalised body) and ``dedup`` = ``{params, minhash}`` (the
   MinHash signature), from :class:`healthcrawl.text.fingerprint.Fingerprinter`.

Nothing is looked up and nothing is held in memory: whether the item is a new story, a reprint
or the same text as a stored article is decided in MongoDB by the mongo pipeline's writer, just
before the item is written (:mod:`healthcrawl.storage.stories`), so every process agrees whatever the
timing. Counted: ``healthcrawl/dedup/fingerprinted``; ``healthcrawl/dedup/empty_body`` for an
item with no text to fingerprint (it is its own story).
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from healthcrawl.text.fingerprint import Fingerprinter, fingerprinter_from_settings
from healthcrawl.text.urls import canonical_url
from healthcrawl.project import CrawlerComponent

STATS = "healthcrawl/dedup"


class DedupPipeline(CrawlerComponent):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.fingerprinter: Fingerprinter = fingerprinter_from_settings(crawler.settings)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        adapter["canonical_url"] = canonical_url(adapter.get("url") or "")
        fp = self.fingerprinter.fingerprint(adapter.get("body"))
        adapter["content_hash"] = fp.content_hash
        adapter["dedup"] = self.fingerprinter.dedup_field(fp)
        self.crawler.stats.inc_value(f"{STATS}/{'fingerprinted' if fp.signature is not None else 'empty_body'}")
        return item
