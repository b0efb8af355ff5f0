"""The bulletin ``priority`` of a scored article: strongest candidates first — health big-data
and policy stories from national bodies above local clinical news. A sum of named parts, each
listed in ``reasons.priority`` (explainable, like the relevance decision):

- ``strength``: the relevance score, capped at 3 (an irrelevant article gets only this part);
- ``data``: the digital category holds (health data, informatisation, AI …): +2;
- ``policy``: the policy category holds: +1.5;
- ``national``: a national body (lexicon ``priority.national``: 国务院, 国家卫生健康委, 国家医保局 …)
  is named: +2, +1 more when in the title;
- ``local``: a local institution in the title (lexicon ``priority.local``: 县医院, 市人民医院 …)
  without policy: −1.5.
"""

from __future__ import annotations

from typing import Any

from healthcrawl.text.lexicon import Lexicon, normalise

WEIGHTS = {"data": 2.0, "policy": 1.5, "national": 2.0, "national_title": 1.0, "local": -1.5}
MAX_STRENGTH = 3.0


def priority(lex: Lexicon, rule: Any, relevant: bool, score: float, title: str,
             text: str = "") -> tuple[float, list[str]]:
    """``(priority, the parts that made it)`` of an article (see the module docstring)."""
    strength = round(min(max(score, 0.0), MAX_STRENGTH), 3)
    parts = [f"strength {strength:g}"]
    value = strength
    if not relevant:
        return value, parts
    cues = lex.priority
    if rule.ratios.get("digital", 0) >= 1.0:
        value += WEIGHTS["data"]
        parts.append("data +2")
    if rule.ratios.get("policy", 0) >= 1.0:
        value += WEIGHTS["policy"]
        parts.append("policy +1.5")
    head = normalise(title)
    national = [t for t in cues.get("national", ()) if t in head or t in text]
    if national:
        value += WEIGHTS["national"] + (WEIGHTS["national_title"] if any(t in head for t in national) else 0)
        parts.append(f"national {national[0]} +{2 + (1 if any(t in head for t in national) else 0)}")
    local = [t for t in cues.get("local", ()) if t in head]
    if local and rule.ratios.get("policy", 0) < 1.0:
        value += WEIGHTS["local"]
        parts.append(f"local {local[0]} -1.5")
    return round(value, 3), parts
