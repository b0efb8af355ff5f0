"""The embedded mongod: `healthcrawl mongo start|status|stop`, reuse, and where it cannot run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pymongo
import pytest

from healthcrawl.storage import mongod
from healthcrawl.storage.mongod import free_port

ROOT = Path(__file__).resolve().parents[1]


def cli(args, env):
    return subprocess.run([sys.executable, "-m", "healthcrawl.cli", "mongo", *args], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def test_start_status_reuse_stop(tmp_path):
    env = {"HEALTHCRAWL_MONGO_DBPATH": str(tmp_path / "db"), "HEALTHCRAWL_MONGO_PORT": str(free_port())}
    try:
        assert cli(["status"], env).returncode == 3
        started = cli(["start"], env)
        assert started.returncode == 0, started.stderr
        assert f"127.0.0.1:{env['HEALTHCRAWL_MONGO_PORT']}" in started.stdout
        pid = started.stdout.split("pid ")[1].split(",")[0]
        again = cli(["start"], env)  # reused, not a second server
        assert again.returncode == 0 and f"pid {pid}," in again.stdout
        status = cli(["status"], env)
        assert status.returncode == 0 and "running" in status.stdout
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{env['HEALTHCRAWL_MONGO_PORT']}",
                                     serverSelectionTimeoutMS=5000)
        assert client.admin.command("ping")["ok"] == 1
        client.close()
    finally:
        stopped = cli(["stop"], env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert cli(["status"], env).returncode == 3


def test_concurrent_starts_make_one_server(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    port = free_port()
    with ThreadPoolExecutor(4) as pool:
        servers = list(pool.map(lambda _: mongod.ensure_running(tmp_path / "db", port), range(4)))
    try:
        assert len({s.pid for s in servers}) == 1
    finally:
        mongod.stop(tmp_path / "db")


def test_other_platforms_are_told_to_set_mongo_uri(monkeypatch):
    monkeypatch.setattr(mongod.platform, "machine", lambda: "arm64")
    with pytest.raises(mongod.EmbeddedMongoError, match="set MONGO_URI"):
        mongod.mongod_binary()
