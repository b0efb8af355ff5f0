"""The bundled demo week as the tests use it: the archive (a replay mirror), its manifest and its
window, and the ``scrapy crawl`` arguments that replay it. One place for what eight modules
restated; a missing archive or manifest fails the import, so no test can skip over it."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "healthcrawl" / "demo"
ARCHIVE = DEMO / "archive"
MANIFEST_PATH = DEMO / "manifest.json"
MANIFEST: dict = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
ARTICLES: list[dict] = MANIFEST["articles"]
#: (since, until) of the demo week, ISO dates
WEEK: tuple[str, str] = (MANIFEST["window"]["since"], MANIFEST["window"]["until"])

if not ARCHIVE.is_dir():
    raise RuntimeError(f"the demo archive is missing at {ARCHIVE}: it is committed package data")


def week_args(database: str, spool: Path | None = None) -> list[str]:
    """``scrapy crawl <spider>`` arguments replaying the demo week into MongoDB ``database``
    (``spool``: the storage spool folder, else the project's default)."""
    args = ["-a", f"since={WEEK[0]}", "-a", f"until={WEEK[1]}",
            "-s", f"HEALTHCRAWL_REPLAY_DIR={ARCHIVE}", "-s", f"MONGO_DATABASE={database}"]
    return args + (["-s", f"MONGO_SPOOL_DIR={spool}"] if spool else [])


def expected_in_bulletin(sites: tuple[str, ...] | None = None) -> list[dict]:
    """The manifest's articles the demo's bulletin lists, reprints included (of ``sites``, else all)."""
    return [a for a in ARTICLES if a["expected_in_bulletin"] and (sites is None or a["site"] in sites)]


def reprint_pairs(articles: list[dict]) -> list[tuple[str, str]]:
    """(original URL, reprint URL) of each reprint among ``articles``."""
    return [(a["flags"]["reprint_of"], a["url"]) for a in articles if a["flags"]["reprint_of"]]
