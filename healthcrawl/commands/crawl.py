"""``scrapy crawl`` that exits non-zero when the run failed (healthcrawl/failure.py).

Scrapy's own command exits 1 only when the crawler could not be built; a run that started and
then lost its database or its Redis frontier would exit 0. This command runs the spider the same
way and then exits 1 when the crawler's stats say the run failed, so a scrapyd job, a cron line or
a shell script sees the failure.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from healthcrawl.failure import run_failures


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("run one spider: scrapy crawl <spider>")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        causes = run_failures(crawler.stats.get_stats() if crawler.stats else None)
        if self.crawler_process.bootstrap_failed or causes:
            if causes:
                print(f"healthcrawl: the run failed ({', '.join(causes)}): see the ERROR lines above",
                      file=sys.stderr)
            self.exitcode = 1
