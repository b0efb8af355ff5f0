"""The page's ``<title>``, read one way for the whole project."""

from __future__ import annotations

from typing import Any

from healthcrawl.text.whitespace import squash


def page_title(root: Any) -> str:
    """The text of the ``<title>`` of an lxml page tree (a Scrapy response's ``selector.root``),
    whitespace squashed; "" when the page has none."""
    if not hasattr(root, "xpath"):
        return ""
    return squash(" ".join(root.xpath("//title//text()")))
