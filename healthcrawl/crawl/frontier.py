"""Distributed crawling: one shared frontier (request queue + dupefilter) in Redis.

With ``REDIS_URL`` set (environment or setting), the :class:`RedisFrontier` add-on (enabled in
``ADDONS``) switches the crawl to scrapy-redis::

    SCHEDULER = "healthcrawl.crawl.frontier.RedisScheduler"   # a scrapy_redis.scheduler.Scheduler
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

- **Redis going away.** A Redis error of the connection kind (refused, reset, timed out, still
  loading its data) starts an outage: one WARNING line ``Redis frontier unreachable at … holding
  new requests, retrying for up to N s``; the node stops popping, keeps the requests its
  in-flight pages find in memory (``…/held_requests``), and pings Redis with a doubling delay
  (0.5 s up to 10 s). Redis back within ``HEALTHCRAWL_REDIS_RETRY_TIMEOUT`` seconds: one line
  ``Redis frontier is back after N s``, the held requests go through the shared dupefilter into
  the queue, the crawl goes on, nothing lost. Still away after that: the run fails
  (:func:`healthcrawl.ops.failure.fail_run`, cause ``redis_unavailable``, exit 1) and the spider
  closes with that reason once its in-flight pages are done; the frontier's queue and dupefilter
  stay in Redis, and the requests held in memory are written to
  ``HEALTHCRAWL_REDIS_SPOOL_DIR`` (``<spider>-<frontier>-<node>.requests``), which the next run
  of the same frontier from the same directory puts back into the queue before it starts.
  Counters: ``healthcrawl/redis/outages``, ``…/retries``, ``…/outage_seconds``,
  ``…/held_requests``, ``…/spooled``, ``…/spool_restored``. Redis back *without* the frontier
  (restarted without persistence, flushed) fails the run too (cause ``redis_frontier_lost``): the
  node goes on with what it holds, but the queue is gone and only a new run of the window
  completes it.

- **A pop whose answer is lost.** Popping runs one Lua script that also records the popped
  request in ``…:popped:<node>``: when Redis stops between running a pop and sending its answer,
  the node puts that request back once Redis is back (``…/pop_put_back``); the next run does it
  for a node that gave up (its spool file names its last received pop) and for a node gone
  without a trace (killed): its last popped request is put back, fetched twice at worst, stored
  once.

Limits: a killed node's other in-flight requests (popped before its last pop, not finished) are
lost: they are in the dupefilter, not in the queue. scrapy-redis talks to Redis synchronously on
the reactor thread (sub-millisecond on a nearby Redis; a Redis host that drops packets instead of
refusing them blocks the reactor up to ``REDIS_PARAMS``' socket timeouts on each ping). An
``SADD`` of the dupefilter that ran in Redis but whose answer was lost drops that one request.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import socket
import time
import uuid
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from scrapy.utils.request import request_from_dict

from healthcrawl.text import redact
from healthcrawl.ops.failure import fail_run

logger = logging.getLogger(__name__)

STATS = "healthcrawl/redis"
KEY_PREFIX = "healthcrawl"
#: a worker whose last heartbeat is older than this is taken to be gone
WORKER_TIMEOUT = 60.0
HEARTBEAT_INTERVAL = 10.0
#: first and longest wait between pings while Redis is away (s); the delay doubles in between
RETRY_FIRST_DELAY = 0.5
RETRY_MAX_DELAY = 10.0
FAILURE_CAUSE = "redis_unavailable"
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

def redact_url(url: str) -> str:
    """``redis://:secret@host:6379/0`` → ``redis://***@host:6379/0`` (alias of :func:`healthcrawl.text.redact.secrets`)."""
    return redact.secrets(url)


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
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError
    from redis.retry import Retry
    from scrapy_redis.queue import PriorityQueue
    from scrapy_redis.scheduler import Scheduler as _RedisSchedulerBase

    #: Redis is away (refused, reset, timed out, still loading: BusyLoadingError is a ConnectionError)
    REDIS_AWAY: tuple[type[BaseException], ...] = (_RedisConnectionError, _RedisTimeoutError)
except ImportError:  # the add-on above reports it when REDIS_URL is set
    _RedisSchedulerBase = object
    REDIS_AWAY = ()


def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {redact_url(str(exc))[:200]}"


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
        instance.idle_close = s.getfloat("HEALTHCRAWL_REDIS_IDLE_CLOSE")
        instance.frontier_ttl = s.getint("HEALTHCRAWL_REDIS_FRONTIER_TTL")
        instance.retry_timeout = s.getfloat("HEALTHCRAWL_REDIS_RETRY_TIMEOUT")
        instance.spool_dir = s.get("HEALTHCRAWL_REDIS_SPOOL_DIR")
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
        instance._held = []           # (request, already in the dupefilter) found while away
        instance._last_popped = None  # the encoded request of the last pop whose answer arrived
        instance._df_written = False  # this node has put a fingerprint in the shared dupefilter
        instance._pop = instance.server.register_script(POP_SCRIPT)
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
                    base, redact_url(redis_url(self.crawler.settings)), pending, len(others))
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
            logger.warning("Redis heartbeat failed: %s", redact_url(str(exc)))

    # -- Redis going away --------------------------------------------------------------------------
    def _lost(self, exc: BaseException) -> None:
        """A Redis call failed for want of Redis: start (or continue) the outage."""
        if self._down_since is not None or self._gave_up:
            return
        self._down_since = time.monotonic()
        self._delay = RETRY_FIRST_DELAY
        self.stats.inc_value(f"{STATS}/outages")
        logger.warning("Redis frontier unreachable at %s (%s): holding new requests, retrying for up "
                       "to %g s", redact_url(redis_url(self.crawler.settings)), _brief(exc),
                       self.retry_timeout)
        self._schedule_probe()

    def _schedule_probe(self) -> None:
        from twisted.internet import reactor

        left = self.retry_timeout - (time.monotonic() - self._down_since)
        delay = max(0.0, min(self._delay, left))
        self._delay = min(self._delay * 2, RETRY_MAX_DELAY)
        self._probe_call = reactor.callLater(delay, self._probe)

    def _probe(self) -> None:
        self._probe_call = None
        if self._down_since is None or self._gave_up:
            return
        try:
            self.server.ping()
        except REDIS_AWAY as exc:
            self.stats.inc_value(f"{STATS}/retries")
            if time.monotonic() - self._down_since >= self.retry_timeout:
                self._give_up(exc)
            else:
                self._schedule_probe()
            return
        except Exception as exc:  # noqa: BLE001 - e.g. a Redis that now refuses our password
            self._give_up(exc)
            return
        away = time.monotonic() - self._down_since
        self._down_since = None
        self.stats.inc_value(f"{STATS}/outage_seconds", round(away, 1))
        held = len(self._held)
        try:
            if self._df_written and not self.server.exists(self.dupefilter_key):
                # the frontier existed (this node wrote it) and is gone: Redis lost its data
                fail_run(self.crawler, "redis_frontier_lost",
                         f"Redis at {redact_url(redis_url(self.crawler.settings))} came back without the "
                         f"frontier {self.queue_key.rsplit(':', 1)[0]} (restarted without persistence, "
                         f"or flushed): the requests queued there are lost; this node goes on with what it "
                         f"holds, run the window again to complete it")
            self._put_back_lost_pop(self.popped_key, self._last_popped)
        except REDIS_AWAY as exc:
            self._lost(exc)
            return
        self._flush_held()
        if self._down_since is None:
            logger.warning("Redis frontier is back after %.0f s: %d request(s) held meanwhile queued",
                           away, held)
            self._beat()

    def _hold(self, request, seen: bool) -> None:
        self._held.append((request, seen))
        self.stats.inc_value(f"{STATS}/held_requests")

    def _flush_held(self) -> None:
        """Queue the held requests (stops, keeping the rest, if Redis goes away again)."""
        while self._held and self._down_since is None:
            request, seen = self._held[0]
            try:
                if seen or request.dont_filter or not self.df.request_seen(request):
                    seen = True
                    self._held[0] = (request, True)
                    self.stats.inc_value("scheduler/enqueued/redis")
                    self.queue.push(request)
                else:
                    self.df.log(request, self.spider)
                    self.stats.inc_value(f"{STATS}/filtered_shared")
            except REDIS_AWAY as exc:
                self._lost(exc)
                return
            self._held.pop(0)

    def _give_up(self, exc: BaseException) -> None:
        self._gave_up = True
        away = time.monotonic() - self._down_since
        self.stats.inc_value(f"{STATS}/outage_seconds", round(away, 1))
        fail_run(self.crawler, FAILURE_CAUSE,
                 f"Redis frontier at {redact_url(redis_url(self.crawler.settings))} unreachable for "
                 f"{away:.0f} s (HEALTHCRAWL_REDIS_RETRY_TIMEOUT {self.retry_timeout:g} s; {_brief(exc)}): "
                 f"closing the spider; the frontier's queue stays in Redis for the next run, the "
                 f"requests found meanwhile go to {self.spool_dir}")
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self.crawler.engine.close_spider_async(reason=FAILURE_CAUSE))

    def _put_back_lost_pop(self, popped_key: str, received: bytes | None) -> bool:
        """Put back the request a node's last pop removed if its answer never reached the node."""
        popped = self.server.hgetall(popped_key)
        data = popped.get(b"data")
        self.server.delete(popped_key)
        if data is None or data == received:
            return False
        self.server.execute_command("ZADD", self.queue_key, popped.get(b"score", b"0"), data)
        self.stats.inc_value(f"{STATS}/pop_put_back")
        logger.info("put back a request popped from the frontier whose answer was lost (%s)", popped_key)
        return True

    def _put_back_pops_of_gone_nodes(self, base: str, live: set[str]) -> None:
        """A node killed outright may have lost the answer of its last pop: put that request back
        (fetched twice at worst, stored once)."""
        prefix = f"{base}:popped:"
        for key in self.server.scan_iter(match=f"{prefix}*", count=100):
            worker = (key.decode() if isinstance(key, bytes) else key)[len(prefix):]
            if worker != self.worker_id and worker not in live:
                self._put_back_lost_pop(key, None)

    # -- the spool: requests found while Redis was away, for the next run -------------------------
    def _spool_pattern(self) -> str:
        return f"{self.spider.name}-{self.frontier}-"

    def _write_spool(self) -> None:
        from pathlib import Path

        node = re.sub(r"[^A-Za-z0-9_.-]", "_", self.worker_id)
        path = Path(self.spool_dir) / f"{self._spool_pattern()}{node}.requests"
        records = [(request.to_dict(spider=self.spider), seen) for request, seen in self._held]
        spool = {"worker": self.worker_id, "last_popped": self._last_popped, "requests": records}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(spool, protocol=4))
            os.replace(tmp, path)
        except OSError as exc:
            fail_run(self.crawler, "redis_spool_failed",
                     f"could not save {len(records)} request(s) found while Redis was unreachable "
                     f"to {path}: {exc}; they are lost for the next run")
            return
        self.stats.set_value(f"{STATS}/spooled", len(records))
        if records:
            logger.warning("saved %d request(s) found while Redis was unreachable to %s: the next run "
                           "of frontier %s from this directory queues them", len(records), path, self.frontier)
        else:
            logger.info("no request found while Redis was unreachable; %s keeps this node's last pop "
                        "for the next run of frontier %s", path, self.frontier)

    def _restore_spool(self) -> None:
        from pathlib import Path

        folder = Path(self.spool_dir)
        if not folder.is_dir():
            return
        for found in sorted(folder.glob(f"{self._spool_pattern()}*.requests")):
            # claimed by a rename: of two nodes starting together from this directory, one takes it
            path = found.with_name(f"{found.name}.{os.getpid()}.claimed")
            try:
                os.rename(found, path)
            except FileNotFoundError:
                continue
            try:
                spool = pickle.loads(path.read_bytes())
                records = spool["requests"]
            except Exception as exc:  # noqa: BLE001 - a torn file is reported, not fatal
                logger.error("could not read the Redis spool %s (%s): kept for inspection", path, exc)
                continue
            queued = 0
            try:
                # that node is gone: its last pop goes back if its answer was lost, it is no worker
                self._put_back_lost_pop(f"{self.queue_key.rsplit(':', 1)[0]}:popped:{spool['worker']}",
                                        spool["last_popped"])
                self.server.zrem(self.workers_key, spool["worker"])
                for data, seen in records:
                    request = request_from_dict(data, spider=self.spider)
                    if seen or request.dont_filter or not self.df.request_seen(request):
                        self.queue.push(request)
                        queued += 1
            except BaseException:
                os.rename(path, found)  # the next run tries again (a request queued twice is
                raise                   # fetched twice at worst, stored once)
            path.unlink()
            self.stats.inc_value(f"{STATS}/spool_restored", queued)
            logger.info("queued %d of %d request(s) saved in %s when Redis was unreachable",
                        queued, len(records), found)

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

    # -- queue (scrapy-redis's, without the stats' deprecated spider argument) ---------------------
    def enqueue_request(self, request):
        if self._down_since is not None or self._gave_up:
            self._hold(request, False)
            return True
        seen = False
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                self.stats.inc_value(f"{STATS}/filtered_shared")
                return False
            self._df_written = self._df_written or not request.dont_filter
            seen = True  # in the dupefilter now: pushed without filtering if the push fails
            self.stats.inc_value("scheduler/enqueued/redis")
            self.queue.push(request)
        except REDIS_AWAY as exc:
            self._lost(exc)
            self._hold(request, seen)
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
            if isinstance(self.queue, PriorityQueue):
                data = self._pop(keys=[self.queue_key, self.popped_key], args=[self.frontier_ttl])
                request = None
                if data is not None:
                    self._last_popped = data
                    request = self.queue._decode_request(data)
            else:
                request = self.queue.pop(0)
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
            logger.warning("could not deregister from the Redis frontier: %s", redact_url(str(exc)))
