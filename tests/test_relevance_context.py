"""Context rules and vocabulary classes of the relevance rule added with lexicon 2026.12.4 (texts
written for these tests)."""

from __future__ import annotations

from healthcrawl.text.relevance import Scorer


def test_health_given_only_as_an_example_in_an_ai_article_does_not_count():
    s = Scorer(model=False)
    body = ("公司发布新一代推理大模型，能力全面提升。例如在医疗诊断场景中，可同时解析电子病历与影像，生成诊断建议。"
            "模型参数规模扩大一倍。")
    ai = s.score("公司发布新一代推理大模型", body)
    assert not ai.relevant and ai.scores["health"] == 0
    assert "电子病历" in ai.reasons["health_only_as_example"]
    # the same sentence under a health title is about health: its terms count
    health = s.score("医院电子病历系统接入大模型", body)
    assert health.scores["health"] > 0 and "health_only_as_example" not in health.reasons
    # without the example marker the sentence counts as before
    plain = s.score("公司发布新一代推理大模型", body.replace("例如", ""))
    assert plain.scores["health"] > 0


def test_hong_kong_and_taiwan_health_financing_terms_count_after_conversion():
    s = Scorer(model=False)
    budget = s.score("財政預算案：長者醫療券",
                     "政府建議把長者醫療券金額增加，並向醫院管理局增加經常撥款，推行公私營協作計劃。")
    assert budget.relevant
    assert {"医疗券", "财政预算案"} <= set(budget.matched["health"] + budget.matched["policy"])
    nhi = s.score("全民健保住院給付改採DRG",
                  "衛生福利部表示，全民健康保險住院診斷關聯群第二階段將於七月試辦，部分負擔比照地區醫院。")
    assert nhi.relevant and "全民健康保险" in nhi.matched["health"]


def test_single_cases_openings_and_party_study_meetings_are_excluded():
    s = Scorer(model=False)
    case = s.score("市场监督管理局行政处罚决定书",
                   "执法人员检查发现某口腔医疗服务公司发布医疗广告，涉嫌违反《医疗广告管理办法》，处罚款二万元。")
    assert not case.relevant and "negative" in case.reasons["excluded_by"]
    opening = s.score("县第二医院开工", "县人民医院新院区奠基开工，总投资五亿元，将推进公立医院改革，建成数字化医院。")
    assert not opening.relevant and "negative" in opening.reasons["excluded_by"]
    study = s.score("医院党委中心组举行学习会",
                    "党委书记主持，全院党员干部学习《现代医院管理制度》文件，深化公立医院改革。")
    assert not study.relevant and "negative" in study.reasons["excluded_by"]
    # one cue alone is no case: a rule on penalties for medical institutions stays a rule
    rule = s.score("卫生健康委：医疗机构违法发布医疗广告的处理办法",
                   "卫生健康委印发通知，对医疗机构发布违法医疗广告的，依法处罚款，并规范医疗机构监管制度。")
    assert "excluded_by" not in rule.reasons
