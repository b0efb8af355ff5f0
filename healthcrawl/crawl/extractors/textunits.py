"""A page as text units, for the density extractor: the inline text directly inside one block
element (``<br>`` ends a unit), with its characters inside links counted, and its value as
article text (prose positive; navigation, teasers, list items and furniture lines negative)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from healthcrawl.text.boilerplate import FURNITURE_LINE, LEGAL_NOTICE, NOTICE_HEADING
from healthcrawl.text.whitespace import char_count, squash

SENTENCE_PUNCT = set("，。！？；、")
CJK = re.compile(r"[\u4e00-\u9fff]")


def norm(text: str) -> str:
    """Letters, digits and CJK only (to compare headlines across punctuation variants)."""
    return re.sub(r"[^\w\u4e00-\u9fff]+", "", text or "").replace("_", "").lower()


def sentence_marks(text: str) -> int:
    """How many Chinese sentence punctuation marks ``text`` holds."""
    return sum(1 for c in text if c in SENTENCE_PUNCT)


_DROP_TAGS = {"script", "style", "noscript", "iframe", "textarea", "select", "option", "button",
              "input", "svg", "canvas", "object", "embed", "template", "head", "video", "audio",
              "map", "menu", "dialog"}
INLINE = {"a", "span", "strong", "b", "em", "i", "u", "font", "sub", "sup", "small", "big",
          "code", "label", "abbr", "cite", "q", "s", "strike", "del", "ins", "mark", "time",
          "var", "kbd", "tt", "img", "nobr", "wbr"}
LINEBREAK = {"br"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.I)
#: class/id words of containers that are never article text
BOILER_ATTR = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|bdshare|social|comment|comments|reply|related|relate|recommend|"
    r"recom|hot(?:news|list)?|rank|ranking|footer|foot|copyright|breadcrumb|crumb|nav|navbar|menu|"
    r"sidebar|side|aside|advert|ads?|adv|banner|toolbar|tool|tools|tags?|keywords?|pager|pagination|"
    r"login|search|qrcode|erweima|ewm|weixin|wechat|subscribe|print|fontsize|font-size|zoom|"
    r"next|prev|prenext|more|morelist|interest|guess|feed|statement|disclaimer)(?:$|[\s_-]|\d)",
    re.I)
_SEMANTIC_BOILER = {"nav", "footer", "aside", "header"}

@dataclass
class Unit:
    """One line of text directly inside ``element``; ``link_chars`` of its ``chars`` are link text."""

    element: Any
    text: str
    chars: int
    link_chars: int
    value: float = 0.0


#: plain lxml elements (lxml.html's element classes cost a lookup per element touched)
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)
#: the text of an element and everything inside it (not its tail)
text_of = etree.XPath("string()")


def parse_page(text: str) -> Any:
    """The lxml tree of a page (comments and processing instructions left out); never raises."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text or "")
    try:
        root = etree.fromstring(text, _PARSER) if text.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    return root if root is not None else etree.fromstring("<html><body></body></html>", _PARSER)


def is_boiler_container(element: Any) -> bool:
    tag = element.tag
    if tag in _SEMANTIC_BOILER:
        return True
    attrs = f"{element.get('class', '')} {element.get('id', '')}"
    return bool(attrs.strip()) and bool(BOILER_ATTR.search(attrs))


def drop_invisible(root: Any) -> None:
    """Remove what a reader never sees (scripts, forms, media, ``display:none``), keeping tails."""
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)  # in C: the bulk of a large page
    for element in _STYLED(root):
        if _HIDDEN_STYLE.search(element.get("style")) and element.getparent() is not None:
            _drop_keep_tail(element)


_STYLED = etree.XPath("//*[@style]")


def _drop_keep_tail(element: Any) -> None:
    parent = element.getparent()
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _inline_text(element: Any, parts: list[str], links: list[int], in_link: bool) -> None:
    """The text of an inline element (and its inline children), links measured."""
    if element.tag in LINEBREAK:
        parts.append("\n")
    else:
        link = in_link or element.tag == "a"
        if element.text:
            parts.append(element.text)
            if link:
                links[0] += char_count(element.text)
        for child in element:
            if not isinstance(child.tag, str):
                if child.tail:
                    parts.append(child.tail)
                continue
            _inline_text(child, parts, links, link)
    if element.tail:
        parts.append(element.tail)
        if in_link:
            links[0] += char_count(element.tail)


def text_units(root: Any) -> list[Unit]:
    """Text units in document order: the inline text directly inside each block element, split
    at ``<br>``, with the characters inside links counted."""
    units: list[Unit] = []

    def flush(element: Any, parts: list[str], links: int) -> None:
        text = "".join(parts)
        if not text.strip():
            return
        lines = [squash(line) for line in text.split("\n")]
        lines = [line for line in lines if line]
        total = sum(len(line.replace(" ", "")) for line in lines) or 1
        for line in lines:
            chars = len(line.replace(" ", ""))
            share = links * chars / total
            units.append(Unit(element, line, chars, int(round(share))))

    def walk(element: Any) -> None:
        parts: list[str] = [element.text or ""]
        links = [0]
        if element.tag == "a" and element.text:
            links[0] += char_count(element.text)
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                parts.append(child.tail or "")
                continue
            if tag in INLINE or tag in LINEBREAK:
                if tag == "a" or tag in LINEBREAK or not any(
                        isinstance(c.tag, str) and c.tag not in INLINE and c.tag not in LINEBREAK
                        for c in child.iterdescendants()):
                    _inline_text(child, parts, links, element.tag == "a")
                    continue
            # a block child (or an inline one holding blocks): what came before is one unit
            flush(element, parts, links[0])
            parts, links = [], [0]
            walk(child)
            parts.append(child.tail or "")
        flush(element, parts, links[0])

    body = root.find("body")
    walk(body if body is not None else root)
    return units


TEASER = re.compile(r"(?:【详细】|\[详细\]|详细>+|详情>+|阅读全文|查看全文|全文>+|\[全文\]|【全文】|更多>+)\s*$")
ELLIPSIS_END = re.compile(r"(?:\.{3}|…+)\s*$")


def list_members(top: Any) -> set:
    """Elements inside repeated link-bearing siblings (news lists, photo strips, teasers): at
    least four children of one parent with the same tag and class, nearly all holding a link."""
    members: set = set()
    for parent in top.iter():
        if not isinstance(parent.tag, str) or len(parent) < 4:
            continue
        groups: dict[tuple[str, str], list[Any]] = {}
        for child in parent:
            if isinstance(child.tag, str) and child.tag not in LINEBREAK:
                groups.setdefault((child.tag, child.get("class", "")), []).append(child)
        for group in groups.values():
            if len(group) < 4:
                continue
            linked = sum(1 for child in group if _linky(child))
            if linked >= 0.8 * len(group):
                for child in group:
                    members.update(child.iter())
    return members


DATEISH = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


def _linky(element: Any) -> bool:
    """A short item holding a link that is a good part of its text (a list entry)."""
    if element.tag == "a":
        return True
    anchors = element.findall(".//a[@href]")
    if not anchors:
        return False
    text = text_of(element)
    chars = char_count(text)
    if chars > 300:
        return False
    link_chars = sum(char_count(text_of(a)) for a in anchors)
    return chars < 60 or link_chars >= 0.15 * chars or bool(DATEISH.search(text))


def unit_value(unit: Unit) -> float:
    """What a unit is worth as article text: its characters outside links when it reads like
    prose; negative for link text, teasers and furniture lines; about nothing for short labels."""
    chars, links = unit.chars, unit.link_chars
    if chars == 0:
        return 0.0
    if links / chars > 0.5 or TEASER.search(unit.text) or (links and ELLIPSIS_END.search(unit.text)):
        return -chars
    if FURNITURE_LINE.match(unit.text):
        return -min(chars, 20)
    if chars < 400 and LEGAL_NOTICE.search(unit.text):
        return -max(8.0, chars * 0.5)
    prose = sentence_marks(unit.text)
    if prose == 0:
        # short non-sentence lines: labels, dates, buttons, captions — neutral to slightly negative
        return -1.0 if chars < 30 else (chars - links) * 0.3
    return (chars - links) * min(1.0, 0.5 + prose / 4)


def mark_notices(units: list[Unit]) -> None:
    """The paragraph after a notice heading ("雅虎中国著作权声明" and its text, in one block or the
    next) counts against its block, like the notice words themselves."""
    after_heading = 0
    for unit in units:
        if unit.chars <= 20 and NOTICE_HEADING.match(unit.text):
            unit.value = min(unit.value, -1.0)
            after_heading = 2
            continue
        if after_heading and unit.value > 0:
            unit.value = -max(8.0, unit.chars * 0.5)
            after_heading = 0
            continue
        after_heading = max(0, after_heading - 1)


def meta_tags(root: Any) -> dict[str, str]:
    """``<meta>`` contents by lower-cased property / name / itemprop (the first of each)."""
    out: dict[str, str] = {}
    for element in root.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        value = element.get("content")
        if key and value and key not in out:
            out[key] = value
    return out

