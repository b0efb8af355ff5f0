"""`healthcrawl fixture`: save a page as a test fixture, served over HTTP (here from 127.0.0.1), from a
saved file or from the replay mirror; the draft decodes as a crawl does and fails the tests until
checked."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

from healthcrawl.cli.main import main
from healthcrawl.crawl.fixtures import DRAFT_KEY, save_fixture
from tests.pages import FIXTURES, load_fixture

ROOT = Path(__file__).resolve().parents[1]


def checked(folder):
    """The fixture folder's expected.json as an operator leaves it: the draft line deleted."""
    path = folder / "expected.json"
    expected = json.loads(path.read_text(encoding="utf-8"))
    del expected[DRAFT_KEY]
    path.write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    return expected


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
    assert DRAFT_KEY in draft  # the extraction tests fail on it until an operator deletes it
    draft = checked(folder)
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
    draft = checked(folder)
    assert (draft["kind"], set(draft)) == ("list", {"kind", "entries", "next_page", "problems"})
    expected = load_fixture(FIXTURES / "chinanews" / "list_rss")[1]
    assert draft["entries"] == expected["entries"]


def test_unreachable_url_raises(tmp_path):
    with pytest.raises(OSError):
        save_fixture("http://127.0.0.1:9/nothing.html", "gmw", tmp_path, timeout=2)


GB2312_META = b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'


def utf8_page_declaring_gb2312():
    """A UTF-8 article page whose <meta> says GB2312 (the crawl reads it as UTF-8)."""
    body = (FIXTURES / "ce" / "new_utf8_fallback" / "page.html").read_bytes()
    assert b'<meta charset="utf-8">' in body
    return body.replace(b'<meta charset="utf-8">', GB2312_META)


def test_offline_from_a_saved_file_decodes_as_a_crawl_does(tmp_path):
    source = FIXTURES / "ce" / "new_utf8_fallback"
    page = tmp_path / "saved.html"
    page.write_bytes(utf8_page_declaring_gb2312())
    url = (source / "url.txt").read_text(encoding="utf-8").strip()
    code = main(["fixture", "--url", url, "--site", "ce", "--page", str(page), "--dest", str(tmp_path),
                 "--name", "offline"])
    assert code == 0
    folder = tmp_path / "ce" / "offline"
    assert (folder / "page.html").read_bytes() == page.read_bytes()
    draft = checked(folder)
    _, expected = load_fixture(source)
    # not mojibake: the same title, editor and body as the correctly declared page
    for name in ("title", "editor", "paragraphs", "published_at"):
        assert draft[name] == expected[name], name


def test_offline_from_the_replay_mirror(tmp_path):
    source = FIXTURES / "gmw" / "article_new"
    url = (source / "url.txt").read_text(encoding="utf-8").strip()
    from healthcrawl.crawl.middlewares.replay import mirror_path

    mirrored = mirror_path(tmp_path / "mirror", url)
    mirrored.parent.mkdir(parents=True)
    mirrored.write_bytes((source / "page.html").read_bytes())
    env = {**os.environ, "HEALTHCRAWL_REPLAY_DIR": str(tmp_path / "mirror")}
    result = subprocess.run([sys.executable, "-m", "healthcrawl.cli.main", "fixture", url, "--site", "gmw",
                             "--dest", str(tmp_path / "out"), "--name", "m"],
                            env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    draft = checked(tmp_path / "out" / "gmw" / "m")
    assert draft == load_fixture(source)[1]


def test_a_url_missing_from_the_mirror_is_one_error(tmp_path, capsys):
    code = main(["fixture", "https://health.gmw.cn/2026-11/10/content_1.htm", "--site", "gmw",
                 "--replay-dir", str(tmp_path), "--dest", str(tmp_path / "out")])
    assert code == 2
    assert "not in the replay mirror" in capsys.readouterr().err
