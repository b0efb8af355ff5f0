"""Main-text labels made by us as a recipe, not as copied text: the article element of a page
(an XPath chosen by hand from the page's source), minus listed furniture inside it.

Pages whose dataset has no labelled text (extractors' test suites) carry in the manifest
``label: {"xpath": …, "drop": [xpath …], "cut_at": regex, "drop_lines": [regex …]}``;
``eval/extraction_fetch.py`` turns it into the label text when it lays the page out, so no text of
the page is ever stored in the project. The text of the element: block elements (p, div, br, li,
h1–h6, tr …) end a line, script/style are left out, runs of spaces are squashed and blank lines
dropped; then the text ends before the first line matching ``cut_at``, and the lines matching a
``drop_lines`` pattern go.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html

BLOCK = frozenset("p div br h1 h2 h3 h4 h5 h6 li tr table ul ol section article blockquote center "
                  "dd dt figure figcaption pre hr".split())
SKIP = frozenset(("script", "style", "noscript", "template"))
_SPACE = re.compile(r"[ \t\r\f\v\u3000\xa0]+")


def element_text(element: Any) -> str:
    """The element's text, a line per block, blank lines dropped."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if not isinstance(node.tag, str) or node.tag in SKIP:
            return
        block = node.tag in BLOCK
        if block:
            parts.append("\n")
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
        if block:
            parts.append("\n")

    walk(element)
    lines = (_SPACE.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def label_text(html: str, recipe: dict[str, Any]) -> str:
    """The label a recipe gives on a page (``KeyError`` when its XPath finds nothing)."""
    found = lxml.html.fromstring(html).xpath(recipe["xpath"])
    if not found:
        raise KeyError(f"no element at {recipe['xpath']}")
    element = found[0]
    for path in recipe.get("drop", ()):
        for node in element.xpath(path):
            node.drop_tree()
    lines = element_text(element).split("\n")
    if recipe.get("cut_at"):
        for index, line in enumerate(lines):
            if re.search(recipe["cut_at"], line):
                lines = lines[:index]
                break
    return "\n".join(line for line in lines
                     if not any(re.search(p, line) for p in recipe.get("drop_lines", ())))
