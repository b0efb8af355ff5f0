"""Saved pages as Scrapy responses (decoded as a crawl decodes them), and ``healthcrawl fixture``:
a page from the web, a saved file or the replay mirror saved as a fixture.

A fixture folder holds ``page.html`` (the saved *bytes*, so charset detection is exercised),
``url.txt``, ``headers.json`` (the response's Content-Type) and ``expected.json``: the
extractor's whole output for the page (:func:`expected_output`: every field, every paragraph,
how each was read), which the tests compare field by field, with no field more or less. A fresh expected.json is a
*draft* (a ``draft`` line the tests fail on) until an operator has checked it against the page.
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


class _NoStats:
    def inc_value(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Bare:
    """The little of a crawler the charset and replay middlewares use outside a crawl."""

    stats = _NoStats()


def crawl_decoded(response: Response) -> Response:
    """``response`` decoded as a crawl decodes it: the charset middleware's choice (a UTF-8 page
    declaring GB2312 is read as UTF-8, an undeclared GBK page as GB18030)."""
    from healthcrawl.crawl.middlewares.charset import CharsetMiddleware  # noqa: PLC0415

    return CharsetMiddleware(_Bare()).process_response(response.request, response)


def make_response(url: str, body: bytes, headers: dict | None = None, status: int = 200) -> Response:
    """A response of the class Scrapy would pick (HtmlResponse, XmlResponse, TextResponse …), as
    the downloader hands it over (before the project's middlewares)."""
    headers = dict(headers or {})
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    if cls is Response and body.lstrip()[:1] == b"<":
        cls = HtmlResponse
    return cls(url=url, body=body, headers=headers, status=status, request=Request(url))


def crawl_response(url: str, body: bytes, headers: dict | None = None, status: int = 200) -> Response:
    """:func:`make_response` decoded as a crawl decodes it (:func:`crawl_decoded`)."""
    return crawl_decoded(make_response(url, body, headers, status))


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


#: the key that marks an expected.json as a draft: the extraction tests fail on it (a field the
#: output does not have) until an operator has checked every value and deleted the line
DRAFT_KEY = "draft"
DRAFT_NOTE = "check every value against the page, correct the wrong ones, then delete this line"


def fetch_page(url: str, timeout: float = 30) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a live page (online)."""
    from healthcrawl.settings import USER_AGENT  # noqa: PLC0415

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - operator-given URL
        return answer.read(), {"Content-Type": answer.headers.get("Content-Type", "")}


def replay_page(url: str, replay_dir: Path) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of ``url`` as the replay middleware serves it from a mirror tree."""
    from healthcrawl.crawl.middlewares.replay import ReplayMiddleware  # noqa: PLC0415

    answer = ReplayMiddleware(_Bare(), str(replay_dir), None).process_request(Request(url))
    if answer is None or answer.status != 200:
        raise FileNotFoundError(f"{url} is not in the replay mirror {replay_dir}")
    return answer.body, {"Content-Type": answer.headers.get("Content-Type", b"").decode("latin-1")}


def saved_page(url: str, page: Path) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a page saved to a file; the Content-Type is left to the bytes."""
    return Path(page).read_bytes(), {}


def fixture_name(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", url.split("//", 1)[-1]).strip("_")[-60:]


def save_fixture(url: str, site: str, dest: Path, name: str | None = None, timeout: float = 30,
                 kind: str = "article", page: Path | None = None, replay_dir: Path | None = None) -> Path:
    """Save ``url`` into ``dest/<site>/<name>/`` with a draft expected.json, to be checked by hand.
    The bytes come from ``page`` (a saved file), else from the ``replay_dir`` mirror, else online."""
    if page is not None:
        body, headers = saved_page(url, page)
    elif replay_dir is not None:
        body, headers = replay_page(url, Path(replay_dir))
    else:
        body, headers = fetch_page(url, timeout)
    folder = dest / site / (name or fixture_name(url))
    write_fixture(folder, url, body, headers,
                  expected_output(crawl_response(url, body, headers), site_extractor(site), kind))
    return folder


def write_fixture(folder: Path, url: str, body: bytes, headers: dict[str, str],
                  expected: dict[str, Any], draft: bool = True) -> None:
    """A fixture folder: the bytes, url.txt, headers.json and expected.json (a draft unless told)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.html").write_bytes(body)
    (folder / "url.txt").write_text(url + "\n", encoding="utf-8")
    (folder / "headers.json").write_text(json.dumps(headers) + "\n", encoding="utf-8")
    write_expected(folder, {DRAFT_KEY: DRAFT_NOTE, **expected} if draft else expected)


def write_expected(folder: Path, expected: dict[str, Any]) -> None:
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
