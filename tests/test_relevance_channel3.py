"""Lexicon 2026.12.10 against the rule's errors on batch p (texts of other fields that name health words beside a
digital or policy term): a title that names no health term and another field's policy (``rules.title_other_field``,
lexicon ``title_fields``: 消费, 产业, 退休, 毕业生 …) has that field as its subject, which no topic cancels; wellness
tourism is a title cue (康养旅游); and the vocabulary of the health-policy texts the lexicon of before missed (TW
cancer-drug fund, cross-border health data, nurse-staffing standards, NHI global budget). Real texts are dev rows of
the corpus, read by id (the frozen test split is dropped as each line is read); the others were written for these
tests."""

from __future__ import annotations

import pytest

from healthcrawl.text.lexicon import default_lexicon
from healthcrawl.text.relevance import Scorer
from tests.relevance_rules import assert_kept, assert_lexicon_since, assert_excluded_by_title, assert_found, assert_needs_the_rule, rule_scorer, score, weights


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return rule_scorer()


OTHER_FIELD = {
    "h-8aa0770f2f": "消费",            # 国务院印发《关于促进服务消费高质量发展的意见》 (互联网+医疗服务 one item)
    "h-24692fd58e": "退休",            # 延迟退休政策:美日经验与中国道路 (life expectancy as background)
    "h-fd2ba0f822": "毕业生",          # 多措并举鼓励毕业生基层就业 (the rural-doctor programme one item)
    "h-3328e3895c": "产业",            # 前瞻佈局腦機接口產業 (commentary on a future industry)
    "h-fe5a52a630": "产业",            # 七部门发布《关于推动脑机接口产业创新发展的实施意见》 (an industrial plan)
    "h-ca632136a6": "产业",            # 央企“AI+”专项行动:重构产业生态链… ("以医疗领域为例")
    "h-d719c043f1": "养老服务机器人",  # 两部门启动智能养老服务机器人试点 (eldercare robots, MIIT/MCA)
}


@pytest.mark.parametrize("row_id, cue", OTHER_FIELD.items())
def test_another_fields_policy_as_the_titles_subject_excludes_real_texts(dev_rows, scorer, row_id, cue):
    assert_excluded_by_title(scorer, dev_rows[row_id], cue)


def test_the_other_field_rule_needs_the_flag(dev_rows):
    # the title's policy words (意见, 实施意见, 试点) cancelled every cue before
    assert_needs_the_rule("title_other_field", dev_rows["h-8aa0770f2f"], dev_rows["h-fe5a52a630"])


@pytest.mark.parametrize("row_id", [
    "h-0ea28d6610",   # 海南用“活”医疗健康数据 增进人民福祉带动产业发展 (the title names health)
    "h-9546b17e17",   # 国家健康医疗大数据产业园IDC项目… (the title names health)
    "h-54c7ef03d3",   # 深圳灵活就业人员能否申请生育津贴 (就业 is no cue)
    "h-6d72dafbd9",   # 智慧养老 (养老 alone is no cue)
    "h-808aa7d93c",   # 教育部有关负责人解读《综合防控儿童青少年近视实施方案》 (教育 is no cue)
])
def test_relevant_rows_near_the_field_cues_stay_relevant(dev_rows, scorer, row_id):
    assert_kept(scorer, dev_rows[row_id])


def test_a_title_naming_health_keeps_its_topic(scorer):
    body = ("国家卫生健康委等部门印发意见，推动医药产业与医疗机构协同，完善公立医院药品集中采购和医保支付政策，"
            "建设全民健康信息平台。")
    assert scorer.score("推动医药产业高质量发展的意见印发", body).relevant
    assert not scorer.score("推动新材料产业高质量发展的意见印发", body).relevant


def test_wellness_tourism_is_a_title_cue(dev_rows, scorer):
    row = dev_rows["h-4c1f75a220"]   # 中医药康养旅游产业开发模式研究 (TCM plans named as background)
    got = score(scorer, row)
    assert not row["relevant"] and not got.relevant
    assert "康养旅游" in got.reasons["excluded_by"]["title"], got.reasons


@pytest.mark.parametrize("row_id, category, term", [
    ("h-89057c97dd", "policy", "癌症新药基金"),        # 癌症新藥基金給付限期 病友憂斷炊 (基金 no longer a market cue)
    ("h-a57b4eb4ef", "digital", "数据出境安全评估"),   # 全国首例数据出境安全评估:北京友谊医院案例评析
    ("h-b9dee10a07", "policy", "护病比"),              # 三班護病比落實 護理人員執業率不升反降
    ("h-87a952f69c", "policy", "总额协商"),            # 健康台灣深耕論壇彰基首發 五年489億推動健康照護轉型
])
def test_health_policy_texts_the_lexicon_of_before_missed(dev_rows, scorer, row_id, category, term):
    assert_found(scorer, dev_rows[row_id], category, term)


def test_a_data_export_text_without_health_stays_out(dev_rows, scorer):
    row = dev_rows["h-43c04ae5fc"]   # 试评《数据出境安全管理政策问答(2025年4月)》 (no health subject)
    assert not row["relevant"] and not score(scorer, row).relevant


def test_vocabulary_weights():
    assert weights("癌症新药基金") == {"health": 3.0, "policy": 3.0}
    assert weights("癌症防治法") == {"health": 3.0, "policy": 3.0}
    assert weights("数据出境安全评估") == {"digital": 3.0, "policy": 3.0}
    assert weights("数据出境") == {"digital": 3.0, "policy": 2.0}
    assert weights("护病比") == {"health": 3.0, "policy": 3.0}
    assert weights("总额协商") == {"policy": 3.0}
    assert weights("健康台湾") == {"health": 3.0}
    lex = default_lexicon()
    assert_lexicon_since("2026.12.10")
    assert {"消费", "产业", "退休", "毕业生"} <= lex.title_fields and lex.rules["title_other_field"]
