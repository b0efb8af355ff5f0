"""Lexicon 2026.12.9 against the rule's errors on the channels' mix (eras n and o): a field named in a
technology story is one use of it (``rules.field_examples``: 在医疗领域…), a title naming one case solved or
punished is a case (``rules.title_single_case``: 查处无证行医案), title cues of the rubric's negative classes
(incidents, education programmes, job campaigns, eldercare homes, hospital services, new campuses, association
meetings), a market regulator's name is no topic, and the vocabulary of programme and system texts (分级医疗,
体系建设, 基金安全, 法定传染病, AED). Real texts are dev rows of the corpus, read by id (the frozen test split is
dropped as each line is read); the others were written for these tests."""

from __future__ import annotations

import pytest

from healthcrawl.text.lexicon import default_lexicon
from healthcrawl.text.relevance import Scorer
from tests.relevance_rules import assert_kept, assert_excluded_by_title, assert_found, rule_scorer, score, weights, without


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return rule_scorer()


@pytest.mark.parametrize("row_id", [
    "h-b580451dc5",   # 三大运营商启动算力互联网试验网建设: "在智慧医疗领域…AI辅助诊疗…;在数字娱乐行业…"
    "h-d4611d7118",   # 人工智能的“应用元年”: "在医疗领域,…病理、药物和影像大模型已接入上百家医院"
    "h-e245643157",   # ChatGPT:重构社交办公效率的智能革命: "如医疗领域训练后能准确解析电子病历…"
])
def test_a_field_named_in_a_technology_story_is_one_use(dev_rows, scorer, row_id):
    row = dev_rows[row_id]
    got = score(scorer, row)
    assert not row["relevant"] and not got.relevant, got.reasons
    assert got.reasons.get("health_only_as_example"), got.reasons


def test_the_field_rule_needs_the_flag(dev_rows):
    assert score(without("field_examples"), dev_rows["h-b580451dc5"]).relevant


def test_a_field_in_a_policy_title_or_a_health_title_still_counts(dev_rows, scorer):
    # 審計觀察 | DRG支付方式改革執行情況的審計探索: "在DRG领域的审计实践" — the title names a policy topic
    audit = dev_rows["h-9471b96da4"]
    assert audit["relevant"] and score(scorer, audit).relevant
    # a title naming health: the field sentence is the story
    body = "在医疗领域，医院上线人工智能辅助诊断系统，电子病历与医学影像数据实现互联互通。"
    assert scorer.score("医院人工智能辅助诊断系统上线", body).relevant


def test_a_title_naming_one_case_is_a_case(dev_rows, scorer):
    row = dev_rows["h-32de82cb9d"]   # 茂名市卫生健康局查处无证行医案 (查处 had cancelled any cue)
    got = score(scorer, row)
    assert not row["relevant"] and not got.relevant
    assert got.reasons["excluded_by"]["title"] == ["查处无证行医案"]
    assert score(without("title_single_case"), row).relevant
    # 查处 as a campaign's verb names no single case
    body = ("市卫生健康委联合市医保局开展医疗机构专项整治，严厉查处欺诈骗保行为，"
            "完善医保基金监管制度，推进公立医院依法执业。")
    assert scorer.score("我市开展专项整治 严厉查处欺诈骗保行为", body).relevant


EXCLUDED_BY_TITLE = {
    "h-52953b4722": "故障",      # 湖南省儿童医院信息系统发生故障 (an incident; 信息系统 names the failed system)
    "h-904161816f": "专业介绍",  # 智能医学工程专业介绍 (a university programme)
    "h-1e9e20ce60": "春风行动",  # 蘇州開展“春風行動”系列活動 搭建就業供需平臺 (job campaign)
    "h-8b19be37d6": "养老院",    # 养老院里的机器人 (smart eldercare: a digital word names the home's gadget)
    "h-27a3dc30a4": "探病",      # 仁伯爵综合医院 办理入院及探病时间 (hospital services)
    "h-13e03fc1da": "交付使用",  # 紫金縣人民醫院新院順利交付使用 (a new campus)
    "h-c82379a649": "会长会议",  # 上海中药行业协会六届二十次会长会议日前召开 (an association meeting)
    "h-0759a4f573": "讲座",      # 汕尾市市场监管局举办保健食品科普讲座 (市场监管局 is an agency's name, no topic)
}


@pytest.mark.parametrize("row_id, cue", EXCLUDED_BY_TITLE.items())
def test_titles_of_the_rubrics_negative_classes_exclude_real_texts(dev_rows, scorer, row_id, cue):
    assert_excluded_by_title(scorer, dev_rows[row_id], cue)


@pytest.mark.parametrize("row_id", [
    "h-54c7ef03d3",   # 深圳灵活就业人员能否申请生育津贴 (就业 alone is no cue: insurance entitlement)
    "h-9471b96da4",   # DRG支付方式改革…審計探索 (领域 as a plain example marker was withdrawn)
    "h-cb725d9dd1",   # 國際DRGs發展經驗與我國DRGs發展歷程 (DRG stays a policy term only)
])
def test_relevant_rows_near_the_new_rules_stay_relevant(dev_rows, scorer, row_id):
    assert_kept(scorer, dev_rows[row_id])


def test_regulators_names_are_blockers_not_topics():
    for term in ("市场监管局", "市场监督管理局", "市场监管总局"):
        assert weights(term) == {"policy": 0.0}, term


@pytest.mark.parametrize("row_id, category, term", [
    ("h-0c6287b73d", "policy", "分级医疗"),        # 未轉診直奔醫學中心 明年下半年擬加收50%部分負擔 (TW tiered care)
    ("h-0efcc50add", "policy", "分级医疗"),        # 衛福部次長支持醫學中心要求輕症經轉診
    ("h-49e2b610b3", "policy", "管理体系"),        # 儿童罕见病管理现状、进展与前景
    ("h-ed2485bebd", "policy", "体系建设"),        # 人体器官捐献和移植工作体系建设与发展
    ("h-5acea1011e", "policy", "基金安全"),        # 医保基金专项整治聚焦参保扩面与基金安全 (基金 no longer a market cue)
    ("h-da5475db89", "health", "法定传染病"),      # 2010年7月全国法定传染病疫情概况 (national bulletin)
    ("h-69fc3df143", "policy", "紧急医疗救护法"),  # 緊急醫療救護法 8類公共場所 須設置AED
])
def test_programme_and_system_texts_the_lexicon_of_before_missed(dev_rows, scorer, row_id, category, term):
    assert_found(scorer, dev_rows[row_id], category, term)


def test_vocabulary_weights():
    assert weights("体系建设") == {"policy": 3.0}
    assert weights("分级诊疗") == {"health": 3.0, "policy": 2.0}
    assert weights("紧急医疗救护法") == {"policy": 3.0}
    assert weights("AED") == {"health": 3.0}
    assert weights("法定传染病") == {"health": 3.0, "digital": 2.0}
    assert tuple(int(p) for p in default_lexicon().version.split(".")) >= (2026, 12, 9)
