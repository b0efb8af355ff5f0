"""The editors' desk, server side: Starlette's TestClient against a real mongod, over the demo
week's stories (tools/sitegen, written for this project) scored by the project's scorer.

The fixtures here are shared by the other desk test modules (test_desk_security, test_desk_browser).
"""

from __future__ import annotations

import io
import re
import threading
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from starlette.testclient import TestClient

from healthcrawl.desk import sample
from healthcrawl.project import project_settings
from healthcrawl.storage.client import Database
from tests.demo import WEEK as DEMO_WEEK

WEEK = DEMO_WEEK[1]  # the demo week's last day
PASSWORD = "correct horse 42"
#: login slow-down short enough for tests (the default is one second, doubling)
OVERRIDES = {"HEALTHCRAWL_DESK_LOGIN_DELAY": 0.3, "HEALTHCRAWL_DESK_LOGIN_DELAY_MAX": 1.2}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="session")
def week_articles():
    """The demo week's stories as scored articles (scored once per session)."""
    from tools.sitegen.week import STORIES

    return sample.from_stories(STORIES)


def fill(database: Database, articles) -> dict:
    """Relevant articles and half the irrelevant ones stored, the other half dropped (with the
    title and reasons the writer now keeps, one without: the older format); runs of two sites."""
    relevant = [a for a in articles if a.relevance["relevant"]]
    irrelevant = sorted((a for a in articles if not a.relevance["relevant"]),
                        key=lambda a: -a.relevance["score"])
    stored_irrelevant, dropped = irrelevant[0::2], irrelevant[1::2]
    sample.store(database.collection("articles"), relevant + stored_irrelevant)
    dropped_coll = database.collection("dropped")
    for n, a in enumerate(dropped):
        extra = {} if n == 0 else {"title": a.title, "relevance": a.relevance}
        sample.drop(dropped_coll, a.url, a.relevance["score"], lexicon_version="test", **extra)
    runs = database.collection("crawl_runs")
    start = datetime(2026, 11, 15, 22, 10, tzinfo=timezone.utc)
    for day in range(6):
        sample.run(runs, "gmw", start - timedelta(days=day), found=100 + day, stored=90, dropped=10)
        sample.run(runs, "ce", start - timedelta(days=day), found=60 if day else 12, stored=50 if day else 3,
                   dropped=8, fallback_share=0.02 if day else 0.75)
    return {"relevant": relevant, "stored_irrelevant": stored_irrelevant, "dropped": dropped}


@pytest.fixture
def desk(mongod, mongo_db, week_articles):
    """The desk over a fresh database holding the demo week, with an editor, a second editor and
    a viewer."""
    from healthcrawl.desk.app import create_app
    from healthcrawl.desk.config import DeskConfig
    from healthcrawl.desk.users import add_user

    settings = project_settings(OVERRIDES)
    database = Database(mongod.uri, mongo_db.client, mongo_db.name, settings)
    data = fill(database, week_articles)
    for name, role in (("wang", "editor"), ("zhao", "editor"), ("li", "viewer")):
        add_user(mongo_db, name, PASSWORD, role)
    app = create_app(database, DeskConfig.from_settings(settings))
    return SimpleNamespace(app=app, db=mongo_db, database=database, settings=settings, **data)


def client_for(desk, name: str | None = "wang") -> TestClient:
    client = TestClient(desk.app, follow_redirects=False)
    if name:
        login(client, name)
    return client


def csrf_of(client: TestClient, path: str = f"/week?week={WEEK}") -> str:
    return _CSRF.search(client.get(path, follow_redirects=True).text).group(1)


def login(client: TestClient, name: str, password: str = PASSWORD):
    token = csrf_of(client, "/login")
    return client.post("/login", data={"csrf": token, "name": name, "password": password, "next": "/week"})


def post(client: TestClient, path: str, **fields):
    fields.setdefault("csrf", csrf_of(client))
    fields.setdefault("next", f"/week?week={WEEK}")
    return client.post(path, data=fields)


def ids_on(html: str, selector: str = "cand") -> list[str]:
    return re.findall(rf'class="{selector}[^"]*" data-id="([0-9a-f]{{24}})"', html)


def doc_of(desk, oid: str) -> dict:
    from bson import ObjectId

    return desk.db.articles.find_one({"_id": ObjectId(oid)})


def pick_ids(client: TestClient) -> list[str]:
    return re.findall(r'class="pick" data-id="([0-9a-f]{24})"', client.get(f"/week?week={WEEK}").text)


# --- this week ---------------------------------------------------------------------------------------
def test_pages_need_a_login(desk):
    client = client_for(desk, None)
    for path in ("/week", "/near", "/bulletin", "/health", "/bulletin/download?fmt=docx"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_week_lists_the_candidates_best_score_first(desk):
    client = client_for(desk)
    html = client.get(f"/week?week={WEEK}").text
    ids = ids_on(html)
    docs = [doc_of(desk, i) for i in ids]
    scores = [d["relevance"]["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)
    lo, hi = datetime(2026, 11, 8, 16, tzinfo=timezone.utc), datetime(2026, 11, 15, 16, tzinfo=timezone.utc)
    assert all(d["relevance"]["relevant"] and lo <= d["published_at"] < hi for d in docs)
    in_window = [a for a in desk.relevant if date(2026, 11, 9) <= a.published_at.date() <= date(2026, 11, 15)]
    assert len(ids) == len(in_window) - 1          # one reprint is listed once, with its original
    assert "亦见：中国经济网" in html                 # ... which names the other site
    first = docs[0]
    assert first["title"] in html and first["relevance"]["matched"]["health"][0] in html


def test_filters_site_day_score_and_search(desk):
    client = client_for(desk)
    base = f"/week?week={WEEK}"
    ce = [doc_of(desk, i) for i in ids_on(client.get(base + "&site=ce").text)]
    assert ce and {d["site"] for d in ce} == {"ce"}
    day = [doc_of(desk, i) for i in ids_on(client.get(base + "&day=2026-11-12").text)]
    assert day and all(d["published_at"].date() in (date(2026, 11, 11), date(2026, 11, 12)) for d in day)
    assert all(d["published_at"] >= datetime(2026, 11, 11, 16, tzinfo=timezone.utc) for d in day)
    high = [doc_of(desk, i) for i in ids_on(client.get(base + "&min=1.95").text)]
    assert high and all(d["relevance"]["score"] >= 1.95 for d in high)
    found = [doc_of(desk, i) for i in ids_on(client.get(base + "&q=医保支付").text)]
    assert found and all("医保支付" in d["title"] + d["body"] for d in found)
    assert ids_on(client.get(base + "&q=马拉松").text) == []  # stored, but not a candidate


def test_odd_parameters_are_ignored_not_errors(desk):
    client = client_for(desk)
    for query in ("week=0001-01-01", "week=9999-12-31", "week=x&day=2026-13-01&min=nan&site=evil&q=" + "医" * 500,
                  "week=2026-11-15&min=-inf&day=2026-11-01"):
        assert client.get(f"/week?{query}").status_code == 200, query
    assert client.get("/bulletin?week=0001-01-01").status_code == 200


def test_scores_are_rounded_down():
    from healthcrawl.desk.week import score_text

    assert score_text(0.999) == "0.99" and score_text(0.29) == "0.29" and score_text(1.0) == "1.00"
    assert score_text(None) == "—"


def test_article_view_highlights_terms_and_shows_reasons_and_copies(desk):
    client = client_for(desk)
    doc = desk.db.articles.find_one({"also_at.0": {"$exists": True}})
    html = client.get(f"/article/{doc['_id']}?week={WEEK}").text
    term = doc["relevance"]["matched"]["health"][0]
    assert f'<mark class="t-health">{term}</mark>' in html
    assert "评分依据" in html and "阈值" in html and f"{doc['relevance']['score']:.3f}" in html
    also = doc["also_at"][0]
    assert also["site_name"] in html and also["url"] in html
    assert client.get("/article/0123456789abcdef01234567").status_code == 404
    assert client.get("/article/not-an-id").status_code == 404


# --- pick, order, reject, undo ---------------------------------------------------------------------
def test_pick_order_reject_and_undo_with_labels(desk):
    from healthcrawl.storage.labels import labels_for

    client = client_for(desk)
    ids = ids_on(client.get(f"/week?week={WEEK}").text)
    for oid in ids[:3]:
        assert post(client, "/pick", id=oid).status_code == 303
    assert pick_ids(client) == ids[:3]
    assert post(client, "/pick", id=ids[0]).status_code == 409            # already picked
    post(client, "/move", id=ids[2], direction="up", week=WEEK)
    assert pick_ids(client) == [ids[0], ids[2], ids[1]]
    post(client, "/move", id=ids[0], direction="down", week=WEEK)
    assert pick_ids(client) == [ids[2], ids[0], ids[1]]
    assert post(client, "/move", id=ids[2], direction="up", week=WEEK).status_code == 409

    post(client, "/reject", id=ids[3])
    rejected = doc_of(desk, ids[3])
    assert rejected["bulletin"]["rejected"] is True
    assert ids[3] not in ids_on(client.get(f"/week?week={WEEK}").text)
    assert ids_on(client.get(f"/week?week={WEEK}&show=rejected").text) == [ids[3]]
    urls = [doc_of(desk, i)["canonical_url"] for i in ids[:4]]
    labels = labels_for(desk.db, urls)
    assert [labels[u]["label"] for u in urls] == ["relevant"] * 3 + ["irrelevant"]
    assert {labels[u]["who"] for u in urls} == {"wang"} and labels[urls[0]]["screen"] == "desk"

    assert post(client, "/undo").status_code == 303                       # the rejection
    assert "bulletin" not in doc_of(desk, ids[3]) and urls[3] not in labels_for(desk.db, urls)
    assert post(client, "/undo").status_code == 303                       # the last move
    assert pick_ids(client) == [ids[0], ids[2], ids[1]]
    r = post(client, "/unpick", id=ids[1])
    assert r.status_code == 303 and pick_ids(client) == [ids[0], ids[2]]
    assert labels_for(desk.db, [urls[1]])[urls[1]]["label"] == "relevant"  # unpicking is no label


def test_undo_never_overwrites_another_editors_decision(desk):
    wang, zhao = client_for(desk, "wang"), client_for(desk, "zhao")
    oid = ids_on(wang.get(f"/week?week={WEEK}").text)[0]
    post(wang, "/pick", id=oid)
    post(zhao, "/reject", id=oid)
    r = post(wang, "/undo")
    assert r.status_code == 409 and "已被修改" in r.text
    assert doc_of(desk, oid)["bulletin"]["rejected"] is True
    assert post(wang, "/undo").status_code == 409                         # nothing left to undo
    assert post(zhao, "/undo").status_code == 303                          # zhao's own rejection
    assert doc_of(desk, oid)["bulletin"]["pick"] is True                   # back to wang's pick


def test_two_editors_picking_at_once_keep_every_pick(desk):
    clients = {name: client_for(desk, name) for name in ("wang", "zhao")}
    ids = ids_on(clients["wang"].get(f"/week?week={WEEK}").text)
    tokens = {name: csrf_of(c) for name, c in clients.items()}
    shares = {"wang": ids[0::2], "zhao": ids[1::2]}
    barrier = threading.Barrier(2)
    failures = []

    def work(name):
        barrier.wait()
        for oid in shares[name]:
            r = clients[name].post("/pick", data={"csrf": tokens[name], "id": oid, "next": "/week"})
            if r.status_code != 303:
                failures.append((name, oid, r.status_code))

    threads = [threading.Thread(target=work, args=(n,)) for n in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    orders = [doc_of(desk, oid)["bulletin"]["order"] for oid in ids]
    assert len(set(orders)) == len(ids)                                   # every pick kept, distinct places
    assert sorted(pick_ids(clients["zhao"])) == sorted(ids)


# --- near misses -------------------------------------------------------------------------------------
def test_near_misses_and_rescue(desk):
    from healthcrawl.desk.week import score_text
    from healthcrawl.storage.labels import labels_for

    client = client_for(desk)
    html = client.get(f"/near?week={WEEK}").text
    best_stored = max((a for a in desk.stored_irrelevant if a.published_at.date() <= date(2026, 11, 15)),
                      key=lambda a: a.relevance["score"])
    assert best_stored.title in html and score_text(best_stored.relevance["score"]) in html
    for a in desk.dropped:
        assert a.url in html
    stored = desk.db.articles.find_one({"canonical_url": best_stored.canonical_url})
    post(client, "/rescue", id=str(stored["_id"]))
    assert str(stored["_id"]) in ids_on(client.get(f"/week?week={WEEK}").text)
    assert labels_for(desk.db, [stored["canonical_url"]])[stored["canonical_url"]]["label"] == "relevant"

    # a dropped URL without title or text (the older dropped format): stored with what is there
    bare = desk.dropped[0]
    assert post(client, "/rescue-dropped", key=bare.canonical_url).status_code == 303
    doc = desk.db.articles.find_one({"canonical_url": bare.canonical_url})
    assert doc["bulletin"]["rescued"]["text_missing"] is True and doc["body"] == ""
    assert doc["bulletin"]["rescued"]["source"] == "dropped" and doc["relevance"]["relevant"] is False
    assert str(doc["_id"]) in ids_on(client.get(f"/week?week={WEEK}").text)
    assert bare.url not in client.get(f"/near?week={WEEK}").text.split('id="dropped-misses"')[1]
    # one with its title and reasons (the newer format)
    titled = desk.dropped[1]
    post(client, "/rescue-dropped", key=titled.canonical_url)
    doc = desk.db.articles.find_one({"canonical_url": titled.canonical_url})
    assert doc["title"] == titled.title and doc["relevance"]["reasons"] == titled.relevance["reasons"]
    # undo: the article stays stored, no longer a candidate, a stored near miss again
    post(client, "/undo")
    assert "rescued" not in (desk.db.articles.find_one({"_id": doc["_id"]}).get("bulletin") or {})
    assert str(doc["_id"]) not in ids_on(client.get(f"/week?week={WEEK}").text)
    assert titled.canonical_url not in labels_for(desk.db, [titled.canonical_url])


# --- the bulletin ------------------------------------------------------------------------------------
def docx_titles(data: bytes) -> list[str]:
    """The 一、信息目录 entries of a docx bulletin, in order."""
    from docx import Document

    paragraphs = [p for p in Document(io.BytesIO(data)).paragraphs]
    start = next(i for i, p in enumerate(paragraphs) if p.text.startswith("一、信息目录"))
    out = []
    for p in paragraphs[start + 1:]:
        if p.text.startswith("二、具体内容"):
            break
        if p.text.strip():
            out.append(p.text.strip().splitlines()[0])   # the title; its site follows on a new line
    return out


def test_bulletin_preview_and_downloads_are_the_bulletin_commands(desk, tmp_path):
    from healthcrawl.reports.bulletin import build_bulletin

    client = client_for(desk)
    ids = ids_on(client.get(f"/week?week={WEEK}").text)
    for oid in (ids[4], ids[1], ids[6]):
        post(client, "/pick", id=oid)
    titles = [doc_of(desk, oid)["title"] for oid in (ids[4], ids[1], ids[6])]
    r = client.get(f"/bulletin/download?week={WEEK}&fmt=docx")
    assert r.status_code == 200 and "bulletin-2026-11-15.docx" in r.headers["content-disposition"]
    assert docx_titles(r.content) == titles
    md = client.get(f"/bulletin/download?week={WEEK}&fmt=md").content
    cli = build_bulletin(desk.db.articles, date(2026, 11, 9), date(2026, 11, 15), fmt="md", out=tmp_path / "b.md")
    assert md == cli.path.read_bytes()                                    # the same code, the same bytes
    preview = client.get(f"/bulletin/preview?week={WEEK}")
    assert all(t in preview.text for t in titles) and "frame-ancestors 'self'" in preview.headers["content-security-policy"]

    post(client, "/bulletin", week=WEEK, issue_date="2026-11-16", intro="本期聚焦医疗数据互通。",
         next=f"/bulletin?week={WEEK}")
    md = client.get(f"/bulletin/download?week={WEEK}&fmt=md").text
    assert "2026 年 11 月 16 日" in md and "本期聚焦医疗数据互通。" in md
    assert "bulletin-2026-11-16.md" in client.get(f"/bulletin/download?week={WEEK}&fmt=md").headers["content-disposition"]
    page = client.get(f"/bulletin?week={WEEK}").text
    assert "本期聚焦医疗数据互通。" in page and 'value="2026-11-16"' in page


def test_an_empty_week_has_no_bulletin(desk):
    client = client_for(desk)
    assert client.get("/bulletin/download?week=2020-01-05&fmt=docx").status_code == 409
    assert "本周没有可收录的文章" in client.get("/bulletin?week=2020-01-05").text


# --- crawl health ------------------------------------------------------------------------------------
def test_crawl_health_shows_runs_flags_and_the_chart(desk):
    client = client_for(desk)
    html = client.get(f"/health?week={WEEK}").text
    assert "<svg" in html and "光明网 2026-11-10：" in html
    runs = html.split('id="runs"')[1]
    assert "fallback_surge" in runs and "items_collapse" in runs and "75%" in runs
    gmw = re.search(r'data-spider="gmw">(.*?)</table>', runs, re.S).group(1)
    assert 'class="flag"' not in gmw                                      # a healthy site has no flags
