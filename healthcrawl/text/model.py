"""The learned layer of relevance: a linear model (logistic regression, trained by
``healthcrawl train`` with scikit-learn, :mod:`healthcrawl.text.training`) over the lexicon
rule's figures and the jieba tokens the keywords are computed from — no second segmentation pass.

It speaks only where the lexicon finds some health evidence (``gate``: health ratio ≥
``gate_health``), so it cannot add false positives among ordinary news without health words, and
it overrides the rule's verdict only when confident (probability ``margin`` beyond the
threshold). Its decision carries its reasons: the probability, whether it overrode the rule and
the features that weighed most (``+policy 1.2``, ``-宠物 0.9``).

The model is package data, ``healthcrawl/data/relevance_model.json`` (JSON, no pickle: weights
by feature name, intercept, threshold, version, training-set hash, the figures it shipped with),
applied here without scikit-learn and loaded once per process.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

MODEL_FILE = "relevance_model.json"
#: the model decides only where the health ratio reaches this (some health evidence)
GATE_HEALTH = 0.5
#: the model overrides the rule only when its probability is this far beyond the threshold
MARGIN = 0.15
#: lexicon figures fed to the model are capped (full articles score far above short excerpts)
CAP = 3.0
_TOKEN = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def rule_features(rule: Any) -> dict[str, float]:
    """The lexicon rule's figures as features (``lex:…``)."""
    feats = {f"lex:{c}": min(rule.ratios[c], CAP) for c in ("health", "digital", "policy")}
    feats["lex:rule"] = 1.0 if rule.relevant else 0.0
    feats["lex:markets"] = min(rule.totals.get("markets", 0.0) / 9.0, CAP)
    feats["lex:negative"] = min(rule.totals.get("negative", 0.0) / 6.0, CAP)
    feats["lex:unanchored"] = min(len(rule.reasons.get("unanchored", ())), CAP)
    return feats


def token_features(tokens: Iterable[str]) -> set[str]:
    """Distinct tokens of at least two characters with a letter or CJK character (``w:…``)."""
    return {"w:" + t.lower() for t in tokens if len(t) >= 2 and _TOKEN.search(t)}


def features(rule: Any, tokens: Iterable[str]) -> dict[str, float]:
    """Every feature of one text: rule figures and token presence (1.0)."""
    feats = rule_features(rule)
    feats.update(dict.fromkeys(token_features(tokens), 1.0))
    return feats


@dataclass
class Decision:
    score: float
    relevant: bool
    reasons: dict[str, Any]


@dataclass
class Model:
    version: str
    weights: dict[str, float]
    intercept: float
    threshold: float = 0.5
    gate_health: float = GATE_HEALTH
    #: how far beyond the threshold the probability must be to override the rule
    margin: float = MARGIN
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Model":
        return cls(version=str(data["version"]), weights={k: float(v) for k, v in data["weights"].items()},
                   intercept=float(data["intercept"]), threshold=float(data.get("threshold", 0.5)),
                   gate_health=float(data.get("gate_health", GATE_HEALTH)),
                   margin=float(data.get("margin", MARGIN)),
                   meta={k: v for k, v in data.items() if k not in ("weights",)})

    def to_dict(self) -> dict[str, Any]:
        return {**self.meta, "version": self.version, "intercept": self.intercept,
                "threshold": self.threshold, "gate_health": self.gate_health, "margin": self.margin,
                "weights": {k: round(w, 5) for k, w in sorted(self.weights.items()) if abs(w) >= 1e-4}}

    def applies(self, rule: Any) -> bool:
        """The gate: some health evidence (the model never turns a text without it relevant)."""
        return rule.ratios["health"] >= self.gate_health

    def probability(self, feats: dict[str, float]) -> tuple[float, list[tuple[float, str]]]:
        get = self.weights.get
        parts = [(get(name, 0.0) * value, name) for name, value in feats.items() if get(name)]
        logit = self.intercept + sum(v for v, _ in parts)
        return 1.0 / (1.0 + math.exp(-max(min(logit, 40.0), -40.0))), parts

    def decide(self, rule: Any, tokens: Iterable[str]) -> Decision:
        """The rule's verdict stands unless the model is confident the other way (probability at
        least ``margin`` beyond the threshold): then ``score`` = p / threshold, so ``score >= 1``
        exactly when relevant, as for the rule."""
        p, parts = self.probability(features(rule, tokens))
        confident = abs(p - self.threshold) >= self.margin
        relevant = (p >= self.threshold) if confident else rule.relevant
        overrode = relevant != rule.relevant
        parts.sort(key=lambda vn: -abs(vn[0]))
        tipped = [f"{'+' if v > 0 else '-'}{n.split(':', 1)[1]} {abs(v):.2f}" for v, n in parts[:6]]
        return Decision(score=p / self.threshold if overrode else rule.score, relevant=relevant,
                        reasons={"p": round(p, 3), "tipped_by": tipped, "overrode_rule": overrode})


def load_model(path: str | Path | None = None) -> Model | None:
    """The model in ``path``, or the shipped one (None when the package has none)."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        resource = resources.files("healthcrawl.data").joinpath(MODEL_FILE)
        if not resource.is_file():
            return None
        text = resource.read_text(encoding="utf-8")
    return Model.from_dict(json.loads(text))


def packaged_path() -> Path:
    """Where the shipped model lives in a source checkout (``healthcrawl train`` writes it)."""
    return Path(str(resources.files("healthcrawl.data").joinpath(MODEL_FILE)))


@functools.cache
def default_model() -> Model | None:
    """The shipped model, loaded once per process (None when there is none)."""
    return load_model()
