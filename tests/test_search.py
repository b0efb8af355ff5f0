"""healthcrawl.storage.search against a real mongod: every word required, then the phrase check;
the window, site and limit; documents written by the project's writer (texts written for the tests)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from healthcrawl.article import BEIJING, Article
from healthcrawl.storage.collections import ARTICLE_INDEXES
from healthcrawl.storage.records import article_record, write_records
from healthcrawl.storage.search import query_phrases, query_words, search, text_search

TEXTS = [
    # key, site, day, title, body
    ("pay", "gmw", 10, "医保支付方式改革进入新阶段", "多地推进医保支付方式改革，按病种付费覆盖更多医院。"),
    ("apart", "chinanews", 11, "医保基金监管新规发布", "新规明确了医保基金的使用范围，另对异地就医的支付结算作出安排。"),
    ("data", "ce", 12, "健康医疗大数据平台上线", "平台汇聚电子病历和健康档案数据，支持医保结算。"),
    ("sport", "cnii", 13, "城市马拉松周末开跑", "赛事吸引两万名跑者参加，沿途设置医疗保障点。"),
    ("ai", "gmw", 14, "AI辅助诊断进入基层卫生院", "基层卫生院引入AI辅助诊断系统，提升影像阅片效率。"),
]
HOSTS = {"gmw": "health.gmw.cn", "chinanews": "www.chinanews.com.cn", "ce": "www.ce.cn", "cnii": "www.cnii.com.cn"}


def _article(key: str, site: str, day: int, title: str, body: str) -> Article:
    url = f"https://{HOSTS[site]}/2026-11/{day}/content_{key}.htm"
    return Article(url=url, canonical_url=url, site=site, site_name=site, title=title, body=body,
                   published_at=datetime(2026, 11, day, 10, 0, tzinfo=BEIJING),
                   relevance={"score": 1.0, "relevant": True})


@pytest.fixture
def db(mongo_db):
    mongo_db.articles.create_indexes(ARTICLE_INDEXES)
    write_records(mongo_db.articles, [article_record(_article(*t)) for t in TEXTS])
    return mongo_db


def keys(results) -> list[str]:
    return [doc["url"].rsplit("content_", 1)[1].split(".")[0] for doc in results]


def test_query_is_cut_like_the_index_and_every_word_is_quoted():
    assert query_words("医保 支付") == ["医保", "支付"]
    assert query_words("医保支付") == ["医保", "支付"]
    assert query_phrases("医保支付  改革") == ["医保支付", "改革"]
    assert text_search("医保 支付") == '"医保" "支付"'
    assert text_search("，。！") is None


def test_every_word_is_required(db):
    assert sorted(keys(search(db, "医保 支付"))) == ["apart", "pay"]
    assert keys(search(db, "医保 马拉松")) == []


def test_a_phrase_must_occur_as_written(db):
    # both words occur in "apart", but not together
    assert keys(search(db, "医保支付")) == ["pay"]
    assert keys(search(db, "支付结算")) == ["apart"]


def test_words_inside_compounds_and_ascii_terms(db):
    assert sorted(keys(search(db, "医保"))) == ["apart", "data", "pay"]
    assert keys(search(db, "ai")) == ["ai"]            # case-folded; AI is whole-word in the tokens
    assert keys(search(db, "ＡＩ辅助")) == ["ai"]       # full-width folded


def test_traditional_query_finds_simplified_text(db):
    assert keys(search(db, "醫保支付")) == ["pay"]


def test_window_site_and_limit(db):
    assert sorted(keys(search(db, "医保", since=date(2026, 11, 11)))) == ["apart", "data"]
    assert keys(search(db, "医保", until=date(2026, 11, 10))) == ["pay"]
    assert keys(search(db, "医保", site="ce")) == ["data"]
    assert len(search(db, "医保", limit=2)) == 2
    assert search(db, "医保", limit=0) == []


def test_results_carry_the_text_score_and_not_the_index_tokens(db):
    (doc,) = search(db, "马拉松")
    assert doc["search_score"] > 0
    assert "search_body" not in doc and "search_title" not in doc
    assert doc["title"] == "城市马拉松周末开跑"


def test_title_matches_rank_first(db):
    # 医保 in the title of "pay" and "apart", only in the body of "data"
    assert keys(search(db, "医保"))[-1] == "data"


def test_works_with_the_project_database_object(db):
    from healthcrawl.project import project_settings
    from healthcrawl.storage.client import Database

    database = Database("mongodb://unused", db.client, db.name, project_settings())
    assert keys(search(database, "马拉松")) == ["sport"]


# --- compound terms: jieba cuts the text one way, the query another -----------------------------------
COMPOUNDS = [
    # key, title, body, a compound query the text holds, jieba cutting it differently in the text
    ("drg", "医保支付方式改革持续深化", "按病组付费的分组方案全面落地。", "医保支付"),
    ("share", "商业保险与基本医保数据共享试点启动", "理赔材料线上流转。", "医保数据共享"),
    ("mutual", "检查检验结果互认范围扩大", "二级以上公立医院全部接入。", "结果互认"),
    ("bigdata", "多地建设健康医疗大数据中心", "数据要素赋能医药创新。", "医疗大数据"),
    ("rx", "医保电子处方中心实现省级全覆盖", "处方流转更便捷。", "电子处方中心"),
]


@pytest.fixture
def compound_db(mongo_db):
    mongo_db.articles.create_indexes(ARTICLE_INDEXES)
    write_records(mongo_db.articles, [article_record(_article(key, "ce", 12, title, body))
                                      for key, title, body, _ in COMPOUNDS])
    return mongo_db


@pytest.mark.parametrize("key,query", [(c[0], c[3]) for c in COMPOUNDS])
def test_a_compound_term_finds_the_text_however_jieba_cut_it(compound_db, key, query):
    from healthcrawl.text.segment import search_tokens

    title, body = next((t, b) for k, t, b, _ in COMPOUNDS if k == key)
    assert query not in search_tokens(f"{title}\n{body}").split()    # $text alone would miss it
    assert compound_db.articles.count_documents({"$text": {"$search": query}}) == 0
    assert keys(search(compound_db, query)) == [key]


def test_the_unsegmented_compound_misses_where_the_search_finds():
    """The case the search exists for: jieba gives the title no 医保支付 token."""
    from healthcrawl.text.segment import search_tokens

    tokens = search_tokens("医保支付方式改革持续深化").split()
    assert "医保支付" not in tokens and {"医保", "支付"} <= set(tokens)
    assert query_words("医保支付") == ["医保", "支付"]


# --- the command ---------------------------------------------------------------------------------------
def run_search(mongod, database: str, *args: str):
    from tests.servers import crawl_env, run_module

    return run_module(["healthcrawl.cli", "search", *args, "--database", database],
                      crawl_env(MONGO_URI=mongod.uri), timeout=120)


def test_the_command_prints_the_articles_and_names_the_database(compound_db, mongod):
    done = run_search(mongod, compound_db.name, "医保支付")
    assert done.returncode == 0, done.stderr
    assert "医保支付方式改革持续深化" in done.stdout and "content_drg" in done.stdout
    assert "2026-11-12 10:00" in done.stdout                   # Beijing time
    assert f"1 article(s) from database {compound_db.name}" in done.stderr
    done = run_search(mongod, compound_db.name, "医保", "--json", "--limit", "2", "--site", "ce")
    rows = json.loads(done.stdout)
    assert len(rows) == 2 and rows[0]["published_at"] == "2026-11-12T10:00:00+08:00"
    assert set(rows[0]) >= {"title", "url", "site", "search_score", "relevant"}


def test_the_command_says_when_nothing_matches_and_where_articles_are(compound_db, mongod):
    done = run_search(mongod, compound_db.name, "马拉松", "--since", "2026-11-01")
    assert done.returncode == 1 and done.stdout == ""
    assert f"database {compound_db.name}: no article holds '马拉松' (published since 2026-11-01" in done.stderr
    done = run_search(mongod, compound_db.name + "_empty", "医保")
    assert done.returncode == 1
    assert (f"database {compound_db.name}_empty holds no articles at all (articles are in "
            f"{compound_db.name}" in done.stderr)


def test_the_command_refuses_what_it_cannot_search(mongod):
    done = run_search(mongod, "unused", "，。")
    assert done.returncode == 2 and "holds no word to search" in done.stderr
    done = run_search(mongod, "unused", "医保", "--site", "nowhere")
    assert done.returncode == 2 and "healthcrawl search: argument --site: unknown site 'nowhere'" in done.stderr
