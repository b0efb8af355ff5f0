"""A JOBDIR that survives SIGKILL: Scrapy's scheduler plus a "still running" marker.

Scrapy's JOBDIR is only resumable after a clean close. Its dupefilter (``RFPDupeFilter``) appends
a request's fingerprint to ``JOBDIR/requests.seen`` when the request is *enqueued*, but the disk
queue's state (``requests.queue/active.json`` and queuelib's per-queue ``info.json``) is written
only by ``Scheduler.close()``. A crawl killed before that (SIGKILL, or SIGTERM and then SIGKILL
before the graceful shutdown finished) leaves every list page "seen" and no (or a stale) queue,
so resuming it with the same JOBDIR schedules nothing and the remaining articles are lost.

:class:`JobdirScheduler` writes ``JOBDIR/healthcrawl.running`` when it opens and removes it only
after Scrapy's own ``close()`` has written the queue state and closed the dupefilter. A marker
found at open therefore means the previous run with this JOBDIR did not close cleanly: the
scheduler logs one WARNING, counts ``healthcrawl/spider/jobdir/unclean_resume`` (kept in
``crawl_runs`` as ``spider_stats["jobdir/unclean_resume"]``), discards the queue directory and
the seen fingerprints, and the crawl starts over on its window. That is cheap: articles already
stored are not fetched again (:mod:`healthcrawl.crawl.middlewares.known`), only list pages and the
articles that are not stored yet. After a clean close (finished, or the first SIGTERM's graceful
shutdown) there is no marker and Scrapy resumes from its queue as usual. Without JOBDIR this is
Scrapy's scheduler, unchanged.

:class:`JobdirSchedulerAddon` (in ``ADDONS``) selects the scheduler when ``JOBDIR`` is set, at
add-on priority: an explicit ``SCHEDULER`` setting wins, and so does the Redis frontier add-on
(:mod:`healthcrawl.crawl.frontier`), which runs after it. (A ``SCHEDULER`` line in settings.py would
be at project priority and override that add-on.)
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
from datetime import datetime, timezone
from pathlib import Path

from scrapy.core.scheduler import Scheduler

logger = logging.getLogger(__name__)

MARKER = "healthcrawl.running"
#: crawl_runs keeps ``healthcrawl/spider/*`` counters (``spider_stats``), hence the prefix
UNCLEAN_RESUME_STAT = "healthcrawl/spider/jobdir/unclean_resume"
SCHEDULER_PATH = "healthcrawl.crawl.jobdir.JobdirScheduler"


class JobdirScheduler(Scheduler):
    """Scrapy's scheduler; with JOBDIR, a crawl that was not closed cleanly restarts its window."""

    def __init__(self, dupefilter, jobdir: str | None = None, **kwargs):
        super().__init__(dupefilter, jobdir, **kwargs)
        self.marker: Path | None = Path(jobdir, MARKER) if jobdir else None

    def open(self, spider):
        if self.marker is not None:
            if self.marker.exists():
                self._discard_state()
            self.marker.write_text(f"pid {os.getpid()} on {socket.gethostname()} since "
                                   f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}\n",
                                   encoding="utf-8")
        return super().open(spider)

    def _discard_state(self) -> None:
        logger.warning("JOBDIR %s was not closed cleanly (its crawl was killed or crashed): "
                       "its request queue is lost, so the whole window is crawled again; "
                       "articles already stored or dropped as irrelevant are skipped", self.marker.parent)
        if self.stats is not None:
            self.stats.inc_value(UNCLEAN_RESUME_STAT)
        # the disk queue is opened by super().open(), after this: start it empty
        assert self.dqdir is not None
        shutil.rmtree(self.dqdir, ignore_errors=True)
        Path(self.dqdir).mkdir(parents=True, exist_ok=True)
        # RFPDupeFilter read requests.seen when it was built and appends to it ("a+b")
        fingerprints = getattr(self.df, "_fingerprints", None)
        if isinstance(fingerprints, set):
            fingerprints.clear()
        seen = getattr(self.df, "file", None)
        if seen is not None:
            seen.seek(0)
            seen.truncate()
            seen.flush()

    def close(self, reason):
        result = super().close(reason)  # writes the queue state, closes the dupefilter
        if self.marker is None:
            return result
        if result is None:
            self.marker.unlink(missing_ok=True)
            return None

        def remove_marker(value):
            self.marker.unlink(missing_ok=True)
            return value

        return result.addCallback(remove_marker)


class JobdirSchedulerAddon:
    """Add-on: ``SCHEDULER = JobdirScheduler`` when ``JOBDIR`` is set (at add-on priority)."""

    def update_settings(self, settings) -> None:
        if settings.get("JOBDIR"):
            settings.set("SCHEDULER", SCHEDULER_PATH, priority="addon")
