"""The claims' horizon (healthcrawl/storage/stories.py, README "Dedup"): a copy's band claims (its
``dedup_bands`` document) expire after HEALTHCRAWL_DEDUP_HORIZON_DAYS, deleted by a real mongod's
TTL monitor; the content claim stays; keys that expire while a copy reads their owner are claimed
again."""

from __future__ import annotations

import time
from datetime import timedelta

from healthcrawl.storage import stories
from healthcrawl.storage.collections import ensure_indexes
from healthcrawl.storage.records import article_record
from healthcrawl.article import Article
from tests.test_stories import DAY, EXACT, FPR, ORIGINAL, REPRINT, article, three_copies


def claims_of(db, a: Article) -> tuple[list[dict], list[dict]]:
    """The copy's content claims and its band documents."""
    return (list(db[stories.CLAIMS].find({"_id": FPR.content_key(a.content_hash)})),
            list(db[stories.BANDS].find({"_id": stories.owner_id(a.canonical_url)})))


def test_band_claims_expire_after_the_horizon_and_exact_copies_are_still_found(tmp_path):
    """A real mongod whose TTL monitor runs every second: the band claims of a copy are deleted
    once the horizon (here 2 s) has passed; the content key's claim stays. A reprint decided later
    is then a story of its own, an exact copy still joins the story; with the horizon off (0) the
    same reprint is found."""
    import pymongo

    from healthcrawl.storage.mongod import MongodServer, free_port

    server = MongodServer(tmp_path / "ttl", free_port(), parameters={"ttlMonitorSleepSecs": 1}).start()
    try:
        client = pymongo.MongoClient(server.uri, tz_aware=True)
        copies = three_copies({ORIGINAL: DAY, REPRINT: DAY + timedelta(hours=1), EXACT: DAY + timedelta(hours=2)})
        original = copies[ORIGINAL]
        dbs = {name: client[name] for name in ("reprint", "exact", "forever")}
        for db in dbs.values():
            ensure_indexes(db)
        assert dbs["reprint"][stories.BANDS].index_information()["expires"]["expireAfterSeconds"] == 0
        resolvers = {name: stories.Stories(db, FPR, horizon_days=0 if name == "forever" else 2 / 86400)
                     for name, db in dbs.items()}
        for resolver in resolvers.values():
            assert resolver.resolve(article_record(original)["doc"]).reason == "original"

        keys = sorted(set(FPR.band_keys(FPR.signature_from_field(original.dedup))))
        content, bands = claims_of(dbs["reprint"], original)
        assert [("x" in c) for c in content] == [False]  # the content claim never expires
        assert [(b["k"], "x" in b) for b in bands] == [(keys, True)]
        assert [("x" in b) for b in claims_of(dbs["forever"], original)[1]] == [False]

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(claims_of(dbs[n], original)[1] for n in ("reprint", "exact")):
            time.sleep(0.5)
        for name in ("reprint", "exact"):
            assert (len(claims_of(dbs[name], original)[0]), claims_of(dbs[name], original)[1]) == (1, [])
        assert [b["k"] for b in claims_of(dbs["forever"], original)[1]] == [keys]

        reprint, exact = (article_record(copies[u])["doc"] for u in (REPRINT, EXACT))
        late = resolvers["reprint"].resolve(reprint)
        assert (late.reason, late.story) == ("original", REPRINT)
        assert resolvers["exact"].resolve(exact) == stories.Decision(ORIGINAL, ORIGINAL, "content", 1.0)
        assert resolvers["forever"].resolve(reprint).story == ORIGINAL
        client.close()
    finally:
        server.stop()


def test_claims_that_expire_while_a_copy_reads_their_owner_are_taken_again(mongo_db):
    """The TTL monitor may delete an owner's band document between a copy's failed insert and its
    read of the owners: the copy claims its keys again, all of them (none is passed over), and
    a similar copy decided after it finds it."""
    copies = three_copies({ORIGINAL: DAY, REPRINT: DAY + timedelta(hours=1), EXACT: DAY})
    ensure_indexes(mongo_db)
    resolver = stories.Stories(mongo_db, FPR)
    assert resolver.resolve(article_record(copies[ORIGINAL])["doc"]).reason == "original"
    bands, vanished = resolver.bands, []

    class Expiring:
        """The band documents, whose first read of owners finds them just deleted."""

        def __getattr__(self, name):
            return getattr(bands, name)

        def aggregate(self, pipeline, *args, **kwargs):
            if not vanished:
                vanished.append(bands.find_one(pipeline[0]["$match"])["_id"])
                bands.delete_one({"_id": vanished[0]})
            return bands.aggregate(pipeline, *args, **kwargs)

    resolver.bands = Expiring()
    decision = resolver.resolve(article_record(copies[REPRINT])["doc"])
    assert (decision.story, decision.reason) == (REPRINT, "original")  # its owner is gone: a story of its own
    assert vanished == [stories.owner_id(ORIGINAL)]
    mine = bands.find_one({"_id": stories.owner_id(REPRINT)})
    assert mine["k"] == sorted(set(FPR.band_keys(FPR.signature_from_field(copies[REPRINT].dedup))))
    later = article("https://www.cnii.com.cn/yw/202611/t1.html", copies[REPRINT].body + "\n（编辑：李明）", DAY)
    decided = stories.Stories(mongo_db, FPR).resolve(article_record(later)["doc"])
    assert (decided.story, decided.reason) == (REPRINT, "reprint")
