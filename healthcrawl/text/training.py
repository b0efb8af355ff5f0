"""``healthcrawl train``: fit the learned relevance layer (:mod:`healthcrawl.text.model`, a second
opinion over character bigrams that rescues and vetoes) with scikit-learn on the evaluation
corpus's dev split plus the editors' labels in MongoDB, measure it against the current scorer on
the frozen test split, and ship it (package data) only if it is no worse there (F1 not lower,
false-positive rate not higher). ``--dev-only`` fits and reports without reading the test split.

Training rows: ``eval/relevance/health.jsonl`` records of split ``dev`` (title + excerpt) and each
labelled URL's latest label (:mod:`healthcrawl.storage.labels`) with the stored article's title
and body (or a dropped record's title). The frozen ``test`` split is never trained on: it only
decides whether the new model ships.

**Grouped cross-validation.** Rows are grouped by the search query that found them (a label row
is a group of its own) and whole groups are held out together, so every out-of-fold probability
is about a topic the fold's model did not train on — as the test split and each new batch are.
The regularisation strength is the one with the lowest out-of-fold log-loss on the texts the
model speaks on; the thresholds come from the model's own out-of-fold probabilities, not from
the rule's figures (the lexicon was tuned on these rows, so the rule is better here than on new
topics, and a threshold that "keeps the rule's precision" here rescues nothing there): the rescue
threshold is the lowest at which the model's rescues — the texts the rule rejects that it would
accept — are right at least :data:`RESCUE_PRECISION` of the time (judged on the rescues, not on
every text the model speaks on: the rule's positives, nearly all relevant, made a loose threshold
look precise, and each wrong rescue is a false positive added), the veto threshold the highest below which it is right to say no to the rule's
positives at least :data:`VETO_NPV` of the time (on the corpus of 2026-12-02 there is none: the
model's probabilities do not tell the rule's false positives from its true ones, so it only
rescues). The model records its version, the training set's SHA-256, its
size and the figures it shipped with.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from healthcrawl.text import model as learned

#: regularisation strengths tried by cross-validation (inverse of the L2 penalty)
C_GRID = (0.1, 0.3, 1.0)
#: rescue thresholds tried, lowest first
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
#: veto thresholds tried, lowest first (0: no veto)
VETO_THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
#: the threshold of a model that must rescue nothing (no threshold was precise enough)
NEVER = 1.01
#: out of fold, the model's rescues (gated texts the rule rejects) must be right this often at or
#: above the rescue threshold …
RESCUE_PRECISION = 0.95
#: … and below the veto threshold, among the texts the rule accepts
VETO_NPV = 0.8
#: folds of the grouped cross-validation (whole query groups held out)
FOLDS = 5
#: a token is a feature when it occurs in at least this many training texts
MIN_DOCS = 2


def corpus_rows(path: str | Path, split: str) -> list[dict[str, Any]]:
    """``{"key", "title", "text", "relevant"}`` of the corpus records of one split."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                if r.get("split") == split:
                    rows.append({"key": r["url"], "title": r.get("title") or "", "text": r.get("excerpt") or "",
                                 "relevant": bool(r["relevant"]), "group": r.get("query") or r["url"],
                                 "batch": r.get("added") or "before 2026-12-02",
                                 "script": r.get("script")})
    return rows


def label_rows(db: Any, articles: str = "articles", dropped: str = "dropped") -> list[dict[str, Any]]:
    """The editors' latest label of each URL, with the text stored for it (URLs with no stored
    title are skipped)."""
    from healthcrawl.storage.labels import latest_labels  # noqa: PLC0415

    rows = []
    for url, label in latest_labels(db).items():
        doc = db[articles].find_one({"canonical_url": url}, {"title": 1, "body": 1}) or \
            db[dropped].find_one({"_id": url}, {"title": 1}) or {}
        if doc.get("title") or doc.get("body"):
            rows.append({"key": url, "title": doc.get("title") or "", "text": doc.get("body") or "",
                         "relevant": label["label"] == "relevant", "group": url})
    return rows


def dataset_hash(rows: list[dict[str, Any]]) -> str:
    """SHA-256 of the training rows (key, label, text), order-independent."""
    digest = hashlib.sha256()
    for key, relevant, title, text in sorted((r["key"], r["relevant"], r["title"], r["text"]) for r in rows):
        digest.update(json.dumps([key, relevant, title, text], ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def featurize(scorer: Any, rows: list[dict[str, Any]]) -> tuple[list[dict[str, float]], list[int], list[Any]]:
    """(bigram features, labels, the rule's outcome) of each row, on the simplified text."""
    from healthcrawl.text.scoring import apply_rule, simplified  # noqa: PLC0415

    feats, labels, rules = [], [], []
    for r in rows:
        title, text = simplified(r["title"], r["text"])
        rules.append(apply_rule(scorer.lexicon, scorer.thresholds, title, text))
        feats.append(learned.features(title, text))
        labels.append(int(r["relevant"]))
    return feats, labels, rules


def _fit(feats: list[dict[str, float]], labels: list[int], c: float) -> tuple[dict[str, float], float]:
    from sklearn.feature_extraction import DictVectorizer  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    docs = Counter(name for f in feats for name in f)
    kept = [{k: v for k, v in f.items() if docs[k] >= MIN_DOCS} for f in feats]
    vec = DictVectorizer()
    x = vec.fit_transform(kept)
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    clf.fit(x, labels)
    return {name: float(w) for name, w in zip(vec.get_feature_names_out(), clf.coef_[0]) if abs(w) > 1e-4}, \
        float(clf.intercept_[0])


def combined(model: learned.Model, rules: list[Any], probs: list[float]) -> list[bool]:
    """The verdicts of rule + model: the rule's outside the gate, the model's rescue or veto in it."""
    return [model.verdict(rule.relevant, p) if model.applies(rule) else rule.relevant
            for rule, p in zip(rules, probs)]


def outcomes(got: list[bool], labels: list[int]) -> Counter:
    return Counter(("t" if g == bool(y) else "f") + ("p" if g else "n") for g, y in zip(got, labels))


def grouped_out_of_fold(feats: list[dict[str, float]], labels: list[int], groups: list[str], c: float,
                        folds: int = FOLDS) -> list[float]:
    """Each row's probability from a model fitted on the other folds, whole groups held out together."""
    from sklearn.model_selection import GroupKFold  # noqa: PLC0415

    probs = [0.0] * len(feats)
    splitter = GroupKFold(min(folds, len(set(groups))))
    for train_idx, test_idx in splitter.split(feats, labels, groups):
        weights, intercept = _fit([feats[i] for i in train_idx], [labels[i] for i in train_idx], c)
        m = learned.Model("cv", weights, intercept)
        for i in test_idx:
            probs[i] = m.probability(feats[i])[0]
    return probs


def choose_thresholds(probs: list[float], labels: list[int], gated: list[bool],
                      accepted: list[bool]) -> tuple[float, float]:
    """(rescue, veto) thresholds from the model's own out-of-fold probabilities on the texts it
    speaks on (``gated``): the lowest rescue threshold of :data:`THRESHOLDS` at which at least
    :data:`RESCUE_PRECISION` of the texts the rule rejected at or above it are relevant
    (:data:`NEVER` if none: a rescue overrules the rule, so it is judged on the rule's negatives),
    and the highest veto threshold of :data:`VETO_THRESHOLDS` below which at least
    :data:`VETO_NPV` of the texts the rule ``accepted`` are irrelevant (0, no veto, if none: a veto
    overrules the rule, so it is judged on the rule's positives)."""
    rows = [(p, y) for p, y, g, a in zip(probs, labels, gated, accepted) if g and not a]
    rescue = NEVER
    for t in THRESHOLDS:
        above = [y for p, y in rows if p >= t]
        if above and sum(above) / len(above) >= RESCUE_PRECISION:
            rescue = t
            break
    positives = [(p, y) for p, y, g, a in zip(probs, labels, gated, accepted) if g and a]
    veto = 0.0
    for t in VETO_THRESHOLDS:
        below = [y for p, y in positives if p < t]
        if below and 1 - sum(below) / len(below) >= VETO_NPV:
            veto = t
    return rescue, veto


def log_loss(probs: list[float], labels: list[int], gated: list[bool]) -> float:
    pairs = [(min(max(p, 1e-6), 1 - 1e-6), y) for p, y, g in zip(probs, labels, gated) if g]
    return -sum(math.log(p) if y else math.log(1 - p) for p, y in pairs) / max(len(pairs), 1)


def cross_validate(feats: list[dict[str, float]], labels: list[int], rules: list[Any],
                   groups: list[str]) -> tuple[float, float, float, dict[str, Any]]:
    """(C, rescue threshold, veto threshold, figures) by grouped cross-validation: C of
    :data:`C_GRID` with the lowest out-of-fold log-loss on the gated texts (ties: the smaller),
    the thresholds by :func:`choose_thresholds` on that C's out-of-fold probabilities. The
    figures: log-loss per C, and outcomes of the rule and of rule + model out of fold (the
    thresholds were chosen on these same probabilities)."""
    gated = [r.ratios["health"] >= learned.GATE_HEALTH for r in rules]
    runs = {c: grouped_out_of_fold(feats, labels, groups, c) for c in C_GRID}
    losses = {c: round(log_loss(p, labels, gated), 4) for c, p in runs.items()}
    c = min(C_GRID, key=lambda k: (losses[k], k))
    rescue, veto = choose_thresholds(runs[c], labels, gated, [r.relevant for r in rules])
    probe = learned.Model("cv", {}, 0.0, threshold=rescue, veto_threshold=veto)
    figures = {"log_loss": {str(k): v for k, v in losses.items()},
               "rule": summary(outcomes([r.relevant for r in rules], labels)),
               "model": summary(outcomes(combined(probe, rules, runs[c]), labels))}
    return c, rescue, veto, figures


def precision(c: Counter) -> float:
    return c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0


def f1(c: Counter) -> float:
    return 2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"]) if c["tp"] else 0.0


def summary(c: Counter) -> dict[str, Any]:
    """Outcome counts with precision, recall and F1."""
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    return {**{k: c[k] for k in ("tp", "fp", "fn", "tn")}, "precision": round(precision(c), 4),
            "recall": round(recall, 4), "f1": round(f1(c), 4)}


def fit_model(scorer: Any, rows: list[dict[str, Any]]) -> learned.Model:
    """A model fitted on ``rows``, C and thresholds chosen by grouped cross-validation
    (:func:`cross_validate`; a row's group is its ``group``, else its ``key``)."""
    feats, labels, rules = featurize(scorer, rows)
    c, threshold, veto, cv = cross_validate(feats, labels, rules, [r.get("group") or r["key"] for r in rows])
    weights, intercept = _fit(feats, labels, c)
    digest = dataset_hash(rows)
    now = datetime.now(timezone.utc)
    return learned.Model(version=f"{now:%Y.%m.%d.%H%M}-{digest[:8]}", weights=weights, intercept=intercept,
                         threshold=threshold, veto_threshold=veto,
                         meta={"trained_at": now.isoformat(timespec="seconds"), "training_set_sha256": digest,
                               "training_rows": len(rows), "lexicon_version": scorer.lexicon.version, "C": c,
                               "cv_f1_best": cv["model"]["f1"], "cv_f1_rule": cv["rule"]["f1"],
                               "cv_precision_rule": cv["rule"]["precision"], "cv": cv})


# --- before / after on the frozen split -----------------------------------------------------------
def measure(scorer: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Precision, recall, F1 and false-positive rate (FP / negatives) of ``scorer`` on ``rows``."""
    c: Counter[str] = Counter()
    for r in rows:
        got = scorer.score(r["title"], r["text"]).relevant
        c[("t" if got == r["relevant"] else "f") + ("p" if got else "n")] += 1
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    negatives = c["fp"] + c["tn"]
    return {"n": len(rows), "tp": c["tp"], "fp": c["fp"], "fn": c["fn"], "tn": c["tn"],
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1(c), 4),
            "fp_rate": round(c["fp"] / negatives, 4) if negatives else 0.0}


def no_worse(after: dict[str, Any], before: dict[str, Any]) -> bool:
    """The shipping rule: F1 not lower and false-positive rate not higher on the frozen split."""
    return after["f1"] >= before["f1"] and after["fp_rate"] <= before["fp_rate"]


def train(corpus: str | Path, db: Any = None, *, scorer: Any, out: str | Path | None = None,
          ordinary: list[dict[str, Any]] | None = None, dry_run: bool = False,
          dev_only: bool = False) -> dict[str, Any]:
    """Fit on the dev split (+ labels from ``db``), compare with ``scorer`` (the current one) on
    the frozen test split (and the ordinary-news rows if given), write the model to ``out``
    (default: the package's ``healthcrawl/data/relevance_model.json``) when it is no worse.
    ``dev_only``: the test split is neither read nor measured; the candidate is written to ``out``
    only (never shipped), with the grouped cross-validation figures and the ordinary-news figures.
    Returns the report: sizes, hash, figures, shipped or not and why."""
    from healthcrawl.text.relevance import Scorer  # noqa: PLC0415

    dev = corpus_rows(corpus, "dev")
    rows = dev + (label_rows(db) if db is not None else [])
    rule_only = Scorer(lexicon=scorer.lexicon, thresholds=scorer.thresholds, top_keywords=0,
                       keywords_max_chars=scorer.keywords_max_chars, model=False)
    candidate = fit_model(rule_only, rows)
    new = Scorer(lexicon=scorer.lexicon, thresholds=scorer.thresholds, top_keywords=0,
                 keywords_max_chars=scorer.keywords_max_chars, model=candidate)
    cv = candidate.meta["cv"]
    report = {"training_rows": len(rows), "labels": len(rows) - len(dev),
              "training_set_sha256": candidate.meta["training_set_sha256"], "version": candidate.version,
              "C": candidate.meta["C"], "threshold": candidate.threshold, "veto_threshold": candidate.veto_threshold,
              "cv_f1": (f"{cv['model']['f1']} (rescue at {candidate.threshold}, veto below "
                        f"{candidate.veto_threshold}), rule alone {cv['rule']['f1']}"),
              "cv": {"rule": cv["rule"], "model": cv["model"]},
              "before": {"model": scorer.model.version if scorer.model else None}, "after": {"model": candidate.version}}
    if not dev_only:
        frozen = corpus_rows(corpus, "test")
        report["before"]["test"], report["after"]["test"] = measure(scorer, frozen), measure(new, frozen)
    if ordinary:
        report["before"]["ordinary"] = measure(scorer, ordinary)
        report["after"]["ordinary"] = measure(new, ordinary)
    if dev_only:
        report["shipped"] = False
        if out and not dry_run:
            Path(out).write_text(json.dumps(candidate.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            report["written"] = str(out)
        return report
    ok = no_worse(report["after"]["test"], report["before"]["test"]) and (
        not ordinary or report["after"]["ordinary"]["fp_rate"] <= max(report["before"]["ordinary"]["fp_rate"], 0.005))
    report["shipped"] = ok
    if ok and not dry_run:
        candidate.meta["shipped_with"] = {"test": report["after"]["test"], "before": report["before"]["test"]}
        target = Path(out) if out else learned.packaged_path()
        target.write_text(json.dumps(candidate.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        report["written"] = str(target)
    return report
