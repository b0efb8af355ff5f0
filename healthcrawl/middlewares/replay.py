"""Offline replay and recording of crawls through a mirror tree ``<dir>/<host>/<path>``.

``HEALTHCRAWL_REPLAY_DIR``: every request is answered from the mirror (the stored bytes are the
body; a URL ending in ``/`` maps to ``index.html``; query strings are ignored); a missing file is
a 404. Nothing touches the network. ``HEALTHCRAWL_RECORD_DIR``: every downloaded response is
written into the same layout, so a crawl recorded online can be replayed later.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes

logger = logging.getLogger(__name__)

STATS = "healthcrawl/replay"
_TYPES = {".htm": "text/html", ".html": "text/html", ".shtml": "text/html",
          ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain"}


def mirror_path(root: Path, url: str) -> Path | None:
    """Where ``url`` lives in a mirror tree (None for URLs that cannot be mapped safely)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path or "/")
    if not host or ".." in path.split("/"):
        return None
    if path.endswith("/"):
        path += "index.html"
    return root / host / path.lstrip("/")


class ReplayMiddleware:
    def __init__(self, crawler, replay_dir: str | None, record_dir: str | None):
        self.crawler = crawler
        self.replay_dir = Path(replay_dir).resolve() if replay_dir else None
        self.record_dir = Path(record_dir).resolve() if record_dir else None
        if self.replay_dir and not self.replay_dir.is_dir():
            raise ValueError(f"HEALTHCRAWL_REPLAY_DIR {self.replay_dir} is not a directory")

    @classmethod
    def from_crawler(cls, crawler):
        replay = crawler.settings.get("HEALTHCRAWL_REPLAY_DIR")
        record = crawler.settings.get("HEALTHCRAWL_RECORD_DIR")
        if not replay and not record:
            raise NotConfigured  # off is harmless: requests go to the network as usual
        if replay:
            logger.info("replaying every request from %s (no network)", replay)
        return cls(crawler, replay, record)

    def process_request(self, request: Request) -> Response | None:
        if self.replay_dir is None:
            return None
        path = mirror_path(self.replay_dir, request.url)
        stats = self.crawler.stats
        if path is None or not path.is_file():
            stats.inc_value(f"{STATS}/missing")
            return Response(url=request.url, status=404, body=b"", request=request)
        body = path.read_bytes()
        ctype = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"Content-Type": ctype}
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        stats.inc_value(f"{STATS}/served")
        return cls(url=request.url, status=200, headers=headers, body=body, request=request)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.record_dir is not None and self.replay_dir is None and response.status == 200:
            path = mirror_path(self.record_dir, response.url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(response.body)
                self.crawler.stats.inc_value(f"{STATS}/recorded")
        return response
