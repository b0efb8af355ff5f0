"""jieba, initialised once per process with the project's user dictionary.

The user dictionary (``healthcrawl/data/userdict.txt``, package data loaded through
``importlib.resources`` so it also works from a scrapyd egg) makes multi-character domain terms
(互联网医院, 医共体, 大模型 …) segment as one token. The relevance scorer, the keyword extractor
and the MongoDB text index all segment through this module.
"""

from __future__ import annotations

import logging
import re
import threading
from importlib import resources

import jieba

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]")

jieba.setLogLevel(logging.WARNING)


def user_dict_lines() -> list[str]:
    try:
        text = resources.files("healthcrawl.data").joinpath("userdict.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def tokenizer() -> jieba.Tokenizer:
    """The process-wide tokenizer (built on first use, thread-safe)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                tok = jieba.Tokenizer()
                tok.initialize()
                for line in user_dict_lines():
                    parts = line.split()
                    word = parts[0]
                    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                    tag = parts[2] if len(parts) > 2 else None
                    tok.add_word(word, freq, tag)
                _tokenizer = tok
    return _tokenizer


def cut(text: str) -> list[str]:
    """Precise-mode tokens that contain a CJK character, letter or digit."""
    return [t for t in tokenizer().lcut(text or "") if _WORD.search(t)]


def search_tokens(*texts: str) -> str:
    """Space-joined search-mode tokens (overlapping sub-words too) for MongoDB's text index.

    MongoDB's text index splits on whitespace and punctuation, so pre-segmented Chinese becomes
    searchable: a ``$text`` query for 医保 matches documents whose text contains 医保 inside
    医保局 or 医保信息平台, because search mode also emits the shorter words.
    """
    tokens: list[str] = []
    for text in texts:
        tokens.extend(t for t in tokenizer().lcut_for_search(text or "") if _WORD.search(t))
    return " ".join(tokens)
