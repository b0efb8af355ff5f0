"""The claims of healthcrawl/storage/stories.py beyond the everyday path: a copy killed between its
content claim and its band claims, and the one-time conversion of band claims of the earlier
format (one ``dedup_claims`` document per key) into ``dedup_bands`` (healthcrawl/storage/legacy.py)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from healthcrawl.storage import legacy, stories
from healthcrawl.storage.collections import ensure_indexes, ensure_story_collections
from healthcrawl.storage.records import article_record
from tests.test_stories import (DAY, EARLIEST, EXACT, FPR, ORIGINAL, REPRINT, abandon, store, the_story,
                                three_copies)


def test_a_reprint_of_a_copy_killed_before_its_band_claims_still_makes_one_story(mongo_db):
    """Killed between its two claims, a copy holds no band key: a reprint decided then does not
    meet it and is a story of its own; the killed copy, crawled again, meets the reprint's band
    claim and joins that story (the earlier-published copy becomes the document)."""
    items = three_copies(EARLIEST["original-first"])
    ensure_indexes(mongo_db)
    abandon(mongo_db, items[ORIGINAL], "content")
    assert store(mongo_db, items[REPRINT])[0].reason == "original"
    again = store(mongo_db, items[ORIGINAL])[0]
    assert (again.known, again.reason, again.story) == (False, "reprint", REPRINT)
    doc = the_story(mongo_db)
    assert doc["story"] == REPRINT and doc["canonical_url"] == ORIGINAL
    assert [e["canonical_url"] for e in doc["also_at"]] == [REPRINT]


def earlier_format(db, copies) -> list[int]:
    """ORIGINAL decided by the earlier version: settled, its content claim and one claim per band
    key (half with an expiry, half from before the horizon, without); plus claims of an owner
    without a fingerprint entry. Returns ORIGINAL's band keys."""
    original = copies[ORIGINAL]
    signature = FPR.signature_from_field(original.dedup)
    keys = sorted(set(FPR.band_keys(signature)))
    owner = stories.owner_id(ORIGINAL)
    db[stories.COPIES].insert_one({"_id": ORIGINAL, "o": owner, "content_hash": original.content_hash,
                                   "minhash": original.dedup["minhash"], "params": FPR.params, "state": "settled",
                                   "parent": None, "reason": "original", "similarity": None})
    until = datetime.now(timezone.utc) + timedelta(days=30)
    db[stories.CLAIMS].insert_many([{"_id": FPR.content_key(original.content_hash), "o": owner}]
                                   + [{"_id": k, "o": owner} | ({"x": until} if i % 2 else {}) for i, k in enumerate(keys)]
                                   + [{"_id": 7, "o": 99}, {"_id": 8, "o": 99}])
    return keys


def test_band_claims_of_the_earlier_format_are_converted_once(mongo_db):
    copies = three_copies(EARLIEST["original-first"])
    ensure_story_collections(mongo_db)
    keys = earlier_format(mongo_db, copies)
    results = []
    threads = [threading.Thread(target=lambda: results.append(legacy.convert_band_claims(mongo_db))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, 1]  # one process converts, the others wait for it
    band = mongo_db[stories.BANDS].find_one({})
    assert (band["_id"], band["u"], band["k"]) == (stories.owner_id(ORIGINAL), ORIGINAL, keys)
    assert band["x"].replace(tzinfo=timezone.utc) > datetime.now(timezone.utc)  # the latest expiry of its claims
    left = sorted(c["_id"] for c in mongo_db[stories.CLAIMS].find({}))
    assert left == sorted([7, 8, FPR.content_key(copies[ORIGINAL].content_hash)])  # content claim, unknown owner
    assert mongo_db[legacy.META].find_one({"_id": "bands"})["done"] == 1
    ensure_indexes(mongo_db)
    assert legacy.convert_band_claims(mongo_db) == 0
    # a reprint decided now meets the converted owner; an exact copy its content claim
    reprint, exact = (store(mongo_db, copies[u])[0] for u in (REPRINT, EXACT))
    assert (reprint.story, reprint.reason) == (ORIGINAL, "reprint")
    assert (exact.story, exact.reason) == (ORIGINAL, "content")


def test_a_conversion_whose_process_died_is_taken_over(mongo_db):
    copies = three_copies(EARLIEST["original-first"])
    ensure_story_collections(mongo_db)
    keys = earlier_format(mongo_db, copies)
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    mongo_db[legacy.META].insert_one({"_id": "bands-lease", "pid": 1, "until": past})  # its holder died
    assert legacy.convert_band_claims(mongo_db) == 1
    assert mongo_db[stories.BANDS].find_one({})["k"] == keys
    assert mongo_db[legacy.META].find_one({"_id": "bands-lease"}) is None
    decision = stories.Stories(mongo_db, FPR).resolve(article_record(copies[REPRINT])["doc"])
    assert (decision.story, decision.reason) == (ORIGINAL, "reprint")
