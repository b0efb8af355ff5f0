"""Every example query in README.md, run against a real mongod in both of its forms.

The document marks each example with ``<!-- query: NAME -->`` followed by a ```python block
(which binds ``result``) and a ```js block (the mongosh form). The Python block is executed as
written; the mongosh form is translated (object literals → JSON, ``new Date(…)`` → a date) into
the same pymongo call and must give the same answer. Each query's answer is then checked
against the made-up week below, so an example that stops working, or stops meaning what the
text says, fails here.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from bson import json_util

from healthcrawl.storage.collections import ARTICLE_INDEXES, ensure_indexes
from healthcrawl.storage.collections import ARTICLES as ARTICLES_COLLECTION
from healthcrawl.storage.records import article_record, write_records
from healthcrawl.article import BEIJING
from healthcrawl.text.fingerprint import Fingerprinter
from tests.factories import make_article

FINGERPRINTER = Fingerprinter()

DOC = Path(__file__).resolve().parent.parent / "README.md"


# --- reading the document ---------------------------------------------------------------------------
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def code_blocks(text: str) -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in re.finditer(r"```(\w+)\n(.*?)```", text, re.S)]


def setup_code() -> str:
    section = doc_text().split("<!-- query-setup -->", 1)[1]
    lang, code = code_blocks(section)[0]
    assert lang == "python"
    return code


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


# --- mongosh → pymongo ------------------------------------------------------------------------------
_DATE_CALL = re.compile(r'(?:new\s+Date|ISODate)\(\s*"([^"]*)"\s*\)')


def js_to_json(src: str) -> str:
    """A mongosh expression (object literals, unquoted keys, dates) as extended JSON."""
    src = _DATE_CALL.sub(r'{"$date": "\1"}', src)
    out, i = [], 0
    while i < len(src):
        c = src[i]
        if c == '"':
            j = i + 1
            while src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        elif c.isalpha() or c in "_$":
            m = re.compile(r"[\w$]+").match(src, i)
            word = m.group()
            out.append(word if word in ("true", "false", "null") else json.dumps(word))
            i = m.end()
        else:
            out.append(c)
            i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def _balanced(src: str, start: int) -> int:
    """Index just after the parenthesis closing the one at ``start``."""
    depth, i = 0, start
    while True:
        c = src[i]
        if c == '"':
            i += 1
            while src[i] != '"':
                i += 2 if src[i] == "\\" else 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def parse_mongosh(code: str) -> list[tuple[str, list]]:
    """``db.articles.find(a, b).sort(c).limit(n)`` → [("find", [a, b]), ("sort", [c]), ("limit", [n])]."""
    src = "\n".join(line for line in code.splitlines() if not line.strip().startswith("//")).strip()
    src = src.rstrip(";")
    assert src.startswith("db.articles."), src
    i, calls = len("db.articles"), []
    while i < len(src):
        m = re.compile(r"\s*\.\s*(\w+)\s*\(").match(src, i)
        assert m, f"cannot read {src[i:]!r}"
        end = _balanced(src, m.end() - 1)
        args = json_util.loads(js_to_json("[" + src[m.end():end - 1] + "]"))
        calls.append((m.group(1), args))
        i = end
        while i < len(src) and src[i].isspace():
            i += 1
    return calls


def run_mongosh(db, code: str):
    calls = parse_mongosh(code)
    coll = db[ARTICLES_COLLECTION]
    (method, args), chain = calls[0], calls[1:]
    if method == "find":
        cursor = coll.find(*args)
        for name, (arg,) in chain:
            if name == "sort":
                cursor = cursor.sort(list(arg.items()))
            elif name == "limit":
                cursor = cursor.limit(arg)
            else:
                raise AssertionError(f"unsupported cursor method {name}")
        return list(cursor)
    assert not chain, f"{method}() takes no cursor methods"
    if method == "findOne":
        return coll.find_one(*args)
    if method == "countDocuments":
        return coll.count_documents(*args)
    if method == "aggregate":
        return list(coll.aggregate(*args))
    if method == "updateOne":
        return coll.update_one(*args).matched_count
    raise AssertionError(f"unsupported method {method}")


def run_python(db, code: str):
    namespace: dict = {}
    exec(setup_code(), namespace)  # noqa: S102 - the document's own example code
    namespace["db"] = db
    exec(code, namespace)  # noqa: S102
    return namespace["result"]


# --- the made-up week -------------------------------------------------------------------------------
def bj(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BEIJING)


CE_REPRINT = "https://www.ce.cn/xwzx/gnsz/gdxw/202611/12/t20261112_39001001.shtml"


def rel(score: float, policy: list[str], relevant: bool = True) -> dict:
    return {"score": score, "relevant": relevant, "lexicon_version": 1,
            "matched": {"health": ["医院"], "digital": ["平台"], "policy": policy}}


ARTICLES = {
    "g1": dict(url="https://health.gmw.cn/2026-11/10/content_38100001.htm", site="gmw", site_name="光明网",
               channel="资讯速递", published_at=bj(10, 9, 30), relevance=rel(0.9, ["医保"]),
               title="互联网医院开通医保在线支付", body="多家互联网医院开通医保在线支付。\n患者复诊购药不再跑腿。",
               top_keywords=["互联网医院", "医保", "支付"],
               crawl={"spider": "gmw", "template": "gmw-2018", "date_source": "enpproperty"},
               lag=timedelta(hours=1, minutes=30)),
    "g2": dict(url="https://health.gmw.cn/2026-11/12/content_38100002.htm", site="gmw", site_name="光明网",
               channel="医疗前沿", published_at=bj(12, 15), relevance=rel(0.7, []),
               title="大模型辅助基层医生诊断", body="大模型进入社区卫生服务中心。\n医生用它整理病历、提示风险。",
               top_keywords=["大模型", "基层", "诊断"],
               crawl={"spider": "gmw", "template": "fallback", "date_source": "url",
                      "fields": {"title": "trafilatura", "body": "trafilatura"}},
               lag=timedelta(hours=3)),
    "c1": dict(url="https://www.chinanews.com.cn/jk/2026/11-11/10500001.shtml", site="chinanews",
               site_name="中国新闻网", channel="jk", published_at=bj(11, 10), relevance=rel(0.8, ["标准", "医保"]),
               title="医保信息平台接入全国统一标准", body="各地医保信息平台完成标准化改造。\n数据口径实现统一。",
               top_keywords=["医保", "信息平台", "标准"],
               crawl={"spider": "chinanews", "template": "chinanews-2020", "date_source": "#pubtime_baidu"},
               lag=timedelta(hours=1)),
    "c2": dict(url="https://www.chinanews.com.cn/sh/2026/11-13/10500002.shtml", site="chinanews",
               site_name="中国新闻网", channel="sh", published_at=bj(13, 8), relevance=rel(0.2, [], relevant=False),
               title="城市马拉松下月开跑", body="赛道沿线设有医疗点。\n跑者身体不适可现场诊断。",
               top_keywords=["马拉松", "赛道"],
               crawl={"spider": "chinanews", "template": "chinanews-2020", "date_source": "#pubtime_baidu"},
               lag=timedelta(hours=2)),
    "e1": dict(url="https://www.ce.cn/xwzx/gnsz/gdxw/202611/14/t20261114_39001002.shtml", site="ce",
               site_name="中国经济网", channel="gdxw", published_at=bj(14, 7, 44), relevance=rel(0.6, ["管理办法"]),
               title="健康数据安全管理办法公开征求意见", body="办法对健康数据分级分类提出要求。\n医保数据的使用也有规定。",
               top_keywords=["健康数据", "安全", "医保"],
               crawl={"spider": "ce", "template": "ce-trs", "date_source": "span"},
               lag=timedelta(days=3)),
    "n1": dict(url="https://rmydb.cnii.com.cn/html/2026/20261109/20261109_003/20261109_003_01_4001.html",
               site="cnii", site_name="人民邮电报", channel="第03版", published_at=bj(9, 7),
               relevance=rel(0.65, []), title="5G远程会诊覆盖县级医院", body="县级医院接入远程会诊网络。\n专家在线会诊。",
               top_keywords=["远程会诊", "5G", "医保"],
               crawl={"spider": "cnii", "template": "cnii-epaper", "date_source": "list"},
               lag=timedelta(hours=5)),
    "old": dict(url="https://health.gmw.cn/2026-11/03/content_38000009.htm", site="gmw", site_name="光明网",
                channel="资讯速递", published_at=bj(3, 10), relevance=rel(0.95, ["改革"]),
                title="上周医保改革观察", body="基层医保经办能力持续提升。", top_keywords=["医保", "改革"],
                crawl={"spider": "gmw", "template": "gmw-2018", "date_source": "enpproperty"},
                lag=timedelta(hours=1)),
}
REPRINTS = [  # (original, url, site, site_name)
    ("c1", CE_REPRINT, "ce", "中国经济网"),
    ("c1", "https://rmydb.cnii.com.cn/html/2026/20261112/20261112_002/20261112_002_01_4002.html", "cnii", "人民邮电报"),
    ("e1", "https://politics.gmw.cn/2026-11/14/content_38100003.htm", "gmw", "光明网"),
]


def title(key: str) -> str:
    return ARTICLES[key]["title"]


def fingerprinted(article):
    """An article as the dedup pipeline leaves it (content hash and MinHash fingerprint set)."""
    fp = FINGERPRINTER.fingerprint(article.body)
    article.content_hash, article.dedup = fp.content_hash, FINGERPRINTER.dedup_field(fp)
    return article


@pytest.fixture
def db(mongo_db):
    ensure_indexes(mongo_db)
    records = []
    for i, (key, values) in enumerate(ARTICLES.items()):
        values = dict(values)
        lag = values.pop("lag")
        article = fingerprinted(make_article(i, canonical_url=values["url"], **values))
        records.append(article_record(article, now=(values["published_at"] + lag).astimezone(timezone.utc)))
    for n, (original, url, site, name) in enumerate(REPRINTS):
        # the same text at another site, four hours later: storage finds it (healthcrawl/storage/stories.py)
        reprint = fingerprinted(make_article(100 + n, url=url, canonical_url=url, site=site, site_name=name,
                                             title=title(original), body=ARTICLES[original]["body"],
                                             published_at=ARTICLES[original]["published_at"] + timedelta(hours=4)))
        # seen on the 15th: before e1 itself (the 17th) — the document's first_seen stays its shown
        # copy's, so crawl-lag and found-late still answer for e1 (BUGS12.md B4)
        records.append(article_record(reprint, now=datetime(2026, 11, 15, tzinfo=timezone.utc)))
    write_records(mongo_db[ARTICLES_COLLECTION], records)
    return mongo_db


# --- what each documented query must answer ---------------------------------------------------------
def _titles(result) -> list[str]:
    return [r["title"] for r in result]


def check_week_site(r):
    assert _titles(r) == [title("g2"), title("g1")]
    assert set(r[0]) == {"title", "url", "published_at"}


def check_week_counts(r):
    got = [(x["_id"]["day"], x["_id"]["site"], x["articles"], x["relevant"]) for x in r]
    assert got == [("2026-11-09", "cnii", 1, 1),          # 07:00 Beijing = the 8th in UTC
                   ("2026-11-10", "gmw", 1, 1), ("2026-11-11", "chinanews", 1, 1),
                   ("2026-11-12", "gmw", 1, 1), ("2026-11-13", "chinanews", 1, 0),
                   ("2026-11-14", "ce", 1, 1)]


def check_relevant_count(r):
    assert r == 5


def check_relevant_top(r):
    assert _titles(r) == [title(k) for k in ("g1", "c1", "g2", "n1", "e1")]
    assert [x["relevance"]["score"] for x in r] == [0.9, 0.8, 0.7, 0.65, 0.6]


def check_near_misses(r):
    assert _titles(r) == [title("c2")]


def check_matched_policy(r):
    assert _titles(r) == [title(k) for k in ("old", "g1", "c1", "e1")]
    assert r[2]["relevance"]["matched"] == {"policy": ["标准", "医保"]}


def check_text_word(r):
    assert sorted(_titles(r)) == sorted(title(k) for k in ("g1", "c1", "e1", "old"))
    assert "医保" in r[0]["title"]                             # title matches weigh 5×
    assert r[-1]["title"] == title("e1")                       # only in the body
    assert all(x["score"] > 0 for x in r)


def check_text_all_words(r):
    assert _titles(r) == [title("g1")]


def check_text_any_word(r):
    # c2 mentions 诊断 but is not relevant; old mentions 基层 but is last week's
    assert _titles(r) == [title("g2")]


def check_reprints_most(r):
    assert r == [
        {"title": title("c1"), "site_name": "中国新闻网", "reprints": 2, "reprinted_by": ["中国经济网", "人民邮电报"]},
        {"title": title("e1"), "site_name": "中国经济网", "reprints": 1, "reprinted_by": ["光明网"]},
    ]


def check_reprints_by_site(r):
    got = [(x["_id"]["original"], x["_id"]["reprinted_by"], x["reprints"]) for x in r]
    assert got == sorted([("中国新闻网", "中国经济网", 1), ("中国新闻网", "人民邮电报", 1), ("中国经济网", "光明网", 1)])


def check_per_channel(r):
    got = {(x["_id"]["site"], x["_id"]["channel"]): (x["articles"], x["relevant"]) for x in r}
    assert got == {("gmw", "资讯速递"): (1, 1), ("gmw", "医疗前沿"): (1, 1), ("chinanews", "jk"): (1, 1),
                   ("chinanews", "sh"): (1, 0), ("ce", "gdxw"): (1, 1), ("cnii", "第03版"): (1, 1)}
    assert [x["_id"]["site"] for x in r] == sorted(x["_id"]["site"] for x in r)


def check_keywords_top(r):
    assert r[0] == {"_id": "医保", "articles": 4}
    assert len(r) == 5 and all(x["articles"] == 1 for x in r[1:])
    assert [x["_id"] for x in r[1:]] == sorted(x["_id"] for x in r[1:])


def check_keywords_trend(r):
    got = [(x["_id"]["keyword"], x["_id"]["day"], x["articles"]) for x in r]
    assert got == sorted([("医保", "2026-11-03", 1), ("医保", "2026-11-09", 1), ("医保", "2026-11-10", 1),
                          ("医保", "2026-11-11", 1), ("医保", "2026-11-14", 1), ("大模型", "2026-11-12", 1)])


def check_crawl_lag(r):
    got = {x["_id"]: (x["articles"], round(x["avg_hours"], 3), x["max_hours"]) for x in r}
    assert got == {"ce": (1, 72.0, 72.0), "chinanews": (2, 1.5, 2.0), "cnii": (1, 5.0, 5.0),
                   "gmw": (3, round((1.5 + 3 + 1) / 3, 3), 3.0)}


def check_found_late(r):
    assert [x["url"] for x in r] == [ARTICLES["e1"]["url"]]
    assert r[0]["first_seen"] - r[0]["published_at"] == timedelta(days=3)


def check_fallback(r):
    assert r == [{"site": "gmw", "url": ARTICLES["g2"]["url"],
                  "crawl": {"fields": {"title": "trafilatura", "body": "trafilatura"}, "date_source": "url"}}]


def check_templates(r):
    got = [(x["_id"]["site"], x["_id"]["template"], x["_id"]["date_source"], x["articles"]) for x in r]
    assert got == [("ce", "ce-trs", "span", 1),
                   ("chinanews", "chinanews-2020", "#pubtime_baidu", 2),
                   ("cnii", "cnii-epaper", "list", 1),
                   ("gmw", "gmw-2018", "enpproperty", 2),
                   ("gmw", "fallback", "url", 1)]


def check_by_url(r):
    assert r["title"] == title("c1") and r["url"] == ARTICLES["c1"]["url"]
    assert CE_REPRINT in [a["url"] for a in r["also_at"]]


def check_bulletin_pick(r, db=None):
    assert r == 1


CHECKS = {
    "week-site": check_week_site, "week-counts": check_week_counts, "relevant-count": check_relevant_count,
    "relevant-top": check_relevant_top, "near-misses": check_near_misses, "matched-policy": check_matched_policy,
    "text-word": check_text_word, "text-all-words": check_text_all_words, "text-any-word": check_text_any_word,
    "reprints-most": check_reprints_most, "reprints-by-site": check_reprints_by_site,
    "per-channel": check_per_channel, "keywords-top": check_keywords_top, "keywords-trend": check_keywords_trend,
    "crawl-lag": check_crawl_lag, "found-late": check_found_late, "fallback": check_fallback,
    "templates": check_templates, "by-url": check_by_url, "bulletin-pick": check_bulletin_pick,
}


# --- the tests --------------------------------------------------------------------------------------
def test_every_documented_query_is_checked():
    queries = documented_queries()
    assert len(queries) >= 10
    assert set(queries) == set(CHECKS), "a query in README.md without a check here, or the reverse"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_documented_query(db, name):
    query = documented_queries()[name]
    from_python = run_python(db, query["python"])
    CHECKS[name](from_python)
    from_mongosh = run_mongosh(db, query["js"])
    if name.startswith("text-") and isinstance(from_python, list):
        # equal text scores may come back in either order
        key = lambda doc: repr(sorted(doc.items()))  # noqa: E731
        from_python, from_mongosh = sorted(from_python, key=key), sorted(from_mongosh, key=key)
    assert from_mongosh == from_python, f"{name}: the mongosh form answers differently"


def test_bulletin_pick_is_used_by_the_bulletin(db, tmp_path):
    from datetime import date

    from healthcrawl.reports.bulletin import build_bulletin

    run_python(db, documented_queries()["bulletin-pick"]["python"])
    result = build_bulletin(db[ARTICLES_COLLECTION], date(2026, 11, 9), date(2026, 11, 15), fmt="md", out=tmp_path)
    assert result.mode == "stored" and [i.title for i in result.items] == [title("g2")]


def test_multi_word_search_needs_segmenting(db):
    """Why the document says to segment: the unsegmented phrase is one unknown term."""
    coll = db[ARTICLES_COLLECTION]
    assert coll.count_documents({"$text": {"$search": "医保在线支付"}}) == 0
    from healthcrawl.text.segment import cut

    words = cut("医保在线支付")
    assert len(words) > 1
    assert coll.count_documents({"$text": {"$search": " ".join(f'"{w}"' for w in words)}}) == 1


def test_documented_queries_use_the_indexes(db):
    coll = db[ARTICLES_COLLECTION]
    week = {"$gte": datetime(2026, 11, 9, tzinfo=BEIJING), "$lt": datetime(2026, 11, 16, tzinfo=BEIJING)}
    plan = coll.find({"site": "gmw", "published_at": week}).sort("published_at", -1).explain()
    assert "site_published_at" in json.dumps(plan["queryPlanner"]["winningPlan"], default=str)
    plan = coll.find({"relevance.relevant": True, "published_at": week}).explain()
    assert "relevant_published_at" in json.dumps(plan["queryPlanner"]["winningPlan"], default=str)


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


def test_translator_understands_mongosh():
    calls = parse_mongosh('db.articles.find({a: "x: y", "b.c": {$gte: new Date("2026-11-09T00:00:00+08:00")}},'
                          ' {_id: 0}).sort({d: -1,}).limit(3)')
    assert calls[0][0] == "find"
    flt, proj = calls[0][1]
    assert flt["a"] == "x: y" and proj == {"_id": 0}
    assert flt["b.c"]["$gte"].replace(tzinfo=timezone.utc) == datetime(2026, 11, 8, 16, tzinfo=timezone.utc)
    assert calls[1:] == [("sort", [{"d": -1}]), ("limit", [3])]
