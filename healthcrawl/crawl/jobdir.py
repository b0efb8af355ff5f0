"""A JOBDIR that survives SIGKILL: Scrapy's scheduler plus a ``JOBDIR/healthcrawl.running``
marker, written at open and removed only after Scrapy's own clean close. A marker found at open
means the last run was killed (its queue state was never written): the queue and the seen
fingerprints are discarded and the window starts over (stored articles are skipped as known).
:class:`JobdirSchedulerAddon` selects it when ``JOBDIR`` is set. README "Operations" has the
details."""

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
