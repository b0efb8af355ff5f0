"""Fixture-driven article checks shared by the per-site modules ``test_extract_<site>.py``.

A site module subclasses :class:`ExtractionChecks` (as ``TestExtraction``) with its ``site`` and
``extractor``; pytest then runs, for the fixtures under ``tests/fixtures/<site>/``:

* ``test_article_field``: one test per article fixture per key its expected.json states (and per
  key of ``REQUIRED``, stated or not), plus one per ``how.<field>``;
* ``test_error_reason``: the extractor's error reason is the one the fixture states, else None;
* ``test_every_template_has_a_fixture``: the article fixtures exercise exactly the extractor's
  templates (and the generic fallback where the site has a fixture for it).

Two expected.json styles are read alike (see :func:`kind_of`, :func:`error_of`): gmw and chinanews
name the fixture's ``"kind"`` (article / list / error) and put an error page's reason under
``"error"``; ce and cnii have no kind (a list fixture has ``"entries"``, an error fixture
``"error_reason"``, any other is an article).
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from healthcrawl.crawl.extractors.base import Extracted, SiteExtractor
from tests.pages import expected_of, fixture_dirs, iso, load_fixture

#: keys every article fixture's expected.json must state (a missing one fails its test)
REQUIRED = ("template", "title", "published_at", "source", "author", "editor", "channel", "keywords",
            "paragraph_count", "first_paragraph", "last_paragraph")
#: keys checked where the expected.json states them
OPTIONAL = ("images", "next_page")
CHECKED = REQUIRED + OPTIONAL
#: ``REQUIRED`` and images: for sites whose every article fixture states its images
WITH_IMAGES = REQUIRED + ("images",)
BEIJING = timedelta(hours=8)


# -- fixture selection ------------------------------------------------------------------------------
def kind_of(expected: dict) -> str:
    """"article", "list" or "error", from either expected.json style."""
    if "kind" in expected:
        return expected["kind"]
    if "entries" in expected:
        return "list"
    return "error" if "error_reason" in expected else "article"


def error_of(expected: dict) -> str | None:
    """The error reason the fixture states (None: not an error page)."""
    return expected.get("error", expected.get("error_reason"))


def fixtures_of_kind(site: str, *kinds: str) -> list[Path]:
    return [path for path in fixture_dirs(site) if kind_of(expected_of(path)) in kinds]


def article_params(site: str, required: tuple[str, ...] = REQUIRED) -> list:
    """(fixture dir, key) for every checked key of every article fixture, ``how.<field>`` included."""
    params = []
    for path in fixtures_of_kind(site, "article"):
        expected = expected_of(path)
        keys = [k for k in CHECKED if k in expected or k in required]
        keys += [f"how.{k}" for k in expected.get("how", {})]
        params += [pytest.param(path, key, id=f"{path.name}-{key}") for key in keys]
    return params


def fixture_params(site: str, *kinds: str) -> list:
    return [pytest.param(path, id=path.name) for path in fixtures_of_kind(site, *kinds)]


# -- checks -----------------------------------------------------------------------------------------
@cache
def extracted(extractor: SiteExtractor, path: Path) -> Extracted:
    return extractor.extract(load_fixture(path)[0])


def actual_value(result: Extracted, key: str) -> Any:
    paragraphs = result.fields.get("paragraphs") or []
    if key.startswith("how."):
        return result.how.get(key[4:])
    if key == "template":
        return result.template
    if key == "next_page":
        return result.next_page
    if key == "paragraph_count":
        return len(paragraphs)
    if key == "first_paragraph":
        return paragraphs[0] if paragraphs else None
    if key == "last_paragraph":
        return paragraphs[-1] if paragraphs else None
    return result.fields.get(key)


def check_field(extractor: SiteExtractor, path: Path, key: str) -> None:
    expected = expected_of(path)
    if key.startswith("how."):
        wanted = expected["how"][key[4:]]
    else:
        assert key in expected, f"{path.name}/expected.json does not state {key!r}"
        wanted = expected[key]
    got = actual_value(extracted(extractor, path), key)
    if key == "published_at":  # the instant, written as the fixture writes it, in Beijing time
        assert got == iso(wanted)
        if wanted is not None:
            assert got.isoformat() == wanted
            assert got.utcoffset() == BEIJING
        return
    if isinstance(wanted, list) or key in ("images", "keywords"):
        got = got or []
    assert got == wanted


def check_error(extractor: SiteExtractor, path: Path) -> None:
    response, expected = load_fixture(path)
    assert extractor.error_reason(response) == error_of(expected)


def check_templates_covered(extractor: SiteExtractor, site: str, fallback: bool) -> None:
    """The article fixtures state, and yield, every template of the extractor (the fallback where
    the site has a fixture for it) and no other."""
    templates = {t.name for t in extractor.templates if fallback or not t.fallback}
    articles = fixtures_of_kind(site, "article")
    assert {expected_of(path)["template"] for path in articles} == templates
    assert {extracted(extractor, path).template for path in articles} == templates


def check_body_is_clean(extractor: SiteExtractor, path: Path, *banned: str) -> None:
    """No empty paragraph, and none with any of the ``banned`` strings (editor lines, promotions)."""
    for paragraph in extracted(extractor, path).fields["paragraphs"]:
        assert paragraph.strip()
        for text in banned:
            assert text not in paragraph


# -- the tests every site module runs ---------------------------------------------------------------
class ExtractionChecks:
    """Subclass as ``TestExtraction`` in a site's test module (not collected under this name)."""

    site: str
    extractor: SiteExtractor
    #: expected.json keys every article fixture of the site must state
    required: tuple[str, ...] = REQUIRED
    #: whether a fixture exercises the generic fallback besides the site's templates
    fallback: bool = False
    #: the fixture kinds whose error reason is checked (None unless the fixture states one)
    error_kinds: tuple[str, ...] = ("article", "list", "error")

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if metafunc.function.__name__ == "test_article_field":
            metafunc.parametrize(("path", "key"), article_params(self.site, self.required))
        elif metafunc.function.__name__ == "test_error_reason":
            metafunc.parametrize("path", fixture_params(self.site, *self.error_kinds))

    def test_article_field(self, path: Path, key: str) -> None:
        check_field(self.extractor, path, key)

    def test_error_reason(self, path: Path) -> None:
        check_error(self.extractor, path)

    def test_every_template_has_a_fixture(self) -> None:
        check_templates_covered(self.extractor, self.site, self.fallback)
