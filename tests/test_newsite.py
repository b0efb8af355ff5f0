"""`healthcrawl new-site`: a fifth site generated into a copy of the project; its test fails on the
draft expected.json, passes once the draft is checked, and `scrapy list` shows the site."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from healthcrawl.cli.newsite import site_domain

ROOT = Path(__file__).resolve().parents[1]
URL = "http://health.example.com.cn/n1/2024/0517/c14739-40238011.html"
#: a sample article of our own (UTF-8)
PAGE = """<html><head><meta charset="utf-8">
<title>社区医院试点远程问诊服务</title></head><body>
<h1>社区医院试点远程问诊服务</h1><div class="date">2024年05月17日 08:30</div>
<div class="rm_txt_con"><p>本市多家社区医院近日开始试点远程问诊，居民在家即可预约全科医生。</p>
<p>试点首月累计接诊一千余人次，慢性病复诊占比最高。</p></div></body></html>""".encode()


@pytest.fixture
def project(tmp_path):
    """A copy of the project's code and test helpers (no fixtures) to generate into."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "fixtures", "data")
    for name in ("healthcrawl", "spiders", "pipelines", "tests"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    for name in ("scrapy.cfg", "setup.py", "pytest.ini"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run([sys.executable, *args], cwd=project, env=env, capture_output=True,
                          text=True, timeout=300)


def test_domain_of_a_sample_url():
    assert site_domain(URL) == "example.com.cn"
    assert site_domain("https://health.people.com.cn/n1/2024/0517/c1.html") == "people.com.cn"
    assert site_domain("https://www.example.org/a.html") == "example.org"


def test_generated_site_fails_until_checked_then_passes(project):
    page = project / "sample.html"
    page.write_bytes(PAGE)
    made = run(project, "-m", "healthcrawl.cli.main", "new-site", "people", "--url", URL,
               "--page", str(page), "--title", "人民网")
    assert made.returncode == 0, made.stderr
    folder = project / "tests" / "fixtures" / "people" / "article"
    for path in (project / "spiders" / "people.py", project / "healthcrawl" / "crawl" / "extractors" / "people.py",
                 project / "tests" / "test_extract_people.py", folder / "page.html", folder / "url.txt"):
        assert path.exists(), path
    draft = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert draft["draft"] and draft["template"] == "people-article"
    assert draft["title"] == "社区医院试点远程问诊服务"
    assert draft["published_at"].startswith("2024-05-17T08:30")

    first = run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_extract_people.py")
    assert first.returncode == 1, first.stdout[-3000:]
    assert "draft" in first.stdout

    # the operator checks every value and deletes the draft line
    checked = {k: v for k, v in draft.items() if k != "draft"}
    (folder / "expected.json").write_text(json.dumps(checked, ensure_ascii=False), encoding="utf-8")
    second = run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_extract_people.py")
    assert second.returncode == 0, second.stdout[-3000:]

    listed = run(project, "-m", "scrapy", "list")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "people" in listed.stdout.split()
    registry = run(project, "-c", "from healthcrawl.crawl.sites import SITES, download_slots, bulletin_scope;"
                   "print(SITES['people'].name, download_slots()['people'], bulletin_scope())")
    assert registry.returncode == 0, registry.stderr
    assert registry.stdout.startswith("人民网") and "人民网等" in registry.stdout


def test_an_existing_site_is_refused(project):
    page = project / "sample.html"
    page.write_bytes(PAGE)
    made = run(project, "-m", "healthcrawl.cli.main", "new-site", "gmw", "--url", URL, "--page", str(page))
    assert made.returncode == 2 and "already there" in made.stderr
