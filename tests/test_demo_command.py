"""The README's first command end to end: `healthcrawl demo` over the bundled archive."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pymongo
from docx import Document

from tests.demo import ARTICLES, WEEK, expected_in_bulletin, reprint_pairs
from tests.servers import crawl_env, run_module


def run_demo(uri: str, database: str, out: Path) -> subprocess.CompletedProcess:
    return run_module(["healthcrawl.cli", "demo", "--database", database, "--out", str(out)],
                      crawl_env(MONGO_URI=uri), timeout=600)


def test_demo_stores_the_relevant_week_and_builds_its_bulletin(mongod, mongo_db_name, tmp_path):
    first = run_demo(mongod.uri, mongo_db_name, tmp_path / "out")
    assert first.returncode == 0, first.stderr[-3000:]
    # every site has its summary line (found, stored, reprints, known), and the archive's one 404
    # page is listed by the summary, not only in the log
    lines = {site: re.search(rf"^{site}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s", first.stdout, re.M)
             for site in ("gmw", "chinanews", "ce", "cnii")}
    assert all(lines.values()), first.stdout
    assert re.search(r"^\s+unreachable: https://\S+ \(HTTP 404\)$", first.stdout, re.M), first.stdout

    wanted = expected_in_bulletin()
    pairs = reprint_pairs(wanted)
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    coll = client[mongo_db_name].articles
    stored = {d["url"] for d in coll.find({}, {"url": 1})}
    assert coll.count_documents({"stub": {"$exists": True}}) == 0
    # each reprint pair is one document — the copy published first — listing the other in
    # also_at (with its site, date and how it was found: first, or as a reprint); every other
    # relevant story of the week is one document
    published = {a["url"]: a["published_at"] for a in ARTICLES}
    sites = {a["url"]: a["site"] for a in ARTICLES}
    reprints = set()
    for first, second in pairs:
        kept, other = sorted((first, second), key=lambda u: datetime.fromisoformat(published[u]))
        assert other not in stored
        also = coll.find_one({"url": kept})["also_at"]
        assert [(x["url"], x["site"]) for x in also] == [(other, sites[other])]
        assert also[0]["published_at"] == datetime.fromisoformat(published[other]).astimezone(timezone.utc)
        assert also[0]["reason"] in ("original", "reprint", "content")  # how it was found: first or not
        reprints.add(other)
    assert stored == {a["url"] for a in wanted} - reprints

    # the bulletin's table of contents lists exactly the relevant stories of the week, once each
    doc = Document(tmp_path / "out" / f"bulletin-{WEEK[1]}.docx")
    toc = [p.text for p in doc.paragraphs if p.style.name == "List Number"]
    titles = {a["title"] for a in wanted if a["url"] not in reprints}
    assert len(toc) == len(titles)
    assert {re.sub(r"\s*（[^（）]+）$", "", line) for line in toc} == titles

    # a second run changes nothing: every article link is skipped as already stored (the summary's
    # known column), the documents are the same
    before = {d["_id"]: d for d in coll.find({})}
    second = run_demo(mongod.uri, mongo_db_name, tmp_path / "out2")
    assert second.returncode == 0, second.stderr[-3000:]
    for site in lines:
        found, stored, _, known = map(int, re.search(rf"^{site}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s",
                                                    second.stdout, re.M).groups())
        assert (found, stored) == (0, 0) and known > 0, second.stdout
    assert {d["_id"]: d for d in coll.find({})} == before
    client.close()
