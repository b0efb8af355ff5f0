"""Distributed crawling: one shared frontier (request queue + dupefilter) in Redis.

With ``REDIS_URL`` set, the :class:`RedisFrontier` add-on switches the crawl to scrapy-redis with
:class:`RedisScheduler`: keys per crawl (``healthcrawl:<spider>:<frontier>:…``, the frontier named
by ``HEALTHCRAWL_REDIS_FRONTIER`` or derived from the spider's arguments), a node that closes only
once the shared queue has stayed empty for ``HEALTHCRAWL_REDIS_IDLE_CLOSE`` seconds, and the last
node out of a finished crawl removing its keys. Redis going away is handled by
:class:`healthcrawl.crawl.frontier_outage.RedisOutage`. README "Distributed crawling" says how to
use it and what it does not cover.
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

from healthcrawl.crawl.frontier_outage import REDIS_AWAY, RETRY_FIRST_DELAY, STATS, RedisOutage
from healthcrawl.text import redact

logger = logging.getLogger(__name__)

KEY_PREFIX = "healthcrawl"
#: a worker whose last heartbeat is older than this is taken to be gone
WORKER_TIMEOUT = 60.0
HEARTBEAT_INTERVAL = 10.0
#: pop the best request and remember it in the node's ``…:popped:<node>`` hash, atomically: a pop
#: whose answer is lost (Redis stopped between running it and replying) can be put back
POP_SCRIPT = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], 'data', r[1], 'score', r[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return r[1]
"""
#: add a request's fingerprint to the dupefilter (ARGV[1]; none for ``dont_filter``) and the request
#: to the queue in one step: an answer lost to a broken connection leaves both done or neither, so
#: the same request enqueued again (redis-py's one retry, or the held request once Redis is back) is
#: filtered if it is queued and queued if it is not; 1 if queued, 0 if filtered
ENQUEUE_SCRIPT = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


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
                            ("SCHEDULER", "healthcrawl.crawl.frontier.RedisScheduler"),
                            ("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter"),
                            ("SCHEDULER_PERSIST", True),
                            ("SCHEDULER_IDLE_BEFORE_CLOSE", 0)):
            settings.set(name, value, priority="addon")


try:
    from redis.backoff import NoBackoff
    from redis.retry import Retry
    from scrapy_redis.queue import PriorityQueue
    from scrapy_redis.scheduler import Scheduler as _RedisSchedulerBase
except ImportError:  # the add-on above reports it when REDIS_URL is set
    _RedisSchedulerBase = object


class RedisScheduler(RedisOutage, _RedisSchedulerBase):  # type: ignore[misc,valid-type]
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
            message = (f"Redis frontier unavailable at {redact.secrets(redis_url(crawler.settings))}: "
                       f"{redact.secrets(exc)[:300]}")
            logger.error("%s; stopping the crawl (unset REDIS_URL to crawl without Redis)", message)
            raise RuntimeError(message) from None
        if not issubclass(load_object(instance.queue_cls), PriorityQueue):  # the pop and enqueue scripts
            message = (f"the Redis frontier needs SCHEDULER_QUEUE_CLASS "  # use its sorted set
                       f"scrapy_redis.queue.PriorityQueue, not {instance.queue_cls}")
            logger.error("%s; stopping the crawl", message)
            raise RuntimeError(message)
        instance.crawler = crawler
        s = crawler.settings
        instance.idle_close = s.getfloat("HEALTHCRAWL_REDIS_IDLE_CLOSE")
        instance.frontier_ttl = s.getint("HEALTHCRAWL_REDIS_FRONTIER_TTL")
        instance.retry_timeout = s.getfloat("HEALTHCRAWL_REDIS_RETRY_TIMEOUT")
        instance.spool_dir = s.get("HEALTHCRAWL_REDIS_SPOOL_DIR")
        instance.redis_shown = redact.secrets(redis_url(s))  # the URL as logs show it
        instance.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        instance._empty_since = None
        instance._heartbeat = None
        # outage state: our own retry with backoff; redis-py's (10 tries per command, sleeping on
        # the reactor thread) is cut to one immediate reconnect, which hides a stale pooled socket
        instance.server.set_retry(Retry(NoBackoff(), 1))
        instance._down_since = None   # monotonic time Redis went away, None while it answers
        instance._delay = RETRY_FIRST_DELAY
        instance._probe_call = None
        instance._gave_up = False
        instance._held = []           # requests found while Redis was away
        instance._last_popped = None  # the encoded request of the last pop whose answer arrived
        instance._df_written = False  # this node has put a fingerprint in the shared dupefilter
        instance._pop = instance.server.register_script(POP_SCRIPT)
        instance._push = instance.server.register_script(ENQUEUE_SCRIPT)
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
        self.popped_key = f"{base}:popped:{self.worker_id}"
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                 key=self.queue_key, serializer=self.serializer)
        self.df = load_object(self.dupefilter_cls)(
            self.server, key=self.dupefilter_key,
            debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        self._beat()
        self._restore_spool()
        others = self._live_workers() - {self.worker_id}
        self._put_back_pops_of_gone_nodes(base, others)
        pending = len(self.queue)
        logger.info("shared frontier %s in Redis %s: %d request(s) queued, %d other node(s) active",
                    base, self.redis_shown, pending, len(others))
        self.stats.set_value(f"{STATS}/frontier", base)
        self.stats.set_value(f"{STATS}/nodes_at_start", len(others) + 1)
        from twisted.internet import task

        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(HEARTBEAT_INTERVAL, now=False)

    def _beat(self) -> None:
        if self._down_since is not None:
            return  # the retry pings are on it
        try:
            pipe = self.server.pipeline(transaction=True)
            pipe.zadd(self.workers_key, {self.worker_id: time.time()})
            for key in (self.workers_key, self.queue_key, self.dupefilter_key):
                pipe.expire(key, self.frontier_ttl)
            pipe.execute()
        except REDIS_AWAY as exc:
            if self._heartbeat is None:  # at open: the crawl has not started, fail it as before
                raise
            self._lost(exc)
        except Exception as exc:  # noqa: BLE001 - a missed heartbeat is not worth a crash
            logger.warning("Redis heartbeat failed: %s", redact.secrets(exc))

    def _live_workers(self) -> set[str]:
        self.server.zremrangebyscore(self.workers_key, "-inf", time.time() - WORKER_TIMEOUT)
        return {w.decode() if isinstance(w, bytes) else w for w in self.server.zrange(self.workers_key, 0, -1)}

    # -- idle close --------------------------------------------------------------------------------
    def spider_idle(self, spider) -> None:
        """Keep the spider open until the shared queue has been empty for ``idle_close`` s."""
        if self._gave_up:
            return
        if self._down_since is not None:
            raise DontCloseSpider("waiting for Redis")
        try:
            pending = len(self.queue)
        except REDIS_AWAY as exc:
            self._lost(exc)
            raise DontCloseSpider("waiting for Redis") from None
        if pending:
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

    # -- queue (scrapy-redis's, enqueued in one script, without the stats' spider argument) ---------
    def enqueue_request(self, request):
        if self._down_since is not None or self._gave_up:
            self._hold(request)
            return True
        try:
            return self._enqueue(request)
        except REDIS_AWAY as exc:
            self._lost(exc)
            self._hold(request)
        return True

    def _enqueue(self, request, seen: bool = False) -> bool:
        """Queue ``request`` unless the shared dupefilter has it (``seen``, from a spool of an
        earlier version: this node put it there before the push failed); True if queued. Raises
        what Redis raises."""
        filtered = not (seen or request.dont_filter)
        fingerprint = self.df.request_fingerprint(request) if filtered else ""
        if not self._push(keys=[self.dupefilter_key, self.queue_key],
                          args=[fingerprint, -request.priority, self.queue._encode_request(request)]):
            self.df.log(request, self.spider)
            self.stats.inc_value(f"{STATS}/filtered_shared")
            return False
        self._df_written = self._df_written or filtered
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def has_pending_requests(self) -> bool:
        if self._gave_up:
            return False
        if self._down_since is not None:
            return True  # keeps the engine (and its heartbeat) going while we wait for Redis
        try:
            return len(self.queue) > 0
        except REDIS_AWAY as exc:
            self._lost(exc)
            return True

    def next_request(self):
        if self._down_since is not None or self._gave_up:
            return None
        try:
            data = self._pop(keys=[self.queue_key, self.popped_key], args=[self.frontier_ttl])
            request = None
            if data is not None:
                self._last_popped = data
                request = self.queue._decode_request(data)
        except REDIS_AWAY as exc:
            self._lost(exc)
            return None
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
        if self._probe_call is not None and self._probe_call.active():
            self._probe_call.cancel()
        if not hasattr(self, "queue_key"):  # never opened
            return
        if self._down_since is not None or self._gave_up:
            self._write_spool()
            logger.info("frontier %s kept in Redis for the next run (close reason %s)",
                        self.queue_key.rsplit(":", 1)[0], reason)
            return
        found_key = f"{self.queue_key.rsplit(':', 1)[0]}:found"
        try:
            pipe = self.server.pipeline(transaction=True)
            pipe.incrby(found_key, int(self.stats.get_value("healthcrawl/spider/articles", 0)))
            pipe.expire(found_key, self.frontier_ttl)
            pipe.zrem(self.workers_key, self.worker_id)
            pipe.delete(self.popped_key)
            pipe.zremrangebyscore(self.workers_key, "-inf", time.time() - WORKER_TIMEOUT)
            pipe.zcard(self.workers_key)
            total, _, _, _, _, remaining = pipe.execute()
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
            logger.warning("could not deregister from the Redis frontier: %s", redact.secrets(exc))
