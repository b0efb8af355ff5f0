"""Page furniture in article text, one rule set for the site templates, the generic fallback and
the clean pipeline: editor credits, the wire end mark "（完）", 上一篇/下一篇, share prompts
(分享到, 扫一扫), related-article headings (相关新闻), page tools (打印, 关闭), promotions
(更多精彩内容…), comment prompts and copyright footers.

The same words at two strengths: :func:`clean_paragraph` removes paragraphs and paragraph tails
that are nothing but furniture (anchored, short rules: a sentence that merely starts with 更多 or
编辑 is kept); :data:`FURNITURE_LINE` and :data:`ARTICLE_END` match short lines that *start*
with furniture, for the density extractor's text units.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from healthcrawl.text.whitespace import squash

# -- the words -------------------------------------------------------------------------------------
SHARE = ("分享到", "分享至", "分享：", "扫一扫", "扫描二维码", "用微信扫", "微信扫一扫", "打开微信", "下载客户端",
         "关注我们")
RELATED = ("相关新闻", "相关阅读", "相关文章", "相关报道", "延伸阅读", "推荐阅读", "热点推荐", "猜你喜欢", "为你推荐",
           "热门推荐", "更多精彩")
NAVIGATION = ("上一篇", "下一篇", "上一条", "下一条", "阅读下一篇", "返回顶部", "返回首页", "返回搜狐")
PAGE_TOOLS = ("打印本页", "打印", "关闭窗口", "关闭", "字号", "字体[:：]", "举报", "纠错", "收藏", "点击(?:进入|查看|阅读)",
              "查看原图")
#: notices after which an article has ended
NOTICES = ("版权声明", "免责声明", "声明[:：]", "平台声明", "原创版权", "转载申请", "反侵权公告")
FOOTER = ("版权所有", "Copyright", "©", "京ICP", "ICP备", "违法和不良信息", "未经授权", "本文来源于")
COMMENTS = ("网友评论", "我要评论", "发表评论", "查看评论", "热门评论", "全部评论", "最新评论")
CREDITS = ("责任编辑", "责编")


def _any(*groups: Iterable[str]) -> str:
    return "|".join(word for group in groups for word in group)


_OPENING = r"^[【\[（(]?\s*"
#: a short line that starts with furniture (the density extractor's units)
FURNITURE_LINE = re.compile(
    rf"{_OPENING}(?:{_any(SHARE, RELATED, NAVIGATION, PAGE_TOOLS, NOTICES, FOOTER, COMMENTS, CREDITS)}"
    r"|编辑[:：/]|评论\s*\d*$|广告(?:[:：]|(?=[^。！？]{0,60}[×✕]$)))", re.I)
#: a line after which the article has ended (credits, notices, related lists, comments)
ARTICLE_END = re.compile(
    rf"{_OPENING}(?:{_any(CREDITS, NOTICES, RELATED, ('上一篇', '下一篇', '纠错', '分享到'), COMMENTS)}|评论\s*\(|"
    r"(?:文章不错|觉得不错)[,，]?\s*点个?赞)")

#: a site's legal or platform notice inside a line (not a sentence of an article)
LEGAL_NOTICE = re.compile(
    r"仅提供信息存储(?:空间)?服务|不代表本(?:站|网|平台|网站)的?(?:观点|立场)|仅代表作者(?:本人|个人)?(?:的)?观点|"
    r"(?:著作权|版权|免责|法律|隐私|传输内容)(?:声明|条款|政策)\s*[:：]?$|"
    r"未经(?:书面)?(?:授权|许可|同意)[,，]?\s*(?:请勿|不得|禁止)(?:转载|复制|使用)|转载请(?:注明|联系)")
#: a short heading of a site's notice ("雅虎中国著作权声明", "免责条款"; not "外交部发表声明"): the
#: paragraph after it is the notice
NOTICE_HEADING = re.compile(r"^[【\[]?[^。！？，]{0,12}(?:著作权|版权|免责|法律|隐私|传输内容|使用|服务|平台)"
                            r"(?:声明|条款|须知)[】\]]?\s*[:：]?$")

# -- editor credits --------------------------------------------------------------------------------
EDITOR_ROLES = r"(?:责编|责任编辑|值班编辑|编辑|审校|校对|审核|编审|初审|复审|终审|监制|校审)"
_OPEN = r"[\[【(（]"
_CLOSE = r"[\]】)）]"
_EDITOR_NAME = r"([^\]】)）]{1,40}?)"
#: a bracketed credit: "（责任编辑：王宁）", "【编辑:陈海峰】", "[责编：张倩]"
EDITOR_TAG = rf"{_OPEN}\s*{EDITOR_ROLES}\s*[:：]\s*{_EDITOR_NAME}\s*{_CLOSE}"
#: a credit inside any text (page or byline): "责任编辑：王宁", "（编辑 王宁）", "编辑/王宁、李华", "责编|王宁",
#: and a Latin name or staff code ending the credit: "责编：Demi Xia", "（责任编辑： HN666）"
EDITOR_CREDIT = re.compile(
    r"(?P<label>责任编辑|责编|编辑|选稿|编审)\s*(?:[:：/|｜]\s*|\s+(?=[\u4e00-\u9fff]{2,3}\s*[)）】\]]))"
    r"(?P<name>[\u4e00-\u9fff·]{2,5}(?:\s*[、，,]\s*[\u4e00-\u9fff·]{2,4}){0,3}"
    r"|[A-Za-z][A-Za-z0-9]{1,15}(?: [A-Z][a-z]{1,15})?(?=\s*(?:[)）】\]]|$)))")
_EDITOR_JUNK = re.compile(r"推荐|观察|声明|来源|编辑|作者|返回|分享|评论|平台|小编|记者|^部|网$|报$|中心$")
_EDITOR_RANK = {"责任编辑": 0, "责编": 0, "编辑": 1, "编审": 2, "选稿": 2}


def editor_in(texts: Iterable[str]) -> str | None:
    """The editor credited in ``texts``: a 责任编辑/责编 credit first, the last of its rank."""
    found: list[tuple[int, int, str]] = []
    for position, text in enumerate(texts):
        for m in EDITOR_CREDIT.finditer(text):
            if not re.search(r"[\u4e00-\u9fff]", m["name"]):
                name = m["name"]  # a Latin name ("Demi Xia") or staff code
            elif "、" in m["name"] or "，" in m["name"]:
                name = re.sub(r"\s+", "", m["name"])
            else:
                name = m["name"].split()[0]
            name = re.sub(r"[，,]", "、", name)
            if _EDITOR_JUNK.search(name):
                continue
            found.append((_EDITOR_RANK[m["label"]], position, name))
    if not found:
        return None
    found.sort(key=lambda item: (item[0], -item[1]))
    return found[0][2]


# -- whole paragraphs and paragraph tails ----------------------------------------------------------------
#: whole paragraphs that are not article text: (what, pattern)
PARAGRAPH_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # atomic/possessive: a tag ends at its first closing bracket, so nothing is lost, and a line
    # of many tags followed by text fails at once instead of trying every split of its spaces
    ("editor_line", re.compile(rf"^(?:(?>{EDITOR_TAG})\s*+)+$")),
    ("editor_line", re.compile(rf"^{EDITOR_ROLES}\s*[:：]\s*(\S.{{0,30}})$")),
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
    ("related", re.compile(rf"^[\[【]?\s*(?:{_any(RELATED)}|相关链接)\s*[\]】]?\s*[:：]?$")),
    # a notice or footer line: the word, then no sentence, or "版权所有" with a name or year
    ("footer", re.compile(r"^[\[【(（]?\s*(?:(?:版权声明|免责声明)\s*[:：]|(?i:copyright)\b|©|版权所有\s*(?:[:：©(（]|\d{4}|$))"
                          r"[^。！？]{0,120}[。]?$")),
    ("footer", re.compile(r"^[^。！？]{0,60}ICP[备证][^。！？]{0,60}$")),
)

#: furniture stuck to the end of a text paragraph (a run of them is stripped): (what, pattern)
TAIL_RULES: tuple[tuple[str, str], ...] = (
    ("editor_line", EDITOR_TAG),
    ("end_mark", r"[(（]\s*完\s*[)）]"),
    ("page_tools", r"[\[【]\s*(?:打印|关闭|关闭窗口|收藏|纠错|我要纠错)\s*[\]】]"),
)
#: one piece of furniture; the run of them ending a paragraph (atomic pieces: each ends where
#: its own pattern says, so a run is read left to right without backtracking)
_TAIL_PIECE = re.compile(r"\s*(?:" + "|".join(f"(?P<{what}>{pattern})" for what, pattern in TAIL_RULES) + ")")
_TAIL_RUN = re.compile(r"(?:(?>\s*(?:" + "|".join(pattern.replace(_EDITOR_NAME, _EDITOR_NAME[1:-1])
                                                    for _, pattern in TAIL_RULES) + r")))+\s*$")
_EDITOR_TAG_RE = re.compile(EDITOR_TAG)
#: characters searched for furniture at the end of a paragraph, per step (the longest piece,
#: an editor tag with a 40-character name, is about 50)
TAIL_WINDOW = 512


def _editor_name(match: re.Match[str]) -> str | None:
    names = [g for g in match.groups() if g]
    return squash(names[0]) if names else None


def clean_paragraph(text: str, counts: Counter) -> tuple[str, str | None]:
    """(the paragraph without furniture, or '' when it is all furniture; the editor named in a
    credit it held). What was removed is counted in ``counts`` by kind."""
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
                editor = squash(_EDITOR_TAG_RE.fullmatch(piece[what])[1])
            counts[what] += 1
        end = run.start()
        while end and text[end - 1].isspace():
            end -= 1
    return text[:end], editor


def clean_paragraphs(paragraphs: Iterable[str], counts: Counter | None = None) -> tuple[list[str], str | None]:
    """(the paragraphs without furniture and without those left empty, the first editor credited)."""
    counts = Counter() if counts is None else counts
    kept: list[str] = []
    editor: str | None = None
    for paragraph in paragraphs:
        text, found = clean_paragraph(paragraph, counts)
        editor = editor or found
        if text:
            kept.append(text)
    return kept, editor
