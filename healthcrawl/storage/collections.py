"""The collections healthcrawl writes (by role, named by the settings) and every index they carry."""

from __future__ import annotations

from typing import Any

import pymongo
from pymongo import ASCENDING, DESCENDING, TEXT, IndexModel
from pymongo.errors import CollectionInvalid, OperationFailure

from healthcrawl.storage import legacy, stories

ARTICLES = "articles"
CRAWL_RUNS = "crawl_runs"
#: URLs of articles the relevance pipeline dropped (``_id`` = canonical URL); see :func:`dropped_record`
DROPPED = "dropped"
#: ``DropItem.drop_reason`` set by pipelines/relevance.py on a not-relevant drop
IRRELEVANT = "irrelevant"

#: items the mongo pipeline could not store, with the reason and what it takes to fetch them again
REJECTS = "rejects"


# --- indexes -------------------------------------------------------------------------------------
#: the articles' full-text index (healthcrawl/storage/search.py)
TEXT_INDEX = "search_text"
ARTICLE_INDEXES = [
    IndexModel([("canonical_url", ASCENDING)], unique=True, name="canonical_url_unique"),
    IndexModel([("published_at", DESCENDING)], name="published_at"),
    IndexModel([("site", ASCENDING), ("published_at", DESCENDING)], name="site_published_at"),
    IndexModel([("relevance.score", DESCENDING)], name="relevance_score"),
    IndexModel([("relevance.relevant", ASCENDING), ("published_at", DESCENDING)], name="relevant_published_at"),
    IndexModel([("content_hash", ASCENDING)], name="content_hash"),
    # one document per story (healthcrawl/storage/stories.py); partial: documents written before stories
    # have no story until ensure_indexes has migrated them
    IndexModel([("story", ASCENDING)], unique=True, name="story_unique",
               partialFilterExpression={"story": {"$type": "string"}}),
    IndexModel([("also_at.canonical_url", ASCENDING)], name="also_at_canonical_url"),
    IndexModel([("search_title", TEXT), ("search_body", TEXT)], name=TEXT_INDEX,
               weights={"search_title": 5, "search_body": 1}, default_language="none"),
]


RUN_INDEXES = [
    IndexModel([("spider", ASCENDING), ("start_time", DESCENDING)], name="spider_start"),
    IndexModel([("job_id", ASCENDING)], name="job_id"),
]
REJECT_INDEXES = [IndexModel([("last_seen", DESCENDING)], name="last_seen")]
#: the last weeks' dropped articles (the desk's near misses)
DROPPED_INDEXES = [IndexModel([("last_seen", DESCENDING)], name="last_seen")]

#: the roles whose collection a setting names (the others keep the role's name)
COLLECTION_SETTINGS = {ARTICLES: "MONGO_COLLECTION", DROPPED: "MONGO_DROPPED_COLLECTION",
                       REJECTS: "MONGO_REJECTS_COLLECTION"}


def collection_names(settings: Any) -> dict[str, str]:
    """Role → collection name (``MONGO_COLLECTION`` … for the roles a setting names)."""
    names = {role: role for role in (ARTICLES, CRAWL_RUNS, DROPPED, REJECTS)}
    names.update({role: settings.get(name) or role for role, name in COLLECTION_SETTINGS.items()})
    return names


#: WiredTiger storage of ``dedup_claims``: every new copy inserts ~43 tiny documents at random
#: places, so each dirties ~43 leaf pages that mongod must write back. Small leaf pages (4 KB,
#: not 32 KB) make that write-back cheaper, and random 64-bit keys do not compress, so snappy
#: would only cost CPU: at 1,000,000 stored articles this halves mongod's CPU per claimed copy
#: (README "Dedup at scale").
CLAIMS_STORAGE = {"wiredTiger": {"configString": "block_compressor=none,leaf_page_max=4k,memory_page_max=512k"}}


def ensure_story_collections(db: pymongo.database.Database) -> None:
    """``dedup_claims`` as a clustered collection stored as :data:`CLAIMS_STORAGE` says (created
    once; a database from before keeps its collection) whose band claims expire at their ``x`` (a
    sparse TTL index: mongod's TTL monitor deletes them, once a minute), ``dedup_copies`` indexed
    on the claims' owner ``o``."""
    if stories.CLAIMS not in db.list_collection_names(filter={"name": stories.CLAIMS}):
        try:
            db.create_collection(stories.CLAIMS, clusteredIndex={"key": {"_id": 1}, "unique": True},
                                 storageEngine=CLAIMS_STORAGE)
        except (CollectionInvalid, OperationFailure):  # another process created it first
            pass
    db[stories.CLAIMS].create_index("x", name="expires", expireAfterSeconds=0, sparse=True)  # earlier format
    db[stories.BANDS].create_index("k", name=stories.BAND_KEYS_INDEX, unique=True)
    db[stories.BANDS].create_index("x", name="expires", expireAfterSeconds=0, sparse=True)
    db[stories.COPIES].create_index("o", name="owner")


def ensure_run_indexes(db: pymongo.database.Database) -> None:
    """The indexes of ``crawl_runs`` (the run recorder's own start-up, also without the mongo pipeline)."""
    db[CRAWL_RUNS].create_indexes(RUN_INDEXES)


def ensure_indexes(db: pymongo.database.Database, names: dict[str, str] | None = None) -> None:
    """Indexes of every collection the crawler writes (idempotent, quick when they exist), and the
    one-time migration of documents written before stories (:func:`legacy.migrate`), after the conversion of earlier band claims (:func:`legacy.convert_band_claims`). ``names``:
    role → collection name (:func:`collection_names`; default: the roles' own names)."""
    names = names or {}
    articles = db[names.get(ARTICLES, ARTICLES)]
    articles.create_indexes(ARTICLE_INDEXES)
    ensure_story_collections(db)
    legacy.convert_band_claims(db)
    legacy.migrate(db, articles)
    ensure_run_indexes(db)
    db[names.get(REJECTS, REJECTS)].create_indexes(REJECT_INDEXES)
    db[names.get(DROPPED, DROPPED)].create_indexes(DROPPED_INDEXES)


# --- write operations ----------------------------------------------------------------------------
