"""Lexicon 2026.12.11 against the rule's errors on batch q (the health channel's own hard negatives and the bulletin's
sources in their real mix): multi-topic round-ups (``rules.title_roundup``, lexicon ``title_roundups``: 两会,
政府工作报告) whose title names no health term or lists several items; ceremonies of the profession days (医师节,
护士节, 护师节) and the TW/HK word for 表彰 (表扬) as title cues; animal diseases as negative terms; and the vocabulary
of the health-policy texts the lexicon of before missed (中成药, the five-year-plan periods). Real texts are dev rows of the corpus, read by id
(the frozen test split is dropped as each line is read); the others were written for these tests."""

from __future__ import annotations

import pytest

from healthcrawl.text.lexicon import default_lexicon
from healthcrawl.text.relevance import Scorer
from tests.relevance_rules import assert_kept, assert_lexicon_since, assert_excluded_by_title, assert_found, assert_needs_the_rule, rule_scorer, score, weights


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return rule_scorer()


ROUNDUPS = {
    "h-b322a35225": "两会",            # 記者探營兩會 223份議案提案捕捉新信號 (no health term in the title)
    "h-d6d5f77e4e": "两会",            # 两会代表委员建言:预期寿命、武术进校园、AI数据集
    "h-d9c899ade9": "两会",            # 医疗、养老、教育……雄安新区百姓省两会前关注这些话题 (a list)
    "h-f0bcbf5bd6": "两会",            # 两会提案抢先看!聚焦医疗卫生与生态环境等领域… (等领域)
    "h-a4dd86f306": "政府工作报告",    # 市政府工作报告:深化改革开放 增强发展活力 (health reform one item)
}


@pytest.mark.parametrize("row_id, cue", ROUNDUPS.items())
def test_multi_topic_roundups_are_excluded(dev_rows, scorer, row_id, cue):
    assert_excluded_by_title(scorer, dev_rows[row_id], cue)


def test_the_roundup_rule_needs_the_flag(dev_rows):
    assert_needs_the_rule("title_roundup", dev_rows["h-d9c899ade9"], dev_rows["h-b322a35225"])


@pytest.mark.parametrize("row_id", [
    "h-0506c07ed8",   # 医疗健康的两会议案建议和提案梳理,这10个医疗方向值得关注 (confined to health)
    "h-69ccec61cb",   # 2019兩會 醫療健康領域代表委員關注哪些問題 (confined to health)
])
def test_a_roundup_confined_to_health_stays_relevant(dev_rows, scorer, row_id):
    assert_kept(scorer, dev_rows[row_id])


def test_a_written_roundup_title_with_and_without_a_list(scorer):
    body = ("代表委员建议深化医药卫生体制改革，完善医保支付方式改革，推进公立医院改革和分级诊疗制度建设，"
            "国家卫生健康委表示将研究落实。")
    assert scorer.score("两会代表委员聚焦医改", body).relevant
    assert not scorer.score("两会代表委员聚焦医改、教育、就业", body).relevant


@pytest.mark.parametrize("row_id, cue", [
    ("h-0dce106f1a", "医师节"),   # 苗醫師公會慶醫師節 副縣長表揚22位醫師 (LTC named in a speech)
    ("h-22a9a5cfc0", "医师节"),   # 中榮醫師節隆重登場 退輔會表揚優良醫師… (an AI diagnosis tool among achievements)
])
def test_profession_day_ceremonies_are_title_cues(dev_rows, scorer, row_id, cue):
    assert_excluded_by_title(scorer, dev_rows[row_id], cue)


def test_an_animal_disease_programme_is_veterinary(dev_rows, scorer):
    row = dev_rows["h-61fcad302b"]   # 伪狂犬病及其根除:美国经历的回顾—根除活动的规划
    got = score(scorer, row)
    assert not row["relevant"] and not got.relevant, got.reasons
    assert "伪狂犬病" in got.matched["negative"]


@pytest.mark.parametrize("row_id, category, term", [
    ("h-ee06e3e754", "health", "中成药"),   # 中成药集中带量采购分组规则对比研究
    ("h-75f371f883", "policy", "十五五"),   # 雷海潮出席民生主題記者會 介紹“十五五”衛生健康舉措
])
def test_health_policy_texts_the_lexicon_of_before_missed(dev_rows, scorer, row_id, category, term):
    assert_found(scorer, dev_rows[row_id], category, term)


def test_vocabulary_weights():
    assert weights("中成药") == {"health": 3.0}
    assert weights("十五五") == {"policy": 2.0}
    assert weights("十四五") == {"policy": 2.0}
    assert weights("伪狂犬病") == {"negative": 3.0}
    lex = default_lexicon()
    assert_lexicon_since("2026.12.11")
    assert {"两会", "政府工作报告"} <= lex.title_roundups and lex.rules["title_roundup"]
    assert {"医师节", "护士节", "表扬"} <= lex.title_cues
