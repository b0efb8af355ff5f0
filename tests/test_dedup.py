"""Dedup: fingerprints (pure), the labelled pair set at the configured thresholds, and the stored
path against a real mongod — the story decision of :mod:`healthcrawl.storage.stories`, taken by the mongo
pipeline's writer (the dedup pipeline only fingerprints)."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime, timezone

import numpy as np
import pytest
import scrapy
from datasketch import MinHash
from scrapy.utils.test import get_crawler

from healthcrawl import settings as project_settings
from healthcrawl.storage import stories
from healthcrawl.article import BEIJING, Article
from healthcrawl.text.fingerprint import Fingerprinter, content_hash, fingerprinter_from_settings, jaccard, normalise, shingle_hashes
from healthcrawl.project import project_settings as scrapy_project_settings
from healthcrawl.project import settings_dict
from pipelines.dedup import DedupPipeline
from pipelines.mongo import MongoPipeline
from tests.factories import dedup_pairs

PAIRS = list(dedup_pairs().values())


def configured() -> Fingerprinter:
    """The fingerprinter exactly as settings.py configures the pipelines."""
    return Fingerprinter(threshold=project_settings.HEALTHCRAWL_DEDUP_THRESHOLD,
                         num_perm=project_settings.HEALTHCRAWL_DEDUP_NUM_PERM,
                         shingle=project_settings.HEALTHCRAWL_DEDUP_SHINGLE,
                         bands=project_settings.HEALTHCRAWL_DEDUP_BANDS)


def pair(pair_id: str) -> dict:
    return dedup_pairs()[pair_id]


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


def test_fingerprints_load_datasketchs_minhash_without_scipy_and_it_is_the_packages_own():
    """A crawler imports the fingerprints at start-up: datasketch's MinHash must come without the package's
    LSH classes and scipy (half a second), and be the very class ``import datasketch`` gives later."""
    import subprocess
    import sys

    probe = ("import sys; import healthcrawl.text.fingerprint as f; print(int('scipy' in sys.modules), "
             "int('datasketch' in sys.modules)); import datasketch; print(int(datasketch.MinHash is f.MinHash), "
             "int(hasattr(datasketch, 'MinHashLSH')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "0", "1", "1"]


def _params(fpr: Fingerprinter) -> dict:
    return dict(threshold=fpr.threshold, num_perm=fpr.num_perm, shingle=fpr.shingle, bands=fpr.bands)


def test_fingerprint_is_deterministic_and_stored_form_is_params_and_minhash():
    fpr = configured()
    body = pair("B-r1")["a"]["body"]
    one, two = fpr.fingerprint(body), Fingerprinter(**_params(fpr)).fingerprint(body)
    assert one.content_hash == two.content_hash == content_hash(body)
    assert one.bands == two.bands and len(one.bands) == fpr.bands
    assert all(-(2 ** 63) <= key < 2 ** 63 for key in one.bands)  # BSON int64 (claim _ids)
    assert fpr.content_key(one.content_hash) not in one.bands
    field = fpr.dedup_field(one)
    assert set(field) == {"params", "minhash"}  # no keys any more: claims live in dedup_claims
    assert field["params"] == "k5-p128-b42x3-s1-affine32"
    assert isinstance(field["minhash"], str) and len(base64.b64decode(field["minhash"])) == 4 * fpr.num_perm
    json.dumps(field)  # survives a JSON feed export / the spool
    assert np.array_equal(fpr.signature_from_field(field), one.signature)
    other = Fingerprinter(threshold=fpr.threshold, num_perm=64, shingle=fpr.shingle, bands=16)
    assert other.signature_from_field(field) is None  # other parameters: never compared
    assert fpr.signature_from_field({**field, "minhash": "not base64!"}) is None
    assert fpr.dedup_field(fpr.fingerprint("")) == {}


def test_settings_build_the_configured_fingerprinter():
    fpr = fingerprinter_from_settings(scrapy_project_settings())
    assert _params(fpr) == _params(configured())
    with pytest.raises(ValueError):
        Fingerprinter(threshold=0)


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
def test_every_labelled_pair_is_classified_right_by_the_fingerprinter(p):
    """What the claims decide, in pure form: a pair is merged when the two copies share a claim
    key (an LSH band key or the content key) and are the same text or similar enough."""
    fpr = configured()
    a, b = fpr.fingerprint(p["a"]["body"]), fpr.fingerprint(p["b"]["body"])
    keys_a = set(a.bands) | {fpr.content_key(a.content_hash)}
    keys_b = set(b.bands) | {fpr.content_key(b.content_hash)}
    merged = bool(keys_a & keys_b) and (a.content_hash == b.content_hash
                                        or fpr.is_reprint(fpr.similarity(a.signature, b.signature)))
    assert merged == (p["label"] == "reprint"), (p["id"], p["kind"], fpr.similarity(a.signature, b.signature))


def test_class_margins_around_the_threshold():
    """The threshold sits in a wide gap between the classes (exact shingle Jaccard)."""
    fpr = configured()
    reprints = [jaccard(p["a"]["body"], p["b"]["body"], fpr.shingle) for p in PAIRS if p["label"] == "reprint"]
    distinct = [jaccard(p["a"]["body"], p["b"]["body"], fpr.shingle) for p in PAIRS if p["label"] == "distinct"]
    assert max(distinct) + 0.08 < fpr.threshold < min(reprints) - 0.08


# --- the stored path: healthcrawl.storage.stories against MongoDB ----------------------------------------
def doc_for(url: str, side: dict, site: str = "gmw", hour: int = 9) -> dict:
    """The article document the mongo pipeline hands to Stories (fingerprinted like the pipeline)."""
    fpr = configured()
    fp = fpr.fingerprint(side["body"])
    return {"url": url, "canonical_url": url, "site": site, "title": side["title"], "body": side["body"],
            "published_at": datetime(2026, 11, 10, hour, tzinfo=timezone.utc),
            "content_hash": fp.content_hash, "dedup": fpr.dedup_field(fp)}


@pytest.mark.parametrize("p", PAIRS, ids=[p["id"] for p in PAIRS])
def test_every_labelled_pair_is_classified_right_in_mongodb(p, mongo_db):
    """The same pairs through the claims in MongoDB: the second copy of a reprint pair takes the
    first as its parent (same story), a distinct pair makes two stories."""
    resolver = stories.Stories(mongo_db, configured())
    a = resolver.resolve(doc_for("https://news.gmw.cn/2026-11/10/content_1.htm", p["a"]))
    b = resolver.resolve(doc_for("https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261110_2.shtml", p["b"], "ce"))
    assert (a.parent, a.reason, a.story) == (None, "original", "https://news.gmw.cn/2026-11/10/content_1.htm")
    if p["label"] == "reprint":
        assert b.parent == b.story == "https://news.gmw.cn/2026-11/10/content_1.htm", (p["id"], p["kind"])
        assert b.reason == ("content" if content_hash(p["a"]["body"]) == content_hash(p["b"]["body"]) else "reprint")
    else:
        assert (b.parent, b.reason, b.story) == (None, "original", "https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261110_2.shtml"), \
            (p["id"], p["kind"], b)


# --- the pipelines (dedup fingerprints, the mongo writer decides) against MongoDB ---------------------
class PlainSpider(scrapy.Spider):
    name = "plain"


def run_pipelines(mongod, db, tmp_path, articles: list[Article], dedup: bool = True, **settings) -> dict:
    """One crawl's processing of ``articles``: DedupPipeline (unless ``dedup`` is false) then
    MongoPipeline (its writer decides each article's story in MongoDB and writes it). Returns the
    crawl's stats."""
    crawler = get_crawler(PlainSpider, settings_dict({"MONGO_URI": mongod.uri, "MONGO_DATABASE": db.name,
                                                      "HEALTHCRAWL_EMBEDDED_MONGO": False,
                                                      "MONGO_SPOOL_DIR": str(tmp_path / "spool"), **settings}))
    crawler.spider = crawler._create_spider()
    fingerprint = DedupPipeline.from_crawler(crawler).process_item if dedup else (lambda a: a)
    mongo = MongoPipeline.from_crawler(crawler)

    async def go():
        await mongo.open_spider()
        try:
            for a in articles:
                await mongo.process_item(fingerprint(a))
        finally:
            await mongo.close_spider()

    asyncio.run(go())
    return crawler.stats.get_stats()


def crawl_run(mongod, db, tmp_path, articles: list[Article], **settings) -> dict:
    """:func:`run_pipelines`' dedup and mongo written/also_at stats."""
    return {k.split("/", 1)[1]: v for k, v in run_pipelines(mongod, db, tmp_path, articles, **settings).items()
            if k.startswith(("healthcrawl/dedup/", "healthcrawl/mongo/written", "healthcrawl/mongo/also_at"))}


def item(url: str, side: dict, site: str = "gmw", hour: int = 9) -> Article:
    return Article(url=url, site=site, site_name={"gmw": "光明网", "ce": "中国经济网", "chinanews": "中国新闻网",
                                                  "cnii": "人民邮电报"}[site],
                   title=side["title"], body=side["body"], published_at=datetime(2026, 11, 10, hour, tzinfo=BEIJING))


def test_the_dedup_pipeline_only_fingerprints(mongod, mongo_db, tmp_path):
    crawler = get_crawler(PlainSpider, settings_dict())
    pipeline = DedupPipeline.from_crawler(crawler)
    a = pipeline.process_item(item("http://news.gmw.cn/2026-11/10/content_1.htm?utm_source=rss#top", pair("A-r1")["a"]))
    empty = pipeline.process_item(item("https://news.gmw.cn/2026-11/10/content_2.htm", {"title": "图片", "body": "。"}))
    assert a.canonical_url == "https://news.gmw.cn/2026-11/10/content_1.htm"
    assert a.content_hash == content_hash(a.body)
    assert set(a.dedup) == {"params", "minhash"} and a.duplicate_of is None
    assert empty.dedup == {} and empty.content_hash is None
    assert crawler.stats.get_value("healthcrawl/dedup/fingerprinted") == 1
    assert crawler.stats.get_value("healthcrawl/dedup/empty_body") == 1


def test_previous_run_original_found_as_content_duplicate_and_reprint(mongod, mongo_db, tmp_path):
    original = item("https://news.gmw.cn/2026-11/10/content_1.htm", pair("A-r1")["a"], hour=9)
    assert crawl_run(mongod, mongo_db, tmp_path, [original]) == {
        "dedup/fingerprinted": 1, "dedup/original": 1, "mongo/written": 1}
    stored = mongo_db.articles.find_one({"canonical_url": original.canonical_url})
    assert set(stored["dedup"]) == {"params", "minhash"}  # the fingerprint field's shape
    assert stored["content_hash"] == original.content_hash and stored["story"] == original.canonical_url
    assert stored["schema_version"] == 2

    # a later run (another process, the first one long gone): nothing in memory, all in MongoDB
    same_text = item("http://www.chinanews.com/gn/2026/11-10/1001.shtml", pair("A-r1")["b"], "chinanews", hour=11)
    reprint = item("https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261110_1002.shtml", pair("A-r3")["b"], "ce", hour=12)
    distinct = item("https://health.gmw.cn/2026-11/11/content_3.htm", pair("A-d1")["b"], hour=10)
    assert crawl_run(mongod, mongo_db, tmp_path, [same_text, reprint, distinct]) == {
        "dedup/fingerprinted": 3, "dedup/content": 1, "dedup/reprint": 1, "dedup/original": 1,
        "mongo/written": 1, "mongo/also_at": 2}

    assert same_text.canonical_url == "https://www.chinanews.com.cn/gn/2026/11-10/1001.shtml"
    assert mongo_db.articles.count_documents({}) == 2
    doc = mongo_db.articles.find_one({"story": original.canonical_url})
    assert doc["canonical_url"] == original.canonical_url  # the earliest copy is the document
    also = {e["canonical_url"]: e for e in doc["also_at"]}
    assert set(also) == {same_text.canonical_url, reprint.canonical_url}
    assert (also[same_text.canonical_url]["reason"], also[same_text.canonical_url]["similarity"]) == ("content", 1.0)
    assert also[reprint.canonical_url]["reason"] == "reprint"
    assert 0.6 < also[reprint.canonical_url]["similarity"] < 1.0
    assert also[reprint.canonical_url]["site"] == "ce" and also[reprint.canonical_url]["url"] == reprint.url
    assert also[reprint.canonical_url]["published_at"] == datetime(2026, 11, 10, 4, tzinfo=timezone.utc)
    assert {c["canonical_url"] for c in doc["copies"]} == {original.canonical_url, *also}
    other = mongo_db.articles.find_one({"canonical_url": distinct.canonical_url})
    assert other["story"] == distinct.canonical_url and other["also_at"] == []


def test_a_reprint_published_earlier_becomes_the_document(mongod, mongo_db, tmp_path):
    """The copy stored first is not the document when another copy was published earlier."""
    first = item("https://news.gmw.cn/2026-11/10/content_1.htm", pair("B-r1")["a"], hour=15)
    crawl_run(mongod, mongo_db, tmp_path, [first])
    earlier = item("https://www.chinanews.com.cn/jk/2026/11-10/1002.shtml", pair("B-r1")["b"], "chinanews", hour=8)
    crawl_run(mongod, mongo_db, tmp_path, [earlier])
    docs = list(mongo_db.articles.find({}))
    assert len(docs) == 1
    assert docs[0]["canonical_url"] == earlier.canonical_url and docs[0]["title"] == earlier.title
    assert docs[0]["story"] == first.canonical_url  # the story keeps its root's name
    assert [e["canonical_url"] for e in docs[0]["also_at"]] == [first.canonical_url]


def test_distinct_same_event_stories_are_not_merged(mongod, mongo_db, tmp_path):
    cases = [p for p in PAIRS if p["label"] == "distinct" and p["kind"].startswith(("same_event", "same_release"))]
    assert len(cases) >= 5
    firsts = {p["a"]["body"]: p["a"] for p in cases}  # a few pairs share their first text
    crawl_run(mongod, mongo_db, tmp_path, [item(f"https://news.gmw.cn/2026-11/10/content_{i}.htm", a)
                                           for i, a in enumerate(firsts.values())])
    others = [item(f"https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261111_{i}.shtml", p["b"], "ce") for i, p in enumerate(cases)]
    stats = crawl_run(mongod, mongo_db, tmp_path, others)
    assert stats["dedup/original"] == len(others) and "dedup/reprint" not in stats and "dedup/content" not in stats
    assert mongo_db.articles.count_documents({}) == len(firsts) + len(others)
    assert mongo_db.articles.count_documents({"also_at.0": {"$exists": True}}) == 0


def test_a_re_crawl_of_the_same_url_is_known_and_stays_one_document(mongod, mongo_db, tmp_path):
    original = item("https://news.gmw.cn/2026-11/10/content_1.htm", pair("B-r1")["a"])
    crawl_run(mongod, mongo_db, tmp_path, [original])
    before = mongo_db.articles.find_one({})
    again = item("http://news.gmw.cn/2026-11/10/content_1.htm?utm_source=rss", pair("B-r1")["a"])
    twice = item("https://news.gmw.cn/2026-11/10/content_1.htm#top", pair("B-r1")["a"])
    stats = crawl_run(mongod, mongo_db, tmp_path, [again, twice], MONGO_BATCH_SIZE=1)
    assert stats == {"dedup/fingerprinted": 2, "dedup/known": 2, "mongo/written": 2}
    docs = list(mongo_db.articles.find({}))
    assert len(docs) == 1 and docs[0]["also_at"] == [] and len(docs[0]["copies"]) == 1
    assert docs[0]["first_seen"] == before["first_seen"] and docs[0]["last_seen"] > before["last_seen"]
    assert mongo_db[stories.COPIES].count_documents({}) == 1


@pytest.mark.parametrize("batch", [1, 100])
def test_copies_of_one_run_are_found_before_they_are_stored(mongod, mongo_db, tmp_path, batch):
    """Within a run (one batch, or one item per batch): the claims are written before the
    articles, so the second copy finds the first whether or not its document is written."""
    first = item("https://health.gmw.cn/2026-11/12/content_9.htm", pair("D-r1")["a"], hour=9)
    reprint = item("https://www.chinanews.com.cn/jk/2026/11-12/2001.shtml", pair("D-r1")["b"], "chinanews", hour=10)
    copy = item("https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261112_2002.shtml", pair("D-r1")["a"], "ce", hour=11)
    other = item("https://www.cnii.com.cn/rmydb/202611/t20261112_2003.html", pair("D-d1")["b"], "cnii", hour=12)
    stats = crawl_run(mongod, mongo_db, tmp_path, [first, reprint, copy, other], MONGO_BATCH_SIZE=batch)
    assert stats["dedup/original"] == 2 and stats["dedup/reprint"] + stats.get("dedup/content", 0) == 2
    assert (stats["mongo/written"], stats["mongo/also_at"]) == (2, 2)
    doc = mongo_db.articles.find_one({"canonical_url": first.canonical_url})
    assert {e["canonical_url"] for e in doc["also_at"]} == {reprint.canonical_url, copy.canonical_url}
    assert mongo_db.articles.count_documents({}) == 2


def test_an_empty_body_is_a_story_of_its_own(mongod, mongo_db, tmp_path):
    a = item("https://news.gmw.cn/2026-11/10/content_7.htm", {"title": "图集：智慧医院", "body": "。"})
    b = item("https://news.gmw.cn/2026-11/10/content_8.htm", {"title": "图集：互联网医院", "body": "！"})
    stats = crawl_run(mongod, mongo_db, tmp_path, [a, b])
    assert stats["dedup/empty_body"] == 2 and stats["dedup/original"] == 2
    assert mongo_db.articles.count_documents({}) == 2
