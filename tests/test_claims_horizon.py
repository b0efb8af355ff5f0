"""The claims' horizon (healthcrawl/storage/stories.py, README "Dedup"): band claims expire after
HEALTHCRAWL_DEDUP_HORIZON_DAYS, deleted by a real mongod's TTL monitor; the content claim stays;
a key that expires while a copy reads its owner is claimed again."""

from __future__ import annotations

import time
from datetime import timedelta

from healthcrawl.storage import stories
from healthcrawl.storage.collections import ensure_indexes
from healthcrawl.storage.records import article_record
from healthcrawl.article import Article
from tests.test_stories import DAY, EXACT, FPR, ORIGINAL, REPRINT, three_copies


def claims_of(db, a: Article) -> list[dict]:
    keys = stories.Stories(db, FPR)._keys(a.content_hash, FPR.signature_from_field(a.dedup))
    return list(db[stories.CLAIMS].find({"_id": {"$in": keys}}))


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
        assert dbs["reprint"][stories.CLAIMS].index_information()["expires"]["expireAfterSeconds"] == 0
        resolvers = {name: stories.Stories(db, FPR, horizon_days=0 if name == "forever" else 2 / 86400)
                     for name, db in dbs.items()}
        for resolver in resolvers.values():
            assert resolver.resolve(article_record(original)["doc"]).reason == "original"

        content_key = FPR.content_key(original.content_hash)
        taken = claims_of(dbs["reprint"], original)
        assert len(taken) == len(set(FPR.band_keys(FPR.signature_from_field(original.dedup)))) + 1
        assert [c["_id"] for c in taken if "x" not in c] == [content_key]
        assert all("x" not in c for c in claims_of(dbs["forever"], original))

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(len(claims_of(dbs[n], original)) > 1 for n in ("reprint", "exact")):
            time.sleep(0.5)
        for name in ("reprint", "exact"):
            assert [c["_id"] for c in claims_of(dbs[name], original)] == [content_key]
        assert len(claims_of(dbs["forever"], original)) == len(taken)

        reprint, exact = (article_record(copies[u])["doc"] for u in (REPRINT, EXACT))
        late = resolvers["reprint"].resolve(reprint)
        assert (late.reason, late.story) == ("original", REPRINT)
        assert resolvers["exact"].resolve(exact) == stories.Decision(ORIGINAL, ORIGINAL, "content", 1.0)
        assert resolvers["forever"].resolve(reprint).story == ORIGINAL
        client.close()
    finally:
        server.stop()


def test_a_claim_that_expires_while_a_copy_reads_its_owner_is_taken_again(mongo_db):
    """The TTL monitor may delete a key between a copy's failed insert and its read of the owner:
    the copy claims the key again instead of passing over it, and still finds its parent at the
    next key they share."""
    copies = three_copies({ORIGINAL: DAY, REPRINT: DAY + timedelta(hours=1), EXACT: DAY})
    ensure_indexes(mongo_db)
    resolver = stories.Stories(mongo_db, FPR)
    assert resolver.resolve(article_record(copies[ORIGINAL])["doc"]).reason == "original"
    claims, vanished = resolver.claims, []

    class Expiring:
        """The claims collection, whose first owner read finds the key just deleted."""

        def __getattr__(self, name):
            return getattr(claims, name)

        def find_one(self, query):
            if not vanished:
                vanished.append(query["_id"])
                claims.delete_one(query)
            return claims.find_one(query)

    resolver.claims = Expiring()
    decision = resolver.resolve(article_record(copies[REPRINT])["doc"])
    assert (decision.story, decision.reason) == (ORIGINAL, "reprint")
    assert claims.find_one({"_id": vanished[0]})["o"] == stories.owner_id(REPRINT)
