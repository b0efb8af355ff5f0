"""Duplicate and reprint detection, pure (no I/O): an article's fingerprint — ``content_hash``
(sha1 of the normalised body), a MinHash ``signature`` over its character shingles, and the LSH
band keys that make two similar articles candidates — and the estimated Jaccard similarity that
makes a candidate a reprint. The stored form is ``Article.dedup`` (:meth:`Fingerprinter.dedup_field`);
:mod:`healthcrawl.storage.stories` decides stories from it. README "Dedup" has the details."""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.util
import re
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from healthcrawl import settings as defaults


def _datasketch_minhash() -> type:
    """datasketch's ``MinHash`` without the rest of its package. datasketch 2's ``__init__`` imports every
    sketch it offers, its LSH classes among them, and those import scipy's ``integrate``: half a second of a
    crawler's start-up on the 2-core machine (README "Dedup at scale", session 13) for code this project never
    runs. The package is stood in for (its folder, no ``__init__``) while ``datasketch.minhash`` loads, then
    taken out of ``sys.modules``, so a later ``import datasketch`` runs the real ``__init__``, which finds the
    same ``datasketch.minhash`` module: one ``MinHash`` class either way."""
    if "datasketch" in sys.modules:  # imported already (the tests compare with it): nothing to save
        return importlib.import_module("datasketch").MinHash
    spec = importlib.util.find_spec("datasketch")
    stand_in = types.ModuleType("datasketch")
    stand_in.__path__ = list(spec.submodule_search_locations or [])
    sys.modules["datasketch"] = stand_in
    try:
        return importlib.import_module("datasketch.minhash").MinHash
    finally:
        if sys.modules.get("datasketch") is stand_in:
            del sys.modules["datasketch"]


MinHash = _datasketch_minhash()

# the defaults are the project's settings (healthcrawl/settings.py), for a Fingerprinter built by hand
DEFAULT_THRESHOLD = defaults.HEALTHCRAWL_DEDUP_THRESHOLD
DEFAULT_NUM_PERM = defaults.HEALTHCRAWL_DEDUP_NUM_PERM
DEFAULT_SHINGLE = defaults.HEALTHCRAWL_DEDUP_SHINGLE
DEFAULT_BANDS = defaults.HEALTHCRAWL_DEDUP_BANDS
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
    def dedup_field(self, fp: Fingerprint) -> dict[str, Any]:
        """``Article.dedup``: the parameters and the MinHash signature (base64 text, not bytes:
        the field must survive JSON feed exports and the spool too); empty for an empty body."""
        if fp.signature is None:
            return {}
        return {"params": self.params,
                "minhash": base64.b64encode(fp.signature.astype("<u4").tobytes()).decode("ascii")}

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


def fingerprinter_from_settings(settings: Any) -> Fingerprinter:
    """The project's fingerprinter (``HEALTHCRAWL_DEDUP_*`` settings)."""
    return Fingerprinter(threshold=settings.getfloat("HEALTHCRAWL_DEDUP_THRESHOLD"),
                         num_perm=settings.getint("HEALTHCRAWL_DEDUP_NUM_PERM"),
                         shingle=settings.getint("HEALTHCRAWL_DEDUP_SHINGLE"),
                         bands=settings.getint("HEALTHCRAWL_DEDUP_BANDS"))
