"""The title-subject rule and the vocabulary classes of lexicon 2026.12.5 (texts written for these
tests, not taken from the corpus)."""

from __future__ import annotations

import dataclasses

from healthcrawl.text.lexicon import default_lexicon
from healthcrawl.text.relevance import Scorer

UDI_BODY = "唯一性标识赋予每个医疗器械产品一个数字身份证，扫码即可全程追溯，信息统一录入国家数据库。"


def test_a_health_title_over_a_body_dense_with_one_topic_counts_as_health():
    s = Scorer(model=False)
    udi = s.score("医疗器械唯一性标识实施要点", UDI_BODY)
    assert udi.relevant, udi.reasons
    assert udi.reasons["title_subject"].startswith("医疗器械+")
    # the rule switched off (as in lexicons before 2026.12.5): one health term is too few
    lex = default_lexicon()
    off = Scorer(lexicon=dataclasses.replace(lex, rules={**lex.rules, "title_subject": 0}), model=False)
    assert not off.score("医疗器械唯一性标识实施要点", UDI_BODY).relevant
    # the same body under a title without a health term is not a health story
    assert not s.score("唯一性标识实施要点", UDI_BODY).relevant
    # three ordinary policy words (none strong) under a hospital title: a procurement complaint
    complaint = s.score("县医院设备项目投诉处理结果公告",
                        "投诉人对该项目采购文件的答复不满，依据有关办法提起投诉，本机关依法受理。")
    assert not complaint.relevant and "title_subject" not in complaint.reasons


def test_programme_reports_statistics_dispatch_and_rules_are_health_policy():
    s = Scorer(model=False)
    texts = {
        "screening": ("全县孕产妇免费产前筛查任务提前完成",
                      "县卫健局通报，今年新生儿疾病筛查和产前筛查两项民生实事目标任务均已完成，筛查率达到百分之九十五。"),
        "statistics": ("今年前三季度全国医疗服务情况",
                       "全国医疗卫生机构总诊疗人次较去年同期有所增加，其中公立医院诊疗人次占六成，出院人数同样增加。"),
        "dispatch": ("区里启用120统一调度",
                     "区急救中心启用120调度平台，调度员统一受理呼救，按GPS定位就近派出救护车。"),
        "kickbacks": ("省卫生厅：医务人员收受红包回扣将受处分",
                      "省卫生厅公布查处规定，医务人员收受红包金额较大者给予撤职处分，情节严重的吊销执业证书。"),
        "law": ("医疗器材管理法修正草案三读通过",
                "医疗器材商应向主管机关办理查验登记，本法自公布日起施行。"),
        "proposal": ("市卫生健康委员会对政协提案的答复",
                     "你们提出的关于加强青少年心理健康服务的提案收悉，现答复如下：我市将完善心理健康服务体系。"),
    }
    for name, (title, body) in texts.items():
        result = s.score(title, body)
        assert result.relevant, (name, result.reasons)


def test_inspections_moves_broker_reports_parks_and_ai_programmes_are_excluded():
    s = Scorer(model=False)
    texts = {
        "fire safety": ("区卫健委开展医疗机构消防安全检查",
                        "区卫健委对辖区医院和卫生院开展安全生产检查，督促落实消防安全主体责任，排查安全隐患，限期整改，落实各项管理措施。"),
        "campus move": ("县人民医院正式搬迁新院区",
                        "县人民医院整体搬迁到新院区，占地八万平方米，门诊住院综合楼信息化程度高，医疗资源进一步扩充。"),
        "broker": ("样本医院药品销售深度报告",
                   "样本医院药品销售总额同比增长百分之十，医保目录调整后纳入品种放量，政策限制品种下滑收窄。"),
        "park": ("生物医药产业园项目集中动工",
                 "医学城十个项目集中动工，总投资五十亿元，瞄准医疗人工智能、智慧医疗等方向开展全球招商。"),
        "ai programme": ("科技部门公布人工智能十大建设方向",
                         "内容涵盖算力平台、晶片研发、量子电脑、智慧医疗、太空科技及人工智能伦理等领域。"),
    }
    for name, (title, body) in texts.items():
        result = s.score(title, body)
        assert not result.relevant, (name, result.reasons)
