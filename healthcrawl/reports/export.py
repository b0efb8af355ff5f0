"""Stored articles out of MongoDB as CSV (for Excel: UTF-8 with BOM, formula cells defused) or
JSON lines (for scripts: every field but the MongoDB internals). Usage: README "Exports"."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

from healthcrawl.article import ARTICLE_FIELDS
from healthcrawl.reports.source import beijing_iso, database_name, window_filter


FORMATS = ("csv", "jsonl")

#: Fields of a stored document that are MongoDB plumbing, not data: never exported.
INTERNAL_FIELDS = ("_id", "search_title", "search_body", "dedup", "story", "rank", "copies")

#: Relevance categories that get a CSV column each (``relevance.matched.<category>``).
MATCHED_CATEGORIES = ("health", "digital", "policy")

#: CSV columns, in order. ``body`` is last because it is long.
CSV_COLUMNS = (
    "published_at", "site", "site_name", "channel", "channel_label", "title", "url", "canonical_url",
    "source", "author", "editor",
    "relevant", "relevance_score", *(f"matched_{c}" for c in MATCHED_CATEGORIES), "lexicon_version",
    "top_keywords", "keywords",
    "also_at_count", "also_at_urls", "also_at_sites",
    "images", "template", "date_source", "spider", "job_id",
    "first_seen", "last_seen", "content_hash", "schema_version",
    "body",
)
LIST_SEPARATOR = "; "
#: Cells starting with these are formulas to Excel (CSV injection); they get a leading "'".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- files ----------------------------------------------------------------------------------------
def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, so a failure never
    leaves a half-written file behind (and an older file of that name stays until the end)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- documents → rows / JSON -----------------------------------------------------------------------
def export_filter(since: date | None, until: date | None, include_all: bool = False) -> dict[str, Any]:
    query = window_filter(since, until)
    if not include_all:
        query["relevance.relevant"] = True
    return query


def _plain(value: Any) -> Any:
    """JSON-ready copy: datetimes → Beijing ISO strings, other BSON types → str."""
    if isinstance(value, datetime):
        return beijing_iso(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def json_document(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document as exported to JSON lines: no MongoDB internals, the Article's fields in
    their documented order, then the storage-managed ones (first_seen, last_seen, …)."""
    order = {name: i for i, name in enumerate((*ARTICLE_FIELDS, "first_seen", "last_seen"))}
    keys = sorted((k for k in doc if k not in INTERNAL_FIELDS), key=lambda k: (order.get(k, len(order)), k))
    return _plain({k: doc[k] for k in keys})


def _joined(values: Iterable[Any] | None) -> str:
    return LIST_SEPARATOR.join(str(v) for v in (values or []) if v not in (None, ""))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(doc: dict[str, Any]) -> dict[str, Any]:
    """The CSV row (``CSV_COLUMNS`` → cell) of a stored document."""
    relevance = doc.get("relevance") or {}
    matched = relevance.get("matched") or {}
    crawl = doc.get("crawl") or {}
    also_at = doc.get("also_at") or []
    row = {
        "published_at": beijing_iso(doc.get("published_at")),
        "site": doc.get("site"),
        "site_name": doc.get("site_name"),
        "channel": doc.get("channel"),
        "channel_label": doc.get("channel_label"),
        "title": doc.get("title"),
        "url": doc.get("url"),
        "canonical_url": doc.get("canonical_url"),
        "source": doc.get("source"),
        "author": doc.get("author"),
        "editor": doc.get("editor"),
        "relevant": relevance.get("relevant"),
        "relevance_score": relevance.get("score"),
        **{f"matched_{c}": _joined(matched.get(c)) for c in MATCHED_CATEGORIES},
        "lexicon_version": relevance.get("lexicon_version"),
        "top_keywords": _joined(doc.get("top_keywords")),
        "keywords": _joined(doc.get("keywords")),
        "also_at_count": len(also_at),
        "also_at_urls": _joined(a.get("url") for a in also_at),
        "also_at_sites": _joined(a.get("site_name") for a in also_at),
        "images": _joined(doc.get("images")),
        "template": crawl.get("template"),
        "date_source": crawl.get("date_source"),
        "spider": crawl.get("spider"),
        "job_id": crawl.get("job_id"),
        "first_seen": beijing_iso(doc.get("first_seen")),
        "last_seen": beijing_iso(doc.get("last_seen")),
        "content_hash": doc.get("content_hash"),
        "schema_version": doc.get("schema_version"),
        "body": doc.get("body"),
    }
    return {k: _cell(v) for k, v in row.items()}


def find_for_export(collection, since: date | None, until: date | None,
                    include_all: bool = False) -> Iterator[dict[str, Any]]:
    projection = {f: 0 for f in INTERNAL_FIELDS if f != "_id"}
    cursor = collection.find(export_filter(since, until, include_all), projection)
    return cursor.sort([("published_at", 1), ("canonical_url", 1)])


def write_csv(docs: Iterable[dict[str, Any]], fh: TextIO) -> int:
    fh.write("\ufeff")  # the BOM Excel needs to read UTF-8
    writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    n = 0
    for doc in docs:
        writer.writerow(csv_row(doc))
        n += 1
    return n


def write_jsonl(docs: Iterable[dict[str, Any]], fh: TextIO) -> int:
    n = 0
    for doc in docs:
        fh.write(json.dumps(json_document(doc), ensure_ascii=False) + "\n")
        n += 1
    return n


@dataclass
class ExportResult:
    count: int
    fmt: str
    #: the file written, or None for stdout / a stream
    path: Path | None
    #: the database read
    database: str = ""

    @property
    def message(self) -> str:
        where = str(self.path) if self.path else "stdout"
        return f"exported {self.count} article(s) as {self.fmt} to {where} from database {self.database}"


def export(collection, since: date | None, until: date | None, fmt: str = "csv",
           out: Path | str | TextIO | None = None, include_all: bool = False) -> ExportResult:
    """Write the articles published in [since, until] (Beijing days) as ``fmt`` to ``out``.

    ``out``: a path (written atomically), a text stream, or None / ``"-"`` for stdout (UTF-8
    whatever the locale). ``include_all``: every stored article, not only the relevant ones.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    docs = find_for_export(collection, since, until, include_all)
    writer = write_csv if fmt == "csv" else write_jsonl
    if out is None or out == "-":
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            count = writer(docs, stream)
            stream.flush()
        finally:
            stream.detach()
        return ExportResult(count, fmt, None, database_name(collection))
    if hasattr(out, "write"):
        return ExportResult(writer(docs, out), fmt, None, database_name(collection))
    path = Path(out)
    buffer = io.StringIO(newline="")
    count = writer(docs, buffer)
    atomic_write(path, buffer.getvalue().encode("utf-8"))
    return ExportResult(count, fmt, path, database_name(collection))
