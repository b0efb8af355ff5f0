"""JobMonitor: close-of-job checks over the run document, and a webhook alert when one fails
(README "Close-of-job monitors and alerts" lists the checks and the alert settings).

The checks are pure functions over the ``crawl_runs`` document the recorder builds at close
(:func:`evaluate`, given the spider's earlier runs for ``template_drift``); the action — the
WeCom/DingTalk webhook — is kept apart (:func:`alert_body`, :func:`send_webhook`), as spidermon
does. Results go into the same ``crawl_runs`` entry (``monitors``, ``alert``); a failing webhook
never fails the crawl.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any

from scrapy.exceptions import NotConfigured

from healthcrawl.ops import history, recorder
from healthcrawl.text import redact
from healthcrawl.ops.failure import fail_run

logger = logging.getLogger(__name__)

STATS = "healthcrawl/monitor"
FORMATS = ("text", "wecom-markdown", "dingtalk-markdown")


@dataclass
class Thresholds:
    """The monitors' limits (``HEALTHCRAWL_MONITOR_*``; defaults in healthcrawl/settings.py)."""

    min_items: int
    min_coverage: dict[str, float]
    max_error_rate: float
    max_fallback_share: float

    @classmethod
    def from_settings(cls, settings) -> "Thresholds":
        return cls(
            min_items=settings.getint("HEALTHCRAWL_MONITOR_MIN_ITEMS"),
            min_coverage={k: float(v) for k, v in settings.getdict("HEALTHCRAWL_MONITOR_MIN_COVERAGE").items()},
            max_error_rate=settings.getfloat("HEALTHCRAWL_MONITOR_MAX_ERROR_RATE"),
            max_fallback_share=settings.getfloat("HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE"),
        )


@dataclass
class Result:
    name: str
    passed: bool
    value: Any
    threshold: Any
    message: str


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _min_items(run: dict[str, Any], t: Thresholds) -> Result:
    found = int((run.get("items") or {}).get("found", 0))
    urls = (run.get("arguments") or {}).get("urls") or []
    minimum = min(t.min_items, len(urls)) if urls else t.min_items
    redis = run.get("redis") or {}
    if "last_node" in redis and not redis["last_node"]:
        # a node of a shared Redis frontier: its share depends on the other nodes; the last
        # node to close checks the frontier's total
        return Result("min_items", True, found, minimum, f"{found} article(s) found by this node of a "
                      f"shared frontier (the last node checks the total)")
    if "last_node" in redis:
        total = int(redis.get("frontier_found", found))
        return Result("min_items", total >= minimum, total, minimum,
                      f"{total} article(s) found by all nodes of the shared frontier (minimum {minimum})")
    # an incremental crawl finds only the new articles: links to articles already stored or
    # dropped as irrelevant (skipped by healthcrawl.crawl.middlewares.known) count as found here
    known = int((run.get("spider_stats") or {}).get("skipped_known", 0))
    return Result("min_items", found + known >= minimum, found + known, minimum,
                  f"{found} article(s) found" + (f", {known} already known" if known else "")
                  + f" (minimum {minimum})")


def _storage(accounting: dict[str, int]) -> Result:
    shortfall = accounting["queued"] - accounting["stored"]
    return Result(
        "storage", shortfall <= 0, accounting["stored"], accounting["queued"],
        f"{accounting['stored']} of {accounting['queued']} item(s) queued for storage were stored"
        + (f" ({accounting['left_in_spool']} left in the spool for the next run, "
           f"{accounting['rejected']} rejected, {accounting['lost']} lost)" if shortfall > 0 else ""))


def _fallback(run: dict[str, Any], t: Thresholds, previous: list[dict[str, Any]]) -> list[Result]:
    """``fallback_share`` (above the maximum) and, with enough history, ``template_drift`` (above
    the site's usual share: :func:`history.fallback_drift`); both name the template that stopped
    matching and one page the fallback read."""
    base = history.baseline(run, previous)
    drift = history.fallback_drift(run, base)
    detail = history.describe_drift(drift)
    results = [Result("fallback_share", drift.share <= t.max_fallback_share, drift.share, t.max_fallback_share,
                      f"{run['fallback'].get('count', 0)} of {run['fallback']['total']} article(s) read by the "
                      f"generic fallback, maximum {_pct(t.max_fallback_share)}: {detail}")]
    if drift.usual is not None:
        results.append(Result("template_drift", not drift.risen, drift.share, drift.usual,
                              f"{run.get('site') or run.get('spider')}: {detail}"))
    return results


def evaluate(run: dict[str, Any], t: Thresholds, previous: list[dict[str, Any]] | None = None) -> list[Result]:
    """Every monitor's result for one run document; ``previous``: the spider's earlier runs, newest
    first (pure: no I/O)."""
    reason = run.get("finish_reason")
    results = [Result("finish_reason", reason == "finished", reason, "finished",
                      f"finish reason is {reason!r}" + ("" if reason == "finished" else " (not 'finished')")),
               _min_items(run, t)]
    coverage = run.get("coverage") or {}
    if run.get("coverage_items"):
        for field, minimum_share in t.min_coverage.items():
            share = float(coverage.get(field, 0.0))
            results.append(Result(f"coverage/{field}", share >= minimum_share, share, minimum_share,
                                  f"{field} present in {_pct(share)} of {run['coverage_items']} item(s) "
                                  f"(minimum {_pct(minimum_share)})"))
    errors = run.get("errors") or {}
    rate = float(errors.get("rate", 0.0))
    results.append(Result("error_rate", rate <= t.max_error_rate, rate, t.max_error_rate,
                          f"{errors.get('total', 0)} error(s) over {run.get('requests', 0)} request(s) "
                          f"= {rate:.1%} (maximum {t.max_error_rate:.1%})"))
    failures = run.get("failures") or []
    results.append(Result("run_failed", not failures, failures, [],
                          "the run failed: " + ", ".join(failures) if failures else "no failure reported"))
    if run.get("storage"):
        results.append(_storage(run["storage"]))
    if (run.get("fallback") or {}).get("total"):
        results += _fallback(run, t, previous or [])
    return results


# --- the alert ---------------------------------------------------------------------------------
def alert_body(title: str, lines: list[str], fmt: str = "text") -> dict[str, Any]:
    """A WeCom/DingTalk robot message: text, or either service's markdown variant."""
    if fmt == "wecom-markdown":
        return {"msgtype": "markdown",
                "markdown": {"content": f"**{title}**\n" + "\n".join(f"> {line}" for line in lines)}}
    if fmt == "dingtalk-markdown":
        return {"msgtype": "markdown",
                "markdown": {"title": title, "text": f"#### {title}\n\n" + "\n\n".join(f"- {line}" for line in lines)}}
    return {"msgtype": "text", "text": {"content": title + "\n" + "\n".join(lines)}}


def signed_url(url: str, secret: str | None, now_ms: int | None = None) -> str:
    """DingTalk "加签": append ``timestamp`` and ``sign`` (HMAC-SHA256 of ``timestamp\\nsecret``)."""
    if not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def send_webhook(url: str, body: dict[str, Any], timeout: float = 10.0, secret: str | None = None) -> str | None:
    """POST the body; None on success, else a short error (never raises). Blocking: call it in
    a thread from the reactor. The error never holds the URL's key: the URL in it is written as
    :func:`redact.webhook` shows it, and any other secret is hidden (:func:`redact.secrets`) —
    a URL without a scheme (``qyapi.weixin.qq.com/…?key=…``) is refused by urllib with the
    whole URL in its message."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    target = url
    try:
        target = signed_url(url, secret)
        request = urllib.request.Request(target, data=data, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = response.read(65536)
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except Exception as exc:  # noqa: BLE001 - network errors and refused URLs of every kind
        reason = str(getattr(exc, "reason", exc))
        for shown in (target, url):  # the signed URL first: it starts with the URL
            reason = reason.replace(shown, redact.webhook(url))
        return redact.secrets(f"{type(exc).__name__}: {reason}")[:200]
    try:
        parsed = json.loads(answer or b"{}")
    except ValueError:
        return None  # a receiver that does not answer JSON took it (2xx)
    if isinstance(parsed, dict) and parsed.get("errcode") not in (None, 0):
        return redact.secrets(f"errcode {parsed.get('errcode')}: {str(parsed.get('errmsg'))[:100]}")
    return None


def alert(settings, title: str, lines: list[str]) -> dict[str, Any]:
    """Send an alert with the project's webhook settings; the outcome, for the record."""
    url = settings.get("HEALTHCRAWL_ALERT_WEBHOOK")
    if not url:
        logger.warning("%s (no HEALTHCRAWL_ALERT_WEBHOOK set)\n  %s", title, "\n  ".join(lines))
        return {"sent": False, "error": "no webhook configured"}
    fmt = settings.get("HEALTHCRAWL_ALERT_FORMAT")
    if fmt not in FORMATS:
        fmt = "text"
    error = send_webhook(url, alert_body(title, lines, fmt),
                         settings.getfloat("HEALTHCRAWL_ALERT_TIMEOUT"),
                         settings.get("HEALTHCRAWL_ALERT_SECRET"))
    if error:
        logger.error("alert webhook %s failed (%s): %s", redact.webhook(url), error, title)
        return {"sent": False, "error": error, "webhook": redact.webhook(url)}
    logger.warning("alert sent to %s: %s", redact.webhook(url), title)
    return {"sent": True, "error": None, "webhook": redact.webhook(url)}


def describe(run: dict[str, Any], failed: list[Result]) -> tuple[str, list[str]]:
    args = run.get("arguments") or {}
    items = run.get("items") or {}
    title = (f"healthcrawl: {run.get('spider')} job {run.get('job_id')} on {run.get('host')}: "
             f"{len(failed)} check(s) failed")
    lines = [f"{r.name}: {r.message}" for r in failed]
    window = f"{args.get('since')}..{args.get('until')}" if not args.get("urls") else f"{len(args['urls'])} URL(s)"
    lines.append(f"finish {run.get('finish_reason')} · found {items.get('found', 0)} · stored "
                 f"{items.get('stored', 0)} · pages {run.get('pages', 0)} · errors "
                 f"{(run.get('errors') or {}).get('total', 0)} · window {window}")
    return title, lines


class JobMonitor:
    def __init__(self, crawler):
        self.crawler = crawler
        self.thresholds = Thresholds.from_settings(crawler.settings)
        crawler.signals.connect(self.run_closed, signal=recorder.run_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("HEALTHCRAWL_MONITOR_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    async def run_closed(self, run: dict[str, Any], crawler=None, previous: list[dict[str, Any]] | None = None) -> None:
        results = evaluate(run, self.thresholds, previous)
        failed = [r for r in results if not r.passed]
        run["monitors"] = {"ok": not failed, "failed": [r.name for r in failed],
                           "results": [asdict(r) for r in results]}
        stats = self.crawler.stats
        stats.set_value(f"{STATS}/failed", len(failed))
        for r in failed:
            stats.inc_value(f"{STATS}/failed/{r.name}")
            if r.name == "storage":  # items not stored: the run failed, whatever else went well
                fail_run(self.crawler, "storage_shortfall", r.message)
        if not failed:
            logger.info("monitors: all %d check(s) passed", len(results))
            return
        title, lines = describe(run, failed)
        try:
            run["alert"] = await asyncio.to_thread(alert, self.crawler.settings, title, lines)
        except Exception as exc:  # noqa: BLE001 - never let an alert break the close
            logger.error("alert failed: %s", exc)
            run["alert"] = {"sent": False, "error": str(exc)[:200]}
