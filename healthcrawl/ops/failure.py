"""A run that cannot be trusted is loud: one ERROR line, a stat, a failed run, an alert, exit 1.

Any component that meets a fault it cannot survive without losing or doubting articles calls
:func:`fail_run` (the mongo writer on a non-transient error, the Redis frontier after its retry
budget, ...). It logs one ERROR line naming the cause and sets two stats:

- ``healthcrawl/run/failed`` = 1
- ``healthcrawl/run/failure/<cause>`` = number of times the cause was reported

What follows reads those stats, so every caller gets the same consequences:

- ``crawl_runs`` records the run with ``status: "failed"`` and ``failures`` (ops/recorder.py);
- the ``run_failed`` monitor fails, so the alert webhook fires (ops/monitors.py);
- ``scrapy crawl`` (healthcrawl/cli/scrapy_commands/crawl.py) and ``healthcrawl crawl`` exit with status 1.

Closing the spider is the caller's choice (a writer that still spools can let the crawl go on).
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

logger = logging.getLogger(__name__)

FAILED = "healthcrawl/run/failed"
CAUSE = "healthcrawl/run/failure/"


def fail_run(crawler: Any, cause: str, message: str) -> None:
    """Mark the run failed because of ``cause`` (a short slug); the first report of a cause logs
    one ERROR line ``run failed (<cause>): <message>``, later ones only count."""
    stats = crawler.stats
    first = not stats.get_value(CAUSE + cause)
    stats.inc_value(CAUSE + cause)
    stats.set_value(FAILED, 1)
    if first:
        logger.error("run failed (%s): %s", cause, message)


def run_failures(stats: Mapping[str, Any] | None) -> list[str]:
    """The causes a run was failed for (empty: not failed)."""
    if not stats:
        return []
    return sorted(k[len(CAUSE):] for k, v in stats.items() if k.startswith(CAUSE) and v)
