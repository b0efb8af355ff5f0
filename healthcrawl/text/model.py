"""The learned layer of relevance: a second opinion over character n-grams, trained by
``healthcrawl train`` with scikit-learn (:mod:`healthcrawl.text.training`).

The lexicon rule knows the topics it was written for; a health-policy text on a topic it has not
met (tobacco control, palliative-care pilots, vaccine law …) often misses it by one policy term.
The model reads what the rule does not: the text's character n-grams (``印发``, ``试点``,
``制度`` … in the policy register, ``建议``, ``注意`` … in a health tip; ``ngrams`` gives their
lengths, bigrams for models before session 7, 1- and 2-grams since), in the title (``t:``) and
anywhere (``b:``). N-grams need no segmentation (no second jieba pass) and carry over to topics
the lexicon has not met.

The model speaks only on texts with some health evidence (``gate_health``: the rule's health
ratio); elsewhere the rule's decision stands. There it **rescues** a text the rule rejects when
its probability reaches ``threshold``, and **vetoes** a text the rule accepts when its probability
is below ``veto_threshold`` (0: never; a ``threshold`` above 1, ``training.NO_RESCUE``, makes a
veto-only layer). A ``rescue_gate`` (:data:`RESCUE_GATES`) may restrict the rescues further to texts
whose health category the rule found to hold and/or that no exclusion cue removed: the model then
never overrides the rule's exclusions. By default the model reads no rule output as features: the
rule was tuned on the training texts, so its figures there are better than on new topics and a
model fed with them learns to trust it too much (``lexicon_features``: read the rule's outcome,
:func:`lexicon_features`; session 9 measured it on the eras). A model with a rescue gate or
lexicon features is written as kind ``ngrams-rule-aware-two-sided``, which earlier code refuses.
Features, C and both thresholds are chosen on the *eras*: each later
batch of the corpus scored by the lexicon of before it and a model trained on the earlier batches
(:data:`healthcrawl.text.training.CHOSEN`). Its decision carries its reasons: the probability,
the thresholds, what it did (``rescued``, ``vetoed`` or ``agreed``) and the n-grams that weighed
most (``+b:印发 0.42``).

The model is package data, ``healthcrawl/data/relevance_model.json`` (JSON, no pickle: weights
by feature name, intercept, thresholds, n-gram lengths, version, training-set hash, the figures it
was chosen and shipped with), applied here without scikit-learn and loaded once per process; a
text's n-grams are intersected with the weighted ones (:meth:`Model.evidence`), no feature dict
is built at run time.
"""

from __future__ import annotations

import functools
import heapq
import json
import math
import operator
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

MODEL_FILE = "relevance_model.json"
KIND = "ngrams-two-sided"
#: the kind of a model that also reads the rule's outcome (``lexicon_features``) or rescues behind
#: a stricter gate (``rescue_gate``): code that does not know these must refuse it, not misapply it
KIND_RULE_AWARE = "ngrams-rule-aware-two-sided"
#: the kind of a model whose veto is gated by the rule's score (``veto_gate``): earlier code must refuse it
KIND_VETO_GATED = "ngrams-rule-aware-gated-veto"
#: earlier kinds, read as bigrams with title features: session 6 (two-sided) and session 5
#: (rescue only, veto_threshold 0)
KINDS = (KIND, KIND_RULE_AWARE, KIND_VETO_GATED, "bigrams-two-sided", "rescue-bigrams")
#: where the model may rescue (a text the rule rejects): ``gate`` wherever it speaks (health ratio
#: >= ``gate_health``); ``health`` only when the rule's health category holds (ratio >= 1);
#: ``unexcluded`` only when no exclusion fired (markets, negative, title cues); ``health-unexcluded`` both
RESCUE_GATES = ("gate", "health", "unexcluded", "health-unexcluded")
#: the context rules of the rule's ``reasons`` read as lexicon features (``l:why:<key>``)
LEXICON_REASONS = ("unanchored", "listed_among_sectors", "health_only_as_example", "health_only_in_parentheses",
                   "title_subject", "paired")
#: character n-gram lengths of a model that does not say (the earlier kinds: bigrams)
NGRAMS = (2,)
#: the model speaks only where the rule's health ratio reaches this (some health evidence)
GATE_HEALTH = 0.5
#: characters of the body read by the model (a lead and some paragraphs say what a text is about)
MAX_CHARS = 1500
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_ASCII = re.compile(r"[A-Za-z][A-Za-z0-9]+|\d+[A-Za-z]+")


def _grams(text: str, ngrams: tuple[int, ...]) -> set[str]:
    out: set[str] = set()
    for run in _CJK.findall(text):
        for n in ngrams:
            if n == 1:
                out.update(run)
            elif n == 2:
                out.update(map(operator.add, run, run[1:]))
            else:
                out.update(run[i:i + n] for i in range(len(run) - n + 1))
    out.update(w.lower() for w in _ASCII.findall(text))
    return out


def _ratio_bin(ratio: float) -> str:
    return "<0.5" if ratio < 0.5 else "<1" if ratio < 1.0 else "<2" if ratio < 2.0 else ">=2"


def lexicon_features(rule: Any, title: str) -> set[str]:
    """Names (without the ``l:`` prefix) of the binary features read from the rule's outcome — what
    the scorer has already computed, no second scan: whether the rule accepts and its verdict; per
    category health/digital/policy the ratio's bin (<0.5, <1, <2, >=2) and the distinct terms
    (capped at 3); the markets and negative terms matched (capped at 3); the context rules that
    fired (:data:`LEXICON_REASONS`, ``excluded_by:<category>``); ``title:<category>`` when one of
    the category's matched terms is in the title."""
    from healthcrawl.text.lexicon import normalise  # noqa: PLC0415

    names = {"v:" + str(rule.reasons.get("rule", ""))}
    if rule.relevant:
        names.add("rule")
    for c in ("health", "digital", "policy"):
        names.add(f"{c}:r{_ratio_bin(rule.ratios.get(c, 0.0))}")
        names.add(f"{c}:e{min(int(rule.evidence.get(c, 0)), 3)}")
    for c in ("markets", "negative"):
        n = min(len(rule.matched.get(c, ())), 3)
        if n:
            names.add(f"{c}:n{n}")
    names.update("why:" + key for key in LEXICON_REASONS if rule.reasons.get(key))
    names.update("excluded_by:" + c for c in rule.reasons.get("excluded_by", {}))
    low = normalise(title)
    if low:
        names.update("title:" + c for c, terms in rule.matched.items() if any(normalise(t) in low for t in terms))
    return names


def features(title: str, text: str, max_chars: int = MAX_CHARS, ngrams: tuple[int, ...] = NGRAMS,
             title_features: bool = True, rule: Any = None) -> dict[str, float]:
    """Presence features of a (simplified) text: its character n-grams (``ngrams``: lengths, e.g.
    (2,) bigrams, (1, 2), (2, 3)) anywhere (``b:``) and, with ``title_features``, in the title as
    features of their own (``t:``); ASCII words (AI, 5G, DRG) count as n-grams. With ``rule`` (the
    rule's outcome on this text), also its :func:`lexicon_features` (``l:``)."""
    feats = dict.fromkeys(("b:" + g for g in _grams(f"{title}\n{text[:max_chars]}", ngrams)), 1.0)
    if title_features:
        feats.update(dict.fromkeys(("t:" + g for g in _grams(title, ngrams)), 1.0))
    if rule is not None:
        feats.update(dict.fromkeys(("l:" + n for n in lexicon_features(rule, title)), 1.0))
    return feats


def may_rescue(gate: str, rule: Any) -> bool:
    """Whether the rescue gate ``gate`` (:data:`RESCUE_GATES`) lets the model rescue this rejected text."""
    if gate == "gate":
        return True
    health = rule.ratios["health"] >= 1.0
    unexcluded = not rule.reasons.get("excluded_by")
    return {"health": health, "unexcluded": unexcluded, "health-unexcluded": health and unexcluded}[gate]


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
    #: character n-gram lengths and whether the title's n-grams are features of their own
    ngrams: tuple[int, ...] = NGRAMS
    title_features: bool = True
    #: whether the rule's outcome is read too (:func:`lexicon_features`, ``l:``)
    lexicon_features: bool = False
    #: where a rescue is allowed (:data:`RESCUE_GATES`)
    rescue_gate: str = "gate"
    #: a veto is allowed only where the rule's score is below this (0: wherever the model speaks): the
    #: model may overturn a weak acceptance, never a strong one
    veto_gate: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    #: the weights by prefix (``b``, ``t``) and n-gram: a text's n-grams are looked up as they are
    _by_prefix: dict[str, dict[str, float]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.rescue_gate not in RESCUE_GATES:
            raise ValueError(f"unknown rescue gate {self.rescue_gate!r}")
        self._by_prefix = {"b": {}, "t": {}, "l": {}}
        for name, w in self.weights.items():
            prefix, _, gram = name.partition(":")
            if prefix in self._by_prefix and w:
                self._by_prefix[prefix][gram] = w

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Model":
        if data.get("kind") not in KINDS:
            raise ValueError(f"not a {KIND} relevance model: kind {data.get('kind')!r}")
        return cls(version=str(data["version"]), weights={k: float(v) for k, v in data["weights"].items()},
                   intercept=float(data["intercept"]), threshold=float(data.get("threshold", 0.5)),
                   veto_threshold=float(data.get("veto_threshold", 0.0)),
                   gate_health=float(data.get("gate_health", GATE_HEALTH)),
                   max_chars=int(data.get("max_chars", MAX_CHARS)),
                   ngrams=tuple(int(n) for n in data.get("ngrams", NGRAMS)),
                   title_features=bool(data.get("title_features", True)),
                   lexicon_features=bool(data.get("lexicon_features", False)),
                   rescue_gate=str(data.get("rescue_gate", "gate")),
                   veto_gate=float(data.get("veto_gate", 0.0)),
                   meta={k: v for k, v in data.items() if k not in ("weights",)})

    def to_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.lexicon_features or self.rescue_gate != "gate" or self.veto_gate:
            extra = {"lexicon_features": self.lexicon_features, "rescue_gate": self.rescue_gate}
        if self.veto_gate:
            extra["veto_gate"] = self.veto_gate
        kind = KIND_VETO_GATED if self.veto_gate else KIND_RULE_AWARE if extra else KIND
        return {**self.meta, "kind": kind, "version": self.version,
                "intercept": self.intercept,
                "threshold": self.threshold, "veto_threshold": self.veto_threshold, "gate_health": self.gate_health,
                "max_chars": self.max_chars, "ngrams": list(self.ngrams), "title_features": self.title_features,
                **extra,
                "weights": {k: round(w, 5) for k, w in sorted(self.weights.items()) if abs(w) >= 1e-4}}

    def features(self, title: str, text: str, rule: Any = None) -> dict[str, float]:
        """This model's features of a (simplified) text (``rule``: the rule's outcome on it, read
        when the model has :attr:`lexicon_features`)."""
        return features(title, text, self.max_chars, self.ngrams, self.title_features,
                        rule if self.lexicon_features else None)

    def applies(self, rule: Any) -> bool:
        """Only a text with some health evidence is for the model (the rule accepts none without)."""
        return rule.ratios["health"] >= self.gate_health

    def probability(self, feats: dict[str, float]) -> tuple[float, list[tuple[float, str]]]:
        get = self.weights.get
        parts = [(get(name, 0.0) * value, name) for name, value in feats.items() if get(name)]
        logit = self.intercept + sum(v for v, _ in parts)
        return 1.0 / (1.0 + math.exp(-max(min(logit, 40.0), -40.0))), parts

    def evidence(self, title: str, text: str, rule: Any = None,
                 ) -> tuple[float, list[tuple[dict[str, float], str, set[str]]]]:
        """:meth:`probability` of the text's :meth:`features` without building them (its n-grams
        are intersected with the weighted ones), and the hits: (weights, prefix, n-grams) per prefix."""
        hits = [(self._by_prefix["b"], "b:", _grams(f"{title}\n{text[:self.max_chars]}", self.ngrams))]
        if self.title_features:
            hits.append((self._by_prefix["t"], "t:", _grams(title, self.ngrams)))
        if self.lexicon_features and rule is not None:
            hits.append((self._by_prefix["l"], "l:", lexicon_features(rule, title)))
        # the text's n-grams looked up one by one: ``w.keys() & grams`` copies every weighted key first
        hits = [(w, prefix, {g for g in grams if g in w}) for w, prefix, grams in hits]
        logit = self.intercept + sum(sum(map(w.__getitem__, found)) for w, _, found in hits)
        return 1.0 / (1.0 + math.exp(-max(min(logit, 40.0), -40.0))), hits

    @staticmethod
    def strongest(hits: list[tuple[dict[str, float], str, set[str]]], positive: bool,
                  n: int = 6) -> list[tuple[float, str]]:
        """The ``n`` hits that weighed most towards relevant (``positive``) or against; equal weights
        by name (a set's order of strings changes from one process to the next)."""
        sign = -1.0 if positive else 1.0
        top = [(w[g], prefix + g) for w, prefix, found in hits
               for g in heapq.nsmallest(n, found, key=lambda g, w=w: (sign * w[g], g))]
        return sorted(top, key=lambda vn: (sign * vn[0], vn[1]))[:n]

    def verdict(self, rule_relevant: bool, p: float, rescuable: bool = True, vetoable: bool = True) -> bool:
        """The decision on a text the model speaks on: a rescue at ``threshold`` (only where
        ``rescuable``: the :meth:`may_rescue` gate), a veto below ``veto_threshold`` (only where
        ``vetoable``: the :meth:`may_veto` gate), otherwise the rule's."""
        if rule_relevant:
            return p >= self.veto_threshold or not vetoable
        return rescuable and p >= self.threshold

    def may_rescue(self, rule: Any) -> bool:
        """Whether this model's :attr:`rescue_gate` lets it rescue the text (the rule rejected it)."""
        return may_rescue(self.rescue_gate, rule)

    def may_veto(self, rule: Any) -> bool:
        """Whether this model may veto the text the rule accepts: its :attr:`veto_gate` lets it only
        below that rule score."""
        return not self.veto_gate or rule.score < self.veto_gate

    def decide(self, rule: Any, title: str, text: str) -> Decision:
        """Rescue, veto or agree. ``score``: the rule's when the model agrees with it; p / threshold
        for a rescue (>= 1), below 1 for a veto — ``score >= 1`` exactly when relevant, as for the
        rule."""
        p, parts = self.evidence(title, text, rule)
        relevant = self.verdict(rule.relevant, p, rule.relevant or self.may_rescue(rule), self.may_veto(rule))
        if relevant == rule.relevant:
            action, score = "agreed", rule.score
        elif relevant:
            action, score = "rescued", p / self.threshold
        else:
            action, score = "vetoed", min(0.999, p / self.veto_threshold)
        tipped = [f"{'+' if v > 0 else '-'}{n} {abs(v):.2f}" for v, n in self.strongest(parts, relevant)]
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
