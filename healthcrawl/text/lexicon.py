"""The relevance lexicon (package data ``healthcrawl/data/lexicon.json``) and the term scan.

A lexicon has a ``version``, ``zones`` (weights of title, lead and body), ``categories``
(category → weight → terms: ``health``, ``digital``, ``policy``, ``markets`` and optionally
``negative``), ``weak`` (terms that only count near a strong health anchor), ``title_negative`` (cues read in
the title only: the title's subject is an event, a case or another field), ``title_business`` (the
same for business: funding, deals, exports), ``title_forms`` (the act of issuing — 印发, 通知, 白皮书 …: no
topic of the title), ``title_fields`` (another field's policy — 消费, 产业, 退休 …: with
``rules.title_other_field`` the title's subject when the title names no health term), ``title_roundups``
(multi-topic round-ups — 两会, 政府工作报告: with ``rules.title_roundup`` the title's subject when the title names
no health term or lists several items: 、, 等领域), ``rules`` (the
context rules' parameters), ``priority`` (ranking cues) and ``stopwords`` (left out of the keywords).

**Matching** is a leftmost-longest scan of the text (full-width letters/digits folded, lower
case) against the lexicon (no segmentation: fast, and immune to segmentation quirks); weight-0
*blocker* terms consume text so a shorter term inside them does not count (公共卫生间 is not
公共卫生, 健康发展 is not 健康). ASCII terms (AI, 5G, DRG) only match between non-letters (an
English plural "s" is part of the term: DRGs).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

CATEGORIES = ("health", "digital", "policy")
#: the exclusion category: stock-market and company-results news about health companies
MARKETS = "markets"
#: negative cues (animals and veterinary care, recipes …): optional in a lexicon
NEGATIVE = "negative"
#: names of fields other than health (金融, 教育 …): a sentence listing several only names health among them
SECTORS = "sectors"
#: example markers (例如, 比如 …): in a text whose title names no health term, a sentence giving
#: health as an example (an AI article: "例如在医疗诊断场景中") only names health in passing
EXAMPLES = "examples"
#: field markers (领域): an example marker in a text whose title names a digital term and no health or policy
#: topic (rule ``field_examples``: 在智慧医疗领域… in a computing or AI story)
FIELDS = "fields"

_ASCII_WORD = re.compile(r"[a-z0-9]")
#: parameters of the context rules (healthcrawl/text/scoring.py) when the lexicon's ``rules`` omit them
DEFAULT_RULES = {"anchor_weight": 3.0, "anchor_scope": "paragraph", "title_evidence": False,
                 "max_negative": 6.0, "negative_min_terms": 2, "negative_override": 3.0,
                 "paired_categories": [], "paired_weight": 3.0, "sector_list": 0,
                 "title_subject": 0, "title_negative": False, "parenthetical": False,
                 "title_forms": False, "title_cases": False, "field_examples": False,
                 "title_single_case": False, "title_other_field": False, "title_roundup": False,
                 "title_appointment": False, "title_case_batches": False}


@dataclass
class Lexicon:
    version: str
    zones: dict[str, float]
    #: category -> term -> weight
    categories: dict[str, dict[str, float]]
    stopwords: frozenset[str] = frozenset()
    #: normalised terms that count only with a strong health anchor nearby
    weak: frozenset[str] = frozenset()
    #: normalised cues read in the title only (``title_negative``: 开工, 致辞, 投资, 医药代表 …): they
    #: name an event, a business, a case or another field as the title's subject (rule ``title_negative``)
    title_cues: frozenset[str] = frozenset()
    #: normalised business cues read in the title only (``title_business``: 融资, 出口, 行业报告 …): only
    #: a policy topic of the title cancels them
    business_cues: frozenset[str] = frozenset()
    #: normalised forms of issuing (``title_forms``: 印发, 通知, 发布, 白皮书 …): with ``rules.title_forms`` they are
    #: no topic of the title that cancels its cues (like an agency's name, they say how, not what about)
    title_forms: frozenset[str] = frozenset()
    #: normalised cues of another field's policy (``title_fields``: 消费, 产业, 退休 …): with
    #: ``rules.title_other_field`` a title naming one and no health term has that field as its subject
    title_fields: frozenset[str] = frozenset()
    #: normalised cues of a multi-topic round-up (``title_roundups``: 两会, 政府工作报告): with
    #: ``rules.title_roundup`` a title naming one and no health term, or a list (、, 等领域), is a round-up
    title_roundups: frozenset[str] = frozenset()
    #: parameters of the context rules (:data:`DEFAULT_RULES`)
    rules: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_RULES))
    #: ranking cues (healthcrawl/text/priority.py): "national" and "local" term lists
    priority: dict[str, list[str]] = field(default_factory=dict)
    #: normalised term -> [(category, weight, display form)]
    index: dict[str, list[tuple[str, float, str]]] = field(default_factory=dict)
    #: first two characters -> candidate lengths, longest first (every term has >= 2 characters)
    lengths: dict[str, list[int]] = field(default_factory=dict)
    #: matches any character a term can start with (lets the scan skip the rest in C)
    starts: re.Pattern[str] | None = None
    #: keys with a health entry; those of weight >= rules.anchor_weight; keys naming a sector; example markers
    health_keys: frozenset[str] = frozenset()
    anchor_keys: frozenset[str] = frozenset()
    sector_keys: frozenset[str] = frozenset()
    example_keys: frozenset[str] = frozenset()
    field_keys: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Lexicon":
        categories: dict[str, dict[str, float]] = {}
        for name, by_weight in data["categories"].items():
            terms: dict[str, float] = {}
            for weight, words in by_weight.items():
                for word in words:
                    if word in terms:
                        raise ValueError(f"lexicon: {word!r} listed twice in {name}")
                    terms[word] = float(weight)
            categories[name] = terms
        missing = set(CATEGORIES + (MARKETS,)) - set(categories)
        if missing:
            raise ValueError(f"lexicon: missing categories {sorted(missing)}")
        categories.setdefault(NEGATIVE, {})
        lex = cls(version=str(data["version"]), zones={k: float(v) for k, v in data["zones"].items()},
                  categories=categories, stopwords=frozenset(data.get("stopwords", ())),
                  weak=frozenset(normalise(t) for t in data.get("weak", ())),
                  title_cues=frozenset(normalise(t) for t in data.get("title_negative", ())),
                  business_cues=frozenset(normalise(t) for t in data.get("title_business", ())),
                  title_forms=frozenset(normalise(t) for t in data.get("title_forms", ())),
                  title_fields=frozenset(normalise(t) for t in data.get("title_fields", ())),
                  title_roundups=frozenset(normalise(t) for t in data.get("title_roundups", ())),
                  rules={**DEFAULT_RULES, **data.get("rules", {})},
                  priority={k: [normalise(t) for t in v] for k, v in data.get("priority", {}).items()})
        lex._build_index()
        short = sorted(t for t in lex.title_cues | lex.business_cues | lex.title_fields | lex.title_roundups if len(t) < 2)
        if short:
            raise ValueError(f"lexicon: title_negative cues need at least two characters, got {short}")
        unknown = lex.weak - set(lex.index)
        if unknown:
            raise ValueError(f"lexicon: weak terms not in any category: {sorted(unknown)}")
        return lex

    def _build_index(self) -> None:
        index: dict[str, list[tuple[str, float, str]]] = {}
        for category, terms in self.categories.items():
            for term, weight in terms.items():
                index.setdefault(normalise(term), []).append((category, weight, term))
        lengths: dict[str, set[int]] = {}
        for key in index:
            if len(key) < 2:
                raise ValueError(f"lexicon: terms need at least two characters, got {key!r}")
            lengths.setdefault(key[:2], set()).add(len(key))
        self.index = index
        health = {k: max(w for c, w, _ in v if c == "health") for k, v in index.items()
                  if any(c == "health" and w > 0 for c, w, _ in v)}
        self.health_keys = frozenset(health)
        self.anchor_keys = frozenset(k for k, w in health.items() if w >= self.rules["anchor_weight"])
        self.sector_keys = frozenset(k for k, v in index.items() if any(c == SECTORS for c, _, _ in v))
        self.example_keys = frozenset(k for k, v in index.items() if any(c == EXAMPLES for c, _, _ in v))
        self.field_keys = frozenset(k for k, v in index.items() if any(c == FIELDS for c, _, _ in v))
        self.lengths = {pair: sorted(ls, reverse=True) for pair, ls in lengths.items()}
        firsts = sorted({pair[0] for pair in lengths})
        self.starts = re.compile("[" + "".join(re.escape(ch) for ch in firsts) + "]")

    def terms(self) -> set[str]:
        return {t for terms in self.categories.values() for t in terms}


#: full-width letters, digits and plus (ＡＩ, ５Ｇ, 互联网＋) → ASCII: the only folding matching needs
_FULLWIDTH_CODES = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF0B]
_FULLWIDTH = {code: code - 0xFEE0 for code in _FULLWIDTH_CODES}
_HAS_FULLWIDTH = re.compile("[" + "".join(map(chr, _FULLWIDTH_CODES)) + "]")


def normalise(text: str) -> str:
    """Full-width letters/digits folded, lower case (cheaper than NFKC, enough for the lexicon)."""
    text = text or ""
    if _HAS_FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH)
    return text.lower()


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """The shipped lexicon (package data ``healthcrawl/data/lexicon.json``) or one from ``path``."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("healthcrawl.data").joinpath("lexicon.json").read_text(encoding="utf-8")
    return Lexicon.from_dict(json.loads(text))


@functools.cache
def default_lexicon() -> Lexicon:
    """The shipped lexicon, loaded once per process."""
    return load_lexicon()


# --- matching ------------------------------------------------------------------------------------
def find_matches(lexicon: Lexicon, norm: str) -> list[tuple[str, int]]:
    """Leftmost-longest lexicon matches ``(key, start)`` in the normalised text ``norm``, in order
    (blockers included)."""
    index, search = lexicon.index, lexicon.starts.search
    lengths = lexicon.lengths.get
    found: list[tuple[str, int]] = []
    pos = 0
    while True:
        start = search(norm, pos)
        if start is None:
            return found
        i = start.start()
        pos = i + 1
        for size in lengths(norm[i:i + 2], ()):
            key = norm[i:i + size]
            if key in index:
                end = i + size
                if _ASCII_WORD.match(key) and not _ascii_bounded(norm, i, end):
                    if not (norm[end:end + 1] == "s" and _ascii_bounded(norm, i, end + 1)):
                        continue
                    end += 1  # an English plural (DRGs) is the term
                found.append((key, i))
                pos = end
                break


def find_terms(lexicon: Lexicon, text: str) -> list[str]:
    """Leftmost-longest lexicon matches (normalised keys, blockers included) in order."""
    return [key for key, _ in find_matches(lexicon, normalise(text))]


def _ascii_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())


# --- maintenance ---------------------------------------------------------------------------------
_CJK_TERM = re.compile(r"[\u4e00-\u9fff]{2,}")


def sync_userdict(path: str | Path | None = None, lexicon: Lexicon | None = None) -> list[str]:
    """Append every pure-CJK lexicon term missing from the jieba user dictionary (default: the
    package's ``healthcrawl/data/userdict.txt`` in a source checkout); returns the added terms.
    Run after editing the lexicon: ``python -c "from healthcrawl.text.lexicon import sync_userdict;
    print(sync_userdict())"``."""
    lexicon = lexicon or load_lexicon()
    target = Path(path) if path else Path(str(resources.files("healthcrawl.data").joinpath("userdict.txt")))
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    present = {line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")}
    added = sorted(t for t in lexicon.terms() if _CJK_TERM.fullmatch(t) and t not in present)
    if added:
        with target.open("a", encoding="utf-8") as fh:
            fh.write(("\n" if text and not text.endswith("\n") else "") + "".join(f"{t}\n" for t in added))
    return added
