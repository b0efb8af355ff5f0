"""Load saved page bytes into Scrapy responses, the way the downloader would hand them over.

Fixture layout: ``tests/fixtures/<site>/<case>/`` holds ``page.html`` (or ``page.json`` /
``page.xml``: the saved *bytes*), ``url.txt`` (the page's URL), optionally ``headers.json``
(response headers, e.g. a Content-Type with charset) and ``expected.json`` (the fields the
extractor must produce; datetimes as ISO 8601 with offset).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from scrapy.http import Response

from healthcrawl.crawl.fixtures import crawl_response, make_response  # noqa: F401 - make_response re-exported for the list tests

FIXTURES = Path(__file__).parent / "fixtures"
REALPAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages"


def fixture_dirs(site: str) -> list[Path]:
    root = FIXTURES / site
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


def load_fixture(path: Path) -> tuple[Response, dict]:
    """(response, expected) for one fixture directory."""
    body_file = next(p for p in sorted(path.iterdir()) if p.name.startswith("page."))
    url = (path / "url.txt").read_text(encoding="utf-8").strip()
    headers = {}
    if (path / "headers.json").exists():
        headers = json.loads((path / "headers.json").read_text(encoding="utf-8"))
    return crawl_response(url, body_file.read_bytes(), headers), expected_of(path)


def expected_of(path: Path) -> dict:
    """A fixture directory's expected.json ({} where it has none)."""
    file = path / "expected.json"
    return json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}


def iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
