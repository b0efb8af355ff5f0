"""The two real saved pages (../shared/realpages): the site extractor's output, in the fixture
format (:func:`healthcrawl.crawl.fixtures.expected_output`), against the fields the folder's
README states for each page, read at run time (eval/extraction/realpages.py; the pages' text is
not copied into the project).

One test per stated field; a README item that is not understood fails, and so does an output
not in the fixture format. Skipped when the folder is absent (not part of the project).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from eval.extraction.realpages import expected_fields, page_url
from healthcrawl.crawl.extractors import chinanews, gmw
from healthcrawl.crawl.extractors.base import Extracted
from healthcrawl.crawl.fixtures import article_output, expected_output
from tests.pages import REALPAGES, make_response

if not REALPAGES.exists():
    pytest.skip(f"real pages not available ({REALPAGES})", allow_module_level=True)

EXTRACTORS = {"gmw": gmw.EXTRACTOR, "chinanews": chinanews.EXTRACTOR}


@cache
def output(file: str) -> dict[str, Any]:
    extractor = EXTRACTORS[file.split("/")[0]]
    response = make_response(page_url(REALPAGES, file), (REALPAGES / file).read_bytes())
    return expected_output(response, extractor)


def actual(file: str, name: str, wanted: Any) -> Any:
    """The output's value for a README field (times to the README's precision)."""
    got = output(file)
    paragraphs = got["paragraphs"]
    if name == "published_at":
        assert got[name].endswith("+08:00")
        return got[name].replace("T", " ")[:len(wanted)]
    if name == "paragraph_count":
        return len(paragraphs)
    if name == "first_paragraph_start":
        return paragraphs[0][:len(wanted)]
    if name == "last_paragraph_end":
        return paragraphs[-1][-len(wanted):]
    return got[name]


@pytest.mark.parametrize(("file", "name"), [
    pytest.param(file, name, id=f"{file.split('/')[0]}-{name}")
    for file, fields in expected_fields(REALPAGES).items() for name in fields
])
def test_real_page_field(file: str, name: str) -> None:
    wanted = expected_fields(REALPAGES)[file][name]
    assert actual(file, name, wanted) == wanted


@pytest.mark.parametrize("file", list(expected_fields(REALPAGES)))
def test_output_is_in_the_fixture_format(file: str) -> None:
    assert set(output(file)) == set(article_output(Extracted(template="")))
