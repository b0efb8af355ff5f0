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
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
from pymongo import UpdateOne, WriteConcern
from pymongo.errors import BulkWriteError, DuplicateKeyError

from healthcrawl import settings as defaults
from healthcrawl.text.fingerprint import Fingerprinter

logger = logging.getLogger(__name__)

COPIES = "dedup_copies"
#: content claims ``{_id: content key, o: owner}`` (and, in databases from before 2026-12-02, band
#: claims of the same shape, converted to ``dedup_bands`` by healthcrawl/storage/legacy.py)
CLAIMS = "dedup_claims"
#: band claims: one document per copy without a parent ``{_id: owner, u: url, k: [band keys], x: expiry}``
BANDS = "dedup_bands"
BAND_KEYS_INDEX = "band_keys"
#: what a comparison reads of another copy's fingerprint entry
FINGERPRINT_FIELDS = {"state": 1, "parent": 1, "content_hash": 1, "minhash": 1, "params": 1}
#: rank of a copy without a date: after every dated copy
NO_DATE = "9999"
#: fields of a story document that belong to the story, not to the copy shown as its document
STORY_FIELDS = ("_id", "story", "copies", "first_seen", "last_seen", "bulletin")


@dataclass(frozen=True)
class Copy:
    """A copy being decided: its URL, owner id, content hash, signature and band keys (ascending)."""
    url: str
    owner: int
    content_hash: str | None
    signature: np.ndarray | None
    bands: list[int]


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


class Stories:
    """The story decisions of one database (see the module doc). Blocking: the writer thread's."""

    def __init__(self, db, fingerprinter: Fingerprinter,
                 settle_timeout: float = defaults.HEALTHCRAWL_DEDUP_SETTLE_TIMEOUT,
                 horizon_days: float = defaults.HEALTHCRAWL_DEDUP_HORIZON_DAYS):
        # claims and fingerprints need no journal flush of their own: the article write that
        # follows them is journaled, and a journal flush makes every earlier write durable
        fast = WriteConcern(w=1)
        self.copies = db.get_collection(COPIES, write_concern=fast)
        self.claims = db.get_collection(CLAIMS, write_concern=fast)
        self.bands = db.get_collection(BANDS, write_concern=fast)
        # the unique index is what gives a band key one owner: never decide without it (idempotent)
        self.bands.create_index("k", name=BAND_KEYS_INDEX, unique=True)
        self.fingerprinter = fingerprinter
        self.settle_timeout = settle_timeout
        self.horizon = timedelta(days=horizon_days) if horizon_days > 0 else None
        # copies known settled during the current resolve_many (url -> {"state", "parent"}): a
        # settled copy's parent never changes, so _root needs no read for them (work skipped only)
        self._nodes: dict[str, dict[str, Any]] = {}

    # -- copies ------------------------------------------------------------------------------
    def resolve(self, doc: dict[str, Any]) -> Decision:
        """The decision for one article document (``canonical_url``, ``content_hash``, ``dedup``)."""
        return self.resolve_many([doc])[0]

    def resolve_many(self, docs: list[dict[str, Any]]) -> list[Decision]:
        """The decisions for a batch of article documents, in order. Round trips, whatever the
        batch's size: one to record the new copies' fingerprints (which also finds the copies
        decided before), one for their content claims, one for their band claims, one to settle
        them; more only where a claim meets another copy's (two reads for all such copies of the
        batch together), and a parent-chain read for a parent not known settled."""
        self._nodes = {}
        urls = [d["canonical_url"] for d in docs]
        known = self._record_fingerprints({d["canonical_url"]: d for d in docs})
        fresh = {d["canonical_url"]: d for d in docs if d["canonical_url"] not in known}
        if fresh:
            settled = self._decide_copies({url: self.copy_of(url, d.get("content_hash"), d.get("dedup"))
                                           for url, d in fresh.items()})
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

    def copy_of(self, url: str, content_hash: str | None, dedup: dict[str, Any] | None) -> Copy:
        fpr = self.fingerprinter
        signature = fpr.signature_from_field({"params": fpr.params, "minhash": (dedup or {}).get("minhash")})
        bands = sorted(set(fpr.band_keys(signature))) if signature is not None else []
        return Copy(url, owner_id(url), content_hash, signature, bands)

    def claim_as_root(self, copy: Copy) -> None:
        """Claim a copy's keys as a story of its own (a migrated document): its content key unless
        taken, and its band keys that no other copy holds."""
        if copy.content_hash:
            try:
                self.claims.insert_one({"_id": self.fingerprinter.content_key(copy.content_hash), "o": copy.owner})
            except DuplicateKeyError:
                pass
        keys = list(copy.bands)
        while keys and self._insert_bands([copy], {copy.url: keys}):
            taken = {k for o in self.bands.find({"k": {"$in": keys}, "_id": {"$ne": copy.owner}}, {"k": 1}) for k in o["k"]}
            keys = [k for k in keys if k not in taken]

    def _record_fingerprints(self, docs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Record each copy's fingerprint as ``claiming`` unless it is settled (a settled copy is
        never decided again, even when its text changed — a correction: a second decision of one
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
                clashed = [order[e["index"]] for e in duplicate_errors(exc)]
            found = {c["_id"]: c for c in self.copies.find({"_id": {"$in": clashed}}, fields)}
            known.update({url: c for url, c in found.items() if c.get("state") == "settled"})
            docs = {url: docs[url] for url in clashed if url not in known}
        return known

    def _decide_copies(self, copies: dict[str, Copy]) -> dict[str, dict[str, Any]]:
        """Claim the copies' keys (content keys first, then band keys): what to settle each with."""
        found = self._claim_content(copies)
        found.update(self._claim_bands([c for url, c in copies.items() if url not in found and c.bands]))
        return {url: {"state": "settled", "parent": p, "reason": r, "similarity": s}
                for url, (p, r, s) in ((url, found.get(url, (None, "original", None))) for url in copies)}

    def _decide(self, url: str, node: dict[str, Any]) -> dict[str, Any]:
        """Decide a copy whose crawler stopped while claiming (its fingerprint entry ``node``): the
        same claims, the same outcome (its own claims are its own), settled here."""
        settled = self._decide_copies({url: self.copy_of(url, node.get("content_hash"), node)})[url]
        self.copies.update_one({"_id": url}, {"$set": settled})
        return settled

    def _claim_content(self, copies: dict[str, Copy]) -> dict[str, tuple[str, str, float]]:
        """Each copy claims its content key (one unordered insert for the batch); a key another
        copy owns with the same ``content_hash`` makes that copy its parent (``content``)."""
        mine: dict[int, Copy] = {}
        found: dict[str, tuple[str, str, float]] = {}
        for c in copies.values():
            if c.content_hash:
                first = mine.setdefault(self.fingerprinter.content_key(c.content_hash), c)
                if first is not c:  # the same text twice in the batch: the first one claims for both
                    found[c.url] = (first.url, "content", 1.0)
        if not mine:
            return found
        keys = list(mine)
        try:
            self.claims.insert_many([{"_id": key, "o": mine[key].owner} for key in keys], ordered=False)
            return found
        except BulkWriteError as exc:
            lost = [keys[e["index"]] for e in duplicate_errors(exc)]
        for row in self._content_owners(lost):
            copy = mine[row["k"]]
            their = self._seen(row["f"][0]) if row["f"] else None  # the $lookup matched on o
            if row["o"] != copy.owner and their is not None and their.get("content_hash") == copy.content_hash:
                found[copy.url] = (their["_id"], "content", 1.0)
        return found

    def _content_owners(self, keys: list[int]) -> list[dict[str, Any]]:
        """``{k, o, f: [fingerprint entries of o]}`` for each claimed key, in one round trip.
        (``dedup_claims`` is clustered by key: a ``$in`` on ``_id`` scans the whole collection in
        MongoDB 6.0, a ``$lookup`` by key uses the cluster key.)"""
        return list(self.claims.database.aggregate([
            {"$documents": [{"k": k} for k in keys]},
            {"$lookup": {"from": CLAIMS, "localField": "k", "foreignField": "_id", "as": "c"}},
            {"$unwind": "$c"},
            {"$set": {"o": "$c.o"}},
            {"$lookup": {"from": COPIES, "localField": "o", "foreignField": "o", "as": "f",
                         "pipeline": [{"$project": FINGERPRINT_FIELDS}]}},
            {"$project": {"k": 1, "o": 1, "f": 1}}]))

    def _claim_bands(self, pending: list[Copy]) -> dict[str, tuple[str | None, str, float | None]]:
        """Each copy without a parent claims its band keys with one document (one unordered
        insert for the batch; a unique index on the keys gives every key one owner). A copy whose
        insert fails reads the owners of its keys: the similar one holding its smallest shared key
        is its parent; keys owned by dissimilar copies (LSH collisions) are left out and the rest
        claimed again, until it has a parent or its claim is taken."""
        found: dict[str, tuple[str | None, str, float | None]] = {}
        dissimilar: dict[str, set[int]] = {c.url: set() for c in pending}
        while pending:
            claims = {c.url: [k for k in c.bands if k not in dissimilar[c.url]] for c in pending}
            lost = self._insert_bands([c for c in pending if claims[c.url]], claims)
            if not lost:
                break
            owners = self._band_owners(sorted({k for c in lost for k in claims[c.url]}), [c.owner for c in lost])
            theirs = {f["_id"]: self._seen(f) for o in owners for f in o["f"]}
            pending = []
            for copy in lost:
                parent = self._parent_among(copy, claims[copy.url], owners, theirs, dissimilar[copy.url])
                if parent is not None:
                    found[copy.url] = parent
                else:
                    pending.append(copy)  # every owner met was dissimilar (or its claim expired): again
        return found

    def _insert_bands(self, copies: list[Copy], claims: dict[str, list[int]]) -> list[Copy]:
        """Insert the copies' band documents; returns the copies whose insert met a taken key (a
        copy meeting its own document — decided again after its crawler stopped — has it)."""
        if not copies:
            return []
        expires = datetime.now(timezone.utc) + self.horizon if self.horizon else None
        docs = [{"_id": c.owner, "u": c.url, "k": claims[c.url]} | ({"x": expires} if expires else {})
                for c in copies]
        try:
            self.bands.insert_many(docs, ordered=False)
            return []
        except BulkWriteError as exc:
            # a clash on _id is the copy's own document (decided again after its crawler stopped)
            return [copies[e["index"]] for e in duplicate_errors(exc) if "_id" not in (e.get("keyPattern") or {})]

    def _parent_among(self, copy: Copy, keys: list[int], owners: list[dict], theirs: dict[str, dict],
                      dissimilar: set[int]) -> tuple[str, str, float] | None:
        """The similar owner of the copy's smallest shared key, or None (the keys of dissimilar
        owners are added to ``dissimilar``)."""
        mine = set(keys)
        met = sorted(((min(mine.intersection(o["k"])), o) for o in owners if mine.intersection(o["k"])),
                     key=lambda pair: pair[0])
        for _, owner in met:
            their = theirs.get(owner.get("u"))
            outcome = self._compare(copy, their) if their else None
            if outcome:
                return outcome
            dissimilar.update(mine.intersection(owner["k"]))
        return None

    def _band_owners(self, keys: list[int], mine: list[int]) -> list[dict[str, Any]]:
        """``{u, k, f: [its fingerprint entry]}`` of the other copies holding any of ``keys``, in
        one round trip."""
        return list(self.bands.aggregate([
            {"$match": {"k": {"$in": keys}, "_id": {"$nin": mine}}},
            {"$project": {"u": 1, "k": 1}},
            {"$lookup": {"from": COPIES, "localField": "u", "foreignField": "_id", "as": "f",
                         "pipeline": [{"$project": FINGERPRINT_FIELDS}]}}]))

    def _seen(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A fingerprint entry read while comparing: a settled one's parent is noted for _root."""
        if entry.get("state") == "settled":
            self._nodes[entry["_id"]] = {"state": "settled", "parent": entry.get("parent")}
        return entry

    def _compare(self, copy: Copy, theirs: dict[str, Any]) -> tuple[str, str, float] | None:
        """(the other copy's canonical URL, reason, similarity) if it is similar, else None."""
        if copy.content_hash and theirs.get("content_hash") == copy.content_hash:
            return theirs["_id"], "content", 1.0
        their_sig = self.fingerprinter.signature_from_field(theirs)
        if copy.signature is None or their_sig is None:
            return None
        similarity = self.fingerprinter.similarity(copy.signature, their_sig)
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
        deadline = time.monotonic() + self.settle_timeout
        node = self.copies.find_one({"_id": url}, FINGERPRINT_FIELDS) or {}
        while node.get("state") == "claiming":
            if time.monotonic() > deadline:
                logger.warning("dedup: %s was left undecided (its crawler stopped while claiming): "
                               "deciding it here", url)
                return self._decide(url, node)
            time.sleep(0.02)
            node = self.copies.find_one({"_id": url}, FINGERPRINT_FIELDS) or {}
        return node


def duplicate_errors(exc: BulkWriteError) -> list[dict[str, Any]]:
    """The write errors of a bulk write, all duplicate keys (anything else is raised)."""
    errors = exc.details.get("writeErrors") or []
    if any(e.get("code") != 11000 for e in errors) or exc.details.get("writeConcernErrors"):
        raise exc
    return errors
