"""The mongosh form of every example query in README.md, run by the real ``mongosh`` on a database
filled from the demo archive, must answer what its Python form answers (which tests/test_queries.py
checks against the demo week). mongosh is the npm package ``mongosh`` (``npm install -g mongosh``);
without it this module skips, except in CI (``CI`` set), where it fails. ``MONGOSH`` names the
binary when it is not on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timezone

import pytest
from bson import json_util
from bson.json_util import JSONOptions

from healthcrawl.storage.collections import ARTICLES
from tests.test_queries import CHECKS, demo_db, documented_queries, run_python  # noqa: F401 - demo_db: fixture

EJSON = JSONOptions(tz_aware=True, tzinfo=timezone.utc)
#: the query that changes the database: run alone, after the others
WRITING = "bulletin-pick"


def mongosh_binary() -> str:
    found = os.environ.get("MONGOSH") or shutil.which("mongosh")
    if found:
        return found
    message = "mongosh is not installed (npm install -g mongosh; scripts/test.sh does under CI)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: required in CI")
    pytest.skip(message)


def mongosh_script(queries: dict[str, str]) -> str:
    """One script printing ``{NAME: answer}`` as canonical extended JSON; each query as written."""
    lines = ["const answers = {};"]
    for name, code in queries.items():
        code = code.strip().rstrip(";")
        lines += [f"answers[{json.dumps(name)}] = (function () {{",
                  f"  let r = {code}\n  ;",
                  "  return (r && typeof r.toArray === 'function') ? r.toArray() : r;",
                  "})();"]
    lines.append("print(EJSON.stringify(answers, {relaxed: false}));")
    return "\n".join(lines)


def run_mongosh(db, queries: dict[str, str]) -> dict:
    """The answers of the mongosh forms ``queries`` (NAME → code), run by mongosh on ``db``."""
    host, port = db.client.address
    done = subprocess.run([mongosh_binary(), "--quiet", "--norc", f"mongodb://{host}:{port}/{db.name}",
                           "--eval", mongosh_script(queries)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return json_util.loads(done.stdout.strip().splitlines()[-1], json_options=EJSON)


def _unordered_ties(result):
    """Text-score results with equal scores may come back in either order."""
    return sorted(result, key=lambda doc: repr(sorted(doc.items())))


@pytest.fixture(scope="module")
def mongosh() -> str:
    """The binary, looked for before the demo database is filled (a skip costs nothing)."""
    return mongosh_binary()


@pytest.fixture(scope="module")
def answers(mongosh, demo_db):  # noqa: F811 - the fixture imported above
    queries = {name: blocks["js"] for name, blocks in documented_queries().items() if name != WRITING}
    return run_mongosh(demo_db, queries)


@pytest.mark.parametrize("name", sorted(n for n in CHECKS if n != WRITING))
def test_mongosh_form_answers_like_the_python_form(mongosh, demo_db, answers, name):  # noqa: F811
    from_python = run_python(demo_db, documented_queries()[name]["python"])
    from_mongosh = answers[name]
    if name == "text-phrase":  # the helper returns whole documents; the mongosh form their titles
        assert [d["title"] for d in from_mongosh] == [d["title"] for d in from_python]
        return
    if name.startswith("text-"):
        from_python, from_mongosh = _unordered_ties(from_python), _unordered_ties(from_mongosh)
    assert from_mongosh == from_python, f"{name}: the mongosh form answers differently"
    CHECKS[name](answers[name], demo_db)


def test_mongosh_pick_is_the_python_pick(mongosh, demo_db):  # noqa: F811
    coll = demo_db[ARTICLES]
    try:
        result = run_mongosh(demo_db, {WRITING: documented_queries()[WRITING]["js"]})[WRITING]
        assert result["matchedCount"] == 1 and result["acknowledged"] is True
        picked = list(coll.find({"bulletin.pick": True}, {"_id": 0, "canonical_url": 1, "bulletin": 1}))
        coll.update_many({"bulletin.pick": True}, {"$unset": {"bulletin": ""}})
        assert run_python(demo_db, documented_queries()[WRITING]["python"]) == 1
        assert list(coll.find({"bulletin.pick": True}, {"_id": 0, "canonical_url": 1, "bulletin": 1})) == picked
    finally:
        coll.update_many({"bulletin.pick": True}, {"$unset": {"bulletin": ""}})


def test_the_documented_connection_line_is_mongoshs():
    """The js setup comment is a mongosh command line naming the demo database."""
    from tests.test_queries import doc_text

    js_setup = doc_text().split("<!-- query-setup -->", 1)[1]
    assert '// mongosh "mongodb://127.0.0.1:27027/healthcrawl_demo"' in js_setup
    assert "npm install -g mongosh" in doc_text() and "npx mongosh" in doc_text()
