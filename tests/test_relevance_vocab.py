"""Vocabulary of lexicon 2026.12.7, taken from external sources (official organisation charts,
plans, standards and glossaries; sources in eval/relevance/lexicon-2026.12.7-sources.md), not from the corpus texts.
Real texts are dev rows of the corpus, read by id (the frozen test split is dropped as each line is
read); no new rule code."""

from __future__ import annotations

import pytest

from healthcrawl.text.relevance import Scorer
from tests.relevance_rules import rule_scorer, weights


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return rule_scorer()


#: names of health-administration bodies and bureaus (NHC 2018 organisation rules, TW MOHW chart):
#: like 卫健委 and 卫生局 they are health and policy evidence
BODIES = ("妇幼健康司", "规划发展与信息化司", "基层卫生健康司", "卫生健康局", "疾病预防控制局",
          "中央健康保险署", "长期照顾司")


@pytest.mark.parametrize("term", BODIES)
def test_bodies_are_health_and_policy_terms(term):
    w = weights(term)
    assert w.get("health") == 3 and w.get("policy") == 3


def test_compound_terms_keep_the_evidence_of_the_terms_inside_them():
    # leftmost-longest matching: 医保支付机制 consumes 医保 (health), 卫生健康统计 consumes 卫生健康
    assert weights("医保支付机制").get("health") == 3 and weights("医保支付机制").get("policy") == 3
    assert weights("卫生健康统计").get("health", 0) >= 2 and weights("卫生健康统计").get("digital") == 3
    # the maternal-health annual report is no company's annual report (年报 is a market cue)
    assert "markets" not in weights("妇幼卫生年报")


def test_smoking_regulation_names_are_policy_only():
    # as health terms they made an ordinary-news text (a draft of the smoking-control regulation) relevant
    assert "health" not in weights("控制吸烟条例") and weights("控制吸烟条例").get("policy") == 3


@pytest.mark.parametrize("row_id, category, term", [
    ("h-3e1a064eff", "policy", "妇幼健康司"),     # 我国大力促进优生优育服务水平 (NHC maternal and child health bureau)
    ("h-04ba1eb3bb", "policy", "卫生健康局"),     # 番禺区卫生健康局2024年工作总结
    ("h-d532574422", "policy", "诊断关联群"),     # DRGs第2階段預計7月實施 (Tw-DRGs, 住院診斷關聯群)
    ("h-fe42d8e1d0", "health", "烟草控制框架公约"),  # 禁烟令为何成摆设 (WHO FCTC)
])
def test_dev_rows_the_lexicons_of_before_missed(dev_rows, scorer, row_id, category, term):
    """Relevant dev rows each era's lexicon of before missed (eras d-f, g-h, i-j); the new term is matched."""
    row = dev_rows[row_id]
    result = scorer.score(row["title"], row["excerpt"])
    assert row["relevant"] and result.relevant
    assert term in result.matched[category]


def test_held_out_era_l_row_found_by_the_reform_vocabulary(dev_rows, scorer):
    """Batch l (held out while the vocabulary was chosen): a relevant dev row the lexicon of before
    and 2026.12.6 missed (policy had one distinct term, the NHC); 区域医疗中心 (2024 reform tasks) adds one."""
    row = dev_rows["h-804358d8fb"]   # 我国将用三年时间 补齐儿科精神卫生科短板
    result = scorer.score(row["title"], row["excerpt"])
    assert row["relevant"] and result.relevant
    assert "区域医疗中心" in result.matched["policy"]
