"""Lexicon 2026.12.14 against the rule's false positives on the dev parts of batches s (people, places and
institutions), u (formats), v (local sources) and w (tech media): texts whose title names something other than a
health topic. Business cues (only a policy topic of the title cancels them): tenders (采购公告, 单一来源 …),
rankings (排行榜, 进榜, 最佳医院 …: a digital topic does not cancel them), single IT outages (当机) and a company's
business units (军团). Event cues (a topic of the title cancels them): outbreak situation reports (疫情高峰,
下降态势, 病原体 …), one facility's construction (改扩建, 加紧建设) and a clinic opened (开设); a person taking a
post (rule ``title_appointment``: 某某任国家某某局局长). A batch of cases (rule ``title_case_batches``: 新一批…典型案例)
is a tally, as 8起…典型案例 is. The telecom and chip industries (电信, 5G应用, 牌照 …) and the silver economy (银发经济)
are other fields. Venture and capital language (赛道, 创投, 投资机构, 市场潜力, 商业化 …) is market news. Each negative
text comes with a relevant text of the neighbouring kind that keeps its topic. All texts were written for these
tests."""

from __future__ import annotations

import dataclasses

import pytest

from healthcrawl.text.lexicon import default_lexicon, normalise
from healthcrawl.text.relevance import Scorer
from tests.relevance_rules import assert_lexicon_since, assert_needs_the_rule, rule_scorer, weights


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return rule_scorer()


def row(title: str, excerpt: str, relevant: bool) -> dict:
    return {"title": title, "excerpt": excerpt, "relevant": relevant}


def without_cues(**lists: set[str]) -> Scorer:
    """The shipped lexicon with cues taken out of its title lists (``business_cues``, ``title_cues``,
    ``title_fields``): the rule as before the cues were added."""
    lex = default_lexicon()
    changed = {name: getattr(lex, name) - {normalise(c) for c in cues} for name, cues in lists.items()}
    return Scorer(lexicon=dataclasses.replace(lex, **changed), model=False, top_keywords=0)


def assert_title_cue(scorer: Scorer, text: dict, cue: str) -> None:
    got = scorer.score(text["title"], text["excerpt"])
    assert not text["relevant"] and not got.relevant, got.reasons
    assert normalise(cue) in got.reasons["excluded_by"]["title"], got.reasons


def assert_keeps_topic(scorer: Scorer, text: dict) -> None:
    got = scorer.score(text["title"], text["excerpt"])
    assert text["relevant"] and got.relevant and "excluded_by" not in got.reasons, got.reasons


TENDER = row("某县人民医院HIS系统升级改造项目采购公告",
             "某县人民医院拟对医院信息系统(HIS)进行升级改造，项目预算金额45万元，采用竞争性磋商方式采购。为满足上级"
             "卫生健康行政部门对医院信息化建设和电子病历应用水平评级的要求，需新增电子病历、检验接口和医保结算等功能"
             "模块。供应商须具备相关资质。", False)
PROCUREMENT_PLATFORM = row("省药械集中采购平台上线运行 医保资金直接结算",
                           "省医疗保障局建设的药品和医用耗材集中采购平台近日上线运行。平台打通医疗机构、配送企业和医保经办机构"
                           "的数据，实现带量采购药品货款由医保基金直接结算，缩短回款周期，并对医疗机构采购行为进行在线监管。", True)
RANKING = row("智慧医院排行榜出炉 本市5家医院进榜",
              "某咨询机构日前发布年度智慧医院排行榜，本市共有5家医院进榜。榜单从电子病历、互联网医院、人工智能应用和数据"
              "治理等维度对医院进行评价，市第一人民医院位列第12名。院方表示，将继续推进智慧医院建设，提升患者就医体验。",
              False)
APPRAISAL = row("三级公立医院绩效考核国家监测排名公布 电子病历应用水平权重提高",
                "国家卫生健康委公布年度三级公立医院绩效考核国家监测分析结果。考核指标体系涵盖医疗质量、运营效率、持续发展和"
                "满意度评价，电子病历系统应用水平分级评价结果纳入考核，数据由病案首页和全国公立医院绩效考核管理平台采集。",
                True)
OUTAGE = row("市立医院电脑当机两小时 门诊挂号改手写",
             "市立医院今天上午信息系统突发当机，门诊挂号、收费和电子病历系统一度无法使用，医师临时改用手写处方。院方信息中心"
             "紧急排除故障，约两小时后恢复，部分患者候诊时间延长。", False)
BACKUP_RULE = row("卫福部要求医院建立资讯系统异地备援机制",
                  "卫生福利部日前函请各医院建立资讯系统异地备援机制，电子病历与健保申报系统须能在主机房中断时切换运作，并将资讯"
                  "系统持续运作计划纳入医院评鉴项目，明年起分阶段实施。", True)
BUSINESS_UNIT = row("某科技公司成立医疗健康军团 发力智慧医院",
                    "某科技公司近日宣布成立医疗健康军团，整合云计算、大数据和人工智能能力，面向医院和卫生健康部门提供智慧医院、"
                    "区域健康信息平台等解决方案，并计划三年内服务上千家医疗机构。", False)
REGIONAL_PLATFORM = row("市卫健委建成区域全民健康信息平台 二级以上医院全部接入",
                        "市卫生健康委员会建设的区域全民健康信息平台日前通过验收，全市二级以上医院和社区卫生服务中心全部接入，实现"
                        "电子健康档案和电子病历数据互通共享、检查检验结果互认。", True)


@pytest.mark.parametrize("text, cues, neighbour", [
    (TENDER, {"采购公告"}, PROCUREMENT_PLATFORM),        # a tender for an IT upgrade / a procurement platform
    (RANKING, {"排行榜", "进榜"}, APPRAISAL),            # a consultancy's smart-hospital list / the state's appraisal
    (OUTAGE, {"当机"}, BACKUP_RULE),                     # one hospital's crash / the ministry's continuity rule
    (BUSINESS_UNIT, {"军团"}, REGIONAL_PLATFORM),        # a company's business unit / a health commission's platform
])
def test_tenders_rankings_outages_and_business_units_are_business_no_digital_topic_cancels(scorer, text, cues,
                                                                                          neighbour):
    assert {normalise(c) for c in cues} <= default_lexicon().business_cues
    for cue in cues:
        assert_title_cue(scorer, text, cue)
    # a digital topic of the title (HIS系统, 智慧医院, 电子病历) did not cancel them; without them the text passed
    assert without_cues(business_cues=cues).score(text["title"], text["excerpt"]).relevant
    assert_keeps_topic(scorer, neighbour)


OUTBREAK_PEAK = row("国家疾控局：流感疫情高峰预计在1月上旬出现",
                    "国家疾病预防控制局在新闻发布会上介绍，全国流感监测数据显示，流感样病例就诊比例持续上升，当前流行的病原体以"
                    "甲型H3N2流感病毒为主，预计流感疫情高峰将在1月上旬出现。国家疾控局提醒老年人、儿童等重点人群及时接种流感疫苗。",
                    False)
OUTBREAK_TREND = row("国家卫健委：全国流感疫情呈下降态势",
                     "国家卫生健康委员会新闻发言人在新闻发布会上介绍，近期全国流感疫情呈下降态势，各地医疗机构发热门诊就诊人数回落。"
                     "国家卫生健康委将继续做好监测和医疗救治工作，指导各地落实防控措施。", False)
PEAK_POLICY = row("应对流感流行高峰 国家卫健委部署分级诊疗和医疗资源调配",
                  "国家卫生健康委员会印发通知，要求各地在流感流行高峰期间落实分级诊疗制度，发挥医联体作用，统筹调配医疗资源，二级以上"
                  "医院扩充发热门诊，基层医疗卫生机构做好首诊和转诊。", True)
CONSTRUCTION = row("某镇卫生院改扩建项目加紧建设",
                   "某镇卫生院改扩建项目总投资1200万元，新建门诊住院综合楼和医疗污水处理系统，目前主体工程已完成七成。县卫生健康局"
                   "表示，今年将推进乡镇卫生院标准化建设，提升基层医疗服务能力。", False)
CONSTRUCTION_FUNDING = row("省财政安排专项资金 推进乡镇卫生院标准化建设",
                           "省财政今年安排专项资金3亿元，支持乡镇卫生院改扩建和设备配置，推进基层医疗卫生服务体系建设，落实乡镇卫生院"
                           "服务能力标准，力争年底前全省乡镇卫生院全部达到基本标准。", True)
CLINIC = row("多家医院开设减重门诊 年轻患者超五成",
             "近期，本市多家医院开设减重门诊，就诊患者中年轻人占比超过五成。患者可通过医院线上平台预约，由内分泌科、营养科医生"
             "联合接诊，为肥胖患者制定个体化减重方案。", False)
INTERNET_HOSPITALS = row("本市二级以上医院开设互联网医院 复诊患者线上续方",
                         "本市二级以上公立医院全部开设互联网医院，常见病、慢性病复诊患者可在线问诊、续方，处方经药师审核后配送到家，"
                         "诊疗费用纳入医保支付。", True)


@pytest.mark.parametrize("text, cue", [
    (OUTBREAK_PEAK, "疫情高峰"),
    (OUTBREAK_TREND, "下降态势"),
    (CONSTRUCTION, "改扩建"),
    (CONSTRUCTION, "加紧建设"),
])
def test_outbreak_situation_reports_and_construction_are_events(scorer, text, cue):
    assert_title_cue(scorer, text, cue)
    assert without_cues(title_cues={cue, "病原体", "改扩建", "加紧建设"}).score(text["title"], text["excerpt"]).relevant


def test_a_clinic_opened_is_an_event(scorer):
    assert_title_cue(scorer, CLINIC, "开设")


@pytest.mark.parametrize("neighbour", [PEAK_POLICY, CONSTRUCTION_FUNDING, INTERNET_HOSPITALS])
def test_an_event_cue_beside_a_topic_keeps_the_topic(scorer, neighbour):
    # 流行高峰 + 分级诊疗; 改扩建 in the body of a funding policy; 开设 + 互联网医院
    assert_keeps_topic(scorer, neighbour)


APPOINTMENT = row("张某某任国家疾病预防控制局局长",
                  "日前，国家疾病预防控制局完成主要负责人调整，张某某任国家疾病预防控制局局长、党组书记。张某某曾任省卫生健康委员会"
                  "主任，长期从事公共卫生和疾病预防控制管理工作，参与推动疾控体系改革。", False)
APPOINTEE_PROGRAMME = row("李某某任市卫健委主任 今年推进公立医院综合改革",
                          "李某某日前任市卫生健康委员会主任。他表示，今年将推进公立医院综合改革和紧密型县域医共体建设，完善分级诊疗制度，"
                          "落实医保支付方式改革。", True)


@pytest.mark.parametrize("title", ["加强医院主任医师队伍建设", "落实公立医院党委书记和院长责任"])
def test_appointment_reads_no_post_inside_other_words(scorer, title):
    got = scorer.score(title, "")
    assert not any(c.startswith("任") for c in got.reasons.get("excluded_by", {}).get("title", [])), got.reasons


CASE_BATCH = row("市医保局曝光新一批欺诈骗保典型案例",
                 "市医疗保障局日前曝光新一批欺诈骗保典型案例，涉及3家定点医疗机构虚构诊疗项目、串换药品等行为。市医保局依法追回"
                 "医保基金，并对相关责任人暂停医保支付资格。", False)
CASE_RULE = row("市医保局建立欺诈骗保典型案例定期曝光制度",
                "市医疗保障局印发办法，建立欺诈骗保典型案例定期曝光制度，每季度公开曝光典型案例，完善举报奖励、信用评价和智能"
                "监控等基金监管制度，推动定点医药机构自查自纠。", True)


@pytest.mark.parametrize("rule, text, cue, neighbour", [
    # a person taking a post is personnel news; the appointee's programme (改革) is a topic
    ("title_appointment", APPOINTMENT, "任国家疾病预防控制局局长", APPOINTEE_PROGRAMME),
    # a batch of cases is a tally; a rule about publishing cases names no batch
    ("title_case_batches", CASE_BATCH, "一批欺诈骗保典型案例", CASE_RULE),
], ids=["appointment", "case-batch"])
def test_the_new_title_rules(scorer, rule, text, cue, neighbour):
    assert default_lexicon().rules[rule]
    assert_title_cue(scorer, text, cue)
    assert_needs_the_rule(rule, text)
    assert_keeps_topic(scorer, neighbour)


FIVE_G_PLAN = row("十部门印发5G应用行动计划",
                  "工业和信息化部等十部门日前印发5G应用行动计划。计划提出推进5G+医疗健康发展，建设5G智慧医院，推广远程会诊、"
                  "远程超声和应急救治等应用；同时推进5G在工业互联网和车联网中的应用。", False)
FIVE_G_HEALTH = row("5G应用扬帆之年：远程医疗与智慧医院试点铺开",
                    "工业和信息化部与国家卫生健康委员会联合开展5G+医疗健康应用试点，推动5G远程会诊、远程超声和智慧医院建设，试点"
                    "项目覆盖全国。", True)
SILVER = row("银发经济加速崛起 十五五打开新空间",
             "随着人口老龄化加深，银发经济规模持续扩大。业内预计，智慧医疗、慢病管理和老年健康服务将成为增长最快的领域，人工智能"
             "在疾病筛查中的应用加快。", False)
ELDERLY_HEALTH_PLAN = row("十五五 老年健康服务体系建设规划印发",
                          "国家卫生健康委员会等部门印发老年健康服务体系建设规划，提出完善老年医疗护理服务，推进医养结合，建设老年健康"
                          "信息平台，到2030年二级以上综合医院设立老年医学科的比例达到80%。", True)


def test_telecom_and_the_silver_economy_are_other_fields(scorer):
    lex = default_lexicon()
    assert {"电信", "5g应用", "牌照", "集成电路", "芯片", "半导体", "银发经济"} <= lex.title_fields
    assert "银发经济" not in lex.title_cues
    assert_title_cue(scorer, FIVE_G_PLAN, "5G应用")
    assert without_cues(title_fields={"5G应用"}).score(FIVE_G_PLAN["title"], FIVE_G_PLAN["excerpt"]).relevant
    assert_title_cue(scorer, SILVER, "银发经济")
    # as an event cue (2026.12.13) 银发经济 was cancelled by the plan's name in the title (十五五)
    as_before = dataclasses.replace(lex, title_fields=lex.title_fields - {"银发经济"},
                                    title_cues=lex.title_cues | {"银发经济"})
    assert Scorer(lexicon=as_before, model=False, top_keywords=0).score(SILVER["title"], SILVER["excerpt"]).relevant
    # a title naming a health term keeps its topic (the rule reads another field only without one)
    assert_keeps_topic(scorer, FIVE_G_HEALTH)
    assert_keeps_topic(scorer, ELDERLY_HEALTH_PLAN)


INVESTORS = row("AI医疗影像：从实验室走向临床",
                "人工智能医学影像赛道正受到创投机构追捧。业内人士认为，随着国家药监局批准多款AI辅助诊断软件，医疗AI的商业化进程"
                "加快，市场潜力巨大，多家投资机构加码布局。", False)
REVIEW_RULE = row("国家药监局发布人工智能医疗器械审评要点",
                  "国家药品监督管理局医疗器械技术审评中心发布人工智能医疗器械审评要点，明确深度学习辅助决策软件的数据质量、算法性能"
                  "和临床评价要求，促进产品规范化和商业化应用。", True)


def test_venture_and_capital_language_is_market_news(scorer):
    got = scorer.score(INVESTORS["title"], INVESTORS["excerpt"])
    assert not got.relevant and {"赛道", "创投", "市场潜力"} <= set(got.reasons["excluded_by"]["markets"]), got.reasons
    assert_keeps_topic(scorer, REVIEW_RULE)   # one market word (商业化) in a regulator's rule excludes nothing


def test_vocabulary_weights():
    assert_lexicon_since("2026.12.14")
    for term in ("赛道", "创投", "投资机构", "投资总监", "市场潜力"):
        assert weights(term) == {"markets": 3.0}, term
    for term in ("商业化", "创始人"):
        assert weights(term) == {"markets": 2.0}, term
    lex = default_lexicon()
    assert {"采购公示", "采购公告", "招标公告", "单一来源", "最佳医院", "进榜", "榜单", "排行榜", "当机",
            "死机", "军团", "事业部"} <= lex.business_cues
    assert {"疫情高峰", "流行高峰", "下降态势", "病原体", "改扩建", "加紧建设", "开设"} <= lex.title_cues
