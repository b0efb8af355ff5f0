"""A main-text and field extractor for Chinese news pages of any site (issue 15).

``extract_article(html, url)`` → :class:`Article` (title, published_at, source, editor, body
paragraphs). A pure function of the page text: no Scrapy, no network, only lxml.

Body: the page is cut into *text units* (the inline text directly inside one block element;
``<br>`` ends a unit). Each unit gets a value: its characters outside links when it reads like
prose (Chinese punctuation, few links), minus its characters when it is navigation (mostly link
text) or a known boilerplate line (分享到, 扫一扫, 相关新闻, copyright …). The article is the
element whose units add up to the most (the best-scoring subtree, computed bottom-up in one
walk, in the spirit of CETD's text density), so side columns, related lists and footers — which
weigh negative — stay outside it. Inside it, link lists, known boilerplate containers (share
bars, related articles, comments) and boilerplate lines are dropped; the headline and the byline
at the top and the editor credit at the end are taken out as fields.

Fields: the title is the headline element (``<h1>``, ``og:title``, ``*title*`` classes) that
agrees with ``<title>``, else the first part of ``<title>``; the time, 来源 and 责任编辑 come
from the byline near the title, then from meta tags and the rest of the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from lxml import etree, html as lxml_html

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass
class Article:
    title: str | None = None
    #: Beijing time; ``published_precision`` says whether the page gave a time ("minute") or a day
    published_at: datetime | None = None
    published_precision: str | None = None
    source: str | None = None
    editor: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    #: field -> how it was found ("h1", "title-tag", "byline", "meta:…", "page" …)
    how: dict[str, str] = field(default_factory=dict)


# -- text helpers ----------------------------------------------------------------------------------

_WS = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_PUNCT = set("，。！？；：、“”‘’（）《》…,.!?;:")
_SENTENCE_PUNCT = set("，。！？；、")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def squash(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _count(text: str) -> int:
    """Characters that are not whitespace."""
    return len(_WS.sub("", text)) if text else 0


def _norm(text: str) -> str:
    """Letters, digits and CJK only (to compare headlines across punctuation variants)."""
    return re.sub(r"[^\w\u4e00-\u9fff]+", "", text or "").replace("_", "").lower()


# -- page structure ----------------------------------------------------------------------------------

_DROP_TAGS = {"script", "style", "noscript", "iframe", "textarea", "select", "option", "button",
              "input", "svg", "canvas", "object", "embed", "template", "head", "video", "audio",
              "map", "menu", "dialog"}
_INLINE = {"a", "span", "strong", "b", "em", "i", "u", "font", "sub", "sup", "small", "big",
           "code", "label", "abbr", "cite", "q", "s", "strike", "del", "ins", "mark", "time",
           "var", "kbd", "tt", "img", "nobr", "wbr"}
_LINEBREAK = {"br"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.I)
#: class/id words of containers that are never article text
_BOILER_ATTR = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|bdshare|social|comment|comments|reply|related|relate|recommend|"
    r"recom|hot(?:news|list)?|rank|ranking|footer|foot|copyright|breadcrumb|crumb|nav|navbar|menu|"
    r"sidebar|side|aside|advert|ads?|adv|banner|toolbar|tool|tools|tags?|keywords?|pager|pagination|"
    r"login|search|qrcode|erweima|ewm|weixin|wechat|subscribe|print|fontsize|font-size|zoom|"
    r"next|prev|prenext|more|morelist|interest|guess|feed|statement|disclaimer)(?:$|[\s_-]|\d)",
    re.I)
_SEMANTIC_BOILER = {"nav", "footer", "aside", "header"}

#: lines that are page furniture, not article text
_BOILER_LINE = re.compile(
    r"^(?:[【\[（(]?\s*)(?:分享到|分享至|分享：|扫一扫|扫描二维码|用微信扫|微信扫一扫|打开微信|相关新闻|相关阅读|"
    r"相关文章|相关报道|延伸阅读|推荐阅读|热点推荐|猜你喜欢|热门推荐|更多精彩|上一篇|下一篇|上一条|下一条|"
    r"返回顶部|返回首页|返回搜狐|打印本页|打印|关闭窗口|关闭|字号|字体[:：]|举报|纠错|【纠错】|收藏|"
    r"点击(?:进入|查看|阅读)|版权所有|版权声明|Copyright|copyright|©|免责声明|声明：|平台声明|"
    r"本文来源于|责任编辑|责编|编辑[:：/]|网友评论|我要评论|发表评论|查看评论|评论\s*\d*$|"
    r"阅读下一篇|下载客户端|关注我们|京ICP|ICP备|违法和不良信息|原创版权|转载申请|反侵权公告|未经授权|查看原图)", re.I)

#: lines after which an article has ended (credits, legal notices, related lists, comments)
_END_MARK = re.compile(
    r"^[\[【（(]?\s*(?:责任编辑|责编|反侵权公告|版权声明|免责声明|原创版权|转载申请|相关新闻|相关阅读|相关文章|"
    r"相关报道|推荐阅读|延伸阅读|热点推荐|猜你喜欢|为你推荐|热门推荐|更多精彩|上一篇|下一篇|【纠错】|纠错|分享到|"
    r"网友评论|我要评论|发表评论|热门评论|全部评论|最新评论|评论\s*\(|声明[:：]|平台声明)")

_EDITOR = re.compile(
    r"(?P<label>责任编辑|责编|编辑|选稿|编审)\s*(?:[:：/]\s*|\s+(?=[\u4e00-\u9fff]{2,3}\s*[)）】\]]))"
    r"(?P<name>[\u4e00-\u9fff·]{2,5}(?:\s*[、，,]\s*[\u4e00-\u9fff·]{2,4}){0,3})")
_EDITOR_JUNK = re.compile(r"推荐|观察|声明|来源|编辑|作者|返回|分享|评论|平台|小编|记者|^部|网$|报$|中心$")
_EDITOR_RANK = {"责任编辑": 0, "责编": 0, "编辑": 1, "编审": 2, "选稿": 2}
_SOURCE = re.compile(
    r"(?:信息来源|文章来源|稿件来源|新闻来源|本文来源于|本文来源|(?<!图片)(?<!图)(?<!视频)来源|稿源|出处|来自(?=\s*[:：]))\s*[:：|丨]?\s*[\[【(（]?\s*"
    r"(?P<name>[^\s\[\]【】()（）|丨:：,，;；。]{2,40})")
#: what follows a source name without a space ("求是网参与互动", "人民日报2024-05-13")
_SOURCE_TAIL = re.compile(r"(?:\s|(?:19|20)\d{2}[-/.年]|来自|发布于|参与互动|分享|打印|评论|字号|收藏|举报|关注|作者|编辑|责编|记者|浏览|阅读|点击).*$")
_SOURCE_PLACEHOLDER = {"转载文章", "本站", "网络", "原创", "未知", "佚名"}
_SOURCE_JUNK = re.compile(r"^(?:\d+$|www\.|http)|时间|日期|发布|作者|编辑|责编|分享|浏览|阅读|点击|字号|评论|举报|栏目|关注|参与|^图")


# -- dates --------------------------------------------------------------------------------------------

_DATE_PATTERNS = [
    # 2024-05-13 08:49(:02), 2024/5/13 8:49, 2024.05.20 13:15, 2024年05月10日06:58, 2024年5月22日週三 上午8:21
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
               r"(?:\s*(?:[（(]?(?:星期|週|周)[一二三四五六日天][)）]?)?\s*(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*"
               r"T?(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?::\d{2}(?:\.\d+)?)?"
               r"(?P<tz>Z|[+-]\d{2}:?\d{2}(?!\d))?)?"),
    # 06/02/2022 - 13:48 (day first, as rfi prints it)
    re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>(?:19|20)\d{2})(?:\s*-?\s*(?P<H>\d{1,2}):(?P<M>\d{2}))?"),
]


def find_datetime(text: str) -> tuple[datetime, str] | None:
    """The first plausible date in ``text``, with "minute" or "day" precision."""
    best = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            try:
                y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
                if m["H"] is not None:
                    hour, minute = int(m["H"]), int(m["M"])
                    if m["ampm"] if "ampm" in m.groupdict() else None:
                        if m["ampm"] in ("下午", "晚上") and hour < 12:
                            hour += 12
                        elif m["ampm"] == "凌晨" and hour == 12:
                            hour = 0
                    when, precision = datetime(y, mo, d, hour, minute, tzinfo=BEIJING), "minute"
                    zone = m.groupdict().get("tz")
                    if zone:  # an ISO time with its own offset (meta tags): to Beijing time
                        offset = 0 if zone == "Z" else (int(zone[1:3]) * 60 + int(zone[-2:])) * (1 if zone[0] == "+" else -1)
                        when = (when.replace(tzinfo=timezone(timedelta(minutes=offset)))).astimezone(BEIJING)
                else:
                    when, precision = datetime(y, mo, d, tzinfo=BEIJING), "day"
            except ValueError:
                continue
            key = (precision != "minute", m.start())
            if best is None or key < best[0]:
                best = (key, when, precision)
            if precision == "minute":
                break
    return (best[1], best[2]) if best else None


# -- the walk ----------------------------------------------------------------------------------------

@dataclass
class _Unit:
    element: Any
    text: str
    chars: int
    link_chars: int
    punct: int
    value: float = 0.0


def _parse(text: str) -> Any:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text or "")
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        root = lxml_html.document_fromstring("<html><body></body></html>")
    return root


def _is_boiler_container(element: Any) -> bool:
    tag = element.tag
    if tag in _SEMANTIC_BOILER:
        return True
    attrs = f"{element.get('class', '')} {element.get('id', '')}"
    return bool(attrs.strip()) and bool(_BOILER_ATTR.search(attrs))


def _clean(root: Any) -> None:
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        style = element.get("style")
        if element.tag in _DROP_TAGS or (style and _HIDDEN_STYLE.search(style)):
            parent = element.getparent()
            if parent is not None:
                _drop_keep_tail(element)


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
    if element.tag in _LINEBREAK:
        parts.append("\n")
    else:
        link = in_link or element.tag == "a"
        if element.text:
            parts.append(element.text)
            if link:
                links[0] += _count(element.text)
        for child in element:
            if not isinstance(child.tag, str):
                if child.tail:
                    parts.append(child.tail)
                continue
            _inline_text(child, parts, links, link)
    if element.tail:
        parts.append(element.tail)
        if in_link:
            links[0] += _count(element.tail)


def _units(root: Any) -> list[_Unit]:
    """Text units in document order: the inline text directly inside each block element, split
    at ``<br>``, with the characters inside links counted."""
    units: list[_Unit] = []

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
            units.append(_Unit(element, line, chars, int(round(share)), sum(1 for c in line if c in _PUNCT)))

    def walk(element: Any) -> None:
        parts: list[str] = [element.text or ""]
        links = [0]
        if element.tag == "a" and element.text:
            links[0] += _count(element.text)
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                parts.append(child.tail or "")
                continue
            if tag in _INLINE or tag in _LINEBREAK:
                if tag == "a" or tag in _LINEBREAK or not any(
                        isinstance(c.tag, str) and c.tag not in _INLINE and c.tag not in _LINEBREAK
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


_TEASER = re.compile(r"(?:【详细】|\[详细\]|详细>+|详情>+|阅读全文|查看全文|全文>+|\[全文\]|【全文】|更多>+)\s*$")
_ELLIPSIS_END = re.compile(r"(?:\.{3}|…+)\s*$")


def _list_members(top: Any) -> set:
    """Elements inside repeated link-bearing siblings (news lists, photo strips, teasers): at
    least four children of one parent with the same tag and class, nearly all holding a link."""
    members: set = set()
    for parent in top.iter():
        if not isinstance(parent.tag, str) or len(parent) < 4:
            continue
        groups: dict[tuple[str, str], list[Any]] = {}
        for child in parent:
            if isinstance(child.tag, str) and child.tag not in _LINEBREAK:
                groups.setdefault((child.tag, child.get("class", "")), []).append(child)
        for group in groups.values():
            if len(group) < 4:
                continue
            linked = sum(1 for child in group if _linky(child))
            if linked >= 0.8 * len(group):
                for child in group:
                    members.update(e for e in child.iter())
    return members


_DATEISH = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


def _linky(element: Any) -> bool:
    """A short item holding a link that is a good part of its text (a list entry)."""
    if element.tag == "a":
        return True
    anchors = element.findall(".//a[@href]")
    if not anchors:
        return False
    text = element.text_content()
    chars = _count(text)
    if chars > 300:
        return False
    link_chars = sum(_count(a.text_content()) for a in anchors)
    return chars < 60 or link_chars >= 0.15 * chars or bool(_DATEISH.search(text))


def _unit_value(unit: _Unit) -> float:
    chars, links = unit.chars, unit.link_chars
    if chars == 0:
        return 0.0
    if links / chars > 0.5 or _TEASER.search(unit.text) or (links and _ELLIPSIS_END.search(unit.text)):
        return -chars
    if _BOILER_LINE.match(unit.text):
        return -min(chars, 20)
    prose = sum(1 for c in unit.text if c in _SENTENCE_PUNCT)
    if prose == 0:
        # short non-sentence lines: labels, dates, buttons, captions — neutral to slightly negative
        return -1.0 if chars < 30 else (chars - links) * 0.3
    return (chars - links) * min(1.0, 0.5 + prose / 4)


# -- title ----------------------------------------------------------------------------------------

_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜\s|--|\s-\s|-(?=[^-\s]{2,12}$)|—\s)\s*")
_TITLEISH = re.compile(r"title|headline|biaoti|tit\b|art_?tit|news_?tit|hd|detail_?h", re.I)


def _title(root: Any, page_title: str) -> tuple[str | None, str | None, Any]:
    norm_page = _norm(page_title)
    candidates: list[tuple[str, str, Any]] = []
    for element in root.iter("h1", "h2", "h3"):
        text = squash(element.text_content())
        if 4 <= len(text) <= 120:
            candidates.append((text, element.tag, element))
    for element in root.xpath('//*[@class or @id][not(self::body)][not(self::html)]'):
        attrs = f"{element.get('class', '')} {element.get('id', '')}"
        if _TITLEISH.search(attrs):
            text = squash(element.text_content())
            if 4 <= len(text) <= 120:
                candidates.append((text, "title-class", element))
    for query in ('//meta[@property="og:title"]/@content', '//meta[@name="title"]/@content',
                  '//meta[@name="ArticleTitle"]/@content'):
        for value in root.xpath(query):
            text = squash(value)
            if 4 <= len(text) <= 120:
                candidates.append((text, "meta", None))
    best: tuple[int, str, str, Any] | None = None
    candidates = [(_strip_site(text), how, element) for text, how, element in candidates]
    for text, how, element in candidates:
        norm = _norm(text)
        if len(norm) < 4 or not norm_page or norm not in norm_page:
            continue
        rank = len(norm) * 2 + (3 if how == "h1" else 1 if how == "title-class" else 0)
        if norm_page.startswith(norm):
            rank += 2
        if best is None or rank > best[0]:
            best = (rank, text, how, element)
    if best:
        text, how, element = best[1], best[2], best[3]
        if how == "meta":  # find the element showing it, for the byline
            element = _element_showing(root, text)
        return text, how, element
    first = _strip_site(_TITLE_SPLIT.split(page_title)[0].strip()) if page_title else ""
    if first:
        return first, "title-tag", _element_showing(root, first)
    for text, how, element in candidates:
        if how == "h1":
            return text, "h1", element
    return None, None, None


_SITE_SUFFIX = re.compile(r"\s*(?:[-_|｜]|--)\s*[^-_|｜]{0,20}(?:网|频道|新闻|首页|文档|日报|晚报|在线|\.com|\.cn)[^-_|｜]{0,12}$",
                          re.I)


def _strip_site(text: str) -> str:
    """A headline without a trailing " - 某某网 …" site name."""
    stripped = _SITE_SUFFIX.sub("", text)
    return stripped if len(_norm(stripped)) >= 4 else text


def _element_showing(root: Any, text: str) -> Any:
    norm = _norm(text)
    if not norm:
        return None
    body = root.find("body")
    if body is None:
        return None
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag in ("body", "html"):
            continue
        own = _norm(element.text or "")
        if own and (own == norm or (len(own) >= 6 and norm.startswith(own) and len(own) >= 0.6 * len(norm))):
            return element
    return None


# -- fields from text --------------------------------------------------------------------------------

def _editor_in(texts: Iterable[str]) -> str | None:
    found: list[tuple[int, int, str]] = []
    for position, text in enumerate(texts):
        for m in _EDITOR.finditer(text):
            name = re.sub(r"\s+", "", m["name"]) if "、" in m["name"] or "，" in m["name"] else m["name"].split()[0]
            name = re.sub(r"[，,]", "、", name)
            if _EDITOR_JUNK.search(name):
                continue
            found.append((_EDITOR_RANK[m["label"]], position, name))
    if not found:
        return None
    found.sort(key=lambda item: (item[0], -item[1]))
    return found[0][2]


def _clean_source(name: str) -> str | None:
    name = _SOURCE_TAIL.sub("", name).strip("：:-·|丨 ")
    if len(name) < 2 or name in _SOURCE_PLACEHOLDER or _SOURCE_JUNK.search(name) or not _CJK.search(name):
        return None
    return name


def _source_in(text: str) -> str | None:
    for m in _SOURCE.finditer(text):
        name = _clean_source(m["name"])
        if name:
            return name
    return None


_BUTTON = re.compile(r"^(?:举报|反馈|分享|评论|关注|收藏|打印|字号|放大|缩小|原创|来自|发布于|播报|语音|阅读|"
                     r"点击|下载|客户端|独家|小|中|大|首页|正文|纠错|手机|微信|微博|\+|·|\||¦|/|:|：)")


def _byline_source(byline: list[_Unit], title: str | None) -> str | None:
    """A source printed beside the date without a label ("2024-05-20 14:33 · 新华社")."""
    dated = next((i for i, u in enumerate(byline) if find_datetime(u.text)), None)
    if dated is None:
        return None

    def fit(text: str) -> str | None:
        text = re.sub(r"^\s*(?:原创|来源|出处|稿源)\s*[:：]?\s*", "", text).strip(" ·|¦丨:：")
        if not (2 <= len(text) <= 20) or not _CJK.search(text) or _BUTTON.match(text):
            return None
        if re.search(r"\d{1,2}:\d{2}|[，。！？]|https?:|www\.", text) or _norm(text) == _norm(title or ""):
            return None
        return _clean_source(text)

    unit = byline[dated]
    rest = re.split(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：]\d{2}(?::\d{2})?)?", unit.text)
    if len(rest) > 1 and fit(rest[-1]):
        return fit(rest[-1])
    if len(rest) > 1 and fit(rest[0]):
        return fit(rest[0])
    after = byline[dated + 1:dated + 4]
    for i, u in enumerate(after):
        if re.match(r"^(?:发布于|来自)", u.text) or u.text.endswith((":", "：")):
            break
        if not _CJK.search(u.text):
            continue
        name = fit(u.text)
        if name:
            return name
        break
    for u in reversed(byline[max(0, dated - 3):dated]):
        if not _CJK.search(u.text) or _BUTTON.match(u.text):
            continue
        return fit(u.text)
    return None


# -- the extractor --------------------------------------------------------------------------------------

def extract_article(html: str, url: str | None = None) -> Article:
    """Title, publication time, source, editor and body paragraphs of a news page."""
    article = Article()
    root = _parse(html)
    meta = _meta(root)
    page_title = squash(" ".join(root.xpath("//title//text()")))
    _clean(root)
    title, title_how, title_element = _title(root, page_title)
    if title:
        article.title, article.how["title"] = title, title_how

    units = _units(root)
    listed = _list_members(root)
    for unit in units:
        unit.value = _unit_value(unit)
        if unit.element in listed:
            unit.value = -abs(unit.value) or -1.0
    container = _best_container(root, units)
    body_units = _body_units(units, container)
    if title_element is not None:  # the body starts after the headline
        after = [i for i, u in enumerate(body_units) if u.element is title_element]
        if after and after[-1] < len(body_units) - 1:
            body_units = body_units[after[-1] + 1:]
    body_units = _long_lines_once(body_units)

    if body_units and (title is None or len(_norm(title)) < 6
                       or (title_how == "title-tag" and title_element is None)):
        heading = _heading_before(units, body_units[0])
        if heading is not None and not (title and _norm(heading.text) in _norm(title)):
            title, title_element = heading.text, heading.element
            article.title, article.how["title"] = title, "before-body"

    # the byline: units between the headline and the first body line (or the ten after the headline)
    position = {id(u): i for i, u in enumerate(units)}
    start = 0
    norm_title = _norm(title or "")
    hits = [i for i, u in enumerate(units)
            if (title_element is not None and u.element is title_element) or (norm_title and _norm(u.text) == norm_title)]
    if hits:
        start = hits[0] + 1
        for i in hits:  # the headline followed by a date (a page may show the title twice)
            if any(find_datetime(u.text) for u in units[i + 1:i + 8]):
                start = i + 1
                break
        while start < len(units) and (units[start].element is title_element
                                      or (norm_title and _norm(units[start].text) in norm_title)):
            start += 1
    byline = []
    for unit in units[start:start + 12]:  # up to the first line of prose
        if unit.value > 30 and sum(1 for c in unit.text if c in _SENTENCE_PUNCT) >= 2:
            break
        byline.append(unit)
    byline_text = " ".join(u.text for u in byline)

    paragraphs = [u.text for u in body_units]
    paragraphs = _trim(paragraphs, title, article)
    article.paragraphs = paragraphs

    # published_at: byline, meta, body top, whole page
    when = find_datetime(byline_text)
    how = "byline"
    meta_when = None
    for key in ("article:published_time", "og:release_date", "publishdate", "pubdate", "publish_time",
                "PubDate", "publishDate", "pubDate", "weibo: article:create_at", "dc.date"):
        if meta.get(key.lower()):
            meta_when = find_datetime(meta[key.lower()])
            if meta_when:
                break
    if when is None or (when[1] == "day" and meta_when and meta_when[1] == "minute"
                        and meta_when[0].date() == when[0].date()):
        if meta_when:
            when, how = meta_when, "meta"
    if when is None:
        page_text = " ".join(u.text for u in units[:start + 40])
        when, how = find_datetime(page_text), "page"
    if when:
        article.published_at, article.published_precision = when
        article.how["published_at"] = how

    # source: the byline, then the top and end of the body, then the page
    source = _source_in(byline_text)
    how = "byline"
    if not source:
        source, how = _byline_source(byline, title), "byline-unlabelled"
    if not source:
        edges = " ".join(paragraphs[:2] + paragraphs[-3:]) if paragraphs else ""
        source, how = _source_in(" ".join(u.text for u in units[start:start + 25] if u.chars < 80) + " " + edges), "page"
    if not source and meta.get("source"):
        source, how = _source_in("来源：" + squash(meta["source"]).replace("来源：", "")), "meta"
    if source:
        article.source, article.how["source"] = source, how

    # editor: after the body first (the credit closing the article), then anywhere
    tail_units = units[max(0, position.get(id(body_units[-1]), 0) - 3):][:40] if body_units else []
    editor = _editor_in([" ".join(u.text for u in tail_units)]) or _editor_in([byline_text])
    if not editor:
        editor = _editor_in([" ".join(u.text for u in units if u.chars < 60)])
    if editor:
        article.editor, article.how["editor"] = editor, "page"
    return article


def _heading_before(units: list[_Unit], first: _Unit) -> _Unit | None:
    """The short line just above the article's first line, past its byline (a headline)."""
    index = next((i for i, u in enumerate(units) if u is first), None)
    if index is None:
        return None
    for unit in reversed(units[max(0, index - 8):index]):
        text = unit.text
        if find_datetime(text) or re.search(r"来源|作者|时间|编辑|记者|https?:|www\.", text) or _BUTTON.match(text):
            continue
        if 6 <= unit.chars <= 60 and not re.search(r"[，。；]", text) and unit.link_chars < 0.5 * unit.chars:
            return unit
    return None


def _meta(root: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for element in root.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        value = element.get("content")
        if key and value and key not in out:
            out[key] = value
    return out


def _best_container(root: Any, units: list[_Unit]) -> Any:
    """The element whose text units add up to the most (the article)."""
    own: dict[Any, float] = {}
    for unit in units:
        own[unit.element] = own.get(unit.element, 0.0) + unit.value
    total: dict[Any, float] = {}
    body = root.find("body")
    top = body if body is not None else root
    elements = [e for e in top.iter() if isinstance(e.tag, str)]
    for element in reversed(elements):  # children before parents
        score = own.get(element, 0.0)
        for child in element:
            score += total.get(child, 0.0)
        if score > 0 and element is not top and _is_boiler_container(element) and _looks_like_list(element):
            score = 0.0
        total[element] = score
    best, best_score = top, float("-inf")
    for element in elements:
        score = total.get(element, 0.0)
        if score > best_score:
            best, best_score = element, score
    return best


def _looks_like_list(element: Any) -> bool:
    return element.tag in ("ul", "ol", "nav", "footer", "aside") or len(element.findall(".//a")) >= 3


def _body_units(units: list[_Unit], container: Any) -> list[_Unit]:
    inside: list[_Unit] = []
    members = set(container.iter())
    excluded: dict[Any, bool] = {}

    def in_boiler(element: Any) -> bool:
        """Whether ``element`` is inside (or is) a boilerplate container below ``container``."""
        chain = []
        node = element
        while node is not None and node is not container and node not in excluded:
            chain.append(node)
            node = node.getparent()
        result = excluded.get(node, False) if node is not None else False
        for link in reversed(chain):  # from the top down
            result = result or (_is_boiler_container(link) and _boiler_inside(link))
            excluded[link] = result
        return excluded.get(element, result)

    mine = [u for u in units if u.element in members]
    total = sum(max(0.0, u.value) for u in mine) or 1.0
    done = 0.0
    for unit in mine:
        if _END_MARK.match(unit.text) and done >= 0.5 * total:
            break  # the article has ended: credits, notices, related lists, comments follow
        done += max(0.0, unit.value)
        if unit.chars and unit.link_chars / unit.chars > 0.5:
            continue
        if _BOILER_LINE.match(unit.text):
            continue
        if in_boiler(unit.element):
            continue
        inside.append(unit)
    return inside


def _long_lines_once(units: list[_Unit]) -> list[_Unit]:
    """Long lines repeated (a second copy of the article on the page) are kept once."""
    seen: set[str] = set()
    out: list[_Unit] = []
    for unit in units:
        if unit.chars >= 80 and unit.text in seen:
            continue
        seen.add(unit.text)
        out.append(unit)
    return out


def _boiler_inside(element: Any) -> bool:
    """A boilerplate-named container inside the article is dropped unless it holds prose."""
    text = squash(element.text_content())
    chars = len(text.replace(" ", ""))
    if chars == 0:
        return True
    prose = sum(1 for c in text if c in _SENTENCE_PUNCT)
    links = sum(len(squash(a.text_content()).replace(" ", "")) for a in element.iter("a"))
    return links / chars > 0.3 or prose / chars < 0.02 or chars < 40


_BYLINE_LINE = re.compile(r"(?:来源|作者|时间|发布|编辑|责编|记者|稿源|浏览|阅读|点击|字号)[:：]|^\s*(?:19|20)\d{2}[-/.年]")


def _trim(paragraphs: list[str], title: str | None, article: Article) -> list[str]:
    out = list(paragraphs)
    norm_title = _norm(title or "")
    # headline and byline at the top
    while out and (
            (norm_title and _norm(out[0]) == norm_title)
            or (len(out[0]) < 80 and _BYLINE_LINE.search(out[0]) and not re.search(r"[。！？]", out[0]))):
        out.pop(0)
    # editor credit closing the body, and lone brackets left of it
    while out and not _norm(out[-1]):
        out.pop()
    while out:
        last = out[-1]
        m = _EDITOR.search(last)
        if m and len(last) < 40 + len(m[0]) and m.start() <= len(last) - len(m[0]) - 0:
            stripped = (last[:m.start()] + last[m.end():]).strip(" 【】[]()（）")
            if len(stripped) < 6:
                out.pop()
                continue
        break
    return out
