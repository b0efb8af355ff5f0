"""A sample week for the desk's tests, benchmark and screenshots: texts turned into scored articles
(the project's scorer) and stored with the project's writer, a few URLs dropped as irrelevant and a
few crawl runs — without a crawl. The texts come from the caller (the tests use the demo week's
stories of ``tools/sitegen``); :func:`variants` makes any number of distinct candidates from them.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from healthcrawl.article import BEIJING, Article
from healthcrawl.crawl.sites import site_for_host, site_name
from healthcrawl.storage import stories
from healthcrawl.storage.records import article_record, dropped_operation, record_operations, write_records
from healthcrawl.text.fingerprint import Fingerprinter
from healthcrawl.text.urls import canonical_url


def scorer():
    from healthcrawl.text.relevance import Scorer  # noqa: PLC0415 - loads the lexicon and model

    return Scorer()


def article(url: str, title: str, body: str, published: datetime, *, source: str = "",
            score_with=None, fingerprinter: Fingerprinter | None = None) -> Article:
    """A stored-to-be article as the pipelines make it: site, canonical URL, relevance, keywords,
    content hash and MinHash fingerprint (the dedup pipeline's)."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    site = site_for_host(urlsplit(url).hostname or "") or "gmw"
    result = (score_with or scorer()).score(title, body, keywords=True)
    item = Article(url=url, canonical_url=canonical_url(url), site=site, site_name=site_name(site, url),
                   title=title, published_at=published, source=source or None, body=body,
                   relevance=result.relevance_field(), top_keywords=result.keywords,
                   crawl={"spider": site, "template": "sample", "date_source": "sample"})
    fpr = fingerprinter or Fingerprinter()
    fp = fpr.fingerprint(body)
    return replace(item, content_hash=fp.content_hash, dedup=fpr.dedup_field(fp))


def from_stories(items: Iterable[Any], score_with=None) -> list[Article]:
    """Articles from demo-week stories (``url``, ``title``, ``body``, ``published``, ``source``;
    broken pages left out)."""
    score_with = score_with or scorer()
    out = []
    for s in items:
        if getattr(s, "broken", "") or not s.body.strip():
            continue
        published = datetime.fromisoformat(s.published).replace(tzinfo=BEIJING)
        out.append(article(s.url, s.title, s.body, published, source=s.source, score_with=score_with))
    return out


def store(collection, articles: list[Article], *, dedup: bool = True) -> None:
    """Write the articles: through the story decisions (reprints join their original) or, for
    bulk sample data, each as a story of its own."""
    records = [article_record(a) for a in articles]
    if dedup:
        write_records(collection, records)
        return
    ops = [op for r in records for op in record_operations(dict(r, _decision=stories.Decision(
        r["doc"]["canonical_url"], None, "original")))]
    if ops:
        collection.bulk_write(ops, ordered=False)


def variants(articles: list[Article], n: int, seed: int = 17) -> list[Article]:
    """``n`` distinct articles mixing the paragraphs of the given ones, spread over their week."""
    rng = random.Random(seed)
    pool = [a for a in articles if a.relevance and a.relevance.get("relevant")] or articles
    out = []
    for i in range(n):
        base = rng.choice(pool)
        paragraphs = [p for a in rng.sample(pool, min(3, len(pool))) for p in a.body.split("\n")[:2]]
        body = "\n".join([f"第{i + 1}号样例稿件。", *paragraphs])
        url = base.url.replace(".htm", f"_v{i + 1}.htm").replace(".shtml", f"_v{i + 1}.shtml")
        published = (base.published_at or datetime.now(BEIJING)) + timedelta(minutes=rng.randint(-600, 600))
        relevance = dict(base.relevance or {}, score=round((base.relevance or {}).get("score", 1.0)
                                                            * rng.uniform(0.8, 1.3), 3), relevant=True)
        out.append(replace(base, url=url, canonical_url=canonical_url(url), title=f"{base.title}（{i + 1}）",
                           body=body, published_at=published, relevance=relevance, content_hash=None, dedup={}))
    return out


def drop(collection, url: str, score: float, *, title: str = "", lexicon_version: str = "",
         seen: datetime | None = None, **extra: Any) -> None:
    """A ``dropped`` entry as the mongo pipeline writes it (``extra``: fields a newer writer adds)."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    doc = {"_id": canonical_url(url), "url": url, "site": site_for_host(urlsplit(url).hostname or "") or "",
           "reason": "irrelevant", "score": score, "lexicon_version": lexicon_version, **extra}
    if title:
        doc["title"] = title
    collection.bulk_write([dropped_operation({"doc": doc, "seen": seen or datetime.now(timezone.utc)})])


def run(collection, spider: str, start: datetime, *, found: int, stored: int, dropped: int,
        fallback_share: float = 0.0, finish_reason: str = "finished") -> None:
    """A ``crawl_runs`` entry with the fields the desk shows."""
    collection.insert_one({
        "spider": spider, "job_id": f"sample-{spider}-{start:%Y%m%d%H%M}", "status": "closed", "kind": "crawl",
        "start_time": start, "end_time": start + timedelta(minutes=12), "finish_reason": finish_reason,
        "arguments": {}, "items": {"found": found, "scraped": found, "stored": stored, "dropped": dropped},
        "fallback": {"count": round(found * fallback_share), "total": found, "share": fallback_share},
        "errors": {"total": 0, "rate": 0.0}})
