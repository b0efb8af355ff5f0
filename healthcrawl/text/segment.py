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
from math import log

import jieba
from jieba import finalseg

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


# --- segmentation, each text block once -------------------------------------------------------------
# An item's text is segmented twice: the relevance pipeline's keywords (title + the body's first
# 800 characters, on the reactor thread) and the mongo writer's search tokens (title and the whole
# body, in the writer thread, holding the GIL). jieba segments every run of CJK/alphanumeric
# characters ("block", between punctuation and spaces) independently, so the tokens of a text are
# the concatenation of its blocks' tokens: blocks are cached for a while (bounded, FIFO) and the
# writer finds most of them already segmented. The result is exactly jieba's.
_RE_HAN = jieba.re_han_default
_RE_SKIP = jieba.re_skip_default
#: blocks kept (a block is a clause, ~15 characters; ~50 per item): a few hundred items' worth
BLOCK_CACHE_SIZE = 20_000
_blocks: dict[str, list[str]] = {}
_blocks_lock = threading.Lock()


def segment_block(block: str) -> list[str]:
    """jieba's precise-mode segmentation (HMM on) of one block of CJK/alphanumeric characters:
    ``Tokenizer.__cut_DAG`` — the word graph, the best route by word frequencies, unknown runs to
    the HMM — with the same arithmetic in the same order, so exactly the same words, in less time:
    the word graph is never built as such; one backward pass looks up each fragment starting at a
    position once and scores it against the best route from its end (jieba's ``max`` over
    ``(log P(word) + route[end + 1], end)``; ties go to the longer word)."""
    tok = tokenizer()
    get = tok.FREQ.get
    n = len(block)
    logtotal = log(tok.total)
    unknown = -logtotal  # log(1) - logtotal: jieba's `or 1` for a character not in the dictionary
    score = [0.0] * (n + 1)  # score[i]: log-probability of the best route from i to the end
    end = [0] * (n + 1)  # end[i]: where the first word of that route ends (inclusive)
    for k in range(n - 1, -1, -1):
        f = get(block[k])
        best_score, best_end = unknown + score[k + 1], k  # no dictionary word starts here
        if f is not None:
            found = False
            i = k
            while True:
                if f:
                    candidate = log(f) - logtotal + score[i + 1]
                    if not found or candidate >= best_score:  # (value, end) tuples' max: later end wins ties
                        best_score, best_end, found = candidate, i, True
                i += 1
                if i >= n:
                    break
                f = get(block[k:i + 1])
                if f is None:
                    break
        score[k], end[k] = best_score, best_end
    out: list[str] = []
    buf = ""
    x = 0
    while x < n:
        y = end[x] + 1
        if y - x == 1:
            buf += block[x]
        else:
            if buf:
                _flush(buf, out, get)
                buf = ""
            out.append(block[x:y])
        x = y
    if buf:
        _flush(buf, out, get)
    return out


def _flush(buf: str, out: list[str], get) -> None:
    """Single characters the route left over: one, an unknown run (HMM), or a known word's letters."""
    if len(buf) == 1:
        out.append(buf)
    elif not get(buf):
        out.extend(finalseg.cut(buf))
    else:
        out.extend(buf)


def _block_words(block: str) -> list[str]:
    words = _blocks.get(block)
    if words is None:
        words = segment_block(block)
        if len(_blocks) >= BLOCK_CACHE_SIZE:
            with _blocks_lock:
                if len(_blocks) >= BLOCK_CACHE_SIZE:
                    for key in list(_blocks)[: BLOCK_CACHE_SIZE // 2]:  # the oldest half
                        _blocks.pop(key, None)
        _blocks[block] = words
    return words


def words(text: str) -> list[str]:
    """Precise-mode tokens of ``text``, the same as ``tokenizer().lcut(text)`` (HMM on)."""
    out: list[str] = []
    for block in _RE_HAN.split(text or ""):
        if not block:
            continue
        if _RE_HAN.match(block):
            out.extend(_block_words(block))
        else:
            out.extend(_skip_words(block))
    return out


def _skip_words(block: str) -> list[str]:
    """jieba's tokens of a piece between blocks: whitespace runs whole, other characters one by one."""
    out: list[str] = []
    for part in _RE_SKIP.split(block):
        if _RE_SKIP.match(part):
            out.append(part)
        else:
            out.extend(part)
    return out


def cut(text: str) -> list[str]:
    """Precise-mode tokens that contain a CJK character, letter or digit."""
    return [t for t in words(text) if _WORD.search(t)]


def search_tokens(*texts: str) -> str:
    """Space-joined search-mode tokens (overlapping sub-words too) for MongoDB's text index.

    MongoDB's text index splits on whitespace and punctuation, so pre-segmented Chinese becomes
    searchable: a ``$text`` query for 医保 matches documents whose text contains 医保 inside
    医保局 or 医保信息平台, because search mode also emits the shorter words. (The tokens of
    jieba's ``lcut_for_search``, computed from the same cached block segmentation as
    :func:`words`: each word's dictionary 2- and 3-grams, then the word, keeping tokens with a
    CJK character, letter or digit.)
    """
    get = tokenizer().FREQ.get
    word = _WORD.search
    tokens: list[str] = []
    add = tokens.append
    for text in texts:
        for block in _RE_HAN.split(text or ""):
            if not block:
                continue
            if not _RE_HAN.match(block):  # spaces and punctuation between blocks
                tokens.extend(t for t in _skip_words(block) if word(t))
                continue
            for w in _block_words(block):
                n = len(w)
                if n > 2:
                    for i in range(n - 1):
                        g = w[i:i + 2]
                        if get(g) and word(g):
                            add(g)
                    if n > 3:
                        for i in range(n - 2):
                            g = w[i:i + 3]
                            if get(g) and word(g):
                                add(g)
                if word(w):
                    add(w)
    return " ".join(tokens)
