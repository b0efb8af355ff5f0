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


def test_a_taken_port_gives_a_free_one_that_status_finds_again(tmp_path, monkeypatch):
    """Another checkout's server holds HEALTHCRAWL_MONGO_PORT: `mongo start` runs this checkout's
    mongod on a free port and says which; `status` (a new process) finds it through the port
    recorded beside the data; `stop` stops it and leaves the other server alone."""
    import socket

    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen()
    taken = other.getsockname()[1]
    env = {"HEALTHCRAWL_MONGO_DBPATH": str(tmp_path / "db"), "HEALTHCRAWL_MONGO_PORT": str(taken)}
    try:
        started = cli(["start"], env)
        assert started.returncode == 0, started.stderr
        port = int(started.stdout.split("127.0.0.1:")[1].split(" ")[0])
        assert port != taken
        assert f"port {taken} (HEALTHCRAWL_MONGO_PORT) is taken by another process" in started.stdout
        assert f"uses {port}" in started.stdout
        status = cli(["status"], env)
        assert status.returncode == 0 and f"127.0.0.1:{port}" in status.stdout, status.stdout
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=5000)
        assert client.admin.command("ping")["ok"] == 1
        client.close()
        # a crawl's settings find it too (reused, not a third server)
        from healthcrawl.project import project_settings
        from healthcrawl.storage.client import resolve_mongo_uri

        monkeypatch.delenv("MONGO_URI", raising=False)
        settings = project_settings({"HEALTHCRAWL_MONGO_DBPATH": env["HEALTHCRAWL_MONGO_DBPATH"],
                                     "HEALTHCRAWL_MONGO_PORT": taken, "MONGO_URI": None})
        assert resolve_mongo_uri(settings) == f"mongodb://127.0.0.1:{port}"
    finally:
        stopped = cli(["stop"], env)
        other.close()
    assert stopped.returncode == 0 and "stopped" in stopped.stdout


def physical_ram_gb() -> float:
    """MemTotal, or the cgroup's memory limit when lower (as mongod reads it)."""
    with open("/proc/meminfo", encoding="ascii") as fh:
        total = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal:")) * 1024
    limit = Path("/sys/fs/cgroup/memory.max")
    if limit.exists() and limit.read_text().strip().isdigit():
        total = min(total, int(limit.read_text().strip()))
    return total / 2**30


@pytest.mark.parametrize("configured", [None, "0.5"])
def test_the_embedded_cache_is_mongodbs_own_default_unless_set(tmp_path, configured):
    """Unset, HEALTHCRAWL_MONGO_CACHE_GB is what a MongoDB server picks itself, half of (RAM - 1 GB)
    (README "Dedup at scale": the story decisions of 1,000,000 articles need ~6 GB); the server
    started by `healthcrawl mongo start` really has it."""
    env = {"HEALTHCRAWL_MONGO_DBPATH": str(tmp_path / "db"), "HEALTHCRAWL_MONGO_PORT": str(free_port()),
           "HEALTHCRAWL_MONGO_CACHE_GB": configured or ""}
    expected = float(configured) if configured else max(0.25, (physical_ram_gb() - 1) / 2)
    try:
        started = cli(["start"], env)
        assert started.returncode == 0, started.stderr
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{env['HEALTHCRAWL_MONGO_PORT']}",
                                     serverSelectionTimeoutMS=5000)
        cache = client.admin.command("serverStatus")["wiredTiger"]["cache"]["maximum bytes configured"]
        client.close()
    finally:
        cli(["stop"], env)
    assert abs(cache / 2**30 - expected) <= 0.1
