"""Crawl health on the desk: each site's last runs from ``crawl_runs`` with the flags of
``healthcrawl runs`` (:mod:`healthcrawl.ops.history`), and articles per site per Beijing day as a
small inline SVG (one row of bars per site), so a site that stopped delivering is seen at once.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from healthcrawl.crawl.sites import SITES
from healthcrawl.desk.week import beijing
from healthcrawl.ops.history import analyse, load_runs
from healthcrawl.text import redact
from healthcrawl.text.dates import day_end, day_start

BAR, GAP, ROW, LABEL, TOP = 14, 3, 46, 96, 18


def run_rows(desk, limit: int) -> dict[str, list[dict[str, Any]]]:
    """spider → its last ``limit`` runs as table rows (newest first)."""
    analysed = analyse(load_runs(desk.runs, limit=limit), limit=limit,
                       max_fallback_share=desk.config.max_fallback_share)
    out: dict[str, list[dict[str, Any]]] = {}
    for spider, entries in analysed.items():
        rows = []
        for entry in entries:
            run, flags = entry["run"], entry["flags"]
            items = run.get("items") or {}
            share = (run.get("fallback") or {}).get("share")
            start = beijing(run.get("start_time"))
            rows.append({
                "start": start.strftime("%Y-%m-%d %H:%M") if start else "—",
                "status": redact.secrets(run.get("event") if run.get("kind") == "schedule"
                                         else (run.get("finish_reason") or run.get("status") or "—")),
                "found": items.get("found", 0), "stored": items.get("stored", 0),
                "dropped": items.get("dropped", 0),
                "fallback": "—" if share is None else f"{100 * share:.0f}%",
                "flags": [(redact.secrets(f.get("code", "")), redact.secrets(f.get("message", ""))) for f in flags],
            })
        out[spider] = rows
    return out


def daily_counts(desk, last: date, days: int) -> tuple[list[date], dict[str, dict[str, int]]]:
    """The days ending on ``last`` and site → day (ISO) → articles published that Beijing day."""
    first = last - timedelta(days=days - 1)
    pipeline = [
        {"$match": {"published_at": {"$gte": day_start(first), "$lte": day_end(last)}}},
        {"$group": {"_id": {"site": "$site", "day": {"$dateToString": {
            "format": "%Y-%m-%d", "date": "$published_at", "timezone": "Asia/Shanghai"}}},
            "n": {"$sum": 1}}},
    ]
    counts: dict[str, dict[str, int]] = {site: {} for site in SITES}
    for group in desk.articles.aggregate(pipeline):
        site = group["_id"].get("site") or "?"
        counts.setdefault(site, {})[group["_id"]["day"]] = group["n"]
    return [first + timedelta(days=i) for i in range(days)], counts


def chart(days: list[date], counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Geometry of the SVG (numbers and names only; the template escapes the names)."""
    top = max([n for per_day in counts.values() for n in per_day.values()] or [0])
    scale = (ROW - 12) / top if top else 0
    width = LABEL + len(days) * (BAR + GAP)
    rows = []
    for r, (site, per_day) in enumerate(sorted(counts.items())):
        base = TOP + (r + 1) * ROW - 6
        bars = []
        for i, day in enumerate(days):
            n = per_day.get(day.isoformat(), 0)
            h = max(1.0, n * scale) if n else 0.0
            bars.append({"x": LABEL + i * (BAR + GAP), "y": round(base - h, 1), "h": round(h, 1), "n": n,
                         "day": day.isoformat(), "empty": n == 0})
        name = SITES[site].name if site in SITES else site
        rows.append({"site": site, "name": name, "y": base, "label_y": base - 8, "bars": bars,
                     "total": sum(per_day.values()), "last_empty": all(b["empty"] for b in bars[-3:])})
    ticks = [{"x": LABEL + i * (BAR + GAP), "text": f"{d.month}/{d.day}"}
             for i, d in enumerate(days) if i % 7 == 0 or i == len(days) - 1]
    return {"width": width, "height": TOP + len(rows) * ROW + 16, "rows": rows, "ticks": ticks,
            "top": top, "bar": BAR, "tick_y": TOP + len(rows) * ROW + 12, "first": days[0], "last": days[-1]}
