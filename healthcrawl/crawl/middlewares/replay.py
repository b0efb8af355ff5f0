"""Offline replay and recording of crawls through a mirror tree ``<dir>/<host>/<path>``.

``HEALTHCRAWL_REPLAY_DIR``: every request is answered from the mirror (the stored bytes are the
body; a URL ending in ``/`` maps to ``index.html``; query strings are ignored); a missing file is
a 404. Nothing touches the network. A URL whose host is not a host name (``..``, ``.``, empty
labels, ``%2F`` …) or whose path leaves the tree is refused (404, ``healthcrawl/replay/refused``,
one warning). ``HEALTHCRAWL_RECORD_DIR``: every downloaded response is written into the same
layout, so a crawl recorded online can be replayed later; a response that cannot be saved (a path
that is both a file and a folder, a name too long, NUL) is logged and counted
(``healthcrawl/replay/record_failed``) and parsed all the same.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes

logger = logging.getLogger(__name__)

STATS = "healthcrawl/replay"
_TYPES = {".htm": "text/html", ".html": "text/html", ".shtml": "text/html",
          ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain"}


#: a host name as a mirror folder: DNS labels (letters, digits, hyphens, underscores) or an IPv4
#: address; "..", ".", empty labels, slashes, NUL and anything else cannot name a folder
_HOST = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*")


def mirror_path(root: Path, url: str) -> Path | None:
    """Where ``url`` lives in a mirror tree (None for URLs that cannot be mapped safely: a host
    or a path that would leave the tree)."""
    parts = urlsplit(url)
    try:
        host = (parts.hostname or "").lower()
    except ValueError:  # "http://[::1" …
        return None
    path = unquote(parts.path or "/")
    if not _HOST.fullmatch(host) or ".." in path.split("/") or "\0" in path:
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
        if self.replay_dir is None or request.url.startswith("data:"):
            return None  # recording, or a data: request (the spider's own: no network, no file)
        path = mirror_path(self.replay_dir, request.url)
        stats = self.crawler.stats
        if path is None:
            logger.warning("replay: refused %s (its host or path would leave the mirror)", request.url)
            stats.inc_value(f"{STATS}/refused")
            return Response(url=request.url, status=404, body=b"", request=request)
        if not path.is_file():
            stats.inc_value(f"{STATS}/missing")
            return Response(url=request.url, status=404, body=b"", request=request)
        body = path.read_bytes()
        ctype = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"Content-Type": ctype}
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        stats.inc_value(f"{STATS}/served")
        return cls(url=request.url, status=200, headers=headers, body=body, request=request)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.record_dir is not None and self.replay_dir is None and response.status == 200 \
                and response.url.startswith(("http://", "https://")):
            self.record(response)
        return response

    def record(self, response: Response) -> None:
        """Save a response into the record tree; a response that cannot be saved (a path that
        is both a file and a folder, a name too long, NUL …) is logged and counted, and still
        goes on to be parsed."""
        stats = self.crawler.stats
        path = mirror_path(self.record_dir, response.url)
        try:
            if path is None:
                raise ValueError("the URL names no file inside the record folder")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(response.body)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            logger.warning("record: could not save %s (%s: %s); the page is parsed all the same",
                           response.url, type(exc).__name__, reason)
            stats.inc_value(f"{STATS}/record_failed")
            return
        stats.inc_value(f"{STATS}/recorded")
