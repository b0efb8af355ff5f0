"""The collections healthcrawl writes (by role) and every index they carry."""

from __future__ import annotations

import pymongo
from pymongo import ASCENDING, DESCENDING, TEXT, IndexModel

from healthcrawl.storage import stories

ARTICLES = "articles"
CRAWL_RUNS = "crawl_runs"
#: URLs of articles the relevance pipeline dropped (``_id`` = canonical URL); see :func:`dropped_record`
DROPPED = "dropped"
#: ``DropItem.drop_reason`` set by pipelines/relevance.py on a not-relevant drop
IRRELEVANT = "irrelevant"

#: items the mongo pipeline could not store, with the reason and what it takes to fetch them again
REJECTS = "rejects"


# --- indexes -------------------------------------------------------------------------------------
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
    IndexModel([("search_title", TEXT), ("search_body", TEXT)], name="search_text",
               weights={"search_title": 5, "search_body": 1}, default_language="none"),
]


def ensure_indexes(db: pymongo.database.Database) -> None:
    """Indexes of every collection the crawler writes (idempotent, quick when they exist), and the
    one-time migration of documents written before stories (:func:`stories.migrate`)."""
    db[ARTICLES].create_indexes(ARTICLE_INDEXES)
    stories.ensure_indexes(db)
    stories.migrate(db, db[ARTICLES])
    db[CRAWL_RUNS].create_index([("spider", ASCENDING), ("start_time", DESCENDING)], name="spider_start")
    db[REJECTS].create_index([("last_seen", DESCENDING)], name="last_seen")


# --- write operations ----------------------------------------------------------------------------
