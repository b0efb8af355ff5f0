"""One story, many processes at once: the decision in MongoDB holds whatever the interleaving.

- 2, 4 and 8 OS processes (a spawned pool, each with its own MongoClient and its own
  ``MongoPipeline`` writer and ``Stories``), each storing one copy of the same story — the
  original, reprints (edited texts, Jaccard well above the threshold) and exact copies at other
  URLs — at the same moment (a common start time), 20 repetitions each with other interleavings
  (random start delays and random pauses before every database call of the protocol, injected by
  a ``Stories`` subclass; a random choice of copies and of which copy was published first). Every
  repetition ends with exactly one document, every other copy in its ``also_at``, ``copies``
  complete, no stub, and the document is the earliest-published copy.

Two whole crawls at once are in tests/test_crawl_process.py.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
import uuid
from datetime import datetime, timedelta, timezone

import pymongo
import pytest

from healthcrawl.storage import stories
from healthcrawl.storage.collections import ARTICLES, ensure_indexes
from healthcrawl.storage.records import article_record
from healthcrawl.article import BEIJING, Article
from healthcrawl.text.fingerprint import Fingerprinter, jaccard
from tests.factories import dedup_pairs

PAIRS = dedup_pairs()
REPETITIONS = 20
POOL = 8
#: longest random pause before one database call of the protocol (seconds), drawn per process:
#: none (the tightest contention) to several round trips
PAUSES = (0.0, 0.001, 0.004, 0.01)
#: longest random delay of a process's start after the common start time (seconds)
MAX_START_DELAY = 0.015


# --- the copies of one story ------------------------------------------------------------------
def story_texts(base_id: str = "A-r1", tag: str = "") -> list[tuple[str, str, str]]:
    """(kind, url, body) of eight copies of one story (the first text of a labelled pair): the
    original, two exact copies at other URLs and five reprints with the edits reprinting sites
    make (editor's line, last paragraph cut, another dateline, a source line, paragraphs moved)."""
    base = PAIRS[base_id]["a"]["body"]
    paragraphs = base.split("\n")
    edits = [
        base + "\n（责任编辑：王雪）",
        "\n".join(paragraphs[:-1]),
        "本报综合消息 " + base[12:],
        base.replace("医院", "医疗机构", 2) + "\n来源：新华社",
        "\n".join(paragraphs[1:] + paragraphs[:1]),
    ]
    copies = [("original", f"https://www.chinanews.com.cn/jk/2026/11-10/1052318{tag}.shtml", base),
              ("exact", f"https://health.gmw.cn/2026-11/10/content_37000001{tag}.htm", base),
              ("exact", f"https://www.cnii.com.cn/yw/202611/t20261110_623001{tag}.html", base)]
    copies += [("reprint", url, body) for url, body in zip(
        [f"https://www.ce.cn/xwzx/gnsz/gdxw/202611/10/t20261110_39045127{tag}.shtml",
         f"https://digital.gmw.cn/2026-11/10/content_39614299{tag}.htm",
         f"https://www.chinanews.com.cn/gn/2026/11-10/1052399{tag}.shtml",
         f"https://tech.gmw.cn/2026-11/10/content_39614300{tag}.htm",
         f"https://rmydb.cnii.com.cn/html/2026/20261110/20261110_003/20261110_003_01_4001{tag}.html"], edits)]
    return copies


BASES = ("A-r1", "B-r1", "D-r1")
OWN = ("C-r1", "E-r1", "F-r1", "G-r1")


def test_the_copies_are_one_story_by_the_labelled_pairs_measure():
    fpr = Fingerprinter()
    for base in BASES:
        texts = story_texts(base)
        assert len({url for _, url, _ in texts}) == POOL
        for i, (_, _, a) in enumerate(texts):
            for _, _, b in texts[i + 1:]:
                assert jaccard(a, b, fpr.shingle) > 0.6  # well above the 0.4 threshold
    for i, a in enumerate(BASES + OWN):  # and the stories are distinct from each other
        for b in (BASES + OWN)[i + 1:]:
            assert jaccard(PAIRS[a]["a"]["body"], PAIRS[b]["a"]["body"], fpr.shingle) < 0.1


def make_copies(rng: random.Random, n: int, base: str = "A-r1", tag: str = "") -> dict[str, Article]:
    """n copies of the story, chosen at random, with random dates: usually distinct, sometimes a
    tie (broken by the canonical URL), sometimes no date (ranks last)."""
    fpr = Fingerprinter()
    chosen = rng.sample(story_texts(base, tag), n)
    day = datetime(2026, 11, 10, 8, tzinfo=BEIJING)
    slots = rng.sample(range(12), n)
    out = {}
    for i, (kind, url, body) in enumerate(chosen):
        roll = rng.random()
        when = None if roll < 0.1 else day + timedelta(hours=slots[0] if roll < 0.25 else slots[i])
        fp = fpr.fingerprint(body)
        out[url] = Article(url=url, canonical_url=url, site=url.split("/")[2], site_name=kind,
                           title=f"{kind} {i}", body=body, published_at=when, content_hash=fp.content_hash,
                           dedup=fpr.dedup_field(fp))
    return out


def expected_document(copies: dict[str, Article]) -> str:
    """The copy published first (UTC); ties by the smaller canonical URL; no date ranks last."""
    def key(url):
        when = copies[url].published_at
        return (when is None, when.astimezone(timezone.utc) if when else None, url)
    return min(copies, key=key)


# --- the worker processes -------------------------------------------------------------------------
_client = None


def _init_worker(uri: str) -> None:
    global _client
    _client = pymongo.MongoClient(uri, tz_aware=True, appname="stories-concurrency")


class Jittery:
    """A collection whose every call waits a random moment first (the interleavings)."""

    CALLS = ("find", "find_one", "insert_many", "insert_one", "bulk_write", "update_one")

    def __init__(self, target, rng: random.Random, pause: float):
        self._target, self._rng, self._pause = target, rng, pause

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if name not in self.CALLS:
            return attr

        def call(*args, **kwargs):
            time.sleep(self._rng.uniform(0, self._pause))
            return attr(*args, **kwargs)
        return call


class JitteryStories(stories.Stories):
    """Stories with random pauses between the protocol's steps (before each database call)."""

    def __init__(self, db, fingerprinter, settle_timeout, rng: random.Random, pause: float):
        super().__init__(db, fingerprinter, settle_timeout)
        self.copies = Jittery(self.copies, rng, pause)
        self.claims = Jittery(self.claims, rng, pause)
        self.bands = Jittery(self.bands, rng, pause)


class Crash(BaseException):
    """The process stops here (as if killed): nothing after it runs, nothing is cleaned up."""


class KilledWhileClaiming(Jittery):
    """A claims collection (content claims or band documents) of a crawler killed during its
    insert: the server had taken any part of the unordered insert (possibly none) when the
    process died."""

    def insert_many(self, documents, ordered=True, **kwargs):
        taken = [d for d in documents if self._rng.random() < 0.5]
        if taken:
            try:
                self._target.insert_many(taken, ordered=False, **kwargs)
            except pymongo.errors.BulkWriteError:
                pass  # keys another copy owns: what was taken stays
        raise Crash()


def store_copy(task: dict) -> dict:
    """One crawler process's writer storing one copy at ``start_at`` (+ a random delay)."""
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from healthcrawl.project import settings_dict
    from pipelines.mongo import MongoPipeline

    rng = random.Random(task["seed"])
    crawler = get_crawler(Spider, settings_dict({"MONGO_URI": task["uri"], "MONGO_DATABASE": task["database"],
                                                 "HEALTHCRAWL_EMBEDDED_MONGO": False, "MONGO_SPOOL_DIR": task["spool"],
                                                 **task.get("settings", {})}))
    pipeline = MongoPipeline.from_crawler(crawler)
    pipeline.client = _client
    pipeline._prepare(task["uri"])  # indexes, write probe, spool check: as a crawl opens
    pipeline.stories = JitteryStories(_client[task["database"]], pipeline.stories.fingerprinter,
                                      pipeline.stories.settle_timeout, rng, task["pause"])
    articles = pipeline.collections[ARTICLES]
    pipeline.collections[ARTICLES] = Jittery(articles, rng, task["pause"])
    if task.get("killed"):  # killed at its content claims or at its band claims
        name = rng.choice(("claims", "bands"))
        setattr(pipeline.stories, name, KilledWhileClaiming(getattr(pipeline.stories, name)._target, rng, task["pause"]))
    time.sleep(max(0.0, task["start_at"] - time.time()) + rng.uniform(0, MAX_START_DELAY))
    records = task["records"]  # one write batch
    began = time.time()
    try:
        waiting = pipeline._write(records)
    except Crash:
        return {"pid": os.getpid(), "killed": [r["doc"]["canonical_url"] for r in records]}
    decisions = [r.get("_decision") for r in records]
    return {"pid": os.getpid(), "waiting": len(waiting), "counts": dict(pipeline.counts),
            "began": began, "ended": time.time(),
            "stories": {r["doc"]["canonical_url"]: d and d.story for r, d in zip(records, decisions)}}


@pytest.fixture(scope="module")
def pool(mongod):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(POOL, initializer=_init_worker, initargs=(mongod.uri,)) as p:
        p.map(time.sleep, [0.0] * POOL, chunksize=1)  # started and imported before the clock runs
        yield p


def check_one_story(db, copies: dict[str, Article], results: list[dict], context: str) -> dict:
    """The story's one document, every copy in it once, the copy published first shown."""
    docs = list(db[ARTICLES].find({"copies.canonical_url": {"$in": list(copies)}}))
    assert len(docs) == 1, (context, [(d["canonical_url"], d.get("story"), [e["canonical_url"] for e in d.get("also_at", [])])
                                      for d in docs], results)
    doc = docs[0]
    document = expected_document(copies)
    assert doc["canonical_url"] == document, (context, results)
    assert (doc["title"], doc["body"]) == (copies[document].title, copies[document].body), context
    also = [e["canonical_url"] for e in doc["also_at"]]
    assert sorted(also) == sorted(set(copies) - {document}), (context, also)
    assert sorted(c["canonical_url"] for c in doc["copies"]) == sorted(copies), context
    for e in doc["also_at"]:
        a = copies[e["canonical_url"]]
        assert (e["url"], e["site"], e["title"]) == (a.url, a.site, a.title), context
        assert e["published_at"] == (a.published_at.astimezone(timezone.utc) if a.published_at else None), context
        assert e["reason"] in ("original", "reprint", "content"), context
    assert "stub" not in doc and db[ARTICLES].count_documents({"stub": {"$exists": True}}) == 0
    entries = {c["_id"]: c for c in db[stories.COPIES].find({"_id": {"$in": list(copies)}})}
    assert set(entries) == set(copies) and {c["state"] for c in entries.values()} == {"settled"}, context
    roots = [u for u, c in entries.items() if c["parent"] is None]
    assert roots == [doc["story"]], (context, roots)
    told = {url: story for r in results for url, story in r["stories"].items() if url in copies}
    assert set(told.values()) == {doc["story"]}, (context, told)  # every process agreed
    for url in entries:  # parent links: a tree, no cycle
        seen, c = {url}, entries[url]
        while c["parent"]:
            assert c["parent"] not in seen, (context, "cycle", url)
            seen.add(c["parent"])
            c = entries[c["parent"]]
    return doc


def check_writers(results: list[dict], context: str) -> None:
    for r in results:
        assert r["waiting"] == 0 and not r["counts"].get("rejected"), (context, r)
        assert r["counts"].get("stored") == len(r["stories"]), (context, r)


@pytest.mark.parametrize("n", [2, 4, 8])
def test_n_processes_storing_copies_of_one_story_at_once_make_one_document(pool, mongod, tmp_path, n):
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    races, pids, together, spans, peak = 0, set(), 0, [], 0
    try:
        for rep in range(REPETITIONS):
            seed = 1000 * n + rep
            rng = random.Random(seed)
            copies = make_copies(rng, n)
            database = f"hc_conc_{uuid.uuid4().hex[:8]}"
            ensure_indexes(client[database])  # the database exists (a crawler opened it before)
            start_at = time.time() + 0.2
            tasks = [{"uri": mongod.uri, "database": database, "spool": str(tmp_path / "spool"),
                      "records": [article_record(a)], "start_at": start_at, "seed": seed * 100 + i, "pause": rng.choice(PAUSES)}
                     for i, a in enumerate(copies.values())]
            results = pool.map(store_copy, tasks, chunksize=1)
            try:
                check_writers(results, f"n={n} repetition {rep} seed {seed}")
                check_one_story(client[database], copies, results, f"n={n} repetition {rep} seed {seed}")
                assert client[database][ARTICLES].count_documents({}) == 1
            finally:
                client.drop_database(database)
            races += sum(r["counts"].get("upsert_race_retried", 0) for r in results)
            # all n writers inside the protocol at one moment (the latest start before the first end)
            together += max(r["began"] for r in results) < min(r["ended"] for r in results)
            peak = max(peak, max(sum(r["began"] <= x["began"] < r["ended"] for r in results) for x in results))
            spans.append(max(r["ended"] for r in results) - min(r["began"] for r in results))
            pids.update(r["pid"] for r in results)
    finally:
        client.close()
    assert len(pids) >= n  # the copies were stored by n different processes at least
    # most writers inside the protocol at one moment, over the repetitions (all n, on a quiet machine)
    assert peak >= max(2, n // 2), "the writers hardly overlapped: the machine is too loaded for this test to mean anything"
    print(f"n={n}: {REPETITIONS} repetitions, all {n} writers at once in {together}, peak {peak}, "
          f"{races} upsert race(s) retried, median span {sorted(spans)[len(spans) // 2] * 1000:.0f} ms")


def test_the_same_copy_from_two_processes_at_once(pool, mongod, tmp_path):
    """Two crawlers fetch the same article at the same time (overlapping crawls of one site), beside
    two other copies of its story: the copy is in the story once."""
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    try:
        for rep in range(8):
            seed = 50_000 + rep
            rng = random.Random(seed)
            copies = make_copies(rng, 3)
            twice = rng.choice(list(copies))
            database = f"hc_conc_{uuid.uuid4().hex[:8]}"
            ensure_indexes(client[database])
            start_at = time.time() + 0.2
            tasks = [{"uri": mongod.uri, "database": database, "spool": str(tmp_path / "spool"),
                      "records": [article_record(a)], "start_at": start_at,
                      "seed": seed * 100 + i, "pause": rng.choice(PAUSES)}
                     for i, a in enumerate([*copies.values(), copies[twice]])]
            results = pool.map(store_copy, tasks, chunksize=1)
            context = f"same copy twice, repetition {rep} seed {seed}"
            try:
                check_writers(results, context)
                check_one_story(client[database], copies, results, context)
                assert client[database][ARTICLES].count_documents({}) == 1, context
            finally:
                client.drop_database(database)
    finally:
        client.close()


def test_processes_writing_batches_of_several_stories_at_once(pool, mongod, tmp_path):
    """4 processes, each with one write batch holding one copy of each of three stories (and a
    story of its own), in a random order: the stories' copies are decided in batches, across
    processes, at once — three documents with every copy, plus one per process."""
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    n = 4
    try:
        for rep in range(8):
            seed = 90_000 + rep
            rng = random.Random(seed)
            groups = [make_copies(rng, n, base, tag=f"-{base}") for base in BASES]
            own = [make_copies(rng, 1, base, tag=f"-{base}") for base in OWN]  # a story of its own per process
            database = f"hc_conc_{uuid.uuid4().hex[:8]}"
            ensure_indexes(client[database])
            start_at = time.time() + 0.2
            tasks = []
            for i in range(n):
                batch = [list(g.values())[i] for g in groups] + list(own[i].values())
                rng.shuffle(batch)
                tasks.append({"uri": mongod.uri, "database": database, "spool": str(tmp_path / "spool"),
                              "records": [article_record(a) for a in batch], "start_at": start_at,
                              "seed": seed * 100 + i, "pause": rng.choice(PAUSES)})
            results = pool.map(store_copy, tasks, chunksize=1)
            context = f"batches repetition {rep} seed {seed}"
            try:
                check_writers(results, context)
                for g in groups:
                    check_one_story(client[database], g, results, context)
                assert client[database][ARTICLES].count_documents({}) == len(groups) + n, context
            finally:
                client.drop_database(database)
    finally:
        client.close()


def test_a_process_killed_while_claiming_is_decided_by_the_others(pool, mongod, tmp_path):
    """4 processes store copies of one story at once; one of them dies in the middle of its claims
    (any part of its content claim or band document taken). The others decide its copy on its behalf after
    HEALTHCRAWL_DEDUP_SETTLE_TIMEOUT and agree on one document; when the dead copy is crawled
    again it joins that document (and shows it, if it was published first)."""
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    n, took_over = 4, 0
    try:
        for rep in range(10):
            seed = 70_000 + rep
            rng = random.Random(seed)
            copies = make_copies(rng, n)
            database = f"hc_conc_{uuid.uuid4().hex[:8]}"
            ensure_indexes(client[database])
            dead = rng.randrange(n)
            start_at = time.time() + 0.2
            common = {"uri": mongod.uri, "database": database, "spool": str(tmp_path / "spool"),
                      "settings": {"HEALTHCRAWL_DEDUP_SETTLE_TIMEOUT": 0.3}}
            tasks = [{**common, "records": [article_record(a)], "start_at": start_at,
                      "seed": seed * 100 + i, "pause": rng.choice(PAUSES), "killed": i == dead}
                     for i, a in enumerate(copies.values())]
            results = pool.map(store_copy, tasks, chunksize=1)
            context = f"killed repetition {rep} seed {seed}"
            try:
                killed = [u for r in results for u in r.get("killed", ())]
                assert killed == [list(copies)[dead]], context
                alive = [r for r in results if "killed" not in r]
                check_writers(alive, context)
                written = {u: a for u, a in copies.items() if u not in killed}
                docs = list(client[database][ARTICLES].find({}))
                assert len(docs) == 1, (context, [d["canonical_url"] for d in docs])
                assert docs[0]["canonical_url"] == expected_document(written), context
                assert sorted(c["canonical_url"] for c in docs[0]["copies"]) == sorted(written), context
                took_over += client[database][stories.COPIES].find_one({"_id": killed[0]})["state"] == "settled"
                # the dead crawler's copy crawled again (by another process)
                again = pool.map(store_copy, [{**common, "records": [article_record(copies[killed[0]])],
                                               "start_at": 0, "seed": seed, "pause": 0.0}])
                check_writers(again, context)
                check_one_story(client[database], copies, alive + again, context)
                assert client[database][ARTICLES].count_documents({}) == 1
            finally:
                client.drop_database(database)
    finally:
        client.close()
    print(f"killed while claiming: decided by another process in {took_over} of 10 repetitions")
