"""The rules of lexicon 2026.12.6 against the rule's false positives on unseen text: the title's
subject (``rules.title_negative``) and health named only in parentheses (``rules.parenthetical``).
Real texts are dev rows of the corpus, read by id; the others were written for these tests."""

from __future__ import annotations

import pytest

from healthcrawl.text.relevance import Scorer
from tests.relevance_rules import rule_scorer, score, without


@pytest.fixture(scope="module")
def scorers() -> tuple[Scorer, Scorer]:
    """The shipped rule, and the same lexicon with both rules switched off (as before 2026.12.6)."""
    return rule_scorer(), without("title_negative", "parenthetical")


#: dev rows whose title names an event, a business, a case or another field (all irrelevant):
#: the lexicons of before them accepted each (eras d-f, g-h, i-j) or the current one did (医药代表)
EXCLUDED_BY_TITLE = {
    "h-7fa265f967": "医药代表",      # 医药代表:坚守还是离开? (career feature citing 集采)
    "h-29686940d8": "中心组",        # 医院举行党委理论学习中心组会议
    "h-7ac9870ef1": "动工",          # 总投资 70.8 亿元 成都医学城 16 个项目集中动工
    "h-6a41901669": "投资",          # 首期規模45億 投資康復醫療等領域 (eldercare investment fund)
    "h-81f0bc00cb": "开工",          # 罗源县第二医院开工
    "h-3a79a04e43": "出海",          # 中国创新药License-out出海模式
    "h-8f8144cd71": "致辞",          # 医院院长新年致辞
    "h-eeaa686313": "研究报告",      # 医药行业研究报告总结
    "h-095e6552e5": "本科专业",      # 新增备案+审批本科专业1853个
}

#: relevant dev rows whose title holds a cue but also names a topic: they stay relevant
KEPT_BY_TOPIC = ("h-93c491778a",   # 中医药法实施5周年 (周年; 中医药法)
                 "h-9546b17e17",   # 国家健康医疗大数据产业园IDC项目 … (产业园; 健康医疗大数据)
                 "h-bc0313da38")   # 「HA Go」… 省市民排隊及輪候時間 (排队; 轮候时间)


def test_a_title_naming_an_event_a_business_or_another_field_excludes_real_texts(dev_rows, scorers):
    on, off = scorers
    for rid, cue in EXCLUDED_BY_TITLE.items():
        row = dev_rows[rid]
        assert not row["relevant"]
        got = score(on, row)
        assert not got.relevant and got.score < 1.0, rid
        assert cue in got.reasons["excluded_by"]["title"], (rid, got.reasons)
        assert got.reasons["rule"].startswith("excluded:") and "title cues" in got.reasons["rule"]
    # the pharma-rep feature: nothing but its title says it is about a career, not about 集采
    assert score(off, dev_rows["h-7fa265f967"]).relevant


def test_a_title_that_also_names_a_topic_keeps_real_relevant_texts(dev_rows, scorers):
    on, _ = scorers
    for rid in KEPT_BY_TOPIC:
        row = dev_rows[rid]
        got = score(on, row)
        assert row["relevant"] and got.relevant, (rid, got.reasons)
        assert "excluded_by" not in got.reasons


def test_title_cues_written_example(scorers):
    s, off = scorers
    body = ("市第一医院今日举行仪式，市领导出席。医院信息化、智能化水平高，建成智慧医院平台，"
            "电子病历系统全面上线，将推进公立医院改革。")
    event = s.score("市第一医院举行乔迁典礼", body)
    assert not event.relevant and event.reasons["excluded_by"] == {"title": ["乔迁", "典礼"]}
    assert off.score("市第一医院举行乔迁典礼", body).relevant
    # the same body under a title naming the topic is a digital-health story
    topic = s.score("市第一医院智慧医院平台上线 电子病历系统全面启用", body)
    assert topic.relevant and "excluded_by" not in topic.reasons
    # a health agency's name is no topic: it says who acts, not what about
    agency = s.score("区卫健委领导出席医院乔迁典礼", body)
    assert not agency.relevant and "乔迁" in agency.reasons["excluded_by"]["title"]
    # a cue in the body only is no subject of the title
    plain = s.score("市第一医院智慧医院建设", body)
    assert plain.relevant


def test_health_named_only_in_a_caption_does_not_count_on_a_real_text(dev_rows, scorers):
    on, off = scorers
    caption = dev_rows["h-6d60b7556d"]  # 刘庆峰 on AI compute; a clinic only in a photo caption
    assert not caption["relevant"]
    got = score(on, caption)
    assert not got.relevant and {"卫生院", "医生"} <= set(got.reasons["health_only_in_parentheses"])
    assert score(off, caption).relevant
    # a parenthesis that explains a term, in a text whose health terms are also outside it
    drg = dev_rows["h-44227c5998"]  # 簡介日本版DRG制度: (Diagnosis Related Groups,住院診斷關聯群)
    assert drg["relevant"] and score(on, drg).relevant


def test_parenthetical_written_example(scorers):
    s, off = scorers
    body = ("大模型正在成为新的基础设施，国产算力和自主生态是关键，人工智能将全面赋能千行百业。"
            "（图为县人民医院医生使用AI辅助诊断系统）")
    ai = s.score("大模型要建在国产算力之上", body)
    assert not ai.relevant and {"医院", "医生"} <= set(ai.reasons["health_only_in_parentheses"])
    assert off.score("大模型要建在国产算力之上", body).relevant
    # under a health title the caption is part of the story: its terms count
    health = s.score("县人民医院用上AI辅助诊断", body)
    assert "health_only_in_parentheses" not in health.reasons and health.scores["health"] > 0


def test_a_business_title_is_excluded_even_when_it_names_a_digital_topic(dev_rows, scorers):
    on, off = scorers
    funding = dev_rows["h-6edd7266d7"]  # 医疗AI企业汇医慧影宣布完成B轮数亿元融资 (batch l)
    assert not funding["relevant"] and score(off, funding).relevant
    got = score(on, funding)
    assert not got.relevant and "融资" in got.reasons["excluded_by"]["title"]
    # written: a digital topic does not cancel a business cue, a policy topic does
    body = "公司专注医疗影像人工智能，产品已进入数百家医院，本轮资金将用于大模型研发和医保支付改革下的市场拓展。"
    assert not on.score("医疗AI公司完成新一轮融资", body).relevant
    assert on.score("医保支付方式改革下医疗AI企业融资的新规", body).relevant
