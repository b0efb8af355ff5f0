"""Resilience against hostile inputs and failing services, with real services on 127.0.0.1.

- A hostile site (tests/hostile.py) crawled once by a real ``scrapy crawl`` subprocess: each bad
  answer is counted in the stats with one log line naming it, the crawl finishes, every good
  article of the same crawl is stored, robots.txt is obeyed, and a ``<script>`` title stored from
  it is escaped in the bulletin's html.
- MongoDB restarted (killed, started again) in the middle of a full replay crawl (all four
  spiders in one process over a generated corpus): every article is stored exactly once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from datetime import date

import pymongo
import pytest

from healthcrawl.crawl.sites import SITES
from healthcrawl.storage.mongod import MongodServer, free_port
from healthcrawl.text.urls import canonical_url
from tests.hostile import CASES, DOWNLOAD_TIMEOUT, SCRIPT_TITLE, WINDOW, HostileServer, expected_title
from tests.servers import crawl_env, read_stats, run_module, scrapy_crawl, stats_args


# --- the hostile site ---------------------------------------------------------------------------------
class HostileCrawl:
    def __init__(self, server: HostileServer, result: subprocess.CompletedProcess, stats: dict,
                 uri: str, database: str):
        self.server, self.result, self.stats = server, result, stats
        self.log = result.stderr
        self.uri, self.database = uri, database

    def url(self, path: str) -> str:
        return self.server.base + path

    def lines(self, path: str) -> list[str]:
        """Log lines naming the case's URL: every level from the crawler's own code (and Scrapy's
        robots.txt middleware), INFO and above from the libraries."""
        url = re.escape(self.url(path)) + r"(?![\w?&=%.-])"
        out = []
        for line in self.log.splitlines():
            if not re.match(r"\d{4}-\d\d-\d\d ", line):  # continuation lines (an item's repr)
                continue
            if not re.search(url, line) or "[pymongo" in line:
                continue
            debug = re.search(r"\[([\w.]+)\] DEBUG: ", line)
            if debug and not re.match(r"(healthcrawl|pipelines|hostile$|scrapy\.downloadermiddlewares\.robotstxt)",
                                      debug[1]):
                continue  # Scrapy's line per response/retry, trafilatura's notes …
            out.append(line)
        return out


@pytest.fixture(scope="module")
def hostile(mongod, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    database = f"hc_hostile_{os.getpid()}"
    stats_file = tmp / "stats.json"
    with HostileServer() as server:
        args = ["hostile", "-a", f"base={server.base}", "-a", f"since={WINDOW[0]}", "-a", f"until={WINDOW[1]}",
                "-s", "SPIDER_MODULES=spiders,tests.hostile", *stats_args(stats_file),
                "-s", f"MONGO_DATABASE={database}", "-s", f"MONGO_SPOOL_DIR={tmp / 'spool'}",
                # a fast local site: no politeness delays; a short read timeout for /a/timeout.htm
                "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
                "-s", f"DOWNLOAD_TIMEOUT={DOWNLOAD_TIMEOUT}", "-s", "LOG_LEVEL=DEBUG"]
        result = scrapy_crawl(args, crawl_env(MONGO_URI=mongod.uri))
        crawl = HostileCrawl(server, result, read_stats(stats_file), mongod.uri, database)
        yield crawl
    client = pymongo.MongoClient(mongod.uri)
    client.drop_database(database)
    client.close()


def test_the_hostile_crawl_finishes(hostile):
    assert hostile.result.returncode == 0, hostile.log[-3000:]
    assert hostile.stats.get("finish_reason") == "finished", hostile.log[-3000:]
    assert "Traceback" not in hostile.log, hostile.log[hostile.log.index("Traceback") - 2000:][:5000]
    # no ERROR line from Scrapy itself: every failure is reported once, by the crawler's own code
    assert not re.findall(r"\[scrapy[\w.]*\] ERROR", hostile.log)


def test_every_good_article_is_stored_once(hostile):
    client = pymongo.MongoClient(hostile.uri, tz_aware=True)
    docs = {d["canonical_url"]: d for d in client[hostile.database].articles.find({})}
    client.close()
    good = {canonical_url(hostile.url(c.path)): c.path for c in CASES if c.good}
    assert set(docs) == set(good), hostile.log[-4000:]
    for url, path in good.items():
        assert docs[url]["title"] == expected_title(path)  # wrong-charset page decoded right
        assert docs[url]["body"] and docs[url]["relevance"]["relevant"]
    assert hostile.stats["healthcrawl/mongo/written"] == len(good) + 1  # good-1 upserted twice


#: case path -> (stat key, its value, the one log line that reports the case). Every line names
#: the case's URL; Scrapy's own diagnostics for a too-large page and a data loss (the latter
#: once per crawl) come on top, as warnings.
COUNTED = {
    "/a/wrong-charset.htm": ("healthcrawl/charset/wrong_declaration", 1,
                             r"INFO: charset utf-8 declared but the bytes are gb18030"),
    "/a/retry-after.htm": ("healthcrawl/throttle/503", 1,
                           r"INFO: HTTP 503 with Retry-After 1 from .*: retry 1/3 in 1\.0s"),
    "/a/truncated.htm": ("healthcrawl/spider/article_unreachable/ResponseDataLossError", 1,
                         r"ERROR: hostile: article page unreachable: .* \(ResponseDataLossError: the connection "
                         r"closed before the whole page arrived; 3 attempt\(s\)\)"),
    "/a/pdf.htm": ("healthcrawl/spider/skipped/not_html", 2, r"WARNING: hostile: skipped not_html"),
    "/a/image.htm": ("healthcrawl/spider/skipped/not_html", 2, r"WARNING: hostile: skipped not_html"),
    "/a/huge.htm": ("healthcrawl/spider/article_unreachable/DownloadCancelledError", 1,
                    r"ERROR: hostile: article page unreachable: .*larger than download max size \(8388608\)"),
    "/a/empty.htm": ("healthcrawl/spider/skipped/empty", 1, r"WARNING: hostile: skipped empty"),
    "/a/only-images.htm": ("healthcrawl/validate/missing_body", 1, r"INFO: Dropped: no body text"),
    "/a/1970.htm": ("healthcrawl/spider/article_outside_window", 2,
                    r"INFO: hostile: outside 2026-11-09\.\.2026-11-15: .*\(1970-01-01T08:00:00\+08:00\)"),
    "/a/next-year.htm": ("healthcrawl/spider/article_outside_window", 2,
                         r"INFO: hostile: outside 2026-11-09\.\.2026-11-15: .*\(2027-06-01T10:00:00\+08:00\)"),
    "/a/gone-404.htm": ("healthcrawl/spider/article_unreachable/http_404", 1,
                        r"WARNING: hostile: article page unreachable: .* \(HTTP 404; 1 attempt\(s\)\)"),
    "/a/gone-410.htm": ("healthcrawl/spider/article_unreachable/http_410", 1,
                        r"WARNING: hostile: article page unreachable: .* \(HTTP 410; 1 attempt\(s\)\)"),
    "/a/error-500.htm": ("healthcrawl/spider/article_unreachable/http_500", 1,
                         r"WARNING: hostile: article page unreachable: .* \(HTTP 500; 3 attempt\(s\)\)"),
    "/a/timeout.htm": ("healthcrawl/spider/article_unreachable/DownloadTimeoutError", 1,
                       r"ERROR: hostile: article page unreachable: .* took longer than 2\.0 seconds\.; 3 attempt"),
    "/a/reset.htm": ("healthcrawl/spider/article_unreachable/DownloadFailedError", 1,
                     r"ERROR: hostile: article page unreachable: .*(ConnectionLost|ConnectionDone|ResponseNeverReceived)"),
    "/private/secret.htm": ("robotstxt/forbidden", 1, r"DEBUG: Forbidden by robots\.txt"),
}
#: Scrapy's downloader diagnostics allowed beside the crawler's line
SCRAPY_EXTRA = {
    "/a/huge.htm": r"\[scrapy\.core\.downloader\.handlers\.http11\] WARNING: Expected to receive 10485760 bytes",
    "/a/truncated.htm": r"\[scrapy\.core\.downloader\.handlers\.http11\] WARNING: Got data loss",
}


@pytest.mark.parametrize("path", sorted(COUNTED))
def test_each_hostile_case_is_counted_with_one_log_line(hostile, path):
    key, value, pattern = COUNTED[path]
    assert hostile.stats.get(key) == value, (key, {k: v for k, v in hostile.stats.items() if "/" in k})
    lines = [line for line in hostile.lines(path)
             if not (path in SCRAPY_EXTRA and re.search(SCRAPY_EXTRA[path], line))]
    assert len(lines) == 1, "\n".join(lines) or f"no line names {hostile.url(path)}"
    assert re.search(pattern, lines[0]), lines[0]


def test_a_url_with_tracking_parameters_is_the_same_article(hostile):
    """good-1 is linked with and without tracking parameters: one canonical URL, so one copy of
    one story (the second arrival is a re-write of the same copy: decided with the first in one
    write batch, or known if in a later one), never a reprint of itself."""
    good = [c for c in CASES if c.good]
    s = hostile.stats
    assert s["healthcrawl/dedup/original"] + s.get("healthcrawl/dedup/known", 0) == len(good) + 1
    assert s.get("healthcrawl/dedup/known", 0) <= 1
    assert not any(k in s for k in ("healthcrawl/dedup/reprint", "healthcrawl/dedup/content"))
    client = pymongo.MongoClient(hostile.uri, tz_aware=True)
    docs = list(client[hostile.database].articles.find({"canonical_url": canonical_url(hostile.url("/a/good-1.htm"))}))
    copies = client[hostile.database].dedup_copies.count_documents({})
    client.close()
    assert len(docs) == 1 and docs[0]["also_at"] == [] and len(docs[0]["copies"]) == 1
    assert copies == len(good)
    assert not [line for line in hostile.log.splitlines() if "[pipelines.dedup]" in line and "good-1" in line]


def test_failures_are_retried_then_given_up(hostile):
    s = hostile.stats
    unreachable = {k: v for k, v in s.items() if k.startswith("healthcrawl/spider/article_unreachable/")}
    assert s["healthcrawl/spider/article_unreachable"] == sum(unreachable.values()) == 7, unreachable
    assert s["retry/max_reached"] == 4  # 500, timeout, reset, data loss: RETRY_TIMES (2) retries each
    assert hostile.server.hits["/a/error-500.htm"] == 3
    assert hostile.server.hits["/a/retry-after.htm"] == 2  # the 503 once, then the article (stored)
    first, second = hostile.server.times["/a/retry-after.htm"]
    assert second - first >= 1.0  # Retry-After: 1 was honoured
    assert "retry/reason_count/503 Service Unavailable" not in s  # not Scrapy's immediate retry
    assert hostile.server.hits["/a/gone-404.htm"] == hostile.server.hits["/a/gone-410.htm"] == 1


def test_robots_txt_disallow_is_obeyed(hostile):
    assert hostile.server.hits["/robots.txt"] == 1
    assert hostile.server.hits["/private/secret.htm"] == 0
    assert hostile.stats["robotstxt/forbidden"] == 1
    assert "healthcrawl/" in next(iter(hostile.server.user_agents))  # our User-Agent, as robots.txt sees it


def test_a_script_title_is_escaped_in_the_bulletin_html(hostile, tmp_path):
    from healthcrawl.reports.bulletin import build_bulletin

    client = pymongo.MongoClient(hostile.uri, tz_aware=True)
    collection = client[hostile.database].articles
    stored = collection.find_one({"title": SCRIPT_TITLE})
    assert stored is not None  # the title is stored as the page shows it, markup characters included
    out = tmp_path / "bulletin.html"
    build_bulletin(collection, date.fromisoformat(WINDOW[0]), date.fromisoformat(WINDOW[1]), fmt="html",
                   out=out, limit=0)
    client.close()
    page = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;hc&#x27;)&lt;/script&gt;医保数据互通试点扩围" in page
    assert "<script>alert" not in page and "<script" not in page.lower()


# --- MongoDB restarted in the middle of a replay crawl -------------------------------------------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A generated replay corpus (bench/corpus.py) of the four sites: long enough to be mid-crawl."""
    from bench.corpus import generate

    out = tmp_path_factory.mktemp("corpus") / "mirror"
    info = generate(out, n=900, seed=7)
    return out, info


def gmw_urls(info: dict) -> set[str]:
    """Canonical URLs of the corpus's gmw articles (originals, multi-page stories and reprints)."""
    return {canonical_url(a["url"]) for a in info["articles"] if a["site"] == "gmw"}


def assert_stored_exactly_once(coll, wanted: set[str]) -> None:
    """Every article is one document or one ``also_at`` entry of its story's document, nothing
    twice, one document per story (the document shows the story's earliest-published copy)."""
    docs = list(coll.find({}, {"canonical_url": 1, "story": 1, "also_at.canonical_url": 1, "copies.canonical_url": 1,
                               "stub": 1}))
    urls = [d["canonical_url"] for d in docs]
    notes = [e["canonical_url"] for d in docs for e in d.get("also_at") or ()]
    assert not [d for d in docs if d.get("stub") or not d.get("story")], "a document that is not a story"
    assert len({d["story"] for d in docs}) == len(docs), "two documents for one story"
    for d in docs:  # copies = the document's own + also_at
        assert sorted(e["canonical_url"] for e in d["copies"]) == sorted([d["canonical_url"], *(e["canonical_url"] for e in d["also_at"])])
    assert len(urls) == len(set(urls)), "duplicate documents"
    assert len(notes) == len(set(notes)), "a reprint recorded twice"
    assert not set(urls) & set(notes), "an article both stored and recorded as a reprint"
    assert set(urls) | set(notes) == wanted, (len(wanted - set(urls) - set(notes)), len(set(urls) | set(notes) - wanted))


def corpus_urls(info: dict) -> set[str]:
    """Canonical URLs of every article of the corpus (all four sites)."""
    return {canonical_url(a["url"]) for a in info["articles"]}


def test_mongodb_restarted_mid_crawl_stores_every_article_once(corpus, tmp_path):
    """The full replay crawl: all four spiders in one process (``healthcrawl crawl``'s code path,
    bench/crawl_worker.py) over the whole corpus; mongod killed while it runs, started again."""
    mirror, info = corpus
    server = MongodServer(tmp_path / "db", free_port()).start()
    database = "restart"
    wanted = corpus_urls(info)
    try:
        overrides = {"HEALTHCRAWL_REPLAY_DIR": str(mirror), "MONGO_DATABASE": database,
                     "MONGO_SPOOL_DIR": str(tmp_path / "spool"), "HEALTHCRAWL_KEEP_IRRELEVANT": True,
                     "MONGO_BATCH_SIZE": 20, "MONGO_FLUSH_INTERVAL": 0.5, "MONGO_CONNECT_TIMEOUT": 1,
                     "MONGO_RETRY_INTERVAL": 0.5, "MONGO_CLOSE_TIMEOUT": 60,
                     "DOWNLOAD_DELAY": 0.01, "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
                     "LOG_FILE": str(tmp_path / "crawl.log"), "LOG_LEVEL": "INFO"}
        args = ["bench.crawl_worker", "--out", str(tmp_path / "report.json"),
                "--settings", json.dumps(overrides), "--since", WINDOW[0], "--until", WINDOW[1]]
        log_path = tmp_path / "crawl.log"
        with (tmp_path / "stderr.log").open("w") as err:
            proc = run_module(args, crawl_env(MONGO_URI=server.uri), popen=True, stdout=subprocess.DEVNULL,
                              stderr=err)
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=2000)
        deadline = time.monotonic() + 120
        while client[database].articles.estimated_document_count() < 60 and time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "stderr.log").read_text()[-3000:]
            time.sleep(0.1)
        stored = client[database].articles.estimated_document_count()
        client.close()
        assert proc.poll() is None and 60 <= stored < len(wanted) / 2  # mid-crawl
        server.kill()  # the database goes away mid-crawl …
        time.sleep(3)
        server.start()  # … and comes back on the same port and data
        proc.wait(timeout=300)
        log = log_path.read_text()
        assert proc.returncode == 0, log[-3000:] + (tmp_path / "stderr.log").read_text()[-3000:]
        assert "MongoDB unreachable" in log and "MongoDB is back" in log, log[-3000:]
        report = json.loads((tmp_path / "report.json").read_text())
        assert set(report["finish_reasons"]) == set(SITES)
        assert set(report["finish_reasons"].values()) == {"finished"}
        client = pymongo.MongoClient(server.uri)
        assert_stored_exactly_once(client[database].articles, wanted)
        client.close()
    finally:
        server.stop()
