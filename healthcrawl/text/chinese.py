"""Traditional → simplified Chinese (OpenCC, ``hk2s``: Hong Kong and Taiwan variants too, e.g. 衞),
so the simplified-only lexicon, the learned model and the search tokens see one script. Character
conversion only: no regional phrase rewriting (``tw2sp`` turns 智慧 into 智能 in simplified text).
The converter is built once per process; simplified text passes through unchanged.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_converter = None

#: OpenCC configuration: traditional (incl. Hong Kong variants) to simplified characters
OPENCC_CONFIG = "hk2s"


def converter():
    """The process-wide OpenCC converter (built on first use)."""
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                import opencc  # noqa: PLC0415 - a C++ extension, loaded once when first needed

                _converter = opencc.OpenCC(OPENCC_CONFIG)
    return _converter


def to_simplified(text: str | None) -> str:
    """``text`` in simplified characters ('' for None); ASCII text is returned as is."""
    if not text:
        return ""
    if text.isascii():
        return text
    return converter().convert(text)


def simplified_search_tokens(*texts: str) -> str:
    """:func:`healthcrawl.text.segment.search_tokens` of the texts in simplified characters, so a
    search in either script finds an article written in either (the query converted the same way)."""
    from healthcrawl.text.segment import search_tokens  # noqa: PLC0415

    return search_tokens(*(to_simplified(t) for t in texts))
