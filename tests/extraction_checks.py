"""Fixture-driven checks shared by the per-site modules ``test_extract_<site>.py``.

Every ``tests/fixtures/<site>/<case>/expected.json`` is the extractor's whole output for the page,
as ``healthcrawl fixture`` writes it (:func:`healthcrawl.crawl.fixtures.expected_output`): its
``kind`` (article, list or error) and every field, every paragraph, every list entry. A site
module subclasses :class:`ExtractionChecks` (as ``TestExtraction``) with its ``site`` and
``extractor``; pytest then runs, for each fixture:

* ``test_output_field``: one test per field of expected.json, the output's value against it;
* ``test_no_other_field``: the output has exactly the fields expected.json states;
* ``test_error_reason``: the extractor's error reason is the one the fixture states, else None;
* ``test_every_template_has_a_fixture``: the article fixtures exercise every template of the
  extractor (the fallback where the site has a fixture for it).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from healthcrawl.crawl.extractors.base import SiteExtractor
from healthcrawl.crawl.fixtures import expected_output
from tests.pages import expected_of, fixture_dirs, load_fixture

#: keys of expected.json that are inputs, not output: the clock a list printing dates without a
#: year is read at (``now``, chinanews; read there by test_lists_gmw_chinanews.py too)
INPUTS = ("now",)


# -- fixture selection ------------------------------------------------------------------------------
def kind_of(expected: dict) -> str:
    """"article", "list" or "error"."""
    return expected["kind"]


def fixtures_of_kind(site: str, *kinds: str) -> list[Path]:
    return [path for path in fixture_dirs(site) if kind_of(expected_of(path)) in kinds]


def fixture_params(site: str, *kinds: str) -> list:
    return [pytest.param(path, id=path.name) for path in fixtures_of_kind(site, *kinds)]


def field_params(site: str) -> list:
    """(fixture dir, field) for every output field of every fixture of the site."""
    return [pytest.param(path, key, id=f"{path.name}-{key}")
            for path in fixture_dirs(site) for key in expected_of(path) if key not in INPUTS]


# -- the output -------------------------------------------------------------------------------------
def reader(extractor: SiteExtractor, expected: dict) -> SiteExtractor:
    """The extractor, on the clock the fixture states (``now``) when it states one."""
    if "now" not in expected:
        return extractor
    return type(extractor)(now=lambda: datetime.fromisoformat(expected["now"]))


@cache
def output(extractor: SiteExtractor, path: Path) -> dict[str, Any]:
    """The extractor's whole output for a fixture, as expected.json writes it."""
    response, expected = load_fixture(path)
    return expected_output(response, reader(extractor, expected), "list" if kind_of(expected) == "list" else "article")


def extracted_paragraphs(extractor: SiteExtractor, path: Path) -> list[str]:
    return output(extractor, path)["paragraphs"]


def check_field(extractor: SiteExtractor, path: Path, key: str) -> None:
    got = output(extractor, path)
    assert key in got, f"the output has no {key!r}"
    assert got[key] == expected_of(path)[key]


def check_no_other_field(extractor: SiteExtractor, path: Path) -> None:
    stated = {key for key in expected_of(path) if key not in INPUTS}
    assert set(output(extractor, path)) == stated


def check_error(extractor: SiteExtractor, path: Path) -> None:
    response, expected = load_fixture(path)
    assert extractor.error_reason(response) == expected.get("error")


def check_templates_covered(extractor: SiteExtractor, site: str, fallback: bool) -> None:
    """The article fixtures state, and yield, every template of the extractor (the fallback where
    the site has a fixture for it) and no other."""
    templates = {t.name for t in extractor.templates if fallback or not t.fallback}
    articles = fixtures_of_kind(site, "article")
    assert {expected_of(path)["template"] for path in articles} == templates
    assert {output(extractor, path)["template"] for path in articles} == templates


def check_body_is_clean(extractor: SiteExtractor, path: Path, *banned: str) -> None:
    """No empty paragraph, and none with any of the ``banned`` strings (editor lines, promotions)."""
    for paragraph in extracted_paragraphs(extractor, path):
        assert paragraph.strip()
        for text in banned:
            assert text not in paragraph


# -- the tests every site module runs ---------------------------------------------------------------
class ExtractionChecks:
    """Subclass as ``TestExtraction`` in a site's test module (not collected under this name)."""

    site: str
    extractor: SiteExtractor
    #: whether a fixture exercises the generic fallback besides the site's templates
    fallback: bool = False
    #: the fixture kinds whose error reason is checked (None unless the fixture states one)
    error_kinds: tuple[str, ...] = ("article", "list", "error")

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if metafunc.function.__name__ == "test_output_field":
            metafunc.parametrize(("path", "key"), field_params(self.site))
        elif metafunc.function.__name__ == "test_no_other_field":
            metafunc.parametrize("path", fixture_params(self.site, "article", "list", "error"))
        elif metafunc.function.__name__ == "test_error_reason":
            metafunc.parametrize("path", fixture_params(self.site, *self.error_kinds))

    def test_output_field(self, path: Path, key: str) -> None:
        check_field(self.extractor, path, key)

    def test_no_other_field(self, path: Path) -> None:
        check_no_other_field(self.extractor, path)

    def test_error_reason(self, path: Path) -> None:
        check_error(self.extractor, path)

    def test_every_template_has_a_fixture(self) -> None:
        check_templates_covered(self.extractor, self.site, self.fallback)
