"""healthcrawl/storage/stories.py against a real mongod, in one process: which copy is the document
(whatever the arrival order), ``also_at``/``copies``, re-crawls, a copy abandoned while claiming,
and the migration of schema-1 documents.

Concurrency across processes: tests/test_stories_concurrency.py."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from healthcrawl.storage import legacy, stories
from healthcrawl.storage.collections import ARTICLES, ensure_indexes
from healthcrawl.storage.records import article_record, write_records
from healthcrawl.article import BEIJING, Article
from healthcrawl.text.fingerprint import Fingerprinter
from tests.factories import dedup_pairs
from tests.test_dedup import crawl_run as dedup_crawl_run, run_pipelines

PAIRS = dedup_pairs()
FPR = Fingerprinter()
DAY = datetime(2026, 11, 10, tzinfo=BEIJING)

ORIGINAL = "https://www.chinanews.com.cn/jk/2026/11-10/1052318.shtml"
REPRINT = "https://www.ce.cn/xwzx/gnsz/gdxw/202611/10/t20261110_39045127.shtml"
EXACT = "https://health.gmw.cn/2026-11/10/content_37000001.htm"
SITES = {ORIGINAL: ("chinanews", "中国新闻网"), REPRINT: ("ce", "中国经济网"), EXACT: ("gmw", "光明网")}


def article(url: str, body: str, published_at: datetime | None, title: str | None = None) -> Article:
    """An item as the dedup pipeline leaves it: canonical URL and fingerprint set."""
    site, name = SITES.get(url, ("gmw", "光明网"))
    fp = FPR.fingerprint(body)
    return Article(url=url, canonical_url=url, site=site, site_name=name, title=title or f"标题 {url[-12:]}",
                   body=body, published_at=published_at, content_hash=fp.content_hash, dedup=FPR.dedup_field(fp))


def three_copies(dates: dict[str, datetime | None]) -> dict[str, Article]:
    """The original, an edited reprint (A-r3: editor's note and small edits) and the exact text at
    another URL."""
    p = PAIRS["A-r3"]
    return {ORIGINAL: article(ORIGINAL, p["a"]["body"], dates[ORIGINAL]),
            REPRINT: article(REPRINT, p["b"]["body"], dates[REPRINT]),
            EXACT: article(EXACT, p["a"]["body"], dates[EXACT])}


def store(db, *items: Article) -> list[stories.Decision]:
    """Write items as the mongo pipeline's writer does (decided in MongoDB, then written), one
    write each — every call is a separate batch, as from separate crawls."""
    decisions = []
    for a in items:
        record = article_record(a)
        write_records(db[ARTICLES], [record])
        decisions.append(record["_decision"])
    return decisions


def the_story(db) -> dict:
    docs = list(db[ARTICLES].find({}))
    assert len(docs) == 1, [(d["canonical_url"], d.get("story")) for d in docs]
    return docs[0]


def check_story(db, items: dict[str, Article], document: str) -> dict:
    """One document showing ``document``; every other copy in also_at (url, site, published_at,
    reason); copies complete; every copy settled, in one tree."""
    doc = the_story(db)
    assert doc["canonical_url"] == document and doc["title"] == items[document].title
    assert doc["body"] == items[document].body
    also = {e["canonical_url"]: e for e in doc["also_at"]}
    assert set(also) == set(items) - {document}
    for url, entry in also.items():
        a = items[url]
        assert entry["url"] == a.url and entry["site"] == a.site and entry["site_name"] == a.site_name
        assert entry["published_at"] == (a.published_at.astimezone(timezone.utc) if a.published_at else None)
        assert entry["reason"] in ("original", "reprint", "content")
    assert {c["canonical_url"] for c in doc["copies"]} == set(items)
    assert len(doc["copies"]) == len(items)
    assert "stub" not in doc
    copies = {c["_id"]: c for c in db[stories.COPIES].find({})}
    assert set(copies) == set(items) and {c["state"] for c in copies.values()} == {"settled"}
    roots = [url for url, c in copies.items() if c["parent"] is None]
    assert roots == [doc["story"]]
    for url, c in copies.items():  # every copy's chain ends at the story, without a cycle
        seen = {url}
        while c["parent"]:
            assert c["parent"] not in seen
            seen.add(c["parent"])
            c = copies[c["parent"]]
        assert c["_id"] == doc["story"]
    return doc


# --- which copy is the document ----------------------------------------------------------------------
EARLIEST = {  # which copy is published first: the original, the reprint or the exact copy
    "original-first": {ORIGINAL: DAY.replace(hour=9), REPRINT: DAY.replace(hour=15), EXACT: DAY.replace(hour=12)},
    "reprint-first": {ORIGINAL: DAY.replace(hour=9), REPRINT: DAY.replace(hour=8, minute=59), EXACT: DAY.replace(hour=12)},
    "exact-copy-first": {ORIGINAL: DAY.replace(hour=9), REPRINT: DAY.replace(hour=15), EXACT: DAY - timedelta(days=1)},
}


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=lambda o: "".join(map(str, o)))
@pytest.mark.parametrize("dates", list(EARLIEST), ids=list(EARLIEST))
def test_the_earliest_published_copy_is_the_document_whatever_the_arrival_order(mongo_db, dates, order):
    items = three_copies(EARLIEST[dates])
    ensure_indexes(mongo_db)
    arrivals = [list(items)[i] for i in order]
    decisions = store(mongo_db, *(items[u] for u in arrivals))
    earliest = min(items, key=lambda u: items[u].published_at)
    doc = check_story(mongo_db, items, earliest)
    assert doc["story"] == arrivals[0]  # the first copy stored is the root, whichever it is
    assert [d.story for d in decisions] == [arrivals[0]] * 3
    assert [d.reason for d in decisions][0] == "original"
    assert doc["rank"] == stories.rank(items[earliest].published_at, earliest)


@pytest.mark.parametrize("reverse", [False, True])
def test_ties_are_broken_by_the_canonical_url(mongo_db, reverse):
    same = DAY.replace(hour=10)
    items = three_copies({ORIGINAL: same, REPRINT: same, EXACT: same + timedelta(minutes=1)})
    order = [REPRINT, EXACT, ORIGINAL]
    store(mongo_db, *(items[u] for u in (reversed(order) if reverse else order)))
    check_story(mongo_db, items, min(ORIGINAL, REPRINT))  # https://www.ce.cn… < https://www.chinanews…


@pytest.mark.parametrize("first", [ORIGINAL, REPRINT, EXACT])
def test_a_copy_without_a_date_ranks_last(mongo_db, first):
    items = three_copies({ORIGINAL: None, REPRINT: DAY.replace(hour=20), EXACT: None})
    store(mongo_db, items[first], *(items[u] for u in items if u != first))
    check_story(mongo_db, items, REPRINT)
    items = {ORIGINAL: items[ORIGINAL], EXACT: items[EXACT]}  # two undated copies: the smaller URL
    mongo_db.client.drop_database(mongo_db.name)
    store(mongo_db, items[ORIGINAL], items[EXACT])
    check_story(mongo_db, items, EXACT)


def comparable(doc: dict) -> dict:
    """A story document without ``last_seen`` (its own and its copies'), its copies in URL order
    (a rewrite moves a copy to the end of the list)."""
    out = {k: v for k, v in doc.items() if k != "last_seen"}
    for name in ("copies", "also_at"):
        out[name] = sorted(({k: v for k, v in e.items() if k != "last_seen"} for e in doc[name]),
                           key=lambda e: e["canonical_url"])
    return out


def without_times(entries: list[dict]) -> list[dict]:
    """Copy entries without their first_seen/last_seen (when they were written, not what)."""
    return [{k: v for k, v in e.items() if k not in ("first_seen", "last_seen")} for e in entries]


def test_a_re_crawl_of_every_copy_changes_nothing(mongo_db):
    items = three_copies(EARLIEST["reprint-first"])
    ensure_indexes(mongo_db)
    store(mongo_db, items[EXACT], items[ORIGINAL], items[REPRINT])
    before = check_story(mongo_db, items, REPRINT)
    claims = sorted(c["_id"] for c in mongo_db[stories.CLAIMS].find({}))
    for order in ([REPRINT, ORIGINAL, EXACT], [EXACT, REPRINT, ORIGINAL]):
        decisions = store(mongo_db, *(items[u] for u in order))
        assert {d.known for d in decisions} == {True} and {d.story for d in decisions} == {EXACT}
    after = check_story(mongo_db, items, REPRINT)
    assert after["last_seen"] > before["last_seen"]
    assert comparable(after) == comparable(before)
    assert sorted(c["_id"] for c in mongo_db[stories.CLAIMS].find({})) == claims


def test_copies_in_one_batch_are_one_story(mongo_db):
    items = three_copies(EARLIEST["exact-copy-first"])
    records = [article_record(items[u]) for u in (REPRINT, ORIGINAL, EXACT)]
    write_records(mongo_db[ARTICLES], records)
    check_story(mongo_db, items, EXACT)
    assert [r["_decision"].reason for r in records][0] == "original"
    # the same text twice in one batch: the first claims its content key, the second joins it
    assert [(r["_decision"].parent, r["_decision"].reason) for r in records[1:]] == [(REPRINT, "reprint"), (ORIGINAL, "content")]


def test_a_corrected_original_re_crawled_stays_one_story(mongo_db):
    """A reprint copied the corrected text; then the original is re-crawled with its correction."""
    p = PAIRS["A-r3"]
    original = article(ORIGINAL, p["a"]["body"], DAY.replace(hour=9))
    reprint = article(REPRINT, p["b"]["body"], DAY.replace(hour=12))
    store(mongo_db, original, reprint)
    corrected = article(ORIGINAL, p["b"]["body"], DAY.replace(hour=9), title=original.title)
    store(mongo_db, corrected)
    check_story(mongo_db, {ORIGINAL: corrected, REPRINT: reprint}, ORIGINAL)


def test_a_copy_re_crawled_with_another_text_is_in_one_place_only(mongo_db):
    original = article(ORIGINAL, PAIRS["A-r1"]["a"]["body"], DAY.replace(hour=9))
    reprint = article(REPRINT, PAIRS["A-r3"]["b"]["body"], DAY.replace(hour=12))
    store(mongo_db, original, reprint)
    replaced = article(REPRINT, PAIRS["D-r1"]["a"]["body"], DAY.replace(hour=12))  # the page shows another article
    store(mongo_db, replaced)
    docs = list(mongo_db.articles.find({}))
    places = [d["canonical_url"] for d in docs] + [e["canonical_url"] for d in docs for e in d["also_at"]]
    assert sorted(places) == sorted(set(places)), places


# --- a copy abandoned while it was being decided ------------------------------------------------------
def crawl_run(mongod, db, tmp_path, items: list[Article], **settings) -> dict:
    """The dedup and mongo pipelines over ``items``, as a crawl runs them; returns the dedup stats."""
    stats = dedup_crawl_run(mongod, db, tmp_path, items, **settings)
    return {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("dedup/")}


class Killed(BaseException):
    """The crawler process stops here: nothing after it runs."""


class KilledAfterInsert:
    """A collection whose first insert is the crawler's last act: the server took it, then the
    crawler was killed."""

    def __init__(self, target):
        self._target = target

    def __getattr__(self, name):
        return getattr(self._target, name)

    def insert_many(self, documents, ordered=True, **kwargs):
        self._target.insert_many(documents, ordered=ordered, **kwargs)
        raise Killed()


def abandon(db, a: Article, stage: str) -> None:
    """What a crawler killed while claiming leaves (through the protocol's own code): the copy's
    entry in state "claiming", its content claim, and its band claims if ``stage`` is "bands"
    (killed after them) rather than "content" (killed between the two); no article written."""
    resolver = stories.Stories(db, FPR)
    name = "bands" if stage == "bands" else "claims"
    setattr(resolver, name, KilledAfterInsert(getattr(resolver, name)))
    with pytest.raises(Killed):
        resolver.resolve(article_record(a)["doc"])
    assert db[stories.COPIES].find_one({"_id": a.canonical_url})["state"] == "claiming"


def decisions(db) -> dict[str, tuple]:
    return {c["_id"]: (c["state"], c["parent"], c["reason"]) for c in db[stories.COPIES].find({})}


@pytest.mark.parametrize("late", [REPRINT, EXACT])
def test_a_copy_abandoned_while_claiming_is_decided_by_the_next_copy(mongod, mongo_db, tmp_path, caplog, late):
    items = three_copies(EARLIEST["original-first"])
    dead, new = items[ORIGINAL], items[late]
    # the reference: the same two copies, the first one's crawler not killed
    reference = mongo_db.client[mongo_db.name + "_ref"]
    try:
        crawl_run(mongod, reference, tmp_path, [dead])
        crawl_run(mongod, reference, tmp_path, [new])
        expected, expected_doc = decisions(reference), reference.articles.find_one({}, {"_id": 0, "also_at": 1, "story": 1})
    finally:
        mongo_db.client.drop_database(reference.name)
    ensure_indexes(mongo_db)
    abandon(mongo_db, dead, "bands")

    stats = crawl_run(mongod, mongo_db, tmp_path, [new], HEALTHCRAWL_DEDUP_SETTLE_TIMEOUT=0.5)
    assert f"{ORIGINAL} was left undecided" in caplog.text
    assert decisions(mongo_db) == expected  # decided on the dead crawler's behalf, as it would have
    assert stats["reprint" if late == REPRINT else "content"] == 1
    doc = the_story(mongo_db)
    assert doc["story"] == ORIGINAL and doc["canonical_url"] == late  # the dead copy's article was never written
    # the dead copy crawled again: known, joins its story and becomes the document (published first)
    stats = crawl_run(mongod, mongo_db, tmp_path, [dead])
    assert stats["known"] == 1
    doc = check_story(mongo_db, {ORIGINAL: dead, late: new}, ORIGINAL)
    assert (without_times(doc["also_at"]), doc["story"]) == (without_times(expected_doc["also_at"]), expected_doc["story"])


def test_a_copy_abandoned_before_its_band_claims_is_decided_too(mongo_db):
    items = three_copies(EARLIEST["original-first"])
    abandon(mongo_db, items[ORIGINAL], "content")  # its content claim only
    resolver = stories.Stories(mongo_db, FPR, settle_timeout=0.2)
    decision = resolver.resolve(article_record(items[EXACT])["doc"])
    assert (decision.story, decision.parent, decision.reason) == (ORIGINAL, ORIGINAL, "content")
    assert decisions(mongo_db)[ORIGINAL] == ("settled", None, "original")


# --- migration of schema-1 documents ------------------------------------------------------------
def schema1(a: Article, also_at: list[dict] | None = None) -> dict:
    """A document as the schema-1 writer stored it: ``dedup.keys`` (band keys, content key, URL
    key), ``also_at`` notes, no story."""
    fp = FPR.fingerprint(a.body)
    doc = article_record(a)["doc"]
    doc.update(schema_version=1, dedup={"params": FPR.params, "minhash": a.dedup["minhash"],
                                        "keys": fp.bands + [FPR.content_key(fp.content_hash), 12345]},
               also_at=also_at or [], first_seen=datetime(2026, 11, 10, tzinfo=timezone.utc),
               last_seen=datetime(2026, 11, 11, tzinfo=timezone.utc))
    return doc


def note(url: str, site: str, when: datetime) -> dict:
    return {"url": url, "canonical_url": url, "site": site, "site_name": site, "title": "转载",
            "published_at": when.astimezone(timezone.utc), "reason": "reprint", "similarity": 0.8}


@pytest.fixture
def schema1_db(mongo_db):
    """A database of the earlier format: two articles (one with a reprint note), their indexes."""
    a = article(ORIGINAL, PAIRS["B-r1"]["a"]["body"], DAY.replace(hour=9))
    b = article(EXACT, PAIRS["D-r1"]["a"]["body"], DAY.replace(hour=10))
    mongo_db.articles.create_index("canonical_url", unique=True, name="canonical_url_unique")
    mongo_db.articles.create_index("dedup.keys", name="dedup_keys")
    mongo_db.articles.insert_many([
        schema1(a, [note("https://www.cnii.com.cn/yw/202611/t20261110_1.html", "cnii", DAY.replace(hour=13))]),
        schema1(b)])
    return mongo_db


def test_migration_makes_stories_of_schema1_documents(schema1_db, caplog):
    db = schema1_db
    ensure_indexes(db)
    assert "2 stored article(s) of the earlier format migrated" in caplog.text
    docs = {d["canonical_url"]: d for d in db.articles.find({})}
    assert set(docs) == {ORIGINAL, EXACT}
    for url, d in docs.items():
        assert d["story"] == url and "keys" not in d["dedup"] and "stub" not in d
        assert d["rank"] == stories.rank(d["published_at"], url)
        assert {c["canonical_url"] for c in d["copies"]} == {url} | {e["canonical_url"] for e in d["also_at"]}
    assert [e["canonical_url"] for e in docs[ORIGINAL]["also_at"]] == ["https://www.cnii.com.cn/yw/202611/t20261110_1.html"]
    assert "dedup_keys" not in db.articles.index_information()
    assert db[legacy.META].find_one({"_id": "stories"})["migrated"] == 2
    assert legacy.migrate(db, db.articles) == 0  # once per database
    assert decisions(db) == {ORIGINAL: ("settled", None, "original"), EXACT: ("settled", None, "original")}

    # a new reprint of a migrated article joins it; an earlier-published one becomes its document
    reprint = article(REPRINT, PAIRS["B-r1"]["b"]["body"], DAY.replace(hour=8))
    store(db, reprint)
    docs = {d["canonical_url"]: d for d in db.articles.find({})}
    assert set(docs) == {REPRINT, EXACT}
    assert docs[REPRINT]["story"] == ORIGINAL
    assert {e["canonical_url"] for e in docs[REPRINT]["also_at"]} == {ORIGINAL, "https://www.cnii.com.cn/yw/202611/t20261110_1.html"}
    # and a re-crawl of a migrated article is known
    again = store(db, article(EXACT, PAIRS["D-r1"]["a"]["body"], DAY.replace(hour=10)))[0]
    assert (again.known, again.reason, again.story) == (True, "original", EXACT)
    assert db.articles.count_documents({}) == 2


def test_migration_of_a_stub_leaves_no_stub_and_no_empty_document(schema1_db):
    db = schema1_db
    reprint_url = "https://www.cnii.com.cn/yw/202611/t20261110_9.html"
    db.articles.insert_one({"canonical_url": REPRINT, "stub": True, "last_seen": datetime.now(timezone.utc),
                            "also_at": [note(reprint_url, "cnii", DAY.replace(hour=12))]})
    ensure_indexes(db)
    assert db.articles.count_documents({"stub": {"$exists": True}}) == 0
    # every document is an article (known.py counts a document as stored: it must have one)
    assert db.articles.count_documents({"body": {"$exists": False}}) == 0
    # the note's copy crawled again, then the original: one story
    p = PAIRS["A-r3"]
    store(db, article(reprint_url, p["b"]["body"], DAY.replace(hour=12)))
    store(db, article(REPRINT, p["a"]["body"], DAY.replace(hour=9)))
    doc = db.articles.find_one({"canonical_url": REPRINT})
    assert [e["canonical_url"] for e in doc["also_at"]] == [reprint_url]
    assert db.articles.count_documents({}) == 3


def test_the_shown_copy_re_crawled_with_a_later_date_gives_way_to_the_earliest(mongo_db):
    """The document only holds the shown copy's full text: when that copy's date moves later on a
    re-crawl, the story's rank stays the earliest copy's, and that copy takes the document at its
    next write (whatever the order of the writes after it)."""
    items = three_copies(EARLIEST["original-first"])  # original 09:00, exact copy 12:00, reprint 15:00
    store(mongo_db, *items.values())
    # the original's page now gives 18:00 (its first crawl had the list's date, or the time was corrected)
    later = article(ORIGINAL, items[ORIGINAL].body, DAY.replace(hour=18), title=items[ORIGINAL].title)
    store(mongo_db, later)
    doc = the_story(mongo_db)
    assert doc["rank"] == stories.rank(items[EXACT].published_at, EXACT)  # the earliest copy's rank
    store(mongo_db, items[REPRINT])  # a later copy does not take it
    assert the_story(mongo_db)["canonical_url"] == ORIGINAL
    store(mongo_db, items[EXACT])  # the earliest copy's next write does
    check_story(mongo_db, {**items, ORIGINAL: later}, EXACT)


def test_a_legacy_reprint_note_written_before_its_original_is_refused_not_lost(mongod, mongo_db, tmp_path):
    """A reprint note of the earlier format (an item naming its original) whose original is not
    stored: not counted as written — the tools get it back, the writer rejects it (URL kept)."""
    ensure_indexes(mongo_db)
    note = article(REPRINT, PAIRS["A-r3"]["b"]["body"], DAY.replace(hour=12))
    note.duplicate_of = {"canonical_url": ORIGINAL, "reason": "reprint", "similarity": 0.8}
    unmatched = write_records(mongo_db.articles, [article_record(note)])
    assert [r["entry"]["canonical_url"] for r in unmatched] == [REPRINT]
    assert mongo_db.articles.count_documents({}) == 0
    # through the writer: a rejects record with its URL, the run failed, the invariant holds
    stats = run_pipelines(mongod, mongo_db, tmp_path, [note], dedup=False)
    assert stats["healthcrawl/mongo/queued"] == stats["healthcrawl/mongo/rejected"] == 1
    assert stats["healthcrawl/run/failure/storage_rejected"] == 1
    reject = mongo_db.rejects.find_one({})
    assert (reject["url"], reject["reason"], reject["reprint_of"]) == (note.url, "OriginalNotStored", ORIGINAL)
    # once the original is stored, the note joins it
    store(mongo_db, article(ORIGINAL, PAIRS["A-r3"]["a"]["body"], DAY.replace(hour=9)))
    assert write_records(mongo_db.articles, [article_record(note)]) == []
    assert [e["canonical_url"] for e in the_story(mongo_db)["also_at"]] == [REPRINT]

