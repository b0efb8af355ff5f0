"""The two real saved pages (../shared/realpages, see its README): exactly the fields it lists.

Skipped when the folder is absent (it is not part of the project).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from healthcrawl.crawl.extractors import chinanews, gmw
from healthcrawl.crawl.extractors.base import Extracted
from tests.pages import REALPAGES, make_response

if not REALPAGES.exists():
    pytest.skip(f"real pages not available ({REALPAGES})", allow_module_level=True)

#: page -> (file under realpages/, original URL, extractor, fields read off the page by the README)
PAGES: dict[str, tuple[str, str, Any, dict[str, Any]]] = {
    "gmw": ("gmw/politics_2024-05-13_content_37319243.html",
            "https://politics.gmw.cn/2024-05/13/content_37319243.htm", gmw.EXTRACTOR, {
                "title": "维护全人类共同利益需联手抵制保护主义",
                "time": "2024-05-13T08:49",  # to the minute, as the README states it
                "source": "人民日报",
                "editor": "杨煜",
                "paragraph_count": 6,
                "last_paragraph_end": "（钟才文）",
            }),
    "chinanews": ("chinanews/gerapy_china_news1_2020-07-04.html",
                  "https://www.chinanews.com/ll/2020/07-04/9229287.shtml", chinanews.EXTRACTOR, {
                      "title": "【中国稳健前行】坚定实施扩大内需战略",
                      "time": "2020-07-04T12:10:24",
                      "source": "求是网",
                      "editor": "陈海峰",
                      "paragraph_count": 10,
                      "first_paragraph_start": "编者按",
                      "last_paragraph_end": "(作者：方敏北京大学经济学院教授)",
                  }),
}


@cache
def extracted(page: str) -> Extracted:
    filename, url, extractor, _ = PAGES[page]
    return extractor.extract(make_response(url, (REALPAGES / filename).read_bytes()))


def actual(page: str, key: str) -> Any:
    fields = extracted(page).fields
    paragraphs = fields.get("paragraphs") or []
    if key == "time":
        when = fields.get("published_at")
        assert when is not None and when.utcoffset().total_seconds() == 8 * 3600
        return when.isoformat()[:len(PAGES[page][3]["time"])]
    if key == "paragraph_count":
        return len(paragraphs)
    if key == "first_paragraph_start":
        return paragraphs[0][:len(PAGES[page][3][key])]
    if key == "last_paragraph_end":
        return paragraphs[-1][-len(PAGES[page][3][key]):]
    return fields.get(key)


@pytest.mark.parametrize(("page", "key"), [
    pytest.param(page, key, id=f"{page}-{key}") for page, (*_, wanted) in PAGES.items() for key in wanted
])
def test_real_page_field(page: str, key: str) -> None:
    assert actual(page, key) == PAGES[page][3][key]
