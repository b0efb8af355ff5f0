"""Figure 5 — dedup and the known-URL skip with 1,000,000 stored articles.

The story decisions are taken in MongoDB (healthcrawl/storage/stories.py): nothing is read at start-up
and nothing is held in memory, so a crawler's start-up, memory and per-item dedup cost should not
grow with history. This script measures that, each figure as a ratio to the same run with 1,000
stored articles (same mongod, same probes, same crawl):

**The stored history** (generated, written directly in the current format with unordered bulk
inserts), one article every 7 days ÷ ``BENCH_DEDUP_PER_WEEK`` (6,000: every article of the four
sites kept) back from 2026-12-01, so 1,000,000 articles are 3.2 years: ``articles`` (story
documents: ``story``, ``rank``, ``copies``, ``also_at``; 2 % of them with a reprint copy in
``also_at``), ``dedup_copies`` (a settled fingerprint per copy), ``dedup_claims`` as the claims'
horizon leaves them (``HEALTHCRAWL_DEDUP_HORIZON_DAYS``): every article's content key
``{_id: key, o: owner}``, and the 42 LSH band keys ``{_id, o, x: expiry}`` of the articles claimed
within the horizon — those of older articles the TTL monitor has deleted (in the clustered
collection ``collections.ensure_story_collections`` creates, with its TTL index) — and ``dropped``
(15 % as many URLs dropped as not relevant, current lexicon version), plus the ``stories``
marker in ``healthcrawl_meta`` so no migration scan runs; then the project's indexes
(``storage.collections.ensure_indexes``, and the known-URL skip's ``also_at_canonical_url``). The first 1,000
articles are real: synthetic bodies from the corpus vocabulary, fingerprinted by the real
``Fingerprinter``, real claims — the 1,000-article baseline database is exactly these. The
others have a body and a minhash from a small pool and random 64-bit claim keys (only the
keys' presence and count matter for the claim index; an LSH key of a new copy meets one of them
with probability ~1e-10), no search tokens (their text-index entries are left out).

**Dedup cost per item**: ``Stories.resolve_many`` — what the mongo pipeline's writer runs for
each batch before writing. The goal's figure is the writer's own, in the crawl below (per batch ÷
items); beside it, timed alone in this process on probe documents: 40 % new
stories, 30 % edited reprints of a stored real article, 20 % exact copies at another URL, 10 %
the stored URL itself. Batch size 1 (each call timed: p50/p95/p99 per item) and batches of 100
(time per batch ÷ 100; three times the probes, so that its p95 is over 30 batches): batches of
100 first as the database comes (cold cache: just loaded, or mongod just started), then a pass
over the dedup collections (:func:`warm_cache`: the cache of a server that has been deciding
copies for a while), then batch size 1 and batches of 100 again (warm). Every decision is
checked (reprint and copy → the stored story).
Printed beside it: ``explain()`` of every query of stories.py and of the known-URL lookup at the
large size (the plan's stages, keys and documents examined).

**Start-up and memory** (a crawler, ``healthcrawl crawl``'s code path, bench/crawl_worker.py with
``--instrument``): the four spiders replay a small generated corpus (2,000 articles, not stored
yet) into the database: seconds from the process's start to its first article stored
(acknowledged by mongod; a run's first batch is written as soon as it has an item — the steps on
the way are printed beside it), the process's peak RSS, and the writer's own ``resolve_many``:
each item costs its batch's time ÷ its batch's items, p95 over the items. That p95 is the time of
a crawl's slowest one or two batches (about 27 batches for 1,700 items), so the crawl is made
``--trials`` times (``BENCH_DEDUP_TRIALS``, 3), each trial over a corpus of its own (other texts,
other URLs: it stores 1,700 new articles into the same database, so the baseline's later trials
run at 2,700 and 4,400 stored): the figure is the median trial's p95 (all are printed), the
start-up the trials' median, the peak RSS their largest. Then the **known-URL skip**:
the last trial's crawl again, every article link known (stored, or in ``dropped``): seconds from the
process's start to its first known-URL lookup answered, peak RSS, lookup time per list page.

mongod: ``MongodServer`` with the embedded server's cache (``HEALTHCRAWL_MONGO_CACHE_GB``: MongoDB's
own default, half of (RAM − 1 GB), since 2026-12-03; ``BENCH_MONGO_CACHE_GB`` to try another), printed
with the figures.

Goals at 1,000,000: start-up ≤ 5 s, peak RSS ≤ 400 MB, dedup p95 ≤ 2 ms per item; the known-URL
skip's start-up and memory within the same bounds.

    python bench/dedup_scale.py [--size 1000000] [--workdir DIR] [--probes 1000] [--crawl-articles 2000]

``--size 20000`` is a quick run (about two minutes). With ``--workdir`` a second run reuses the
loaded databases and the crawl reports of the first (the probes are new in every run). At
1,000,000 the whole script takes about 9 minutes on 2 cores, 7 of them writing the history, and
5.5 GB under the work folder (``df -h /tmp``). bench/run.py runs it with
``BENCH_DEDUP_SIZE`` (default 1,000,000).
"""

from __future__ import annotations

import base64
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import Context, log, percentile, verdict  # noqa: E402

SIZE = int(os.environ.get("BENCH_DEDUP_SIZE", "1000000"))
BASE = 1000  # the baseline's stored articles, and the real (fingerprinted) ones at every size
PROBES = 1000
CRAWL_ARTICLES = 2000
#: crawls per size, each of its own corpus (the writer's p95 over one crawl is that of its slowest
#: one or two batches: the median of the trials is the figure)
TRIALS = int(os.environ.get("BENCH_DEDUP_TRIALS", "3"))
GOAL_STARTUP_S = 5.0
GOAL_RSS_MB = 400.0
GOAL_P95_MS = 2.0
BATCH = 100
BATCH_ROUNDS = 3  # the batches of 100 get 3 x the probes
CHUNK = 20_000  # articles per insert_many
BANDS = 42  # LSH band keys per article (healthcrawl.text.fingerprint defaults), beside its content key
#: the history's pace: stored copies per week, as if every article of the four sites were kept
#: (issue 14: about 6,000 a week); 1,000,000 articles are then 3.2 years of history
PER_WEEK = int(os.environ.get("BENCH_DEDUP_PER_WEEK", "6000"))
REPRINT_SHARE = 0.02
DROPPED_SHARE = 0.15
POOL = 200  # bodies and minhashes shared by the generated (not fingerprinted) articles
SITES = (("gmw", "光明网", "https://health.gmw.cn/{y}-{m:02d}/{d:02d}/content_{n}.htm"),
         ("chinanews", "中国新闻网", "https://www.chinanews.com.cn/jk/{y}/{m:02d}-{d:02d}/{n}.shtml"),
         ("ce", "中国经济网", "https://www.ce.cn/xwzx/gnsz/gdxw/{y}{m:02d}/{d:02d}/t{y}{m:02d}{d:02d}_{n}.shtml"),
         ("cnii", "中国信息产业网", "https://www.cnii.com.cn/yw/{y}{m:02d}/t{y}{m:02d}{d:02d}_{n}.html"))
#: the newest stored article's time: article i is i steps of the pace older (article 0 the newest)
NEWEST = datetime(2026, 12, 1, tzinfo=timezone.utc)
EPOCH = NEWEST - timedelta(days=3 * 365)


# -- the stored history ----------------------------------------------------------------------------
def site_of(i: int) -> tuple[str, str, str]:
    return SITES[i % len(SITES)]


def published_of(i: int) -> datetime:
    return NEWEST - timedelta(seconds=i * 7 * 86400 / PER_WEEK)


def claimed_until(i: int) -> datetime | None:
    """When article i's band claims expire (taken 5 minutes after publication, kept
    HEALTHCRAWL_DEDUP_HORIZON_DAYS); None: kept for ever (horizon 0)."""
    from healthcrawl import settings  # noqa: PLC0415

    days = settings.HEALTHCRAWL_DEDUP_HORIZON_DAYS
    return published_of(i) + timedelta(minutes=5, days=days) if days > 0 else None


def url_of(i: int) -> str:
    day = published_of(i)
    return site_of(i)[2].format(y=day.year, m=day.month, d=day.day, n=30_000_000 + i)


def reprint_url_of(i: int) -> str:
    return f"https://www.chinanews.com.cn/jk/2025/reprint/{60_000_000 + i}.shtml"


def dropped_url_of(i: int) -> str:
    return f"https://www.ce.cn/xwzx/gnsz/gdxw/irrelevant/t_{70_000_000 + i}.shtml"


def body_of(i: int) -> str:
    from bench import corpus  # noqa: PLC0415

    rng = random.Random(i * 7919 + 13)
    return "\n".join(corpus.paragraphs(rng, rng.random() > 0.15))


def story_document(i: int, body: str, content_hash: str | None, dedup: dict, search: bool) -> dict[str, Any]:
    """Article ``i`` as the writer stores it (healthcrawl.storage.stories.story_operation's result)."""
    from healthcrawl.storage import stories  # noqa: PLC0415
    from healthcrawl.article import SCHEMA_VERSION  # noqa: PLC0415

    url, (site, site_name, _) = url_of(i), site_of(i)
    published = published_of(i)
    title = f"{site_name}健康频道第{i}号稿件：基层医疗服务能力持续提升"
    seen = published + timedelta(minutes=5)
    own = {"url": url, "canonical_url": url, "site": site, "site_name": site_name, "title": title,
           "published_at": published, "reason": "original", "similarity": None,
           "rank": stories.rank(published, url), "first_seen": seen, "last_seen": seen}
    copies = [own]
    if i % int(1 / REPRINT_SHARE) == 7:
        again = published + timedelta(hours=3)
        copies.append({"url": reprint_url_of(i), "canonical_url": reprint_url_of(i), "site": "chinanews",
                       "site_name": "中国新闻网", "title": title, "published_at": again, "reason": "reprint",
                       "similarity": 0.81, "rank": stories.rank(again, reprint_url_of(i)),
                       "first_seen": again, "last_seen": again})
    doc = {"url": url, "canonical_url": url, "site": site, "site_name": site_name, "channel": "健康",
           "title": title, "published_at": published, "source": site_name, "author": None, "editor": None,
           "body": body, "images": [], "keywords": ["医疗", "基层"], "top_keywords": ["医疗"],
           "relevance": {"score": 4.2, "relevant": True, "lexicon_version": "bench"},
           "content_hash": content_hash, "dedup": dedup, "crawl": {"spider": site, "job_id": "bench"},
           "schema_version": SCHEMA_VERSION, "story": url, "rank": stories.rank(published, url),
           "copies": copies, "also_at": copies[1:], "first_seen": seen, "last_seen": seen}
    if search:
        from healthcrawl.text.segment import search_tokens  # noqa: PLC0415

        doc["search_title"], doc["search_body"] = search_tokens(title), search_tokens(body)
    return doc


def copy_entries(doc: dict[str, Any], params: str) -> list[dict[str, Any]]:
    """``dedup_copies`` entries of a story document: its own copy (root) and its reprints."""
    from healthcrawl.storage import stories  # noqa: PLC0415

    url = doc["canonical_url"]
    out = [{"_id": url, "o": stories.owner_id(url), "content_hash": doc["content_hash"], "minhash": doc["dedup"]["minhash"],
            "params": params, "published_at": doc["published_at"], "state": "settled", "parent": None,
            "reason": "original", "similarity": None, "updated": doc["first_seen"]}]
    for entry in doc["also_at"]:
        out.append({"_id": entry["canonical_url"], "o": stories.owner_id(entry["canonical_url"]),
                    "content_hash": doc["content_hash"],
                    "minhash": doc["dedup"]["minhash"], "params": params, "published_at": entry["published_at"],
                    "state": "settled", "parent": url, "reason": "reprint", "similarity": entry["similarity"],
                    "updated": doc["first_seen"]})
    return out


def real_articles(fpr) -> tuple[list[dict], list[tuple[int, int, bool]]]:
    """The BASE real articles (fingerprinted) and their claims (key, article index, band key?)."""
    docs, claims = [], []
    for i in range(BASE):
        body = body_of(i)
        fp = fpr.fingerprint(body)
        docs.append(story_document(i, body, fp.content_hash, fpr.dedup_field(fp), search=True))
        content = fpr.content_key(fp.content_hash)
        claims += [(k, i, k != content) for k in set(fp.bands) | {content}]
    return docs, claims


def history() -> str:
    """The generated history's pace and claims horizon (a loaded database is reused only when equal)."""
    from healthcrawl import settings  # noqa: PLC0415

    return f"{PER_WEEK} a week to {NEWEST:%Y-%m-%d}, horizon {settings.HEALTHCRAWL_DEDUP_HORIZON_DAYS:g} days"


def in_horizon(size: int) -> int:
    """How many of the ``size`` articles (the newest: i < this) still hold their band claims now."""
    now = datetime.now(timezone.utc)
    low, high = 0, size  # claimed_until falls with i: find the first expired article
    while low < high:
        mid = (low + high) // 2
        until = claimed_until(mid)
        if until is None or until >= now:
            low = mid + 1
        else:
            high = mid
    return low


def write_claims(db, size: int, real_claims: list[tuple[int, int, bool]], rng) -> dict[str, int]:
    """The claims as the horizon leaves them: every article's content claim (``dedup_claims``),
    and the band document (``dedup_bands``: its 42 keys and expiry) of each article claimed
    within HEALTHCRAWL_DEDUP_HORIZON_DAYS (the TTL monitor has deleted the older ones); real keys
    for the real articles (a key two of them share stays the first one's, as a claim does), random
    keys for the generated ones; content claims inserted in key order (append-only inserts)."""
    import numpy as np  # noqa: PLC0415

    from healthcrawl.storage import stories  # noqa: PLC0415

    started = time.monotonic()
    recent = in_horizon(size)
    owner = [stories.owner_id(url_of(i)) for i in range(size)]  # what a claim holds: its copy's `o`
    content = {i: k for k, i, band in real_claims if not band}
    keys = np.concatenate([np.array([content[i] for i in range(min(BASE, size))], dtype=np.int64),
                           rng.integers(-2**63, 2**63 - 1, max(0, size - BASE), dtype=np.int64, endpoint=True)])
    order = np.argsort(keys)
    claims = db[stories.CLAIMS]
    for start in range(0, size, 50_000):
        claims.insert_many([{"_id": int(keys[j]), "o": owner[j]} for j in order[start:start + 50_000].tolist()],
                           ordered=False)
    taken: set[int] = set()
    real_bands: dict[int, list[int]] = {}
    for k, i, band in real_claims:
        if band and k not in taken:
            taken.add(k)
            real_bands.setdefault(i, []).append(k)
    bands, written = db[stories.BANDS], 0
    for start in range(0, recent, 20_000):
        docs = []
        for i in range(start, min(recent, start + 20_000)):
            k = sorted(real_bands.get(i, [])) if i < BASE else sorted(rng.integers(-2**63, 2**63 - 1, BANDS, dtype=np.int64,
                                                                                   endpoint=True).tolist())
            doc = {"_id": owner[i], "u": url_of(i), "k": k}
            if (until := claimed_until(i)) is not None:
                doc["x"] = until
            docs.append(doc)
            written += len(k)
        bands.insert_many(docs, ordered=False)
        log(f"dedup scale: band documents of {min(recent, start + 20_000):,} articles written ({time.monotonic() - started:.0f} s)")
    return {"claims": size, "band_claims": written, "in_horizon": recent}


def write_dropped(db, total: int) -> int:
    """``total`` URLs dropped as not relevant by the current lexicon (the known-URL skip's)."""
    from healthcrawl.project import project_settings  # noqa: PLC0415
    from healthcrawl.storage.collections import DROPPED  # noqa: PLC0415
    from healthcrawl.text.relevance import scorer_from_settings  # noqa: PLC0415

    version = scorer_from_settings(project_settings()).lexicon.version
    for start in range(0, total, 100_000):
        db[DROPPED].insert_many([{"_id": dropped_url_of(i), "url": dropped_url_of(i), "site": "ce",
                                  "reason": "irrelevant", "score": 0.4, "lexicon_version": version,
                                  "first_seen": EPOCH, "last_seen": EPOCH}
                                 for i in range(start, min(total, start + 100_000))], ordered=False)
    return total


def load(ctx: Context, database: str, size: int) -> dict[str, Any]:
    """Write ``size`` stored articles and their dedup records into ``database`` (once: kept when
    already there). Returns what was written and how long it took."""
    import numpy as np  # noqa: PLC0415
    import pymongo  # noqa: PLC0415

    from healthcrawl.storage import stories  # noqa: PLC0415
    from healthcrawl.storage import collections, legacy  # noqa: PLC0415
    from healthcrawl.storage.collections import ensure_indexes  # noqa: PLC0415
    from healthcrawl.text.fingerprint import Fingerprinter  # noqa: PLC0415

    client = pymongo.MongoClient(ctx.mongod.uri)
    db = client[database]
    done = db["bench_meta"].find_one({"_id": "loaded"})
    if done and done.get("size") == size and done.get("history") == history():
        client.close()
        return done
    client.drop_database(database)
    started = time.monotonic()
    collections.ensure_story_collections(db)  # dedup_claims: a clustered collection, created before it is filled
    fpr = Fingerprinter()
    rng = np.random.default_rng(size)
    real, real_claims = real_articles(fpr)
    pool_bodies = [body_of(10**8 + j) for j in range(POOL)]
    pool_minhash = [base64.b64encode(rng.integers(0, 2**32, 128, dtype=np.uint32).astype("<u4").tobytes()).decode()
                    for _ in range(POOL)]
    articles, copies = db["articles"], db[stories.COPIES]
    counts = {"articles": 0, "copies": 0, "claims": 0, "dropped": 0}

    def write(docs: list[dict]) -> None:
        entries = [e for d in docs for e in copy_entries(d, fpr.params)]
        articles.insert_many(docs, ordered=False)
        copies.insert_many(entries, ordered=False)
        counts["articles"] += len(docs)
        counts["copies"] += len(entries)

    write(real[:size])
    for start in range(BASE, size, CHUNK):
        end = min(size, start + CHUNK)
        hashes = rng.integers(0, 2**63, (end - start, 3), dtype=np.int64)
        write([story_document(i, pool_bodies[i % POOL], f"{h0:016x}{h1:016x}{h2 & 0xFFFFFFFF:08x}",
                              {"params": fpr.params, "minhash": pool_minhash[i % POOL]}, search=False)
               for i, (h0, h1, h2) in zip(range(start, end), hashes.tolist())])
        if (end // CHUNK) % 10 == 0:
            log(f"dedup scale: {end:,} articles written ({time.monotonic() - started:.0f} s)")
    articles_s = time.monotonic() - started

    counts.update(write_claims(db, size, real_claims, rng))
    claims_s = time.monotonic() - started - articles_s

    counts["dropped"] = write_dropped(db, int(size * DROPPED_SHARE))

    for marker in ("stories", "bands"):  # the current format: no migration, no conversion
        db[legacy.META].insert_one({"_id": marker, "done": 0, "at": datetime.now(timezone.utc)})
    index_started = time.monotonic()
    ensure_indexes(db)  # what a crawler's start-up runs: builds them here, once
    client.admin.command("fsync")  # the load's dirty pages written before anything is timed
    info = {"_id": "loaded", "size": size, "history": history(), **counts, "articles_s": round(articles_s, 1),
            "claims_s": round(claims_s, 1), "indexes_s": round(time.monotonic() - index_started, 1),
            "total_s": round(time.monotonic() - started, 1), "storage_mb": round(storage_mb(db), 1)}
    db["bench_meta"].insert_one(info)
    client.close()
    log(f"dedup scale: {database} loaded: {json.dumps(info)}")
    return info


def storage_mb(db) -> float:
    """On-disk size of the database's collections and indexes (MB)."""
    stats = db.command("dbstats")
    return (stats.get("storageSize", 0) + stats.get("indexSize", 0)) / 2**20


# -- dedup cost: Stories.resolve_many on probe documents -------------------------------------------
#: probes are new to the database in every run (a run with --workdir may reuse a loaded one)
RUN = int(time.time()) % 100_000


def probes(tag: str, offset: int, count: int) -> list[tuple[str, dict[str, Any], str | None]]:
    """(kind, document, expected story) probe documents; ``tag`` makes their URLs unique,
    ``offset`` their new stories' bodies. The same at every size of a run (the databases are
    apart), new in each run."""
    from healthcrawl.text.fingerprint import Fingerprinter  # noqa: PLC0415

    fpr = Fingerprinter()
    rng = random.Random(f"probes-{tag}")
    published = datetime(2026, 11, 10, 8, tzinfo=timezone.utc)
    out = []
    for n in range(count):
        target = rng.randrange(BASE)
        roll = rng.random()
        serial = f"{tag}{RUN}-{n:06d}"
        if roll < 0.4:
            kind, url, body, story = "original", f"https://www.ce.cn/xwzx/probe/t_{serial}.shtml", \
                body_of(10**9 + RUN * 10**6 + offset + n), None
        elif roll < 0.7:
            paras = body_of(target).split("\n")[:-1]
            paras.insert(0, f"（转载自光明网，{serial}）")  # each reprint its own text
            kind, url, body, story = "reprint", f"https://www.chinanews.com.cn/jk/probe/{serial}.shtml", \
                "\n".join(paras).replace("的", "之", 3), url_of(target)
        elif roll < 0.9:
            kind, url, body, story = "content", f"https://www.cnii.com.cn/yw/probe/t_{serial}.html", \
                body_of(target), url_of(target)
        else:
            kind, url, body, story = "known", url_of(target), body_of(target), url_of(target)
        fp = fpr.fingerprint(body)
        doc = {"canonical_url": url, "content_hash": fp.content_hash, "dedup": fpr.dedup_field(fp),
               "published_at": published + timedelta(minutes=n)}
        out.append((kind, doc, story))
    return out


def time_resolve(ctx: Context, database: str, items: list, batch: int) -> tuple[list[float], str]:
    """Per-item milliseconds of ``Stories.resolve_many`` over ``items`` in batches of ``batch``
    (batch time ÷ items), and how many decisions were right."""
    import pymongo  # noqa: PLC0415

    from healthcrawl.storage.stories import Stories  # noqa: PLC0415
    from healthcrawl.text.fingerprint import Fingerprinter  # noqa: PLC0415

    client = pymongo.MongoClient(ctx.mongod.uri, tz_aware=True)
    resolver = Stories(client[database], Fingerprinter())
    times, right, wrong = [], 0, []
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        started = time.perf_counter()
        decisions = resolver.resolve_many([doc for _, doc, _ in chunk])
        elapsed = 1000 * (time.perf_counter() - started)
        times += [elapsed / len(chunk)] * (len(chunk) if batch > 1 else 1)
        for (kind, doc, story), decision in zip(chunk, decisions):
            if kind == "known":
                ok = decision.known and decision.story == story
            else:
                ok = not decision.known and decision.reason == kind and decision.story == (story or doc["canonical_url"])
            right += ok
            if not ok and len(wrong) < 3:
                wrong.append(f"{kind} {doc['canonical_url']} -> {decision}")
    client.close()
    return times, f"{right}/{len(items)} right" + (f" (e.g. {'; '.join(wrong)})" if wrong else "")


def warm_cache(ctx: Context, database: str) -> float:
    """One pass over what the story decisions read — ``dedup_claims``, ``dedup_bands`` and its
    key and TTL indexes, ``dedup_copies``' ``_id`` and ``owner`` indexes — so that mongod's cache
    holds them as on a server that has been deciding copies for a while (every new copy inserts at
    random places of the claims, which keeps them all in use). Returns the seconds it took."""
    import pymongo  # noqa: PLC0415

    from healthcrawl.storage import stories  # noqa: PLC0415

    started = time.monotonic()
    client = pymongo.MongoClient(ctx.mongod.uri)
    db = client[database]
    db[stories.CLAIMS].count_documents({"o": {"$exists": True}})
    db[stories.BANDS].count_documents({"u": {"$exists": True}})
    db[stories.BANDS].count_documents({"k": {"$gte": -2**63}}, hint=stories.BAND_KEYS_INDEX)
    db[stories.BANDS].count_documents({"x": {"$gte": datetime(1970, 1, 1)}}, hint="expires")
    db[stories.COPIES].count_documents({"_id": {"$gte": ""}}, hint="_id_")
    db[stories.COPIES].count_documents({"o": {"$gte": -2**63}}, hint="owner")
    client.close()
    return time.monotonic() - started


def dedup_cost(ctx: Context, database: str, count: int) -> dict[str, Any]:
    """Batches of 100 as the database comes (cold: just loaded, or mongod just started), then,
    after :func:`warm_cache`, batch size 1 and batches of 100 again (warm)."""
    time_resolve(ctx, database, probes("w", 0, 50), 1)  # connections, and the probes' targets: not counted
    # batches of 100: BATCH_ROUNDS times the probes, so that the p95 is over 30 batches, not the
    # slowest of 10 (one WiredTiger checkpoint in a batch would be the whole figure)
    cold, cold_ok = time_resolve(ctx, database, probes("c", 300_000, count * BATCH_ROUNDS), BATCH)
    warmed_s = warm_cache(ctx, database)
    one, one_ok = time_resolve(ctx, database, probes("a", 100_000, count), 1)
    many, many_ok = time_resolve(ctx, database, probes("b", 200_000, count * BATCH_ROUNDS), BATCH)
    return {"p50": percentile(one, 50), "p95": percentile(one, 95), "p99": percentile(one, 99),
            "ok": one_ok, "batch_p50": percentile(many, 50), "batch_p95": percentile(many, 95),
            "batch_ok": many_ok, "cold_p50": percentile(cold, 50), "cold_p95": percentile(cold, 95),
            "cold_ok": cold_ok, "warm_s": round(warmed_s, 1)}


# -- explain() of the queries ----------------------------------------------------------------------
def _stages(plan: dict) -> str:
    stage = plan.get("stage", "?")
    extra = f"[{plan['indexName']}]" if plan.get("indexName") else ""
    inner = [_stages(p) for p in ([plan["inputStage"]] if "inputStage" in plan else plan.get("inputStages", []))]
    return stage + extra + (f"({', '.join(inner)})" if inner else "")


def explain_queries(ctx: Context, database: str) -> list[str]:
    """Winning plan and documents examined of each query of stories.py and known.py."""
    import pymongo  # noqa: PLC0415

    from healthcrawl.storage import legacy, stories  # noqa: PLC0415
    from healthcrawl.storage.collections import ARTICLES, DROPPED  # noqa: PLC0415
    from healthcrawl.text.fingerprint import Fingerprinter  # noqa: PLC0415

    client = pymongo.MongoClient(ctx.mongod.uri, tz_aware=True)
    db = client[database]
    url, other = url_of(BASE // 2), url_of(BASE // 3)
    key = Fingerprinter.content_key("0" * 40)
    doc = {"canonical_url": "https://example.invalid/a", "url": "https://example.invalid/a", "title": "t",
           "published_at": datetime(2026, 11, 10, tzinfo=timezone.utc), "content_hash": "0" * 40}
    story_filter, story_update = stories.story_operation(doc, stories.Decision(url, url, "reprint", 0.9),
                                                         datetime.now(timezone.utc))
    entry = dict(stories.copy_entry(doc, stories.Decision(url, url, "reprint")))
    # a note whose original is not stored (its original was never written): the worst case
    note_filter, note_update = legacy.legacy_note_operation("https://example.invalid/original", entry,
                                                             datetime.now(timezone.utc))
    finds = [
        ("stories: copies decided before (after an upsert's clash)", stories.COPIES,
         {"_id": {"$in": [url, other, "https://example.invalid/a"]}}),
        ("stories: owner of a content claim", stories.CLAIMS, {"_id": key}),
        ("stories: owners of band keys", stories.BANDS, {"k": {"$in": [key, key + 1, key + 2]}}),
        ("stories: the owner's fingerprint", stories.COPIES, {"o": stories.owner_id(other)}),
        ("stories: a parent on the chain", stories.COPIES, {"_id": other}),
        ("known: stored URLs", ARTICLES, {"canonical_url": {"$in": [url, other]}, "stub": {"$ne": True}}),
        ("known: reprint URLs", ARTICLES, {"also_at.canonical_url": {"$in": [reprint_url_of(7), url]}}),
        ("known: dropped URLs", DROPPED, {"_id": {"$in": [dropped_url_of(1), url]}, "lexicon_version": "x"}),
    ]
    out = []
    for name, collection, query in finds:
        result = db.command("explain", {"find": collection, "filter": query}, verbosity="executionStats")
        stats = result["executionStats"]
        out.append(f"{name}: {collection}.find {_stages(result['queryPlanner']['winningPlan'])}, "
                   f"keys examined {stats['totalKeysExamined']}, documents examined {stats['totalDocsExamined']}, "
                   f"{stats['executionTimeMillis']} ms")
    updates = [("stories: record a copy's fingerprint (upsert unless settled)", stories.COPIES,
                {"_id": "https://example.invalid/a", "state": {"$ne": "settled"}},
                {"$set": {"state": "claiming", "parent": None}}, True),
               ("stories: write a copy into its story (story_operation, upsert)", ARTICLES, story_filter,
                story_update, True),
               ("stories: legacy reprint note (legacy_note_operation)", ARTICLES, note_filter, note_update, False)]
    for name, collection, query, update, upsert in updates:
        result = db.command("explain", {"update": collection,
                                        "updates": [{"q": query, "u": update, "upsert": upsert}]},
                            verbosity="executionStats")
        stats = result["executionStats"]
        out.append(f"{name}: {collection}.update {_stages(result['queryPlanner']['winningPlan'])}, "
                   f"keys examined {stats['totalKeysExamined']}, documents examined {stats['totalDocsExamined']}, "
                   f"{stats['executionTimeMillis']} ms")
    client.close()
    return out


# -- the crawls ------------------------------------------------------------------------------------
def crawl_corpus(ctx: Context, articles: int, trial: int = 0) -> Path:
    """The replay corpus of one crawl trial: trial k has its own texts (seed + k) and URLs
    (numbers from k x 100,000), so each trial's crawl stores new articles into the same database."""
    from bench import corpus  # noqa: PLC0415

    out = ctx.workdir / (f"corpus-dedup-{articles}" + (f"-t{trial}" if trial else ""))
    if not (out / "corpus.json").exists():
        log(f"dedup scale: generating a crawl corpus of {articles} articles (trial {trial + 1})")
        corpus.generate(out, articles, seed=corpus.SEED + trial, first_seq=100_000 * trial)
    return out


def mongod_counters(ctx: Context, database: str) -> dict[str, Any]:
    """mongod's CPU seconds so far (``serverStatus``), its WiredTiger checkpoints (count, total
    milliseconds, bytes written for them) and, per collection of ``database``, the milliseconds its
    operations took (``top``: writes and reads together)."""
    import pymongo  # noqa: PLC0415

    client = pymongo.MongoClient(ctx.mongod.uri)
    try:
        status = client.admin.command("serverStatus")
        totals = client.admin.command("top")["totals"]
    finally:
        client.close()
    extra, wt = status.get("extra_info", {}), status.get("wiredTiger", {})
    txn, blocks = wt.get("transaction", {}), wt.get("block-manager", {})
    out: dict[str, Any] = {
        "cpu_s": (extra.get("user_time_us", 0) + extra.get("system_time_us", 0)) / 1e6,
        "checkpoints": {"n": txn.get("transaction checkpoints", 0),
                        "ms": txn.get("transaction checkpoint total time (msecs)", 0),
                        "mb": blocks.get("bytes written for checkpoint", 0) / 2**20}}
    for name, ops in totals.items():
        if name.startswith(database + "."):
            out[name.split(".", 1)[1]] = sum(ops[op]["time"] for op in ("insert", "update", "queries", "getmore",
                                                                        "remove") if op in ops) / 1000
    return out


def mongod_share(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What mongod spent during one crawl: CPU seconds, checkpoints (count, milliseconds, MB written)
    and milliseconds per collection (largest first)."""
    spent = {k: round(after[k] - before.get(k, 0.0), 1) for k in after if k not in ("cpu_s", "checkpoints")}
    return {"cpu_s": round(after["cpu_s"] - before["cpu_s"], 2),
            "checkpoints": {k: round(after["checkpoints"][k] - before["checkpoints"][k], 1) for k in ("n", "ms", "mb")},
            "ms": {k: v for k, v in sorted(spent.items(), key=lambda kv: -kv[1]) if v > 0}}


#: the crawls' settings: irrelevant articles recorded in `dropped`
CRAWL_SETTINGS = {"HEALTHCRAWL_KEEP_IRRELEVANT": False}


def trial_crawl(ctx: Context, name: str, database: str, corpus_dir: Path) -> dict[str, Any]:
    """One instrumented crawl's summary (:func:`crawl_summary`) with what mongod spent during it
    (:func:`mongod_share`, kept in the report: a report reused from an earlier run has it already)."""
    before = mongod_counters(ctx, database)
    report = ctx.crawl(name, database, CRAWL_SETTINGS, corpus_dir=corpus_dir, instrument=True)
    if "mongod" not in report:
        report["mongod"] = mongod_share(before, mongod_counters(ctx, database))
        (ctx.workdir / f"{name}.json").write_text(json.dumps(report), encoding="utf-8")
    return crawl_summary(report) | {"mongod": report["mongod"]}


def crawls(ctx: Context, database: str, corpora: list[Path]) -> dict[str, Any]:
    """One crawl per corpus (the trials, each storing new articles), then the last corpus again
    (every link known)."""
    summaries = [trial_crawl(ctx, f"dedup-{database}-first" + (f"-t{k}" if k else ""), database, corpus_dir)
                 for k, corpus_dir in enumerate(corpora)]
    again = ctx.crawl(f"dedup-{database}-again", database, CRAWL_SETTINGS, corpus_dir=corpora[-1], instrument=True)
    # the trials' figures: the median trial's writer p95 and start-up, the largest peak RSS
    median = sorted(summaries, key=lambda c: c["resolve_p95"])[len(summaries) // 2]
    return {"first": median, "trials": summaries, "again": crawl_summary(again),
            "startup_median_s": percentile([c["to_stored_s"] or 1e9 for c in summaries], 50),
            "rss_max_mb": max(c["rss_mb"] for c in summaries)}


def crawl_summary(report: dict[str, Any]) -> dict[str, Any]:
    """A crawl worker's report as figures: start-up steps, peak RSS, the writer's resolve_many."""
    inst = report["instruments"]
    per_batch = [1000 * s / n for n, s in inst["resolve_many"] if n]
    # each item costs its batch's time / its batch's items: the p95 over items (the goal's
    # figure) weighs a batch of 100 a hundred times a batch of 1
    per_item = [1000 * s / n for n, s in inst["resolve_many"] for _ in range(n)]
    lookups = [1000 * s for _, s in inst["lookups"]]
    # a batch's whole write (the turn waited for, the decisions, the article writes) per article, once per article
    writes = [1000 * (w + s) / n for n, w, s in inst.get("writes") or [] for _ in range(n)]
    turns = [1000 * w for _, w, _ in inst.get("writes") or []]
    items = max(1, sum(n for n, _ in inst["resolve_many"]))
    return {
        "articles": report["articles"], "stored": report["stored"], "skipped": report["skipped_known"],
        "article_pages": report["article_pages"], "crawl_s": report["crawl_s"],
        "rss_mb": report["peak_rss_mb"], "errors": report["errors"], "exit": report["exit_code"],
        "to_item_s": inst["first_item_at"] and inst["first_item_at"] - report["spawned_at"],
        "to_stored_s": inst["first_stored_at"] and inst["first_stored_at"] - report["spawned_at"],
        "to_lookup_s": inst["first_lookup_at"] and inst["first_lookup_at"] - report["spawned_at"],
        "to_main_s": inst.get("main_at") and inst["main_at"] - report["spawned_at"],
        "to_ready_s": inst.get("storage_ready_at") and inst["storage_ready_at"] - report["spawned_at"],
        "first_batch": inst.get("first_resolve") and {
            "at_s": inst["first_resolve"][0] - report["spawned_at"], "items": inst["first_resolve"][1],
            "seconds": inst["first_resolve"][2]},
        "resolve_batches": len(per_batch),
        "resolve_batch_p95": percentile(per_batch, 95),
        "resolve_items": sum(n for n, _ in inst["resolve_many"]),
        # the writer thread's own CPU: the rest of its time it waits (for mongod, or for the GIL)
        "resolve_cpu_ms_per_item": 1000 * sum(inst.get("resolve_cpu") or [0]) / items,
        "resolve_wall_ms_per_item": 1000 * sum(s for _, s in inst["resolve_many"]) / items,
        # where the writer's time went: record, content claims, band claims, the rest (settling, Python)
        "resolve_steps_ms_per_item": resolve_steps(inst, items),
        "resolve_p50": percentile(per_item, 50), "resolve_p95": percentile(per_item, 95),
        "write_p95": percentile(writes, 95) if writes else None,
        "turn_wait_p95_ms": percentile(turns, 95) if turns else None,
        "lookup_n": len(lookups), "lookup_p50": percentile(lookups, 50), "lookup_p95": percentile(lookups, 95),
        # the collector is the process's: every spider's GcPause sees the same collections
        "gc": {k.rsplit("/", 1)[1]: max(stats.get(k, 0) for stats in report["per_spider"].values())
               for k in {k for stats in report["per_spider"].values() for k in stats if k.startswith("healthcrawl/gc/")}},
    }


def resolve_steps(inst: dict[str, Any], items: int) -> dict[str, float]:
    """Milliseconds per item of each step of the writer's resolve_many calls (crawl_worker's
    ``resolve_steps``), the rest (settling, the Python between them) as ``settle+``."""
    steps = inst.get("resolve_steps") or []
    total = {name: sum(s.get(name, 0.0) for s in steps) for name in ("record", "content", "bands")}
    total["settle+"] = sum(s for _, s in inst["resolve_many"]) - sum(total.values())
    # within bands: the band documents' insert and the owners read after a lost claim
    total.update({name: sum(s.get(name, 0.0) for s in steps) for name in ("band_insert", "band_owners")})
    return {name: round(1000 * seconds / items, 3) for name, seconds in total.items()}


# -- the figure ------------------------------------------------------------------------------------
def without_text_index(ctx: Context, database: str, corpora: list[Path]) -> list[dict[str, Any]]:
    """The experiment of ``--without-text-index``: more crawls (corpora of their own) with the
    articles' text index dropped and not created by the crawler (``BENCH_NO_TEXT_INDEX``,
    bench/crawl_worker.py), then the index built again. What the writer's figure is when mongod
    does not also index the articles' search tokens."""
    import pymongo  # noqa: PLC0415

    from healthcrawl.storage.collections import ARTICLES, TEXT_INDEX, ensure_indexes  # noqa: PLC0415

    client = pymongo.MongoClient(ctx.mongod.uri, tz_aware=True)
    out: list[dict[str, Any]] = []
    try:
        client[database][ARTICLES].drop_index(TEXT_INDEX)
        os.environ["BENCH_NO_TEXT_INDEX"] = "1"
        out = [trial_crawl(ctx, f"dedup-{database}-notext-t{k}", database, corpus_dir)
               for k, corpus_dir in enumerate(corpora)]
    finally:
        os.environ.pop("BENCH_NO_TEXT_INDEX", None)
        started = time.monotonic()
        ensure_indexes(client[database])
        log(f"dedup scale: the text index of {database} built again in {time.monotonic() - started:.0f} s")
        client.close()
    return out


def run_size(ctx: Context, size: int, probe_count: int, corpora: list[Path],
             text_arm: list[Path] | None = None) -> dict[str, Any]:
    database = f"bench_dedup_{size}"
    loaded = load(ctx, database, size)
    log(f"dedup scale at {size:,}: timing Stories.resolve_many on {probe_count} + 2 x {probe_count * BATCH_ROUNDS} probes")
    cost = dedup_cost(ctx, database, probe_count)
    log(f"dedup scale at {size:,}: {json.dumps(cost)}")
    crawl = crawls(ctx, database, corpora)
    log(f"dedup scale at {size:,}: crawls {json.dumps(crawl)}")
    notext = without_text_index(ctx, database, text_arm) if text_arm else []
    return {"size": size, "database": database, "loaded": loaded, "cost": cost, "crawl": crawl,
            "notext": notext, "cache_gb": ctx.mongo_cache_gb}


def checkpoints(c: dict[str, Any]) -> str:
    """A crawl's WiredTiger checkpoints, as mongod_share counted them (absent in reports of before)."""
    cp = c["mongod"].get("checkpoints")
    return "checkpoints n/a" if not cp else f"{cp['n']:g} checkpoints, {cp['ms']:g} ms, {cp['mb']:.0f} MB written"


def fmt_s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if not a or not b else f"{a / b:.2f} x"


def median_of(run: dict[str, Any], figure: str) -> float:
    """The median over a size's crawl trials of one of their figures (0 where a trial has none)."""
    return percentile([c.get(figure) or 0.0 for c in run["crawl"]["trials"]], 50)


def trial_p95s(run: dict[str, Any]) -> str:
    return ", ".join(f"{c['resolve_p95']:.2f}" for c in run["crawl"]["trials"])


def report(small: dict[str, Any], large: dict[str, Any], explained: list[str]) -> str:
    n = f"{large['size']:,}"
    sc, lc = small["cost"], large["cost"]
    s1, l1 = small["crawl"]["first"], large["crawl"]["first"]
    s2, l2 = small["crawl"]["again"], large["crawl"]["again"]
    load_info = large["loaded"]
    log(f"dedup scale: mongod WiredTiger cache {large.get('cache_gb')} GB")
    log(f"dedup scale: stored history at {n} ({load_info['history']}): {load_info['articles']:,} articles, "
        f"{load_info['copies']:,} copies, {load_info['claims']:,} claims ({load_info['band_claims']:,} band claims of "
        f"the {load_info['in_horizon']:,} articles in the horizon, a content claim each), "
        f"{load_info['dropped']:,} dropped; written in {load_info['total_s']:.0f} s "
        f"(articles {load_info['articles_s']:.0f} s, claims {load_info['claims_s']:.0f} s, indexes "
        f"{load_info['indexes_s']:.0f} s), {load_info['storage_mb']:,.0f} MB on disk")
    for line in explained:
        log(f"dedup scale: explain at {n}: {line}")
    for label, r in (("1,000", small), (n, large)):
        c = r["crawl"]
        log(f"dedup scale: crawl at {label}: first {c['first']['articles']} articles, {c['first']['stored']} stored, "
            f"{c['first']['crawl_s']:.1f} s, first item handed to storage {fmt_s(c['first']['to_item_s'])}, "
            f"resolve_many {c['first']['resolve_batches']} batches / {c['first']['resolve_items']} items "
            f"p50 {c['first']['resolve_p50']:.2f} ms per item; again: {c['again']['article_pages']} article pages, "
            f"{c['again']['skipped']} skipped as known, {c['again']['lookup_n']} lookups p50 "
            f"{c['again']['lookup_p50']:.1f} ms p95 {c['again']['lookup_p95']:.1f} ms, exit codes "
            f"{c['first']['exit']}/{c['again']['exit']}, errors {c['first']['errors']}/{c['again']['errors']}")
    for label, r in (("1,000", small), (n, large)):
        for k, c in enumerate(r["crawl"]["trials"]):
            log(f"dedup scale: crawl trial {k + 1} at {label}: {c['stored']} stored, writer p95 {c['resolve_p95']:.2f} ms "
                f"per item (own CPU {c['resolve_cpu_ms_per_item']:.2f}, wall {c['resolve_wall_ms_per_item']:.2f} ms per item: "
                f"{c['resolve_steps_ms_per_item']}), a batch's whole write incl. its turn p95 "
                f"{c['write_p95'] or 0:.2f} ms per article (turn wait p95 {c['turn_wait_p95_ms'] or 0:.1f} ms per batch), "
                f"crawl {c['crawl_s']:.1f} s, first stored {fmt_s(c['to_stored_s'])}, peak RSS {c['rss_mb']:.0f} MB, garbage collector {c.get('gc')}")
            log(f"dedup scale: crawl trial {k + 1} at {label}: mongod spent {c['mongod']['cpu_s']:.1f} s of CPU; "
                f"{checkpoints(c)}; its operations took (ms per collection) {c['mongod']['ms']}")
    for label, c in (("1,000", s1), (n, l1)):
        batch = c.get("first_batch") or {}
        log(f"dedup scale: start-up at {label}: imports done {fmt_s(c.get('to_main_s'))}, mongo pipeline open "
            f"{fmt_s(c.get('to_ready_s'))}, first list page looked up {fmt_s(c['to_lookup_s'])}, first article to "
            f"the pipeline {fmt_s(c['to_item_s'])}, first batch ({batch.get('items')} items) decided from "
            f"{fmt_s(batch.get('at_s'))} in {fmt_s(batch.get('seconds'))}, stored {fmt_s(c['to_stored_s'])}")
    for label, r in (("1,000", small), (n, large)):
        for k, c in enumerate(r.get("notext") or []):
            log(f"dedup scale: crawl without the text index {k + 1} at {label}: {c['stored']} stored, writer p95 "
                f"{c['resolve_p95']:.2f} ms per item (wall {c['resolve_wall_ms_per_item']:.2f} ms per item); mongod spent "
                f"{c['mongod']['cpu_s']:.1f} s of CPU; its operations took (ms per collection) {c['mongod']['ms']}")
    ls, ss = large["crawl"], small["crawl"]
    startup_ok = ls["startup_median_s"] <= GOAL_STARTUP_S
    known_ok = (l2["to_lookup_s"] or 1e9) <= GOAL_STARTUP_S and l2["rss_mb"] <= GOAL_RSS_MB
    experiment = []
    if large.get("notext") and small.get("notext"):
        lt, st = (sorted(c["resolve_p95"] for c in r["notext"]) for r in (large, small))
        lm, sm = (sorted(c["mongod"]["cpu_s"] for c in r["crawl"]["trials"]) for r in (large, small))
        ltm = sorted(c["mongod"]["cpu_s"] for c in large["notext"])
        experiment.append(
            f"experiment, the crawl's writer with the articles' text index dropped: p95 {lt[len(lt) // 2]:.2f} ms per "
            f"item at {n} (the median of {len(lt)} crawls: {', '.join(f'{v:.2f}' for v in lt)}) = "
            f"{ratio(lt[len(lt) // 2], st[len(st) // 2])} {st[len(st) // 2]:.2f} ms at 1,000; mongod's CPU per crawl "
            f"{ltm[len(ltm) // 2]:.1f} s without it against {lm[len(lm) // 2]:.1f} s with it at {n} "
            f"({sm[len(sm) // 2]:.1f} s at 1,000) (not a goal: what the figure is without the search indexing)")
    return "\n".join(experiment + [
        f"dedup start-up at {n} stored: first article stored {fmt_s(ls['startup_median_s'])} after the crawler started "
        f"(the median of {len(ls['trials'])} crawls) "
        f"= {ratio(ls['startup_median_s'], ss['startup_median_s'])} {fmt_s(ss['startup_median_s'])} at 1,000 "
        f"(goal: <= {GOAL_STARTUP_S:g} s) {verdict(startup_ok)}",
        f"dedup peak RSS at {n} stored: {ls['rss_max_mb']:.0f} MB (the largest of {len(ls['trials'])} crawls) = "
        f"{ratio(ls['rss_max_mb'], ss['rss_max_mb'])} {ss['rss_max_mb']:.0f} MB at 1,000 "
        f"(goal: <= {GOAL_RSS_MB:g} MB) {verdict(ls['rss_max_mb'] <= GOAL_RSS_MB)}",
        f"dedup cost at {n} stored, the crawl's writer: Stories.resolve_many p95 {l1['resolve_p95']:.2f} ms per item "
        f"(the median of {len(large['crawl']['trials'])} crawls: {trial_p95s(large)} ms; each item: its batch's time / items; "
        f"p50 {l1['resolve_p50']:.2f}; {l1['resolve_batches']} batches, "
        f"p95 over batches {l1['resolve_batch_p95']:.2f}) = "
        f"{ratio(l1['resolve_p95'], s1['resolve_p95'])} p95 {s1['resolve_p95']:.2f} ms at 1,000 ({trial_p95s(small)}) "
        f"(goal: p95 <= {GOAL_P95_MS:g} ms) {verdict(l1['resolve_p95'] <= GOAL_P95_MS)}",
        f"the crawl's writer at {n} stored, a batch's whole write (its turn waited for, the decisions, the article "
        f"writes) p95 {median_of(large, 'write_p95'):.2f} ms per article = {ratio(median_of(large, 'write_p95'), median_of(small, 'write_p95'))} "
        f"{median_of(small, 'write_p95'):.2f} ms at 1,000 (the medians of the crawls; not a goal: the latency behind the figure above)",
        f"dedup cost at {n} stored, alone, batch 1, warm cache: Stories.resolve_many p95 {lc['p95']:.2f} ms per item "
        f"(p50 {lc['p50']:.2f}, p99 {lc['p99']:.2f}; {lc['ok']}) = {ratio(lc['p95'], sc['p95'])} p95 {sc['p95']:.2f} ms "
        f"at 1,000 (goal: p95 <= {GOAL_P95_MS:g} ms) {verdict(lc['p95'] <= GOAL_P95_MS)}",
        f"dedup cost at {n} stored, alone, batches of {BATCH}, warm cache: p95 {lc['batch_p95']:.2f} ms per item (p50 "
        f"{lc['batch_p50']:.2f}; {lc['batch_ok']}) = {ratio(lc['batch_p95'], sc['batch_p95'])} p95 "
        f"{sc['batch_p95']:.2f} ms at 1,000 (goal: p95 <= {GOAL_P95_MS:g} ms) {verdict(lc['batch_p95'] <= GOAL_P95_MS)}",
        f"dedup cost at {n} stored, alone, batches of {BATCH}, cold cache (before a {lc['warm_s']:.0f} s pass over "
        f"the dedup collections): p95 {lc['cold_p95']:.2f} ms per item (p50 {lc['cold_p50']:.2f}; {lc['cold_ok']}) = "
        f"{ratio(lc['cold_p95'], sc['cold_p95'])} p95 {sc['cold_p95']:.2f} ms at 1,000 "
        f"(goal: p95 <= {GOAL_P95_MS:g} ms) {verdict(lc['cold_p95'] <= GOAL_P95_MS)}",
        f"known-URL skip at {n} stored (+{large['loaded']['dropped']:,} dropped): first lookup answered "
        f"{fmt_s(l2['to_lookup_s'])} after start = {ratio(l2['to_lookup_s'], s2['to_lookup_s'])} "
        f"{fmt_s(s2['to_lookup_s'])} at 1,000; peak RSS {l2['rss_mb']:.0f} MB = {ratio(l2['rss_mb'], s2['rss_mb'])} "
        f"{s2['rss_mb']:.0f} MB; lookup p95 {l2['lookup_p95']:.1f} ms per list page = "
        f"{ratio(l2['lookup_p95'], s2['lookup_p95'])} {s2['lookup_p95']:.1f} ms; {l2['skipped']} links skipped as "
        f"known, {l2['article_pages']} article pages fetched "
        f"(goal: <= {GOAL_STARTUP_S:g} s, <= {GOAL_RSS_MB:g} MB) {verdict(known_ok)}",
    ])


def measure(ctx: Context, size: int = SIZE, probe_count: int = PROBES, crawl_articles: int = CRAWL_ARTICLES,
            trials: int = TRIALS, without_text: int = 0) -> str:
    corpora = [crawl_corpus(ctx, crawl_articles, k) for k in range(trials)]
    text_arm = [crawl_corpus(ctx, crawl_articles, trials + k) for k in range(without_text)]
    small = run_size(ctx, BASE, probe_count, corpora, text_arm)
    large = run_size(ctx, size, probe_count, corpora, text_arm)
    explained = explain_queries(ctx, large["database"])
    out = report(small, large, explained)
    (ctx.workdir / f"dedup-scale-{size}.json").write_text(
        json.dumps({"small": small, "large": large, "explain": explained, "figures": out}, default=str, indent=1),
        encoding="utf-8")
    return out


def main() -> None:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=SIZE, help=f"stored articles of the large run (default {SIZE:,})")
    parser.add_argument("--probes", type=int, default=PROBES, help="probe documents per batch size")
    parser.add_argument("--crawl-articles", type=int, default=CRAWL_ARTICLES, help="articles of the crawl corpus")
    parser.add_argument("--trials", type=int, default=TRIALS, help=f"crawls per size (default {TRIALS})")
    parser.add_argument("--workdir", type=Path, help="keep the work folder here (a loaded database is reused)")
    parser.add_argument("--without-text-index", type=int, default=0, metavar="N",
                        help="an experiment: N more crawls per size with the articles' text index dropped")
    args = parser.parse_args()
    with Context(args.workdir) as ctx:
        print(measure(ctx, args.size, args.probes, args.crawl_articles, args.trials, args.without_text_index))


if __name__ == "__main__":
    main()
