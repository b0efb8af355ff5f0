"""The body metric of the extraction benchmark (that of the magic-html benchmark): ROUGE-L at
summary level (Lin 2004, union LCS) over jieba tokens of sentences; see ``bench/extraction.py``
for the steps. ``body_score(label, extracted)`` → (precision, recall, F1)."""

from __future__ import annotations

import re
from collections import Counter

from healthcrawl.text.whitespace import squash

_SENTENCE_END = re.compile(r"([。！？!?；;]+[”’」』）)\]】\"']*)")


def sentences(text: str) -> list[str]:
    out = []
    for line in (text or "").splitlines():
        for piece in _SENTENCE_END.sub(r"\1\n", line).split("\n"):
            piece = piece.strip()
            if piece:
                out.append(piece)
    return out


def tokenize(text: str) -> list[list[str]]:
    import jieba
    return [[t for t in jieba.lcut(s) if t.strip()] for s in sentences(text)]


def _lcs_indices(ref: list[str], cand: list[str]) -> list[int]:
    """Indices in ``ref`` of one longest common subsequence of ``ref`` and ``cand``.

    Tokens of either side absent from the other cannot be on it, so the table is computed on the
    two filtered sequences (same length, far cheaper on long pages)."""
    cand_set = set(cand)
    ref_pos = [i for i, t in enumerate(ref) if t in cand_set]
    if not ref_pos:
        return []
    ref_f = [ref[i] for i in ref_pos]
    ref_set = set(ref_f)
    cand_f = [t for t in cand if t in ref_set]
    n, m = len(ref_f), len(cand_f)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row, prev, token = table[i], table[i - 1], ref_f[i - 1]
        for j in range(1, m + 1):
            row[j] = prev[j - 1] + 1 if token == cand_f[j - 1] else (prev[j] if prev[j] >= row[j - 1] else row[j - 1])
    out, i, j = [], n, m
    while i > 0 and j > 0:
        if ref_f[i - 1] == cand_f[j - 1]:
            out.append(ref_pos[i - 1])
            i -= 1
            j -= 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return out


def rouge_l(reference: list[list[str]], candidate: list[list[str]]) -> tuple[float, float, float]:
    """(precision, recall, F1) of ROUGE-L summary level (union LCS) over token sentences."""
    m = sum(map(len, reference))
    n = sum(map(len, candidate))
    if not m or not n:
        return (0.0, 0.0, 0.0)
    ref_counts: Counter = Counter(t for s in reference for t in s)
    cand_counts: Counter = Counter(t for s in candidate for t in s)
    cand_sets = [set(s) for s in candidate]
    hits = 0
    for ref in reference:
        ref_set = set(ref)
        union: set[int] = set()
        for cand, cand_set in zip(candidate, cand_sets):
            if ref_set & cand_set:
                union.update(_lcs_indices(ref, cand))
        for index in sorted(union):
            token = ref[index]
            if cand_counts[token] > 0 and ref_counts[token] > 0:
                hits += 1
                cand_counts[token] -= 1
                ref_counts[token] -= 1
    precision, recall = hits / n, hits / m
    f1 = 0.0 if not hits else 2 * precision * recall / (precision + recall)
    return (precision, recall, f1)


def body_score(label: str, extracted: str) -> tuple[float, float, float]:
    if squash(label) == squash(extracted):
        return (1.0, 1.0, 1.0)
    return rouge_l(tokenize(label), tokenize(extracted))
