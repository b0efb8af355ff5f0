"""The spool: records waiting for the database, one extended-JSON line each, replayed by the next
run (see :class:`Spool`)."""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

import bson
from bson import json_util

from healthcrawl.storage.errors import StorageError
from healthcrawl.storage.records import valid_record

logger = logging.getLogger(__name__)

# --- the spool: records waiting for the database -------------------------------------------------
def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), or None if there is no such live process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":  # a zombie holds its pid but writes nothing
            return None
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return 0.0  # alive, start unknown (no /proc): assume it is the owner


class Spool:
    """Records that could not be written yet, one extended-JSON line each, under ``directory``.

    Writing a record twice is harmless (the operations are idempotent upserts keyed on the
    canonical URL), so replaying a spool after a crash can never create a second document.

    File names: ``<database>.<pid>.<ms>.jsonl`` while a process writes it, renamed to
    ``<database>.<pid>.<ms>.replaying-<pid2>`` by the process replaying it, and
    ``….quarantine`` for lines that are not records. A file whose owning process is gone (its pid
    is not running, or runs a process started after the file was last written) is a leftover that
    the next run replays — also a ``replaying-`` file left by a replay that was killed.
    """

    #: spool files of this process whose pipeline is still open (others of this pid are leftovers)
    _open: set[str] = set()

    def __init__(self, directory: str | Path, database: str):
        self.directory = Path(directory)
        self.database = re.sub(r"[^A-Za-z0-9_.-]", "_", database)
        self.path = self.directory / f"{self.database}.{os.getpid()}.{time.time_ns() // 1000}.jsonl"
        Spool._open.add(self.path.name)

    def close(self) -> None:
        """This spool's pipeline is done: a file it leaves is a leftover for the next run."""
        Spool._open.discard(self.path.name)

    def check(self, close: bool = False) -> None:
        """StorageError unless records can be spooled here (checked at start-up)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            probe = self.directory / f".{self.path.name}.probe"
            with probe.open("a", encoding="utf-8") as fh:
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            probe.unlink()
        except OSError as exc:
            raise StorageError(f"the spool folder {self.directory} (MONGO_SPOOL_DIR) is not usable: "
                               f"{exc.strerror or exc}") from None
        finally:
            if close:
                self.close()

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        n = 0
        with self.path.open("a", encoding="utf-8") as fh:
            for record in records:  # keys starting with "_" are the writer's own marks
                record = {k: v for k, v in record.items() if not k.startswith("_")}
                fh.write(json_util.dumps(record, json_options=json_util.RELAXED_JSON_OPTIONS) + "\n")
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
        return n

    def discard_own(self) -> None:
        """Remove this process's spool file: everything in it is written."""
        try:
            self.path.unlink(missing_ok=True)
        except NotADirectoryError:  # the folder is gone, and the file with it
            pass
        except OSError as exc:  # left behind: a later replay rewrites it, which changes nothing
            logger.warning("could not remove the written spool %s: %s", self.path, exc.strerror or exc)

    @staticmethod
    def _owner(path: Path) -> int | None:
        """The pid that owns a spool file: the replaying process, else the writing one."""
        suffix = path.suffix
        try:
            if suffix.startswith(".replaying-"):
                return int(suffix[len(".replaying-"):])
            return int(path.name.split(".")[-3])
        except (ValueError, IndexError):
            return None

    @classmethod
    def orphaned(cls, path: Path) -> bool:
        """Whether nobody is writing or replaying ``path`` any more."""
        pid = cls._owner(path)
        if pid is None:
            return True
        if pid == os.getpid():  # this process: a pipeline still open here owns it, else nobody
            return path.name not in cls._open and not path.suffix.startswith(".replaying-")
        started = _process_start(pid)
        if started is None:
            return True
        try:  # the pid was reused by a process started after the file was last touched
            return started > path.stat().st_mtime + 1
        except OSError:
            return False

    def leftovers(self) -> list[Path]:
        """Spool files of earlier runs (or dead processes) for this database, oldest first."""
        if not self.directory.exists():
            return []
        files = [p for p in self.directory.glob(f"{self.database}.*")
                 if p != self.path and (p.suffix == ".jsonl" or p.suffix.startswith(".replaying-"))]
        return sorted((p for p in files if self.orphaned(p)), key=self._written)

    @staticmethod
    def _written(path: Path) -> tuple[float, str]:
        """Replay order: the oldest file first (a reprint note after the original it names)."""
        try:
            return path.stat().st_mtime, path.name
        except OSError:
            return 0.0, path.name

    @staticmethod
    def claim(path: Path) -> Path | None:
        """Rename a leftover so only one process replays it; None if another one got it."""
        claimed = path.with_suffix(f".replaying-{os.getpid()}")
        try:
            path.rename(claimed)
        except OSError:
            return None
        return claimed

    @staticmethod
    def release(claimed: Path) -> Path:
        """Give a claimed file back (its replay could not finish): the next run takes it."""
        back = claimed.with_suffix(".jsonl")
        claimed.rename(back)
        return back

    @staticmethod
    def read_batches(path: Path, size: int, quarantine: list[int] | None = None) -> Iterator[list[dict[str, Any]]]:
        """The file's records, ``size`` at a time. A line that is not a record (corrupt bytes,
        a line cut short by a crash, any other JSON) goes to ``<file>.quarantine`` with one
        WARNING for the file; ``quarantine`` (a one-element list) receives their number."""
        bad: list[bytes] = []
        batch: list[dict[str, Any]] = []
        with path.open("rb") as fh:
            for raw in fh:
                line = raw.strip()
                if not line:
                    continue
                try:
                    record = json_util.loads(line.decode("utf-8"), json_options=json_util.RELAXED_JSON_OPTIONS)
                except (UnicodeDecodeError, ValueError, TypeError, RecursionError, bson.errors.BSONError):
                    record = None
                if not valid_record(record):
                    bad.append(raw if raw.endswith(b"\n") else raw + b"\n")
                    continue
                batch.append(record)
                if len(batch) >= size:
                    yield batch
                    batch = []
        if batch:
            yield batch
        if bad:
            target = path.with_suffix(".quarantine")
            with target.open("ab") as out:
                out.writelines(bad)
            logger.warning("spool %s: %d line(s) that are not records moved to %s", path.name, len(bad), target.name)
            if quarantine is not None:
                quarantine[0] += len(bad)
