"""``top_keywords``: jieba's TF-IDF keywords of an article (title and the first
``HEALTHCRAWL_KEYWORDS_MAX_CHARS`` characters of the body, in simplified characters).

A crawl extracts them in their own step (``pipelines/keywords.py``), after the relevance decision,
so only the articles that are stored pay for the segmentation: relevance reads no jieba tokens
(the lexicon scans the text, the learned layer reads character n-grams). The segmented blocks stay
in :mod:`healthcrawl.text.segment`'s cache for the mongo pipeline's search tokens."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

_KEYWORD_OK = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_lock = threading.Lock()
_tfidf = None

#: jieba.analyse's KeywordExtractor.STOP_WORDS (its TF-IDF default)
JIEBA_STOP_WORDS = frozenset((
    "the", "of", "is", "and", "to", "in", "that", "we", "for", "an", "are",
    "by", "be", "as", "on", "with", "can", "if", "from", "which", "you", "it",
    "this", "then", "at", "have", "all", "not", "one", "has", "or", "that",
))


class KeywordExtractor:
    """jieba.analyse's TF-IDF keyword extraction (``TFIDF.extract_tags``: the same keywords, in
    the same order) over the project tokenizer, without importing ``jieba.analyse``: that module
    imports ``jieba.posseg`` (~50 MB of part-of-speech tables keywords never use). Segmentation
    goes through :func:`healthcrawl.text.segment.words`, whose block cache the mongo writer's search
    tokens reuse; the IDF table (jieba's ``analyse/idf.txt``) shares its word strings with the
    tokenizer's dictionary."""

    def __init__(self) -> None:
        from pathlib import Path  # noqa: PLC0415

        import jieba  # noqa: PLC0415

        from healthcrawl.text import segment  # noqa: PLC0415

        self.tokenizer = segment.tokenizer()
        self.stop_words = set(JIEBA_STOP_WORDS)
        # keyed by the tokenizer's own word strings (assigning to an existing key keeps its key
        # object), read line by line: a second copy of 270,000 words would cost ~40 MB of peak
        shared: dict[str, float | None] = dict.fromkeys(self.tokenizer.FREQ)
        extra: dict[str, float] = {}
        values: dict[float, float] = {}
        with open(Path(jieba.__file__).parent / "analyse" / "idf.txt", encoding="utf-8") as fh:
            for line in fh:
                word, freq = line.strip().split(" ")
                value = values.setdefault(float(freq), float(freq))
                if word in shared:
                    shared[word] = value
                else:
                    extra[word] = value
        idf = {word: value for word, value in shared.items() if value is not None}
        del shared
        idf.update(extra)
        ordered = sorted(idf.values())
        self.median_idf = ordered[len(ordered) // 2]
        self.idf_freq = idf

    def extract_tags(self, sentence: str, topK: int | None = 20) -> list[str]:  # noqa: N803 - jieba's name
        from healthcrawl.text.segment import words  # noqa: PLC0415

        return self.tags_of_words(words(sentence), topK)

    def tags_of_words(self, tokens: Iterable[str], top: int | None = 20) -> list[str]:
        """``extract_tags`` of a text already segmented into ``tokens``."""
        freq: dict[str, float] = {}
        for w in tokens:
            if len(w.strip()) < 2 or w.lower() in self.stop_words:
                continue
            freq[w] = freq.get(w, 0.0) + 1.0
        total = sum(freq.values())
        for k in freq:
            freq[k] *= self.idf_freq.get(k, self.median_idf) / total
        tags = sorted(freq, key=freq.__getitem__, reverse=True)
        return tags[:top] if top else tags


def tfidf() -> KeywordExtractor:
    """The process-wide keyword extractor bound to the project tokenizer (built once)."""
    global _tfidf
    if _tfidf is None:
        with _lock:
            if _tfidf is None:
                _tfidf = KeywordExtractor()
    return _tfidf


def keywords_of_words(tokens: Iterable[str], top: int, stopwords: Iterable[str] = ()) -> list[str]:
    """The ``top`` keywords of a segmented text, without the lexicon's stopwords and numbers."""
    extra = frozenset(stopwords)
    candidates = tfidf().tags_of_words(tokens, top * 3)
    out = [w for w in candidates if w not in extra and _KEYWORD_OK.search(w) and not w.isdigit()]
    return out[:top]


class Keywords:
    """The ``top`` keywords of an article's title and the body's first ``max_chars`` characters,
    without the lexicon's ``stopwords`` (``HEALTHCRAWL_TOP_KEYWORDS``, ``HEALTHCRAWL_KEYWORDS_MAX_CHARS``)."""

    def __init__(self, top: int, max_chars: int, stopwords: Iterable[str] = ()) -> None:
        self.top = top
        self.max_chars = max_chars
        self.stopwords = frozenset(stopwords)

    def of(self, title: str | None, text: str | None) -> list[str]:
        """Keywords of an article (any script: read in simplified characters)."""
        from healthcrawl.text.chinese import to_simplified  # noqa: PLC0415

        return self.of_simplified(to_simplified(title), to_simplified(text))

    def of_simplified(self, title: str, text: str) -> list[str]:
        """Keywords of a title and text already in simplified characters."""
        if self.top <= 0:
            return []
        from healthcrawl.text.segment import words  # noqa: PLC0415

        return keywords_of_words(words(f"{title}\n{text[: self.max_chars]}"), self.top, self.stopwords)


def extract_keywords(text: str, top: int, stopwords: Iterable[str] = ()) -> list[str]:
    """The ``top`` keywords of ``text`` (segmented here)."""
    from healthcrawl.text.segment import words  # noqa: PLC0415

    return keywords_of_words(words(text), top, stopwords)
