"""The schedule file (TOML or JSON): its jobs, their cron expressions and time zone, checked
when loaded (unknown keys, wrong types, secrets passed as settings are refused)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from healthcrawl.text import redact

EVENTS = ("skipped", "missed", "failed")
DEFAULT_TIMEZONE = "Asia/Shanghai"
#: at most this many fire times are enumerated per pass (a per-minute cron after a week down)
MAX_FIRES = 10_000


class ScheduleError(ValueError):
    """The schedule file is not usable; the message says why."""


# --- the schedule file ---------------------------------------------------------------------------
@dataclass
class Job:
    name: str
    spider: str
    cron: str
    args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    #: schedule on every scrapyd node (a shared Redis frontier) instead of the first reachable one
    all_nodes: bool = False
    enabled: bool = True


@dataclass
class Schedule:
    jobs: list[Job]
    project: str = "healthcrawl"
    timezone: str = DEFAULT_TIMEZONE
    misfire_grace: float = 900.0
    alert_on: tuple[str, ...] = EVENTS
    scrapyd: list[str] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def valid_cron(expr: str) -> bool:
    from croniter import croniter

    return len(expr.split()) == 5 and croniter.is_valid(expr)


def cron_fires(expr: str) -> bool:
    """False for a valid expression that names no date (``0 6 30 2 *``: 30 February)."""
    from croniter import CroniterBadDateError, croniter

    try:
        croniter(expr, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        return False
    return True


def fire_times(expr: str, after: datetime, until: datetime, tz: ZoneInfo) -> list[datetime]:
    """Fire times t with ``after < t <= until`` (aware datetimes, in ``tz``)."""
    from croniter import croniter

    it = croniter(expr, after.astimezone(tz))
    out: list[datetime] = []
    while len(out) < MAX_FIRES:
        t = it.get_next(datetime)
        if t > until:
            break
        if t > after:
            out.append(t)
    return out


def _check_secret(where: str, key: str, value: Any) -> None:
    """Settings and arguments sent through schedule.json appear in scrapyd's logs: no secrets."""
    if redact.holds_secret(key, value):
        raise ScheduleError(f"{where}: {key!r} looks like a secret or host setting; settings and "
                            f"arguments sent through schedule.json appear in scrapyd's logs: set it "
                            f"in the scrapyd host's environment instead")


_TYPE_NAMES = {str: "a string", bool: "true or false", dict: "a table", list: "an array",
               float: "a number"}
_TOP_KEYS = ("project", "timezone", "misfire_grace", "alert_on", "scrapyd", "jobs")
_JOB_KEYS = ("name", "spider", "cron", "args", "settings", "all_nodes", "enabled")


def _shown(value: Any) -> str:
    """A wrong value as the error shows it: scalars quoted (secrets hidden), tables and arrays
    by their kind only (they may hold anything)."""
    if isinstance(value, (dict, list)):
        return _TYPE_NAMES[type(value)]
    return redact.secrets(repr(value))[:80]


def _typed(where: str, key: str, value: Any, kind: type) -> Any:
    """``value`` if it is of ``kind`` (numbers: int or float, never a boolean), else a one-line
    :class:`ScheduleError` naming the key, what it must be and what it is."""
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise ScheduleError(f"{where}: {key!r} must be {_TYPE_NAMES[kind]}, not {_shown(value)}"
                            + (" (write it without quotes)" if kind in (bool, float) and isinstance(value, str)
                               else ""))
    return value


def _unknown_keys(where: str, raw: dict, known: tuple[str, ...]) -> None:
    unknown = sorted(set(map(str, raw)) - set(known))
    if unknown:
        raise ScheduleError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} "
                            f"(known: {', '.join(known)})")


def _table_of_scalars(where: str, key: str, raw: dict) -> dict[str, str]:
    table = _typed(where, key, raw.get(key, {}), dict)
    out = {}
    for k, v in table.items():
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise ScheduleError(f"{where}: {key}.{k} must be a string or a number, not {_shown(v)}")
        out[str(k)] = str(v)
    return out


def _known_spider(where: str, spider: str) -> None:
    """A spider of the site registry (healthcrawl/crawl/sites.py: what ``scrapy list`` lists)."""
    from healthcrawl.crawl.sites import SITES

    if spider not in SITES:
        raise ScheduleError(f"{where}: no spider {spider!r} in this project (spiders: {', '.join(sorted(SITES))})")


def _parse_job(where: str, raw: Any, names: set[str]) -> Job:
    """One ``[[jobs]]`` entry, checked (``names``: the job names seen so far)."""
    if not isinstance(raw, dict) or not raw.get("spider") or not raw.get("cron"):
        raise ScheduleError(f"{where}: needs 'spider' and 'cron'")
    _unknown_keys(where, raw, _JOB_KEYS)
    for key in ("name", "spider", "cron"):
        if key in raw:
            _typed(where, key, raw[key], str)
    name = str(raw.get("name") or raw["spider"])
    where = f"{where} ({name})"
    _known_spider(where, raw["spider"])
    if name in names:
        raise ScheduleError(f"{where}: the name {name!r} is used twice")
    names.add(name)
    cron = " ".join(str(raw["cron"]).split())
    if not valid_cron(cron):
        raise ScheduleError(f"{where}: invalid cron expression {cron!r} "
                            f"(five fields: minute hour day-of-month month day-of-week)")
    if not cron_fires(cron):
        raise ScheduleError(f"{where}: the cron expression {cron!r} never fires (no such date)")
    args = _table_of_scalars(where, "args", raw)
    settings = _table_of_scalars(where, "settings", raw)
    for key, value in args.items():
        if key.startswith("_") or key in ("project", "spider", "setting", "jobid"):
            raise ScheduleError(f"{where}: {key!r} is reserved by scrapyd")
        _check_secret(f"{where} args", key, value)
    for key, value in settings.items():
        _check_secret(f"{where} settings", key, value)
    return Job(name=name, spider=raw["spider"], cron=cron, args=args, settings=settings,
               all_nodes=_typed(where, "all_nodes", raw.get("all_nodes", False), bool),
               enabled=_typed(where, "enabled", raw.get("enabled", True), bool))


def _parse_top(source: str, data: dict[str, Any]) -> dict[str, Any]:
    """The file's keys other than ``jobs``, checked: Schedule's keyword arguments."""
    tzname = _typed(source, "timezone", data.get("timezone", DEFAULT_TIMEZONE), str)
    try:
        ZoneInfo(tzname)
    except Exception:  # noqa: BLE001
        raise ScheduleError(f"{source}: unknown timezone {tzname!r}") from None
    alert_on = _typed(source, "alert_on", data.get("alert_on", list(EVENTS)), list)
    unknown = {str(a) for a in alert_on} - set(EVENTS)
    if unknown:
        raise ScheduleError(f"{source}: alert_on knows {', '.join(EVENTS)}, not {', '.join(sorted(unknown))}")
    misfire_grace = float(_typed(source, "misfire_grace", data.get("misfire_grace", 900), float))
    if misfire_grace < 0:
        raise ScheduleError(f"{source}: 'misfire_grace' must be a number of seconds >= 0, not {misfire_grace:g}")
    scrapyd = data.get("scrapyd") or []
    if isinstance(scrapyd, str):
        scrapyd = [scrapyd]
    _typed(source, "scrapyd", scrapyd, list)
    for url in scrapyd:
        _typed(source, "scrapyd", url, str)
        _check_secret(f"{source}: scrapyd", "scrapyd", url)
    return {"project": _typed(source, "project", data.get("project", "healthcrawl"), str),
            "timezone": tzname, "misfire_grace": misfire_grace, "alert_on": tuple(alert_on),
            "scrapyd": list(scrapyd)}


def parse_schedule(data: dict[str, Any], source: str = "schedule") -> Schedule:
    """A schedule from the file's parsed data; :class:`ScheduleError` naming the job and key."""
    if not isinstance(data, dict):
        raise ScheduleError(f"{source}: expected a table/object at the top")
    _unknown_keys(source, data, _TOP_KEYS)
    top = _parse_top(source, data)
    raw_jobs = data.get("jobs") or []
    if not isinstance(raw_jobs, list) or not raw_jobs:
        raise ScheduleError(f"{source}: no [[jobs]] entries")
    names: set[str] = set()
    jobs = [_parse_job(f"{source}: job {i}", raw, names) for i, raw in enumerate(raw_jobs, 1)]
    return Schedule(jobs=jobs, **top)


def load_schedule(path: str | Path) -> Schedule:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ScheduleError(f"{path}: invalid JSON: {exc}") from None
    else:
        try:
            import tomllib
        except ImportError:  # Python 3.10
            try:
                import tomli as tomllib  # type: ignore[no-redef]
            except ImportError:
                raise ScheduleError(f"{path}: TOML needs Python 3.11 or the tomli package; "
                                    f"or write the schedule as JSON") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScheduleError(f"{path}: invalid TOML: {exc}") from None
    return parse_schedule(data, str(path))
