"""The desk in a real browser: Debian's chromium and chromedriver (apt: chromium, chromium-driver)
driven by selenium, headless, against the desk served by uvicorn on a free 127.0.0.1 port.

Skipped only when the browser is not installed and CI is not set; under CI a missing browser
fails. Saves the screenshots the README shows (docs/desk-*.png).
"""

from __future__ import annotations

import http.server
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from tests.test_desk import PASSWORD, WEEK, desk, docx_titles, week_articles  # noqa: F401 - fixtures

CHROMIUM = os.environ.get("HEALTHCRAWL_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("HEALTHCRAWL_CHROMEDRIVER", "/usr/bin/chromedriver")
DOCS = Path(__file__).resolve().parents[1] / "docs"


def _require_browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip)")
    if missing:
        message = f"the browser test needs {', '.join(missing)} (apt: chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def served(desk):
    """The desk app on a free port, in a thread of this process."""
    import uvicorn

    from healthcrawl.storage.mongod import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(desk.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the desk did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser(tmp_path):
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1360,1000", "--lang=zh-CN", "--no-first-run"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(5)
    driver.downloads = downloads
    yield driver
    driver.quit()


def by_css(driver, css):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def click(driver, css: str) -> None:
    """Click the first element matching ``css`` and wait for the page it leads to."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    # The old document carries a mark; the wait ends when a document without it has loaded.
    # No element reference is held across the navigation: chromedriver may answer a query on a
    # node of the unloading page with an inspector error rather than "stale element".
    driver.execute_script("window.__hcBeforeClick = true")
    by_css(driver, css)[0].click()
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return !window.__hcBeforeClick && document.readyState === 'complete'"))


def log_in(driver, base: str, name: str) -> None:
    driver.get(f"{base}/week?week={WEEK}")
    by_css(driver, "#name")[0].send_keys(name)
    by_css(driver, "#password")[0].send_keys(PASSWORD)
    click(driver, "#login")
    assert by_css(driver, "#candidates"), driver.page_source[:500]


def click_in_row(driver, row_id: str, button: str) -> None:
    click(driver, f"#row-{row_id} button.{button}")
    assert by_css(driver, "#flash")


def pick_titles(driver) -> list[str]:
    return [e.text for e in by_css(driver, "#picks li.pick a.title")]


def wait_for_file(folder: Path, suffix: str, seconds: float = 20) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} downloaded: {list(folder.iterdir())}")


def test_an_editors_week_in_the_browser(desk, served, browser):
    from selenium.webdriver.support.ui import Select

    log_in(browser, served, "wang")
    # filter
    Select(by_css(browser, "#f-site")[0]).select_by_value("chinanews")
    click(browser, "#f-go")
    sites = {e.text for e in by_css(browser, "#candidates td.site")}
    assert sites == {"中国新闻网"}
    browser.get(f"{served}/week?week={WEEK}")
    rows = [e.get_attribute("data-id") for e in by_css(browser, "tr.cand")]
    # open an article
    click(browser, f"#row-{rows[0]} a.title")
    assert by_css(browser, "#body mark") and "评分依据" in by_css(browser, "#reasons")[0].text
    DOCS.mkdir(exist_ok=True)
    browser.save_screenshot(str(DOCS / "desk-article.png"))
    browser.get(f"{served}/week?week={WEEK}")
    # pick three, reorder, reject one
    for oid in rows[:3]:
        click_in_row(browser, oid, "pick")
    titles = pick_titles(browser)
    assert len(titles) == 3
    click(browser, "#picks li.pick:nth-child(3) button.up")
    assert pick_titles(browser) == [titles[0], titles[2], titles[1]]
    click_in_row(browser, rows[5], "reject")
    assert not by_css(browser, f"#row-{rows[5]}")
    browser.save_screenshot(str(DOCS / "desk-week.png"))
    # rescue a near miss (a dropped URL)
    browser.get(f"{served}/near?week={WEEK}")
    browser.save_screenshot(str(DOCS / "desk-near.png"))
    click(browser, "#dropped-misses button.rescue")
    assert "已存入并救回" in by_css(browser, "#flash")[0].text
    browser.get(f"{served}/week?week={WEEK}")
    assert any("救回" in e.text for e in by_css(browser, "tr.cand.rescued"))
    # the bulletin: preview, then the docx with the three titles in order
    browser.get(f"{served}/bulletin?week={WEEK}")
    browser.save_screenshot(str(DOCS / "desk-bulletin.png"))
    by_css(browser, "#download-docx")[0].click()
    docx = wait_for_file(browser.downloads, ".docx")
    assert docx_titles(docx.read_bytes()) == [titles[0], titles[2], titles[1]]
    browser.get(f"{served}/health?week={WEEK}")
    browser.save_screenshot(str(DOCS / "desk-health.png"))


def test_a_viewer_cannot_pick_in_the_browser(desk, served, browser):
    log_in(browser, served, "li")
    assert not by_css(browser, "button.pick") and not by_css(browser, "button.reject")
    oid = by_css(browser, "tr.cand")[0].get_attribute("data-id")
    token = by_css(browser, "input[name=csrf]")[0].get_attribute("value")
    # the viewer's own valid token, a hand-made form: refused all the same
    browser.execute_script("""
        const f = document.createElement('form'); f.method = 'post'; f.action = '/pick';
        for (const [k, v] of Object.entries(arguments[0])) {
            const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
        }
        document.body.appendChild(f); f.submit();""", {"csrf": token, "id": oid, "next": "/week"})
    assert "只读" in by_css(browser, "#refusal")[0].text
    assert desk.db.articles.count_documents({"bulletin.pick": True}) == 0


def test_a_forged_post_from_another_page_is_refused(desk, served, browser, tmp_path):
    log_in(browser, served, "wang")
    oid = by_css(browser, "tr.cand")[0].get_attribute("data-id")
    page = tmp_path / "evil" / "index.html"
    page.parent.mkdir()
    page.write_text(f"""<!DOCTYPE html><meta charset="utf-8"><form method="post" action="{served}/pick">
        <input type="hidden" name="id" value="{oid}"><button id="go">领奖</button></form>""", encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(page.parent), **kwargs)

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{evil.server_address[1]}/index.html")
        click(browser, "#go")
        assert "CSRF" in by_css(browser, "#refusal")[0].text
    finally:
        evil.shutdown()
    assert desk.db.articles.count_documents({"bulletin.pick": True}) == 0
    assert desk.db.labels.count_documents({}) == 0
