"""Figure 6 — the editors' desk: server time of the week view with 500 candidates.

A database holds one week of 500 relevant articles (the demo week's stories mixed into distinct
variants, healthcrawl.desk.sample) plus the demo week itself; an editor has picked three. The week
view (``GET /week``: the candidates query, the picks in bulletin order, the page rendered) is
loaded 50 times through Starlette's TestClient after a warm-up; the server time is the
``Server-Timing: app;dur=`` header the desk sets (request in, response start out). Baseline, same
run: the bare MongoDB read of the same 500 candidates (filter, projection, sort) that any page
listing them pays. Goal: p95 ≤ 300 ms.

    python bench/desk.py [--workdir DIR]
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import Context, log, percentile, standalone, verdict  # noqa: E402

GOAL_MS = 300.0
CANDIDATES = 500
LOADS = 50
WEEK = "2026-11-15"
PASSWORD = "bench password 1"


def build(database, candidates: int) -> None:
    """The week: the demo stories plus ``candidates`` distinct relevant variants; three picks."""
    from healthcrawl.desk import sample
    from tools.sitegen.week import STORIES

    articles = [a for a in sample.from_stories(STORIES)
                if a.published_at and "2026-11-09" <= a.published_at.date().isoformat() <= WEEK]
    relevant = [a for a in articles if a.relevance["relevant"]]
    articles_coll = database.collection("articles")
    sample.store(articles_coll, articles)
    stored = articles_coll.count_documents({"relevance.relevant": True})
    sample.store(articles_coll, sample.variants(relevant, candidates - stored), dedup=False)
    for n, doc in enumerate(database.collection("articles").find({"relevance.relevant": True}).limit(3)):
        database.collection("articles").update_one({"_id": doc["_id"]},
                                                   {"$set": {"bulletin.pick": True, "bulletin.order": n + 1}})


def server_ms(response) -> float:
    return float(re.search(r"app;dur=([\d.]+)", response.headers["server-timing"]).group(1))


def baseline_ms(desk, loads: int) -> list[float]:
    """The bare read of the week's candidates, as the week view queries them."""
    from healthcrawl.desk.week import LIST_FIELDS, Filters, Window, candidate_filter
    from datetime import date

    window = Window.ending(date.fromisoformat(WEEK))
    query = candidate_filter(desk, window, Filters())
    times = []
    for _ in range(loads):
        started = time.perf_counter()
        list(desk.articles.find(query, LIST_FIELDS).sort([("relevance.score", -1), ("published_at", -1), ("_id", 1)]))
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(uri: str, candidates: int = CANDIDATES, loads: int = LOADS) -> dict:
    import pymongo
    from starlette.testclient import TestClient

    from healthcrawl.desk.app import create_app
    from healthcrawl.desk.config import DeskConfig
    from healthcrawl.desk.users import add_user
    from healthcrawl.project import project_settings
    from healthcrawl.storage.client import Database

    settings = project_settings()
    client = pymongo.MongoClient(uri, tz_aware=True)
    client.drop_database("bench_desk")
    database = Database(uri, client, "bench_desk", settings)
    build(database, candidates)
    add_user(database.db, "bench", PASSWORD, "editor")
    app = create_app(database, DeskConfig.from_settings(settings))
    with TestClient(app) as browser:
        token = re.search(r'name="csrf" value="([^"]+)"', browser.get("/login").text).group(1)
        browser.post("/login", data={"csrf": token, "name": "bench", "password": PASSWORD})
        shown = len(re.findall(r'<tr id="row-', browser.get(f"/week?week={WEEK}").text))
        for _ in range(5):  # warm-up: templates compiled, caches filled
            browser.get(f"/week?week={WEEK}")
        week = []
        for _ in range(loads):
            week.append(server_ms(browser.get(f"/week?week={WEEK}")))
    base = baseline_ms(app.state.desk, loads)
    client.close()
    return {"rows": shown, "week": week, "baseline": base}


def measure(ctx: Context, candidates: int = CANDIDATES, loads: int = LOADS) -> str:
    result = run(ctx.mongod.uri, candidates, loads)
    week, base = result["week"], result["baseline"]
    p95, b95 = percentile(week, 95), percentile(base, 95)
    log(f"desk week view: {result['rows']} rows, {loads} loads: server time p50 {percentile(week, 50):.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(week):.1f} ms; baseline (the bare candidates read) p50 "
        f"{percentile(base, 50):.1f} ms, p95 {b95:.1f} ms")
    return (f"desk week view: p95 {p95:.0f} ms server time for {result['rows']} candidates over {loads} loads "
            f"(baseline, the bare MongoDB read of them: p95 {b95:.0f} ms, ratio {p95 / b95:.1f}x) "
            f"(goal: p95 <= {GOAL_MS:.0f} ms) {verdict(p95 <= GOAL_MS)}")


if __name__ == "__main__":
    standalone(measure)
