"""``healthcrawl train``: fit the learned relevance layer (:mod:`healthcrawl.text.model`, a
recall booster over character bigrams) with scikit-learn on the evaluation corpus's dev split
plus the editors' labels in MongoDB, measure it against the current scorer on the frozen test
split, and ship it (package data) only if it is no worse there (F1 not lower, false-positive rate
not higher).

Training rows: ``eval/relevance/health.jsonl`` records of split ``dev`` (title + excerpt) and each
labelled URL's latest label (:mod:`healthcrawl.storage.labels`) with the stored article's title
and body (or a dropped record's title). The frozen ``test`` split is never trained on: it only
decides whether the new model ships. The regularisation strength and the rescue threshold are
chosen together by cross-validation on the training rows: the best F1 of rule + rescue, out of
fold, among the thresholds that keep the rule's precision.
The model records its version, the training set's SHA-256, its size and the figures it shipped
with.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from healthcrawl.text import model as learned

#: regularisation strengths tried by cross-validation (inverse of the L2 penalty)
C_GRID = (0.1, 0.3, 1.0)
#: rescue thresholds tried by cross-validation
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
#: the threshold of a model that must rescue nothing (no threshold kept precision)
NEVER = 1.01
#: seeds of the repeated 5-fold cross-validation
CV_SEEDS = (14, 15, 16)
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
                                 "relevant": bool(r["relevant"])})
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
                         "relevant": label["label"] == "relevant"})
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


def combined(rules: list[Any], probs: list[float], threshold: float) -> list[bool]:
    """The verdicts of rule + rescue: the rule's, or a rescue inside the gate."""
    return [rule.relevant or (rule.ratios["health"] >= learned.GATE_HEALTH and p >= threshold)
            for rule, p in zip(rules, probs)]


def outcomes(got: list[bool], labels: list[int]) -> Counter:
    return Counter(("t" if g == bool(y) else "f") + ("p" if g else "n") for g, y in zip(got, labels))


def out_of_fold(feats: list[dict[str, float]], labels: list[int], c: float, seed: int,
                folds: int = 5) -> list[float]:
    """Each row's probability from a model fitted on the other folds."""
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415

    probs = [0.0] * len(feats)
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(feats, labels):
        weights, intercept = _fit([feats[i] for i in train_idx], [labels[i] for i in train_idx], c)
        m = learned.Model("cv", weights, intercept)
        for i in test_idx:
            probs[i] = m.probability(feats[i])[0]
    return probs


def cross_validate(feats: list[dict[str, float]], labels: list[int],
                   rules: list[Any]) -> tuple[float, float, dict[str, dict[str, float]]]:
    """(C, threshold) of :data:`C_GRID` × :data:`THRESHOLDS`: the best F1 of rule + rescue,
    out of fold over :data:`CV_SEEDS` 5-fold splits, among the pairs whose precision is not below
    the rule's alone (the rescue must not cost precision); ties: the higher threshold, then the
    smaller C. No such pair: threshold :data:`NEVER` (the model rescues nothing). Also the
    figures of every pair."""
    rule_c = outcomes([r.relevant for r in rules], labels)
    floor = precision(rule_c)
    figures = {}
    for c in C_GRID:
        runs = [out_of_fold(feats, labels, c, seed) for seed in CV_SEEDS]
        for t in THRESHOLDS:
            total = sum((outcomes(combined(rules, probs, t), labels) for probs in runs), Counter())
            figures[(c, t)] = {"f1": round(f1(total), 4), "precision": round(precision(total), 4),
                               "rescued": round((total["tp"] - rule_c["tp"] * len(runs)) / len(runs), 1),
                               "false_rescues": round((total["fp"] - rule_c["fp"] * len(runs)) / len(runs), 1)}
    allowed = [ct for ct, f in figures.items() if f["precision"] >= floor and f["rescued"] > 0]
    if allowed:
        c, t = max(allowed, key=lambda ct: (figures[ct]["f1"], ct[1], -ct[0]))
    else:
        c, t = C_GRID[0], NEVER
    return c, t, {f"C={k[0]} t={k[1]}": v for k, v in figures.items()}


def precision(c: Counter) -> float:
    return c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0


def f1(c: Counter) -> float:
    return 2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"]) if c["tp"] else 0.0


def fit_model(scorer: Any, rows: list[dict[str, Any]]) -> learned.Model:
    """A model fitted on ``rows``, C and threshold chosen by cross-validation with the rule
    (:func:`cross_validate`)."""
    feats, labels, rules = featurize(scorer, rows)
    rule_c = outcomes([r.relevant for r in rules], labels)
    c, threshold, cv = cross_validate(feats, labels, rules)
    best = cv.get(f"C={c} t={threshold}", {"f1": round(f1(rule_c), 4)})
    weights, intercept = _fit(feats, labels, c)
    digest = dataset_hash(rows)
    now = datetime.now(timezone.utc)
    return learned.Model(version=f"{now:%Y.%m.%d.%H%M}-{digest[:8]}", weights=weights, intercept=intercept,
                         threshold=threshold,
                         meta={"trained_at": now.isoformat(timespec="seconds"), "training_set_sha256": digest,
                               "training_rows": len(rows), "lexicon_version": scorer.lexicon.version, "C": c,
                               "cv_f1_best": best["f1"], "cv_f1_rule": round(f1(rule_c), 4),
                               "cv_precision_rule": round(precision(rule_c), 4), "cv": cv})


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
          ordinary: list[dict[str, Any]] | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Fit on the dev split (+ labels from ``db``), compare with ``scorer`` (the current one) on
    the frozen test split (and the ordinary-news rows if given), write the model to ``out``
    (default: the package's ``healthcrawl/data/relevance_model.json``) when it is no worse.
    Returns the report: sizes, hash, before/after figures, shipped or not and why."""
    from healthcrawl.text.relevance import Scorer  # noqa: PLC0415

    rows = corpus_rows(corpus, "dev") + (label_rows(db) if db is not None else [])
    rule_only = Scorer(lexicon=scorer.lexicon, thresholds=scorer.thresholds, top_keywords=0,
                       keywords_max_chars=scorer.keywords_max_chars, model=False)
    candidate = fit_model(rule_only, rows)
    new = Scorer(lexicon=scorer.lexicon, thresholds=scorer.thresholds, top_keywords=0,
                 keywords_max_chars=scorer.keywords_max_chars, model=candidate)
    frozen = corpus_rows(corpus, "test")
    report = {"training_rows": len(rows), "labels": len(rows) - len(corpus_rows(corpus, "dev")),
              "training_set_sha256": candidate.meta["training_set_sha256"], "version": candidate.version,
              "C": candidate.meta["C"], "threshold": candidate.threshold,
              "cv_f1": (f"{candidate.meta['cv_f1_best']} at rescue threshold {candidate.threshold}, "
                        f"rule alone {candidate.meta['cv_f1_rule']}"),
              "before": {"model": scorer.model.version if scorer.model else None, "test": measure(scorer, frozen)},
              "after": {"model": candidate.version, "test": measure(new, frozen)}}
    if ordinary:
        report["before"]["ordinary"] = measure(scorer, ordinary)
        report["after"]["ordinary"] = measure(new, ordinary)
    ok = no_worse(report["after"]["test"], report["before"]["test"]) and (
        not ordinary or report["after"]["ordinary"]["fp_rate"] <= max(report["before"]["ordinary"]["fp_rate"], 0.005))
    report["shipped"] = ok
    if ok and not dry_run:
        candidate.meta["shipped_with"] = {"test": report["after"]["test"], "before": report["before"]["test"]}
        target = Path(out) if out else learned.packaged_path()
        target.write_text(json.dumps(candidate.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        report["written"] = str(target)
    return report
