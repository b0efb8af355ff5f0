"""Which story an article belongs to, decided in MongoDB by the mongo pipeline's writer: the same
answer in every process. A copy records its fingerprint in ``dedup_copies``, then claims its LSH
band keys and content key in ascending order in ``dedup_claims`` (unique ``_id``); the first
similar owner of a key it loses is its parent, the root of its parent chain names the story, and
the earliest-published copy is the story's document (:func:`story_operation`). A band claim
expires ``HEALTHCRAWL_DEDUP_HORIZON_DAYS`` after it was taken (field ``x``, a TTL index), so the
claims hold a bounded window of copies however long the history. README "Dedup" gives the
protocol and the argument why it is race-free."""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
from pymongo import UpdateOne, WriteConcern
from pymongo.errors import BulkWriteError

from healthcrawl import settings as defaults
from healthcrawl.text.fingerprint import Fingerprinter

logger = logging.getLogger(__name__)

COPIES = "dedup_copies"
CLAIMS = "dedup_claims"
#: rank of a copy without a date: after every dated copy
NO_DATE = "9999"
#: fields of a story document that belong to the story, not to the copy shown as its document
STORY_FIELDS = ("_id", "story", "copies", "first_seen", "last_seen", "bulletin")


@dataclass(frozen=True)
class Decision:
    story: str  # canonical URL of the story's root copy
    parent: str | None  # the copy this one duplicates, None for a root
    reason: str  # how the copy was found: "original" | "reprint" | "content"
    similarity: float | None = None
    known: bool = False  # decided before (a re-crawl of the same URL and text)


def owner_id(canonical_url: str) -> int:
    """The 64-bit reference to a copy that its claims hold (a hash of its canonical URL)."""
    return int.from_bytes(hashlib.blake2b(canonical_url.encode("utf-8"), digest_size=8).digest(),
                          "little", signed=True)


def rank(published_at: datetime | None, canonical_url: str) -> str:
    """Sort key of a copy: earliest ``published_at`` (UTC) first, then the canonical URL."""
    if published_at is None:
        return f"{NO_DATE}|{canonical_url}"
    if published_at.tzinfo is not None:
        published_at = published_at.astimezone(timezone.utc)
    return f"{published_at.strftime('%Y-%m-%dT%H:%M:%S')}|{canonical_url}"


def copy_entry(doc: dict[str, Any], decision: Decision) -> dict[str, Any]:
    """A copy as listed in its story's ``copies`` (and ``also_at`` when not the document); the
    write adds its own ``first_seen``/``last_seen``."""
    return {"url": doc.get("url"), "canonical_url": doc["canonical_url"], "site": doc.get("site"),
            "site_name": doc.get("site_name"), "title": doc.get("title"),
            "published_at": doc.get("published_at"), "reason": decision.reason,
            "similarity": decision.similarity, "rank": rank(doc.get("published_at"), doc["canonical_url"])}


def story_operation(doc: dict[str, Any], decision: Decision, seen: datetime) -> tuple[dict, list[dict]]:
    """(filter, pipeline update) writing one copy into its story's document, atomically and
    idempotently (writing it twice changes nothing but ``last_seen``). Upsert it.

    - The copy replaces the document's article fields when the story is new, when it is the copy
      the document shows (a re-crawl refreshes it), or when its rank is at most the document's
      ``rank`` — the smallest rank over ``copies``. So the earliest copy is shown whatever the
      arrival order; if the shown copy's date moves later on a re-crawl, ``rank`` stays the
      earliest copy's and that copy takes the document at its next write.
    - ``copies`` gets this copy's entry with its own ``first_seen`` (the earliest write of this
      copy) and ``last_seen``; the document's ``first_seen``/``last_seen`` are the shown copy's.
    """
    url = doc["canonical_url"]
    entry = copy_entry(doc, decision)
    mine = entry["rank"]
    fields = {k: v for k, v in doc.items() if k not in STORY_FIELDS and k not in ("also_at", "rank")}
    fields.update(story=decision.story)
    keep = {name: f"${name}" for name in STORY_FIELDS}
    seen_ = {"$literal": seen}
    others = {"$filter": {"input": {"$ifNull": ["$copies", []]}, "cond": {"$ne": ["$$this.canonical_url", url]}}}
    pipeline = [
        {"$set": {
            # this copy's entry as it was (absent: a new copy)
            "_hc_old": {"$first": {"$filter": {"input": {"$ifNull": ["$copies", []]},
                                               "cond": {"$eq": ["$$this.canonical_url", url]}}}},
            "_hc_take": {"$or": [{"$eq": [{"$ifNull": ["$canonical_url", None]}, None]},
                                 {"$eq": ["$canonical_url", url]},
                                 {"$lte": [{"$literal": mine}, {"$ifNull": ["$rank", "~"]}]}]},
        }},
        # this copy's first write: its old entry's first_seen, else now
        {"$set": {"_hc_first": {"$min": [{"$ifNull": ["$_hc_old.first_seen", seen_]}, seen_]}}},
        {"$replaceWith": {"$cond": [
            "$_hc_take",
            {"$mergeObjects": [keep, {"$literal": fields},
                               {"first_seen": "$_hc_first", "last_seen": seen_, "_hc_first": "$_hc_first"}]},
            "$$ROOT"]}},
        {"$set": {"copies": {"$concatArrays": [
            others, [{"$mergeObjects": [{"$literal": entry}, {"first_seen": "$_hc_first", "last_seen": seen_}]}]]}}},
        {"$set": {"rank": {"$min": "$copies.rank"},
                  "also_at": {"$filter": {"input": "$copies", "cond": {"$ne": ["$$this.canonical_url", "$canonical_url"]}}}}},
        {"$unset": ["_hc_take", "_hc_first", "_hc_old"]},
    ]
    # "$type" lets the planner use the partial unique index on story (an equality alone does not)
    return {"story": {"$eq": decision.story, "$type": "string"}}, pipeline


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


class Stories:
    """The story decisions of one database (see the module doc). Blocking: the writer thread's."""

    def __init__(self, db, fingerprinter: Fingerprinter,
                 settle_timeout: float = defaults.HEALTHCRAWL_DEDUP_SETTLE_TIMEOUT, claimers: int = 1,
                 horizon_days: float = defaults.HEALTHCRAWL_DEDUP_HORIZON_DAYS):
        # claims and fingerprints need no journal flush of their own: the article write that
        # follows them is journaled, and a journal flush makes every earlier write durable
        fast = WriteConcern(w=1)
        self.copies = db.get_collection(COPIES, write_concern=fast)
        self.claims = db.get_collection(CLAIMS, write_concern=fast)
        self.fingerprinter = fingerprinter
        self.settle_timeout = settle_timeout
        self.horizon = timedelta(days=horizon_days) if horizon_days > 0 else None
        # copies seen settled during the current resolve_many (url -> {"state", "parent"}): a
        # settled copy's parent never changes, so _root needs no read for them (work skipped only)
        self._nodes: dict[str, dict[str, Any]] = {}
        # the copies of a batch claim their keys at the same time, each on its own connection:
        # the protocol holds for any interleaving (it is the one of copies in different processes)
        self._pool = ThreadPoolExecutor(claimers, thread_name_prefix="claims") if claimers > 1 else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    # -- copies ------------------------------------------------------------------------------
    def resolve(self, doc: dict[str, Any]) -> Decision:
        """The decision for one article document (``canonical_url``, ``content_hash``, ``dedup``)."""
        return self.resolve_many([doc])[0]

    def resolve_many(self, docs: list[dict[str, Any]]) -> list[Decision]:
        """The decisions for a batch of article documents, in order. Round trips: one to record
        the new copies' fingerprints (which also finds the copies decided before), one claim
        insert per new copy (more only at a key another copy owns), one to settle them, and a
        parent-chain read for the copies that duplicate another copy not seen settled."""
        fpr = self.fingerprinter
        self._nodes = {}
        urls = [d["canonical_url"] for d in docs]
        known = self._record_fingerprints({d["canonical_url"]: d for d in docs})
        fresh = {d["canonical_url"]: d for d in docs if d["canonical_url"] not in known}
        if fresh:
            def decide(url: str) -> dict[str, Any]:
                doc = fresh[url]
                minhash = (doc.get("dedup") or {}).get("minhash")
                signature = fpr.signature_from_field({"params": fpr.params, "minhash": minhash})
                return self._decided(url, doc.get("content_hash"), signature)

            mapped = self._pool.map(decide, fresh) if self._pool and len(fresh) > 1 else map(decide, fresh)
            settled = dict(zip(fresh, mapped))
            self.copies.bulk_write([UpdateOne({"_id": url}, {"$set": entry}) for url, entry in settled.items()],
                                   ordered=False)
            self._nodes.update({url: {"state": "settled", "parent": e["parent"]} for url, e in settled.items()})
        decisions = []
        for url in urls:
            if url in fresh:
                entry = settled[url]
                decisions.append(Decision(self._root(url, entry), entry["parent"], entry["reason"], entry["similarity"]))
            else:
                entry = known[url]
                decisions.append(Decision(self._root(url, entry), entry.get("parent"),
                                          entry.get("reason") or "original", entry.get("similarity"), known=True))
        return decisions

    def _record_fingerprints(self, docs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Record each copy's fingerprint as ``claiming`` unless it is settled (a settled copy is
        never decided again, even when its text changed — a correction: a second claim pass of one
        URL could make a cycle of parents, and a copy must stay in the one story that lists it).
        Returns the settled entries, found by the upserts that clash with them (``$ne`` filter:
        the upsert's insert meets the existing ``_id``); a clash with an entry that is not settled
        (two processes inserting one new copy at once) is upserted again."""
        now, known = datetime.now(timezone.utc), {}
        fields = {"state": 1, "parent": 1, "reason": 1, "similarity": 1, "content_hash": 1}
        while docs:
            order = list(docs)
            try:
                self.copies.bulk_write([UpdateOne({"_id": url, "state": {"$ne": "settled"}}, {"$set": {
                    "o": owner_id(url), "content_hash": doc.get("content_hash"),
                    "minhash": (doc.get("dedup") or {}).get("minhash"), "params": self.fingerprinter.params,
                    "published_at": doc.get("published_at"), "state": "claiming", "parent": None,
                    "updated": now}}, upsert=True) for url, doc in docs.items()], ordered=False)
                return known
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors") or []
                if any(e.get("code") != 11000 for e in errors):
                    raise
                clashed = [order[e["index"]] for e in errors]
            found = {c["_id"]: c for c in self.copies.find({"_id": {"$in": clashed}}, fields)}
            known.update({url: c for url, c in found.items() if c.get("state") == "settled"})
            docs = {url: docs[url] for url in clashed if url not in known}
        return known

    def _decided(self, url: str, content_hash: str | None, signature: np.ndarray | None) -> dict[str, Any]:
        """Claim the copy's keys: what to settle it with."""
        parent, reason, similarity = self._claim(url, self._keys(content_hash, signature), content_hash, signature)
        return {"state": "settled", "parent": parent, "reason": reason, "similarity": similarity}

    def _decide(self, url: str, content_hash: str | None, signature: np.ndarray | None) -> dict[str, Any]:
        """Claim the copy's keys, settle it, and return what was settled."""
        settled = self._decided(url, content_hash, signature)
        self.copies.update_one({"_id": url}, {"$set": settled})
        return settled

    def _keys(self, content_hash: str | None, signature: np.ndarray | None) -> list[int]:
        """The copy's claim keys in ascending order: its LSH band keys and its content key."""
        keys = set(self.fingerprinter.band_keys(signature)) if signature is not None else set()
        if content_hash:
            keys.add(self.fingerprinter.content_key(content_hash))
        return sorted(keys)

    def claim_documents(self, keys: list[int], owner: int, content_hash: str | None) -> list[dict[str, Any]]:
        """The claims of ``keys`` for the copy ``owner``: band claims expire (``x``) after the
        horizon, the content key's claim never does."""
        if self.horizon is None:
            return [{"_id": k, "o": owner} for k in keys]
        expires = datetime.now(timezone.utc) + self.horizon
        content = self.fingerprinter.content_key(content_hash) if content_hash else None
        return [{"_id": k, "o": owner} if k == content else {"_id": k, "o": owner, "x": expires} for k in keys]

    def _claim(self, url: str, keys: list[int], content_hash: str | None,
               signature: np.ndarray | None) -> tuple[str | None, str, float | None]:
        """Claim keys in ascending order; the first owner found similar is the parent."""
        i = 0
        mine = owner_id(url)
        compared: set[int] = set()
        claims = self.claim_documents(keys, mine, content_hash)
        while i < len(keys):
            try:
                self.claims.insert_many(claims[i:], ordered=True)
                return None, "original", None
            except BulkWriteError as exc:
                error = (exc.details.get("writeErrors") or [{}])[0]
                if error.get("code") != 11000:
                    raise
                i += error["index"]
            owner = (self.claims.find_one({"_id": keys[i]}) or {}).get("o")
            if owner is None:
                continue  # the claim expired in between: the key is free, claim it again
            i += 1
            if owner == mine or owner in compared:
                continue  # my own claim (an earlier attempt), or a copy already found dissimilar
            compared.add(owner)
            found = self._compare(owner, content_hash, signature)
            if found:
                return found
        return None, "original", None

    def _compare(self, owner: int, content_hash: str | None,
                 signature: np.ndarray | None) -> tuple[str, str, float] | None:
        """(the owner's canonical URL, reason, similarity) if the owner is similar, else None."""
        theirs = self.copies.find_one({"o": owner}, {"content_hash": 1, "minhash": 1, "params": 1,
                                                      "state": 1, "parent": 1})
        if not theirs:
            return None
        if theirs.get("state") == "settled":
            self._nodes[theirs["_id"]] = {"state": "settled", "parent": theirs.get("parent")}
        if content_hash and theirs.get("content_hash") == content_hash:
            return theirs["_id"], "content", 1.0
        their_sig = self.fingerprinter.signature_from_field(theirs)
        if signature is None or their_sig is None:
            return None
        similarity = self.fingerprinter.similarity(signature, their_sig)
        if self.fingerprinter.is_reprint(similarity):
            return theirs["_id"], "reprint", round(similarity, 4)
        return None

    def _root(self, url: str, entry: dict[str, Any]) -> str:
        """The root of a copy's parent chain, waiting for copies on it that are still claiming."""
        seen = {url}
        current, parent = url, entry.get("parent")
        while parent:
            if parent in seen:  # impossible by construction (see the module doc); never loop
                logger.error("dedup: a cycle of parents at %s", parent)
                return current
            seen.add(parent)
            current, parent = parent, (self._nodes.get(parent) or self._settled(parent)).get("parent")
        return current

    def _settled(self, url: str) -> dict[str, Any]:
        """A copy's entry once settled: waited for, or decided here if its process is gone."""
        fields = {"state": 1, "parent": 1, "content_hash": 1, "minhash": 1, "params": 1}
        deadline = time.monotonic() + self.settle_timeout
        node = self.copies.find_one({"_id": url}, fields) or {}
        while node.get("state") == "claiming":
            if time.monotonic() > deadline:
                logger.warning("dedup: %s was left undecided (its crawler stopped while claiming): "
                               "deciding it here", url)
                return self._decide(url, node.get("content_hash"), self.fingerprinter.signature_from_field(node))
            time.sleep(0.02)
            node = self.copies.find_one({"_id": url}, fields) or {}
        return node


META = "healthcrawl_meta"


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
    fpr = resolver.fingerprinter
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
        signature = fpr.signature_from_field(doc.get("dedup"))
        resolver.copies.update_one({"_id": url}, {"$setOnInsert": {
            "o": owner_id(url), "content_hash": doc.get("content_hash"), "minhash": (doc.get("dedup") or {}).get("minhash"),
            "params": fpr.params, "published_at": doc.get("published_at"), "state": "settled",
            "parent": None, "reason": "original", "similarity": None}}, upsert=True)
        keys = resolver._keys(doc.get("content_hash"), signature)
        if keys:
            try:
                resolver.claims.insert_many(resolver.claim_documents(keys, owner_id(url), doc.get("content_hash")),
                                            ordered=False)
            except BulkWriteError:
                pass  # keys another stored article claimed first
    if "dedup_keys" in articles.index_information():
        articles.drop_index("dedup_keys")
    meta.update_one({"_id": "stories"}, {"$set": {"migrated": migrated, "at": datetime.now(timezone.utc)}},
                    upsert=True)
    if migrated or stubs:
        logger.warning("dedup: %d stored article(s) of the earlier format migrated to stories, %d stub(s) "
                       "of never-stored originals deleted", migrated, stubs)
    return migrated
