"""Records: an article, a reprint note, a reject or a dropped URL as the document written for it,
capped to MongoDB's limits, and the idempotent operations that write it."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import bson
import pymongo
from pymongo import UpdateOne

from healthcrawl import settings as defaults
from healthcrawl.article import Article, to_document, to_utc
from healthcrawl.storage import legacy, stories
from healthcrawl.storage.collections import ARTICLES, DROPPED, IRRELEVANT, REJECTS
from healthcrawl.storage.errors import redact
from healthcrawl.text.fingerprint import Fingerprinter
from healthcrawl.text.chinese import simplified_search_tokens as search_tokens
from healthcrawl.text.urls import canonical_url

#: the record kinds the writer knows, and the collection role each is written to
RECORD_KINDS = {"article": ARTICLES, "also_at": ARTICLES, "dropped": DROPPED, "reject": REJECTS}
#: records that stand for one item of the pipeline (a ``dropped`` record comes from a drop signal)
ITEM_KINDS = ("article", "also_at", "reject")


def _truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at the last paragraph break in the final tenth if any."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", int(limit * 0.9), limit)
    return text[:cut if cut > 0 else limit]


def cap_document(doc: dict[str, Any], max_body_chars: int, max_bytes: int) -> dict[str, Any]:
    """Keep a document under MongoDB's 16 MB limit: a body longer than ``max_body_chars`` is cut
    (``body_truncated: true``, ``body_chars``: the full length) and its search tokens with it;
    if the BSON encoding is still over ``max_bytes`` the body is halved until it fits. The
    article is stored either way (the full text stays one click away at its URL)."""
    body = doc.get("body") or ""
    full = len(body)
    if full > max_body_chars:
        doc["body"] = _truncate(body, max_body_chars)
    rough = sum(len(v) for v in (doc.get("body"), doc.get("title"), doc.get("search_body"),
                                 doc.get("search_title")) if isinstance(v, str))
    if rough * 3 > max_bytes // 2:  # only big documents pay for an exact size
        while len(bson.encode(doc)) > max_bytes and len(doc["body"]) > 1000:
            doc["body"] = _truncate(doc["body"], len(doc["body"]) // 2)
            doc["search_body"] = search_tokens(doc["body"])
    if len(doc.get("body") or "") < full:
        doc["body_truncated"] = True
        doc["body_chars"] = full
    return doc


def article_record(item: Article, now: datetime | None = None, *,
                   max_body_chars: int = defaults.MONGO_MAX_BODY_CHARS,
                   max_bytes: int = defaults.MONGO_MAX_DOCUMENT_BYTES) -> dict[str, Any]:
    """What the writer stores for one item: an upsert of the article, or a reprint note."""
    now = now or datetime.now(timezone.utc)
    if item.duplicate_of:
        return {
            "kind": "also_at",
            "original": item.duplicate_of["canonical_url"],
            "entry": {
                "url": item.url,
                "canonical_url": item.canonical_url,
                "site": item.site,
                "site_name": item.site_name,
                "title": item.title,
                "published_at": to_utc(item.published_at) if item.published_at else None,
                "reason": item.duplicate_of.get("reason"),
                "similarity": item.duplicate_of.get("similarity"),
            },
            "seen": now,
        }
    doc = to_document(item)
    doc.pop("duplicate_of", None)
    body = _truncate(item.body or "", max_body_chars)
    doc["search_title"] = search_tokens(item.title)
    doc["search_body"] = search_tokens(body)
    return {"kind": "article", "doc": cap_document(doc, max_body_chars, max_bytes), "seen": now}


def reject_record(record: dict[str, Any], reason: str, error: str,
                  now: datetime | None = None) -> dict[str, Any]:
    """A ``rejects`` entry for an item record the database refused: the URL and what it takes to
    fetch it again (site, spider, job), the reason (an error code name) and the error (redacted)."""
    if record["kind"] == "also_at":
        entry = record["entry"]
        doc = {"url": entry.get("url"), "canonical_url": entry.get("canonical_url"),
               "site": entry.get("site"), "title": entry.get("title"),
               "published_at": entry.get("published_at"), "reprint_of": record.get("original")}
    else:
        article = record["doc"]
        crawl = article.get("crawl") or {}
        doc = {"url": article.get("url"), "canonical_url": article.get("canonical_url"),
               "site": article.get("site"), "title": str(article.get("title") or "")[:500],
               "published_at": article.get("published_at"), "spider": crawl.get("spider"),
               "job_id": crawl.get("job_id")}
    doc.update(_id=doc["canonical_url"] or doc["url"], kind=record["kind"], reason=reason,
               error=redact(error)[:500])
    return {"kind": "reject", "doc": doc, "seen": now or datetime.now(timezone.utc)}


def valid_record(obj: Any) -> bool:
    """Whether a value read back from the spool is a record the writer can write."""
    if not isinstance(obj, dict) or obj.get("kind") not in RECORD_KINDS or not isinstance(obj.get("seen"), datetime):
        return False
    if obj["kind"] == "also_at":
        return isinstance(obj.get("original"), str) and isinstance(obj.get("entry"), dict) \
            and isinstance(obj["entry"].get("canonical_url"), str)
    doc = obj.get("doc")
    if not isinstance(doc, dict):
        return False
    return isinstance(doc.get("canonical_url" if obj["kind"] == "article" else "_id"), str)


def operations(record: dict[str, Any]) -> list[UpdateOne]:
    """The idempotent operations of any record (see :func:`record_operations`)."""
    if record["kind"] in ("dropped", "reject"):
        return [dropped_operation(record)]
    return record_operations(record)


def record_operations(record: dict[str, Any]) -> list[UpdateOne]:
    """Idempotent operations for a record: replaying one twice changes nothing more.

    An article record is written into its story's document (:func:`stories.story_operation`,
    one atomic pipeline update, upserted) under the decision the writer took for it
    (``record["_decision"]``; without one the article is a story of its own). A reprint note (an
    item that named its original itself, ``duplicate_of``) joins the copies of the story holding
    that original (:func:`write_note`: written alone, so that a note whose original is not
    stored is seen, not counted as written)."""
    seen = record["seen"]
    if record["kind"] == "also_at":
        entry = dict(record["entry"], reason=record["entry"].get("reason") or "reprint")
        return [UpdateOne(*legacy.legacy_note_operation(record["original"], entry, seen))]
    doc = record["doc"]
    decision = record.get("_decision") or stories.Decision(doc["canonical_url"], None, "original")
    return [UpdateOne(*stories.story_operation(doc, decision, seen), upsert=True)]


#: body characters a dropped record keeps (enough for the bulletin's 主要内容 if an editor rescues it)
DROPPED_BODY_CHARS = 20_000


def dropped_record(item: Any, exception: BaseException,
                   now: datetime | None = None) -> dict[str, Any] | None:
    """What the writer stores for an item the relevance pipeline dropped as not relevant, or None.

    Only a drop raised with ``drop_reason == "irrelevant"`` on a scored item counts: validation
    drops (a broken page may be fixed later) and any other drop are not remembered. The record
    lets the next crawl skip the URL while the lexicon version is unchanged
    (healthcrawl/crawl/middlewares/known.py).
    """
    if getattr(exception, "drop_reason", None) != IRRELEVANT:
        return None
    relevance = getattr(item, "relevance", None) or {}
    url = getattr(item, "url", None) or ""
    canonical = getattr(item, "canonical_url", None) or (canonical_url(url) if url else "")
    if not canonical or relevance.get("relevant") is not False:
        return None
    body = getattr(item, "body", None) or ""
    return {"kind": "dropped",
            "doc": {"_id": canonical, "url": url, "site": getattr(item, "site", None) or "",
                    "reason": IRRELEVANT, "score": relevance.get("score"),
                    "lexicon_version": relevance.get("lexicon_version"),
                    # what an editor needs to see a near miss and rescue it (the desk's 近似漏选)
                    "title": getattr(item, "title", None) or "",
                    "published_at": getattr(item, "published_at", None),
                    "reasons": relevance.get("reasons"), "matched": relevance.get("matched"),
                    "model_version": relevance.get("model_version"),
                    "body": body[:DROPPED_BODY_CHARS], "body_truncated": len(body) > DROPPED_BODY_CHARS},
            "seen": now or datetime.now(timezone.utc)}


def dropped_operation(record: dict[str, Any]) -> UpdateOne:
    """Idempotent upsert of a ``dropped`` or ``reject`` record keyed on its ``_id`` (``first_seen``
    $min, ``last_seen`` $max)."""
    doc, seen = record["doc"], record["seen"]
    fields = {k: v for k, v in doc.items() if k != "_id"}
    return UpdateOne({"_id": doc["_id"]},
                     {"$set": fields, "$min": {"first_seen": seen}, "$max": {"last_seen": seen}},
                     upsert=True)


def write_records(collection: pymongo.collection.Collection, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write records as the mongo pipeline does (each article's story decided first, the
    articles in one ordered bulk_write, then the reprint notes one by one); for tests and tools.
    Returns the reprint notes whose original is not stored (not written)."""
    articles = [r for r in records if r["kind"] == "article"]
    if articles:
        decisions = stories.Stories(collection.database, Fingerprinter()).resolve_many([r["doc"] for r in articles])
        for record, decision in zip(articles, decisions):
            record["_decision"] = decision
        collection.bulk_write([op for r in articles for op in record_operations(r)], ordered=True)
    return [r for r in records if r["kind"] == "also_at" and not write_note(collection, r)]


def write_note(collection: pymongo.collection.Collection, record: dict[str, Any]) -> bool:
    """Write a reprint note (an ``also_at`` record) into the story holding its original; False
    when no stored story holds it (nothing written)."""
    (op,) = record_operations(record)
    return collection.update_one(op._filter, op._doc).matched_count > 0
