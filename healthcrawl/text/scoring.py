"""The lexicon rule of relevance, with its context rules and its reasons.

**Rule**: relevant = *health* AND (*digital* OR *policy*) AND NOT *markets* AND NOT *negative*.
Each category has a score, the sum over its matched lexicon terms of ``weight × (1 + log2(x))``
where ``x`` counts the term's occurrences weighted by where they are (title ×3, lead ×2, rest of
the body ×1; lexicon ``zones``). A category *holds* when its score reaches its threshold **and**
at least ``min_terms`` distinct terms of weight ≥ 2 matched (one word used in passing is not
enough) — or, with ``rules.title_evidence``, one strong term of the category is in the title. ``score`` = min(health ratio, max(digital ratio, policy ratio)) where a ratio is
score / threshold, capped just under 1 when the category lacks distinct terms or an exclusion
holds, so ``score >= 1`` exactly when the rule finds the text relevant.

**Context**: the text is cut into sentences (title, lead and body paragraphs). A *weak* term
(lexicon ``weak``: 数据, 系统, 平台, 智能, 机器人 …) counts only when a strong health anchor (a
health term of weight ≥ ``rules.anchor_weight``) is in the title or in the same sentence or
paragraph (``rules.anchor_scope``) — for a weak term of the title, anywhere in the text; otherwise it is listed under ``reasons.unanchored``. The
*negative* category (animals and veterinary care, recipes, stock tickers …) excludes a text whose
negative score reaches ``rules.max_negative`` with ``min_terms`` distinct cues, unless its health
score is ``rules.negative_override`` times higher (``rules``: lexicon parameters of these rules).

**Co-occurrence**: a strong policy or digital term in the same sentence as a strong health anchor
("改革" beside "公立医院": the reform is a health reform) stands for the distinct terms of the
categories in ``rules.paired_categories`` (``reasons.paired``). A sentence naming ``rules.sector_list`` distinct
fields (lexicon category ``sectors``: 金融、教育、政务 …) only lists health among them: its health
terms do not count (``reasons.listed_among_sectors``); nor do those of a sentence with an example
marker (lexicon category ``examples``: 例如, 比如 …) when the title names no health term
(``reasons.health_only_as_example``: an AI article giving medical diagnosis as one use). With
``rules.field_examples`` a field marker (lexicon category ``fields``: 领域) is such a marker too when the
title names a digital term and no policy topic (在医疗领域… in a computing or AI story).
A health term of the title stands for health's distinct terms when the body has
``rules.title_subject`` distinct digital or policy terms, one strong (``reasons.title_subject``: a device
standard titled 医疗器械唯一性标识 whose body is all UDI, 追溯, 数据库). With ``rules.parenthetical`` and
no health term in the title, the health terms inside parentheses do not count either
(``reasons.health_only_in_parentheses``: a photo caption showing a clinic under an AI article).

**Title's subject** (``rules.title_negative``): a title naming an event, a case or another field —
a negative cue of weight >= 2 or a title-only cue of the lexicon's ``title_negative`` list (开工,
致辞, 学习会 …) — excludes the text unless the title also names a digital or policy topic; a title
naming a business — a weight-3 market cue or a ``title_business`` cue (融资, 出口, 医药代表 …) —
unless it names a policy topic (``reasons.excluded_by.title``). With ``rules.title_forms`` a form of
issuing (lexicon ``title_forms``: 印发, 通知, 发布, 白皮书 …) is no such topic (关于印发居民体重管理核心知识的通知 is
advice); with ``rules.title_cases`` a title counting cases (通报11起欺诈骗保典型案例) names a tally of cases,
which no topic cancels; with ``rules.title_single_case`` so does a title naming one case solved or
punished (查处无证行医案); with ``rules.title_other_field`` so does a title that names no health term and
another field's policy (lexicon ``title_fields``: 消费, 产业, 退休 … — 促进服务消费高质量发展的意见); with
``rules.title_appointment`` a person taking a post (某某任国家某某局局长) is an event cue, personnel news; with
``rules.title_case_batches`` a batch of cases (发布新一批…典型案例) is a tally, like a count of cases.

Text in traditional characters is converted to simplified first (:mod:`healthcrawl.text.chinese`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from healthcrawl.text.chinese import to_simplified
from healthcrawl.text.lexicon import CATEGORIES, MARKETS, NEGATIVE, Lexicon, find_matches, normalise

#: a matched term needs at least this lexicon weight to count as a distinct piece of evidence
EVIDENCE_WEIGHT = 2.0
SCORED = CATEGORIES + (MARKETS, NEGATIVE)

#: the exclusion by the title's subject (rule ``title_negative``), in ``reasons.excluded_by``
TITLE = "title"
#: a health agency's name (卫健委, 医保局, 卫福部 …) names who acts, not a digital or policy topic
_AGENCY = re.compile(r"(委|局|部|厅|署|委员会)$")

#: a count of cases in a title (8起…典型案例, 11起…案件): a tally of single cases (rule ``title_cases``)
_CASES = re.compile(r"[0-9一二两三四五六七八九十百千几多]+起[^，。,：:！!？?\s]{0,12}?(?:案例|案件)")
#: a single case solved or punished (查处无证行医案, 破获…销售假药案): rule ``title_single_case``
_CASE = re.compile(r"(?:查处|查办|侦破|破获)[^，。,：:！!？?\s]{1,12}?案(?=$|[\s，。,：:！!？?|])")
#: a batch of cases (发布新一批…欺诈骗保典型案例): with rule ``title_case_batches`` a tally, like a count of cases
_CASE_BATCH = re.compile(r"一批[^，。,：:！!？?\s]{0,24}?(?:案例|案件)")
#: a person taking a post (某某任国家某某局局长, 某某担任首任局长): rule ``title_appointment`` (personnel news);
#: 任 not inside 主任, 责任, 信任
_APPOINTMENT = re.compile(r"(?<=[\u4e00-\u9fa5·])(?<![主责信])(?:兼任|担任|任)[^\s，。,：:！!？?|]{2,20}?"
                          r"(?:局长|主任|院长|厅长|部长|书记|司长|署长|处长|主席|校长|所长|秘书长|总经理|董事长|理事长|会长|总裁)"
                          r"(?=$|[\s，。,：:、！!？?|])")
#: a title listing several items (医疗、养老、教育; …与生态环境等领域): with a round-up form, rule ``title_roundup``
_LIST = re.compile(r"、|等领域")

#: a parenthesis (photo caption, aside, note) inside a sentence
_ASIDE = re.compile(r"[(（][^()（）]*[)）]")
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_SENTENCES = re.compile(r"[^。！？!?；;]*[。！？!?；;]?")


@dataclass(frozen=True)
class Thresholds:
    health: float
    digital: float
    policy: float
    #: a markets score at or above this (with min_terms["markets"] distinct terms) excludes
    markets: float
    min_terms: dict[str, int] = field(default_factory=dict)

    def of(self, category: str) -> float:
        return getattr(self, category)

    def terms(self, category: str) -> int:
        return int(self.min_terms.get(category, 1))

    @classmethod
    def from_settings(cls, settings: Any) -> "Thresholds":
        """The ``HEALTHCRAWL_RELEVANCE_*`` settings."""
        return cls(health=settings.getfloat("HEALTHCRAWL_RELEVANCE_MIN_HEALTH"),
                   digital=settings.getfloat("HEALTHCRAWL_RELEVANCE_MIN_DIGITAL"),
                   policy=settings.getfloat("HEALTHCRAWL_RELEVANCE_MIN_POLICY"),
                   markets=settings.getfloat("HEALTHCRAWL_RELEVANCE_MAX_MARKETS"),
                   min_terms=dict(settings.getdict("HEALTHCRAWL_RELEVANCE_MIN_TERMS")))


def split_lead(text: str) -> tuple[str, str]:
    """(lead, rest) of a body: the first paragraph, extended over short dateline/author paragraphs
    until it has 40 characters, and cut at a sentence end after 60 characters when longer than
    200 (wire-style single-paragraph texts)."""
    paragraphs = [p for p in (text or "").split("\n") if p.strip()]
    lead_parts: list[str] = []
    length = 0
    while paragraphs and length < 40:
        para = paragraphs.pop(0)
        lead_parts.append(para)
        length += len(para)
    lead = "\n".join(lead_parts)
    rest = "\n".join(paragraphs)
    if len(lead) > 200:
        end = _SENTENCE_END.search(lead, 60)
        cut = end.end() if end and end.end() <= 200 else 200
        lead, rest = lead[:cut], lead[cut:] + ("\n" + rest if rest else "")
    return lead, rest


def units(title: str, text: str) -> list[tuple[str, int, str]]:
    """``(zone, paragraph number, sentence)`` of a text (normalised); the title is paragraph -1."""
    out = [("title", -1, normalise(title))] if title else []
    lead, rest = split_lead(text)
    number = 0
    for zone, part in (("lead", lead), ("body", rest)):
        for para in part.split("\n"):
            if not para.strip():
                continue
            norm = normalise(para)
            out.extend((zone, number, s) for s in _SENTENCES.findall(norm) if s.strip())
            number += 1
    return out


@dataclass
class Evidence:
    """What the scan found: weighted occurrences per matched key, weak terms left unanchored,
    health terms only named in a list of sectors, and terms sharing a sentence with a strong
    health anchor (``paired``: key -> that anchor)."""
    weighted: Counter = field(default_factory=Counter)
    unanchored: list[str] = field(default_factory=list)
    title_keys: set[str] = field(default_factory=set)
    listed: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    asides: list[str] = field(default_factory=list)
    paired: dict[str, str] = field(default_factory=dict)


def _field_title(lex: Lexicon, title_keys: list[str]) -> bool:
    """Rule ``field_examples``: the title names a digital term and no policy topic (weight >= 2), so a
    sentence naming a field (在智慧医疗领域…, 在医疗领域…) gives one use of the technology, as 例如 does."""
    weights = [(c, w) for k in title_keys for c, w, _ in lex.index[k]]
    return (any(c == "digital" and w > 0 for c, w in weights)
            and not any(c == "policy" and w >= EVIDENCE_WEIGHT for c, w in weights))


def _scan(lex: Lexicon, parts: list[tuple[str, int, str]]) -> tuple[list[list[str]], list[list[str]], list[str],
                                                                     list[set[int]]]:
    """Per sentence: the matched keys, its strong health anchors, and why its health terms do not
    count ("" when they do): ``"sectors"`` when it names ``rules.sector_list`` distinct sectors
    (金融、教育、医疗、政务 … — it only lists health among other fields), ``"example"`` when it has an
    example marker (例如, 比如 …) and the title names no health term (an AI article giving medicine
    as one use). Such a sentence anchors nothing. With ``rules.parenthetical`` and no health term in
    the title, the health terms inside parentheses (a photo caption, an aside) are set apart: per
    sentence, the positions of those matches (they anchor nothing either)."""
    listing, sector_keys, anchor_keys = lex.rules["sector_list"], lex.sector_keys, lex.anchor_keys
    matches = [find_matches(lex, sentence) for _, _, sentence in parts]
    found = [[k for k, _ in m] for m in matches]
    title_health = bool(parts) and parts[0][1] == -1 and not lex.health_keys.isdisjoint(found[0])
    examples = lex.example_keys if not title_health else frozenset()
    if (lex.field_keys and not title_health and lex.rules.get("field_examples") and parts
            and parts[0][1] == -1 and _field_title(lex, found[0])):
        examples = examples | lex.field_keys
    asides: list[set[int]] = [set() for _ in parts]
    if lex.rules.get("parenthetical") and not title_health:
        for i, ((_, para, sentence), m) in enumerate(zip(parts, matches)):
            spans = [s.span() for s in _ASIDE.finditer(sentence)] if para != -1 else []
            asides[i] = {j for j, (k, at) in enumerate(m) if k in lex.health_keys
                         and any(a <= at < b for a, b in spans)}
    anchors, listed = [], []
    for i, keys in enumerate(found):
        why = ("sectors" if listing and len(sector_keys.intersection(keys)) >= listing
               else "example" if examples and not examples.isdisjoint(keys) else "")
        listed.append(why)
        anchors.append([] if why else [k for j, k in enumerate(keys) if k in anchor_keys and j not in asides[i]])
    return found, anchors, listed, asides


def collect(lex: Lexicon, parts: list[tuple[str, int, str]]) -> Evidence:
    """Scan the sentences; weak terms count only near a strong health anchor (module docstring)."""
    paragraph_scope = lex.rules["anchor_scope"] == "paragraph"
    found, anchors, listed, asides = _scan(lex, parts)
    anchored_units = {(parts[i][1], i) for i, a in enumerate(anchors) if a}
    anchored_paras = {p for p, _ in anchored_units}
    title_anchor = -1 in anchored_paras
    ev = Evidence()
    for i, ((zone, para, _), keys) in enumerate(zip(parts, found)):
        if para == -1:  # the title is about the whole text: an anchor anywhere will do
            near = bool(anchored_units)
        else:
            near = title_anchor or (para in anchored_paras if paragraph_scope else (para, i) in anchored_units)
        factor = lex.zones.get(zone, 1.0)
        for j, key in enumerate(keys):
            if listed[i] and key in lex.health_keys:
                (ev.listed if listed[i] == "sectors" else ev.examples).append(key)
                continue
            if j in asides[i]:
                ev.asides.append(key)
                continue
            if key in lex.weak and not near:
                ev.unanchored.append(key)
                continue
            ev.weighted[key] += factor
            partner = next((a for a in anchors[i] if a != key), None)
            if partner and key not in ev.paired:
                ev.paired[key] = partner
            if zone == "title":
                ev.title_keys.add(key)
    return ev


def category_scores(lex: Lexicon, weighted: Counter) -> tuple[dict, dict, dict]:
    """(score, contributions sorted strongest first, distinct evidence terms) per category."""
    totals = {c: 0.0 for c in SCORED}
    contributions: dict[str, list[tuple[float, str]]] = {c: [] for c in SCORED}
    evidence = {c: 0 for c in SCORED}
    for key, x in weighted.items():
        for category, weight, term in lex.index[key]:
            if category not in totals or weight <= 0:
                continue
            value = weight * (1.0 + math.log2(x)) if x >= 1 else weight * x
            totals[category] += value
            contributions[category].append((value, term))
            if weight >= EVIDENCE_WEIGHT:
                evidence[category] += 1
    for c in SCORED:
        contributions[c].sort(key=lambda vt: (-vt[0], vt[1]))
    return totals, contributions, evidence


@dataclass
class RuleOutcome:
    score: float
    relevant: bool
    ratios: dict[str, float]
    totals: dict[str, float]
    evidence: dict[str, int]
    matched: dict[str, list[str]]
    reasons: dict[str, Any]


def apply_rule(lex: Lexicon, thresholds: Thresholds, title: str, text: str) -> RuleOutcome:
    """The lexicon rule on simplified text: scores, the verdict and the reasons for it."""
    ev = collect(lex, units(title, text))
    rules = lex.rules
    totals, contributions, evidence = category_scores(lex, ev.weighted)
    ratios, short = {}, []
    strong_title = title_strong(lex, ev.title_keys) if rules.get("title_evidence") else set()
    pairs = paired_terms(lex, ev, contributions)
    subject = title_subject(lex, ev.title_keys, evidence, contributions)
    for c in CATEGORIES:
        ratio = totals[c] / thresholds.of(c)
        if (evidence[c] < thresholds.terms(c) and c not in strong_title and c not in pairs
                and not (c == "health" and subject)):
            ratio = min(ratio, 0.999)
            if totals[c] >= thresholds.of(c):
                short.append(c)
        ratios[c] = ratio
    score = min(ratios["health"], max(ratios["digital"], ratios["policy"]))
    exclusions = []
    if totals[MARKETS] >= thresholds.markets and evidence[MARKETS] >= thresholds.terms(MARKETS):
        exclusions.append(MARKETS)
    if (totals[NEGATIVE] >= rules["max_negative"] and evidence[NEGATIVE] >= rules["negative_min_terms"]
            and totals["health"] < rules["negative_override"] * totals[NEGATIVE]):
        exclusions.append(NEGATIVE)
    cues = title_negative(lex, title, ev.title_keys)
    if cues:
        exclusions.append(TITLE)
    if exclusions:
        score = min(score, 0.999)
    matched = {c: [t for _, t in contributions[c]] for c in SCORED
               if c in CATEGORIES or contributions[c]}
    reasons: dict[str, Any] = {"rule": verdict(ratios, exclusions, short)}
    if ev.unanchored:
        reasons["unanchored"] = sorted(set(ev.unanchored))
    if ev.listed:
        reasons["listed_among_sectors"] = sorted(set(ev.listed))
    if ev.examples:
        reasons["health_only_as_example"] = sorted(set(ev.examples))
    if ev.asides:
        reasons["health_only_in_parentheses"] = sorted(set(ev.asides))
    if (subject and evidence["health"] < thresholds.terms("health") and ratios["health"] >= 1.0
            and "health" not in strong_title and "health" not in pairs):
        reasons["title_subject"] = subject
    used = {c: p for c, p in pairs.items() if ratios[c] >= 1.0 and evidence[c] < thresholds.terms(c)}
    if used:
        reasons["paired"] = used
    if exclusions:
        reasons["excluded_by"] = {c: cues if c == TITLE else matched[c][:5] for c in exclusions}
    return RuleOutcome(score=score, relevant=score >= 1.0, ratios=ratios, totals=totals,
                       evidence=evidence, matched=matched, reasons=reasons)


def paired_terms(lex: Lexicon, ev: Evidence, contributions: dict) -> dict[str, str]:
    """Pairs of a strong digital or policy term (weight >= ``rules.paired_weight``) and a strong
    health anchor in one sentence ("改革" beside "公立医院"): for each category of
    ``rules.paired_categories`` such a pair stands for its distinct terms — for policy or digital
    the term's category, for health the anchor (the pair says what the health term is about).
    Terms that are health terms too (卫健委, 长照) do not pair. Category -> "term~anchor" of its
    strongest pair."""
    found: dict[str, tuple[str, str]] = {}
    for c in ("digital", "policy"):
        for _, term in contributions[c]:
            key = normalise(term)
            if (key in ev.paired and lex.categories[c].get(term, 0.0) >= lex.rules["paired_weight"]
                    and key not in lex.health_keys):  # an agency name (卫健委) is no topic of its own
                found[c] = (term, ev.paired[key])
                break
    wanted = lex.rules["paired_categories"]
    out = {c: f"{t}~{a}" for c, (t, a) in found.items() if c in wanted}
    if "health" in wanted and found:
        term, anchor = found.get("policy") or found["digital"]
        out["health"] = f"{anchor}~{term}"
    return out


def title_subject(lex: Lexicon, title_keys: set[str], evidence: dict[str, int], contributions: dict) -> str:
    """The title's health term when the body is dense with one topic: with ``rules.title_subject``
    distinct digital or policy terms, one of them strong (weight >= ``rules.anchor_weight``), a
    health term of the title (weight >= 2) stands for health's distinct terms — the title names
    what the standard, the system or the rule is about (医疗器械唯一性标识 + UDI, 追溯, 数据库;
    药品 + 国务院, 试点, 制度). "" when it does not apply."""
    needed = lex.rules["title_subject"]
    topic = max(("digital", "policy"), key=lambda c: evidence[c])
    if not needed or evidence[topic] < needed or not any(
            lex.categories[topic].get(t, 0.0) >= lex.rules["anchor_weight"] for _, t in contributions[topic]):
        return ""
    terms = sorted(lex.index[k][0][2] for k in title_keys
                   if any(c == "health" and w >= EVIDENCE_WEIGHT for c, w, _ in lex.index[k]))
    return f"{terms[0]}+{evidence[topic]} {topic} terms" if terms else ""


def title_negative(lex: Lexicon, title: str, title_keys: set[str]) -> list[str]:
    """The cues that make the title's subject something else (``rules.title_negative``): a negative
    cue of weight >= 2 among the title's terms or a title-only cue (lexicon ``title_negative``: 开工,
    致辞, 学习会, 义诊, 宠物, 处罚决定书 …) — the title names an event, a case or another field, so the
    health words of the body are its setting, not a health topic — unless the title also names a
    topic (a digital or policy term of weight >= 2 that is no health agency's name: 中医药法实施5周年);
    and a business cue (a weight-3 market cue, or lexicon ``title_business``: 融资, 出口, 行业报告,
    医药代表 …) unless the title names a policy topic (a digital one does not cancel it: a medical-AI
    firm's funding round is business news). With ``rules.title_forms`` the forms of issuing (印发, 通知, 白皮书 …)
    are no topic; with ``rules.title_cases`` a count of cases (8起…典型案例) is a cue no topic cancels (a
    tally of single cases). With ``rules.title_other_field`` a title naming no health term and a cue of another
    field's policy (lexicon ``title_fields``: 消费, 产业, 退休, 毕业生 …) has that field as its subject, which no
    topic cancels (国务院印发《关于促进服务消费高质量发展的意见》 names 互联网+医疗服务 as one of its items). With
    ``rules.title_roundup`` a round-up form (lexicon ``title_roundups``: 两会, 政府工作报告) in a title naming no health
    term or listing several items (医疗、养老、教育; 医疗卫生与生态环境等领域) is a multi-topic round-up, a cue no topic
    cancels; a round-up confined to health (医疗健康的两会议案建议和提案梳理) keeps its topic. With
    ``rules.title_appointment`` a person taking a post (刘某某任国家某某局局长: ``_APPOINTMENT``) is an event cue, as
    任命 and 接任 are (an appointee's programme names a topic, which cancels it); with ``rules.title_case_batches`` a
    batch of cases (发布新一批…欺诈骗保典型案例: ``_CASE_BATCH``) is a tally no topic cancels, as 8起…典型案例 is. [] when
    the rule does not apply."""
    if not lex.rules.get("title_negative") or not title:
        return []
    norm = normalise(title)
    events, business = {c for c in lex.title_cues if c in norm}, {c for c in lex.business_cues if c in norm}
    for key in title_keys:
        weights = {c: w for c, w, _ in lex.index[key]}
        if weights.get(NEGATIVE, 0.0) >= EVIDENCE_WEIGHT:
            events.add(lex.index[key][0][2])
        if weights.get(MARKETS, 0.0) >= lex.rules["anchor_weight"]:
            business.add(lex.index[key][0][2])
    if lex.rules.get("title_appointment"):
        events |= {m.group(0) for m in _APPOINTMENT.finditer(norm)}
    forms = lex.title_forms if lex.rules.get("title_forms") else frozenset()
    topics = [k for k in title_keys if k not in forms and _topic_term(lex, k)]
    if events and topics:
        events = set()
    if business and any(w >= EVIDENCE_WEIGHT for k in topics for c, w, _ in lex.index[k] if c == "policy"):
        business = set()
    cases = {m.group(0) for m in _CASES.finditer(norm)} if lex.rules.get("title_cases") else set()
    if lex.rules.get("title_single_case"):
        cases |= {m.group(0) for m in _CASE.finditer(norm)}
    if lex.rules.get("title_case_batches"):
        cases |= {m.group(0) for m in _CASE_BATCH.finditer(norm)}
    no_health = lex.health_keys.isdisjoint(title_keys)
    if lex.rules.get("title_other_field") and no_health:
        cases |= {c for c in lex.title_fields if c in norm}
    if lex.rules.get("title_roundup") and (no_health or _LIST.search(norm)):
        cases |= {c for c in lex.title_roundups if c in norm}
    return sorted(events | business | cases)


def _topic_term(lex: Lexicon, key: str) -> bool:
    """A digital or policy term of weight >= 2 that is not a health agency's name."""
    weights = {c: w for c, w, _ in lex.index[key]}
    if max(weights.get("digital", 0.0), weights.get("policy", 0.0)) < EVIDENCE_WEIGHT:
        return False
    return not ("health" in weights and weights.get("digital", 0.0) < EVIDENCE_WEIGHT and _AGENCY.search(key))


def title_strong(lex: Lexicon, keys: set[str]) -> set[str]:
    """The categories with a strong term (weight >= ``rules.anchor_weight``) in the title: the
    title names the topic, so such a term stands for the category's distinct terms. A health term
    stands for health only (卫健委 in the title is not also a policy topic)."""
    strong = lex.rules["anchor_weight"]
    out = set()
    for key in keys:
        entries = {c: w for c, w, _ in lex.index[key] if c in CATEGORIES}
        if "health" in entries:
            entries = {"health": entries["health"]}
        out.update(c for c, w in entries.items() if w >= strong)
    return out


def verdict(ratios: dict[str, float], exclusions: list[str], short: list[str]) -> str:
    """Which part of the rule decided, in words."""
    if exclusions:
        return "excluded: " + " and ".join(f"{c} cues" for c in exclusions)
    support = [c for c in ("digital", "policy") if ratios[c] >= 1.0]
    if ratios["health"] >= 1.0 and support:
        return "health and " + " and ".join(support)
    missing = [c for c in CATEGORIES if ratios[c] < 1.0 and (c == "health" or not support)]
    detail = [f"{c} {'has too few distinct terms' if c in short else 'below its threshold'}" for c in missing]
    return "not relevant: " + "; ".join(detail)


def simplified(title: str | None, text: str | None) -> tuple[str, str]:
    """Title and text in simplified characters."""
    return to_simplified(title or ""), to_simplified(text or "")
