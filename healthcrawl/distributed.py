"""Distributed crawling: one shared frontier (request queue + dupefilter) in Redis.

With ``REDIS_URL`` set (environment or setting), the :class:`RedisFrontier` add-on (enabled in
``ADDONS``) switches the crawl to scrapy-redis::

    SCHEDULER = "healthcrawl.distributed.RedisScheduler"   # a scrapy_redis.scheduler.Scheduler
    DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"
    SCHEDULER_PERSIST = True          # one node closing must not flush the others' queue
    SCHEDULER_IDLE_BEFORE_CLOSE = 0   # a blocking pop would block the reactor (see below)

so several crawler processes or scrapyd nodes running the same spider with the same arguments
share one frontier: every request is fetched once, whichever node pops it. Without
``REDIS_URL`` nothing changes (Scrapy's own in-memory scheduler).

What this module adds to scrapy-redis, and why:

- **Frontier keys per crawl.** scrapy-redis keys are per spider (``gmw:requests``); with
  ``SCHEDULER_PERSIST`` the dupefilter would then remember yesterday's list pages forever. Keys
  here are ``healthcrawl:<spider>:<frontier>:{requests,dupefilter,workers}``; the frontier is
  ``HEALTHCRAWL_REDIS_FRONTIER`` if set, else derived from the spider's arguments (window
  ``since``..``until`` as dates, ``urls``, ``channels``): nodes started with the same arguments
  on the same day share a frontier, another window is another crawl.
- **Idle close.** Our spiders are plain ``scrapy.Spider`` subclasses (not ``RedisSpider``, which
  waits for new start URLs forever). With a plain spider scrapy-redis's scheduler reports "no
  pending requests" as soon as the shared queue is empty, so a node would close while another
  node's in-flight responses are about to add requests; ``SCHEDULER_IDLE_BEFORE_CLOSE`` does not
  help: it is only the timeout of a *blocking* pop (FIFO/LIFO queues: it blocks the reactor for
  that long on every empty poll) and the default priority queue ignores it. So the scheduler
  answers ``spider_idle`` with ``DontCloseSpider`` until the shared queue has stayed empty for
  ``HEALTHCRAWL_REDIS_IDLE_CLOSE`` seconds (checked on Scrapy's 5 s engine heartbeat), then lets
  the spider close normally ("finished").
- **Start pages.** Every node runs ``start()`` and enqueues the same list pages; the shared
  dupefilter drops the second copy, so they are fetched once.
- **Cleanup.** Each node registers in ``…:workers`` (a sorted set of heartbeats). The last node
  to close after a finished crawl deletes the frontier; otherwise (a node cancelled or killed) the
  keys stay, so restarting with the same frontier resumes, and expire after
  ``HEALTHCRAWL_REDIS_FRONTIER_TTL`` seconds without a heartbeat. A node started after all
  others have finished starts a new crawl of the window.

Limits: requests a node had popped but not finished when it was killed are lost (they are in the
dupefilter, not in the queue); scrapy-redis talks to Redis synchronously on the reactor thread
(sub-millisecond on a nearby Redis).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import time
import uuid
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object

logger = logging.getLogger(__name__)

STATS = "healthcrawl/redis"
KEY_PREFIX = "healthcrawl"
#: a worker whose last heartbeat is older than this is taken to be gone
WORKER_TIMEOUT = 60.0
HEARTBEAT_INTERVAL = 10.0

_URL_CREDENTIALS = re.compile(r"(\w[\w+.-]*://)([^@/\s]*)@")


def redact_url(url: str) -> str:
    """``redis://:secret@host:6379/0`` → ``redis://***@host:6379/0`` (any scheme)."""
    return _URL_CREDENTIALS.sub(r"\1***@", str(url))


def redis_url(settings: Any) -> str | None:
    return settings.get("REDIS_URL") or os.environ.get("REDIS_URL") or None


def frontier_name(spider: Any, settings: Any) -> str:
    """The shared frontier of this crawl: ``HEALTHCRAWL_REDIS_FRONTIER`` or one derived from
    the spider's arguments, so nodes given the same arguments on the same day share it."""
    explicit = settings.get("HEALTHCRAWL_REDIS_FRONTIER")
    if explicit:
        return re.sub(r"[^A-Za-z0-9_.-]", "_", str(explicit))
    parts = []
    since, until = getattr(spider, "since", None), getattr(spider, "until", None)
    parts.append(f"{since:%Y%m%d}" if since else "open")
    parts.append(f"{until:%Y%m%d}" if until else "open")
    extra = ",".join(sorted(getattr(spider, "direct_urls", None) or [])) + "|" + \
        ",".join(sorted(getattr(spider, "selected_channels", None) or []))
    if extra != "|":
        parts.append(hashlib.sha1(extra.encode("utf-8")).hexdigest()[:10])
    return "-".join(parts)


class RedisFrontier:
    """Add-on: switches scheduler and dupefilter to Redis when ``REDIS_URL`` is set.

    Off (silently) without ``REDIS_URL``: then the crawl uses Scrapy's in-memory scheduler, the
    normal single-process mode. With ``REDIS_URL`` set but scrapy-redis missing the crawl fails
    rather than silently crawling alone.
    """

    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def update_settings(self, settings) -> None:
        url = redis_url(settings)
        if not url:
            return
        try:
            import scrapy_redis  # noqa: F401
        except ImportError:
            raise RuntimeError("REDIS_URL is set but scrapy-redis is not installed: "
                               "pip install scrapy-redis, or unset REDIS_URL") from None
        for name, value in (("REDIS_URL", url),
                            ("SCHEDULER", "healthcrawl.distributed.RedisScheduler"),
                            ("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter"),
                            ("SCHEDULER_PERSIST", True),
                            ("SCHEDULER_IDLE_BEFORE_CLOSE", 0)):
            settings.set(name, value, priority="addon")


try:
    from scrapy_redis.scheduler import Scheduler as _RedisSchedulerBase
except ImportError:  # the add-on above reports it when REDIS_URL is set
    _RedisSchedulerBase = object


class RedisScheduler(_RedisSchedulerBase):  # type: ignore[misc,valid-type]
    """scrapy-redis's scheduler with per-crawl keys, idle close and last-one-out cleanup."""

    @classmethod
    def from_crawler(cls, crawler):
        if _RedisSchedulerBase is object:
            raise RuntimeError("the Redis scheduler needs scrapy-redis: pip install scrapy-redis")
        if not redis_url(crawler.settings):
            raise NotConfigured("RedisScheduler needs REDIS_URL")
        try:
            instance = super().from_crawler(crawler)  # connects and pings Redis
        except Exception as exc:  # noqa: BLE001 - redis errors of every kind: a readable stop
            message = (f"Redis frontier unavailable at {redact_url(redis_url(crawler.settings))}: "
                       f"{redact_url(str(exc))[:300]}")
            logger.error("%s; stopping the crawl (unset REDIS_URL to crawl without Redis)", message)
            raise RuntimeError(message) from None
        instance.crawler = crawler
        s = crawler.settings
        instance.idle_close = s.getfloat("HEALTHCRAWL_REDIS_IDLE_CLOSE", 10.0)
        instance.frontier_ttl = s.getint("HEALTHCRAWL_REDIS_FRONTIER_TTL", 2 * 86400)
        instance.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        instance._empty_since = None
        instance._heartbeat = None
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    # -- keys --------------------------------------------------------------------------------------
    def open(self, spider):
        self.spider = spider
        self.frontier = frontier_name(spider, self.crawler.settings)
        base = f"{KEY_PREFIX}:{spider.name}:{self.frontier}"
        self.queue_key = f"{base}:requests"
        self.dupefilter_key = f"{base}:dupefilter"
        self.workers_key = f"{base}:workers"
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                 key=self.queue_key, serializer=self.serializer)
        self.df = load_object(self.dupefilter_cls)(
            self.server, key=self.dupefilter_key,
            debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        self._beat()
        others = self._live_workers() - {self.worker_id}
        pending = len(self.queue)
        logger.info("shared frontier %s in Redis %s: %d request(s) queued, %d other node(s) active",
                    base, redact_url(redis_url(self.crawler.settings)), pending, len(others))
        self.stats.set_value(f"{STATS}/frontier", base)
        self.stats.set_value(f"{STATS}/nodes_at_start", len(others) + 1)
        from twisted.internet import task

        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(HEARTBEAT_INTERVAL, now=False)

    def _beat(self) -> None:
        try:
            pipe = self.server.pipeline(transaction=True)
            pipe.zadd(self.workers_key, {self.worker_id: time.time()})
            for key in (self.workers_key, self.queue_key, self.dupefilter_key):
                pipe.expire(key, self.frontier_ttl)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001 - a missed heartbeat is not worth a crash
            logger.warning("Redis heartbeat failed: %s", redact_url(str(exc)))

    def _live_workers(self) -> set[str]:
        self.server.zremrangebyscore(self.workers_key, "-inf", time.time() - WORKER_TIMEOUT)
        return {w.decode() if isinstance(w, bytes) else w for w in self.server.zrange(self.workers_key, 0, -1)}

    # -- idle close --------------------------------------------------------------------------------
    def spider_idle(self, spider) -> None:
        """Keep the spider open until the shared queue has been empty for ``idle_close`` s."""
        if len(self.queue):
            self._empty_since = None
            return  # the engine pulls on its next heartbeat
        now = time.monotonic()
        if self._empty_since is None:
            self._empty_since = now
            logger.info("shared queue empty: closing in %.0f s unless other nodes add requests",
                        self.idle_close)
        if now - self._empty_since < self.idle_close:
            self.stats.inc_value(f"{STATS}/idle_waits")
            raise DontCloseSpider("waiting for other nodes of the shared frontier")

    # -- queue (scrapy-redis's, without the stats' deprecated spider argument) ---------------------
    def enqueue_request(self, request):
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            self.stats.inc_value(f"{STATS}/filtered_shared")
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        request = self.queue.pop(0)
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
            self._empty_since = None
        return request

    # -- close -------------------------------------------------------------------------------------
    def close(self, reason):
        """Deregister; the last node out of a finished crawl removes the frontier.

        Items are all processed before the scheduler closes, so this node's article count is
        final here: it is added to the frontier's total (``…:found``), and the last node records
        that total (``healthcrawl/redis/frontier_found``, ``…/last_node``) for the monitors, whose
        minimum-items check is about the whole distributed crawl, not one node's share.
        """
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if not hasattr(self, "queue_key"):  # never opened
            return
        found_key = f"{self.queue_key.rsplit(':', 1)[0]}:found"
        try:
            pipe = self.server.pipeline(transaction=True)
            pipe.incrby(found_key, int(self.stats.get_value("healthcrawl/spider/articles", 0)))
            pipe.expire(found_key, self.frontier_ttl)
            pipe.zrem(self.workers_key, self.worker_id)
            pipe.zremrangebyscore(self.workers_key, "-inf", time.time() - WORKER_TIMEOUT)
            pipe.zcard(self.workers_key)
            total, _, _, _, remaining = pipe.execute()
            last = remaining == 0
            self.stats.set_value(f"{STATS}/last_node", int(last))
            self.stats.set_value(f"{STATS}/frontier_found", int(total))
            if last and reason == "finished" and not len(self.queue):
                self.server.delete(self.queue_key, self.dupefilter_key, self.workers_key, found_key)
                logger.info("last node of frontier %s: removed its keys", self.queue_key.rsplit(":", 1)[0])
            else:
                logger.info("frontier %s kept (%d other node(s) active, close reason %s)",
                            self.queue_key.rsplit(":", 1)[0], remaining, reason)
        except Exception as exc:  # noqa: BLE001 - the keys expire anyway
            logger.warning("could not deregister from the Redis frontier: %s", redact_url(str(exc)))
