"""Every example query in README.md, run as written on the demo's data.

The document marks each example with ``<!-- query: NAME -->`` followed by a ```python block
(which binds ``result``) and a ```js block (the mongosh form, run by tests/test_mongosh.py with the
real mongosh). Here a database is filled from the bundled demo archive by ``healthcrawl demo`` —
what ``bash scripts/demo.sh`` leaves in ``healthcrawl_demo`` — and each Python block runs against
it after the document's own setup lines (with the database name swapped for the test's), and its
answer is checked against the demo week's manifest (healthcrawl/demo/manifest.json), so an
example that stops working, or stops meaning what the text says, fails here.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pymongo
import pytest

from healthcrawl.storage.collections import ARTICLE_INDEXES
from healthcrawl.storage.collections import ARTICLES as ARTICLES_COLLECTION
from healthcrawl.article import BEIJING
from tests.demo import ARTICLES as DEMO_ARTICLES
from tests.demo import WEEK, expected_in_bulletin, reprint_pairs
from tests.servers import crawl_env, run_module

DOC = Path(__file__).resolve().parent.parent / "README.md"
#: the database name the document's setup line uses (what scripts/demo.sh fills)
DOC_DATABASE = "healthcrawl_demo"
#: the address of the embedded mongod the document's setup line uses
DOC_URI = "mongodb://127.0.0.1:27027"


# --- reading the document ---------------------------------------------------------------------------
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def code_blocks(text: str) -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in re.finditer(r"```(\w+)\n(.*?)```", text, re.S)]


def setup_blocks() -> tuple[str, str]:
    """(connection block, names block): the two Python blocks around ``<!-- query-setup -->``."""
    before, after = doc_text().split("<!-- query-setup -->", 1)
    connect = [code for lang, code in code_blocks(before) if lang == "python"][-1]
    lang, names = code_blocks(after)[0]
    assert lang == "python"
    return connect, names


def documented_queries() -> dict[str, dict[str, str]]:
    """NAME → {"python": code, "js": code} for every ``<!-- query: NAME -->`` section."""
    parts = re.split(r"<!-- query: ([\w-]+) -->", doc_text())
    queries = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        body = re.split(r"\n### ", body, maxsplit=1)[0]
        blocks = dict(code_blocks(body)[:2])
        assert set(blocks) == {"python", "js"}, f"query {name}: needs one python and one js block"
        assert name not in queries, f"query {name} documented twice"
        queries[name] = blocks
    return queries


def connect_code(uri: str, database: str) -> str:
    """The document's connection block, pointed at the test's server and database."""
    connect, _ = setup_blocks()
    assert f'"{DOC_URI}"' in connect and f'client["{DOC_DATABASE}"]' in connect, \
        "the setup line must connect to the demo's database"
    return connect.replace(DOC_URI, uri).replace(f'client["{DOC_DATABASE}"]', f'client["{database}"]')


def run_python(db, code: str):
    """One documented Python block after the document's setup blocks, on ``db``."""
    namespace: dict = {}
    exec(connect_code(f"mongodb://{db.client.address[0]}:{db.client.address[1]}", db.name), namespace)  # noqa: S102
    try:
        exec(setup_blocks()[1], namespace)  # noqa: S102 - the document's own example code
        exec(code, namespace)  # noqa: S102
        return namespace["result"]
    finally:
        namespace["client"].close()


# --- the demo's database ----------------------------------------------------------------------------
def fill_from_demo(uri: str, database: str, out: Path) -> None:
    """``healthcrawl demo`` into ``database`` of the server at ``uri``, as scripts/demo.sh does."""
    done = run_module(["healthcrawl.cli", "demo", "--database", database, "--out", str(out)],
                      crawl_env(MONGO_URI=uri), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def demo_db(mongod, tmp_path_factory):
    """A database filled from the demo archive (one demo run for the module)."""
    name = f"queries_demo_{id(tmp_path_factory) % 100000}"
    fill_from_demo(mongod.uri, name, tmp_path_factory.mktemp("demo-out"))
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    yield client[name]
    client.drop_database(name)
    client.close()


# --- what the demo week holds (healthcrawl/demo/manifest.json) ------------------------------------
def _later_copies() -> set[str]:
    """The reprint URLs not stored as documents: of each pair, the copy published later."""
    published = {a["url"]: datetime.fromisoformat(a["published_at"]) for a in expected_in_bulletin()}
    return {max(pair, key=published.get) for pair in reprint_pairs(expected_in_bulletin())}


STORED = [a for a in expected_in_bulletin() if a["url"] not in _later_copies()]
BY_URL = {a["url"]: a for a in STORED}
BY_TITLE = {a["title"]: a for a in STORED}
WEEK_START, WEEK_END = (datetime.fromisoformat(day).replace(tzinfo=BEIJING) for day in WEEK)
#: the story of query 19 (a reprint URL names it) and the article query 20 picks
REPRINT_URL = "https://www.ce.cn/xwzx/gnsz/gdxw/202611/10/t20261110_39045127.shtml"
HEADLINE = "医保支付方式改革持续深化 DRG/DIP 2.0版分组方案全面落地"


def _day(article: dict) -> str:
    return article["published_at"][:10]


def _text(db, title: str) -> str:
    doc = db[ARTICLES_COLLECTION].find_one({"title": title}, {"title": 1, "body": 1})
    return doc["title"] + "\n" + doc["body"]


def _titles(result) -> list[str]:
    return [r["title"] for r in result]


def _stored_titles(result) -> None:
    assert result and set(_titles(result)) <= set(BY_TITLE), _titles(result)


# --- what each documented query must answer ---------------------------------------------------------
def check_week_site(r, db):
    gmw = sorted((a for a in STORED if a["site"] == "gmw"), key=lambda a: a["published_at"], reverse=True)
    assert [x["url"] for x in r] == [a["url"] for a in gmw]
    assert set(r[0]) == {"title", "url", "published_at"}


def check_week_counts(r, db):
    expected = {}
    for a in STORED:
        expected[(_day(a), a["site"])] = expected.get((_day(a), a["site"]), 0) + 1
    assert {(x["_id"]["day"], x["_id"]["site"]): x["articles"] for x in r} == expected
    assert all(x["relevant"] == x["articles"] for x in r)      # the demo stores relevant articles only
    assert [(x["_id"]["day"], x["_id"]["site"]) for x in r] == sorted(expected)


def check_relevant_count(r, db):
    assert r == len(STORED)


def check_relevant_top(r, db):
    _stored_titles(r)
    scores = [x["relevance"]["score"] for x in r]
    assert len(r) == 10 and scores == sorted(scores, reverse=True)
    best = db[ARTICLES_COLLECTION].find_one(sort=[("relevance.score", -1)])
    assert r[0]["title"] == best["title"]


def check_near_misses(r, db):
    not_relevant = {a["url"] for a in DEMO_ARTICLES if not a["expected_in_bulletin"]}
    assert len(r) == 10 and {x["url"] for x in r} <= not_relevant
    assert [x["score"] for x in r] == sorted((x["score"] for x in r), reverse=True)
    assert set(r[0]) == {"url", "site", "score"}


def check_matched_policy(r, db):
    _stored_titles(r)
    assert all(x["relevance"]["matched"]["policy"] for x in r)
    order = [BY_TITLE[t]["published_at"] for t in _titles(r)]
    assert order == sorted(order, key=datetime.fromisoformat)


def check_text_word(r, db):
    _stored_titles(r)
    holding = {a["title"] for a in STORED if "医保" in _text(db, a["title"])}
    assert set(_titles(r)) == holding
    assert "医保" in r[0]["title"]                             # title matches weigh 5×
    assert all(x["score"] > 0 for x in r)


def check_text_all_words(r, db):
    _stored_titles(r)
    assert HEADLINE in _titles(r)
    assert all("医保" in _text(db, t) and "支付" in _text(db, t) for t in _titles(r))


def check_text_any_word(r, db):
    _stored_titles(r)
    assert all(any(w in _text(db, t) for w in ("基层", "诊断")) for t in _titles(r))
    assert "基层" in r[0]["title"]


def check_reprints_most(r, db):
    (original,) = [BY_URL[o] for pair in reprint_pairs(expected_in_bulletin()) for o in pair
                   if REPRINT_URL in pair and o in BY_URL]
    assert r == [{"title": original["title"], "site_name": "中国新闻网", "reprints": 1, "reprinted_by": ["中国经济网"]}]


def check_reprints_by_site(r, db):
    assert [(x["_id"]["original"], x["_id"]["reprinted_by"], x["reprints"]) for x in r] == [("中国新闻网", "中国经济网", 1)]


def check_per_channel(r, db):
    assert sum(x["articles"] for x in r) == len(STORED)
    sites = [x["_id"]["site"] for x in r]
    assert sites == sorted(sites) and set(sites) == {"gmw", "chinanews", "ce", "cnii"}


def check_keywords_top(r, db):
    assert len(r) == 5
    counts = [x["articles"] for x in r]
    assert counts == sorted(counts, reverse=True)
    for x in r:
        assert x["articles"] == db[ARTICLES_COLLECTION].count_documents(
            {"relevance.relevant": True, "top_keywords": x["_id"]})


def check_keywords_trend(r, db):
    assert {x["_id"]["keyword"] for x in r} == {"医保", "数据"}
    for keyword in ("医保", "数据"):
        assert sum(x["articles"] for x in r if x["_id"]["keyword"] == keyword) == \
            db[ARTICLES_COLLECTION].count_documents({"top_keywords": keyword})
    assert [(x["_id"]["keyword"], x["_id"]["day"]) for x in r] == sorted((x["_id"]["keyword"], x["_id"]["day"]) for x in r)


def check_crawl_lag(r, db):
    per_site = {}
    for a in STORED:
        per_site[a["site"]] = per_site.get(a["site"], 0) + 1
    assert {x["_id"]: x["articles"] for x in r} == per_site
    assert all(0 < x["avg_hours"] <= x["max_hours"] for x in r)      # the demo replays an old week today


def check_found_late(r, db):
    assert {x["url"] for x in r} <= set(BY_URL) and r
    assert all(x["first_seen"] - x["published_at"] > timedelta(days=2) for x in r)
    assert [x["published_at"] for x in r] == sorted(x["published_at"] for x in r)


def check_fallback(r, db):
    assert r and {x["url"] for x in r} <= set(BY_URL)
    assert all(set(x) == {"site", "url", "crawl"} and x["crawl"]["date_source"] for x in r)


def check_templates(r, db):
    assert sum(x["articles"] for x in r) == len(STORED)
    assert "fallback" in {x["_id"]["template"] for x in r}
    sites = [x["_id"]["site"] for x in r]
    assert sites == sorted(sites)


def check_by_url(r, db):
    assert r["site_name"] == "中国新闻网" and r["url"] in BY_URL
    assert r["title"] == BY_URL[r["url"]]["title"]
    assert [a["url"] for a in r["also_at"]] == [REPRINT_URL]


def check_bulletin_pick(r, db):
    assert r == 1


def check_text_phrase(r, db):
    _stored_titles(r)
    assert r[0]["title"] == HEADLINE                          # the phrase in its title
    assert all("医保支付" in _text(db, t) for t in _titles(r))
    holding = {a["title"] for a in STORED if "医保支付" in _text(db, a["title"])}
    assert set(_titles(r)) == holding


CHECKS = {
    "week-site": check_week_site, "week-counts": check_week_counts, "relevant-count": check_relevant_count,
    "relevant-top": check_relevant_top, "near-misses": check_near_misses, "matched-policy": check_matched_policy,
    "text-word": check_text_word, "text-all-words": check_text_all_words, "text-any-word": check_text_any_word,
    "reprints-most": check_reprints_most, "reprints-by-site": check_reprints_by_site,
    "per-channel": check_per_channel, "keywords-top": check_keywords_top, "keywords-trend": check_keywords_trend,
    "crawl-lag": check_crawl_lag, "found-late": check_found_late, "fallback": check_fallback,
    "templates": check_templates, "by-url": check_by_url, "bulletin-pick": check_bulletin_pick,
    "text-phrase": check_text_phrase,
}


# --- the tests --------------------------------------------------------------------------------------
def test_every_documented_query_is_checked():
    queries = documented_queries()
    assert len(queries) >= 10
    assert set(queries) == set(CHECKS), "a query in README.md without a check here, or the reverse"


@pytest.mark.parametrize("name", sorted(n for n in CHECKS if n != "bulletin-pick"))
def test_documented_query_on_the_demo_data(demo_db, name):
    CHECKS[name](run_python(demo_db, documented_queries()[name]["python"]), demo_db)


def test_bulletin_pick_is_used_by_the_bulletin(demo_db, tmp_path):
    from datetime import date

    from healthcrawl.reports.bulletin import build_bulletin

    try:
        check_bulletin_pick(run_python(demo_db, documented_queries()["bulletin-pick"]["python"]), demo_db)
        result = build_bulletin(demo_db[ARTICLES_COLLECTION], date.fromisoformat(WEEK[0]),
                                date.fromisoformat(WEEK[1]), fmt="md", out=tmp_path)
        assert result.mode == "stored" and [i.title for i in result.items] == [HEADLINE]
    finally:
        demo_db[ARTICLES_COLLECTION].update_many({"bulletin.pick": True}, {"$unset": {"bulletin": ""}})


def test_the_setup_line_names_the_demo_database():
    connect, _ = setup_blocks()
    assert 'client["healthcrawl_demo"]' in connect
    js_setup = doc_text().split("<!-- query-setup -->", 1)[1]
    assert '// mongosh "mongodb://127.0.0.1:27027/healthcrawl_demo"' in js_setup


def test_compound_terms_need_segmenting(demo_db):
    """Why the document says to segment: the unsegmented compound is one token the index may not hold."""
    from healthcrawl.storage.search import search, text_search

    coll = demo_db[ARTICLES_COLLECTION]
    assert HEADLINE not in _titles(coll.find({"$text": {"$search": "医保支付"}}, {"title": 1}))
    assert HEADLINE in _titles(coll.find({"$text": {"$search": text_search("医保支付")}}, {"title": 1}))
    assert _titles(search(demo_db, "医保支付"))[0] == HEADLINE


def test_documented_queries_use_the_indexes(demo_db):
    coll = demo_db[ARTICLES_COLLECTION]
    week = {"$gte": datetime(2026, 11, 9, tzinfo=BEIJING), "$lt": datetime(2026, 11, 16, tzinfo=BEIJING)}
    plan = coll.find({"site": "gmw", "published_at": week}).sort("published_at", -1).explain()
    assert "site_published_at" in json.dumps(plan["queryPlanner"]["winningPlan"], default=str)
    plan = coll.find({"relevance.relevant": True, "published_at": week}).explain()["queryPlanner"]
    # every demo article is relevant, so published_at alone may win; relevant_published_at is a candidate
    winning = json.dumps(plan["winningPlan"], default=str)
    assert "IXSCAN" in winning and "COLLSCAN" not in winning
    assert "relevant_published_at" in winning + json.dumps(plan["rejectedPlans"], default=str)


def test_index_table_matches_storage():
    section = doc_text().split("### Indexes", 1)[1].split("\n### ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\| `([\w]+)` \| (.+?) \| (.+) \|$", line)
        if m:
            rows[m[1]] = (m[2].replace("`", ""), m[3])
    expected = {}
    for model in ARTICLE_INDEXES:
        spec = model.document
        keys = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False) if isinstance(v, str) else v}"
                         for k, v in spec["key"].items())
        expected[spec["name"]] = keys + (" (unique)" if spec.get("unique") else "")
    assert {name: keys for name, (keys, _) in rows.items()} == expected
    text_index = next(m.document for m in ARTICLE_INDEXES if m.document["name"] == "search_text")
    serves = rows["search_text"][1]
    assert f"title {text_index['weights']['search_title']}, body {text_index['weights']['search_body']}" in serves
    assert f'default_language: "{text_index["default_language"]}"' in serves
