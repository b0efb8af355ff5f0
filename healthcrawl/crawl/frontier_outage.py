"""Redis going away under a shared frontier: the node holds the requests it finds, pings Redis
with a doubling delay, queues them when Redis is back, or fails the run after
``HEALTHCRAWL_REDIS_RETRY_TIMEOUT`` and saves them to ``HEALTHCRAWL_REDIS_SPOOL_DIR`` for the next run;
a pop whose answer was lost is put back (an enqueue is one script: done or not, never half). A part of :class:`healthcrawl.crawl.frontier.RedisScheduler`
(README "Services that go away")."""

from __future__ import annotations

import logging
import os
import pickle
import re
import time
from pathlib import Path

from scrapy.utils.request import request_from_dict

from healthcrawl.ops.failure import fail_run
from healthcrawl.text import redact

#: the frontier's log lines, wherever the code that writes them lives
logger = logging.getLogger("healthcrawl.crawl.frontier")

STATS = "healthcrawl/redis"
#: first and longest wait between pings while Redis is away (s); the delay doubles in between
RETRY_FIRST_DELAY = 0.5
RETRY_MAX_DELAY = 10.0
FAILURE_CAUSE = "redis_unavailable"

try:
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    #: Redis is away (refused, reset, timed out, still loading: BusyLoadingError is a ConnectionError)
    REDIS_AWAY: tuple[type[BaseException], ...] = (_RedisConnectionError, _RedisTimeoutError)
except ImportError:  # the add-on reports it when REDIS_URL is set
    REDIS_AWAY = ()


def brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {redact.secrets(exc)[:200]}"


class RedisOutage:
    """Mixin of the Redis scheduler: outages, lost pops, the requests spool."""

    # -- Redis going away --------------------------------------------------------------------------
    def _lost(self, exc: BaseException) -> None:
        """A Redis call failed for want of Redis: start (or continue) the outage."""
        if self._down_since is not None or self._gave_up:
            return
        self._down_since = time.monotonic()
        self._delay = RETRY_FIRST_DELAY
        self.stats.inc_value(f"{STATS}/outages")
        logger.warning("Redis frontier unreachable at %s (%s): holding new requests, retrying for up "
                       "to %g s", self.redis_shown, brief(exc),
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
                         f"Redis at {self.redis_shown} came back without the "
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

    def _hold(self, request) -> None:
        self._held.append(request)
        self.stats.inc_value(f"{STATS}/held_requests")

    def _flush_held(self) -> None:
        """Queue the held requests (stops, keeping the rest, if Redis goes away again)."""
        while self._held and self._down_since is None:
            try:
                self._enqueue(self._held[0])
            except REDIS_AWAY as exc:
                self._lost(exc)
                return
            self._held.pop(0)

    def _give_up(self, exc: BaseException) -> None:
        self._gave_up = True
        away = time.monotonic() - self._down_since
        self.stats.inc_value(f"{STATS}/outage_seconds", round(away, 1))
        fail_run(self.crawler, FAILURE_CAUSE,
                 f"Redis frontier at {self.redis_shown} unreachable for "
                 f"{away:.0f} s (HEALTHCRAWL_REDIS_RETRY_TIMEOUT {self.retry_timeout:g} s; {brief(exc)}): "
                 f"closing the spider; the frontier's queue stays in Redis for the next run, the "
                 f"requests found meanwhile go to {self.spool_dir}")
        from scrapy.utils.defer import deferred_from_coro  # noqa: PLC0415

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
        node = re.sub(r"[^A-Za-z0-9_.-]", "_", self.worker_id)
        path = Path(self.spool_dir) / f"{self._spool_pattern()}{node}.requests"
        # (request, seen) as earlier versions wrote it; enqueued in one script, no request is half-seen
        records = [(request.to_dict(spider=self.spider), False) for request in self._held]
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
                    queued += self._enqueue(request_from_dict(data, spider=self.spider), seen)
            except BaseException:
                os.rename(path, found)  # the next run tries again (a request queued twice is
                raise                   # fetched twice at worst, stored once)
            path.unlink()
            self.stats.inc_value(f"{STATS}/spool_restored", queued)
            logger.info("queued %d of %d request(s) saved in %s when Redis was unreachable",
                        queued, len(records), found)
