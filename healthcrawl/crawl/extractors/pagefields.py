"""Fields of a news page for the density extractor: the headline, the byline under it, and the
publication time, 来源 and editor credit read from the byline, meta tags and the page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from lxml import etree

from healthcrawl.article import BEIJING
from healthcrawl.crawl.extractors.textunits import CJK, Unit, norm, sentence_marks, text_of
from healthcrawl.text.boilerplate import editor_in
from healthcrawl.text.whitespace import squash

_SOURCE = re.compile(
    r"(?:信息来源|文章来源|稿件来源|新闻来源|本文来源于|本文来源|(?<!图片)(?<!图)(?<!视频)来源(?:于)?|稿源|出处|来自(?=\s*[:：]))\s*[:：|丨]?\s*[\[【(（]?\s*"
    r"(?P<name>[^\s\[\]【】()（）|丨:：,，;；。]{2,40})")
#: what follows a source name without a space ("求是网参与互动", "人民日报2024-05-13")
_SOURCE_TAIL = re.compile(r"(?:\s|(?:19|20)\d{2}[-/.年]|来自|发布于|参与互动|分享|打印|评论|字号|收藏|举报|关注|作者|编辑|责编|记者|浏览|阅读|点击).*$")
_SOURCE_NOTE = re.compile(r"\s*[\[【(（][^\]】)）]{1,4}[\]】)）]$")
_SOURCE_PLACEHOLDER = {"转载文章", "本站", "网络", "原创", "未知", "佚名"}
_SOURCE_JUNK = re.compile(r"^(?:\d+(?:\s*次)?$|www\.|http)|时间|日期|发布|发表|更新|作者|编辑|责编|分享|浏览|阅读|点击|字号|评论|举报|栏目|关注|参与|^图")


# -- dates --------------------------------------------------------------------------------------------

_DATE_PATTERNS = [
    # 2024-05-13 08:49(:02), 2024/5/13 8:49, 2024.05.20 13:15, 2024年05月10日06:58, 2024年5月22日週三 上午8:21
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
               r"(?:\s*(?:[（(]?(?:星期|週|周)[一二三四五六日天][)）]?)?\s*(?:[,，]\s*)?(?:北京时间|格林尼治(?:标准)?时间)?\s*"
               r"(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*"
               r"T?(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?::\d{2}(?:\.\d+)?)?"
               r"(?P<tz>Z|[+-]\d{2}:?\d{2}(?!\d))?)?"),
    # 发布时间：18-03-08 23:16 (a two-digit year, labelled)
    re.compile(r"发布时间\s*[:：]\s*(?P<y>\d{2})-(?P<m>\d{1,2})-(?P<d>\d{2})\s*(?P<H>\d{1,2}):(?P<M>\d{2})"),
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
                y += 2000 if y < 100 else 0
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


# -- title ----------------------------------------------------------------------------------------

_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜\s|--|\s-\s|-(?=[^-\s]{2,12}$)|—\s)\s*")
_TITLEISH = re.compile(r"title|headline|biaoti|tit\b|art_?tit|news_?tit|hd|detail_?h", re.I)


#: elements with a class or id; blocks a headline element never holds (a page header, a column)
_CLASSED = etree.XPath('//*[@class or @id][not(self::body)][not(self::html)]')
_BLOCKS = ("div", "p", "ul", "ol", "table", "li", "dl", "section", "article", "form")


def find_title(root: Any, head: str) -> tuple[str | None, str | None, Any]:
    """(title, how, element showing it): the headline candidate (``h1``-``h3``, ``*title*``
    classes, title meta tags) agreeing best with the ``<title>`` text ``head``; else the first
    part of ``head``; else the first ``h1``."""
    norm_page = norm(head)
    candidates: list[tuple[str, str, Any]] = []
    for element in root.iter("h1", "h2", "h3"):
        text = squash(text_of(element))
        if 4 <= len(text) <= 120:
            candidates.append((text, element.tag, element))
    for element in _CLASSED(root):
        attrs = f"{element.get('class', '')} {element.get('id', '')}".lower()
        if (("tit" in attrs or "hd" in attrs or "headline" in attrs or "biaoti" in attrs or "detail" in attrs)
                and _TITLEISH.search(attrs) and next(element.iterdescendants(*_BLOCKS), None) is None):
            text = squash(text_of(element))
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
        key = norm(text)
        if len(key) < 4 or not norm_page or key not in norm_page:
            continue
        rank = len(key) * 2 + (3 if how == "h1" else 1 if how == "title-class" else 0)
        if norm_page.startswith(key):
            rank += 2
        if best is None or rank > best[0]:
            best = (rank, text, how, element)
    if best:
        text, how, element = best[1], best[2], best[3]
        if how == "meta":  # find the element showing it, for the byline
            element = element_showing(root, text)
        return text, how, element
    for cut in _head_prefixes(head):  # the longest part of <title> the page shows as it is
        element = element_showing(root, cut, exact=True)
        if element is not None:
            return cut, "title-tag", element
    first = _strip_site(_TITLE_SPLIT.split(head)[0].strip()) if head else ""
    if first:
        return first, "title-tag", element_showing(root, first)
    for text, how, element in candidates:
        if how == "h1":
            return text, "h1", element
    return None, None, None


def _head_prefixes(head: str) -> list[str]:
    """``<title>`` cut before each run of separators ("-", "_", "|"; not the dash "——" of a
    subtitle), longest first, parts of 8+ characters."""
    cuts = {m.start() for m in re.finditer(r"\s*[-_|｜]+\s*", head or "")}
    return [part for part in (head[:cut].strip() for cut in sorted(cuts, reverse=True)) if len(norm(part)) >= 8]


_SITE_SUFFIX = re.compile(r"\s*(?:[-_|｜]|--)\s*[^-_|｜]{0,20}(?:网|频道|新闻|首页|文档|日报|晚报|在线|\.com|\.cn)[^-_|｜]{0,12}$",
                          re.I)


def _strip_site(text: str) -> str:
    """A headline without a trailing " - 某某网 …" site name."""
    stripped = _SITE_SUFFIX.sub("", text)
    return stripped if len(norm(stripped)) >= 4 else text


def element_showing(root: Any, text: str, exact: bool = False) -> Any:
    """The first element of the body whose own text is ``text`` (or, unless ``exact``, most of
    its start)."""
    key = norm(text)
    if not key:
        return None
    body = root.find("body")
    if body is None:
        return None
    lead = key[:2]  # a cheap sieve: the element's text holds the first two letters of the key
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag in ("body", "html"):
            continue
        raw = element.text
        if not raw or lead not in raw.lower():
            continue
        own = norm(raw)
        if own and (own == key or (not exact and len(own) >= 6 and key.startswith(own) and len(own) >= 0.6 * len(key))):
            return element
    return None


# -- fields from text --------------------------------------------------------------------------------

def _clean_source(name: str) -> str | None:
    name = _SOURCE_TAIL.sub("", name).strip("：:-·|丨 ")
    name = _SOURCE_NOTE.sub("", name)  # "游民星空[整理]"
    byline = name.split("/")
    if len(byline) == 2 and 2 <= len(byline[0]) <= 4 and CJK.search(byline[1]):
        name = byline[1]  # "石佳/中国青年报": the author, then the outlet
    if len(name) < 2 or name in _SOURCE_PLACEHOLDER or _SOURCE_JUNK.search(name) or not CJK.search(name):
        return None
    return name


def _source_in(text: str) -> str | None:
    for m in _SOURCE.finditer(text):
        name = _clean_source(m["name"])
        if name:
            return name
    return None


_BUTTON = re.compile(r"^(?:举报|反馈|分享|评论|关注|收藏|打印|字号|放大|缩小|原创|来自|发布于|播报|语音|阅读|"
                     r"点击|下载|客户端|独家|[小中大]$|首页|正文|纠错|手机|微信|微博|\+|·|\||¦|/|:|：)")


def _byline_source(byline: list[Unit], title: str | None) -> str | None:
    """A source printed beside the date without a label ("2024-05-20 14:33 · 新华社")."""
    dated = next((i for i, u in enumerate(byline) if find_datetime(u.text)), None)
    if dated is None:
        return None

    def fit(text: str) -> str | None:
        text = re.sub(r"^\s*(?:原创|来源|出处|稿源)\s*[:：]?\s*", "", text).strip(" ·|¦丨:：")
        if not (2 <= len(text) <= 20) or not CJK.search(text) or _BUTTON.match(text):
            return None
        if re.search(r"\d{1,2}:\d{2}|[，。！？]|https?:|www\.", text) or norm(text) == norm(title or ""):
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
        if not CJK.search(u.text):
            continue
        name = fit(u.text)
        if name:
            return name
        break
    for u in reversed(byline[max(0, dated - 3):dated]):
        if not CJK.search(u.text) or _BUTTON.match(u.text):
            continue
        return fit(u.text)
    return None




_KEYWORD_SEP = re.compile(r"[,，;；、\s]+")


def split_keywords(value: str | None) -> list[str]:
    """Keywords of a meta tag or CMS field, split at commas, semicolons, 、 and spaces."""
    return [k for k in _KEYWORD_SEP.split(value or "") if k]


# -- the byline and the fields read from it ------------------------------------------------------------

@dataclass
class Byline:
    """The units between the headline and the first line of prose (at most 12)."""

    start: int
    units: list[Unit]

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.units)


def byline_after(units: list[Unit], title: str | None, title_element: Any) -> Byline:
    """The byline under the headline (the one followed by a date when the title shows twice)."""
    start = 0
    norm_title = norm(title or "")
    hits = [i for i, u in enumerate(units)
            if (title_element is not None and u.element is title_element) or (norm_title and norm(u.text) == norm_title)]
    if hits:
        start = hits[0] + 1
        for i in hits:
            if any(find_datetime(u.text) for u in units[i + 1:i + 8]):
                start = i + 1
                break
        while start < len(units) and (units[start].element is title_element
                                      or (norm_title and norm(units[start].text) in norm_title)):
            start += 1
    byline = []
    for unit in units[start:start + 12]:
        if unit.value > 30 and sentence_marks(unit.text) >= 2:
            break
        byline.append(unit)
    return Byline(start, byline)


#: meta tags holding the publication time (names lower-cased), in order of trust
_META_TIMES = ("article:published_time", "og:release_date", "publishdate", "pubdate", "publish_time",
               "weibo: article:create_at", "dc.date")


def published(byline: Byline, meta: dict[str, str], units: list[Unit]) -> tuple[tuple[datetime, str] | None, str]:
    """((time, precision) or None, how): the byline's, unless a meta tag gives the same day to the
    minute; else the meta tags'; else the first date near the top of the page."""
    when, how = find_datetime(byline.text), "byline"
    meta_when = None
    for key in _META_TIMES:
        if meta.get(key):
            meta_when = find_datetime(meta[key])
            if meta_when:
                break
    if meta_when and (when is None or (when[1] == "day" and meta_when[1] == "minute"
                                       and meta_when[0].date() == when[0].date())):
        when, how = meta_when, "meta"
    if when is None:
        labelled = next((u.text for u in units if _DATE_LABEL.search(u.text) and find_datetime(u.text)), None)
        when, how = (find_datetime(labelled), "page-labelled") if labelled else (None, "page")
    if when is None:
        when, how = find_datetime(" ".join(u.text for u in units[:byline.start + 40])), "page"
    return when, how


_DATE_LABEL = re.compile(r"(?:发布|发表|更新)(?:日期|时间|于)\s*[:：]?")


_SOURCE_LABEL = re.compile(r"(?:来源|稿源|出处)\s*[:：]")
_PROVINCES = ("北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|"
              "海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门")
#: a platform byline naming the publisher's account: "发布于北京经济日报官方账号"
_ACCOUNT = re.compile(rf"发布于\s*(?:(?:{_PROVINCES})(?:省|市|自治区)?)?\s*(?P<name>[\u4e00-\u9fff]{{2,12}}?)(?:官方)?[账帐]号")


def source(byline: Byline, title: str | None, units: list[Unit], paragraphs: list[str],
           meta: dict[str, str]) -> tuple[str | None, str]:
    """(来源, how): labelled in the byline, printed beside its time, at the top or end of the
    article, else the meta tag."""
    found = _source_in(byline.text)
    if found:
        return found, "byline"
    account = _ACCOUNT.search(byline.text)
    if account and _clean_source(account["name"]):
        return _clean_source(account["name"]), "byline-account"
    # a byline labelling its 来源 with a placeholder ("来源：转载文章") names no outlet beside the time
    found = None if _SOURCE_LABEL.search(byline.text) else _byline_source(byline.units, title)
    if found:
        return found, "byline-unlabelled"
    near = " ".join(u.text for u in units[byline.start:byline.start + 25] if u.chars < 80)
    edges = " ".join(paragraphs[:2] + paragraphs[-3:])
    found = _source_in(f"{near} {edges}")
    if found:
        return found, "page"
    if meta.get("source"):
        return _source_in("来源：" + squash(meta["source"]).replace("来源：", "")), "meta"
    return None, "page"


def editor(units: list[Unit], last_body_unit: Unit | None, byline: Byline) -> str | None:
    """The editor credit closing the article, else the byline's, else any short line's."""
    tail: list[Unit] = []
    if last_body_unit is not None:
        index = next((i for i, u in enumerate(units) if u is last_body_unit), 0)
        tail = units[max(0, index - 3):][:40]
    return (editor_in([" ".join(u.text for u in tail)]) or editor_in([byline.text])
            or editor_in([" ".join(u.text for u in units if u.chars < 60)]))


def heading_before(units: list[Unit], first: Unit) -> Unit | None:
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
