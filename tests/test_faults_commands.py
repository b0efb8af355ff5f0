"""Commands and secrets (issue 11): a bad argument is one line on stderr and exit status 2 before
anything starts; no secret of a URI reaches a log, a stat, a ``crawl_runs`` entry, an alert or the
output of ``healthcrawl runs``.

Every command case runs the real ``healthcrawl`` (or ``scrapy crawl``) in a subprocess against a
real mongod; "nothing started" is checked in the database: a crawl that starts writes its
``crawl_runs`` entry when the spider opens, so a refused one leaves no database at all.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pymongo
import pytest
from bson import json_util

from healthcrawl.text import redact
from healthcrawl.ops import monitors
from healthcrawl.storage.errors import redact as storage_redact
from healthcrawl.storage.mongod import free_port
from tests.servers import ROOT, crawl_env
from tests.demo import ARCHIVE

HEALTHCRAWL = Path(sys.executable).parent / "healthcrawl"
SCRAPY = Path(sys.executable).parent / "scrapy"
#: an article URL the demo archive does not hold: the replayed job finds nothing, so the
#: min_items monitor fails and the alert goes out
MISSING_ARTICLE = "https://health.gmw.cn/2026-11/10/content_1.htm"


def run(command: list[str], env: dict[str, str], stdin: str | None = None, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=timeout)


def assert_refused(result: subprocess.CompletedProcess, prog: str, fragment: str) -> None:
    """Exit 2, exactly one line on stderr (the program, then the problem), nothing on stdout,
    no traceback."""
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr[-3000:]
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith(f"{prog}: ") and fragment in lines[0], lines[0]
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def assert_nothing_started(uri: str, database: str) -> None:
    client = pymongo.MongoClient(uri)
    try:
        assert database not in client.list_database_names(), list(client[database].crawl_runs.find({}, {"_id": 0}))
    finally:
        client.close()


@pytest.fixture
def env(mongod, tmp_path) -> dict[str, str]:
    """A crawl that would start anyway could not reach the network: the replay folder is empty."""
    (tmp_path / "replay").mkdir()
    return crawl_env(MONGO_URI=mongod.uri, HEALTHCRAWL_REPLAY_DIR=str(tmp_path / "replay"),
                     MONGO_SPOOL_DIR=str(tmp_path / "spool"))


# --- healthcrawl crawl / scrapy crawl: refused before anything starts -----------------------------
@pytest.mark.parametrize("args, message", [
    (["--since", "2026-13-01"], "--since: not a date: '2026-13-01'"),
    (["--since", "2026-11-10", "--until", "2026-11-01"], "--since 2026-11-10 is after --until 2026-11-01"),
    (["--channels", "nope"], "gmw: unknown channel(s) nope; known: "),
    (["--urls", ""], "--urls holds no URL"),
    (["--urls", " , "], "--urls holds no URL"),
    (["--urls", "health.gmw.cn/2026-11/10/content_1.htm"], "--urls: not an http(s) URL"),
    (["--log-level", "LOUD"], "argument --log-level: unknown log level 'LOUD'"),
    (["--database", "hc/bad"], "invalid database name 'hc/bad'"),
], ids=["bad-date", "since-after-until", "unknown-channel", "empty-urls", "blank-urls", "schemeless-url",
        "bad-log-level", "bad-database"])
def test_healthcrawl_crawl_refuses_in_one_line(args, message, env, mongod, mongo_db_name):
    database = [] if "--database" in args else ["--database", mongo_db_name]
    result = run([str(HEALTHCRAWL), "crawl", "gmw", *args, *database], env)
    assert_refused(result, "healthcrawl crawl", message)
    assert_nothing_started(mongod.uri, mongo_db_name)


@pytest.mark.parametrize("args, message", [
    (["-a", "since=2026-13-01"], "since: not a date: '2026-13-01'"),
    (["-a", "since=2026-11-10", "-a", "until=2026-11-01"], "since 2026-11-10 is after until 2026-11-01"),
    (["-a", "urls= , "], "urls holds no URL"),
    (["-a", "channels=nope"], "gmw: unknown channel(s) nope"),
], ids=["bad-date", "since-after-until", "blank-urls", "unknown-channel"])
def test_scrapy_crawl_refuses_in_one_line(args, message, env, mongod, mongo_db_name):
    result = run([str(SCRAPY), "crawl", "gmw", *args, "-s", f"MONGO_DATABASE={mongo_db_name}"], env)
    assert result.returncode == 2, result.stderr[-3000:]
    refusals = [line for line in result.stderr.splitlines() if line.startswith("scrapy crawl: ")]
    assert len(refusals) == 1 and message in refusals[0], result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "CRITICAL" not in result.stderr
    assert "Spider opened" not in result.stderr
    assert_nothing_started(mongod.uri, mongo_db_name)


# --- the other commands ---------------------------------------------------------------------------
@pytest.mark.parametrize("args, extra_env, prog, message", [
    (["export", "--database", "hc.bad"], {}, "healthcrawl export", "invalid database name 'hc.bad'"),
    (["export"], {"MONGO_DATABASE": "hc bad"}, "healthcrawl export", "invalid database name 'hc bad'"),
    (["rescore", "--database", "hc$bad"], {}, "healthcrawl rescore", "invalid database name 'hc$bad'"),
    (["runs", "--limit", "-3"], {}, "healthcrawl runs", "argument --limit: must be at least 1, not -3"),
    (["runs", "--database", ""], {}, "healthcrawl runs", "the database name is empty"),
    (["runs", "--site", "sina"], {}, "healthcrawl runs", "argument --site: unknown site 'sina'; known: gmw, chinanews, ce, cnii"),
], ids=["export-database", "export-env-database", "rescore-database", "runs-negative-limit", "runs-empty-database",
      "runs-unknown-site"])
def test_commands_refuse_in_one_line(args, extra_env, prog, message, env):
    assert_refused(run([str(HEALTHCRAWL), *args], {**env, **extra_env}), prog, message)


def test_score_refuses_a_field_that_is_not_a_string(env):
    result = run([str(HEALTHCRAWL), "score"], env, stdin='{"title": 5, "text": ["医院"]}\n')
    assert_refused(result, "healthcrawl score", "line 1: 'title' must be a string, not int")


# --- healthcrawl runs: stored strings are shown escaped and without secrets ----------------------
HOSTILE_JOB = "\x1b[2J\x1b[Hjob\x9b31m\u202eevil"
OLD_LEAK = "ValueError: unknown url type: 'qyapi.weixin.qq.com/cgi-bin/webhook/send?key=OLDKEY123'"


def test_runs_escapes_control_characters_and_hides_old_secrets(env, mongo_db):
    start = datetime(2026, 11, 16, 6, 10, tzinfo=timezone.utc)
    mongo_db.crawl_runs.insert_one({
        "schema": 1, "kind": "crawl", "spider": "gmw", "job_id": HOSTILE_JOB, "status": "closed",
        "finish_reason": "\x1b]0;owned\x07finished", "start_time": start, "end_time": start,
        "items": {"found": 1, "stored": 1, "dropped": 0}, "arguments": {"urls": [], "channels": []},
        "alert": {"sent": False, "error": OLD_LEAK, "webhook": "://?/…"}})
    text = run([str(HEALTHCRAWL), "runs", "--database", mongo_db.name], env)
    assert text.returncode == 0, text.stderr
    assert "\x1b" not in text.stdout and "\x9b" not in text.stdout and "\u202e" not in text.stdout
    assert "\\x1b[2J\\x1b[Hjob" in text.stdout  # the first 12 characters of the job id, escaped
    assert "\\x1b]0;owned\\x07" in text.stdout
    as_json = run([str(HEALTHCRAWL), "runs", "--json", "--database", mongo_db.name], env)
    assert as_json.returncode == 0, as_json.stderr
    assert not any(c in as_json.stdout for c in "\x1b\x07\x9b\u202e")
    assert "OLDKEY123" not in as_json.stdout
    shown = json.loads(as_json.stdout)["gmw"][0]
    assert shown["job_id"] == HOSTILE_JOB  # escaped in the JSON text, the same value once parsed
    assert shown["alert"]["error"].endswith("send?key=***'")


# --- redaction over a table of URIs ---------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("mongodb://u:p%40ss@h:1/db", "mongodb://***:***@h:1/db"),
    ("error at mongodb+srv://user:pw@cluster0.example.net/x?retryWrites=true",
     "error at mongodb+srv://***:***@cluster0.example.net/x?retryWrites=true"),
    ("mongodb://crawler:Au7h-S3cret/p@ss:2026@127.0.0.1:27017/?authSource=admin",  # unescaped '/' and '@'
     "mongodb://***:***@127.0.0.1:27017/?authSource=admin"),
    ("mongodb://127.0.0.1:27017/?authSource=admin&tlsCertificateKeyFilePassword=SECRETX",
     "mongodb://127.0.0.1:27017/?authSource=admin&tlsCertificateKeyFilePassword=***"),
    ("mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:SECRETX,SERVICE_NAME:s&w=1",
     "mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=***&w=1"),
    ("mongodb://h/?password=SECRETX&token=SECRETX&secret=SECRETX&key=SECRETX",
     "mongodb://h/?password=***&token=***&secret=***&key=***"),
    ("redis://:Redis-S3cret@127.0.0.1:6379/0", "redis://***@127.0.0.1:6379/0"),
    ("rediss://default:SECRETX@cache.example:6380/1", "rediss://***:***@cache.example:6380/1"),
    ("scrapyd http://ops:SECRETX@127.0.0.1:6800/schedule.json: HTTP 401",
     "scrapyd http://***:***@127.0.0.1:6800/schedule.json: HTTP 401"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETX",
     "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"),
    ("https://oapi.dingtalk.com/robot/send?access_token=SECRETX&timestamp=1700000000000&sign=SECRETX%3D",
     "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1700000000000&sign=***"),
    ("ValueError: unknown url type: 'qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETX'",
     "ValueError: unknown url type: 'qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***'"),
    ("crawler:SECRETX@db.example:27017/healthcrawl", "***:***@db.example:27017/healthcrawl"),
    ("https://SECRETX@git.example/repo.git", "https://***@git.example/repo.git"),
    # left alone: nothing secret
    ("https://news.gmw.cn/2026-11/10/content_1.htm?id=3&keyword=健康", None),
    ("https://weibo.com/@healthdept and a@b.cn at 12:30", None),
])
def test_redaction_table(text, expected):
    expected = text if expected is None else expected
    assert redact.secrets(text) == expected
    assert "SECRETX" not in expected and "S3cret" not in expected
    # storage's name for it is an alias of the one redaction
    assert storage_redact(text) == expected


@pytest.mark.parametrize("url, shown", [
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETX", "https://qyapi.weixin.qq.com/…"),
    ("qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETX", "qyapi.weixin.qq.com/…"),
    ("http://user:SECRETX@127.0.0.1:8080/hook/SECRETX", "http://127.0.0.1:8080/…"),
    ("http://hooks.example:notaport/x?token=SECRETX", "http://?/…"),
    (None, "-"),
])
def test_a_webhook_shows_only_its_host(url, shown):
    assert redact.webhook(url) == shown


def test_a_webhook_error_never_holds_the_url():
    # urllib refuses a URL without a scheme with the whole URL (and its key) in the message
    for url, secret in (("qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETX", None),
                        ("oapi.dingtalk.com/robot/send?access_token=SECRETX", "SECsign"),
                        (f"http://127.0.0.1:{free_port()}/send?key=SECRETX", None)):
        error = monitors.send_webhook(url, monitors.alert_body("T", ["x"]), timeout=2, secret=secret)
        assert error and "SECRETX" not in error and not re.search(r"sign=(?!\*\*\*)", error), error


# --- end to end: a crawl with a secret-bearing MONGO_URI and a failing webhook ---------------------
SECRETS = ("SECRETX1", "SECRETX2", "SECRETKEY1")


@pytest.fixture(scope="module")
def secret_crawl(mongod, tmp_path_factory):
    """One ``healthcrawl crawl`` (DEBUG log, stats dumped at close) whose MONGO_URI holds secrets
    pymongo accepts against a plain mongod, and whose webhook (no scheme, a key in its query)
    fails; the job finds nothing, so its min_items monitor fails and the alert is attempted."""
    database = "hc_faults_secrets"
    uri = (f"{mongod.uri}/?authSource=admin&authMechanismProperties=AWS_SESSION_TOKEN:SECRETX1"
           f"&password=SECRETX2")
    env = crawl_env(MONGO_URI=uri, HEALTHCRAWL_REPLAY_DIR=str(ARCHIVE),
                    HEALTHCRAWL_ALERT_WEBHOOK="qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY1",
                    MONGO_SPOOL_DIR=str(tmp_path_factory.mktemp("spool")))
    crawl = run([str(HEALTHCRAWL), "crawl", "gmw", "--urls", MISSING_ARTICLE, "--database", database,
                 "--log-level", "DEBUG"], env)
    runs_text = run([str(HEALTHCRAWL), "runs", "--database", database], env)
    runs_json = run([str(HEALTHCRAWL), "runs", "--json", "--database", database], env)
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    entries = list(client[database].crawl_runs.find({}))
    client.drop_database(database)
    client.close()
    yield {"crawl": crawl, "runs_text": runs_text, "runs_json": runs_json, "entries": entries}


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaked: …{text[max(0, text.find(secret) - 300):][:600]}"


def test_the_crawl_log_and_its_stats_hold_no_secret(secret_crawl):
    crawl = secret_crawl["crawl"]
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    log = crawl.stdout + crawl.stderr
    assert "Dumping Scrapy stats" in log  # the stats are in the log too
    assert "authMechanismProperties=***&password=***" in log  # the URI is shown, redacted
    assert "alert webhook qyapi.weixin.qq.com/… failed" in log
    assert_no_secret(log)


def test_the_crawl_runs_entry_holds_no_secret(secret_crawl):
    [entry] = secret_crawl["entries"]
    assert entry["status"] == "closed" and entry["monitors"]["failed"] == ["min_items"]
    assert entry["alert"]["sent"] is False
    assert entry["alert"]["webhook"] == "qyapi.weixin.qq.com/…"
    assert "qyapi.weixin.qq.com/…" in entry["alert"]["error"]
    assert_no_secret(json_util.dumps(entry))


def test_healthcrawl_runs_output_holds_no_secret(secret_crawl):
    for result in (secret_crawl["runs_text"], secret_crawl["runs_json"]):
        assert result.returncode == 0, result.stderr[-3000:]
        assert_no_secret(result.stdout, result.stderr)
    [shown] = json.loads(secret_crawl["runs_json"].stdout)["gmw"]
    assert shown["alert"]["sent"] is False


def test_an_unusable_uri_fails_without_showing_its_secret(mongod, tmp_path):
    """``tlsCertificateKeyFilePassword`` turns TLS on, which a plain mongod refuses: the crawl and
    ``healthcrawl runs`` fail with the URI shown redacted."""
    uri = f"{mongod.uri}/?authSource=admin&tlsCertificateKeyFilePassword=SECRETX1"
    env = crawl_env(MONGO_URI=uri, HEALTHCRAWL_REPLAY_DIR=str(tmp_path), MONGO_SPOOL_DIR=str(tmp_path / "spool"))
    crawl = run([str(HEALTHCRAWL), "crawl", "gmw", "--urls", MISSING_ARTICLE], env)
    runs = run([str(HEALTHCRAWL), "runs"], env)
    assert crawl.returncode == 1 and runs.returncode == 2
    for result in (crawl, runs):
        assert "tlsCertificateKeyFilePassword=*** is unreachable" in result.stderr, result.stderr[-2000:]
        assert "Traceback" not in result.stderr
        assert_no_secret(result.stdout, result.stderr)
