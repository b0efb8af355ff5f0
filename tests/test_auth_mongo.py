"""MongoDB with authentication: the crawl works through a URI with credentials, and the
credentials appear in no log line, no stat and no crawl_runs entry.

A real mongod is started with ``--auth``; through the localhost exception (the first user may be
created from 127.0.0.1 without credentials) an administrator is created, who creates the
crawler's user with ``readWrite`` on the crawl's database only.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote_plus

import pymongo
import pytest
from bson import json_util

from healthcrawl.storage.mongod import free_port, mongod_binary, port_open
from tests.demo import ARCHIVE, WEEK
from tests.servers import crawl_env, read_stats, scrapy_crawl, stats_args

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "hc_auth"
USER = "hc_crawler"
PASSWORD = "Au7h-S3cret/p@ss:2026"  # '/', '@' and ':' must be percent-encoded in a URI
ENCODED = quote_plus(PASSWORD)
ADMIN_PASSWORD = "Adm1n-only-for-setup"


@pytest.fixture(scope="module")
def auth_mongod(tmp_path_factory):
    dbpath = tmp_path_factory.mktemp("auth-mongo")
    port = free_port()
    proc = subprocess.Popen([str(mongod_binary()), "--auth", "--dbpath", str(dbpath), "--bind_ip", "127.0.0.1",
                             "--port", str(port), "--logpath", str(dbpath / "mongod.log"),
                             "--wiredTigerCacheSizeGB", "0.25"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not port_open(port):
            assert proc.poll() is None and time.monotonic() < deadline, "mongod --auth did not start"
            time.sleep(0.1)
        # the localhost exception: no user exists yet, so this unauthenticated client may create
        # the first one — an administrator (MongoDB 6 wants the first user able to create users),
        # who then creates the crawler's user with readWrite on the crawl's database only
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=10000)
        client.admin.command("createUser", "hc_admin", pwd=ADMIN_PASSWORD, roles=["root"])
        client.close()
        admin = pymongo.MongoClient(f"mongodb://hc_admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/?authSource=admin",
                                    serverSelectionTimeoutMS=10000)
        admin.admin.command("createUser", USER, pwd=PASSWORD, roles=[{"role": "readWrite", "db": DATABASE}])
        admin.close()
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def uri(port: int, password: str = ENCODED) -> str:
    return f"mongodb://{USER}:{password}@127.0.0.1:{port}/?authSource=admin"


def crawl(args: list[str], env_uri: str | None, tmp: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    env = crawl_env(**({"MONGO_URI": env_uri} if env_uri else {}))
    stats_file = tmp / "stats.json"
    stats_file.unlink(missing_ok=True)
    result = scrapy_crawl([*args, "-s", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}", "-s", f"MONGO_DATABASE={DATABASE}",
                           "-s", f"MONGO_SPOOL_DIR={tmp / 'spool'}", *stats_args(stats_file),
                           "-s", "LOG_LEVEL=DEBUG", *extra], env)
    return result, read_stats(stats_file)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (PASSWORD, ENCODED, f"{USER}:"):
            assert secret not in text, f"{secret!r} leaked: …{text[max(0, text.find(secret) - 300):][:600]}"


def test_crawl_through_an_authenticated_uri_keeps_the_credentials_secret(auth_mongod, tmp_path):
    # the URI from the environment (the documented way), a discovery crawl of the demo week
    result, stats = crawl(["gmw", "-a", f"since={WEEK[0]}", "-a", f"until={WEEK[1]}"], uri(auth_mongod), tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats["healthcrawl/mongo/written"] > 0 and stats["finish_reason"] == "finished"
    assert "storing articles in mongodb://***:***@127.0.0.1" in result.stderr

    client = pymongo.MongoClient(uri(auth_mongod), tz_aware=True)
    db = client[DATABASE]
    assert db.articles.count_documents({}) == stats["healthcrawl/mongo/written"]
    runs = list(db.crawl_runs.find({}))
    assert len(runs) == 1 and runs[0]["status"] == "closed"
    # an unauthenticated client is refused: the data really is behind the credentials
    anonymous = pymongo.MongoClient(f"mongodb://127.0.0.1:{auth_mongod}", serverSelectionTimeoutMS=3000)
    with pytest.raises(pymongo.errors.OperationFailure):
        anonymous[DATABASE].articles.find_one({})
    anonymous.close()

    # the URI given as a setting (how scrapyd passes settings), a direct-URL crawl
    article = db.articles.find_one({}, {"url": 1})["url"]
    second, second_stats = crawl(["gmw", "-a", f"urls={article}"], None, tmp_path,
                                 "-s", f"MONGO_URI={uri(auth_mongod)}")
    assert second.returncode == 0, second.stderr[-3000:]
    assert second_stats["healthcrawl/mongo/written"] == 1
    runs = list(db.crawl_runs.find({}))
    client.close()
    assert len(runs) == 2
    assert_no_secret(result.stdout, result.stderr, second.stdout, second.stderr,
                     json.dumps(stats), json.dumps(second_stats), json_util.dumps(runs))


def test_wrong_password_fails_loudly_without_showing_it(auth_mongod, tmp_path):
    wrong = "Wr0ng-pw-91"
    result, _ = crawl(["gmw", "-a", "urls=https://health.gmw.cn/2026-11/10/content_1.htm"],
                      uri(auth_mongod, wrong), tmp_path, "-s", "MONGO_CONNECT_TIMEOUT=3")
    assert result.returncode != 0
    assert "storage unavailable, stopping the crawl" in result.stderr
    assert "Authentication failed" in result.stderr
    assert wrong not in result.stderr and wrong not in result.stdout
