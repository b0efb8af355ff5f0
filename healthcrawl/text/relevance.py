"""Relevance to the bulletin: is this a health big-data / health-policy article?

**Rule**: relevant = *health* AND (*digital* OR *policy*) AND NOT *markets* (stock-market and
company-results news about health companies). Each category has a score, the sum
over its matched lexicon terms of ``weight × (1 + log2(x))`` where ``x`` counts the term's
occurrences weighted by where they are (title ×3, lead ×2, rest of the body ×1; lexicon
``zones``). A category *holds* when its score reaches its threshold **and** at least
``min_terms`` distinct terms of weight ≥ 2 matched (one word used in passing — "AI in education,
finance, healthcare …" — is not enough). ``score`` = min(health ratio, max(digital ratio, policy
ratio)) where a ratio is score / threshold, capped just under 1 when the category lacks distinct
terms or the markets score excludes the item, so ``score >= 1`` exactly when it is relevant.

**Matching** is a leftmost-longest scan of the text (full-width letters/digits folded, lower
case) against the lexicon (no segmentation: fast, and immune to segmentation quirks); weight-0
*blocker* terms consume text so a shorter term inside them does not count (公共卫生间 is not
公共卫生, 健康发展 is not 健康). ASCII terms (AI, 5G, DRG) only match between non-letters.

The **lead** is the first paragraph, extended over short dateline/author paragraphs until it has
40 characters, and cut at a sentence end after 60 characters when longer than 200 (wire-style
single-paragraph texts).

**Keywords** (``top_keywords``): jieba.analyse TF-IDF (``TFIDF`` bound to the project
tokenizer, :mod:`healthcrawl.text.segment`) over the title and the first ``keywords_max_chars``
characters of the body; segmentation is the expensive part of scoring, hence the bound.

Everything heavy (lexicon, term index, TF-IDF tables) is built once per process.
:func:`score_lines` and :func:`rescore` are the CLI's ``healthcrawl score`` / ``rescore``;
:func:`evaluate` (``python -m healthcrawl.text.relevance tests/data/relevance_eval.jsonl``) reports
precision and recall on a labelled set; :func:`sync_userdict` keeps the jieba user dictionary in
step with the lexicon.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any

CATEGORIES = ("health", "digital", "policy")
#: the exclusion category: stock-market and company-results news about health companies
MARKETS = "markets"
DEFAULT_MIN_HEALTH = 6.0
DEFAULT_MIN_DIGITAL = 6.0
DEFAULT_MIN_POLICY = 6.0
DEFAULT_MAX_MARKETS = 9.0
#: distinct evidence terms (weight >= 2) a category needs, whatever its score
DEFAULT_MIN_TERMS = {"health": 2, "digital": 1, "policy": 2, "markets": 2}
DEFAULT_TOP_KEYWORDS = 10
DEFAULT_KEYWORDS_MAX_CHARS = 800
#: a matched term needs at least this lexicon weight to count as a distinct piece of evidence
EVIDENCE_WEIGHT = 2.0

_ASCII_WORD = re.compile(r"[a-z0-9]")
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_KEYWORD_OK = re.compile(r"[\u4e00-\u9fffA-Za-z]")


# --- lexicon -------------------------------------------------------------------------------------
@dataclass
class Lexicon:
    version: str
    zones: dict[str, float]
    #: category -> term -> weight
    categories: dict[str, dict[str, float]]
    stopwords: frozenset[str] = frozenset()
    #: normalised term -> [(category, weight, display form)]
    index: dict[str, list[tuple[str, float, str]]] = field(default_factory=dict)
    #: first two characters -> candidate lengths, longest first (every term has >= 2 characters)
    lengths: dict[str, list[int]] = field(default_factory=dict)
    #: matches any character a term can start with (lets the scan skip the rest in C)
    starts: re.Pattern[str] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Lexicon":
        categories: dict[str, dict[str, float]] = {}
        for name, by_weight in data["categories"].items():
            terms: dict[str, float] = {}
            for weight, words in by_weight.items():
                for word in words:
                    if word in terms:
                        raise ValueError(f"lexicon: {word!r} listed twice in {name}")
                    terms[word] = float(weight)
            categories[name] = terms
        missing = set(CATEGORIES + (MARKETS,)) - set(categories)
        if missing:
            raise ValueError(f"lexicon: missing categories {sorted(missing)}")
        lex = cls(version=str(data["version"]), zones={k: float(v) for k, v in data["zones"].items()},
                  categories=categories, stopwords=frozenset(data.get("stopwords", ())))
        lex._build_index()
        return lex

    def _build_index(self) -> None:
        index: dict[str, list[tuple[str, float, str]]] = {}
        for category, terms in self.categories.items():
            for term, weight in terms.items():
                index.setdefault(normalise(term), []).append((category, weight, term))
        lengths: dict[str, set[int]] = {}
        for key in index:
            if len(key) < 2:
                raise ValueError(f"lexicon: terms need at least two characters, got {key!r}")
            lengths.setdefault(key[:2], set()).add(len(key))
        self.index = index
        self.lengths = {pair: sorted(ls, reverse=True) for pair, ls in lengths.items()}
        firsts = sorted({pair[0] for pair in lengths})
        self.starts = re.compile("[" + "".join(re.escape(ch) for ch in firsts) + "]")

    def terms(self) -> set[str]:
        return {t for terms in self.categories.values() for t in terms}


#: full-width letters, digits and plus (ＡＩ, ５Ｇ, 互联网＋) → ASCII: the only folding matching needs
_FULLWIDTH_CODES = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF0B]
_FULLWIDTH = {code: code - 0xFEE0 for code in _FULLWIDTH_CODES}
_HAS_FULLWIDTH = re.compile("[" + "".join(map(chr, _FULLWIDTH_CODES)) + "]")


def normalise(text: str) -> str:
    """Full-width letters/digits folded, lower case (cheaper than NFKC, enough for the lexicon)."""
    text = text or ""
    if _HAS_FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH)
    return text.lower()


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """The shipped lexicon (package data ``healthcrawl/data/lexicon.json``) or one from ``path``."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("healthcrawl.data").joinpath("lexicon.json").read_text(encoding="utf-8")
    return Lexicon.from_dict(json.loads(text))


# --- matching ------------------------------------------------------------------------------------
def find_terms(lexicon: Lexicon, text: str) -> list[str]:
    """Leftmost-longest lexicon matches (normalised keys, blockers included) in order."""
    norm = normalise(text)
    index, search = lexicon.index, lexicon.starts.search
    lengths = lexicon.lengths.get
    found: list[str] = []
    pos = 0
    while True:
        start = search(norm, pos)
        if start is None:
            return found
        i = start.start()
        pos = i + 1
        for size in lengths(norm[i:i + 2], ()):
            key = norm[i:i + size]
            if key in index:
                if _ASCII_WORD.match(key) and not _ascii_bounded(norm, i, i + size):
                    continue
                found.append(key)
                pos = i + size
                break


def _ascii_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())


def split_lead(text: str) -> tuple[str, str]:
    """(lead, rest) of a body: see the module docstring."""
    paragraphs = [p for p in (text or "").split("\n") if p.strip()]
    lead_parts: list[str] = []
    length = 0
    while paragraphs and length < 40:
        para = paragraphs.pop(0)
        lead_parts.append(para)
        length += len(para)
    lead = "\n".join(lead_parts)
    rest = "\n".join(paragraphs)
    if len(lead) > 200:
        end = _SENTENCE_END.search(lead, 60)
        cut = end.end() if end and end.end() <= 200 else 200
        lead, rest = lead[:cut], lead[cut:] + ("\n" + rest if rest else "")
    return lead, rest


# --- scoring -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Thresholds:
    health: float = DEFAULT_MIN_HEALTH
    digital: float = DEFAULT_MIN_DIGITAL
    policy: float = DEFAULT_MIN_POLICY
    #: a markets score at or above this (with min_terms["markets"] distinct terms) excludes
    markets: float = DEFAULT_MAX_MARKETS
    min_terms: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MIN_TERMS))

    def of(self, category: str) -> float:
        return getattr(self, category)

    def terms(self, category: str) -> int:
        return int(self.min_terms.get(category, 1))


@dataclass
class Result:
    score: float
    relevant: bool
    matched: dict[str, list[str]]
    scores: dict[str, float]
    lexicon_version: str
    keywords: list[str] = field(default_factory=list)

    def relevance_field(self) -> dict[str, Any]:
        """``Article.relevance``."""
        return {"score": self.score, "relevant": self.relevant, "matched": self.matched,
                "scores": self.scores, "lexicon_version": self.lexicon_version}


class Scorer:
    def __init__(self, lexicon: Lexicon | None = None, thresholds: Thresholds | None = None,
                 top_keywords: int = DEFAULT_TOP_KEYWORDS,
                 keywords_max_chars: int = DEFAULT_KEYWORDS_MAX_CHARS):
        self.lexicon = lexicon or default_lexicon()
        self.thresholds = thresholds or Thresholds()
        self.top_keywords = top_keywords
        self.keywords_max_chars = keywords_max_chars

    def score(self, title: str, text: str, *, keywords: bool = False) -> Result:
        lex = self.lexicon
        lead, rest = split_lead(text)
        weighted: Counter[str] = Counter()
        for zone, part in (("title", title), ("lead", lead), ("body", rest)):
            factor = lex.zones.get(zone, 1.0)
            for key in find_terms(lex, part):
                weighted[key] += factor
        scored = CATEGORIES + (MARKETS,)
        totals = {c: 0.0 for c in scored}
        contributions: dict[str, list[tuple[float, str]]] = {c: [] for c in scored}
        evidence = {c: 0 for c in scored}
        for key, x in weighted.items():
            for category, weight, term in lex.index[key]:
                if category not in totals or weight <= 0:
                    continue
                value = weight * (1.0 + math.log2(x)) if x >= 1 else weight * x
                totals[category] += value
                contributions[category].append((value, term))
                if weight >= EVIDENCE_WEIGHT:
                    evidence[category] += 1
        ratios = {}
        for c in CATEGORIES:
            ratio = totals[c] / self.thresholds.of(c)
            if evidence[c] < self.thresholds.terms(c):
                ratio = min(ratio, 0.999)
            ratios[c] = ratio
        score = min(ratios["health"], max(ratios["digital"], ratios["policy"]))
        excluded = (totals[MARKETS] >= self.thresholds.markets
                    and evidence[MARKETS] >= self.thresholds.terms(MARKETS))
        if excluded:
            score = min(score, 0.999)
        matched = {c: [t for _, t in sorted(contributions[c], key=lambda vt: (-vt[0], vt[1]))]
                   for c in scored if c in CATEGORIES or contributions[c]}
        return Result(
            score=round(score, 3),
            relevant=score >= 1.0,
            matched=matched,
            scores={c: round(v, 2) for c, v in totals.items() if c in CATEGORIES or v},
            lexicon_version=lex.version,
            keywords=self.keywords(title, text) if keywords else [],
        )

    def keywords(self, title: str, text: str) -> list[str]:
        if self.top_keywords <= 0:
            return []
        return extract_keywords(f"{title or ''}\n{(text or '')[: self.keywords_max_chars]}",
                                self.top_keywords, self.lexicon.stopwords)


# --- keywords ------------------------------------------------------------------------------------
_lock = threading.Lock()
_tfidf = None
_lexicon: Lexicon | None = None


#: jieba.analyse's KeywordExtractor.STOP_WORDS (its TF-IDF default)
JIEBA_STOP_WORDS = frozenset((
    "the", "of", "is", "and", "to", "in", "that", "we", "for", "an", "are",
    "by", "be", "as", "on", "with", "can", "if", "from", "which", "you", "it",
    "this", "then", "at", "have", "all", "not", "one", "has", "or", "that",
))


class KeywordExtractor:
    """jieba.analyse's TF-IDF keyword extraction (``TFIDF.extract_tags``: the same keywords, in
    the same order) over the project tokenizer, without importing ``jieba.analyse``: that module
    imports ``jieba.posseg`` (~50 MB of part-of-speech tables keywords never use). Segmentation
    goes through :func:`healthcrawl.text.segment.words`, whose block cache the mongo writer's search
    tokens reuse; the IDF table (jieba's ``analyse/idf.txt``) shares its word strings with the
    tokenizer's dictionary."""

    def __init__(self) -> None:
        from pathlib import Path as _Path  # noqa: PLC0415

        import jieba  # noqa: PLC0415

        from healthcrawl.text import segment  # noqa: PLC0415

        self.tokenizer = segment.tokenizer()
        self.stop_words = set(JIEBA_STOP_WORDS)
        # keyed by the tokenizer's own word strings (assigning to an existing key keeps its key
        # object), read line by line: a second copy of 270,000 words would cost ~40 MB of peak
        shared: dict[str, float | None] = dict.fromkeys(self.tokenizer.FREQ)
        extra: dict[str, float] = {}
        values: dict[float, float] = {}
        with open(_Path(jieba.__file__).parent / "analyse" / "idf.txt", encoding="utf-8") as fh:
            for line in fh:
                word, freq = line.strip().split(" ")
                value = values.setdefault(float(freq), float(freq))
                if word in shared:
                    shared[word] = value
                else:
                    extra[word] = value
        idf = {word: value for word, value in shared.items() if value is not None}
        del shared
        idf.update(extra)
        ordered = sorted(idf.values())
        self.median_idf = ordered[len(ordered) // 2]
        self.idf_freq = idf

    def extract_tags(self, sentence: str, topK: int | None = 20) -> list[str]:  # noqa: N803 - jieba's name
        from healthcrawl.text.segment import words  # noqa: PLC0415

        freq: dict[str, float] = {}
        for w in words(sentence):
            if len(w.strip()) < 2 or w.lower() in self.stop_words:
                continue
            freq[w] = freq.get(w, 0.0) + 1.0
        total = sum(freq.values())
        for k in freq:
            freq[k] *= self.idf_freq.get(k, self.median_idf) / total
        tags = sorted(freq, key=freq.__getitem__, reverse=True)
        return tags[:topK] if topK else tags


def tfidf() -> KeywordExtractor:
    """The process-wide keyword extractor bound to the project tokenizer (built once)."""
    global _tfidf
    if _tfidf is None:
        with _lock:
            if _tfidf is None:
                _tfidf = KeywordExtractor()
    return _tfidf


def extract_keywords(text: str, top: int, stopwords: Iterable[str] = ()) -> list[str]:
    extra = frozenset(stopwords)
    extractor = tfidf()
    candidates = extractor.extract_tags(text, topK=top * 3)
    out = [w for w in candidates
           if w not in extra and _KEYWORD_OK.search(w) and not w.isdigit()]
    return out[:top]


def default_lexicon() -> Lexicon:
    global _lexicon
    if _lexicon is None:
        with _lock:
            if _lexicon is None:
                _lexicon = load_lexicon()
    return _lexicon


def scorer_from_settings(settings: Any) -> Scorer:
    """A Scorer configured by the ``HEALTHCRAWL_RELEVANCE_*`` / ``HEALTHCRAWL_KEYWORDS_*`` settings."""
    path = settings.get("HEALTHCRAWL_RELEVANCE_LEXICON")
    return Scorer(
        lexicon=load_lexicon(path) if path else default_lexicon(),
        thresholds=Thresholds(
            health=settings.getfloat("HEALTHCRAWL_RELEVANCE_MIN_HEALTH", DEFAULT_MIN_HEALTH),
            digital=settings.getfloat("HEALTHCRAWL_RELEVANCE_MIN_DIGITAL", DEFAULT_MIN_DIGITAL),
            policy=settings.getfloat("HEALTHCRAWL_RELEVANCE_MIN_POLICY", DEFAULT_MIN_POLICY),
            markets=settings.getfloat("HEALTHCRAWL_RELEVANCE_MAX_MARKETS", DEFAULT_MAX_MARKETS),
            min_terms={**DEFAULT_MIN_TERMS, **settings.getdict("HEALTHCRAWL_RELEVANCE_MIN_TERMS", {})},
        ),
        top_keywords=settings.getint("HEALTHCRAWL_TOP_KEYWORDS", DEFAULT_TOP_KEYWORDS),
        keywords_max_chars=settings.getint("HEALTHCRAWL_KEYWORDS_MAX_CHARS", DEFAULT_KEYWORDS_MAX_CHARS),
    )


# --- batch entry points (CLI) --------------------------------------------------------------------
def score_lines(in_stream: IO[str], out_stream: IO[str], scorer: Scorer | None = None) -> int:
    """Read JSON lines ``{"title", "text"}`` (``body`` accepted for ``text``), write each back
    with ``relevant``, ``score`` and ``matched`` added. Returns the number of lines written.
    Blank lines are skipped; a line that is not a JSON object, or whose ``title``/``text``/``body``
    is neither a string nor null, raises ValueError naming it."""
    scorer = scorer or Scorer()
    written = 0
    for number, line in enumerate(in_stream, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"line {number}: not JSON ({exc})") from None
        if not isinstance(record, dict):
            raise ValueError(f"line {number}: expected a JSON object")
        for field in ("title", "text", "body"):
            if record.get(field) is not None and not isinstance(record[field], str):
                raise ValueError(f"line {number}: {field!r} must be a string, not {type(record[field]).__name__}")
        text = record.get("text")
        if text is None:
            text = record.get("body") or ""
        result = scorer.score(record.get("title") or "", text)
        record.update(relevant=result.relevant, score=result.score, matched=result.matched)
        out_stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        written += 1
    return written


def rescore(collection, scorer: Scorer | None = None, *, batch_size: int = 500,
            query: dict[str, Any] | None = None) -> dict[str, int]:
    """Re-score stored articles (after a lexicon or threshold change): update ``relevance`` and
    ``top_keywords`` of every document matching ``query`` (default: all). Irrelevant documents
    are flagged ``relevance.relevant = False``, never deleted. Returns counts: scanned, updated,
    relevant, irrelevant, became_relevant, became_irrelevant."""
    from pymongo import UpdateOne  # noqa: PLC0415

    scorer = scorer or Scorer()
    counts = dict(scanned=0, updated=0, relevant=0, irrelevant=0, became_relevant=0, became_irrelevant=0)
    ops: list[UpdateOne] = []

    def flush() -> None:
        if ops:
            counts["updated"] += collection.bulk_write(ops, ordered=False).modified_count
            ops.clear()

    cursor = collection.find(query or {}, {"_id": 1, "title": 1, "body": 1, "relevance": 1, "top_keywords": 1},
                             batch_size=batch_size)
    for doc in cursor:
        counts["scanned"] += 1
        result = scorer.score(doc.get("title") or "", doc.get("body") or "", keywords=True)
        before = (doc.get("relevance") or {}).get("relevant")
        counts["relevant" if result.relevant else "irrelevant"] += 1
        if before is not None and bool(before) != result.relevant:
            counts["became_relevant" if result.relevant else "became_irrelevant"] += 1
        fields = {"relevance": result.relevance_field(), "top_keywords": result.keywords}
        if doc.get("relevance") != fields["relevance"] or doc.get("top_keywords") != fields["top_keywords"]:
            ops.append(UpdateOne({"_id": doc["_id"]}, {"$set": fields}))
        if len(ops) >= batch_size:
            flush()
    flush()
    return counts


# --- maintenance ---------------------------------------------------------------------------------
_CJK_TERM = re.compile(r"[\u4e00-\u9fff]{2,}")


def sync_userdict(path: str | Path | None = None, lexicon: Lexicon | None = None) -> list[str]:
    """Append every pure-CJK lexicon term missing from the jieba user dictionary (default: the
    package's ``healthcrawl/data/userdict.txt`` in a source checkout); returns the added terms.
    Run after editing the lexicon: ``python -c "from healthcrawl.text.relevance import sync_userdict;
    print(sync_userdict())"``."""
    lexicon = lexicon or load_lexicon()
    target = Path(path) if path else Path(str(resources.files("healthcrawl.data").joinpath("userdict.txt")))
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    present = {line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")}
    added = sorted(t for t in lexicon.terms() if _CJK_TERM.fullmatch(t) and t not in present)
    if added:
        with target.open("a", encoding="utf-8") as fh:
            fh.write(("\n" if text and not text.endswith("\n") else "") + "".join(f"{t}\n" for t in added))
    return added


# --- evaluation ----------------------------------------------------------------------------------
def evaluate(rows: Iterable[dict[str, Any]], scorer: Scorer | None = None) -> dict[str, Any]:
    """Precision/recall of ``scorer`` on labelled rows ``{"title", "text", "relevant", ...}``,
    overall and per ``split`` (rows without one count as ``dev``); lists the misclassified."""
    scorer = scorer or Scorer()
    groups: dict[str, Counter[str]] = {}
    errors: list[dict[str, Any]] = []
    for row in rows:
        got = scorer.score(row.get("title") or "", row.get("text") or "").relevant
        want = bool(row["relevant"])
        outcome = ("tp" if want else "fp") if got else ("fn" if want else "tn")
        for name in ("all", row.get("split") or "dev"):
            groups.setdefault(name, Counter())[outcome] += 1
        if got != want:
            errors.append({"outcome": outcome, "kind": row.get("kind"), "title": row.get("title")})

    def figures(c: Counter[str]) -> dict[str, Any]:
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        return {"n": sum(c.values()), **{k: c[k] for k in ("tp", "fp", "fn", "tn")},
                "precision": round(precision, 4), "recall": round(recall, 4)}

    return {"lexicon_version": scorer.lexicon.version,
            **{name: figures(c) for name, c in groups.items()}, "errors": errors}


if __name__ == "__main__":  # python -m healthcrawl.text.relevance [eval.jsonl]
    import sys

    source = sys.argv[1] if len(sys.argv) > 1 else "tests/data/relevance_eval.jsonl"
    with open(source, encoding="utf-8") as fh:
        report = evaluate(json.loads(line) for line in fh if line.strip())
    print(json.dumps(report, ensure_ascii=False, indent=2))
