"""Lexicon 2026.12.8 against the rule's errors on the channels' mix (eras l and m): forms of issuing are no
topic of the title (``rules.title_forms``), a title counting cases is a tally of cases (``rules.title_cases``),
title cues of the rubric's negative classes (advice, inspections, hospital services, TCM culture, telecom
infrastructure, consumption and industry promotion, partnerships, commercial insurance), 等领域 as a sector
marker, and the vocabulary of programmes, surveillance and registries. Real texts are dev rows of the corpus,
read by id (the frozen test split is dropped as each line is read); the others were written for these tests."""

from __future__ import annotations

import pytest

from healthcrawl.text.lexicon import default_lexicon
from healthcrawl.text.relevance import Scorer
from tests.relevance_rules import assert_kept, assert_excluded_by_title, assert_found, rule_scorer, score, weights, without


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return rule_scorer()


def test_a_form_of_issuing_is_no_topic_of_the_title(dev_rows, scorer):
    # 关于印发居民体重管理核心知识(2024年版)的通知: the notice only issues education material (advice)
    notice = dev_rows["h-a430b64503"]
    got = score(scorer, notice)
    assert not notice["relevant"] and not got.relevant
    assert "核心知识" in got.reasons["excluded_by"]["title"]
    assert score(without("title_forms"), notice).relevant   # 印发 / 通知 had cancelled the cue
    # 《2024数字医疗年度创新白皮书》发布 … 单笔融资创纪录: a white paper on funding is business news
    paper = dev_rows["h-34e98afa02"]
    got = score(scorer, paper)
    assert not paper["relevant"] and not got.relevant and "融资" in got.reasons["excluded_by"]["title"]
    assert score(without("title_forms"), paper).relevant


def test_forms_keep_titles_that_name_a_topic(scorer):
    body = ("国家卫生健康委印发通知，要求各地推进电子病历系统应用水平分级评价，"
            "加快医院信息化建设，推动公立医院高质量发展。")
    got = scorer.score("国家卫生健康委关于印发电子病历系统应用水平分级评价标准的通知", body)
    assert got.relevant and "excluded_by" not in got.reasons


def test_a_title_counting_cases_is_a_tally_of_cases(dev_rows, scorer):
    for rid in ("h-bbde7035d6", "h-c04695d623"):   # 关于8起欺诈骗保典型案例的通报; 通报11起欺诈骗保典型案例
        row = dev_rows[rid]
        got = score(scorer, row)
        assert not row["relevant"] and not got.relevant, rid
        assert any("起" in cue and "案例" in cue for cue in got.reasons["excluded_by"]["title"]), got.reasons
        assert score(without("title_cases"), row).relevant, rid   # 欺诈骗保 in the title had cancelled any cue
    # national enforcement figures told in 件 stay relevant (最高法发布医保骗保犯罪典型案例 2024年审结1156件)
    figures = dev_rows["h-dd4b069c9a"]
    assert figures["relevant"] and score(scorer, figures).relevant


def test_case_counts_in_chinese_numerals(scorer):
    body = ("市医疗保障局对定点医疗机构开展专项检查，追回医保基金120万元，现将典型案例通报如下，"
            "进一步规范医保基金使用，推进医保基金监管制度改革。")
    got = scorer.score("市医保局通报五起违规使用医保基金典型案例", body)
    assert not got.relevant and got.reasons["excluded_by"]["title"] == ["五起违规使用医保基金典型案例"]
    # "起" meaning "from" names no case
    assert scorer.score("10月1日起医保基金监管新规施行", body).relevant


#: irrelevant dev rows of eras l and m the lexicon of before accepted, and the cue of their title now
EXCLUDED_BY_TITLE = {
    "h-bbc95403c6": "提醒",          # 河南省卫健委提醒:提前接种流感疫苗… (advice)
    "h-ef6608c547": "预防指南",      # 湖北疾控发布权威预防指南 (advice; 指南 inside it is no topic)
    "h-9dd7c3edcd": "视察",          # 市人大常委会视察组实地视察… (inspection of proposal handling)
    "h-6b06a5c669": "停车",          # 医院总是停车难? (hospital services)
    "h-92a3ca27a9": "中医药文化",    # 威海将中医药文化融入百姓夜生活 (TCM culture event)
    "h-ad8d34074e": "宽带",          # 村村通宽带 (telecom infrastructure naming telemedicine)
    "h-16b799d03b": "健康消费",      # 发展健康消费 促进消费升级 (consumption promotion co-issued by the NHC)
    "h-d4d6a20539": "产业发展规划",  # 医疗装备…产业发展规划出炉 (industry plan co-issued by the NHC)
    "h-c42f840161": "战略合作",      # 智慧眼与海光信息签署战略合作协议 (company partnership)
    "h-dee47273c1": "商业医疗保险",  # 城市定制型商业医疗保险研究 (commercial insurance)
}


@pytest.mark.parametrize("row_id, cue", EXCLUDED_BY_TITLE.items())
def test_titles_of_the_rubrics_negative_classes_exclude_real_texts(dev_rows, scorer, row_id, cue):
    assert_excluded_by_title(scorer, dev_rows[row_id], cue)


@pytest.mark.parametrize("row_id", [
    "h-5a50c3e619",   # 省卫计委调研大石卫生院卫生扶贫工作 (调研 is no cue: officials inspecting a programme)
    "h-1eabb9443d",   # 刘延东考察艾滋病防治工作 (考察 neither)
    "h-4758b311db",   # 医保赋能商业保险同步结算 (商业保险 alone is no cue: insurer co-settlement with 医保)
    "h-a2f8780d02",   # 关于做好健康体重管理门诊设置与管理工作的通知
])
def test_relevant_rows_near_the_new_cues_stay_relevant(dev_rows, scorer, row_id):
    assert_kept(scorer, dev_rows[row_id])


def test_blockers_keep_the_cues_compounds_from_lending_a_topic():
    for term in ("预防指南", "防护指南", "产业发展规划", "产业规划", "工业发展规划", "战略合作"):
        assert weights(term) == {"policy": 0.0}, term


def test_an_enumeration_closed_by_deng_lingyu_lists_fields(dev_rows, scorer):
    # 5G与人工智能双核驱动产业互联网发展: "已在工业互联网、智慧医疗等领域得到验证"
    row = dev_rows["h-1b8f180eb5"]
    got = score(scorer, row)
    assert not row["relevant"] and not got.relevant
    assert "智慧医疗" in got.reasons["listed_among_sectors"]
    # one field named before 等领域 is no list: AI in imaging and diagnosis stays a health topic
    body = "医院推进人工智能在医学影像、辅助诊断等领域的应用，建成智慧医院信息平台，电子病历系统全面上线。"
    assert scorer.score("医院推进人工智能辅助诊断", body).relevant


@pytest.mark.parametrize("row_id, category, term", [
    ("h-318f225fa4", "health", "儿童健康"),       # 不斷推進兒童健康事業高質量發展 (State Council report)
    ("h-464a515cba", "health", "蚊媒"),           # 2019年全国媒介蚊虫监测报告 (vector surveillance)
    ("h-7e78ff69e6", "health", "冠病"),           # 新加坡污水监测点将增至400处 (wastewater surveillance)
    ("h-a02a816811", "health", "肿瘤登记"),       # 2014年中国肿瘤发病与死亡情况 (cancer registry)
    ("h-1db0d90128", "policy", "接种计划"),       # 卫生局…「2018-2019年度流感疫苗接种计划」 (Macau programme)
    ("h-4621891abf", "policy", "接种计划"),       # 本澳新冠肺炎疫苗接種計劃公布
    ("h-836876154e", "policy", "先诊疗后付费"),   # 深圳首家信用医院上线“先诊疗后付费”服务
    ("h-0dedd207ad", "policy", "体重管理年"),     # 健康体重管理门诊提质扩面 (the NHC's campaign)
    ("h-a57a2930d0", "digital", "无人机"),        # 重庆首条无人机空中血液配送专线启航
    ("h-70b2bc0036", "digital", "无人机"),        # 无人机赋能中国医疗急救体系
])
def test_programme_surveillance_and_registry_texts_the_lexicon_of_before_missed(dev_rows, scorer, row_id,
                                                                                 category, term):
    assert_found(scorer, dev_rows[row_id], category, term)


def test_compounds_keep_the_health_weight_of_the_term_they_swallow():
    assert weights("接种计划") == {"health": 2.0, "policy": 3.0}
    assert weights("免费接种") == {"health": 2.0, "policy": 2.0}
    # a drone is weak evidence: only beside a strong health anchor
    assert "无人机" in default_lexicon().weak
    assert Scorer(model=False, top_keywords=0).score(
        "无人机配送快递进村", "快递公司用无人机把包裹送到山村，村民在家门口收货，物流时间缩短一半。").relevant is False
