"""Lexicon 2026.12.12 against the rule's errors on batches s (found by names of people, places and institutions)
and t (the bulletin's own beat and the texts next to it): personnel news (履新, 换帅, 免职, 接掌, 上任, 人事, 任命 …),
institution profiles (医院简介, 单位信息), press-conference notices, delegation visits and ceremonies (预告, 一行, 仪式)
as title cues; telecom base stations (基站) as another field's subject; a press conference (新闻发布会) is how a text was issued, not
a policy topic (policy weight 1), and the outbreak-response body's name (国务院联防联控机制) is who speaks (a blocker);
supervision instruments, new rules and work priorities as policy (飞行检查, 飞检, 新规, 自查自纠, 新制, 重点工作,
工作会议). Real texts are dev rows of the corpus, read by id (the frozen test split is dropped as each line is
read); the others were written for these tests."""

from __future__ import annotations

import pytest

from healthcrawl.text.lexicon import default_lexicon
from healthcrawl.text.relevance import Scorer
from tests.relevance_rules import assert_kept, assert_lexicon_since, assert_excluded_by_title, assert_found, rule_scorer, score, weights


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return rule_scorer()


@pytest.mark.parametrize("row_id, cue", [
    ("h-21b8a5f5a8", "换帅"),       # 重磅!上海卫健委换帅,邬惊雷免职,闻大翔履新上海市卫健委主任
    ("h-38aef081e9", "接掌"),       # 從急診醫到接掌衛福部 石崇良EQ高、人緣佳 (a profile)
    ("h-85637ffee1", "人事"),       # 衛福部人事加速到位!石崇良揭3副署長人選與佈局考量
    ("h-b65bcecb81", "上任"),       # 雷海潮上任国家卫健委党组书记:一位学者型官员的成长路
    ("h-b1f86bb0f5", "医院简介"),   # 湖南省人民醫院簡介
    ("h-16e6be0a7a", "单位信息"),   # 天津市第四中心医院(单位信息)
    ("h-c81a059eef", "预告"),       # 国家卫生健康委新闻发布会预告(3月19日) (a notice with no content)
    ("h-d777272c66", "一行"),       # 北京市副市長一行來院校調研 (a delegation's visit)
    ("h-262988736a", "仪式"),       # 北京医院举行中国医学科学院老年医学研究院成立仪式 (a ceremony)
    ("h-2a619a7287", "基站"),       # 我市今年至少再建230座5G基站 (telecom build-out, medicine one use)
])
def test_personnel_profiles_visits_ceremonies_and_base_stations_are_title_cues(dev_rows, scorer, row_id, cue):
    assert_excluded_by_title(scorer, dev_rows[row_id], cue)


def test_a_visit_about_a_topic_keeps_it(dev_rows, scorer):
    assert_kept(scorer, dev_rows["h-946b1007ad"])   # 武汉大学口腔医院一行来集团市中心医院考察交流信息化建设工作


def test_an_appointee_announcing_a_reform_keeps_the_topic(scorer):
    body = ("新任局长上任后表示，将深化医保支付方式改革，推进DRG付费全覆盖，完善医保基金监管制度，"
            "国家医保局将出台配套政策。")
    assert scorer.score("新任国家医保局局长上任：深化医保支付方式改革", body).relevant
    got = scorer.score("新任国家医保局局长上任", body)
    assert not got.relevant and "上任" in got.reasons["excluded_by"]["title"], got.reasons


@pytest.mark.parametrize("row_id", [
    "h-3111923b2b",   # 米锋:我国内地首次无新增本土疑似病例
    "h-507b23beda",   # 国务院联防联控机制5月6日新闻发布会(援鄂疾控工作者代表)
    "h-539b09e2c4",   # 国家卫生健康委:中国已向16个国家派出15批共149人的医疗防控专家组
    "h-1b71b5633b",   # 国家卫健委:河北疫情表明今冬明春疫情防控形势依然严峻复杂
])
def test_outbreak_briefings_are_no_policy(dev_rows, scorer, row_id):
    row = dev_rows[row_id]
    got = score(scorer, row)
    assert not row["relevant"] and not got.relevant, got.reasons
    assert "国务院" not in got.matched["policy"] and "机制" not in got.matched["policy"], got.matched


@pytest.mark.parametrize("row_id, term", [
    ("h-c2b3e3f011", "飞检"),       # 全国医保飞检马上开始 多地进行自查自纠
    ("h-8c3c498a74", "新规"),       # 正本清源——医药代表管理新规的要点及合规应对 (a business cue cancelled by a policy topic)
    ("h-e01c5ffaaf", "新制"),       # 個別醫院總額新制 去年第三季點值均達0.93元以上
    ("h-a4368a1c47", "重点工作"),   # 2025年浙江卫生健康工作会议部署新一年重点工作
])
def test_supervision_rules_and_work_priorities_are_policy(dev_rows, scorer, row_id, term):
    assert_found(scorer, dev_rows[row_id], "policy", term)


def test_vocabulary_weights():
    assert weights("新闻发布会") == {"policy": 1.0}
    assert weights("国务院联防联控机制") == {"policy": 0.0}
    assert weights("飞行检查") == {"policy": 3.0}
    assert weights("新规") == {"policy": 2.0}
    assert weights("新制") == {"policy": 2.0}
    assert weights("重点工作") == {"policy": 2.0}
    lex = default_lexicon()
    assert_lexicon_since("2026.12.12")
    assert {"履新", "换帅", "上任", "人事", "医院简介", "预告", "一行", "仪式"} <= lex.title_cues
    assert "基站" in lex.title_fields
