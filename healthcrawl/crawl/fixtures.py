"""Saved pages as Scrapy responses, and ``healthcrawl fixture`` (save a live page as a fixture).

A fixture directory holds ``page.html`` (the saved *bytes*, so charset detection is exercised),
``url.txt``, ``headers.json`` (the response's Content-Type) and ``expected.json`` — for a new
fixture, a draft made by running the site's extractor, which the operator corrects by hand.
"""

from __future__ import annotations

import importlib
import json
import re
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, Request, Response
from scrapy.responsetypes import responsetypes


def make_response(url: str, body: bytes, headers: dict | None = None, status: int = 200) -> Response:
    """A response of the class Scrapy would pick (HtmlResponse, XmlResponse, TextResponse …)."""
    headers = dict(headers or {})
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    if cls is Response and body.lstrip()[:1] == b"<":
        cls = HtmlResponse
    return cls(url=url, body=body, headers=headers, status=status, request=Request(url))


def draft_expected(response: Response, site: str) -> dict[str, Any]:
    """What the site's extractor reads off the page now: the starting point of expected.json."""
    extractor = importlib.import_module(f"healthcrawl.crawl.extractors.{site}").EXTRACTOR
    reason = extractor.error_reason(response)
    if reason:
        return {"error_reason": reason}
    result = extractor.extract(response)
    out: dict[str, Any] = {"template": result.template}
    for name, value in result.fields.items():
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    out["next_page"] = result.next_page
    return out


def save_fixture(url: str, site: str, dest: Path, name: str | None = None, timeout: float = 30) -> Path:
    from healthcrawl.settings import USER_AGENT

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - operator-given URL
        body = answer.read()
        headers = {"Content-Type": answer.headers.get("Content-Type", "")}
    name = name or re.sub(r"[^A-Za-z0-9]+", "_", url.split("//", 1)[-1]).strip("_")[-60:]
    folder = dest / site / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.html").write_bytes(body)
    (folder / "url.txt").write_text(url + "\n", encoding="utf-8")
    (folder / "headers.json").write_text(json.dumps(headers) + "\n", encoding="utf-8")
    expected = draft_expected(make_response(url, body, headers), site)
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    return folder
