"""Relevance to the bulletin: is this a health big-data / health-policy article, how strong a
candidate is it, and why.

:class:`Scorer` puts the pieces together: the text in simplified characters
(:mod:`~healthcrawl.text.chinese`), the lexicon rule with its context rules and reasons
(:mod:`~healthcrawl.text.scoring`), the learned layer (:mod:`~healthcrawl.text.model`: character
bigrams, on texts with some health evidence it rescues what the rule rejects or vetoes what it
accepts; no segmentation), the bulletin ``priority``
(:mod:`~healthcrawl.text.priority`) and the keywords (:mod:`~healthcrawl.text.keywords`).
Everything heavy (lexicon, term index, TF-IDF tables, model) is built once per process.

:func:`score_lines` and :func:`rescore` are the CLI's ``healthcrawl score`` / ``rescore``;
:func:`evaluate` (``python -m healthcrawl.text.relevance tests/data/relevance_eval.jsonl``)
reports precision and recall on a labelled set.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from healthcrawl.text import model as learned
from healthcrawl.text.keywords import Keywords, extract_keywords, keywords_of_words, tfidf  # noqa: F401
from healthcrawl.text.lexicon import (CATEGORIES, MARKETS, NEGATIVE, Lexicon, default_lexicon,  # noqa: F401
                                      find_terms, load_lexicon, normalise, sync_userdict)
from healthcrawl.text.priority import priority
from healthcrawl.text.scoring import Thresholds, apply_rule, simplified, split_lead  # noqa: F401


@dataclass
class Result:
    score: float
    relevant: bool
    matched: dict[str, list[str]]
    scores: dict[str, float]
    lexicon_version: str
    keywords: list[str] = field(default_factory=list)
    #: why: the rule's verdict, weak terms left unanchored, exclusions, the model's strongest features
    reasons: dict[str, Any] = field(default_factory=dict)
    #: bulletin rank (higher first): see healthcrawl/text/priority.py
    priority: float = 0.0
    model_version: str | None = None

    def relevance_field(self) -> dict[str, Any]:
        """``Article.relevance``."""
        out = {"score": self.score, "relevant": self.relevant, "matched": self.matched,
               "scores": self.scores, "lexicon_version": self.lexicon_version,
               "reasons": self.reasons, "priority": self.priority}
        if self.model_version:
            out["model_version"] = self.model_version
        return out


class Scorer:
    """``score(title, text)``: see the module docstring. ``model``: a :class:`learned.Model`,
    ``None`` for the shipped one, ``False`` for the lexicon rule alone."""

    def __init__(self, lexicon: Lexicon | None = None, thresholds: Thresholds | None = None,
                 top_keywords: int | None = None, keywords_max_chars: int | None = None,
                 model: "learned.Model | None | bool" = None):
        settings = None
        if thresholds is None or top_keywords is None or keywords_max_chars is None:
            from healthcrawl.project import project_settings  # noqa: PLC0415

            settings = project_settings()
        self.lexicon = lexicon or default_lexicon()
        self.thresholds = thresholds or Thresholds.from_settings(settings)
        self.top_keywords = settings.getint("HEALTHCRAWL_TOP_KEYWORDS") if top_keywords is None else top_keywords
        self.keywords_max_chars = (settings.getint("HEALTHCRAWL_KEYWORDS_MAX_CHARS")
                                   if keywords_max_chars is None else keywords_max_chars)
        self.model = learned.default_model() if model is None else (model or None)
        self.extractor = Keywords(self.top_keywords, self.keywords_max_chars, self.lexicon.stopwords)

    @property
    def version(self) -> str:
        """Lexicon and model versions: what a stored decision depends on."""
        return self.lexicon.version + (f"+{self.model.version}" if self.model else "")

    def score(self, title: str, text: str, *, keywords: bool = False) -> Result:
        title, text = simplified(title, text)
        rule = apply_rule(self.lexicon, self.thresholds, title, text)
        score, relevant, reasons = rule.score, rule.relevant, dict(rule.reasons)
        if self.model and self.model.applies(rule):
            decision = self.model.decide(rule, title, text)
            score, relevant = decision.score, decision.relevant
            reasons["model"] = decision.reasons
        rank, reasons["priority"] = priority(self.lexicon, rule, relevant, score, title, text[:2000])
        return Result(
            score=round(score, 3), relevant=relevant, matched=rule.matched,
            scores={c: round(v, 2) for c, v in rule.totals.items() if c in CATEGORIES or v},
            lexicon_version=self.lexicon.version, reasons=reasons,
            priority=rank,
            model_version=self.model.version if self.model else None,
            keywords=self.extractor.of_simplified(title, text) if keywords else [])

    def keywords(self, title: str, text: str) -> list[str]:
        """``top_keywords`` of an article (:class:`~healthcrawl.text.keywords.Keywords`)."""
        return self.extractor.of(title, text)


def scorer_from_settings(settings: Any) -> Scorer:
    """A Scorer configured by the ``HEALTHCRAWL_RELEVANCE_*`` / ``HEALTHCRAWL_KEYWORDS_*`` settings
    (``HEALTHCRAWL_RELEVANCE_MODEL``: a model file instead of the shipped one, or ``off``)."""
    path = settings.get("HEALTHCRAWL_RELEVANCE_LEXICON")
    model_path = settings.get("HEALTHCRAWL_RELEVANCE_MODEL")
    model = False if str(model_path).lower() == "off" else (learned.load_model(model_path) if model_path else None)
    return Scorer(lexicon=load_lexicon(path) if path else default_lexicon(),
                  thresholds=Thresholds.from_settings(settings),
                  top_keywords=settings.getint("HEALTHCRAWL_TOP_KEYWORDS"),
                  keywords_max_chars=settings.getint("HEALTHCRAWL_KEYWORDS_MAX_CHARS"),
                  model=model)


# --- batch entry points (CLI) --------------------------------------------------------------------
def score_lines(in_stream: IO[str], out_stream: IO[str], scorer: Scorer | None = None) -> int:
    """Read JSON lines ``{"title", "text"}`` (``body`` accepted for ``text``), write each back
    with ``relevant``, ``score``, ``matched``, ``reasons`` and ``priority`` added. Returns the
    number of lines written. Blank lines are skipped; a line that is not a JSON object, or whose
    ``title``/``text``/``body`` is neither a string nor null, raises ValueError naming it."""
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
        for name in ("title", "text", "body"):
            if record.get(name) is not None and not isinstance(record[name], str):
                raise ValueError(f"line {number}: {name!r} must be a string, not {type(record[name]).__name__}")
        text = record.get("text")
        if text is None:
            text = record.get("body") or ""
        result = scorer.score(record.get("title") or "", text)
        record.update(relevant=result.relevant, score=result.score, matched=result.matched,
                      reasons=result.reasons, priority=result.priority)
        out_stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        written += 1
    return written


def rescore(collection, scorer: Scorer | None = None, *, batch_size: int = 500,
            query: dict[str, Any] | None = None) -> dict[str, int]:
    """Re-score stored articles (after a lexicon, threshold or model change) without crawling:
    update ``relevance`` and ``top_keywords`` of every document matching ``query`` (default: all).
    Irrelevant documents are flagged ``relevance.relevant = False``, never deleted. Returns
    counts: scanned, updated, relevant, irrelevant, became_relevant, became_irrelevant."""
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
    return {"lexicon_version": scorer.version,
            **{name: figures(c) for name, c in groups.items()}, "errors": errors}


def figures(c: Counter[str]) -> dict[str, Any]:
    """n, tp, fp, fn, tn, precision and recall of outcome counts."""
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    return {"n": sum(c.values()), **{k: c[k] for k in ("tp", "fp", "fn", "tn")},
            "precision": round(precision, 4), "recall": round(recall, 4)}


if __name__ == "__main__":  # python -m healthcrawl.text.relevance [eval.jsonl]
    import sys

    source = sys.argv[1] if len(sys.argv) > 1 else "tests/data/relevance_eval.jsonl"
    with open(source, encoding="utf-8") as fh:
        report = evaluate(json.loads(line) for line in fh if line.strip())
    print(json.dumps(report, ensure_ascii=False, indent=2))
