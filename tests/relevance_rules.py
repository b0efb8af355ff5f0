"""The lexicon rule alone (no learned model), as the relevance tests on real dev rows read it: the
shipped lexicon, the same with named rules switched off, a corpus row scored, a term's weights."""

from __future__ import annotations

import dataclasses

from healthcrawl.text.lexicon import DEFAULT_RULES, default_lexicon
from healthcrawl.text.relevance import Scorer


def rule_scorer() -> Scorer:
    """The shipped lexicon's rule, without the learned model."""
    return Scorer(model=False, top_keywords=0)


def without(*rules: str) -> Scorer:
    """The shipped lexicon with the named rules switched off (as before the lexicon that added them)."""
    lex = default_lexicon()
    off = dataclasses.replace(lex, rules={**lex.rules, **{r: False for r in rules}})
    return Scorer(lexicon=off, model=False, top_keywords=0)


def score(scorer: Scorer, row: dict):
    """A corpus row (title, excerpt) scored."""
    return scorer.score(row["title"], row["excerpt"])


def weights(term: str) -> dict[str, float]:
    """The term's weight per category in the shipped lexicon."""
    lex = default_lexicon()
    return {c: w for c, terms in lex.categories.items() for t, w in terms.items() if t == term}


def assert_excluded_by_title(scorer: Scorer, row: dict, cue: str) -> None:
    """A negative row is rejected, and ``cue`` is among the title's exclusions."""
    got = score(scorer, row)
    assert not row["relevant"] and not got.relevant, got.reasons
    assert cue in got.reasons["excluded_by"]["title"], got.reasons


def assert_lexicon_since(version: str) -> None:
    """The shipped lexicon is ``version`` or later (versions compare as tuples of numbers)."""
    number = lambda v: tuple(int(p) for p in v.split("."))  # noqa: E731
    assert number(default_lexicon().version) >= number(version), default_lexicon().version


def assert_kept(scorer: Scorer, row: dict) -> None:
    """A relevant row is accepted, and nothing excluded it."""
    got = score(scorer, row)
    assert row["relevant"] and got.relevant and "excluded_by" not in got.reasons, got.reasons


def assert_found(scorer: Scorer, row: dict, category: str, term: str) -> None:
    """A relevant row is accepted, with ``term`` matched in ``category``."""
    got = score(scorer, row)
    assert row["relevant"] and got.relevant, got.reasons
    assert term in got.matched[category], got.matched


def assert_needs_the_rule(rule: str, *rows: dict) -> None:
    """The rule is off unless a lexicon turns it on (an earlier lexicon scores as before), and without
    it each of these (negative) rows is accepted."""
    assert not DEFAULT_RULES[rule]
    for row in rows:
        assert score(without(rule), row).relevant, row["title"]
