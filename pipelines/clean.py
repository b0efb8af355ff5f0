"""CleanPipeline: normalised whitespace and no leftover page furniture in the text fields.

- ``title``, ``source``, ``author``, ``editor``: invisible characters removed, every run of
  whitespace (full-width U+3000, NBSP, tabs, line breaks …) becomes one ASCII space, stripped;
  a leftover label ("来源：", "作者：", "责编：", "【编辑:…】") is removed; empty → ``None``
  (``title`` stays a string).
- ``body``: the same per paragraph, paragraphs kept apart by ``"\\n"``, empty paragraphs dropped,
  boilerplate paragraphs and tails removed (see :data:`PARAGRAPH_RULES` / :data:`TAIL_RULES`):
  editor lines ("责编：…", "【编辑:…】", "（责任编辑：…）"), the wire end mark "(完)",
  "更多精彩内容…" links, 【上一篇】/【下一篇】, "扫一扫…" share text, print/close tools. An editor
  line found in the body fills an empty ``editor``.
- ``keywords``: stripped, empties and repeats dropped.

Every change is counted as ``healthcrawl/clean/<what>`` (whitespace, empty_paragraph,
editor_line, end_mark, more_link, prev_next, share_text, page_tools, label, editor_from_body) and
``healthcrawl/clean/items_changed``. Nothing is dropped here.
"""

from __future__ import annotations

import re
from collections import Counter

from itemadapter import ItemAdapter

STATS = "healthcrawl/clean"

#: zero-width and soft-hyphen characters: removed outright
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
#: any Unicode whitespace (``\s`` covers U+3000, NBSP, U+2000–U+200A, line breaks)
_SPACE = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")

_EDITOR_ROLES = r"(?:责编|责任编辑|值班编辑|编辑|审校|校对|审核|编审|初审|复审|终审|监制|校审)"
_OPEN = r"[\[【(（]"
_CLOSE = r"[\]】)）]"
_EDITOR_NAME = r"([^\]】)）]{1,40}?)"
_EDITOR_TAG = rf"{_OPEN}\s*{_EDITOR_ROLES}\s*[:：]\s*{_EDITOR_NAME}\s*{_CLOSE}"

#: whole paragraphs that are not article text: (what, pattern)
PARAGRAPH_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # atomic/possessive: a tag ends at its first closing bracket, so nothing is lost, and a line
    # of many tags followed by text fails at once instead of trying every split of its spaces
    ("editor_line", re.compile(rf"^(?:(?>{_EDITOR_TAG})\s*+)+$")),
    ("editor_line", re.compile(rf"^{_EDITOR_ROLES}\s*[:：]\s*(\S.{{0,30}})$")),
    ("end_mark", re.compile(r"^[(（]\s*完\s*[)）]$")),
    ("more_link", re.compile(r"^更多(?:精彩)?(?:内容|资讯|新闻|报道|精彩)[^。！？]{0,20}?"
                             r"(?:点击|关注|下载|访问|进入|查看|登录|敬请)[^。！？]{0,80}$")),
    ("more_link", re.compile(r"^更多精彩[^。！？]{0,40}$")),
    ("prev_next", re.compile(r"^[\[【]?\s*(?:上一篇|下一篇)\s*[\]】:：].{0,150}$")),
    ("share_text", re.compile(r"^(?:微信|手机|用手机)?扫一扫\s*[:：，,]?\s*(?:分享|在手机|手机|打开|关注|下载|用手机|"
                              r"二维码|左侧|右侧|上方|下方)[^。！？]{0,40}$")),
    ("share_text", re.compile(r"^分享到\s*[:：]?[^。！？]{0,40}$")),
    # longest words first inside an atomic group (see editor_line)
    ("page_tools", re.compile(r"^(?:(?>[\[【]?\s*(?:打印本页|打印|关闭窗口|关闭|收藏|我要纠错|纠错|返回顶部|"
                              r"字号[:：]?\s*[大中小\s]*)\s*[\]】]?\s*))++$")),
)

#: furniture stuck to the end of a text paragraph (a run of them is stripped): (what, pattern)
TAIL_RULES: tuple[tuple[str, str], ...] = (
    ("editor_line", _EDITOR_TAG),
    ("end_mark", r"[(（]\s*完\s*[)）]"),
    ("page_tools", r"[\[【]\s*(?:打印|关闭|关闭窗口|收藏|纠错|我要纠错)\s*[\]】]"),
)
#: one piece of furniture; the run of them ending a paragraph (atomic pieces: each ends where
#: its own pattern says, so a run is read left to right without backtracking)
_TAIL_PIECE = re.compile(r"\s*(?:" + "|".join(f"(?P<{what}>{pattern})" for what, pattern in TAIL_RULES) + ")")
_TAIL_RUN = re.compile(r"(?:(?>\s*(?:" + "|".join(pattern.replace(_EDITOR_NAME, _EDITOR_NAME[1:-1])
                                                    for _, pattern in TAIL_RULES) + r")))+\s*$")
_EDITOR_TAG_RE = re.compile(_EDITOR_TAG)
#: characters searched for furniture at the end of a paragraph, per step (the longest piece,
#: an editor tag with a 40-character name, is about 50)
TAIL_WINDOW = 512

_LABELS = {
    "source": re.compile(r"^(?:来源|稿源|出处)\s*[:：]\s*"),
    "author": re.compile(r"^(?:作者|文)\s*[:：|丨/]\s*"),
    "editor": re.compile(rf"^{_OPEN}?\s*{_EDITOR_ROLES}\s*[:：]\s*(.*?)\s*{_CLOSE}?$"),
}


def clean_inline(text: str | None) -> str:
    """One line: invisible characters removed, whitespace runs → one space, stripped."""
    if not text:
        return ""
    return _SPACE.sub(" ", text.translate(_INVISIBLE)).strip()


def _editor_name(match: re.Match[str]) -> str | None:
    names = [g for g in match.groups() if g]
    return clean_inline(names[0]) if names else None


def clean_paragraph(text: str, counts: Counter) -> tuple[str, str | None]:
    """(cleaned paragraph or '', editor name found in it)."""
    for what, pattern in PARAGRAPH_RULES:
        match = pattern.match(text)
        if match:
            counts[what] += 1
            return "", (_editor_name(match) if what == "editor_line" else None)
    editor = None
    end = len(text)
    while end:
        # the run of furniture ending the paragraph, searched in its last TAIL_WINDOW characters
        # only: a paragraph ending in thousands of marks costs a few short searches per window,
        # not one search of the whole paragraph per mark
        run = _TAIL_RUN.search(text, max(0, end - TAIL_WINDOW), end)
        if not run:
            break
        for piece in reversed(list(_TAIL_PIECE.finditer(text, run.start(), end))):
            what = piece.lastgroup
            if what == "editor_line" and editor is None:
                editor = clean_inline(_EDITOR_TAG_RE.fullmatch(piece[what])[1])
            counts[what] += 1
        end = run.start()
        while end and text[end - 1].isspace():
            end -= 1
    return text[:end], editor


def clean_body(body: str | None) -> tuple[str, Counter, str | None]:
    """(cleaned body, counts of what changed, editor name found in the body or None)."""
    counts: Counter = Counter()
    if not body:
        return "", counts, None
    kept: list[str] = []
    editor: str | None = None
    for raw in _LINE_BREAKS.sub("\n", body).split("\n"):
        para = clean_inline(raw)
        if para != raw:
            counts["whitespace"] += 1
        if not para:
            counts["empty_paragraph"] += 1
            continue
        para, found = clean_paragraph(para, counts)
        editor = editor or found
        if para:
            kept.append(para)
    return "\n".join(kept), counts, editor


def clean_field(name: str, value: str | None, counts: Counter) -> str | None:
    if value is None:
        return None
    text = clean_inline(value)
    if text != value:
        counts["whitespace"] += 1
    label = _LABELS.get(name)
    if label is not None and text:
        match = label.match(text)
        if match:
            stripped = (match.group(1) if match.groups() else text[match.end():]).strip()
            if stripped != text:
                counts["label"] += 1
                text = stripped
    return text or None


class CleanPipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def inc(self, what: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{what}", count)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        counts: Counter = Counter()
        title = clean_field("title", adapter.get("title"), counts)
        adapter["title"] = title or ""
        for name in ("source", "author", "editor"):
            if name in adapter:
                adapter[name] = clean_field(name, adapter.get(name), counts)
        body, body_counts, editor = clean_body(adapter.get("body"))
        counts.update(body_counts)
        adapter["body"] = body
        if editor and "editor" in adapter.field_names() and not adapter.get("editor"):
            adapter["editor"] = editor
            counts["editor_from_body"] += 1
        keywords = adapter.get("keywords")
        if keywords:
            cleaned = list(dict.fromkeys(k for k in (clean_inline(k) for k in keywords) if k))
            if cleaned != list(keywords):
                counts["keywords"] += 1
                adapter["keywords"] = cleaned
        for what, count in counts.items():
            self.inc(what, count)
        if counts:
            self.inc("items_changed")
        return item
