"""One-time conversions of databases written by earlier versions, run by
:func:`healthcrawl.storage.collections.ensure_indexes` at start-up, each recorded in
``healthcrawl_meta`` so that later start-ups skip it:

- :func:`convert_band_claims` — band claims of the earlier format (one ``dedup_claims`` document
  per LSH band key, until 2026-12-02) become one ``dedup_bands`` document per copy, the format
  :mod:`healthcrawl.storage.stories` claims with now; content claims stay where they are.
- :func:`migrate` — article documents written before stories become stories of their own;
  :func:`legacy_note_operation` writes a reprint note of that format (an item naming its
  original) into the story holding its original.

A conversion must finish before any copy is decided in the new format (a copy claiming keys that
an unconverted claim holds would not meet their owner), so the first process to start takes a
lease and converts; the others wait for the marker (a lease whose holder died runs out and is
taken over)."""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from pymongo import DeleteOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from healthcrawl.storage.stories import BANDS, CLAIMS, COPIES, Decision, Stories, copy_entry, owner_id, rank
from healthcrawl.text.fingerprint import Fingerprinter

logger = logging.getLogger(__name__)

META = "healthcrawl_meta"
#: seconds a conversion's lease lasts (renewed as it goes); another process takes over after it
LEASE = 120.0
#: owners converted per round trip
CHUNK = 2000


def _leased(db, marker: str, convert) -> int:
    """Run ``convert()`` once per database under a lease (see the module doc); the others wait."""
    meta = db[META]
    lease_id = f"{marker}-lease"
    while not meta.find_one({"_id": marker}):
        now = datetime.now(timezone.utc)
        meta.delete_one({"_id": lease_id, "until": {"$lt": now}})  # its holder died
        try:
            meta.insert_one({"_id": lease_id, "pid": os.getpid(), "until": now + timedelta(seconds=LEASE)})
        except DuplicateKeyError:
            time.sleep(0.5)  # another process converts: wait for its marker
            continue
        try:
            if meta.find_one({"_id": marker}):  # finished while this process waited for the lease
                return 0
            done = convert(lambda: meta.update_one({"_id": lease_id}, {"$set": {
                "until": datetime.now(timezone.utc) + timedelta(seconds=LEASE)}}))
            meta.update_one({"_id": marker}, {"$setOnInsert": {"done": done, "at": datetime.now(timezone.utc)}},
                            upsert=True)
            return done
        finally:
            meta.delete_one({"_id": lease_id})
    return 0


def convert_band_claims(db) -> int:
    """Band claims of the earlier format → ``dedup_bands``: the claims are grouped by owner; an
    owner's content key (from its fingerprint entry's ``content_hash``) stays a content claim,
    its other keys become its band document (expiring at the latest of their ``x``; kept for
    ever when they had none). Claims of an owner without a fingerprint entry are left as they
    are. Returns the owners converted."""
    if db[META].find_one({"_id": "bands"}):
        return 0
    return _leased(db, "bands", lambda renew: _convert(db, renew))


def _convert(db, renew) -> int:
    claims, copies, bands = db[CLAIMS], db[COPIES], db[BANDS]
    if claims.find_one({}) is None:
        return 0
    started, converted = time.monotonic(), 0
    groups = claims.aggregate([{"$group": {"_id": "$o", "k": {"$push": "$_id"}, "x": {"$max": "$x"}}}],
                              allowDiskUse=True, batchSize=CHUNK)
    chunk = []
    for group in groups:
        chunk.append(group)
        if len(chunk) >= CHUNK:
            converted += _convert_chunk(chunk, copies, claims, bands)
            chunk = []
            renew()
    if chunk:
        converted += _convert_chunk(chunk, copies, claims, bands)
    if converted:
        logger.warning("dedup: band claims of %d copies converted to the current format (%s) in %.1f s",
                       converted, BANDS, time.monotonic() - started)
    return converted


def _convert_chunk(groups: list[dict], copies, claims, bands) -> int:
    owners = {c["o"]: c for c in copies.find({"o": {"$in": [g["_id"] for g in groups]}},
                                             {"o": 1, "content_hash": 1})}
    docs, band_keys = [], []
    for group in groups:
        entry = owners.get(group["_id"])
        if entry is None:
            continue
        content = Fingerprinter.content_key(entry["content_hash"]) if entry.get("content_hash") else None
        keys = sorted(k for k in group["k"] if k != content)
        if not keys:
            continue
        doc = {"_id": group["_id"], "u": entry["_id"], "k": keys}
        if group.get("x") is not None:
            doc["x"] = group["x"]
        docs.append(doc)
        band_keys += keys
    if docs:
        try:
            bands.insert_many(docs, ordered=False)
        except BulkWriteError as exc:  # converted by an earlier attempt that stopped half-way
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors") or []):
                raise
        # one delete per key: dedup_claims is clustered, and a $in on its _id would scan it whole
        claims.bulk_write([DeleteOne({"_id": k}) for k in band_keys], ordered=False)
    return len(docs)


def migrate(db, articles, fingerprinter: Fingerprinter | None = None) -> int:
    """Once per database: documents written before stories (no ``story``) become stories of their
    own — ``story`` and ``rank`` set, ``copies`` = the document's copy and its ``also_at``,
    ``dedup.keys`` dropped — and their fingerprints and claims are recorded so that new copies
    find them. A ``stub`` (a placeholder holding reprint notes for an original that was never
    stored: no title, no body, never shown by the bulletin or the exports) is deleted: its
    original and reprints are then unknown, so the next crawl of their window fetches and
    stores them as a story. Idempotent (two processes may run it at once); a marker in
    ``healthcrawl_meta`` keeps later start-ups from scanning. Returns the documents migrated."""
    meta = db[META]
    if meta.find_one({"_id": "stories"}):
        return 0
    resolver = Stories(db, fingerprinter or Fingerprinter())
    migrated = 0
    stubs = articles.delete_many({"story": {"$exists": False}, "stub": True}).deleted_count
    for doc in articles.find({"story": {"$exists": False}}):
        url = doc["canonical_url"]
        own = Decision(url, None, "original")
        copies = [dict(copy_entry(doc, own), first_seen=doc.get("first_seen"), last_seen=doc.get("last_seen"))]
        copies += [dict(e, reason=e.get("reason") or "reprint", rank=rank(e.get("published_at"), e["canonical_url"]))
                   for e in doc.get("also_at") or [] if e.get("canonical_url") and e["canonical_url"] != url]
        articles.update_one({"_id": doc["_id"], "story": {"$exists": False}}, {
            "$set": {"story": url, "rank": min(c["rank"] for c in copies), "copies": copies,
                     "also_at": copies[1:]},
            "$unset": {"dedup.keys": ""}})
        migrated += 1
        resolver.copies.update_one({"_id": url}, {"$setOnInsert": {
            "o": owner_id(url), "content_hash": doc.get("content_hash"), "minhash": (doc.get("dedup") or {}).get("minhash"),
            "params": resolver.fingerprinter.params, "published_at": doc.get("published_at"), "state": "settled",
            "parent": None, "reason": "original", "similarity": None}}, upsert=True)
        resolver.claim_as_root(resolver.copy_of(url, doc.get("content_hash"), doc.get("dedup")))
    if "dedup_keys" in articles.index_information():
        articles.drop_index("dedup_keys")
    meta.update_one({"_id": "stories"}, {"$set": {"migrated": migrated, "at": datetime.now(timezone.utc)}},
                    upsert=True)
    if migrated or stubs:
        logger.warning("dedup: %d stored article(s) of the earlier format migrated to stories, %d stub(s) "
                       "of never-stored originals deleted", migrated, stubs)
    return migrated


def legacy_note_operation(original: str, entry: dict[str, Any], seen: datetime) -> tuple[dict, list[dict]]:
    """(filter, update) for a reprint note of the old format (a spool written before stories): the
    entry joins the copies of the story that holds ``original``; no upsert."""
    url = entry["canonical_url"]
    entry = dict(entry, rank=rank(entry.get("published_at"), url), first_seen=seen, last_seen=seen)
    # also_at = copies without the document's own: both conditions are indexed
    return ({"$or": [{"canonical_url": original}, {"also_at.canonical_url": original}]}, [
        {"$set": {
            "copies": {"$concatArrays": [
                {"$filter": {"input": {"$ifNull": ["$copies", []]}, "cond": {"$ne": ["$$this.canonical_url", url]}}},
                [{"$literal": entry}]]},
        }},
        {"$set": {"also_at": {"$filter": {"input": "$copies", "cond": {"$ne": ["$$this.canonical_url", "$canonical_url"]}}}}},
    ])
