"""The project's shape: spiders listed, generic top-level packages loaded from this repo, the egg."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from healthcrawl.crawl.sites import SITES

ROOT = Path(__file__).resolve().parents[1]
#: one spider per registered site (healthcrawl/crawl/sites.py), no more
EXPECTED_SPIDERS = sorted(SITES)


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, **kw)


def test_scrapy_list_shows_exactly_the_registered_sites():
    result = run(sys.executable, "-m", "scrapy", "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == EXPECTED_SPIDERS


def test_spiders_and_pipelines_are_imported_from_this_repository():
    code = "import spiders, pipelines, healthcrawl; print(spiders.__file__); print(pipelines.__file__); print(healthcrawl.__file__)"
    result = run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    for line in result.stdout.split():
        assert Path(line).resolve().is_relative_to(ROOT), line


def test_every_spider_module_imports():
    import importlib
    import pkgutil

    import spiders
    from healthcrawl.crawl.spider import NewsSpider

    found = {}
    for module in pkgutil.iter_modules(spiders.__path__):
        mod = importlib.import_module(f"spiders.{module.name}")
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, NewsSpider) and obj is not NewsSpider:
                found[obj.name] = obj
    assert sorted(found) == EXPECTED_SPIDERS
    for spider in found.values():
        assert spider.site == spider.name
        assert spider.extractor.site == spider.site


def test_the_egg_holds_the_packages_and_their_data_but_not_the_tests(tmp_path):
    result = run(sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(tmp_path),
                 "-b", str(tmp_path / "build"))
    assert result.returncode == 0, result.stderr[-2000:]
    egg = next(tmp_path.glob("*.egg"))
    names = zipfile.ZipFile(egg).namelist()
    for required in ("healthcrawl/settings.py", "healthcrawl/crawl/spider.py",
                     *(f"spiders/{site}.py" for site in SITES), "pipelines/mongo.py", "healthcrawl/data/userdict.txt",
                     "healthcrawl/demo/manifest.json"):
        assert required in names, required
    assert not any(n.startswith("tests/") for n in names)
    entry_points = zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()
    assert "settings = healthcrawl.settings" in entry_points
    assert "healthcrawl = healthcrawl.cli.main:main" in entry_points
