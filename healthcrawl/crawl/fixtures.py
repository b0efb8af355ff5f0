"""Saved pages as Scrapy responses, and ``healthcrawl fixture`` (save a live page as a fixture).

A fixture folder holds ``page.html`` (the saved *bytes*, so charset detection is exercised),
``url.txt``, ``headers.json`` (the response's Content-Type) and ``expected.json``: the
extractor's whole output for the page (:func:`expected_output`: every field, every paragraph,
how each was read), which the tests compare field by field, with no field more or less.
"""

from __future__ import annotations

import importlib
import json
import re
import urllib.request
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, Request, Response
from scrapy.responsetypes import responsetypes

from healthcrawl.crawl.extractors.base import PAGE_FIELDS, Extracted, SiteExtractor
from healthcrawl.crawl.extractors.lists import ListPage

#: the kinds of page a fixture can be
KINDS = ("article", "list", "error")


def make_response(url: str, body: bytes, headers: dict | None = None, status: int = 200) -> Response:
    """A response of the class Scrapy would pick (HtmlResponse, XmlResponse, TextResponse …)."""
    headers = dict(headers or {})
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    if cls is Response and body.lstrip()[:1] == b"<":
        cls = HtmlResponse
    return cls(url=url, body=body, headers=headers, status=status, request=Request(url))


def site_extractor(site: str) -> SiteExtractor:
    return importlib.import_module(f"healthcrawl.crawl.extractors.{site}").EXTRACTOR


def _json(value: Any) -> Any:
    """``value`` as expected.json writes it (datetimes as ISO 8601 with their offset)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def article_output(result: Extracted) -> dict[str, Any]:
    """Every field of an article page (None or [] where the page has none), the template, the
    next page and how each field was read."""
    out: dict[str, Any] = {"kind": "article", "template": result.template}
    for name in PAGE_FIELDS:
        empty = [] if name in ("paragraphs", "images", "keywords") else None
        out[name] = _json(result.fields.get(name, empty))
    out["next_page"] = result.next_page
    out["how"] = dict(sorted(result.how.items()))
    return out


def list_output(page: ListPage) -> dict[str, Any]:
    """Every entry of a list page (all its fields), the next page and the entries' problems."""
    return {"kind": "list", "entries": [_json(asdict(entry)) for entry in page.entries],
            "next_page": page.next_page, "problems": [list(p) for p in page.problems]}


def expected_output(response: Response, extractor: SiteExtractor, kind: str = "article") -> dict[str, Any]:
    """What the extractor reads off a page of ``kind`` ("article" or "list"), as expected.json
    holds it; an article page the extractor takes for an error page gives ``kind`` "error"."""
    if kind == "list":
        return list_output(extractor.parse_list(response))
    reason = extractor.error_reason(response)
    if reason:
        return {"kind": "error", "error": reason}
    return article_output(extractor.extract(response))


def save_fixture(url: str, site: str, dest: Path, name: str | None = None, timeout: float = 30,
                 kind: str = "article") -> Path:
    """Download ``url`` into ``dest/<site>/<name>/`` with its expected.json, to be checked by hand."""
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
    write_expected(folder, expected_output(make_response(url, body, headers), site_extractor(site), kind))
    return folder


def write_expected(folder: Path, expected: dict[str, Any]) -> None:
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
