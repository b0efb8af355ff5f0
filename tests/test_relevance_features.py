"""Session 9's candidate families of the learned relevance layer (issue 14): the rule's outcome as
features (``l:``), rescue gates, a veto-only layer, recency-weighted rows — on real dev rows of the
corpus (the frozen test split is never read: :func:`training.corpus_rows` keeps ``dev`` only)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from healthcrawl.text import model as learned
from healthcrawl.text import training
from healthcrawl.text.relevance import Scorer
from healthcrawl.text.scoring import apply_rule, simplified

EVAL = Path(__file__).resolve().parents[1] / "eval"
HEALTH_CORPUS = EVAL / "relevance" / "health.jsonl"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(model=False, top_keywords=0)


@pytest.fixture(scope="module")
def dev(scorer):
    """(row, simplified title, text, the rule's outcome) of every dev row."""
    out = []
    for r in training.corpus_rows(HEALTH_CORPUS, "dev"):
        title, text = simplified(r["title"], r["text"])
        out.append((r, title, text, apply_rule(scorer.lexicon, scorer.thresholds, title, text)))
    return out


def pick(dev, title: str):
    return next(x for x in dev if x[0]["title"] == title)


def relevance_cv():
    spec = importlib.util.spec_from_file_location("relevance_cv", EVAL / "relevance_cv.py")
    cv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cv)
    return cv


def test_the_dev_rows_are_dev_only(dev):
    urls = {json.loads(line)["url"]: json.loads(line)["split"]
            for line in HEALTH_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert dev and all(urls[r["key"]] == "dev" for r, *_ in dev)


def test_lexicon_features_read_the_rules_outcome_of_a_real_relevant_text(dev):
    _, title, _, rule = pick(dev, "台州市儿童青少年心理健康行动方案")
    names = learned.lexicon_features(rule, title)
    assert rule.relevant and "rule" in names and f"v:{rule.reasons['rule']}" in names
    assert "title:health" in names and rule.ratios["health"] >= 1.0
    assert {f"{c}:r{learned._ratio_bin(rule.ratios[c])}" for c in ("health", "digital", "policy")} <= names
    assert {f"{c}:e{min(rule.evidence[c], 3)}" for c in ("health", "digital", "policy")} <= names
    assert not any(n.startswith(("markets:", "negative:", "excluded_by:")) for n in names)


def test_lexicon_features_of_a_real_rejected_text_name_the_rules_that_fired(dev):
    _, title, _, rule = pick(dev, "家电企业拥抱AI需要“系统性耐心”")
    names = learned.lexicon_features(rule, title)
    assert not rule.relevant and "rule" not in names
    assert "title:digital" in names and "health:r<0.5" in names  # AI in the title, no health in the text
    assert ("why:unanchored" in names) == bool(rule.reasons.get("unanchored"))
    excluded = next(x for x in dev if x[3].reasons.get("excluded_by"))
    assert {f"excluded_by:{c}" for c in excluded[3].reasons["excluded_by"]} <= learned.lexicon_features(
        excluded[3], excluded[1])


def test_every_dev_text_gets_one_bin_per_category_and_only_known_names(dev):
    for _, title, _, rule in dev:
        names = learned.lexicon_features(rule, title)
        for c in ("health", "digital", "policy"):
            assert sum(n.startswith(f"{c}:r") for n in names) == 1
            assert sum(n.startswith(f"{c}:e") for n in names) == 1
        assert sum(n.startswith("v:") for n in names) == 1
        assert ("rule" in names) == rule.relevant
        assert all(n.split(":")[0] in {"rule", "v", "health", "digital", "policy", "markets", "negative", "why",
                                       "excluded_by", "title"} for n in names)


def test_features_add_the_lexicon_features_only_with_the_rule(dev):
    _, title, text, rule = pick(dev, "台州市儿童青少年心理健康行动方案")
    plain = learned.features(title, text, ngrams=(1, 2))
    with_rule = learned.features(title, text, ngrams=(1, 2), rule=rule)
    assert not any(k.startswith("l:") for k in plain)
    assert set(with_rule) - set(plain) == {"l:" + n for n in learned.lexicon_features(rule, title)}
    m = learned.Model("t", {"l:rule": 1.0}, 0.0, lexicon_features=True)
    assert "l:rule" in m.features(title, text, rule)
    assert "l:rule" not in learned.Model("t", {}, 0.0).features(title, text, rule)


def test_a_lexicon_feature_model_scores_the_same_fast_and_slow_and_round_trips(dev, tmp_path):
    weights = {"l:rule": 1.2, "l:why:unanchored": -0.8, "l:title:health": 0.6, "b:医保": 0.3, "t:健康": 0.4}
    m = learned.Model("lex", weights, -0.5, threshold=0.7, veto_threshold=0.1, ngrams=(1, 2),
                      lexicon_features=True, rescue_gate="health")
    for _, title, text, rule in dev[:200]:
        p, _ = m.probability(m.features(title, text, rule))
        fast, _ = m.evidence(title, text, rule)
        assert fast == pytest.approx(p, abs=1e-9)
    data = m.to_dict()
    assert data["kind"] == learned.KIND_RULE_AWARE and data["rescue_gate"] == "health" and data["lexicon_features"]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    loaded = learned.load_model(path)
    assert (loaded.lexicon_features, loaded.rescue_gate, loaded.weights) == (True, "health", m.weights)


def test_models_without_the_new_families_keep_their_kind_and_old_files_load():
    m = learned.Model("old", {"b:医保": 1.0}, 0.0, threshold=0.9, veto_threshold=0.05, ngrams=(1, 2))
    data = m.to_dict()
    assert data["kind"] == learned.KIND and "lexicon_features" not in data and "rescue_gate" not in data
    old = {k: v for k, v in data.items() if k not in ("ngrams", "title_features")}
    for kind in learned.KINDS:
        loaded = learned.Model.from_dict({**old, "kind": kind})
        assert (loaded.lexicon_features, loaded.rescue_gate) == (False, "gate")
    with pytest.raises(ValueError):
        learned.Model("bad", {}, 0.0, rescue_gate="nowhere")


def test_rescue_gates_on_real_rejected_texts(dev):
    rejected = [(r, rule) for r, _, _, rule in dev if not rule.relevant and rule.ratios["health"] >= 0.5]
    weak = next(rule for _, rule in rejected if rule.ratios["health"] < 1.0)
    strong = next(rule for _, rule in rejected if rule.ratios["health"] >= 1.0 and not rule.reasons.get("excluded_by"))
    excluded = next(rule for _, rule in rejected if rule.reasons.get("excluded_by") and rule.ratios["health"] >= 1.0)
    assert [learned.may_rescue(g, weak) for g in learned.RESCUE_GATES] == [True, False, not weak.reasons.get(
        "excluded_by"), False]
    assert all(learned.may_rescue(g, strong) for g in learned.RESCUE_GATES)
    assert [learned.may_rescue(g, excluded) for g in learned.RESCUE_GATES] == [True, True, False, False]


def test_the_scorer_applies_the_rescue_gate_and_the_veto_only_layer(dev, scorer):
    """A model that believes everything (p ~ 1) rescues every gated rejected text behind ``gate``,
    only those whose health holds behind ``health``, none as a veto-only layer."""
    row = next((r, rule) for r, _, _, rule in dev if not rule.relevant and 0.5 <= rule.ratios["health"] < 1.0)
    r, rule = row
    believer = {"gate": None, "health": None, "veto only": None}
    for name, kw in (("gate", {}), ("health", {"rescue_gate": "health"}),
                     ("veto only", {"threshold": training.NO_RESCUE, "veto_threshold": 0.2})):
        m = learned.Model("believer", {}, 30.0, **{"threshold": 0.9, **kw})
        s = Scorer(lexicon=scorer.lexicon, thresholds=scorer.thresholds, top_keywords=0, model=m)
        believer[name] = s.score(r["title"], r["text"])
    assert believer["gate"].relevant and believer["gate"].reasons["model"]["action"] == "rescued"
    assert not believer["health"].relevant and believer["health"].reasons["model"]["action"] == "agreed"
    assert not believer["veto only"].relevant and believer["veto only"].score < 1.0
    doubter = learned.Model("doubter", {}, -30.0, threshold=training.NO_RESCUE, veto_threshold=0.2)
    accepted = next(r for r, _, _, rule in dev if rule.relevant)
    s = Scorer(lexicon=scorer.lexicon, thresholds=scorer.thresholds, top_keywords=0, model=doubter)
    assert s.score(accepted["title"], accepted["text"]).reasons["model"]["action"] == "vetoed"


def test_a_veto_gate_lets_the_model_overturn_only_weak_acceptances(dev, scorer):
    """Session 11's family F: a doubter (p ~ 0) with a veto gate of 3 vetoes an accepted real text whose
    rule score is below 3 and leaves a strong one alone; the gate survives the model file, whose kind
    earlier code refuses."""
    weak = next(r for r, _, _, rule in dev if rule.relevant and rule.score < 2.0)
    strong = next(r for r, _, _, rule in dev if rule.relevant and rule.score >= 5.0)
    doubter = learned.Model("doubter", {}, -30.0, threshold=training.NO_RESCUE, veto_threshold=0.2, veto_gate=3.0)
    s = Scorer(lexicon=scorer.lexicon, thresholds=scorer.thresholds, top_keywords=0, model=doubter)
    assert s.score(weak["title"], weak["text"]).reasons["model"]["action"] == "vetoed"
    kept = s.score(strong["title"], strong["text"])
    assert kept.relevant and kept.reasons["model"]["action"] == "agreed"
    data = doubter.to_dict()
    assert data["kind"] == learned.KIND_VETO_GATED and learned.Model.from_dict(data).veto_gate == 3.0
    earlier = {k: v for k, v in data.items() if k != "veto_gate"} | {"kind": learned.KIND}
    assert learned.Model.from_dict(earlier).veto_gate == 0.0  # a file of an earlier kind: a veto anywhere
    assert training.Config(veto=0.15, veto_gate=3.0).name().endswith(" v0.15 vg3.0")


def test_config_names_of_the_old_grid_are_unchanged_and_the_new_ones_say_their_family():
    assert training.Config(ngrams=(1, 2), title_features=True, c=0.1, class_weight="balanced", threshold=0.9,
                           veto=0.05).name() == "1-2+t C0.1 balanced t0.9 v0.05"
    assert training.CHOSEN.name() == "1-2+t C1.0 balanced g:unexcluded t0.65 v0.25 vg4.0"
    cfg = training.Config(threshold=training.NO_RESCUE, veto=0.1, lexicon_features=True, recency=3.0,
                          rescue_gate="health")
    assert cfg.name() == "2+t+lex C1.0 balanced r3.0 g:health t- v0.1"


def test_recency_weights_the_two_newest_batches_of_real_rows():
    rows = training.corpus_rows(HEALTH_CORPUS, "dev")
    before_i = [r for r in rows if r["batch"] < "2026-12-02i" or r["batch"].startswith("before")]
    assert training.row_weights(before_i, 1.0) is None
    weights = training.row_weights(before_i, 3.0)
    heavy = {r["batch"] for r, w in zip(before_i, weights) if w == 3.0}
    assert heavy == {"2026-12-02g", "2026-12-02h"}
    assert training.row_weights([{"batch": None}, *before_i[:1]], 2.0)[0] == 2.0  # a label row


def test_fit_model_fits_a_family_candidate_on_real_rows(scorer):
    rows = training.corpus_rows(HEALTH_CORPUS, "dev")
    train = [r for r in rows if r["batch"] in ("2026-12-02d", "2026-12-02e", "2026-12-02f")]
    cfg = training.Config(ngrams=(2,), c=0.3, threshold=0.9, veto=0.05, lexicon_features=True,
                          rescue_gate="health-unexcluded", recency=3.0)
    model = training.fit_model(scorer, train, cfg, cv=False)
    assert model.lexicon_features and model.rescue_gate == "health-unexcluded"
    assert any(k.startswith("l:") for k in model.weights)
    assert model.meta["config"]["recency"] == 3.0 and model.to_dict()["kind"] == learned.KIND_RULE_AWARE
    unweighted = training.fit_model(scorer, train, training.Config(ngrams=(2,), c=0.3, lexicon_features=True),
                                    cv=False)
    assert unweighted.weights != pytest.approx(model.weights)


def test_the_grid_points_keep_the_old_grid_and_add_the_families():
    cv = relevance_cv()
    old, lex = training.Config(), training.Config(lexicon_features=True)
    n = len(training.THRESHOLDS) * len(training.VETO_THRESHOLDS)
    assert cv.grid_points(old, False) == [("gate", t, v) for t in training.THRESHOLDS for v in training.VETO_THRESHOLDS]
    assert cv.grid_points(lex, False) == []
    points = cv.grid_points(old, True)
    assert len(points) == len(learned.RESCUE_GATES) * n + len(training.VETO_THRESHOLDS) - 1
    assert ("gate", training.NO_RESCUE, 0.0) not in points  # the rule itself is no candidate
    assert cv.grid_points(lex, True) == points
    assert cv.family(training.Config(threshold=training.NO_RESCUE, veto=0.1)) == "A veto only"
    assert cv.family(training.Config(rescue_gate="health")) == "B rescue gate"
    assert cv.family(lex) == "C lexicon features" and cv.family(training.Config(recency=3.0)).startswith("D")
    assert {c.lexicon_features for c in cv.family_configs()} == {True, False}


def test_the_wider_veto_points_count_as_point_outcome_does():
    """Session 13's H and M are scored from counts (rescues and vetoes apart): every point must be what
    :func:`point_outcome` gives from the rows themselves."""
    import random

    from collections import Counter

    cv = relevance_cv()
    rng = random.Random(13)
    cfg = training.Config()
    gated = {cfg: [(rng.random(), rng.random() < 0.4, rng.random() < 0.5,
                    frozenset(g for g in learned.RESCUE_GATES if rng.random() < 0.6), None, rng.choice((1.0, 2.5, 3.5, 6.0)))
                   for _ in range(400)]}
    rule = Counter(tp=120, fp=40, fn=30, tn=210)
    points = cv.wide_veto_points(rule, gated, [cfg])
    gates = {g for g, _, _ in cv.grid_points(cfg, True)}
    assert len(points) == len(gates) * len(training.THRESHOLDS) * (1 + len(cv.WIDE_VETOES) * len(cv.WIDE_VETO_GATES)) \
        + len(cv.WIDE_VETOES) * len(cv.WIDE_VETO_GATES)
    for point, outcome in points:
        assert outcome == cv.point_outcome(rule, gated[cfg], point.rescue_gate, point.threshold, point.veto,
                                           point.veto_gate), point.name()
