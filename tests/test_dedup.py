"""Dedup: fingerprints, the labelled pair set at the configured thresholds, and the pipeline
against a real mongod (an earlier run's documents, this run's in-memory originals)."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pymongo
import pytest
import scrapy
from datasketch import MinHash
from scrapy.utils.test import get_crawler

from healthcrawl import settings as project_settings
from healthcrawl.article import BEIJING, Article, to_document
from healthcrawl.dedup import (Fingerprinter, RunIndex, content_hash, jaccard, normalise,
                               shingle_hashes)
from pipelines.dedup import DedupPipeline

PAIRS = [json.loads(line) for line in
         (Path(__file__).parent / "data" / "dedup_pairs.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]


def configured() -> Fingerprinter:
    """The fingerprinter exactly as settings.py configures the pipeline."""
    return Fingerprinter(threshold=project_settings.HEALTHCRAWL_DEDUP_THRESHOLD,
                         num_perm=project_settings.HEALTHCRAWL_DEDUP_NUM_PERM,
                         shingle=project_settings.HEALTHCRAWL_DEDUP_SHINGLE,
                         bands=project_settings.HEALTHCRAWL_DEDUP_BANDS)


def pair(pair_id: str) -> dict:
    return next(p for p in PAIRS if p["id"] == pair_id)


# --- pure ----------------------------------------------------------------------------------------
def test_normalised_content_hash_ignores_whitespace_punctuation_and_width():
    a = "国家卫健委发布通知，要求加快建设。\n第二段：ＡＩ辅助诊断。"
    b = "\u3000\u3000国家卫健委发布通知,要求加快建设.\n\n第二段: AI辅助诊断"
    assert normalise(a) == normalise(b) == "国家卫健委发布通知要求加快建设第二段ai辅助诊断"
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(a.replace("加快", "加速"))
    assert content_hash("") is None and content_hash(" 。\n") is None


def test_shingles_and_signature_match_datasketch():
    fpr = configured()
    norm = normalise(pair("A-r1")["a"]["body"])
    hashes = shingle_hashes(norm, fpr.shingle)
    assert hashes.dtype == np.uint32 and len(hashes) == len(np.unique(hashes))
    reference = MinHash(num_perm=fpr.num_perm, seed=1, hashfunc=int)
    reference.update_batch(hashes.tolist())
    assert np.array_equal(fpr.signature(norm), reference.hashvalues)
    # short texts still get a (single) shingle
    assert len(shingle_hashes("医保", 5)) == 1


def test_fingerprint_is_deterministic_and_stored_form_round_trips():
    fpr = configured()
    body = pair("B-r1")["a"]["body"]
    one, two = fpr.fingerprint(body), Fingerprinter(**_params(fpr)).fingerprint(body)
    assert one.content_hash == two.content_hash
    assert one.bands == two.bands and len(one.bands) == fpr.bands
    assert all(-(2 ** 63) <= key < 2 ** 63 for key in one.bands)  # BSON int64
    field = fpr.dedup_field(one, "https://example.org/a")
    assert set(field) == {"params", "keys", "minhash"}
    assert field["keys"] == one.bands + [fpr.content_key(one.content_hash), fpr.url_key("https://example.org/a")]
    assert isinstance(field["minhash"], str) and len(base64.b64decode(field["minhash"])) == 4 * fpr.num_perm
    json.dumps(field)  # survives a JSON feed export / the spool
    assert np.array_equal(fpr.signature_from_field(field), one.signature)
    other = Fingerprinter(threshold=fpr.threshold, num_perm=64, shingle=fpr.shingle, bands=16)
    assert other.signature_from_field(field) is None  # other parameters: not comparable
    assert fpr.dedup_field(fpr.fingerprint("")) == {}


def _params(fpr: Fingerprinter) -> dict:
    return dict(threshold=fpr.threshold, num_perm=fpr.num_perm, shingle=fpr.shingle, bands=fpr.bands)


def test_pair_set_is_big_enough_and_covers_both_classes():
    labels = [p["label"] for p in PAIRS]
    assert len(PAIRS) >= 30
    assert labels.count("reprint") >= 12 and labels.count("distinct") >= 12
    kinds = {p["kind"] for p in PAIRS}
    for needed in ("different_headline_identical_body", "editor_note_added_small_edits",
                   "trimmed_last_and_source_line", "same_event_other_writeup",
                   "same_event_interpretation", "same_release_own_reporting"):
        assert needed in kinds


@pytest.mark.parametrize("p", PAIRS, ids=[p["id"] for p in PAIRS])
def test_every_labelled_pair_is_classified_right_at_the_configured_thresholds(p):
    fpr = configured()
    index = RunIndex(fpr)
    index.add("https://example.org/a", fpr.fingerprint(p["a"]["body"]))
    match = index.find(fpr.fingerprint(p["b"]["body"]), exclude_url="https://example.org/b")
    if p["label"] == "reprint":
        assert match is not None, f"{p['id']} ({p['kind']}): reprint not found"
        assert match.canonical_url == "https://example.org/a"
        assert match.reason in ("content", "reprint")
    else:
        assert match is None, f"{p['id']} ({p['kind']}): distinct stories merged ({match})"


def test_class_margins_around_the_threshold():
    """The threshold sits in a wide gap between the classes (exact shingle Jaccard)."""
    fpr = configured()
    reprints = [jaccard(p["a"]["body"], p["b"]["body"], fpr.shingle) for p in PAIRS if p["label"] == "reprint"]
    distinct = [jaccard(p["a"]["body"], p["b"]["body"], fpr.shingle) for p in PAIRS if p["label"] == "distinct"]
    assert max(distinct) + 0.08 < fpr.threshold < min(reprints) - 0.08


# --- the pipeline against MongoDB ----------------------------------------------------------------
class PlainSpider(scrapy.Spider):
    name = "plain"


def make_pipeline(mongod, db, **settings):
    crawler = get_crawler(PlainSpider, {"MONGO_URI": mongod.uri, "MONGO_DATABASE": db.name,
                                        "HEALTHCRAWL_EMBEDDED_MONGO": False, **settings})
    crawler.spider = crawler._create_spider()
    pipeline = DedupPipeline.from_crawler(crawler)
    return pipeline, crawler


def run(coro):
    return asyncio.run(coro)


def item(url: str, side: dict, site: str = "gmw") -> Article:
    return Article(url=url, site=site, site_name="光明网", title=side["title"], body=side["body"],
                   published_at=datetime(2026, 11, 10, 9, 0, tzinfo=BEIJING))


def prepare(db) -> None:
    """The indexes the mongo pipeline creates for dedup (see README.md ("Processing"))."""
    db.articles.create_index("canonical_url", unique=True)
    db.articles.create_index("dedup.keys")


def store_previous_run(mongod, db, articles: list[Article]) -> None:
    """An earlier crawl: dedup fills the fields, the mongo pipeline stores to_document(item)."""
    prepare(db)
    pipeline, _ = make_pipeline(mongod, db)

    async def go():
        await pipeline.open_spider()
        for a in articles:
            await pipeline.process_item(a)
        await pipeline.close_spider()

    run(go())
    for a in articles:
        assert a.duplicate_of is None
        doc = to_document(a)
        doc.pop("duplicate_of", None)
        db.articles.insert_one(doc)


def process_all(pipeline, articles, ready: bool = False):
    """Open, process ``articles`` in order, close; with ``ready``, once the pre-check's keys are
    loaded (else as a crawl does: its first items may be looked up while they load)."""
    async def go():
        await pipeline.open_spider()
        if ready:
            assert await asyncio.to_thread(pipeline.stored_keys.ready.wait, 30)
        try:
            for a in articles:
                await pipeline.process_item(a)
        finally:
            await pipeline.close_spider()

    run(go())


def stats(crawler, lookups: bool = False) -> dict:
    """The dedup counters: the outcomes (and, with ``lookups``, the pre-check's counters too)."""
    return {k.split("/", 2)[2]: v for k, v in crawler.stats.get_stats().items()
            if k.startswith("healthcrawl/dedup/")
            and (lookups or k.split("/", 2)[2] not in ("lookups", "lookup_skipped"))}


def test_previous_run_original_found_as_content_duplicate_and_reprint(mongod, mongo_db):
    original = item("https://news.gmw.cn/2026-11/10/content_1.htm", pair("A-r1")["a"])
    store_previous_run(mongod, mongo_db, [original])
    stored = mongo_db.articles.find_one({"canonical_url": original.canonical_url})
    assert len(stored["dedup"]["keys"]) == project_settings.HEALTHCRAWL_DEDUP_BANDS + 2
    assert stored["content_hash"] == original.content_hash

    pipeline, crawler = make_pipeline(mongod, mongo_db)
    same_text = item("http://www.chinanews.com/gn/2026/11-10/1001.shtml", pair("A-r1")["b"], "chinanews")
    reprint = item("https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261110_1002.shtml", pair("A-r3")["b"], "ce")
    distinct = item("https://health.gmw.cn/2026-11/11/content_3.htm", pair("A-d1")["b"])
    process_all(pipeline, [same_text, reprint, distinct])

    assert same_text.canonical_url == "https://www.chinanews.com.cn/gn/2026/11-10/1001.shtml"
    assert same_text.duplicate_of == {"canonical_url": original.canonical_url, "reason": "content",
                                      "similarity": 1.0}
    assert reprint.duplicate_of["canonical_url"] == original.canonical_url
    assert reprint.duplicate_of["reason"] == "reprint"
    assert 0.6 < reprint.duplicate_of["similarity"] < 1.0
    assert distinct.duplicate_of is None
    assert stats(crawler) == {"content": 1, "reprint": 1, "original": 1}


def test_distinct_same_event_stories_are_not_merged(mongod, mongo_db):
    stories = [p for p in PAIRS if p["label"] == "distinct" and p["kind"].startswith(("same_event", "same_release"))]
    assert len(stories) >= 5
    store_previous_run(mongod, mongo_db, [item(f"https://news.gmw.cn/2026-11/10/content_{i}.htm", p["a"])
                                          for i, p in enumerate(stories) if p["a"]["body"] not in
                                          [q["a"]["body"] for q in stories[:i]]])
    pipeline, crawler = make_pipeline(mongod, mongo_db)
    others = [item(f"https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261111_{i}.shtml", p["b"], "ce")
              for i, p in enumerate(stories)]
    process_all(pipeline, others)
    assert all(o.duplicate_of is None for o in others)
    assert stats(crawler) == {"original": len(others)}


def test_same_url_again_is_not_a_duplicate_of_itself(mongod, mongo_db):
    original = item("https://news.gmw.cn/2026-11/10/content_1.htm", pair("B-r1")["a"])
    store_previous_run(mongod, mongo_db, [original])
    pipeline, crawler = make_pipeline(mongod, mongo_db)
    again = item("http://news.gmw.cn/2026-11/10/content_1.htm?utm_source=rss", pair("B-r2")["b"])
    twice = item("https://news.gmw.cn/2026-11/10/content_1.htm#top", pair("B-r1")["a"])
    process_all(pipeline, [again, twice])
    assert again.duplicate_of is None and twice.duplicate_of is None
    assert stats(crawler) == {"url_seen_before": 2}


def test_within_one_run_originals_are_found_before_they_are_stored(mongod, mongo_db):
    prepare(mongo_db)
    pipeline, crawler = make_pipeline(mongod, mongo_db)
    first = item("https://health.gmw.cn/2026-11/12/content_9.htm", pair("D-r1")["a"])
    reprint = item("https://www.chinanews.com.cn/jk/2026/11-12/2001.shtml", pair("D-r1")["b"], "chinanews")
    copy = item("https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261112_2002.shtml", pair("D-r3")["b"], "ce")
    other = item("https://www.cnii.com.cn/rmydb/202611/t20261112_2003.html", pair("D-d1")["b"], "cnii")
    process_all(pipeline, [first, reprint, copy, other])
    assert first.duplicate_of is None and other.duplicate_of is None
    assert reprint.duplicate_of["canonical_url"] == first.canonical_url
    assert reprint.duplicate_of["reason"] == "reprint"
    assert copy.duplicate_of["reason"] == "content"
    assert stats(crawler) == {"original": 2, "reprint": 1, "content": 1}


def test_concurrent_items_of_one_run_see_each_other(mongod, mongo_db):
    prepare(mongo_db)
    pipeline, _ = make_pipeline(mongod, mongo_db)
    a = item("https://digital.gmw.cn/2026-11/13/content_5.htm", pair("F-r3")["a"])
    b = item("https://www.chinanews.com.cn/gn/2026/11-13/3001.shtml", pair("F-r3")["b"], "chinanews")

    async def go():
        await pipeline.open_spider()
        await asyncio.gather(pipeline.process_item(a), pipeline.process_item(b))
        await pipeline.close_spider()

    run(go())
    assert [x.duplicate_of is None for x in (a, b)].count(True) == 1


def test_lookup_failure_falls_back_to_this_run(mongod, mongo_db):
    prepare(mongo_db)
    # without the pre-check every item is looked up (with it, an empty database is never asked)
    pipeline, crawler = make_pipeline(mongod, mongo_db, HEALTHCRAWL_DEDUP_PRECHECK=False)
    a = item("https://digital.gmw.cn/2026-11/13/content_5.htm", pair("E-r1")["a"])
    b = item("https://www.cnii.com.cn/rmydb/202611/t20261113_4001.html", pair("E-r1")["b"], "cnii")

    class Broken:
        def find(self, *args, **kwargs):
            raise pymongo.errors.AutoReconnect("connection reset")

    async def go():
        await pipeline.open_spider()
        pipeline.collection = Broken()
        await pipeline.process_item(a)
        await pipeline.process_item(b)
        await pipeline.close_spider()

    run(go())
    assert b.duplicate_of["canonical_url"] == a.canonical_url
    assert stats(crawler)["lookup_failed"] == 2


def test_unreachable_database_fails_loudly(mongo_db):
    from healthcrawl.mongod import free_port
    from healthcrawl.storage import StorageError

    crawler = get_crawler(PlainSpider, {"MONGO_URI": f"mongodb://127.0.0.1:{free_port()}",
                                        "MONGO_CONNECT_TIMEOUT": 0.5})
    crawler.spider = crawler._create_spider()
    pipeline = DedupPipeline.from_crawler(crawler)
    with pytest.raises(StorageError):
        run(pipeline.open_spider())


def test_candidate_lookup_is_bounded(mongod, mongo_db):
    """Many stored near-copies: at most HEALTHCRAWL_DEDUP_MAX_CANDIDATES are read, and the
    URL identity and content hash are still recognised beyond that bound."""
    prepare(mongo_db)
    fpr = configured()
    base = pair("G-r1")["a"]
    docs = []
    for i in range(12):
        a = item(f"https://www.cnii.com.cn/yw/202611/t20261114_{i}.html", {**base, "body": base["body"] + f"第{i}版。"})
        a.canonical_url = a.url
        fp = fpr.fingerprint(a.body)
        a.content_hash, a.dedup = fp.content_hash, fpr.dedup_field(fp, a.canonical_url)
        docs.append(to_document(a))
    mongo_db.articles.insert_many(docs)
    pipeline, crawler = make_pipeline(mongod, mongo_db, HEALTHCRAWL_DEDUP_MAX_CANDIDATES=3)
    again = item("https://www.cnii.com.cn/yw/202611/t20261114_11.html", {**base, "body": base["body"] + "第11版。"})
    exact = item("https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261114_99.shtml", {**base, "body": base["body"] + "第7版。"})
    process_all(pipeline, [again, exact])
    assert again.duplicate_of is None
    assert exact.duplicate_of["reason"] == "content"
    assert exact.duplicate_of["canonical_url"] == "https://www.cnii.com.cn/yw/202611/t20261114_7.html"
    assert stats(crawler) == {"url_seen_before": 1, "content": 1}


# --- the pre-check: stored keys in memory ----------------------------------------------------------
def test_precheck_skips_the_lookup_only_when_no_stored_article_can_match(mongod, mongo_db):
    original = item("https://news.gmw.cn/2026-11/10/content_1.htm", pair("A-r1")["a"])
    store_previous_run(mongod, mongo_db, [original])
    pipeline, crawler = make_pipeline(mongod, mongo_db)
    new = item("https://health.gmw.cn/2026-11/11/content_3.htm", pair("A-d1")["b"])
    reprint = item("https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261110_1002.shtml", pair("A-r3")["b"], "ce")
    same_url = item("http://news.gmw.cn/2026-11/10/content_1.htm?utm_source=rss", pair("B-r2")["b"])
    process_all(pipeline, [new, reprint, same_url], ready=True)
    assert pipeline.stored_keys is None  # released at close
    assert new.duplicate_of is None
    assert reprint.duplicate_of["canonical_url"] == original.canonical_url
    assert same_url.duplicate_of is None
    # the new story is never looked up; the reprint's bands are stored: looked up; the stored URL
    # is known in this process already (the earlier run's index), so it needs no lookup either
    assert stats(crawler, lookups=True) == {"original": 1, "reprint": 1, "url_seen_before": 1,
                                            "lookups": 1, "lookup_skipped": 1}


def test_precheck_off_looks_every_item_up(mongod, mongo_db):
    prepare(mongo_db)
    pipeline, crawler = make_pipeline(mongod, mongo_db, HEALTHCRAWL_DEDUP_PRECHECK=False)
    process_all(pipeline, [item(f"https://health.gmw.cn/2026-11/11/content_{i}.htm", pair(p)["a"])
                           for i, p in enumerate(("A-d1", "B-r1", "D-r1"))])
    assert stats(crawler, lookups=True) == {"original": 3, "lookups": 3}


def test_precheck_sees_what_another_process_stores_while_it_runs(mongod, mongo_db):
    """Articles written by another crawler process after this one loaded its keys are read by
    the refresher (every HEALTHCRAWL_DEDUP_REFRESH seconds) and their reprints found."""
    prepare(mongo_db)
    pipeline, crawler = make_pipeline(mongod, mongo_db, HEALTHCRAWL_DEDUP_REFRESH=0.2)
    other = item("https://www.cnii.com.cn/rmydb/202611/t20261113_4001.html", pair("E-r1")["a"], "cnii")
    other_fingerprinter = configured()
    fp = other_fingerprinter.fingerprint(other.body)
    other.canonical_url, other.content_hash = other.url, fp.content_hash
    other.dedup = other_fingerprinter.dedup_field(fp, other.url)
    reprint = item("https://digital.gmw.cn/2026-11/13/content_5.htm", pair("E-r1")["b"])

    async def go():
        await pipeline.open_spider()
        try:
            assert await asyncio.to_thread(pipeline.stored_keys.ready.wait, 30)
            assert len(pipeline.stored_keys.keys) == 0  # nothing stored when it opened
            doc = to_document(other)
            doc.pop("duplicate_of", None)
            await asyncio.to_thread(mongo_db.articles.insert_one, doc)  # "another process"
            await asyncio.sleep(0.8)
            await pipeline.process_item(reprint)
        finally:
            await pipeline.close_spider()

    run(go())
    assert reprint.duplicate_of["canonical_url"] == other.canonical_url
    assert stats(crawler, lookups=True)["lookups"] == 1


def test_key_set_answers_without_false_negatives():
    from healthcrawl.dedup import KeySet

    rng = np.random.default_rng(5)
    stored = rng.integers(-2**63, 2**63 - 1, size=30_000, dtype=np.int64)
    keys = KeySet()
    keys.MERGE_AT = 4096  # merged into the sorted array several times
    keys.add_array(stored[:10_000])  # one large batch: merged at once
    for start in range(10_000, len(stored), 1000):
        keys.add_array(stored[start:start + 1000])  # small ones: the recent set, then merged
    assert len(keys) == len(set(stored.tolist()))
    assert all(keys.contains_any([int(k)]) for k in stored[::97])
    absent = [int(k) for k in rng.integers(-2**63, 2**63 - 1, size=500, dtype=np.int64) if k not in set(stored.tolist())]
    assert not any(keys.contains_any([k]) for k in absent)
    assert keys.contains_any([absent[0], int(stored[-1])]) and not keys.contains_any([])


def test_until_the_keys_are_loaded_every_item_is_looked_up(mongod, mongo_db):
    from pipelines.dedup import StoredKeys

    prepare(mongo_db)
    pipeline, crawler = make_pipeline(mongod, mongo_db)
    pipeline.stored_keys = StoredKeys(refresh_interval=60)  # never opened: never ready
    pipeline.collection = mongo_db.articles
    new = item("https://health.gmw.cn/2026-11/11/content_3.htm", pair("A-d1")["b"])
    run(pipeline.process_item(new))
    assert stats(crawler, lookups=True) == {"original": 1, "lookups": 1}


def test_precheck_keeps_refreshing_when_the_first_crawler_closes(mongod, mongo_db):
    """Crawlers of one process share the keys; the thread has its own connection, so the first
    crawler's close (its client closed) does not stop the others' refreshes."""
    prepare(mongo_db)
    first, _ = make_pipeline(mongod, mongo_db, HEALTHCRAWL_DEDUP_REFRESH=0.2)
    second, crawler = make_pipeline(mongod, mongo_db, HEALTHCRAWL_DEDUP_REFRESH=0.2)
    other = item("https://www.cnii.com.cn/rmydb/202611/t20261113_4002.html", pair("F-r3")["a"], "cnii")
    fpr = configured()
    fp = fpr.fingerprint(other.body)
    other.canonical_url, other.content_hash, other.dedup = other.url, fp.content_hash, fpr.dedup_field(fp, other.url)
    reprint = item("https://www.chinanews.com.cn/gn/2026/11-13/3002.shtml", pair("F-r3")["b"], "chinanews")

    async def go():
        await first.open_spider()
        await second.open_spider()
        assert first.stored_keys is second.stored_keys
        assert await asyncio.to_thread(second.stored_keys.ready.wait, 30)
        await first.close_spider()
        doc = to_document(other)
        doc.pop("duplicate_of", None)
        await asyncio.to_thread(mongo_db.articles.insert_one, doc)
        await asyncio.sleep(0.8)
        await second.process_item(reprint)
        await second.close_spider()

    run(go())
    assert reprint.duplicate_of["canonical_url"] == other.canonical_url
    assert stats(crawler, lookups=True)["lookups"] == 1
