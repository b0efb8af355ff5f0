"""Whitespace, squashed one way for the whole project (extractors, fallback, clean pipeline)."""

from __future__ import annotations

import re

#: zero-width characters, word joiner, BOM and soft hyphen: removed outright
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
#: any Unicode whitespace (``\s`` covers U+3000, NBSP, U+2000–U+200A and line breaks)
_SPACE = re.compile(r"\s+")
_UNCOUNTED = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u00ad]+")


def squash(text: str | None) -> str:
    """``text`` on one line: invisible characters removed, every run of whitespace one ASCII
    space, stripped ("" for None)."""
    if not text:
        return ""
    return _SPACE.sub(" ", text.translate(_INVISIBLE)).strip()


def char_count(text: str | None) -> int:
    """Characters of ``text`` that are neither whitespace nor invisible."""
    return len(_UNCOUNTED.sub("", text)) if text else 0
