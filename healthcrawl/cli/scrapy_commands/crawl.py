"""``scrapy crawl`` that checks storage first and exits non-zero when the run failed.

- Before the crawler starts, a crawl that stores articles checks its storage
  (:func:`healthcrawl.storage.client.preflight`: the database answers, accepts writes with the configured
  write concern, the spool folder is usable); if not, one ERROR line and exit 1, nothing fetched.
- Scrapy's own command exits 1 only when the crawler could not be built; a run that started and
  then lost its database or its Redis frontier would exit 0. This command exits 1 when the
  crawler's stats say the run failed (healthcrawl/ops/failure.py), so a scrapyd job, a cron line or a
  shell script sees the failure.
"""

from __future__ import annotations

import logging
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from healthcrawl.storage.client import mongo_pipeline_enabled, preflight
from healthcrawl.storage.errors import StorageError
from healthcrawl.arguments import spider_arguments_error
from healthcrawl.ops.failure import run_failures

logger = logging.getLogger("healthcrawl.storage")


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("run one spider: scrapy crawl <spider>")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        refused = spider_arguments_error(crawler.spidercls, opts.spargs)  # one line, exit 2, nothing started
        if refused:
            print(f"scrapy crawl: {refused}", file=sys.stderr)
            self.exitcode = 2
            return
        if mongo_pipeline_enabled(crawler.settings):
            try:
                preflight(crawler.settings)
            except StorageError as exc:
                logger.error("storage unavailable, stopping the crawl: %s", exc)
                self.exitcode = 1
                return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        causes = run_failures(crawler.stats.get_stats() if crawler.stats else None)
        if self.crawler_process.bootstrap_failed or causes:
            if causes:
                print(f"healthcrawl: the run failed ({', '.join(causes)}): see the ERROR lines above",
                      file=sys.stderr)
            self.exitcode = 1
