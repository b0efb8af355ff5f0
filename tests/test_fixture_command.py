"""`healthcrawl fixture`: save a page served over HTTP (here from 127.0.0.1) as a test fixture."""

from __future__ import annotations

import http.server
import json
import threading
from functools import partial

import pytest

from healthcrawl.crawl.fixtures import save_fixture
from tests.pages import FIXTURES, load_fixture


@pytest.fixture
def page_server(tmp_path):
    """Serves tests/fixtures read-only on a free 127.0.0.1 port; stopped after the test."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(FIXTURES))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_saved_fixture_has_bytes_url_headers_and_the_whole_output(page_server, tmp_path):
    source = FIXTURES / "ce" / "trs_gb2312_gdxw"
    url = f"{page_server}/ce/trs_gb2312_gdxw/page.html"
    folder = save_fixture(url, "ce", tmp_path, name="saved")
    assert folder == tmp_path / "ce" / "saved"
    assert (folder / "page.html").read_bytes() == (source / "page.html").read_bytes()
    assert (folder / "url.txt").read_text(encoding="utf-8").strip() == url
    assert "Content-Type" in json.loads((folder / "headers.json").read_text(encoding="utf-8"))
    draft = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    _, expected = load_fixture(source)
    assert set(draft) == set(expected)  # every field of the format, none more
    for name in ("kind", "template", "title", "published_at", "source", "author", "editor", "paragraphs"):
        assert draft[name] == expected[name]  # the fields that do not depend on the URL
    # the saved folder is itself a loadable fixture
    response, reloaded = load_fixture(folder)
    assert reloaded == draft and response.url == url


def test_a_list_page_is_saved_with_every_entry(page_server, tmp_path):
    url = f"{page_server}/chinanews/list_rss/page.xml"
    folder = save_fixture(url, "chinanews", tmp_path, name="list", kind="list")
    draft = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert (draft["kind"], set(draft)) == ("list", {"kind", "entries", "next_page", "problems"})
    expected = load_fixture(FIXTURES / "chinanews" / "list_rss")[1]
    assert draft["entries"] == expected["entries"]


def test_unreachable_url_raises(tmp_path):
    with pytest.raises(OSError):
        save_fixture("http://127.0.0.1:9/nothing.html", "gmw", tmp_path, timeout=2)
