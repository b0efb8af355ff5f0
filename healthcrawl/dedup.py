"""Duplicate and reprint detection, pure (no I/O): fingerprints, MinHash LSH keys, matching.

An article's **fingerprint** is computed once from its body:

- ``content_hash``: sha1 of the normalised body (only letters/digits/CJK kept, full-width letters
  and digits folded, lower case: whitespace, punctuation and full-/half-width differences do not
  change it);
- ``signature``: a datasketch MinHash (``num_perm`` affine32 permutations, seed 1) over the set of
  character ``shingle``-grams of the normalised body;
- ``bands``: MinHash LSH keys, one signed 64-bit integer per band of ``rows`` signature values
  (hashed together with the parameters, so keys made with other parameters never collide).

Two articles whose bands share a key are *candidates*; a candidate whose estimated Jaccard
similarity (share of equal signature values) is at least ``threshold`` is a **reprint**; the same
``content_hash`` is an exact **content** duplicate.

The stored form (``Article.dedup``, see :meth:`Fingerprinter.dedup_field`) is
``{"params", "keys", "minhash"}``: ``keys`` holds the band keys plus one key for the content hash
and one for the canonical URL, so a single ``$in`` on one multikey index (``dedup.keys``) finds
the same URL, the same text and near-duplicates in one round trip (MongoDB's ``$or`` over three
indexes had a 20x worse tail latency in measurements). ``minhash`` is the signature as
little-endian uint32 bytes, base64-encoded (684 characters; JSON feed exports and the spool take
it as it is).

Shingles are hashed in numpy (a polynomial rolling hash over code points, mixed to 32 bits), so
a 3,000-character body costs well under a millisecond.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from datasketch import MinHash

DEFAULT_THRESHOLD = 0.4
DEFAULT_NUM_PERM = 128
DEFAULT_SHINGLE = 5
DEFAULT_BANDS = 42
SEED = 1

_NOT_WORD = re.compile(r"[\W_]+")
_P = np.uint64(1000003)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


#: full-width letters and digits (ＡＩ, ５Ｇ) → ASCII; full-width punctuation goes with the rest
_FULLWIDTH_CODES = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
_FULLWIDTH = {code: code - 0xFEE0 for code in _FULLWIDTH_CODES}
_HAS_FULLWIDTH = re.compile("[" + "".join(map(chr, _FULLWIDTH_CODES)) + "]")


def normalise(text: str | None) -> str:
    """Letters/digits/CJK only (whitespace and punctuation removed), full-width letters and
    digits folded to ASCII, lower case. (The cheap subset of NFKC that matters for news text.)"""
    if not text:
        return ""
    if _HAS_FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH)
    return _NOT_WORD.sub("", text).lower()


def content_hash(body: str | None) -> str | None:
    """sha1 hex of the normalised body; None when nothing is left."""
    norm = normalise(body)
    return hashlib.sha1(norm.encode("utf-8")).hexdigest() if norm else None


def shingle_hashes(norm: str, k: int) -> np.ndarray:
    """Distinct 32-bit hashes of the character k-grams of a normalised text (uint32, sorted)."""
    if not norm:
        return np.empty(0, dtype=np.uint32)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    k = min(k, len(cps))
    n = len(cps) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * _P + cps[j:j + n]
    # splitmix64 finaliser, keep the high 32 bits
    h ^= h >> np.uint64(30)
    h *= _M1
    h ^= h >> np.uint64(27)
    h *= _M2
    h ^= h >> np.uint64(31)
    return np.unique((h >> np.uint64(32)).astype(np.uint32))


def jaccard(a: str, b: str, k: int = DEFAULT_SHINGLE) -> float:
    """Exact Jaccard similarity of two bodies' k-shingle sets (for analysis and tests)."""
    sa, sb = shingle_hashes(normalise(a), k), shingle_hashes(normalise(b), k)
    if not len(sa) and not len(sb):
        return 1.0
    inter = len(np.intersect1d(sa, sb, assume_unique=True))
    return inter / (len(sa) + len(sb) - inter)


@dataclass
class Fingerprint:
    content_hash: str | None
    #: MinHash values (uint32, num_perm of them); None for an empty body
    signature: np.ndarray | None
    bands: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Match:
    canonical_url: str
    reason: str  # "content" | "reprint"
    similarity: float

    def as_duplicate_of(self) -> dict[str, Any]:
        return {"canonical_url": self.canonical_url, "reason": self.reason,
                "similarity": round(self.similarity, 4)}


class Fingerprinter:
    """Fingerprints and similarity under one set of parameters (built once per process/crawl)."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = DEFAULT_NUM_PERM,
                 shingle: int = DEFAULT_SHINGLE, bands: int = DEFAULT_BANDS):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"dedup threshold must be in (0, 1], got {threshold}")
        if shingle < 1 or num_perm < 1 or not 1 <= bands <= num_perm:
            raise ValueError(f"bad dedup parameters: shingle={shingle} num_perm={num_perm} bands={bands}")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle = shingle
        self.bands = bands
        self.rows = num_perm // bands
        self._template = MinHash(num_perm=num_perm, seed=SEED)
        self.params = f"k{shingle}-p{num_perm}-b{bands}x{self.rows}-s{SEED}-{self._template.scheme}"
        self._band_salt = [f"{self.params}/{i}/".encode() for i in range(bands)]

    # -- fingerprints ------------------------------------------------------------------------
    def signature(self, norm: str) -> np.ndarray | None:
        hashes = shingle_hashes(norm, self.shingle)
        if not len(hashes):
            return None
        m = MinHash(num_perm=self.num_perm, seed=SEED, hashfunc=int,
                    permutations=self._template.permutations, scheme=self._template.scheme)
        m.update_batch(hashes.tolist())
        return np.asarray(m.hashvalues, dtype=np.uint32)

    @staticmethod
    def _key(data: bytes) -> int:
        return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)

    @classmethod
    def content_key(cls, content_hash: str) -> int:
        """The lookup key of a content hash (independent of the LSH parameters)."""
        return cls._key(b"content/" + content_hash.encode())

    @classmethod
    def url_key(cls, canonical_url: str) -> int:
        """The lookup key of a canonical URL (independent of the LSH parameters)."""
        return cls._key(b"url/" + canonical_url.encode())

    def lookup_keys(self, fp: "Fingerprint", canonical_url: str = "") -> list[int]:
        """Band keys + content key + URL key: what ``dedup.keys`` holds and lookups ask for."""
        keys = list(fp.bands)
        if fp.content_hash:
            keys.append(self.content_key(fp.content_hash))
        if canonical_url:
            keys.append(self.url_key(canonical_url))
        return keys

    def band_keys(self, signature: np.ndarray) -> list[int]:
        r = self.rows
        keys = []
        for i, salt in enumerate(self._band_salt):
            digest = hashlib.blake2b(salt + signature[i * r:(i + 1) * r].tobytes(), digest_size=8).digest()
            keys.append(int.from_bytes(digest, "little", signed=True))
        return keys

    def fingerprint(self, body: str | None) -> Fingerprint:
        norm = normalise(body)
        if not norm:
            return Fingerprint(None, None, [])
        signature = self.signature(norm)
        return Fingerprint(hashlib.sha1(norm.encode("utf-8")).hexdigest(), signature,
                           self.band_keys(signature) if signature is not None else [])

    # -- similarity --------------------------------------------------------------------------
    @staticmethod
    def similarity(a: np.ndarray, b: np.ndarray) -> float:
        """Estimated Jaccard similarity: the share of equal MinHash values."""
        return float(np.count_nonzero(a == b)) / len(a)

    def is_reprint(self, similarity: float) -> bool:
        return similarity >= self.threshold

    # -- storage form ------------------------------------------------------------------------
    def dedup_field(self, fp: Fingerprint, canonical_url: str = "") -> dict[str, Any]:
        """``Article.dedup``: what a later run needs to find this article as an original."""
        field: dict[str, Any] = {"params": self.params, "keys": self.lookup_keys(fp, canonical_url)}
        if fp.signature is not None:
            # base64 text, not bytes: the field must survive JSON feed exports and the spool too
            field["minhash"] = base64.b64encode(fp.signature.astype("<u4").tobytes()).decode("ascii")
        return field if field["keys"] else {}

    def signature_from_field(self, dedup: dict[str, Any] | None) -> np.ndarray | None:
        """The stored signature, or None when absent or made with other parameters."""
        if not dedup or dedup.get("params") != self.params or not dedup.get("minhash"):
            return None
        raw = dedup["minhash"]
        try:
            data = base64.b64decode(raw, validate=True) if isinstance(raw, str) else bytes(raw)
        except ValueError:
            return None
        sig = np.frombuffer(data, dtype="<u4")
        return sig if len(sig) == self.num_perm else None

    # -- matching ----------------------------------------------------------------------------
    def best_match(self, fp: Fingerprint, candidates: Iterable[tuple[str, str | None, np.ndarray | None]],
                   exclude_url: str = "") -> Match | None:
        """The best original among ``(canonical_url, content_hash, signature)`` candidates:
        an equal content hash first, else the most similar signature at or above the threshold."""
        best: Match | None = None
        for url, chash, signature in candidates:
            if not url or url == exclude_url:
                continue
            if fp.content_hash and chash == fp.content_hash:
                return Match(url, "content", 1.0)
            if fp.signature is None or signature is None:
                continue
            sim = self.similarity(fp.signature, signature)
            if self.is_reprint(sim) and (best is None or sim > best.similarity):
                best = Match(url, "reprint", sim)
        return best


class RunIndex:
    """This run's originals in memory (writes to MongoDB are batched, so a reprint may arrive
    before its original is stored). Holds only what matching needs: hash, signature, bands."""

    def __init__(self, fingerprinter: Fingerprinter):
        self.fingerprinter = fingerprinter
        self.urls: dict[str, tuple[str | None, np.ndarray | None]] = {}
        self.by_hash: dict[str, str] = {}
        self.by_band: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return len(self.urls)

    def __contains__(self, canonical_url: str) -> bool:
        return canonical_url in self.urls

    def add(self, canonical_url: str, fp: Fingerprint) -> None:
        if canonical_url in self.urls:
            return
        self.urls[canonical_url] = (fp.content_hash, fp.signature)
        if fp.content_hash:
            self.by_hash.setdefault(fp.content_hash, canonical_url)
        for key in fp.bands:
            self.by_band.setdefault(key, []).append(canonical_url)

    def candidates(self, fp: Fingerprint) -> list[str]:
        seen: dict[str, None] = {}
        if fp.content_hash and fp.content_hash in self.by_hash:
            seen[self.by_hash[fp.content_hash]] = None
        for key in fp.bands:
            for url in self.by_band.get(key, ()):
                seen[url] = None
        return list(seen)

    def find(self, fp: Fingerprint, exclude_url: str = "") -> Match | None:
        urls = self.candidates(fp)
        return self.fingerprinter.best_match(
            fp, ((u, *self.urls[u]) for u in urls), exclude_url=exclude_url)


_SHARED_INDEXES: dict[tuple[str, str], RunIndex] = {}


def shared_run_index(fingerprinter: Fingerprinter, database: str) -> RunIndex:
    """One RunIndex per process and database: the crawlers of one process (``healthcrawl
    crawl``/``demo`` run all four sites at once) see each other's originals before the batched
    writes reach MongoDB, so a reprint on one site finds its original from another."""
    key = (database, fingerprinter.params)
    if key not in _SHARED_INDEXES:
        _SHARED_INDEXES[key] = RunIndex(fingerprinter)
    return _SHARED_INDEXES[key]


class KeySet:
    """The lookup keys (``dedup.keys``) of stored articles, held to answer one question without a
    database round trip: can MongoDB hold a candidate for this item at all? No false negatives:
    when none of an item's keys (bands, content, URL) is here, no stored article shares a band
    with it, has its text or its URL, and the lookup is skipped.

    A sorted ``int64`` array (8 bytes a key: 44 keys an article, ≈ 35 MB per 100,000 articles)
    plus a set of recent additions, merged into the array when it grows. Thread-safe.
    """

    MERGE_AT = 50_000

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.int64)
        self._recent: set[int] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._sorted) + len(self._recent)

    def add_array(self, keys: np.ndarray) -> None:
        """Add keys (an int64 array): a large batch (the initial scan) is merged into the sorted
        array at once, a small one (a refresh) goes to the recent set, merged when that grows —
        so a refresh never re-sorts millions of keys."""
        if not len(keys):
            return
        with self._lock:
            if len(keys) >= self.MERGE_AT:
                self._sorted = np.union1d(self._sorted, keys)
                return
            self._recent.update(keys.tolist())
            if len(self._recent) >= self.MERGE_AT:
                self._merge()

    def _merge(self) -> None:
        fresh = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
        self._sorted = np.union1d(self._sorted, fresh)
        self._recent.clear()

    def contains_any(self, keys: list[int]) -> bool:
        with self._lock:
            if any(k in self._recent for k in keys):
                return True
            stored = self._sorted
        if not len(stored) or not keys:
            return False
        wanted = np.asarray(keys, dtype=np.int64)
        at = np.minimum(np.searchsorted(stored, wanted), len(stored) - 1)
        return bool(np.any(stored[at] == wanted))


def better(a: Match | None, b: Match | None) -> Match | None:
    """The stronger of two matches: content beats reprint, then higher similarity."""
    if a is None or b is None:
        return a or b
    rank = {"content": 1, "reprint": 0}
    return max((a, b), key=lambda m: (rank.get(m.reason, 0), m.similarity))
