"""Grouped cross-validation of the learned relevance layer on the **dev split only** (issue 14).

The frozen test split is never read: every row is filtered on ``split == "dev"`` when the corpus
is loaded, before anything else. Three measures of how the layer generalises to topics it has not
trained on, each for the lexicon rule alone and for rule + the candidate model, the candidate
being fitted exactly as ``healthcrawl train`` fits it (:func:`healthcrawl.text.training.fit_model`:
C and thresholds by an inner grouped cross-validation on the fold's training rows only):

- ``query``: 5 outer folds, whole search queries held out together (the rows a query found are
  one topic);
- ``batch``: one collection batch held out at a time (``added``: the texts before 2026-12-02 and
  batches a–j and l), each batch being a set of sub-areas collected together (batch k does not
  exist: it was lost);
- ``eras`` (``--eras``): the rule as it was before a batch was collected — the lexicon of git
  commit ``ce775b7`` (2026.12.1) for batches a–c, of ``3757710`` (2026.12.2) for batches d–f, of
  ``414c107`` (2026.12.3) for batches g–h, of ``48abf67`` (2026.12.4) for batches i–j, of
  ``32c021d`` (2026.12.5) for batch l (batch k was lost) — the
  model trained on the earlier batches' dev texts with that lexicon and measured on the later
  ones. Here neither the rule nor the model has met the held-out topics, as with the test split
  and a new week of news; in the other two the lexicon (tuned on all of dev) has seen them, so
  the rule's figures are optimistic. Each era
  also shows the current lexicon's rule on the same held-out texts (``rule now``): tuned on
  them, so **not** blind — the gap between the two rows is what tuning bought on those texts,
  the blind row what a lexicon change generalises to new topics. Both rule rows are also given
  per script (``simp``/``trad``) and per held-out batch.

The ordinary-news false-positive rate is measured with a model fitted on the whole dev split
(ordinary texts are not trained on). ``--timing``: CPU time (``thread_time``) of
``Scorer.score`` per text, rule alone and with the candidate, on the dev texts and the ordinary set,
and on article-length texts (8 dev excerpts joined, ~900 characters).

``--choose`` (dev rows only): the candidate grid of :mod:`healthcrawl.text.training` (n-gram sets,
title features, C, class weight, rescue and veto thresholds) on the eras of batches d–j, l
(batch k was lost), pooled,
and the candidate that the pre-registered rule (:func:`healthcrawl.text.training.choose`) picks:
the highest pooled F1 with at most one false rescue per 100 true ones and no true positive vetoed.
``healthcrawl train`` fits that candidate (:data:`healthcrawl.text.training.CHOSEN`).
``--choose --families`` adds session 9's pre-registered families (veto only, rescue gates, the
rule's outcome as features, recency-weighted rows; :func:`family_configs`, :func:`grid_points`) and
prints per family the best admissible point with its per-era rows, or its false rescues.
``--veto-gates``: session 11's family F only (a veto allowed only below a rule score,
:func:`veto_gate_choice`) and its highest pooled F1, with no admissibility condition.
``--rescue-only``: session 12's family R, the candidates of ``--choose --families`` that rescue and
never veto (:func:`rescue_only_choice`), and their highest pooled F1, with no admissibility condition.
``--no-more-fp``: session 12's family G, those candidates and veto-gated ones with no more pooled false
positives than the rule (:func:`no_more_fp_choice`), and their highest pooled F1.
``--wider-veto``: session 13's families H (G's condition over a wider veto grid) and M (the highest pooled
min(P, R) over the same points) (:func:`wider_veto_choices`).
``--config '{"c": 0.1, ...}'``: fit that candidate instead of ``CHOSEN`` for the other figures.

    .venv/bin/python eval/relevance_cv.py [--choose [--families] | --veto-gates | --rescue-only | --no-more-fp | --wider-veto] [--eras] [--timing] [--config JSON] [--json]
                                          [--out candidate.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from healthcrawl.text import model as learned  # noqa: E402
from healthcrawl.text import training  # noqa: E402

HEALTH = ROOT / "eval" / "relevance" / "health.jsonl"
ORDINARY = Path("/work/data/relevance/ordinary.jsonl")
#: the corpus's first texts, trained on by every era
FIRST_TRAINED = ("before 2026-12-02",)
#: (lexicon commit, batches held out), in the order the batches were collected: the rule as it was before them
HELD_OUT = (("ce775b7", ("2026-12-02", "2026-12-02b", "2026-12-02c")),
            ("3757710", ("2026-12-02d", "2026-12-02e", "2026-12-02f")),
            ("414c107", ("2026-12-02g", "2026-12-02h")),
            ("48abf67", ("2026-12-02i", "2026-12-02j")),
            # batch k does not exist in the corpus (it was lost): after j comes l
            ("32c021d", ("2026-12-03l",)),
            # batch m (session 9) judged the session-9 pick, frozen before m existed (eval/README)
            ("c252c04", ("2026-12-03m",)),
            ("c6afd7a", ("2026-12-03n",)),
            # batch o (session 10) judged the session-10 pick, frozen before o existed (eval/README)
            ("bc6c3ab", ("2026-12-03o",)),
            ("26ea178", ("2026-12-03p",)),
            ("11f5ea4", ("2026-12-03q",)),
            ("b6aabdb", ("2026-12-03r",)),
            ("d2bae2e", ("2026-12-03s",)),
            ("ff6b691", ("2026-12-03t",)),
            ("92a0ae7", ("2026-12-03u",)),
            ("8cb773b", ("2026-12-03v",)),
            ("54702c6", ("2026-12-03w",)),
            ("cd900e4", ("2026-12-03x",)),
            ("50b5b5d", ("2026-12-03y",)))


def eras_of(held_out: tuple[tuple[str, tuple[str, ...]], ...], first: tuple[str, ...] = FIRST_TRAINED,
            ) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """(lexicon commit, batches trained on, batches held out) per era: each era trains on the first texts and
    every batch an earlier era held out."""
    eras, before = [], tuple(first)
    for commit, after in held_out:
        eras.append((commit, before, after))
        before += after
    return tuple(eras)


#: (lexicon commit, batches trained on, batches held out): the rule before the held-out batches
ERAS = eras_of(HELD_OUT)


def dev_rows(path: Path = HEALTH) -> list[dict[str, Any]]:
    """The dev split's rows (the test split is dropped as each line is read)."""
    return training.corpus_rows(path, "dev")


def rule_scorer(lexicon=None):
    from healthcrawl.text.relevance import Scorer  # noqa: PLC0415

    base = Scorer(model=False, top_keywords=0)
    return Scorer(lexicon=lexicon or base.lexicon, thresholds=base.thresholds, top_keywords=0,
                  keywords_max_chars=base.keywords_max_chars, model=False)


def verdicts(scorer: Any, model: learned.Model | None, rows: list[dict[str, Any]]) -> dict[str, list[bool]]:
    """Decisions of the rule alone, rule + model, and rule + model without its veto."""
    from healthcrawl.text.scoring import apply_rule, simplified  # noqa: PLC0415

    out: dict[str, list[bool]] = {"rule": [], "model": [], "rescue only": []}
    for r in rows:
        title, text = simplified(r["title"], r["text"])
        rule = apply_rule(scorer.lexicon, scorer.thresholds, title, text)
        out["rule"].append(rule.relevant)
        if model is None or not model.applies(rule):
            out["model"].append(rule.relevant)
            out["rescue only"].append(rule.relevant)
            continue
        p = model.probability(model.features(title, text, rule))[0]
        rescuable = rule.relevant or model.may_rescue(rule)
        out["model"].append(model.verdict(rule.relevant, p, rescuable, model.may_veto(rule)))
        out["rescue only"].append(rule.relevant or (rescuable and p >= model.threshold))
    return out


#: the candidate ``fit_model`` fits here (``--config``; default :data:`training.CHOSEN`)
CONFIG: training.Config | None = None


def held_out(scorer: Any, train: list[dict[str, Any]], test: list[dict[str, Any]], tally: dict[str, Counter],
             chosen: list[dict[str, Any]]) -> None:
    """Fit on ``train`` as ``healthcrawl train`` does, add the outcomes on ``test`` to ``tally``."""
    model = training.fit_model(scorer, train, CONFIG, cv=False)
    chosen.append({"C": model.meta["C"], "rescue": model.threshold, "veto": model.veto_threshold})
    labels = [int(r["relevant"]) for r in test]
    for name, got in verdicts(scorer, model, test).items():
        tally.setdefault(name, Counter()).update(training.outcomes(got, labels))


def grouped(rows: list[dict[str, Any]], key: str, folds: int) -> dict[str, Any]:
    """Outer grouped cross-validation: rows grouped by ``key``, whole groups held out."""
    from sklearn.model_selection import GroupKFold  # noqa: PLC0415

    scorer = rule_scorer()
    groups = [r[key] for r in rows]
    tally: dict[str, Counter] = {}
    chosen: list[dict[str, Any]] = []
    for train_idx, test_idx in GroupKFold(min(folds, len(set(groups)))).split(rows, groups=groups):
        held_out(scorer, [rows[i] for i in train_idx], [rows[i] for i in test_idx], tally, chosen)
    return {"folds": len(chosen), "chosen": chosen, **{k: training.summary(c) for k, c in tally.items()}}


def era_lexicon(commit: str):
    """The lexicon as it was at git ``commit``."""
    from healthcrawl.text.lexicon import load_lexicon  # noqa: PLC0415

    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:healthcrawl/data/lexicon.json"],
                          check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        return load_lexicon(fh.name)


def eras(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rule before each later batch was collected, and a model trained on the batches before;
    beside them the current rule on the same held-out texts (tuned on them: not blind)."""
    now = rule_scorer()
    out = {}
    for commit, before, after in ERAS:
        lexicon = era_lexicon(commit)
        scorer = rule_scorer(lexicon)
        test = [r for r in rows if r["batch"] in after]
        tally: dict[str, Counter] = {}
        chosen: list[dict[str, Any]] = []
        held_out(scorer, [r for r in rows if r["batch"] in before], test, tally, chosen)
        rules = {"rule": verdicts(scorer, None, test)["rule"], "rule now": verdicts(now, None, test)["rule"]}
        tally["rule now"] = training.outcomes(rules["rule now"], [int(r["relevant"]) for r in test])
        parts = [("script", v) for v in ("simp", "trad")]
        parts += [("batch", b) for b in after] if len(after) > 1 else []
        scripts = {f"{name} {value}": training.summary(training.outcomes(
            [g for g, r in zip(got, test) if r.get(field) == value],
            [int(r["relevant"]) for r in test if r.get(field) == value]))
            for name, got in rules.items() for field, value in parts}
        out[f"lexicon {lexicon.version} ({commit}), held out {', '.join(after)} (n {len(test)})"] = {
            "chosen": chosen, **{k: training.summary(c) for k, c in tally.items()}, "by_script": scripts,
            "now": now.lexicon.version}
    return out


#: the eras the model is chosen on (``--choose``): batches d–j, l (k was lost), each held out from the
#: lexicon of before it
CHOICE_ERAS = ERAS[1:]


def base_configs() -> list[training.Config]:
    """Features × C × class weight of the grid (thresholds are applied afterwards)."""
    return [training.Config(ngrams=g, title_features=t, c=c, class_weight=w)
            for g in training.NGRAM_SETS for t in (True, False) for w in training.CLASS_WEIGHTS
            for c in training.C_GRID]


def family_configs() -> list[training.Config]:
    """Session 9's new fits (pre-registered: eval/README.md "Session 9"): family C, the n-grams with
    the rule's outcome as features (the whole old grid of features × C × class weight), and family D,
    recency-weighted rows (n-gram sets × C of RECENCY_C_GRID, balanced, lexicon features ±). Families
    A (veto only) and B (rescue gates) reuse every fit's probabilities (:func:`grid_points`)."""
    lexicon = [dataclasses.replace(cfg, lexicon_features=True) for cfg in base_configs()]
    recency = [training.Config(ngrams=g, title_features=t, c=c, class_weight="balanced", lexicon_features=lf,
                               recency=training.RECENCY)
               for lf in (False, True) for g in training.NGRAM_SETS for t in (True, False)
               for c in training.RECENCY_C_GRID]
    return lexicon + recency


def family(cfg: training.Config) -> str:
    """Which pre-registered family a candidate belongs to."""
    if cfg.recency != 1.0:
        return "D recency-weighted rows"
    if cfg.lexicon_features:
        return "C lexicon features"
    if cfg.threshold >= training.NO_RESCUE:
        return "A veto only"
    if cfg.rescue_gate != "gate":
        return "B rescue gate"
    return "old grid"


def mode(cfg: training.Config) -> str:
    return "veto only" if cfg.threshold >= training.NO_RESCUE else f"rescue gate {cfg.rescue_gate}"


def grid_points(cfg: training.Config, families: bool) -> list[tuple[str, float, float]]:
    """(rescue gate, rescue threshold, veto threshold) of a fit: the old grid's, and with
    ``families`` also the other rescue gates and veto only (NO_RESCUE; without a veto it is the
    rule itself, not a candidate)."""
    old = cfg.recency == 1.0 and not cfg.lexicon_features
    gates = training.RESCUE_GATE_GRID if families else ("gate",)
    points = [(g, t, v) for g in gates for t in training.THRESHOLDS for v in training.VETO_THRESHOLDS]
    if families:
        points += [("gate", training.NO_RESCUE, v) for v in training.VETO_THRESHOLDS if v]
    return points if families or old else []


def era_probabilities(rows: list[dict[str, Any]], commit: str, before: tuple[str, ...], after: tuple[str, ...],
                      configs: list[training.Config]) -> tuple[Counter, dict[training.Config, list[tuple]]]:
    """One era: the rule's outcome (lexicon of ``commit``) on the held-out dev rows, and for each
    config the (p, relevant, rule's verdict, the rescue gates that let it rescue, the row) of the
    gated held-out rows, the model fitted on the dev rows of the earlier batches."""
    scorer = rule_scorer(era_lexicon(commit))
    train = [r for r in rows if r["batch"] in before]
    test = [r for r in rows if r["batch"] in after]
    out: dict[training.Config, list[tuple]] = {}
    prepared: dict[tuple, tuple] = {}
    for cfg in configs:
        key = (cfg.ngrams, cfg.title_features, cfg.lexicon_features)
        if key not in prepared:
            prepared[key] = (training.featurize(scorer, train, cfg), training.featurize(scorer, test, cfg))
        (f_train, y_train, _), (f_test, y_test, rules) = prepared[key]
        weights, intercept = training.fit_weights(f_train, y_train, cfg.c, cfg.class_weight,
                                                  training.row_weights(train, cfg.recency))
        m = learned.Model("era", weights, intercept)
        out[cfg] = [(m.probability(f)[0], y, rule.relevant,
                     frozenset(g for g in learned.RESCUE_GATES if learned.may_rescue(g, rule)), r, rule.score)
                    for f, y, rule, r in zip(f_test, y_test, rules, test) if m.applies(rule)]
    _, labels, rules = prepared[key][1]
    return training.outcomes([r.relevant for r in rules], labels), out


def point_outcome(rule: Counter, gated: list[tuple], gate: str, t: float, v: float,
                  veto_gate: float = 0.0) -> dict[str, Any]:
    """Rule + model outcome at one (rescue gate, rescue threshold, veto threshold, veto gate) from the
    gated rows."""
    rescued = [y for p, y, a, gates, _, _ in gated if not a and p >= t and gate in gates]
    vetoed = [y for p, y, a, _, _, score in gated if a and p < v and (not veto_gate or score < veto_gate)]
    return training.era_outcome(rule["tp"], rule["fp"], rule["fn"], (sum(rescued), len(rescued) - sum(rescued)),
                                (sum(vetoed), len(vetoed) - sum(vetoed)))


def pooled_eras(rows: list[dict[str, Any]], configs: list[training.Config],
                ) -> tuple[Counter, dict[training.Config, list[tuple]], list[tuple[str, Counter, dict]]]:
    """The rule's outcome and each config's gated rows over the eras of :data:`CHOICE_ERAS`, pooled,
    and per era (name, rule's counts, gated rows)."""
    rule: Counter = Counter()
    gated: dict[training.Config, list[tuple]] = {cfg: [] for cfg in configs}
    per_era: list[tuple[str, Counter, dict[training.Config, list[tuple]]]] = []
    for commit, before, after in CHOICE_ERAS:
        counts, probs = era_probabilities(rows, commit, before, after, configs)
        rule.update(counts)
        per_era.append((", ".join(after), counts, probs))
        for cfg in configs:
            gated[cfg] += probs[cfg]
    return rule, gated, per_era


def choose_on_eras(rows: list[dict[str, Any]], families: bool = False) -> dict[str, Any]:
    """The grid of :func:`base_configs` × rescue × veto thresholds on the eras of
    :data:`CHOICE_ERAS`, pooled, and the candidate chosen by :func:`training.choose`; with
    ``families`` also session 9's families (:func:`family_configs`, :func:`grid_points`)."""
    configs = base_configs() + (family_configs() if families else [])
    rule, gated, per_era = pooled_eras(rows, configs)
    candidates = []
    for cfg in configs:
        for gate, t, v in grid_points(cfg, families):
            candidates.append((dataclasses.replace(cfg, rescue_gate=gate, threshold=t, veto=v),
                               point_outcome(rule, gated[cfg], gate, t, v)))
    return choice_of(rule, per_era, gated, candidates, training.choose(candidates), families)


def choice_of(rule: Counter, per_era: list, gated: dict, candidates: list, chosen: tuple | None,
              families: bool) -> dict[str, Any]:
    """A choice on the eras of :data:`CHOICE_ERAS` as the renderers read it."""
    return {"eras": [f"{c} held out {', '.join(a)}" for c, _, a in CHOICE_ERAS], "rule": training.summary(rule),
            "candidates": candidates, "chosen": chosen, "families": families, "per_era": per_era, "gated": gated}


#: session 11's family F (pre-registered in eval/README.md "Session 11"): the fit of the highest-F1 point of
#: session 11's choice (character 1- and 2-grams with title grams, balanced) at these C, rescuing behind the
#: ``unexcluded`` gate, with a veto only where the rule's score is below a veto gate
VETO_GATE_C = (1.0, 3.0, 10.0)
VETO_GATES = (1.5, 2.0, 3.0)


def veto_gate_choice(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Family F on the eras of :data:`CHOICE_ERAS`, pooled: every (C, rescue threshold, veto threshold > 0,
    veto gate) point, and the highest F1 (4 decimals; ties as :func:`training.choose` orders them) —
    no admissibility condition: each point is judged on a later batch before it may ship."""
    fits = [training.Config(ngrams=(1, 2), title_features=True, c=c, class_weight="balanced") for c in VETO_GATE_C]
    rule, gated, per_era = pooled_eras(rows, fits)
    candidates = [(dataclasses.replace(cfg, rescue_gate="unexcluded", threshold=t, veto=v, veto_gate=vg),
                   point_outcome(rule, gated[cfg], "unexcluded", t, v, vg))
                  for cfg in fits for t in training.THRESHOLDS for v in training.VETO_THRESHOLDS if v
                  for vg in VETO_GATES]
    return choice_of(rule, per_era, gated, candidates, highest_f1(candidates), False)


def highest_f1(candidates: list[tuple[training.Config, dict[str, Any]]]) -> tuple[training.Config, dict[str, Any]]:
    """The highest pooled F1 (4 decimals) with no admissibility condition; ties as
    :func:`training.choose` orders them."""
    return min(candidates, key=lambda co: (-round(co[1]["f1"], 4), co[1]["false_rescues"], -co[0].threshold,
                                           co[0].veto, training._simplicity(co[0])))


def rescue_only_choice(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Session 12's family R (pre-registered in eval/README.md "Session 12"): of the candidates of
    ``--choose --families``, those that rescue and never veto (v 0.0), and their highest pooled F1 over
    the eras of :data:`CHOICE_ERAS` — no admissibility condition: judged on a later batch before it may ship."""
    choice = choose_on_eras(rows, families=True)
    choice["candidates"] = [(cfg, o) for cfg, o in choice["candidates"]
                            if cfg.veto == 0.0 and cfg.threshold < training.NO_RESCUE]
    choice["chosen"] = highest_f1(choice["candidates"])
    return choice


def no_more_fp_choice(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Session 12's family G (pre-registered in eval/README.md "Session 12"): every candidate of ``--choose
    --families`` and, for each that vetoes, also the veto gates of :data:`VETO_GATES`; of those whose pooled false
    positives over the eras of :data:`CHOICE_ERAS` are not more than the rule's (``healthcrawl train``'s own "no
    worse": the false-positive rate not higher), the highest pooled F1 — no other condition."""
    configs = base_configs() + family_configs()
    rule, gated, per_era = pooled_eras(rows, configs)
    candidates = [(dataclasses.replace(cfg, rescue_gate=gate, threshold=t, veto=v, veto_gate=vg),
                   point_outcome(rule, gated[cfg], gate, t, v, vg))
                  for cfg in configs for gate, t, v in grid_points(cfg, True)
                  for vg in ((0.0, *VETO_GATES) if v else (0.0,))]
    allowed = [(cfg, o) for cfg, o in candidates if o["fp"] <= rule["fp"]]
    return choice_of(rule, per_era, gated, allowed, highest_f1(allowed), True)


#: session 13's wider veto grid (pre-registered in eval/README.md "Session 13"): G's points with these veto
#: thresholds and veto gates (0.0: no gate)
WIDE_VETOES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
WIDE_VETO_GATES = (0.0, 1.5, 2.0, 3.0, 4.0, 5.0)


def wide_veto_points(rule: Counter, gated: dict, configs: list[training.Config]) -> list[tuple[training.Config, dict]]:
    """Every fit × (rescue gate, rescue threshold) of G's grid × (no veto, or a veto of :data:`WIDE_VETOES` behind
    a gate of :data:`WIDE_VETO_GATES`), scored from counts: a rescue (the rule rejected) and a veto (the rule
    accepted) never meet one row, so each point is its rescues' counts plus its vetoes' (the same outcome as
    :func:`point_outcome`, without a pass over the rows per point)."""
    import numpy as np  # noqa: PLC0415

    points = []
    for cfg in configs:
        rows = gated[cfg]
        p = np.array([r[0] for r in rows], dtype=float)
        y = np.array([bool(r[1]) for r in rows], dtype=bool)
        accepted = np.array([bool(r[2]) for r in rows], dtype=bool)
        score = np.array([r[5] for r in rows], dtype=float)
        pairs = dict.fromkeys((g, t) for g, t, _ in grid_points(cfg, True))
        # the rows each rescue gate lets the model rescue (the rule rejected them), once per gate
        may = {g: ~accepted & np.array([g in r[3] for r in rows], dtype=bool) for g in dict.fromkeys(g for g, _ in pairs)}
        rescues = {}
        for gate, t in pairs:
            hit = may[gate] & (p >= t)
            rescues[(gate, t)] = (int((hit & y).sum()), int((hit & ~y).sum()))
        vetoes = {(0.0, 0.0): (0, 0)}
        for v in WIDE_VETOES:
            for vg in WIDE_VETO_GATES:
                hit = accepted & (p < v) & ((score < vg) if vg else True)
                vetoes[(v, vg)] = (int((hit & y).sum()), int((hit & ~y).sum()))
        for (gate, t), rescued in rescues.items():
            for (v, vg), vetoed in vetoes.items():
                if t >= training.NO_RESCUE and not v:
                    continue  # neither rescue nor veto: the rule itself
                points.append((dataclasses.replace(cfg, rescue_gate=gate, threshold=t, veto=v, veto_gate=vg),
                               training.era_outcome(rule["tp"], rule["fp"], rule["fn"], rescued, vetoed)))
    return points


def wider_veto_choices(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Session 13's families on the eras of :data:`CHOICE_ERAS`, pooled, over :func:`wide_veto_points`: **H**, the
    highest F1 among the points with no more false positives than the rule (G's condition), and **M**, the highest
    min(precision, recall) — the goal's own form — with no other condition (ties: F1, then as :func:`highest_f1`)."""
    configs = base_configs() + family_configs()
    rule, gated, per_era = pooled_eras(rows, configs)
    points = wide_veto_points(rule, gated, configs)
    allowed = [(cfg, o) for cfg, o in points if o["fp"] <= rule["fp"]]
    h = choice_of(rule, per_era, gated, allowed, highest_f1(allowed), True)
    m_point = min(points, key=lambda co: (-round(min(co[1]["precision"], co[1]["recall"]), 4), -round(co[1]["f1"], 4),
                                          co[1]["false_rescues"], -co[0].threshold, co[0].veto, training._simplicity(co[0])))
    return h, choice_of(rule, per_era, gated, points, m_point, True)


def fit_of(cfg: training.Config) -> training.Config:
    """The fitted configuration of a candidate (its thresholds and gate set to the defaults)."""
    return dataclasses.replace(cfg, threshold=0.5, veto=0.0, rescue_gate="gate", veto_gate=0.0)


def era_rows(choice: dict[str, Any], cfg: training.Config) -> list[str]:
    """Per era: the rule of before and rule + the candidate ``cfg``."""
    lines = []
    for name, counts, probs in choice["per_era"]:
        o = point_outcome(counts, probs[fit_of(cfg)], cfg.rescue_gate, cfg.threshold, cfg.veto, cfg.veto_gate)
        r = training.summary(counts)
        lines.append(f"      era {name:<38} n {sum(counts.values()):>3}  rule P {r['precision']:.3f} "
                     f"R {r['recall']:.3f} F1 {r['f1']:.4f} fp {r['fp']:>2} fn {r['fn']:>2} -> "
                     f"P {o['precision']:.3f} R {o['recall']:.3f} "
                     f"F1 {o['f1']:.4f} fp {o['fp']:>2} fn {o['fn']:>2}; rescued {o['rescued']}/{o['false_rescues']} "
                     f"vetoed fp/tp {o['vetoed_fp']}/{o['vetoed_tp']}")
    return lines


def false_rescues(choice: dict[str, Any], cfgs: list[training.Config]) -> Counter:
    """The dev rows falsely rescued at the candidates ``cfgs``: (batch, title) -> how many of them."""
    out: Counter = Counter()
    for cfg in cfgs:
        for p, y, a, gates, row, _ in choice["gated"][fit_of(cfg)]:
            if not a and not y and p >= cfg.threshold and cfg.rescue_gate in gates:
                out[(row["batch"], row["title"][:60])] += 1
    return out


def render_families(choice: dict[str, Any]) -> str:
    """Per family and rescue mode: the best admissible point (``training.choose`` on that part of
    the grid) with its per-era rows, or, when none is admissible, the false rescues of its
    strictest rescue points (t 0.95); then what ``training.choose`` picks over the whole grid."""
    parts: dict[tuple[str, str], list] = {}
    for cfg, o in choice["candidates"]:
        parts.setdefault((family(cfg), mode(cfg)), []).append((cfg, o))
        parts.setdefault((family(cfg), "all"), []).append((cfg, o))
    lines = ["  families (pre-registered: eval/README.md, Session 9): best admissible point per family and mode"]
    for (fam, md), cands in sorted(parts.items()):
        best = training.choose(cands)
        admissible = sum(training.admissible(o) for _, o in cands)
        head = f"  {fam} / {md}: {len(cands)} candidates, {admissible} admissible"
        if best:
            cfg, o = best
            lines.append(f"{head}; best {cfg.name()}: P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.4f} "
                         f"fp {o['fp']} fn {o['fn']}; rescued {o['rescued']}/{o['false_rescues']}, "
                         f"vetoed fp/tp {o['vetoed_fp']}/{o['vetoed_tp']}")
            if md == "all":
                lines += era_rows(choice, cfg)
        else:
            strict = [cfg for cfg, _ in cands if cfg.threshold == max(training.THRESHOLDS) and cfg.veto == 0.0]
            top = max(cands, key=lambda co: co[1]["f1"])
            lines.append(f"{head}; highest F1 {top[0].name()} {top[1]['f1']:.4f} "
                         f"(rescued {top[1]['rescued']}/{top[1]['false_rescues']}, vetoed fp/tp "
                         f"{top[1]['vetoed_fp']}/{top[1]['vetoed_tp']})")
            for (batch, title), n in false_rescues(choice, strict).most_common(6):
                lines.append(f"      false rescue at t 0.95 in {n} of {len(strict)} fits: {batch} {title}")
    if choice["chosen"]:
        cfg, o = choice["chosen"]
        lines.append(f"  CHOSEN over old + new ({family(cfg)}) {cfg.name()}: P {o['precision']:.3f} "
                     f"R {o['recall']:.3f} "
                     f"F1 {o['f1']:.4f} fp {o['fp']} fn {o['fn']}; rescued {o['rescued']}, false rescues "
                     f"{o['false_rescues']}, vetoed fp {o['vetoed_fp']}, vetoed tp {o['vetoed_tp']}")
        lines += era_rows(choice, cfg)
    else:
        lines.append("  CHOSEN over old + new: none admissible")
    return "\n".join(lines)


def render_choice(choice: dict[str, Any]) -> str:
    """Per feature set × C × class weight: rescues/false rescues at each threshold (no veto), its
    best admissible point; the veto's effect at each veto threshold; the chosen candidate."""
    r = choice["rule"]
    lines = [f"choice on the eras ({'; '.join(choice['eras'])}), dev rows only",
             f"  rule of before, pooled: P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.4f} "
             f"fp {r['fp']} fn {r['fn']} (n {r['tp'] + r['fp'] + r['fn'] + r['tn']})",
             "  config: rescued/false at t = " + " ".join(f"{t:.2f}" for t in training.THRESHOLDS)
             + " | vetoed fp/tp at v = " + " ".join(str(v) for v in training.VETO_THRESHOLDS[1:])
             + " | best admissible"]
    if choice.get("families"):
        return "\n".join(lines[:2]) + "\n" + render_families(choice)
    by_base: dict[training.Config, dict] = {}
    for cfg, o in choice["candidates"]:
        by_base.setdefault(dataclasses.replace(cfg, threshold=0.5, veto=0.0), {})[(cfg.threshold, cfg.veto)] = (cfg, o)
    for base, points in by_base.items():
        rescues = " ".join(f"{points[(t, 0.0)][1]['rescued']}/{points[(t, 0.0)][1]['false_rescues']}"
                           for t in training.THRESHOLDS)
        vetoes = " ".join(f"{points[(0.95, v)][1]['vetoed_fp']}/{points[(0.95, v)][1]['vetoed_tp']}"
                          for v in training.VETO_THRESHOLDS[1:])
        best = training.choose(list(points.values()))
        tail = f"t{best[0].threshold} v{best[0].veto} F1 {best[1]['f1']:.4f}" if best else "none"
        lines.append(f"  {base.name().rsplit(' t', 1)[0]:<26} {rescues} | {vetoes} | {tail}")
    if choice["chosen"]:
        cfg, o = choice["chosen"]
        lines.append(f"  CHOSEN {cfg.name()}: P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.4f} "
                     f"fp {o['fp']} fn {o['fn']}; rescued {o['rescued']}, false rescues {o['false_rescues']}, "
                     f"vetoed fp {o['vetoed_fp']}, vetoed tp {o['vetoed_tp']}")
    else:
        lines.append("  CHOSEN: none admissible")
    return "\n".join(lines)


def ordinary(model: learned.Model, path: Path) -> dict[str, Any]:
    """False positives on the ordinary-news set: rule alone and rule + the model fitted on dev."""
    with path.open(encoding="utf-8") as fh:
        rows = [{"key": r["id"], "title": r.get("title") or "", "text": r.get("text") or "",
                 "relevant": bool(r["relevant"])} for r in map(json.loads, filter(str.strip, fh))]
    got = verdicts(rule_scorer(), model, rows)
    negatives = [not r["relevant"] for r in rows]
    out = {"n": len(rows), "irrelevant": sum(negatives)}
    for name in ("rule", "model"):
        fps = sum(g and n for g, n in zip(got[name], negatives))
        out[name] = {"fp": fps, "fp_rate": round(fps / out["irrelevant"], 5),
                     "relevant_found": sum(g and not n for g, n in zip(got[name], negatives))}
    return out


def timing(model: learned.Model, texts: list[tuple[str, str]]) -> dict[str, Any]:
    """CPU ms per ``Scorer.score`` (p50, p95), rule alone and with the model."""
    from healthcrawl.text.relevance import Scorer  # noqa: PLC0415

    base = rule_scorer()
    out = {}
    for name, m in (("rule", False), ("model", model)):
        scorer = Scorer(lexicon=base.lexicon, thresholds=base.thresholds, top_keywords=0,
                        keywords_max_chars=base.keywords_max_chars, model=m)
        scorer.score(*texts[0])
        times = []
        for title, text in texts:
            start = time.thread_time()
            scorer.score(title, text)
            times.append((time.thread_time() - start) * 1000)
        times.sort()
        out[name] = {"n": len(times), "p50_ms": round(times[len(times) // 2], 3),
                     "p95_ms": round(times[int(len(times) * 0.95)], 3)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Grouped cross-validation of the relevance model on the dev split.")
    ap.add_argument("--health", type=Path, default=HEALTH)
    ap.add_argument("--ordinary", type=Path, default=ORDINARY)
    ap.add_argument("--eras", action="store_true", help="also the rule and model of before each later batch")
    ap.add_argument("--choose", action="store_true",
                    help="only the grid of candidates on the eras (d-j, l, m, n, o, p) and the one the pre-registered rule chooses")
    ap.add_argument("--families", action="store_true",
                    help="with --choose: also session 9's candidate families (veto only, rescue gates, lexicon "
                         "features, recency-weighted rows)")
    ap.add_argument("--veto-gates", action="store_true",
                    help="only session 11's family F on the eras (veto gates) and its highest-F1 point")
    ap.add_argument("--rescue-only", action="store_true",
                    help="only session 12's family R on the eras (rescue, never veto) and its highest-F1 point")
    ap.add_argument("--no-more-fp", action="store_true",
                    help="only session 12's family G: the highest-F1 point with no more false positives than the rule")
    ap.add_argument("--wider-veto", action="store_true",
                    help="session 13's families H (G with a wider veto grid) and M (the highest min(P, R))")
    ap.add_argument("--config", type=json.loads,
                    help="a candidate (JSON of training.Config fields) to fit instead of training.CHOSEN")
    ap.add_argument("--timing", action="store_true", help="CPU time per score, rule alone and with the model")
    ap.add_argument("--out", type=Path, help="write the candidate fitted on the whole dev split here")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = dev_rows(args.health)
    global CONFIG
    if args.config:
        CONFIG = training.Config(**{k: tuple(v) if k == "ngrams" else v for k, v in args.config.items()})
    if args.veto_gates or args.rescue_only or args.no_more_fp or args.wider_veto:
        if args.wider_veto:
            choices = list(zip(("H", "M"), wider_veto_choices(rows)))
        else:
            name, choose = (("F", veto_gate_choice) if args.veto_gates else ("R", rescue_only_choice) if args.rescue_only
                            else ("G", no_more_fp_choice))
            choices = [(name, choose(rows))]
        for name, choice in choices:
            cfg, o = choice["chosen"]
            r = choice["rule"]
            print(f"family {name} on the eras ({len(choice['candidates'])} points): rule of before, pooled: P {r['precision']:.3f} "
                  f"R {r['recall']:.3f} F1 {r['f1']:.4f} fp {r['fp']} fn {r['fn']}")
            print(f"  chosen {cfg.name()}: P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.4f} fp {o['fp']} "
                  f"fn {o['fn']}; rescued {o['rescued']}/{o['false_rescues']} vetoed fp/tp {o['vetoed_fp']}/{o['vetoed_tp']}")
            print("\n".join(era_rows(choice, cfg)))
        return 0
    if args.choose:
        choice = choose_on_eras(rows, args.families)
        if args.json:
            for k in ("per_era", "gated", "families"):
                choice.pop(k)
        print(json.dumps({**choice, "candidates": len(choice["candidates"]), "chosen": (
            dataclasses.asdict(choice["chosen"][0]), choice["chosen"][1]) if choice["chosen"] else None},
            ensure_ascii=False, indent=1) if args.json else render_choice(choice))
        return 0
    report: dict[str, Any] = {"dev_rows": len(rows), "query": grouped(rows, "group", training.FOLDS),
                              "batch": grouped(rows, "batch", len({r["batch"] for r in rows}))}
    if args.eras:
        report["eras"] = eras(rows)
    model = training.fit_model(rule_scorer(), rows, CONFIG)
    report["candidate"] = {"C": model.meta["C"], "rescue": model.threshold, "veto": model.veto_threshold,
                           "features": len(model.weights)}
    if args.out:
        args.out.write_text(json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.ordinary.exists():
        report["ordinary"] = ordinary(model, args.ordinary)
    if args.timing:
        texts = [(r["title"], r["text"]) for r in rows]
        if args.ordinary.exists():
            texts += [(json.loads(line).get("title") or "", json.loads(line).get("text") or "")
                      for line in args.ordinary.open(encoding="utf-8") if line.strip()]
        report["timing"] = timing(model, texts)
        joined = [(rows[i]["title"], "".join(r["text"] for r in rows[i:i + 8])) for i in range(0, len(rows) - 7, 8)]
        report["timing"].update({f"{k}, articles of 8 excerpts": v for k, v in timing(model, joined).items()})
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else render(report))
    return 0


def render(report: dict[str, Any]) -> str:
    lines = [f"dev split: {report['dev_rows']} texts (the test split is not read)"]
    sections = [(f"grouped CV, {k}", report[k]) for k in ("query", "batch")] + \
        [(f"era: {k}", v) for k, v in report.get("eras", {}).items()]
    for title, sec in sections:
        lines.append(f"{title}  (chosen C/rescue/veto per fold: "
                     + ", ".join(f"{c['C']}/{c['rescue']}/{c['veto']}" for c in sec["chosen"]) + ")")
        for name in ("rule", "model", "rescue only", "rule now"):
            if name in sec:
                f = sec[name]
                label = f"rule now ({sec['now']}: these texts may have been tuned on)" if name == "rule now" else name
                lines.append(f"  {label:<12} P {f['precision']:.3f}  R {f['recall']:.3f}  F1 {f['f1']:.3f}  "
                             f"fp {f['fp']:>3}  fn {f['fn']:>3}")
        for name, f in sec.get("by_script", {}).items():
            lines.append(f"    {name:<20} n {f['tp'] + f['fp'] + f['fn'] + f['tn']:>3}  P {f['precision']:.3f}  "
                         f"R {f['recall']:.3f}  fp {f['fp']:>3}  fn {f['fn']:>3}")
    c = report["candidate"]
    lines.append(f"candidate on all dev: C {c['C']}, rescue at {c['rescue']}, veto below {c['veto']}, "
                 f"{c['features']} weights")
    if "ordinary" in report:
        o = report["ordinary"]
        lines.append(f"ordinary news ({o['irrelevant']} irrelevant of {o['n']}): " + "; ".join(
            f"{k} fp {o[k]['fp']} = {100 * o[k]['fp_rate']:.2f}% (relevant found {o[k]['relevant_found']})"
            for k in ("rule", "model")))
    for name, t in report.get("timing", {}).items():
        lines.append(f"CPU per score, {name}: p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms (n {t['n']})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
