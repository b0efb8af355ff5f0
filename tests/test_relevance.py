"""Relevance: lexicon and user dictionary, matching rules, precision/recall on the evaluation set,
the pipeline, score_lines and rescore."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from healthcrawl.text import segment
from healthcrawl import settings as project_settings
from healthcrawl.article import BEIJING, Article, to_document
from healthcrawl.project import settings_dict
from healthcrawl.text.relevance import (CATEGORIES, Scorer, default_lexicon, evaluate, find_terms,
                                   load_lexicon, rescore, score_lines, scorer_from_settings, split_lead,
                                   sync_userdict)
from eval.relevance import seed_articles
from pipelines.relevance import RelevancePipeline
from tests.factories import jsonl

EVAL = jsonl("relevance_eval.jsonl")
HARD_NEGATIVE_KINDS = {"ai_no_health", "5g_no_health", "digital_policy_no_health", "clinical", "health_tip",
                       "pharma_stock", "finance_healthy", "sports", "weather", "crime"}
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

RELEVANT_BODY = ("国家卫生健康委近日印发指导意见，要求各地加快全民健康信息平台建设，推动医疗机构检查检验结果互认共享。\n"
                 "意见提出，医院要依托大数据和人工智能提升医疗服务效率，患者就医时可在手机上查看电子病历。")
IRRELEVANT_BODY = "中央气象台发布寒潮蓝色预警，受强冷空气影响，未来三天中东部大部地区气温将下降8到12℃，并伴有大风天气。"


def configured() -> Scorer:
    """The scorer exactly as settings.py configures the pipeline and the CLI."""
    from scrapy.settings import Settings

    return scorer_from_settings(Settings({k: getattr(project_settings, k) for k in dir(project_settings)
                                          if k.isupper()}))


# --- lexicon and user dictionary -----------------------------------------------------------------
def test_lexicon_is_package_data_with_a_version_and_the_categories():
    lex = default_lexicon()
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d+", lex.version)
    assert set(CATEGORIES) <= set(lex.categories)
    for term in ("卫生健康", "医疗", "医院", "医保", "疾控", "公共卫生", "基层卫生", "医共体"):
        assert lex.categories["health"][term] > 0
    for term in ("大数据", "人工智能", "大模型", "数智", "信息化", "互联网医院", "远程医疗", "5G"):
        assert lex.categories["digital"][term] > 0
    for term in ("政策", "指导意见", "规划", "标准", "医改", "卫健委"):
        assert lex.categories["policy"][term] > 0
    assert lex.categories["health"]["公共卫生间"] == 0  # a blocker


def test_lexicon_rejects_repeated_terms(tmp_path):
    data = json.loads(json.dumps({"version": "x", "zones": {"title": 3, "lead": 2, "body": 1},
                                  "categories": {c: {"2": ["医疗"]} for c in (*CATEGORIES, "markets")}}))
    data["categories"]["health"]["3"] = ["医疗"]
    path = tmp_path / "lexicon.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="listed twice"):
        load_lexicon(path)


def test_every_chinese_lexicon_term_is_in_the_user_dictionary_and_segments_whole():
    words = {line.split()[0] for line in segment.user_dict_lines()}
    tok = segment.tokenizer()
    for term in default_lexicon().terms():
        if re.fullmatch(r"[\u4e00-\u9fff]{2,}", term):
            assert term in words, f"{term} missing from healthcrawl/data/userdict.txt"
            assert tok.lcut(term) == [term], f"{term} does not segment as one token"
    assert "互联网医院" in tok.lcut("患者通过互联网医院在线复诊")
    assert "医共体" in tok.lcut("推进医共体建设")


# --- matching ------------------------------------------------------------------------------------
def test_blockers_consume_longer_words():
    lex = default_lexicon()
    assert find_terms(lex, "公共卫生间") == ["公共卫生间"]
    assert find_terms(lex, "加强公共卫生服务") == ["公共卫生服务"]
    assert find_terms(lex, "推动资本市场平稳健康发展") == ["健康发展"]


def test_ascii_terms_match_only_as_words_and_full_width_is_folded():
    lex = default_lexicon()
    assert "ai" in find_terms(lex, "AI辅助诊断")
    assert "ai" in find_terms(lex, "ＡＩ辅助诊断")
    assert "5g" in find_terms(lex, "５Ｇ网络")
    assert "ai" not in find_terms(lex, "OpenAI发布新模型")
    assert "ai" not in find_terms(lex, "MAIL")


def test_title_weighs_more_than_lead_more_than_body():
    s = Scorer()
    filler = "这是一段与主题无关的文字，" * 10
    in_title = s.score("医院", filler).scores["health"]
    in_lead = s.score("无关", "医院" + filler).scores["health"]
    in_body = s.score("无关", filler + "\n" + filler + "医院").scores["health"]
    assert in_title > in_lead > in_body > 0


def test_split_lead():
    first = "清晨七点，柳林镇卫生院的全科医生打开电脑，屏幕上跳出一条提醒。"
    assert split_lead(f"光明日报记者 郑远\n{first}\n第二段。") == (f"光明日报记者 郑远\n{first}", "第二段。")
    one = "第一句话说的是国家卫生健康委发布了新的规划，内容很多很多很多很多很多很多很多很多很多很多。" * 5
    lead, rest = split_lead(one)
    assert lead.endswith("。") and len(lead) <= 200 and lead + rest == one


def test_word_in_passing_is_not_a_topic():
    s = Scorer()
    ai_list = s.score("人工智能赋能千行百业", "人工智能正加速向制造、教育、金融、医疗、交通等领域渗透，大模型数量超过300个，算力规模增长。")
    assert not ai_list.relevant and ai_list.scores["health"] == 0
    assert "医疗" in ai_list.reasons["listed_among_sectors"]
    # one other field beside health is not a list: the health term counts
    alone = s.score("", "人工智能正加速向医疗、教育领域渗透。")
    assert alone.scores["health"] > 0 and "listed_among_sectors" not in alone.reasons


def test_policy_term_beside_a_health_anchor_stands_for_distinct_terms():
    s = Scorer(model=False)
    text = "医师多点执业有助于合理配置卫生人力资源，促进公立医院改革。"
    paired = s.score("医师多点执业研究", text)
    assert paired.relevant and paired.reasons["paired"] == {"policy": "改革~公立医院"}
    # the same policy word in another sentence than the health anchor does not pair
    apart = s.score("医师多点执业研究", "医师多点执业有助于合理配置医务人员。各地推进改革。")
    assert not apart.relevant and "paired" not in apart.reasons


def test_english_plural_of_an_ascii_term():
    lex = default_lexicon()
    assert "drg" in find_terms(lex, "回顾DRGs在我国的发展")
    assert "drg" not in find_terms(lex, "DRGSYSTEM")


def test_score_is_at_least_one_exactly_when_relevant():
    s = Scorer()
    for row in EVAL:
        result = s.score(row["title"], row["text"])
        assert result.relevant == (result.score >= 1.0)
        assert set(result.matched) >= set(CATEGORIES)


# --- precision / recall --------------------------------------------------------------------------
def test_evaluation_set_shape():
    assert len(EVAL) >= 150
    hard = [r for r in EVAL if not r["relevant"] and r["kind"] in HARD_NEGATIVE_KINDS]
    assert len(hard) / len(EVAL) >= 0.40
    assert {r["kind"] for r in hard} == HARD_NEGATIVE_KINDS
    assert all(set(r) >= {"title", "text", "relevant", "kind"} for r in EVAL)


def test_precision_and_recall_at_least_095():
    """Reproduce the figures with ``python -m healthcrawl.text.relevance tests/data/relevance_eval.jsonl``."""
    report = evaluate(EVAL, configured())
    figures = report["all"]
    assert figures["n"] == len(EVAL)
    assert figures["precision"] >= 0.95, report["errors"]
    assert figures["recall"] >= 0.95, report["errors"]


def test_module_defaults_are_the_settings():
    """score_lines/rescore/evaluate without settings use the same thresholds as the crawl."""
    assert configured().thresholds == Scorer().thresholds
    assert configured().keywords_max_chars == Scorer().keywords_max_chars
    assert configured().top_keywords == Scorer().top_keywords


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds is not beside the project")
def test_real_bulletin_articles_are_relevant():
    """The six articles of the two real bulletin issues (read from shared/, never copied)."""
    scorer = configured()
    found = 0
    for name, title, body in seed_articles(SEEDS):
        result = scorer.score(title, body)
        assert result.relevant, f"{name}: {title} scored {result.score}"
        found += 1
    assert found >= 6


# --- the pipeline --------------------------------------------------------------------------------
class PlainSpider(scrapy.Spider):
    name = "plain"


def make_pipeline(**settings):
    crawler = get_crawler(PlainSpider, settings_dict(settings))
    crawler.spider = crawler._create_spider()
    return RelevancePipeline.from_crawler(crawler), crawler


def article(title: str, body: str, **fields) -> Article:
    return Article(url="https://health.gmw.cn/2026-11/10/content_1.htm", title=title, body=body,
                   published_at=datetime(2026, 11, 10, 9, 0, tzinfo=BEIJING), **fields)


def stat(crawler, key):
    return crawler.stats.get_value(f"healthcrawl/relevance/{key}", 0)


def test_relevant_item_is_scored_and_passes():
    pipeline, crawler = make_pipeline()
    item = article("国家卫健委：推进医疗数据共享", RELEVANT_BODY)
    assert pipeline.process_item(item) is item
    rel = item.relevance
    assert rel["relevant"] is True and rel["score"] >= 1
    assert rel["lexicon_version"] == default_lexicon().version
    assert {"卫健委", "医疗"} & set(rel["matched"]["health"])
    assert "大数据" in rel["matched"]["digital"] and "指导意见" in rel["matched"]["policy"]
    assert item.top_keywords == []  # the keywords pipeline's, for what passes
    assert stat(crawler, "relevant") == 1


def test_irrelevant_item_is_dropped_and_counted():
    pipeline, crawler = make_pipeline()
    with pytest.raises(DropItem, match="not relevant"):
        pipeline.process_item(article("寒潮来袭", IRRELEVANT_BODY))
    assert stat(crawler, "irrelevant") == 1


def test_keep_irrelevant_passes_flagged():
    pipeline, crawler = make_pipeline(HEALTHCRAWL_KEEP_IRRELEVANT=True)
    item = article("寒潮来袭", IRRELEVANT_BODY)
    assert pipeline.process_item(item) is item
    assert item.relevance["relevant"] is False
    assert stat(crawler, "irrelevant") == 1 and stat(crawler, "kept_irrelevant") == 1


def test_duplicates_pass_unscored():
    pipeline, crawler = make_pipeline()
    item = article("寒潮来袭", IRRELEVANT_BODY,
                   duplicate_of={"canonical_url": "https://x", "reason": "reprint", "similarity": 0.8})
    assert pipeline.process_item(item) is item
    assert item.relevance is None and item.top_keywords == []
    assert stat(crawler, "duplicate_skipped") == 1


def test_thresholds_and_lexicon_come_from_settings(tmp_path):
    strict, _ = make_pipeline(HEALTHCRAWL_RELEVANCE_MIN_HEALTH=1000.0)
    with pytest.raises(DropItem):
        strict.process_item(article("国家卫健委：推进医疗数据共享", RELEVANT_BODY))
    data = json.loads((Path(segment.__file__).parents[1] / "data" / "lexicon.json").read_text(encoding="utf-8"))
    data["version"] = "test.1"
    path = tmp_path / "lexicon.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    custom, _ = make_pipeline(HEALTHCRAWL_RELEVANCE_LEXICON=str(path))
    item = article("国家卫健委：推进医疗数据共享", RELEVANT_BODY)
    custom.process_item(item)
    assert item.relevance["lexicon_version"] == "test.1"


def test_open_spider_warms_up_and_records_the_lexicon_version():
    import asyncio

    pipeline, crawler = make_pipeline()
    asyncio.run(pipeline.open_spider())
    assert stat(crawler, "lexicon_version") == default_lexicon().version


# --- score_lines / rescore -----------------------------------------------------------------------
def test_score_lines_round_trip():
    rows = [{"title": "国家卫健委：推进医疗数据共享", "text": RELEVANT_BODY, "id": 1},
            {"title": "寒潮来袭", "text": IRRELEVANT_BODY, "id": 2},
            {"title": "只有正文字段", "body": RELEVANT_BODY}]
    src = io.StringIO("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    out = io.StringIO()
    assert score_lines(src, out) == 3
    got = [json.loads(line) for line in out.getvalue().splitlines()]
    scorer = Scorer()
    for before, after in zip(rows, got):
        assert {k: after[k] for k in before} == before  # input fields kept as they were
        expected = scorer.score(before["title"], before.get("text", before.get("body")))
        assert after["relevant"] == expected.relevant
        assert after["score"] == expected.score
        assert after["matched"] == expected.matched
    assert [g["relevant"] for g in got] == [True, False, True]
    assert "\\u" not in out.getvalue() and "卫健委" in out.getvalue()  # UTF-8 text, not \\u escapes
    with pytest.raises(ValueError, match="line 2"):
        score_lines(io.StringIO('{"title": "a", "text": "b"}\nnot json\n'), io.StringIO())


def test_rescore_updates_stored_articles(mongo_db):
    coll = mongo_db.articles
    good = article("国家卫健委：推进医疗数据共享", RELEVANT_BODY)
    good.canonical_url = "https://health.gmw.cn/a"
    good.relevance = {"score": 0.2, "relevant": False, "matched": {}, "lexicon_version": "old"}
    bad = article("寒潮来袭", IRRELEVANT_BODY)
    bad.canonical_url = "https://health.gmw.cn/b"
    bad.relevance = {"score": 3.0, "relevant": True, "matched": {}, "lexicon_version": "old"}
    coll.insert_many([to_document(good), to_document(bad)])
    counts = rescore(coll)
    assert counts == {"scanned": 2, "updated": 2, "relevant": 1, "irrelevant": 1,
                      "became_relevant": 1, "became_irrelevant": 1}
    doc = coll.find_one({"canonical_url": "https://health.gmw.cn/a"})
    assert doc["relevance"]["relevant"] is True
    assert doc["relevance"]["lexicon_version"] == default_lexicon().version
    assert doc["top_keywords"]
    assert coll.count_documents({}) == 2  # irrelevant documents are flagged, never deleted
    again = rescore(coll)
    assert again["updated"] == 0 and again["scanned"] == 2


def test_sync_userdict_appends_missing_terms(tmp_path):
    path = tmp_path / "userdict.txt"
    path.write_text("# comment\n医共体", encoding="utf-8")
    added = sync_userdict(path)
    assert "医共体" not in added and "互联网医院" in added
    words = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert words[0] == "医共体" and len(words) == len(set(words))
    assert sync_userdict(path) == []


def test_keywords_use_a_tfidf_bound_to_the_project_tokenizer():
    import jieba

    from healthcrawl.text.relevance import tfidf

    extractor = tfidf()
    assert extractor is tfidf()  # built once
    assert extractor.tokenizer is segment.tokenizer() and extractor.tokenizer is not jieba.dt
    keywords = Scorer().keywords("推进紧密型县域医共体建设", "全民健康信息平台让互联网医院和远程医疗覆盖基层。")
    assert "全民健康信息平台" in keywords and "互联网医院" in keywords


# --- traditional characters ------------------------------------------------------------------------
def test_traditional_text_scores_as_its_simplified_form():
    from healthcrawl.text.chinese import to_simplified

    title, body = "國家衞健委：推進醫療數據共享", ("國家衛生健康委近日印發指導意見，要求各地加快全民健康信息平台建設，"
                                             "推動醫療機構檢查檢驗結果互認共享。")
    assert to_simplified(title) == "国家卫健委：推进医疗数据共享"
    s = Scorer()
    trad, simp = s.score(title, body), s.score(to_simplified(title), to_simplified(body))
    assert trad.relevant and trad.score == simp.score and trad.matched == simp.matched
    assert to_simplified(RELEVANT_BODY) == RELEVANT_BODY  # simplified text passes unchanged
    assert to_simplified("智慧医院") == "智慧医院" and to_simplified(None) == ""


def test_search_tokens_are_simplified():
    from healthcrawl.text.chinese import simplified_search_tokens

    assert simplified_search_tokens("醫保信息平台") == segment.search_tokens("医保信息平台")
    assert "医保" in simplified_search_tokens("醫保信息平台").split()


# --- context rules and reasons ---------------------------------------------------------------------
def test_weak_terms_need_a_strong_health_anchor():
    s = Scorer(model=False)
    robot = s.score("医院引进手术机器人", "医生在控制台操作机器人为病人做手术，机器人手臂灵活，手术更精准。")
    assert not robot.relevant and "机器人" in robot.reasons["unanchored"]
    anchored = s.score("医院物流机器人上岗", "市卫健委介绍，公立医院引进智能物流机器人和药品配送系统，"
                                           "医疗机构信息化水平提升，数据平台实时调度。")
    assert "机器人" in anchored.matched["digital"] and "unanchored" not in anchored.reasons


def test_negative_cues_exclude_and_say_so():
    s = Scorer(model=False)
    pet = s.score("宠物诊疗机构管理办法要点", "动物诊疗机构应当依法从事动物诊疗活动，建立管理制度，"
                                         "按照国家兽药管理的规定使用兽药，使用规范的病历和处方笺。")
    assert not pet.relevant and pet.reasons["rule"].startswith("excluded")
    assert "negative" in pet.reasons["excluded_by"] and "宠物" in pet.matched["negative"]


def test_every_decision_carries_its_reasons():
    s = Scorer(model=False)
    yes = s.score("国家卫健委：推进医疗数据共享", RELEVANT_BODY)
    assert yes.reasons["rule"].startswith("health and") and yes.priority > 0
    no = s.score("寒潮来袭", IRRELEVANT_BODY)
    assert no.reasons["rule"].startswith("not relevant: health")
    assert set(yes.relevance_field()) >= {"score", "relevant", "matched", "reasons", "priority", "lexicon_version"}


def test_a_strong_title_term_stands_for_distinct_terms():
    s = Scorer(model=False)
    result = s.score("某市健康医疗大数据管理办法印发", "为规范大数据管理，保障数据安全，推进数据共享，制定本办法。")
    assert result.relevant, result.reasons


def test_priority_puts_national_data_and_policy_above_local_clinical_news():
    s = Scorer()
    national = s.score("国家卫生健康委印发全民健康信息化规划",
                       "国家卫生健康委近日印发规划，推进健康医疗大数据应用，建设全民健康信息平台，推动医疗机构数据共享。")
    local = s.score("县人民医院上线互联网医院", "县人民医院互联网医院正式上线，患者可在线复诊，医院信息化水平提升。")
    assert national.relevant and local.relevant and national.priority > local.priority
    assert any(p.startswith("national") for p in national.reasons["priority"])
    assert any(p.startswith("local") for p in local.reasons["priority"])
