"""CleanPipeline: normalised whitespace and no leftover page furniture in the text fields.

- ``title``, ``source``, ``author``, ``editor``: invisible characters removed, every run of
  whitespace (full-width U+3000, NBSP, tabs, line breaks …) becomes one ASCII space, stripped;
  a leftover label ("来源：", "作者：", "责编：", "【编辑:…】") is removed; empty → ``None``
  (``title`` stays a string).
- ``body``: the same per paragraph, paragraphs kept apart by ``"\\n"``, empty paragraphs dropped,
  page furniture removed by the project's one rule set (:mod:`healthcrawl.text.boilerplate`, also
  applied by the extractors): editor lines and tails, the end mark "(完)", promotions,
  上一篇/下一篇, share text, page tools, related-article headings, copyright footers. An editor
  credit found in the body fills an empty ``editor``.
- ``keywords``: stripped, empties and repeats dropped.

Every change is counted as ``healthcrawl/clean/<what>`` (whitespace, empty_paragraph, the
furniture kinds of the rule set, label, editor_from_body, keywords) and
``healthcrawl/clean/items_changed``. Nothing is dropped here.
"""

from __future__ import annotations

import re
from collections import Counter

from itemadapter import ItemAdapter

from healthcrawl.text.boilerplate import EDITOR_ROLES, clean_paragraphs
from healthcrawl.text.whitespace import squash
from healthcrawl.project import CrawlerComponent

STATS = "healthcrawl/clean"
#: line breaks other than "\n" (paragraphs are kept apart by "\n")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")

_LABELS = {
    "source": re.compile(r"^(?:来源|稿源|出处)\s*[:：]\s*"),
    "author": re.compile(r"^(?:作者|文)\s*[:：|丨/]\s*"),
    "editor": re.compile(rf"^[\[【(（]?\s*{EDITOR_ROLES}\s*[:：]\s*(.*?)\s*[\]】)）]?$"),
}


def clean_body(body: str | None) -> tuple[str, Counter, str | None]:
    """(cleaned body, counts of what changed, editor name found in the body or None)."""
    counts: Counter = Counter()
    if not body:
        return "", counts, None
    squashed: list[str] = []
    for raw in _LINE_BREAKS.sub("\n", body).split("\n"):
        para = squash(raw)
        if para != raw:
            counts["whitespace"] += 1
        if para:
            squashed.append(para)
        else:
            counts["empty_paragraph"] += 1
    kept, editor = clean_paragraphs(squashed, counts)
    return "\n".join(kept), counts, editor


def clean_field(name: str, value: str | None, counts: Counter) -> str | None:
    if value is None:
        return None
    text = squash(value)
    if text != value:
        counts["whitespace"] += 1
    label = _LABELS.get(name)
    if label is not None and text:
        match = label.match(text)
        if match:
            stripped = (match.group(1) if match.groups() else text[match.end():]).strip()
            if stripped != text:
                counts["label"] += 1
                text = stripped
    return text or None


class CleanPipeline(CrawlerComponent):

    def inc(self, what: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{what}", count)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        counts: Counter = Counter()
        title = clean_field("title", adapter.get("title"), counts)
        adapter["title"] = title or ""
        for name in ("source", "author", "editor"):
            if name in adapter:
                adapter[name] = clean_field(name, adapter.get(name), counts)
        body, body_counts, editor = clean_body(adapter.get("body"))
        counts.update(body_counts)
        adapter["body"] = body
        if editor and "editor" in adapter.field_names() and not adapter.get("editor"):
            adapter["editor"] = editor
            counts["editor_from_body"] += 1
        keywords = adapter.get("keywords")
        if keywords:
            cleaned = list(dict.fromkeys(k for k in (squash(k) for k in keywords) if k))
            if cleaned != list(keywords):
                counts["keywords"] += 1
                adapter["keywords"] = cleaned
        for what, count in counts.items():
            self.inc(what, count)
        if counts:
            self.inc("items_changed")
        return item
