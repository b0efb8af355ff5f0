"""Run history (``healthcrawl runs``): each crawl run compared with the median of its spider's
earlier successful runs of the same kind, anomalies flagged (README "Run history" lists them);
template drift (the fallback share against its usual level, the template that stopped matching);
the fallback share per day; text and JSON output with stored strings shown safely
(:func:`healthcrawl.text.redact.shown`).
"""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from healthcrawl.text import redact
from healthcrawl.article import stored_to_beijing


BASELINE = 5
MIN_BASELINE = 2
ITEMS_COLLAPSE = 0.5
COVERAGE_DROP = 0.20
#: a fallback share is above its usual level at this many times the median share, at least
#: FALLBACK_POINTS more, and FALLBACK_MIN_PAGES pages
FALLBACK_FACTOR = 3.0
FALLBACK_POINTS = 0.05
FALLBACK_MIN_PAGES = 3
FALLBACK = "fallback"
ERROR_MIN = 5
ERROR_FACTOR = 3.0
#: fields whose coverage is compared (the rest vary with the news, not with the extraction)
COVERAGE_FIELDS = ("title", "published_at", "body", "source", "author", "editor", "channel", "images",
                   "keywords")


def _kind(run: dict[str, Any]) -> tuple:
    args = run.get("arguments") or {}
    return ("urls" if args.get("urls") else "discovery", tuple(sorted(args.get("channels") or [])))


def _successful(run: dict[str, Any]) -> bool:
    return run.get("kind", "crawl") == "crawl" and run.get("finish_reason") == "finished"


def _median(values: Iterable[float]) -> float:
    values = list(values)
    return float(statistics.median(values)) if values else 0.0


def _listed(run: dict[str, Any]) -> int:
    """Articles found, counting links to articles already stored or dropped as irrelevant
    (skipped by an incremental crawl)."""
    return int((run.get("items") or {}).get("found", 0)) + \
        int((run.get("spider_stats") or {}).get("skipped_known", 0))


def baseline(run: dict[str, Any], previous: list[dict[str, Any]], size: int = BASELINE) -> list[dict[str, Any]]:
    """The runs ``run`` is compared with: the newest ``size`` of ``previous`` (older runs of the
    same spider, newest first) that finished and were of the same kind."""
    return [r for r in previous if _successful(r) and _kind(r) == _kind(run)][:size]


# --- template drift: the fallback share against its usual level ------------------------------------
@dataclass
class Drift:
    share: float  # of this run's articles, read by the generic fallback
    usual: float | None  # the median share of the baseline (None: too little history)
    runs: int  # runs in the baseline
    risen: bool  # above its usual level: FALLBACK_FACTOR times it and FALLBACK_POINTS more
    lost: tuple[str, float, float] | None  # the template that stopped matching: (name, usual, now)
    example: str | None  # one page the fallback read


def _template_shares(run: dict[str, Any]) -> dict[str, float]:
    """Each template's share of the run's articles (every site of the run; a spider crawls one)."""
    counts: dict[str, int] = {}
    for templates in (run.get("templates") or {}).values():
        for name, n in templates.items():
            counts[name] = counts.get(name, 0) + int(n)
    total = sum(counts.values())
    return {name: n / total for name, n in counts.items()} if total else {}


def _lost_template(run: dict[str, Any], base: list[dict[str, Any]]) -> tuple[str, float, float] | None:
    """The template whose share of the pages fell most against its median in ``base``."""
    now = _template_shares(run)
    before = [_template_shares(r) for r in base]
    names = {name for shares in before for name in shares} - {FALLBACK}
    drops = [(_median(s.get(name, 0.0) for s in before), now.get(name, 0.0), name) for name in names]
    drops = [(usual - current, name, usual, current) for usual, current, name in drops if usual > current]
    if not drops:
        return None
    _, name, usual, current = max(drops)
    return name, usual, current


def fallback_drift(run: dict[str, Any], base: list[dict[str, Any]]) -> Drift:
    """How this run's fallback share compares with the baseline's (see :class:`Drift`)."""
    fallback = run.get("fallback") or {}
    share = float(fallback.get("share") or 0.0)
    usual = _median(float((r.get("fallback") or {}).get("share") or 0.0) for r in base) \
        if len(base) >= MIN_BASELINE else None
    risen = (usual is not None and int(fallback.get("count") or 0) >= FALLBACK_MIN_PAGES
             and share >= FALLBACK_FACTOR * usual and share - usual >= FALLBACK_POINTS)
    return Drift(share, usual, len(base), risen, _lost_template(run, base) if base else None,
                 fallback.get("example"))


def describe_drift(drift: Drift) -> str:
    """One line: the share against its usual level, the template that stopped matching, an example."""
    text = f"fallback share {drift.share:.0%}"
    if drift.usual is not None:
        text += f" (usual {drift.usual:.0%} over {drift.runs} run(s))"
    if drift.lost:
        name, usual, now = drift.lost
        text += f": template {name!r} stopped matching ({usual:.0%} of the pages usually, now {now:.0%})"
    elif drift.usual is not None:
        text += ": no template lost pages (a new page layout?)"
    else:
        text += ": did a page template change?"
    return text + (f"; e.g. {drift.example}" if drift.example else "")


def _comparative_flags(run: dict[str, Any], base: list[dict[str, Any]], max_fallback_share: float,
                       add: Callable[[str, str], None]) -> None:
    found = _listed(run)
    median_found = _median(_listed(r) for r in base)
    if median_found > 0 and found < ITEMS_COLLAPSE * median_found:
        add("items_collapse", f"{found} article(s) found, < {ITEMS_COLLAPSE:.0%} of the median {median_found:g}")
    coverage = run.get("coverage") or {}
    if run.get("coverage_items"):
        for field in COVERAGE_FIELDS:
            values = [(r.get("coverage") or {}).get(field) for r in base if r.get("coverage_items")]
            values = [v for v in values if v is not None]
            if len(values) < MIN_BASELINE or field not in coverage:
                continue
            median_cov = _median(values)
            if coverage[field] < median_cov - COVERAGE_DROP:
                add(f"coverage_drop:{field}", f"{field} coverage {coverage[field]:.0%}, median "
                                              f"{median_cov:.0%} (down {100 * (median_cov - coverage[field]):.0f} points)")
    drift = fallback_drift(run, base)
    if drift.share > max_fallback_share or drift.risen:
        add("fallback_surge", describe_drift(drift))
    errors = (run.get("errors") or {}).get("total", 0)
    median_errors = _median((r.get("errors") or {}).get("total", 0) for r in base)
    if errors >= ERROR_MIN and errors > ERROR_FACTOR * median_errors:
        add("error_spike", f"{errors} error(s), median {median_errors:g}")


def flag(run: dict[str, Any], previous: list[dict[str, Any]], size: int = BASELINE, *,
         max_fallback_share: float) -> list[dict[str, str]]:
    """Anomaly flags of ``run`` against ``previous`` (older runs of the same spider, newest first);
    ``max_fallback_share``: the ``HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE`` setting."""
    flags: list[dict[str, str]] = []

    def add(code: str, message: str) -> None:
        flags.append({"code": code, "message": message})

    if run.get("kind", "crawl") == "schedule":
        add(run.get("event", "schedule"), run.get("reason", ""))
        return flags
    if run.get("status") != "closed":
        add("no_close_recorded", "no close recorded: still running, or the process died")
        return flags
    if run.get("finish_reason") != "finished":
        add("not_finished", f"closed with reason {run.get('finish_reason')!r}")
    monitors = run.get("monitors") or {}
    if monitors and not monitors.get("ok", True):
        add("monitors_failed", ", ".join(monitors.get("failed") or []))
    base = baseline(run, previous, size)
    if len(base) >= MIN_BASELINE:
        _comparative_flags(run, base, max_fallback_share, add)
    return flags


# --- reading -----------------------------------------------------------------------------------
def load_runs(collection, spider: str | None = None, limit: int = 10, baseline: int = BASELINE,
              site: str | None = None) -> dict[str, list[dict]]:
    """spider -> runs newest first: ``limit`` shown plus enough older ones for the baseline
    (``site``: only the spiders crawling that site)."""
    if spider:
        spiders = [spider]
    else:
        spiders = sorted(s for s in collection.distinct("spider", {"site": site} if site else {}) if s)
    window = limit + max(baseline * 4, 20)  # older failed runs must not starve the baseline
    result = {}
    for name in spiders:
        runs = list(collection.find({"spider": name}, {"_id": 0})
                    .sort([("start_time", -1), ("end_time", -1)]).limit(window))
        if runs:
            result[name] = runs
    return result


def analyse(runs_by_spider: dict[str, list[dict]], limit: int = 10, baseline: int = BASELINE, *,
            max_fallback_share: float) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for spider, runs in runs_by_spider.items():
        shown = []
        for i, run in enumerate(runs[:limit]):
            shown.append({"run": run, "flags": flag(run, runs[i + 1:], baseline,
                                                    max_fallback_share=max_fallback_share)})
        out[spider] = shown
    return out


def _time(value: Any) -> str:
    when = stored_to_beijing(value)
    return when.strftime("%Y-%m-%d %H:%M") if when else "-"


def fallback_by_day(analysed: dict[str, list[dict]]) -> list[dict[str, Any]]:
    """The share of articles read by the generic fallback per day (Beijing) over the shown crawl
    runs, oldest first, with the day's ``fallback_surge`` message (the template that stopped
    matching and an example page) when a run of that day was flagged."""
    days: dict[str, dict[str, Any]] = {}
    for entries in analysed.values():
        for entry in entries:
            run, when = entry["run"], stored_to_beijing(entry["run"].get("start_time"))
            fallback = run.get("fallback") or {}
            if run.get("kind", "crawl") != "crawl" or not fallback.get("total") or when is None:
                continue
            day = days.setdefault(when.strftime("%Y-%m-%d"), {"runs": 0, "count": 0, "total": 0, "drift": None})
            day["runs"] += 1
            day["count"] += int(fallback.get("count") or 0)
            day["total"] += int(fallback["total"])
            day["drift"] = day["drift"] or next((f["message"] for f in entry["flags"]
                                                 if f["code"] == "fallback_surge"), None)
    return [{"day": name, **day, "share": round(day["count"] / day["total"], 4)} for name, day in sorted(days.items())]


def render_by_day(site: str, days: list[dict[str, Any]], out=sys.stdout) -> None:
    _line(out, f"{site}: share of articles read by the generic fallback, per day (Beijing)")
    if not days:
        _line(out, "  no crawl run with articles")
    for day in days:
        _line(out, f"  {day['day']}  {100 * day['share']:>4.0f}%  {day['count']} of {day['total']} article(s), "
                   f"{day['runs']} run(s)" + (f"  ! {day['drift']}" if day["drift"] else ""))


def _cov(run: dict[str, Any]) -> str:
    coverage = run.get("coverage") or {}
    if not run.get("coverage_items"):
        return "-"
    return "/".join(f"{100 * coverage.get(f, 0):.0f}" for f in ("title", "published_at", "body"))


def _line(out, text: str) -> None:
    """One output line, as :func:`redact.shown` makes it (stored strings are in it)."""
    out.write(redact.shown(text) + "\n")


def render_text(analysed: dict[str, list[dict]], out=sys.stdout) -> None:
    if not analysed:
        _line(out, "no runs recorded in crawl_runs")
        return
    header = (f"  {'start (Beijing)':<17} {'job':<12} {'reason':<12} {'found':>6} {'stored':>6} "
              f"{'drop':>5} {'fallback':>8} {'errors':>6}  {'cov t/p/b':<11} flags")
    for spider, entries in analysed.items():
        flagged = sum(1 for e in entries if e["flags"])
        _line(out, f"{spider}: {len(entries)} run(s), {flagged} flagged")
        _line(out, header)
        for entry in entries:
            run, flags = entry["run"], entry["flags"]
            job = str(run.get("job_id") or "-")[:12]
            if run.get("kind") == "schedule":
                _line(out, f"  {_time(run.get('start_time')):<17} {job:<12} {'(schedule)':<12} "
                      f"{run.get('event', ''):>6}  {run.get('reason', '')}")
                continue
            items = run.get("items") or {}
            share = (run.get("fallback") or {}).get("share")
            codes = ",".join(f["code"] for f in flags) or "-"
            _line(out, f"  {_time(run.get('start_time')):<17} {job:<12} {str(run.get('finish_reason') or run.get('status')):<12} "
                  f"{items.get('found', 0):>6} {items.get('stored', 0):>6} {items.get('dropped', 0):>5} "
                  f"{'-' if share is None else f'{100 * share:.0f}%':>8} {(run.get('errors') or {}).get('total', 0):>6}  "
                  f"{_cov(run):<11} {codes}")
            for f in flags:
                _line(out, f"      ! {f['code']}: {f['message']}")


def _jsonable(value: Any) -> Any:
    """A stored value as JSON shows it (datetimes ISO 8601, strings without secrets)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat()
    if isinstance(value, str):
        return redact.secrets(value)
    if isinstance(value, dict):
        return {redact.secrets(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def render_json(analysed: dict[str, list[dict]], out=sys.stdout, by_day: list[dict] | None = None) -> None:
    """Runs by spider; with ``by_day`` (``--site``) also ``fallback_by_day``."""
    doc: dict[str, Any] = {spider: [{**_jsonable(e["run"]), "flags": e["flags"]} for e in entries]
                           for spider, entries in analysed.items()}
    if by_day is not None:
        doc["fallback_by_day"] = _jsonable(by_day)
    # control characters escaped: json leaves DEL, C1 controls and bidi overrides raw
    out.write(redact.json_safe(json.dumps(doc, ensure_ascii=False, indent=1, default=str)) + "\n")
