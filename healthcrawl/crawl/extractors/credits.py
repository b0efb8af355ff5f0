"""An editor credit ("责任编辑：王宁") printed anywhere on a page, e.g. below the body."""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import TextResponse

from healthcrawl.text.boilerplate import editor_in
from healthcrawl.text.whitespace import squash

_LABEL_COLON = re.compile(r"(?:责任编辑|责编)\s*[:：]")
_LABEL_END = re.compile(r"(?:责任编辑|责编)\s*$")
#: text nodes read after a credit's label for the name ("责任编辑：<span>王宁</span>")
CREDIT_REACH = 8


def body_texts(response: TextResponse) -> list[tuple[str, Any]]:
    """(text, element holding it) for every text node of ``<body>`` outside scripts and styles,
    in document order, in one walk of the tree (an XPath ``ancestor::`` test per text node costs
    the depth of the page for each node)."""
    root = response.selector.root
    body = root.find("body") if hasattr(root, "find") else None
    if body is None:
        return []
    out: list[tuple[str, Any]] = []
    stack: list[tuple[Any, bool]] = [(body, False)]
    while stack:  # depth first, each element twice: its text on the way in, its tail on the way out
        element, leaving = stack.pop()
        if leaving:
            if element is not body and element.tail:
                out.append((element.tail, element.getparent()))
            continue
        if isinstance(element.tag, str) and element.tag not in ("script", "style") and element.text:
            out.append((element.text, element))
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return out


def editor_on_page(response: TextResponse) -> str | None:
    """An editor credit ("责任编辑：王宁") printed anywhere outside scripts, e.g. below the body.

    The credit is read from the text node holding the label and the few text nodes after it
    inside the same element (:data:`CREDIT_REACH`), not from the whole element: on a page of
    thousands of nested elements each mentioning 责编, that would read the page once per mention.
    """
    texts = body_texts(response)
    for i, (text, parent) in enumerate(texts):
        if "责任编辑" not in text and "责编" not in text:
            continue
        if not _LABEL_COLON.search(text):  # "责任编辑" alone: the colon must open the next text
            following = texts[i + 1][0] if i + 1 < len(texts) else ""
            if not (_LABEL_END.search(text) and following.lstrip().startswith((":", "："))):
                continue
        joined = [text]
        for following, holder in texts[i + 1:i + 1 + CREDIT_REACH]:
            if holder is not parent and parent not in holder.iterancestors():
                break
            joined.append(following)
        name = editor_in([squash("".join(joined))])
        if name:
            return name
    return None

