"""One stored article as the desk shows it: the text with the matched lexicon terms highlighted
(the stored text escaped, only our ``<mark>`` added), the reasons for the score and the story's
other copies (``also_at``)."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from healthcrawl.desk.week import beijing
from healthcrawl.reports.outline import safe_link

CATEGORIES = {"health": "卫生健康", "digital": "数字化/数据", "policy": "政策", "markets": "市场（排除项）"}


def term_pattern(terms_by_category: dict[str, list[str]]) -> tuple[re.Pattern | None, dict[str, str]]:
    """One regex for every term, longest first (ASCII terms as whole words, like the scorer),
    and term (case-folded) → its first category."""
    category_of: dict[str, str] = {}
    for category in ("health", "digital", "policy", "markets"):
        for term in terms_by_category.get(category) or []:
            if isinstance(term, str) and len(term) >= 2:
                category_of.setdefault(term.casefold(), category)
    if not category_of:
        return None, {}
    parts = []
    for term in sorted(category_of, key=len, reverse=True):
        escaped = re.escape(term)
        parts.append(rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])" if term.isascii() else escaped)
    return re.compile("|".join(parts), re.IGNORECASE), category_of


def highlight(text: str, pattern: re.Pattern | None, category_of: dict[str, str]) -> Markup:
    """``text`` escaped, each term wrapped in ``<mark class="t-<category>">``."""
    if pattern is None:
        return Markup(escape(text))
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[pos:m.start()]))
        category = category_of.get(m.group(0).casefold(), "health")
        out.append(Markup('<mark class="t-{}">{}</mark>').format(category, m.group(0)))
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def reasons(relevance: dict[str, Any], thresholds: dict[str, float]) -> list[dict[str, Any]]:
    """Per category: its score, the threshold, whether it holds, and the matched terms."""
    scores = relevance.get("scores") or {}
    matched = relevance.get("matched") or {}
    rows = []
    for category, name in CATEGORIES.items():
        if category not in scores and not matched.get(category):
            continue
        score = scores.get(category)
        threshold = thresholds.get(category)
        rows.append({"category": category, "name": name,
                     "score": f"{score:.1f}" if isinstance(score, (int, float)) else "—",
                     "threshold": f"{threshold:g}" if threshold is not None else "—",
                     "holds": isinstance(score, (int, float)) and threshold is not None and score >= threshold,
                     "terms": [t for t in matched.get(category) or [] if isinstance(t, str)]})
    return rows


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "；".join(f"{k} = {_plain(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(_plain(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def extra_reasons(relevance: dict[str, Any]) -> list[str]:
    """What the scorer says decided (``relevance.reasons``: the rule, the model's features …), one
    line per entry."""
    value = relevance.get("reasons")
    if isinstance(value, dict):
        return [f"{k}：{_plain(v)}" for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return [value] if isinstance(value, str) and value else []


def copies(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for entry in doc.get("also_at") or []:
        shown = beijing(entry.get("published_at"))
        similarity = entry.get("similarity")
        rows.append({"site_name": entry.get("site_name") or entry.get("site") or "",
                     "title": entry.get("title") or "", "url": entry.get("url") or "",
                     "href": safe_link(entry.get("url") or ""),
                     "date": shown.strftime("%Y-%m-%d %H:%M") if shown else "—",
                     "reason": {"reprint": "转载", "content": "同文", "original": "原文"}.get(entry.get("reason"), entry.get("reason") or ""),
                     "similarity": f"{similarity:.2f}" if isinstance(similarity, (int, float)) else ""})
    return rows


def view(doc: dict[str, Any], thresholds: dict[str, float]) -> dict[str, Any]:
    """Everything the article page shows."""
    relevance = doc.get("relevance") or {}
    pattern, category_of = term_pattern(relevance.get("matched") or {})
    paragraphs = [p for p in (doc.get("body") or "").split("\n") if p.strip()]
    shown = beijing(doc.get("published_at"))
    score = relevance.get("score")
    bulletin = doc.get("bulletin") or {}
    return {
        "id": str(doc["_id"]),
        "title": highlight(doc.get("title") or "（无标题）", pattern, category_of),
        "plain_title": doc.get("title") or "（无标题）",
        "site_name": doc.get("site_name") or doc.get("site") or "",
        "date": shown.strftime("%Y-%m-%d %H:%M") if shown else "—",
        "source": doc.get("source") or "", "author": doc.get("author") or "", "editor": doc.get("editor") or "",
        "url": doc.get("url") or "", "href": safe_link(doc.get("url") or ""),
        "score": f"{score:.3f}" if isinstance(score, (int, float)) else "—",
        "relevant": bool(relevance.get("relevant")),
        "lexicon_version": relevance.get("lexicon_version") or "",
        "reasons": reasons(relevance, thresholds), "extra_reasons": extra_reasons(relevance),
        "paragraphs": [highlight(p, pattern, category_of) for p in paragraphs],
        "truncated": bool(doc.get("body_truncated")),
        "copies": copies(doc),
        "keywords": [k for k in doc.get("top_keywords") or [] if isinstance(k, str)],
        "picked": bool(bulletin.get("pick")), "rejected": bool(bulletin.get("rejected")),
        "rescued": bulletin.get("rescued") or None,
    }
