"""Lexicon 2026.12.13 against the rule's errors on the dev parts of batches u (formats: briefs, interviews,
listings, digests) and v (local sources: health commissions, insurance bureaus, local portals and papers):
健保 (Taiwan's National Health Insurance) is a policy term, so a title naming it is a policy topic that cancels a
business cue (擴大健康投資); HK district health centres (地区康健中心) are a programme; the health conference
(卫生与健康大会) and the health sector as an administered domain (卫生健康事业) are policy; 医疗保障局 is an agency's
name. Title cues: a punishment (被处罚), trainings (培训), activities (活动), party inspections (巡察, with 巡察整改
a blocker), portal lists (新闻列表); business cues 巨头, 人寿, 生产基地, 商机, 风口; student fitness (学生体质) as
another field's subject. Real texts are dev rows of the corpus, read by id (the frozen test split is dropped as
each line is read); the others were written for these tests."""

from __future__ import annotations

import pytest

from healthcrawl.text.lexicon import default_lexicon
from healthcrawl.text.relevance import Scorer
from tests.relevance_rules import assert_kept, assert_lexicon_since, assert_excluded_by_title, assert_found, rule_scorer, score, weights


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return rule_scorer()


@pytest.mark.parametrize("row_id, cue", [
    ("h-5cf213ed17", "被处罚"),     # 医保卡可刷日用品 违规药店被处罚 (one pharmacy punished)
    ("h-2e021661ef", "培训"),       # 仁寿始建中心卫生院强化辖区手足口病防控培训工作 (a clinic's training)
    ("h-4ab9f3b12d", "巡察"),       # 沧源县医疗保障局党组关于县委机动巡察整改进展情况的通报 (party inspection)
    ("h-1565b6bbe8", "新闻列表"),   # 澳門政府入口網站新聞列表(2019年5月8日) (a portal's headline list)
    ("h-ccde55bdeb", "人寿"),       # 中國人壽健康保障智慧轉型:健康諮詢服務 (an insurer's product)
    ("h-82cd05d042", "巨头"),       # 药店巨头拓展院边店、DTP与门慢门特药房 (pharmacy chains' strategy)
    ("h-c5c92556f7", "生产基地"),   # 德州修正中成藥健康產品研發生產基地項目穩步推進 (a factory)
    ("h-db7e931b00", "商机"),       # 醫療科技商機 電子五哥搶進
    ("h-7706319787", "风口"),       # 蚂蚁阿福用户破1亿 健康AI站上风口
    ("h-75189b5d02", "学生体质"),   # 厦门市2016年全国学生体质健康监测工作启动 (education)
])
def test_violations_trainings_inspections_lists_business_and_student_fitness_are_title_cues(dev_rows, scorer,
                                                                                            row_id, cue):
    assert_excluded_by_title(scorer, dev_rows[row_id], cue)


@pytest.mark.parametrize("row_id", [
    "h-329c3d03e2",   # 加强人员培训开展调查研究有效落实基层中医医院信息化建设任务
    "h-4e46936cc6",   # 常州市医学会医学信息专业委员会召开半年工作总结暨信息化建设培训会
    "h-6faeeb6646",   # 武汉市医疗保障局正式挂牌
])
def test_a_training_about_a_topic_and_an_insurance_bureau_keep_their_topic(dev_rows, scorer, row_id):
    assert_kept(scorer, dev_rows[row_id])


def test_an_activity_is_an_event_unless_the_title_names_a_topic(scorer):
    body = ("近日，县卫生健康局联合县医院开展健康宣传活动，为群众测量血压、发放宣传资料，"
            "并介绍医保政策和家庭医生签约服务。")
    got = scorer.score("县卫生健康局开展健康宣传活动", body)
    assert not got.relevant and "活动" in got.reasons["excluded_by"]["title"], got.reasons
    topic = scorer.score("县医保局开展医保基金监管集中宣传月活动",
                         "县医保局开展医保基金监管集中宣传月活动，宣传医保基金监管政策和举报奖励制度，"
                         "推进定点医疗机构自查自纠，守护医保基金安全。")
    assert topic.relevant and "excluded_by" not in topic.reasons, topic.reasons


def test_a_party_inspection_rectification_is_no_policy_topic(scorer):
    got = scorer.score("县卫生健康局党组关于巡察整改进展情况的通报",
                       "根据县委统一部署，县委巡察组对县卫生健康局党组进行了巡察。局党组高度重视巡察整改工作，"
                       "推进医疗卫生领域专项整治，落实公立医院改革任务。")
    assert not got.relevant and "巡察" in got.reasons["excluded_by"]["title"], got.reasons
    assert "整改" not in got.matched["policy"], got.matched


@pytest.mark.parametrize("row_id, category, term", [
    ("h-33e6f27966", "policy", "健保"),            # 健保署署長專訪》健保與時俱進 從世界第一到兆元投資 (投资 cancelled)
    ("h-bfd397a0aa", "policy", "健保"),            # 健保滿意度創新高 陳亮妤：擴大健康投資
    ("h-a17a0c924c", "policy", "健保"),            # 智慧醫療落地難 院長：健保總額讓醫院無餘裕投資
    ("h-25f596a3f2", "policy", "健保"),            # 衛福部明年元旦新制 公費癌篩新增胃幽門桿菌檢測
    ("h-c0fc042d3f", "policy", "地区康健中心"),    # 陳肇始:康健中心目的是提升居民健康意識
    ("h-3ceca7715d", "policy", "地区康健中心"),    # 東區地區康健站將擴充為康健中心
    ("h-d9bbd3bd11", "policy", "卫生与健康大会"),  # 全国卫生与健康大会:把人民健康放在优先发展的战略地位
    ("h-ee94f11021", "policy", "卫生健康事业"),    # 2023年上海市卫生健康事业发展概况 (city health statistics)
])
def test_nhi_district_health_centres_the_health_conference_and_the_health_sector_are_policy(dev_rows, scorer,
                                                                                            row_id, category, term):
    assert_found(scorer, dev_rows[row_id], category, term)
    assert "excluded_by" not in score(scorer, dev_rows[row_id]).reasons


def test_vocabulary_weights():
    assert weights("健保") == {"health": 3.0, "policy": 2.0}
    assert weights("医保") == {"health": 3.0}   # also a card in consumer and fraud stories: no policy topic
    assert weights("地区康健中心") == {"health": 3.0, "policy": 2.0}
    assert weights("卫生与健康大会") == {"health": 3.0, "policy": 3.0}
    assert weights("卫生健康事业") == {"policy": 3.0}
    assert weights("医疗保障局") == {"health": 3.0, "policy": 3.0}
    assert weights("巡察整改") == {"policy": 0.0}
    assert weights("体质健康") == {"health": 0.0}
    lex = default_lexicon()
    assert_lexicon_since("2026.12.13")
    assert {"被处罚", "培训", "活动", "巡察", "巡视", "新闻列表"} <= lex.title_cues
    assert {"巨头", "人寿", "生产基地", "商机", "风口"} <= lex.business_cues
    assert "学生体质" in lex.title_fields
