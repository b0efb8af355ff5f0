"""The desk's safety: logins (argon2, slowed wrong passwords, sessions ended by logout), roles,
CSRF on every POST, escaping, headers, redirects, the bind address and the adduser command."""

from __future__ import annotations

import time

import pytest
from starlette.routing import Route

from tests.test_desk import (  # noqa: F401 - fixtures
    PASSWORD, WEEK, client_for, csrf_of, desk, doc_of, ids_on, login, post, week_articles,
)

SCRIPT = "<script>alert('desk')</script>医保数据平台建设提速"


def test_passwords_are_argon2_hashes_and_never_shown(desk):
    stored = desk.db.desk_users.find_one({"_id": "wang"})
    assert stored["password"].startswith("$argon2id$") and PASSWORD not in str(stored)
    client = client_for(desk)
    secret = desk.db.desk_state.find_one({"_id": "session_key"})["value"]
    for path in ("/week", "/near", "/bulletin", "/health", "/login"):
        html = client.get(path, follow_redirects=True).text
        assert secret not in html and "$argon2" not in html and PASSWORD not in html


def test_wrong_passwords_are_slowed_down(desk):
    client = client_for(desk, None)
    started = time.monotonic()
    r = login(client, "wang", "wrong password")
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    assert time.monotonic() - started >= 0.3                              # HEALTHCRAWL_DESK_LOGIN_DELAY
    r = login(client, "wang", PASSWORD)                                   # too soon: not even checked
    assert r.status_code == 429 and "秒后再试" in r.text
    time.sleep(0.35)                                                      # 2 × delay after the failure
    login(client, "wang", "wrong again")                                  # 2nd failure: the wait doubles
    time.sleep(0.35)
    assert login(client, "wang", PASSWORD).status_code == 429
    time.sleep(0.6)                                                       # 4 × delay, the most (1.2 s)
    r = login(client, "wang", PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/week"
    assert desk.db.desk_logins.count_documents({}) == 0                   # a success clears the count
    assert login(client_for(desk, None), "nobody", PASSWORD).status_code == 401


def test_logout_ends_the_session_everywhere(desk):
    client = client_for(desk)
    cookie = client.cookies.get("healthcrawl_desk")
    assert client.get("/week").status_code == 200
    assert post(client, "/logout", next="/login").headers["location"] == "/login"
    other = client_for(desk, None)
    other.cookies.set("healthcrawl_desk", cookie)                          # the old cookie, replayed
    assert other.get("/week").status_code == 303


def test_a_tampered_session_cookie_is_not_a_login(desk):
    client = client_for(desk)
    value = client.cookies.get("healthcrawl_desk")
    forged = client_for(desk, None)
    forged.cookies.set("healthcrawl_desk", value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    assert forged.get("/week").status_code == 303


def test_a_viewer_reads_but_cannot_change(desk):
    viewer = client_for(desk, "li")
    html = viewer.get(f"/week?week={WEEK}").text
    assert 'action="/pick"' not in html and 'action="/reject"' not in html and "（只读）" in html
    oid = ids_on(html)[0]
    for path, fields in (("/pick", {"id": oid}), ("/reject", {"id": oid}), ("/undo", {}),
                         ("/bulletin", {"week": WEEK, "intro": "x"})):
        r = post(viewer, path, **fields)
        assert r.status_code == 403 and "只读" in r.text
    assert "bulletin" not in doc_of(desk, oid) and desk.db.labels.count_documents({}) == 0
    assert desk.db.desk_issues.count_documents({}) == 0
    assert viewer.get(f"/bulletin/download?week={WEEK}&fmt=md").status_code == 200


def post_routes(app) -> list[str]:
    return [r.path for r in app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]


def test_every_post_needs_the_csrf_token(desk):
    client = client_for(desk)
    oid = ids_on(client.get(f"/week?week={WEEK}").text)[0]
    other = client_for(desk, "zhao")
    foreign = csrf_of(other)                                               # a valid token of another session
    paths = post_routes(desk.app)
    assert {"/login", "/logout", "/pick", "/reject", "/move", "/undo", "/rescue", "/rescue-dropped",
            "/unpick", "/bulletin"} <= set(paths)
    for path in paths:
        fields = {"id": oid, "key": oid, "direction": "up", "week": WEEK, "name": "wang", "password": PASSWORD}
        for token in (None, "", "forged", foreign):
            data = dict(fields, **({"csrf": token} if token is not None else {}))
            r = client.post(path, data=data)
            assert r.status_code == 403 and "CSRF" in r.text, (path, token)
    assert "bulletin" not in doc_of(desk, oid) and desk.db.labels.count_documents({}) == 0
    assert client.get("/week").status_code == 200                          # still logged in (logout refused)


def test_titles_and_bodies_stay_text(desk):
    from datetime import datetime

    from healthcrawl.article import BEIJING
    from healthcrawl.desk import sample

    body = "卫健委发布医保数据平台建设指南，推进医疗机构数据共享和互联网医院监管。<img src=x onerror=alert(1)>\n" * 3
    article = sample.article("https://health.gmw.cn/2026-11/12/content_1.htm", SCRIPT, body,
                             datetime(2026, 11, 12, 9, 0, tzinfo=BEIJING))
    assert article.relevance["relevant"]
    sample.store(desk.database.collection("articles"), [article])
    client = client_for(desk)
    doc = desk.db.articles.find_one({"title": SCRIPT})
    post(client, "/pick", id=str(doc["_id"]))
    pages = [f"/week?week={WEEK}", f"/article/{doc['_id']}?week={WEEK}", f"/bulletin/preview?week={WEEK}",
             f"/week?week={WEEK}&q=医保数据平台"]
    for path in pages:
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert" in html, path


def test_security_headers_and_cookie_flags(desk):
    r = client_for(desk).get(f"/week?week={WEEK}")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store" and r.headers["server-timing"].startswith("app;dur=")
    cookie = client_for(desk, None).get("/login").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil", "javascript:alert(1)"])
def test_logins_redirect_only_inside_the_desk(desk, target):
    client = client_for(desk, None)
    token = csrf_of(client, "/login")
    r = client.post("/login", data={"csrf": token, "name": "wang", "password": PASSWORD, "next": target})
    assert r.status_code == 303 and r.headers["location"] == "/week"


def test_binds_to_localhost_by_default_and_adds_users(desk, monkeypatch, capsys):
    import io

    from healthcrawl.cli import desk as cli
    from healthcrawl.desk.config import DeskConfig
    from healthcrawl.desk.users import check_password
    from healthcrawl.project import project_settings

    assert DeskConfig.from_settings(project_settings()).host == "127.0.0.1"
    assert cli.is_loopback("127.0.0.1") and not cli.is_loopback("0.0.0.0")
    monkeypatch.setenv("MONGO_URI", desk.database.uri)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert cli.main(["adduser", "sun", "--role", "editor", "--password-stdin", "--database", desk.db.name]) == 0
    assert "added sun (editor)" in capsys.readouterr().out
    assert check_password(desk.db, "sun", "a long enough password").role == "editor"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["adduser", "sun", "--password-stdin", "--database", desk.db.name]) == 2
    assert "at least 8" in capsys.readouterr().err
    assert "a long enough password" not in str(desk.db.desk_users.find_one({"_id": "sun"}))
