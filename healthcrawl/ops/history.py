"""Run history: recent crawl runs per spider, with anomalies flagged (``healthcrawl runs``).

Each run is compared with that spider's previous successful runs of the same kind (the median
of the last ``--baseline`` (5) runs that closed with ``finished``; discovery crawls and ``urls=``
crawls, and different channel selections, are separate kinds). Flags:

| flag | when |
|---|---|
| ``items_collapse`` | articles found < 50 % of the baseline median |
| ``coverage_drop:<field>`` | a field's coverage is more than 20 points below its median |
| ``fallback_surge`` | fallback share above ``HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE`` (30 %), or ≥ 3× the median share (and at least 5 points up): a template changed |
| ``error_spike`` | ≥ 5 errors and more than 3× the median error count |
| ``not_finished`` | the job closed with another reason than ``finished`` |
| ``monitors_failed`` | a close-of-job monitor failed (see ``monitors``) |
| ``no_close_recorded`` | the run has no close record (still running, or the process died) |
| ``skipped`` / ``missed`` / ``failed`` | scheduler events (``kind: "schedule"``) |

Comparative flags need at least ``MIN_BASELINE`` (2) earlier successful runs. The command
exits 0 whatever is flagged (2 for a refused argument or an unusable database); ``--json``
prints one JSON document for machines. Stored strings are printed as :func:`healthcrawl.text.redact.shown`
makes them: secrets hidden (an entry written before a redaction existed shows none either) and
control characters escaped (a job id holding terminal escape sequences cannot clear the screen).
"""

from __future__ import annotations

import json
import statistics
import sys
from datetime import datetime, timezone
from typing import Any, Iterable

from healthcrawl.text import redact
from healthcrawl.article import BEIJING


BASELINE = 5
MIN_BASELINE = 2
ITEMS_COLLAPSE = 0.5
COVERAGE_DROP = 0.20
FALLBACK_FACTOR = 3.0
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


def flag(run: dict[str, Any], previous: list[dict[str, Any]], baseline: int = BASELINE, *,
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
    base = [r for r in previous if _successful(r) and _kind(r) == _kind(run)][:baseline]
    if len(base) < MIN_BASELINE:
        return flags
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
    share = (run.get("fallback") or {}).get("share", 0.0) or 0.0
    median_share = _median((r.get("fallback") or {}).get("share", 0.0) or 0.0 for r in base)
    if share > max_fallback_share or (median_share > 0 and share >= FALLBACK_FACTOR * median_share
                                  and share - median_share >= 0.05):
        add("fallback_surge", f"fallback share {share:.0%} (median {median_share:.0%}): a template changed?")
    errors = (run.get("errors") or {}).get("total", 0)
    median_errors = _median((r.get("errors") or {}).get("total", 0) for r in base)
    if errors >= ERROR_MIN and errors > ERROR_FACTOR * median_errors:
        add("error_spike", f"{errors} error(s), median {median_errors:g}")
    return flags


# --- reading -----------------------------------------------------------------------------------
def load_runs(collection, spider: str | None = None, limit: int = 10, baseline: int = BASELINE) -> dict[str, list[dict]]:
    """spider -> runs newest first: ``limit`` shown plus enough older ones for the baseline."""
    spiders = [spider] if spider else sorted(s for s in collection.distinct("spider") if s)
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
    if not isinstance(value, datetime):
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


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


def render_json(analysed: dict[str, list[dict]], out=sys.stdout) -> None:
    doc = {spider: [{**_jsonable(e["run"]), "flags": e["flags"]} for e in entries]
           for spider, entries in analysed.items()}
    # control characters escaped: json leaves DEL, C1 controls and bidi overrides raw
    out.write(redact.json_safe(json.dumps(doc, ensure_ascii=False, indent=1, default=str)) + "\n")
