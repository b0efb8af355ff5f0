"""The learned layer of relevance: a second opinion over character bigrams, trained by
``healthcrawl train`` with scikit-learn (:mod:`healthcrawl.text.training`).

The lexicon rule knows the topics it was written for; a health-policy text on a topic it has not
met (tobacco control, palliative-care pilots, vaccine law …) often misses it by one policy term.
The model reads what the rule does not: the text's character bigrams (``印发``, ``试点``,
``制度`` … in the policy register, ``建议``, ``注意`` … in a health tip), in the title (``t:``) and
anywhere (``b:``). Bigrams need no segmentation (no second jieba pass) and carry over to topics
the lexicon has not met.

The model speaks only on texts with some health evidence (``gate_health``: the rule's health
ratio); elsewhere the rule's decision stands. There it **rescues** a text the rule rejects when
its probability reaches ``threshold``, and **vetoes** a text the rule accepts when its probability
is below ``veto_threshold`` (0: never). The model reads no rule output: the rule was tuned on the
training texts, so its figures there are better than on new topics and a model fed with them
learns to trust it too much. Both thresholds are chosen on the model's own out-of-fold
probabilities under *grouped* cross-validation (whole queries held out, i.e. topics the model did
not train on): the lowest rescue threshold at which its rescues of the rule's rejections are
precise enough, the highest veto threshold below which it is almost always right to say no
(:func:`healthcrawl.text.training.choose_thresholds`). Its decision carries its reasons: the
probability, the thresholds, what it did (``rescued``, ``vetoed`` or ``agreed``) and the bigrams
that weighed most (``+b:印发 0.42``).

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
from typing import Any

MODEL_FILE = "relevance_model.json"
KIND = "bigrams-two-sided"
#: the kind of the session-5 models (rescue only): read with veto_threshold 0
KINDS = (KIND, "rescue-bigrams")
#: the model speaks only where the rule's health ratio reaches this (some health evidence)
GATE_HEALTH = 0.5
#: characters of the body read by the model (a lead and some paragraphs say what a text is about)
MAX_CHARS = 1500
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_ASCII = re.compile(r"[A-Za-z][A-Za-z0-9]+|\d+[A-Za-z]+")


def _bigrams(text: str) -> set[str]:
    out = set()
    for run in _CJK.findall(text):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    out.update(w.lower() for w in _ASCII.findall(text))
    return out


def features(title: str, text: str, max_chars: int = MAX_CHARS) -> dict[str, float]:
    """Presence features of a (simplified) text: its bigrams anywhere (``b:``) and in the title
    (``t:``); ASCII words (AI, 5G, DRG) count as bigrams."""
    feats = dict.fromkeys(("b:" + g for g in _bigrams(f"{title}\n{text[:max_chars]}")), 1.0)
    feats.update(dict.fromkeys(("t:" + g for g in _bigrams(title)), 1.0))
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
    #: probability from which a text the rule rejects is rescued
    threshold: float = 0.5
    #: probability below which a text the rule accepts is vetoed (0: never)
    veto_threshold: float = 0.0
    gate_health: float = GATE_HEALTH
    max_chars: int = MAX_CHARS
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Model":
        if data.get("kind") not in KINDS:
            raise ValueError(f"not a {KIND} relevance model: kind {data.get('kind')!r}")
        return cls(version=str(data["version"]), weights={k: float(v) for k, v in data["weights"].items()},
                   intercept=float(data["intercept"]), threshold=float(data.get("threshold", 0.5)),
                   veto_threshold=float(data.get("veto_threshold", 0.0)),
                   gate_health=float(data.get("gate_health", GATE_HEALTH)),
                   max_chars=int(data.get("max_chars", MAX_CHARS)),
                   meta={k: v for k, v in data.items() if k not in ("weights",)})

    def to_dict(self) -> dict[str, Any]:
        return {**self.meta, "kind": KIND, "version": self.version, "intercept": self.intercept,
                "threshold": self.threshold, "veto_threshold": self.veto_threshold, "gate_health": self.gate_health, "max_chars": self.max_chars,
                "weights": {k: round(w, 5) for k, w in sorted(self.weights.items()) if abs(w) >= 1e-4}}

    def applies(self, rule: Any) -> bool:
        """Only a text with some health evidence is for the model (the rule accepts none without)."""
        return rule.ratios["health"] >= self.gate_health

    def probability(self, feats: dict[str, float]) -> tuple[float, list[tuple[float, str]]]:
        get = self.weights.get
        parts = [(get(name, 0.0) * value, name) for name, value in feats.items() if get(name)]
        logit = self.intercept + sum(v for v, _ in parts)
        return 1.0 / (1.0 + math.exp(-max(min(logit, 40.0), -40.0))), parts

    def verdict(self, rule_relevant: bool, p: float) -> bool:
        """The decision on a text the model speaks on: a rescue at ``threshold``, a veto below
        ``veto_threshold``, otherwise the rule's."""
        return p >= self.veto_threshold if rule_relevant else p >= self.threshold

    def decide(self, rule: Any, title: str, text: str) -> Decision:
        """Rescue, veto or agree. ``score``: the rule's when the model agrees with it; p / threshold
        for a rescue (>= 1), below 1 for a veto — ``score >= 1`` exactly when relevant, as for the
        rule."""
        p, parts = self.probability(features(title, text, self.max_chars))
        relevant = self.verdict(rule.relevant, p)
        if relevant == rule.relevant:
            action, score = "agreed", rule.score
        elif relevant:
            action, score = "rescued", p / self.threshold
        else:
            action, score = "vetoed", min(0.999, p / self.veto_threshold)
        parts.sort(key=lambda vn: -vn[0] if relevant else vn[0])
        tipped = [f"{'+' if v > 0 else '-'}{n} {abs(v):.2f}" for v, n in parts[:6]]
        return Decision(score=score, relevant=relevant,
                        reasons={"p": round(p, 3), "threshold": self.threshold,
                                 "veto_threshold": self.veto_threshold, "action": action,
                                 "rescued": action == "rescued", "tipped_by": tipped})


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
