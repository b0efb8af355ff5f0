"""Page furniture in article text: one rule set for the extractors and the clean pipeline.

Editor credits (责任编辑/责编/编辑 lines and tails), the wire end mark "（完）", 【上一篇】/【下一篇】
navigation lines …
"""

from __future__ import annotations

import re

from healthcrawl.text.whitespace import squash

#: An editor credit on a line of its own: "（责任编辑：王宁）", "责编：王宁", "【编辑:王宁】".
_EDITOR_LINE = re.compile(
    r"^[（(\[【]?\s*(?:责任编辑|责编|编辑)\s*[:：]\s*(?P<name>[^（()）\[\]【】]{1,40}?)\s*[）)\]】]?$")
#: The same credit glued to the end of the last paragraph: "……。（责任编辑：王宁）".
_EDITOR_TAIL = re.compile(
    r"\s*[（(\[【]\s*(?:责任编辑|责编)\s*[:：]\s*(?P<name>[^（()）\[\]【】]{1,40}?)\s*[）)\]】]\s*$")
#: A credit anywhere in a text: names are runs without spaces, possibly joined by "、".
EDITOR_ANYWHERE = re.compile(
    r"(?:责任编辑|责编)\s*[:：]\s*(?P<name>[^\s（()）\[\]【】:：,，。]{1,20}(?:、[^\s（()）\[\]【】:：,，。]{1,20})*)")


def split_editor(paragraphs: list[str], tail: int = 3) -> tuple[list[str], str | None]:
    """Remove editor credits from the last ``tail`` paragraphs; (paragraphs, editor name or None)."""
    out = list(paragraphs)
    editor = None
    for i in range(len(out) - 1, max(len(out) - tail, 0) - 1, -1):
        line = squash(out[i])
        m = _EDITOR_LINE.match(line)
        if m:
            editor = editor or squash(m["name"])
            del out[i]
            continue
        m = _EDITOR_TAIL.search(line)
        if m:
            editor = editor or squash(m["name"])
            out[i] = line[:m.start()].rstrip()
            if not out[i]:
                del out[i]
    return out, editor


#: Navigation lines inside bodies: "【上一篇】…", "【下一篇】…".
_NAV_LINE = re.compile(r"^[【\[]\s*(?:上一篇|下一篇)\s*[】\]]")
#: A wire story's end mark, alone or closing the last paragraph: "(完)", "（完）".
_END_MARK = re.compile(r"\s*[(（]\s*完\s*[)）]\s*$")


def is_nav_line(text: str) -> bool:
    return bool(_NAV_LINE.match(text))


def strip_end_mark(paragraphs: list[str]) -> list[str]:
    """Paragraphs without the "(完)" end mark of the last one (dropped when nothing else is left)."""
    out = list(paragraphs)
    if out:
        last = _END_MARK.sub("", out[-1]).strip()
        if last:
            out[-1] = last
        else:
            out.pop()
    return out


def clean_paragraphs(paragraphs: list[str], end_mark: bool = False) -> tuple[list[str], str | None]:
    """Body paragraphs without 【上一篇】/【下一篇】 lines, editor credits and (optionally) the
    "(完)" end mark; (paragraphs, editor name found in a credit or None)."""
    paragraphs, editor = split_editor([p for p in paragraphs if not is_nav_line(p)])
    return (strip_end_mark(paragraphs) if end_mark else paragraphs), editor

