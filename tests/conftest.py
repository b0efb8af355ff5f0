"""Shared fixtures (a real mongod on a free 127.0.0.1 port with a temporary dbpath) and the two test
tiers: a test is marked ``e2e`` (end-to-end tier) when it starts a process — itself, or through a
fixture, helper or server class of tests/ it uses (subprocess, multiprocessing, a browser) — or is
listed in :data:`E2E_TESTS`; every other test is the fast tier. scripts/test.sh runs both."""

from __future__ import annotations

import inspect
import json
import os
import types
import uuid
from pathlib import Path

import pymongo
import pytest

from healthcrawl.storage.mongod import MongodServer, free_port

os.environ.setdefault("HEALTHCRAWL_LOG_LEVEL", "INFO")

#: names whose use means another process: ``subprocess.run``/``Popen``, a ``multiprocessing``
#: pool, a selenium ``webdriver`` (mongod started by the project's own MongodServer is not one:
#: tests against the session mongod are in-process)
STARTS_A_PROCESS = frozenset({"subprocess", "Popen", "multiprocessing", "webdriver", "selenium"})
#: in-process tests slow enough for the end-to-end tier (node id without the parameters), with
#: their time in ``pytest --durations=0`` (2 shared cores, 2026-12)
E2E_TESTS = frozenset({
    "tests/test_mongo_pipeline.py::test_database_down_at_close_is_written_by_the_next_run",  # 16 s
})


@pytest.fixture(scope="session")
def mongod(tmp_path_factory):
    """One mongod for the test session (started here, stopped here)."""
    server = MongodServer(tmp_path_factory.mktemp("mongo"), free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def mongo_db_name() -> str:
    """A fresh database name per test, so tests never see each other's documents."""
    return f"hc_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def mongo_db(mongod, mongo_db_name):
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    yield client[mongo_db_name]
    client.drop_database(mongo_db_name)
    client.close()


# --- the tiers ---------------------------------------------------------------------------------------
def pytest_collection_modifyitems(config, items):
    seen: dict[int, bool] = {}
    for item in items:
        if item.get_closest_marker("e2e"):
            continue
        if item.nodeid.split("[")[0] in E2E_TESTS or _starts_a_process(item, seen):
            item.add_marker(pytest.mark.e2e)


def _starts_a_process(item, seen: dict[int, bool]) -> bool:
    """Whether the test function or a fixture it uses (transitively) reaches a process start."""
    functions = [getattr(item, "function", None)]
    infos = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    functions += [defs[-1].func for name in item.fixturenames for defs in [infos.get(name)] if defs]
    return any(_reaches(f, seen) for f in functions if f is not None)


def _ours(obj) -> bool:
    name = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", None)
    return isinstance(name, str) and (name == "tests" or name.startswith(("tests.", "conftest")))


def _reaches(obj, seen: dict[int, bool]) -> bool:
    """A function or class of tests/ whose code names a process start, directly or through the
    functions and classes of tests/ it names."""
    obj = inspect.unwrap(obj)
    if id(obj) in seen:
        return seen[id(obj)]
    seen[id(obj)] = False  # (recursion)
    if inspect.isclass(obj):
        found = any(_reaches(v, seen) for v in vars(obj).values() if inspect.isfunction(v))
    elif inspect.isfunction(obj):
        names = _names(obj.__code__)
        spaces = [obj.__globals__] + [vars(m) for m in obj.__globals__.values()
                                      if isinstance(m, types.ModuleType) and _ours(m)]
        found = bool(names & STARTS_A_PROCESS) or any(
            _reaches(space[n], seen) for n in names for space in spaces
            if n in space and (inspect.isfunction(space[n]) or inspect.isclass(space[n])) and _ours(space[n]))
    else:
        found = False
    seen[id(obj)] = found
    return found


def _names(code: types.CodeType) -> set[str]:
    """Global and attribute names a code object (and the code nested in it) uses."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


#: the real relevance corpus (issue 14)
HEALTH_CORPUS = Path(__file__).resolve().parents[1] / "eval" / "relevance" / "health.jsonl"


@pytest.fixture(scope="session")
def dev_rows() -> dict[str, dict]:
    """The relevance corpus's dev rows by id (the frozen test split is dropped as each line is read:
    tests never see it)."""
    rows = {}
    with HEALTH_CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r.get("split") == "dev":
                rows[r["id"]] = r
    return rows
