"""Real services for the tests — redis-server, scrapyd, a webhook receiver, a scrapyd stub, each
on a free 127.0.0.1 port, started and stopped by the tests — and the one way a test runs a
subprocess (a crawl, a command): :func:`crawl_env`, :func:`run_module`, :func:`scrapy_crawl`.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from healthcrawl.storage.mongod import free_port, port_open

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
#: prefixes of the environment variables the project, Scrapy and scrapyd read
#: (healthcrawl/settings.py): none of the developer's reaches a test's subprocess
PROJECT_ENV = ("HEALTHCRAWL_", "MONGO_", "REDIS_", "SCRAPY_", "SCRAPYD_")


#: binaries from Debian packages (scripts/test.sh installs them) -> package: a test needing one
#: skips without it, except in CI (``CI`` set), where it fails. Every other binary comes with
#: requirements-dev.txt, part of the project: without it the test fails.
APT_BINARIES = {"redis-server": "redis-server", "chromium": "chromium", "chromedriver": "chromium-driver"}


def require_binary(name: str) -> str:
    """Path of a server binary (on PATH or in the venv); see :data:`APT_BINARIES` when it is missing."""
    found = shutil.which(name) or (str(VENV_BIN / name) if (VENV_BIN / name).exists() else None)
    if found:
        return found
    if name not in APT_BINARIES:
        pytest.fail(f"{name} is not installed: pip install -r requirements-dev.txt (scripts/bootstrap.sh does)")
    message = f"{name} is not installed (apt-get install {APT_BINARIES[name]}; scripts/test.sh does as root)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: required in CI")
    pytest.skip(message)


def _stop(proc: subprocess.Popen | None, timeout: float = 20.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def _wait_port(port: int, proc: subprocess.Popen, what: str, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        if port_open(port):
            return
        time.sleep(0.1)
    _stop(proc)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


# --- redis -------------------------------------------------------------------------------------
class RedisServer:
    """redis-server on a free port; ``durable``: with an append-only file fsynced on every write,
    so it can be stopped by pid and started again on the same port with the same data."""

    def __init__(self, directory: Path, durable: bool = False):
        self.binary = require_binary("redis-server")
        self.directory = directory
        self.durable = durable
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / "redis.log"
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             *(["--appendonly", "yes", "--appendfsync", "always"] if self.durable else ["--appendonly", "no"]),
             "--dir", str(self.directory), "--logfile", str(log), "--daemonize", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_port(self.port, self.proc, "redis-server", log)
        return self

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None


# --- scrapyd -----------------------------------------------------------------------------------
#: The job runner of the test scrapyd. A developer's or CI's venv has the project installed in
#: editable mode, which would make jobs import the repository instead of the deployed egg; a
#: scrapyd host has only the egg. This runner hides the editable install first, so the test
#: proves that the egg (code and package data) is what runs.
EGG_ONLY_RUNNER = '''\
import os, sys
REPO = {repo!r}
sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != REPO]
sys.meta_path[:] = [f for f in sys.meta_path
                    if not str(getattr(f, "__module__", "")).startswith("__editable__")]
sys.path_hooks[:] = [h for h in sys.path_hooks
                     if not str(getattr(h, "__module__", "")).startswith("__editable__")]
sys.path_importer_cache.clear()
for name in list(sys.modules):
    if name.split(".")[0] in ("healthcrawl", "spiders", "pipelines"):
        del sys.modules[name]
from scrapyd.runner import main
main()
'''


class ScrapydServer:
    def __init__(self, directory: Path, username: str, password: str, env: dict[str, str] | None = None):
        require_binary("scrapyd")
        self.directory = directory
        self.username = username
        self.password = password
        self.port = free_port()
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log = directory / "scrapyd.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "ScrapydServer":
        d = self.directory
        d.mkdir(parents=True, exist_ok=True)
        (d / "hc_egg_runner.py").write_text(EGG_ONLY_RUNNER.format(repo=str(ROOT.resolve())))
        (d / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"username = {self.username}\n"
            f"password = {self.password}\n"
            f"eggs_dir = {d / 'eggs'}\n"
            f"logs_dir = {d / 'logs'}\n"
            f"dbs_dir = {d / 'dbs'}\n"
            "items_dir =\n"
            "poll_interval = 0.5\n"
            "max_proc = 2\n"
            "runner = hc_egg_runner\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT_ENV) and k != "PYTHONPATH"}
        env.update(self.env)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=d, env=env,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_port(self.port, self.proc, "scrapyd", self.log)
        return self

    def call(self, endpoint: str, params: dict | list | None = None, post: bool = False,
             auth: bool = True) -> dict:
        query = urllib.parse.urlencode(params or [], doseq=True)
        url = self.url + endpoint + ("" if post or not query else "?" + query)
        request = urllib.request.Request(url, data=query.encode() if post else None)
        if auth:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        _stop(self.proc, 30)
        self.proc = None

    def all_logs(self) -> str:
        """scrapyd's own log and every job log, for secret checks."""
        texts = [self.log.read_text(errors="replace")]
        for path in sorted((self.directory / "logs").rglob("*.log")):
            texts.append(path.read_text(errors="replace"))
        return "\n".join(texts)


# --- HTTP receivers ------------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True


class WebhookReceiver:
    """Collects the JSON bodies POSTed to it; answers like WeCom/DingTalk (errcode 0)."""

    def __init__(self, status: int = 200, answer: dict | None = None):
        self.received: list[dict] = []
        self.paths: list[str] = []
        receiver = self
        status_code = status
        body = json.dumps(answer if answer is not None else {"errcode": 0, "errmsg": "ok"}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                receiver.paths.append(self.path)
                try:
                    receiver.received.append(json.loads(raw))
                except ValueError:
                    receiver.received.append({"raw": raw.decode(errors="replace")})
                self.send_response(status_code)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key=test-robot-key"

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class ScrapydStub:
    """listjobs.json / schedule.json like scrapyd's, with basic auth; jobs are set by the test."""

    def __init__(self, username: str = "ops", password: str = "stub-pass"):
        self.username, self.password = username, password
        self.jobs: dict[str, list[dict]] = {"pending": [], "running": [], "finished": []}
        self.scheduled: list[dict] = []
        self.fail_schedule = False
        stub = self
        expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, doc: dict) -> None:
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") != expected:
                    self._answer(401, {"status": "error", "message": "Unauthorized"})
                    return False
                return True

            def do_GET(self):  # noqa: N802
                if not self._authorized():
                    return
                if self.path.startswith("/listjobs.json"):
                    self._answer(200, {"status": "ok", **stub.jobs})
                else:
                    self._answer(404, {"status": "error", "message": "not found"})

            def do_POST(self):  # noqa: N802
                if not self._authorized():
                    return
                length = int(self.headers.get("Content-Length") or 0)
                params = urllib.parse.parse_qs(self.rfile.read(length).decode())
                if self.path.startswith("/schedule.json"):
                    if stub.fail_schedule:
                        self._answer(200, {"status": "error", "message": "spider 'x' not found"})
                        return
                    job_id = f"job{len(stub.scheduled) + 1}"
                    stub.scheduled.append({"id": job_id, **params})
                    stub.jobs["pending"].append({"id": job_id, "spider": params["spider"][0]})
                    self._answer(200, {"status": "ok", "jobid": job_id})
                else:
                    self._answer(404, {"status": "error", "message": "not found"})

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def finish(self, job_id: str) -> None:
        for state in ("pending", "running"):
            for job in list(self.jobs[state]):
                if job["id"] == job_id:
                    self.jobs[state].remove(job)
                    self.jobs["finished"].append(job)

    def __enter__(self) -> "ScrapydStub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- test subprocesses: a clean environment, a crawl ----------------------------------------------


def crawl_env(**extra: str) -> dict[str, str]:
    """The environment of a test subprocess: this one's without any variable the project reads
    (no database, replay folder, webhook, known-URL switch … of the developer's shell), no
    embedded mongod, then ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT_ENV)}
    env.update({"HEALTHCRAWL_EMBEDDED_MONGO": "0", **extra})
    return env


def run_module(args: list[str], env: dict[str, str] | None = None, timeout: float = 300,
               popen: bool = False, **kw):
    """``python -m <args>`` from the project root (where scrapy.cfg is), in ``env`` (else
    :func:`crawl_env`), output captured as text (unless ``kw`` redirects it): the finished
    process, or with ``popen`` the running one."""
    command = [sys.executable, "-m", *args]
    options = {"cwd": ROOT, "env": crawl_env() if env is None else env, "text": True,
               "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw}
    return subprocess.Popen(command, **options) if popen else subprocess.run(command, timeout=timeout, **options)


def scrapy_crawl(args: list[str], env: dict[str, str] | None = None, timeout: float = 300,
                 **kw) -> subprocess.CompletedProcess:
    """``scrapy crawl <args>`` as an operator runs it (see :func:`run_module`)."""
    return run_module(["scrapy", "crawl", *args], env, timeout, **kw)


def stats_args(path: Path) -> list[str]:
    """``scrapy crawl`` settings that write the crawl's final stats to ``path`` as JSON."""
    return ["-s", "STATS_CLASS=tests.hostile.JsonStatsCollector", "-s", f"HOSTILE_STATS_FILE={path}"]


def read_stats(path: Path) -> dict:
    """The stats a crawl run with :func:`stats_args` wrote ({} when it wrote none)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class SlowDownloads:
    """Test-only downloader middleware: every request takes ``HC_TEST_LATENCY`` seconds (default
    0.25). Replayed pages are otherwise answered instantly, so one node would drain a shared
    frontier before a second one is up; with latency both nodes get work, as on the live sites."""

    def __init__(self, latency: float):
        self.latency = latency

    @classmethod
    def from_crawler(cls, crawler):
        return cls(float(os.environ.get("HC_TEST_LATENCY", "0.25")))

    async def process_request(self, request, spider=None):
        import asyncio

        await asyncio.sleep(self.latency)
        return None


def last_tick_one_fire_ago() -> datetime:
    """A scheduler state's ``last_tick`` from which a pass run in the next 15 s finds exactly one
    fire time of a ``* * * * *`` cron, the current minute: 1 s before this minute began. With
    ``now - 61 s`` a pass in the first second of a minute (or a slow start-up) found two, and
    reported the earlier one as ``missed`` (a flaky test). Waits for the next minute when fewer
    than 15 s of this one are left."""
    now = datetime.now(timezone.utc)
    if now.second >= 45:
        time.sleep(61 - now.second - now.microsecond / 1e6)
        now = datetime.now(timezone.utc)
    return now.replace(second=0, microsecond=0) - timedelta(seconds=1)
