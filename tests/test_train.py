"""The learned relevance layer (a second opinion over character bigrams): features, rescue and
veto, thresholds by grouped cross-validation, the shipped model, ``healthcrawl train`` (fit,
measure on the frozen split, ship only if no worse; ``--dev-only`` never reads it) and
``healthcrawl label`` against a real mongod."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from healthcrawl.cli.score import add_score_parser
from healthcrawl.storage import labels
from healthcrawl.text import model as learned
from healthcrawl.text import training
from healthcrawl.text.relevance import Scorer
from healthcrawl.text.scoring import apply_rule, simplified

HEALTH = ["国家卫生健康委印发指导意见，推进全民健康信息平台建设，医疗机构数据共享。",
          "国家医保局推进医保信息平台建设，医保电子凭证覆盖公立医院。",
          "市卫健委推动互联网医院建设，医疗机构开展远程医疗服务。",
          "国务院办公厅印发公立医院高质量发展意见，推进医疗卫生体制改革。"]
OTHER = ["宝宝发烧怎么办，家长可以物理降温，必要时就医，遵医嘱用药。",
         "宠物医院的诊疗费用较高，市民反映给宠物看病太贵。",
         "球员膝盖韧带受伤，接受手术后进入康复期，赛季报销。",
         "银行利用大数据风控模型识别风险，提高贷款审批效率。"]


def corpus(tmp_path, copies: int = 6):
    rows = []
    for i in range(copies):
        for split in ("dev", "test"):
            rows += [{"url": f"https://e.example/{split}/h{i}{j}", "title": t[:12], "excerpt": t,
                      "relevant": True, "split": split} for j, t in enumerate(HEALTH)]
            rows += [{"url": f"https://e.example/{split}/o{i}{j}", "title": t[:12], "excerpt": t,
                      "relevant": False, "split": split} for j, t in enumerate(OTHER)]
    path = tmp_path / "health.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def rule_scorer() -> Scorer:
    return Scorer(model=False)


def test_features_are_character_bigrams_of_the_text_and_the_title():
    feats = learned.features("医保改革", "推进DRG支付，5G远程会诊。")
    assert {"t:医保", "t:改革", "b:医保", "b:推进", "b:支付", "b:drg", "b:远程"} <= set(feats)
    assert "b:，" not in feats and "t:推进" not in feats and "b:进d" not in feats
    assert set(learned.features("", "甲" * 10 + "乙丙", max_chars=10)) == {"b:甲甲"}


def rescuer(threshold: float = 0.6) -> learned.Model:
    """A hand-made model: 禁烟 and 全面 raise the probability, a recipe lowers it."""
    return learned.Model("test", {"b:禁烟": 2.0, "b:全面": 1.0, "b:食谱": -3.0}, intercept=-1.5,
                         threshold=threshold)


def test_the_model_only_rescues_texts_the_rule_rejects_with_health_evidence():
    rule = rule_scorer()
    model = rescuer()
    s = Scorer(lexicon=rule.lexicon, thresholds=rule.thresholds, top_keywords=0, model=model)
    text = "医院控烟：门诊楼全面禁烟。"
    assert not rule.score("控烟", text).relevant
    result = s.score("控烟", text)
    assert result.relevant and result.score >= 1.0 and result.model_version == "test"
    why = result.reasons["model"]
    assert why["rescued"] and why["p"] >= why["threshold"] == 0.6 and why["tipped_by"][0] == "+b:禁烟 2.00"
    kept = s.score("控烟", "医院控烟食谱：门诊楼全面禁烟。")
    assert not kept.relevant and kept.reasons["model"]["rescued"] is False and kept.score < 1.0
    # relevant by the rule, no veto threshold: the model agrees; no health evidence: it does not speak
    agreed = s.score("国家卫健委：推进医疗数据共享", HEALTH[0])
    assert agreed.relevant and agreed.reasons["model"]["action"] == "agreed"
    assert agreed.score == rule.score("国家卫健委：推进医疗数据共享", HEALTH[0]).score
    assert "model" not in s.score("印发", "财政局印发预算方案。").reasons
    assert learned.Model.from_dict(model.to_dict()).weights == model.weights
    with pytest.raises(ValueError):
        learned.Model.from_dict({**model.to_dict(), "kind": "logistic-tokens"})


def test_a_veto_overrules_the_rule_below_its_threshold_and_says_so():
    rule = rule_scorer()
    vetoing = learned.Model("test", {"b:食谱": -6.0}, intercept=1.0, threshold=0.9, veto_threshold=0.2)
    s = Scorer(lexicon=rule.lexicon, thresholds=rule.thresholds, top_keywords=0, model=vetoing)
    title, text = "国家卫健委：推进医疗数据共享", HEALTH[0]
    assert rule.score(title, text).relevant and s.score(title, text).relevant
    vetoed = s.score(title, text + "附食谱。")
    assert not vetoed.relevant and vetoed.score < 1.0
    assert vetoed.reasons["model"]["action"] == "vetoed" and vetoed.reasons["model"]["tipped_by"][0] == "-b:食谱 6.00"
    old = {**vetoing.to_dict(), "kind": "rescue-bigrams"}
    del old["veto_threshold"]
    assert learned.Model.from_dict(old).veto_threshold == 0.0


def test_features_of_other_ngram_lengths_and_without_title_features():
    feats = learned.features("医保改革", "推进DRG支付。", ngrams=(1, 2), title_features=False)
    assert {"b:医", "b:医保", "b:drg", "b:推进", "b:付"} <= set(feats)
    assert "b:医保改" not in feats and not any(k.startswith("t:") for k in feats)
    trigrams = learned.features("", "医保改革", ngrams=(2, 3))
    assert {"b:医保", "b:医保改", "b:保改革"} <= set(trigrams) and "b:医" not in trigrams


def era_choice(rule=(100, 10, 30), rescued=(0, 0), vetoed=(0, 0), t=0.9, v=0.0, **kw):
    return (training.Config(threshold=t, veto=v, **kw), training.era_outcome(*rule, rescued, vetoed))


def test_the_era_choice_rule_keeps_false_rescues_rare_and_vetoes_harmless():
    more_but_one_false = era_choice(rescued=(10, 1), t=0.5)
    clean = era_choice(rescued=(8, 0), t=0.8)
    clean_veto = era_choice(rescued=(8, 0), vetoed=(0, 3), t=0.8, v=0.05)
    costly_veto = era_choice(rescued=(8, 0), vetoed=(1, 6), t=0.8, v=0.1)
    assert clean_veto[1]["fp"] == 7 and clean_veto[1]["tp"] == 108 and clean_veto[1]["fn"] == 22
    assert not training.admissible(more_but_one_false[1]) and not training.admissible(costly_veto[1])
    assert training.admissible(era_choice(rescued=(150, 1))[1]) and not training.admissible(era_choice(rescued=(150, 2))[1])
    assert more_but_one_false[1]["f1"] > clean[1]["f1"] and costly_veto[1]["f1"] > clean_veto[1]["f1"]
    assert training.choose([more_but_one_false, clean, costly_veto, clean_veto]) == clean_veto
    assert training.choose([more_but_one_false, costly_veto]) is None
    # equal F1: the higher threshold, then the simpler features, then the smaller C
    same = [era_choice(rescued=(8, 0), t=0.8), era_choice(rescued=(8, 0), t=0.85)]
    assert training.choose(same)[0].threshold == 0.85
    grams = [era_choice(rescued=(8, 0), ngrams=(2, 3)), era_choice(rescued=(8, 0), ngrams=(1, 2), c=3.0),
             era_choice(rescued=(8, 0), ngrams=(1, 2), c=0.3)]
    assert training.choose(grams)[0] == training.Config(ngrams=(1, 2), c=0.3, threshold=0.9)


HEALTH_CORPUS = Path(__file__).resolve().parents[1] / "eval" / "relevance" / "health.jsonl"


@pytest.fixture(scope="module")
def real_rows():
    """Real dev rows of the corpus: the texts collected before batch d (train), batch d (held out)."""
    rows = training.corpus_rows(HEALTH_CORPUS, "dev")
    early = ("before 2026-12-02", "2026-12-02", "2026-12-02b", "2026-12-02c")
    return [r for r in rows if r["batch"] in early], [r for r in rows if r["batch"] == "2026-12-02d"]


def model_kind(config: training.Config) -> str:
    """The kind a model of ``config`` is written with (one whose veto is gated has a kind of its own; one reading
    the rule's outcome or with a rescue gate is rule-aware)."""
    if config.veto_gate:
        return learned.KIND_VETO_GATED
    return learned.KIND_RULE_AWARE if config.lexicon_features or config.rescue_gate != "gate" else learned.KIND


def test_train_fits_exactly_the_chosen_candidate_on_real_rows(real_rows, tmp_path):
    train, held = real_rows
    model = training.fit_model(rule_scorer(), train, cv=False)
    chosen = training.CHOSEN
    assert (model.ngrams, model.title_features, model.threshold, model.veto_threshold) == (
        chosen.ngrams, chosen.title_features, chosen.threshold, chosen.veto)
    assert model.meta["config"]["c"] == chosen.c and model.meta["config"]["class_weight"] == chosen.class_weight
    feats, labels, _ = training.featurize(rule_scorer(), train, chosen)
    assert model.weights == pytest.approx(training.fit_weights(feats, labels, chosen.c, chosen.class_weight)[0])
    # every n-gram length of the candidate ("b:" + n Chinese characters; an ASCII word is one gram of its
    # own length), and the rule's outcome when it reads it
    assert {len(k) - 2 for k in model.weights if k.startswith("b:") and not k[2:].isascii()} == set(chosen.ngrams)
    assert any(k.startswith("l:") for k in model.weights) == chosen.lexicon_features
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_dict(), ensure_ascii=False), encoding="utf-8")
    loaded = learned.load_model(path)
    assert loaded.ngrams == chosen.ngrams and loaded.meta["kind"] == model_kind(chosen)
    assert (loaded.lexicon_features, loaded.rescue_gate) == (chosen.lexicon_features, chosen.rescue_gate)
    rule = rule_scorer()
    for r in held:
        title, text = simplified(r["title"], r["text"])
        outcome = apply_rule(rule.lexicon, rule.thresholds, title, text)  # what the scorer hands the model
        p, parts = model.probability(model.features(title, text, outcome))
        fast, hits = loaded.evidence(title, text, outcome)
        assert fast == pytest.approx(p, abs=2e-3)
        parts.sort(key=lambda vn: -vn[0])
        assert [v for v, _ in loaded.strongest(hits, True)] == pytest.approx([v for v, _ in parts[:6]], abs=1e-4)


def test_the_chosen_model_explains_its_decisions_on_real_rows(real_rows):
    train, held = real_rows
    model = training.fit_model(rule_scorer(), train, cv=False)
    rule = rule_scorer()
    scorer = Scorer(lexicon=rule.lexicon, thresholds=rule.thresholds, top_keywords=0, model=model)
    spoken = [(r, scorer.score(r["title"], r["text"])) for r in held]
    spoken = [(r, s) for r, s in spoken if "model" in s.reasons]
    assert spoken
    for r, s in spoken:
        why = s.reasons["model"]
        assert why["threshold"] == training.CHOSEN.threshold and why["veto_threshold"] == training.CHOSEN.veto
        assert (s.score >= 1.0) == s.relevant and len(why["tipped_by"]) == 6
        sign = "+" if s.relevant else "-"
        assert why["tipped_by"][0][:3] in (sign + "b:", sign + "t:", sign + "l:")
        before = rule.score(r["title"], r["text"])
        if before.relevant:  # kept unless vetoed, and only a weak acceptance (below the veto gate) can be
            vetoable = not model.veto_gate or before.score < model.veto_gate
            assert s.relevant == (why["p"] >= why["veto_threshold"] or not vetoable) \
                or abs(why["p"] - why["veto_threshold"]) < 1e-3
        elif s.relevant:  # rescued
            assert why["action"] == "rescued" and why["p"] >= why["threshold"] - 1e-3
        else:  # not rescued: below the threshold, or the rescue gate kept it out (an exclusion cue fired)
            gated = model.rescue_gate in ("unexcluded", "health-unexcluded") and before.reasons.get("excluded_by")
            assert why["p"] < why["threshold"] + 1e-3 or gated, (why, before.reasons)


def test_the_era_grid_trains_on_earlier_batches_and_chooses_by_the_rule(real_rows, monkeypatch):
    """eval/relevance_cv.py --choose on one era (the current lexicon standing in for the one from
    git) and two configs: every candidate is counted on the held-out rows only."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("relevance_cv", HEALTH_CORPUS.parents[1] / "relevance_cv.py")
    cv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cv)
    monkeypatch.setattr(cv, "era_lexicon", lambda commit: rule_scorer().lexicon)
    monkeypatch.setattr(cv, "CHOICE_ERAS", (("HEAD", ("before 2026-12-02", "2026-12-02", "2026-12-02b",
                                                      "2026-12-02c"), ("2026-12-02d",)),))
    monkeypatch.setattr(cv, "base_configs", lambda: [training.Config(), training.Config(ngrams=(1, 2), c=0.1)])
    train, held = real_rows
    choice = cv.choose_on_eras(train + held)
    rule = choice["rule"]
    assert rule["tp"] + rule["fp"] + rule["fn"] + rule["tn"] == len(held)
    assert len(choice["candidates"]) == 2 * len(training.THRESHOLDS) * len(training.VETO_THRESHOLDS)
    for cfg, o in choice["candidates"]:
        assert o["rescued"] <= rule["fn"] and o["false_rescues"] <= rule["tn"]
        assert o["vetoed_fp"] <= rule["fp"] and o["vetoed_tp"] <= rule["tp"]
    loosest = [o for cfg, o in choice["candidates"] if cfg.threshold == 0.5 and cfg.veto == 0.0]
    strictest = [o for cfg, o in choice["candidates"] if cfg.threshold == 0.95 and cfg.veto == 0.0]
    assert all(a["rescued"] >= b["rescued"] for a, b in zip(loosest, strictest))
    assert choice["chosen"] == training.choose(choice["candidates"])
    assert "CHOSEN" in cv.render_choice(choice)


def test_the_shipped_model_is_package_data_loaded_once():
    """The package ships a model only once one was no worse on the frozen split (healthcrawl
    train); without one the scorer is the lexicon rule alone."""
    model = learned.default_model()
    assert model is learned.default_model()
    assert Scorer().model is model and Scorer(model=False).model is None
    if model is None:
        assert not learned.packaged_path().exists() and Scorer().version == Scorer(model=False).version
        return
    assert model.meta["training_set_sha256"] and model.meta["training_rows"] > 0
    assert model.meta["shipped_with"]["test"]["f1"] >= model.meta["shipped_with"]["before"]["f1"]
    assert model.meta["cv_precision_rule"] > 0 and 0.5 <= model.threshold


def test_train_writes_a_model_only_when_no_worse(tmp_path, monkeypatch):
    monkeypatch.setitem(training.CHOSEN_ON, "admissible", True)
    path, out = corpus(tmp_path), tmp_path / "model.json"
    report = training.train(path, scorer=rule_scorer(), out=out)
    assert report["training_rows"] == 48 and report["labels"] == 0
    assert report["before"]["test"]["n"] == 48 and report["shipped"] and report["written"] == str(out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["training_set_sha256"] == report["training_set_sha256"] and data["version"] == report["version"]
    assert learned.load_model(out).weights == pytest.approx(data["weights"])
    assert data["kind"] == model_kind(training.CHOSEN)
    assert report["threshold"] == data["threshold"]
    assert training.no_worse({"f1": 0.9, "fp_rate": 0.01}, {"f1": 0.9, "fp_rate": 0.01})
    assert not training.no_worse({"f1": 0.89, "fp_rate": 0.0}, {"f1": 0.9, "fp_rate": 0.01})
    assert not training.no_worse({"f1": 0.95, "fp_rate": 0.02}, {"f1": 0.9, "fp_rate": 0.01})


def test_a_candidate_the_eras_do_not_admit_never_ships(tmp_path, monkeypatch):
    """Session 8: with era l the pre-registered rule admits no candidate (CHOSEN_ON["admissible"]
    False); train still fits and measures it, but writes nothing, and says why."""
    monkeypatch.setitem(training.CHOSEN_ON, "admissible", False)
    path, out = corpus(tmp_path), tmp_path / "model.json"
    report = training.train(path, scorer=rule_scorer(), out=out)
    assert no_worse_on(report) and not report["shipped"] and not out.exists()
    assert report["not_shipped"] == "the candidate is not admissible on the eras (training.CHOSEN_ON)"


def no_worse_on(report: dict) -> bool:
    return training.no_worse(report["after"]["test"], report["before"]["test"])


def test_dev_only_never_reads_the_frozen_split(tmp_path):
    """--dev-only fits and reports on dev without reading the test split (a test line without a
    label would make reading it fail) and writes the candidate to --out only."""
    path, out = corpus(tmp_path), tmp_path / "candidate.json"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"url": "https://e.example/test/unlabelled", "split": "test"}) + "\n")
    with pytest.raises(KeyError):
        training.train(path, scorer=rule_scorer(), out=tmp_path / "x.json", dry_run=True)
    report = training.train(path, scorer=rule_scorer(), out=out, dev_only=True)
    assert "test" not in report["before"] and "test" not in report["after"]
    assert report["shipped"] is False and report["written"] == str(out)
    assert report["cv"]["rule"]["tp"] + report["cv"]["rule"]["fn"] == 24
    assert learned.load_model(out).version == report["version"]


def test_dataset_hash_ignores_order_and_sees_labels():
    rows = [{"key": "a", "title": "t", "text": "x", "relevant": True}, {"key": "b", "title": "u", "text": "y", "relevant": False}]
    assert training.dataset_hash(rows) == training.dataset_hash(rows[::-1])
    assert training.dataset_hash(rows) != training.dataset_hash([{**rows[0], "relevant": False}, rows[1]])


def test_labels_join_the_stored_text(mongo_db):
    mongo_db.articles.insert_one({"canonical_url": "https://www.gmw.cn/a.htm", "title": "标题", "body": HEALTH[1]})
    mongo_db.dropped.insert_one({"_id": "https://www.ce.cn/b.shtml", "title": "宠物医院太贵"})
    labels.add_label(mongo_db, "https://www.gmw.cn/a.htm", "irrelevant", "ed", "cli")
    labels.add_label(mongo_db, "https://www.gmw.cn/a.htm", "relevant", "ed", "desk")
    labels.add_label(mongo_db, "https://www.ce.cn/b.shtml", "irrelevant", "ed", "desk")
    labels.add_label(mongo_db, "https://nowhere.example/c", "relevant", "ed", "cli")
    rows = {r["key"]: r for r in training.label_rows(mongo_db)}
    assert set(rows) == {"https://www.gmw.cn/a.htm", "https://www.ce.cn/b.shtml"}
    assert rows["https://www.gmw.cn/a.htm"]["relevant"] is True and rows["https://www.gmw.cn/a.htm"]["text"]
    assert rows["https://www.ce.cn/b.shtml"] == {"key": "https://www.ce.cn/b.shtml", "title": "宠物医院太贵",
                                                  "text": "", "relevant": False, "group": "https://www.ce.cn/b.shtml"}


def run(argv):
    parser = argparse.ArgumentParser(prog="healthcrawl")
    add_score_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_label_and_train_commands(mongod, mongo_db, mongo_db_name, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MONGO_URI", mongod.uri)
    monkeypatch.setitem(training.CHOSEN_ON, "admissible", True)
    assert run(["label", "https://www.gmw.cn/a.htm?utm_source=x", "relevant", "--who", "ed",
                "--database", mongo_db_name]) == 0
    assert "relevant (by ed" in capsys.readouterr().out
    assert labels.all_labels(mongo_db)[0]["screen"] == "cli"
    with pytest.raises(SystemExit):
        run(["label", "https://www.gmw.cn/a.htm", "maybe"])
    out = tmp_path / "m.json"
    assert run(["train", "--corpus", str(corpus(tmp_path)), "--database", mongo_db_name, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "before" in printed and "after" in printed and "precision" in printed and "FP rate" in printed
    assert out.exists()


def test_eval_dev_only_hides_the_frozen_split(tmp_path, capsys):
    """eval/relevance.py --dev-only computes and prints no figure of the test split (used while
    tuning); without it the test split's figures are there."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "eval_relevance", Path(__file__).resolve().parents[1] / "eval" / "relevance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    urls: dict[str, str] = {}
    for n in range(400):  # a URL of each split
        urls.setdefault(module.split_of(f"https://example.org/a{n}"), f"https://example.org/a{n}")
    health = tmp_path / "health.jsonl"
    health.write_text("".join(json.dumps(
        {"url": url, "title": "国家卫健委印发全民健康信息化规划", "excerpt": "推进电子病历和健康医疗大数据互联互通。",
         "source": "test", "query": "q", "relevant": True, "category": "digital_health", "script": "simp",
         "reason": "r"}, ensure_ascii=False) + "\n" for url in urls.values()), encoding="utf-8")
    module.normalise(health)
    capsys.readouterr()
    args = ["--health", str(health), "--ordinary", str(tmp_path / "none.jsonl"), "--seeds", str(tmp_path / "none"),
            "--no-model", "--json"]
    assert module.main(args + ["--dev-only"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["health"]["figures"]) == {"dev", "dev:simp"}
    assert set(summary["health"]["intervals"]) == {"dev"}
    assert not any("frozen test" in goal for goal in summary["goals_met"])
    assert module.main(args) == 0
    full = json.loads(capsys.readouterr().out)["health"]
    assert "test" in full["figures"] and "test" in full["intervals"]


def test_eval_bootstrap_intervals_hold_the_point_figure_and_narrow_with_more_texts():
    """The 95 % bootstrap interval of precision and recall contains the point figure, is the same
    every run (fixed seed), and is narrower for 10 times as many texts of the same mix."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "eval_relevance", Path(__file__).resolve().parents[1] / "eval" / "relevance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mix = ["tp"] * 45 + ["fp"] * 4 + ["fn"] * 5 + ["tn"] * 46  # precision 45/49 = 0.918, recall 0.9
    small, large = module.bootstrap_interval(mix), module.bootstrap_interval(mix * 10)
    assert small == module.bootstrap_interval(mix)
    for band in (small, large):
        assert band["precision"][0] < 45 / 49 < band["precision"][1]
        assert band["recall"][0] < 0.9 < band["recall"][1]
    width = lambda band, k: band[k][1] - band[k][0]  # noqa: E731
    assert width(large, "precision") < width(small, "precision") / 2
    assert width(large, "recall") < width(small, "recall") / 2
    assert module.bootstrap_interval([]) == {}
