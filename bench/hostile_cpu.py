"""Hostile input, CPU: each hostile page's parse time as a ratio to a normal page of the same size.

A page a site sends must never cost more than its size: one list page of 1,500 sibling links
once blocked the whole crawl process (every spider) for 32 s. For each case below a hostile page
is written in the site's own markup, and a normal page of the same site and kind is grown to the
same size (± 2 %); both are parsed the way the spider does (``parse_list``, or ``extract`` and
the clean pipeline's body and title clean-up for articles), best of three, and the figure is
hostile ÷ normal. Goal: ≤ 3 × for every case (a linear parser gives about 1 ×; a quadratic one
gives hundreds). A run longer than ``--limit`` seconds (default 60) is stopped and printed as
"> limit"; an exception is printed as such. Nothing is asserted: it prints figures.

    python bench/hostile_cpu.py [--only NAME ...] [--limit SECONDS] [--scale 1.0]

The cases (``--only`` takes their names):

- ``ce-list-siblings``: a ce list of 1,500 sibling links in one ``<div>`` (88 KB), no dates beside
  them (every link's neighbours are read for a date);
- ``gmw-home-siblings``, ``cnii-list-siblings``: the same on a gmw channel home and in one
  ``div.mainNews li`` of a cnii channel list;
- ``gmw-enpproperty-unclosed``: a gmw article with 8,000 ``<!--enpproperty`` comments that are
  never closed by ``/enpproperty-->``; ``gmw-enpproperty-fields``: one enpproperty comment with
  8,000 ``<date>`` fields never closed;
- ``gmw-end-marks``: a gmw article whose last paragraph ends in 8,000 "（完）";
- ``clean-editor-tags``, ``clean-page-tools``: a paragraph of 2,000 spaced editor tags
  ("【编辑：王宁 】") or print/close links ("打印 ") followed by text (exponential before);
- ``ce-date-spaces``: a ce page for the fallback whose ``publishdate`` meta is a date followed
  by 50,000 spaces;
- ``ce-nested-credits``: a ce article whose body is 2,000 nested ``<div>`` each starting "责编"
  without a name (the editor credit is looked for on the whole page);
- ``gmw-list-nested``, ``chinanews-list-nested``: list items nested 1,500 deep;
- ``gmw-article-nested``: an article body of 1,500 nested ``<div>`` with text;
  ``chinanews-article-nested``: the same of ``<div><p>…（完）</p>`` in a chinanews body;
- ``ce-fallback-nested``, ``ce-fallback-links``: pages for the generic fallback (trafilatura)
  with 2,000 nested ``<div>`` or 4,000 links in the text;
- ``chinanews-list-many``: 6,000 entries on one rolling-list page;
- ``gmw-article-huge-text``: one 1 MB text node as the article body;
- ``ce-article-comments``: 10,000 comments inside a ``<br>``-split body;
- ``cnii-issue-many``, ``cnii-issue-bad``: an e-paper ``data.json`` of 6,000 entries, and of
  6,000 entries of the wrong types (strings, numbers, lists);
- ``cnii-issue-deep``: an e-paper ``data.json`` with one value nested 100,000 deep.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from healthcrawl.crawl.fixtures import make_response  # noqa: E402
from healthcrawl.crawl.extractors import ce, chinanews, cnii, gmw  # noqa: E402
from pipelines.clean import clean_body, clean_field  # noqa: E402

GOAL = 3.0
EXTRACTORS = {"gmw": gmw.EXTRACTOR, "ce": ce.EXTRACTOR, "cnii": cnii.EXTRACTOR,
              "chinanews": chinanews.EXTRACTOR}
HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json"}
TITLE = "基层医疗机构接入区域健康信息平台"
TEXT = "市卫生健康委员会近日发布通知，要求各级医院在年底前接入区域健康信息平台，实现检查检验结果互认。"


# --- pages in the sites' markup --------------------------------------------------------------------
def gmw_article(body: str, head: str = "", enp: str | None = None) -> str:
    enp = enp if enp is not None else (
        f"<!--enpproperty <articleid>39700001</articleid><date>2026-11-10 09:12:00.0</date>"
        f"<author></author><title>{TITLE}</title><keyword>智慧医疗</keyword>"
        f"<nodename>资讯速递</nodename>/enpproperty-->")
    return f"""<!DOCTYPE html><html><head><meta charset="UTF-8">{head}<title>{TITLE}_光明网</title></head>
<body><div class="g-crumbs"><a href="https://www.gmw.cn/">首页</a><a href="../../node_9222.htm">资讯速递</a></div>
<div class="g-main"><h1 class="u-title">{TITLE}</h1>
<div class="m-con-info"><span class="m-con-source">来源：<a href="https://www.gmw.cn/">光明网</a></span>
<span class="m-con-time">2026-11-10 09:12</span></div>
<div id="article_inbox">{enp}<div class="u-mainText">
{body}
</div><span class="liability">[责编：王宁]</span></div></div></body></html>"""


def paragraphs(n: int) -> str:
    return "\n".join(f"<p>{TEXT}第{i}段。</p>" for i in range(n))


def gmw_list(items: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="UTF-8"><title>资讯速递_健康频道_光明网</title></head>
<body><div class="channelLeftPart"><ul class="channel-newsGroup">
{items}
</ul></div></body></html>"""


def gmw_item(i: int) -> str:
    return (f'<li><span class="channel-newsTitle"><a href="../2026-11/10/content_{39700000 + i}.htm" '
            f'target="_blank">{TITLE}{i}</a></span><span class="channel-newsTime">2026-11-10</span></li>')


def gmw_home(links: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="UTF-8"><title>数码_光明网</title></head>
<body><div class="m-news">{links}</div></body></html>"""


def ce_list(body: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>滚动新闻_中国经济网</title></head><body><div class="left">
{body}
<div class="page"><script type="text/javascript">createPageHTML(20, 0, "index", "shtml");</script></div>
</div></body></html>"""


def ce_href(i: int) -> str:
    return f"./202611/10/t20261110_{38900000 + i}.shtml"


def ce_article(body: str, custom: bool = False) -> str:
    klass = "Custom_UnionStyle" if custom else "TRS_Editor"
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{TITLE}_中国经济网</title></head><body>
<h1 id="articleTitle">{TITLE}</h1><span id="articleTime">2026年11月10日 07:44</span>
<span id="articleSource">来源：经济日报</span>
<div id="articleText"><div class="{klass}">{body}</div></div></body></html>"""


def ce_new(head: str, body: str) -> str:
    """The post-2025 ce markup, read by the generic fallback."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{TITLE}_中国经济网</title>{head}</head>
<body><div class="article"><h1>{TITLE}</h1><div class="content">{body}</div></div></body></html>"""


def cnii_list(items: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>工信要闻_中国信息产业网</title></head>
<body><div class="mainNews"><ul>
{items}
</ul></div></body></html>"""


def cnii_item(i: int) -> str:
    return (f'<li><a href="./202611/t20261110_{5000000 + i}.html">{TITLE}{i}</a>'
            f'<span>2026.11.10</span></li>')


def cn_list(items: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>滚动新闻-中国新闻网</title></head>
<body><div class="content_list"><ul>
{items}
</ul></div><div class="pagebox"><a href="news2.html">下一页</a></div></body></html>"""


def cn_item(i: int) -> str:
    return (f'<li><div class="dd_lm">[<a href="/jk/">健康</a>]</div><div class="dd_bt">'
            f'<a href="/jk/2026/11-10/{10500000 + i}.shtml">{TITLE}{i}</a></div>'
            f'<div class="dd_time">11-10 09:30</div></li>')


def cn_article(body: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{TITLE}-中新网</title></head><body>
<div id="BaiduSpider" style="display:none"><span id="pubtime_baidu">2026-11-10 09:30:00</span>
<span id="source_baidu">来源：中国新闻网</span><span id="editor_baidu">责任编辑：王宁</span></div>
<h1 class="content_left_title">{TITLE}</h1><div class="content_left_time">2026-11-10 09:30:00　来源：中国新闻网</div>
<div class="left_zw">{body}</div><div class="left_name"><span>【编辑:王宁】</span></div></body></html>"""


def issue(pages: list) -> str:
    return json.dumps(pages, ensure_ascii=False)


def normal_issue(articles: int) -> str:
    """An issue of ``articles`` well-formed entries, 20 to a page."""
    return issue([{"pageNo": f"{p + 1:02d}", "pageName": "要闻",
                   "onePageArticleList": [issue_article(i) for i in range(p * 20, min(articles, p * 20 + 20))]}
                  for p in range((articles + 19) // 20)])


def issue_article(i: int) -> dict:
    return {"mainTitle": f"{TITLE}{i}", "articleHref": f"20261110_001/20261110_001_{i:02d}_{2300 + i}.html",
            "articleAuthor": "本报记者 王敏", "articleColumn": "要闻"}


# --- cases -----------------------------------------------------------------------------------------
URLS = {"gmw-article": "https://health.gmw.cn/2026-11/10/content_39700001.htm",
        "gmw-list": "https://health.gmw.cn/node_9222.htm",
        "gmw-home": "https://digital.gmw.cn/",
        "ce-list": "https://www.ce.cn/xwzx/gnsz/gdxw/",
        "ce-article": "https://www.ce.cn/xwzx/gnsz/gdxw/202611/10/t20261110_38912345.shtml",
        "ce-new": "https://www.ce.cn/xwzx/gnsz/gdxw/202611/t20261110_5123456.shtml",
        "cnii-list": "https://www.cnii.com.cn/gxyw/",
        "cnii-issue": "https://rmydb.cnii.com.cn/html/2026/20261110/data.json",
        "chinanews-list": "https://www.chinanews.com.cn/scroll-news/news1.html",
        "chinanews-article": "https://www.chinanews.com.cn/jk/2026/11-10/10500001.shtml"}


@dataclass
class Case:
    name: str
    site: str
    kind: str  # list | article
    url: str
    hostile: Callable[[], str]
    #: a normal page of this case with n units (entries or paragraphs)
    normal: Callable[[int], str]
    headers: dict | None = None


def _cases(scale: float) -> list[Case]:
    def n(count: int) -> int:
        return max(1, int(count * scale))

    siblings = n(1500)
    return [
        Case("ce-list-siblings", "ce", "list", URLS["ce-list"],
             lambda: ce_list("<div class=\"list\">" + "".join(
                 f'<a href="{ce_href(i)}" target="_blank">{TITLE}{i}</a><br/>\n' for i in range(siblings))
                 + "</div>"),
             lambda k: ce_list('<ul class="list">' + "".join(
                 f'<li><a href="{ce_href(i)}" target="_blank">{TITLE}{i}</a><span>2026-11-10 07:44</span></li>\n'
                 for i in range(k)) + "</ul>")),
        Case("gmw-home-siblings", "gmw", "list", URLS["gmw-home"],
             lambda: gmw_home("".join(f'<a href="https://digital.gmw.cn/2026-11/10/content_{39700000 + i}.htm">'
                                      f"{TITLE}{i}</a> | " for i in range(siblings))),
             lambda k: gmw_home("<ul>" + "".join(
                 f'<li><a href="https://digital.gmw.cn/2026-11/10/content_{39700000 + i}.htm">{TITLE}{i}</a>'
                 f"<span>11-10</span></li>" for i in range(k)) + "</ul>")),
        Case("cnii-list-siblings", "cnii", "list", URLS["cnii-list"],
             lambda: cnii_list("<li>" + "".join(f'<a href="./202611/t20261110_{5000000 + i}.html">{TITLE}{i}</a>\n'
                                                for i in range(siblings)) + "</li>"),
             lambda k: cnii_list("\n".join(cnii_item(i) for i in range(k)))),
        Case("gmw-enpproperty-unclosed", "gmw", "article", URLS["gmw-article"],
             lambda: gmw_article(paragraphs(5) + "\n" + "".join(
                 "<!--enpproperty <date>2026-11-10</date> -->\n" for _ in range(n(8000))), enp=""),
             lambda k: gmw_article(paragraphs(k))),
        Case("gmw-enpproperty-fields", "gmw", "article", URLS["gmw-article"],
             lambda: gmw_article(paragraphs(5), enp="<!--enpproperty " + "<date>2026-11-10 " * n(8000)
                                 + "/enpproperty-->"),
             lambda k: gmw_article(paragraphs(k))),
        Case("gmw-end-marks", "gmw", "article", URLS["gmw-article"],
             lambda: gmw_article(paragraphs(5) + f"<p>{TEXT}" + "（完）" * n(8000) + "</p>"),
             lambda k: gmw_article(paragraphs(k))),
        Case("clean-editor-tags", "gmw", "article", URLS["gmw-article"],
             lambda: gmw_article(paragraphs(5) + "<p>" + "【编辑：王宁 】 " * n(2000) + "详见下文</p>"),
             lambda k: gmw_article(paragraphs(k))),
        Case("clean-page-tools", "gmw", "article", URLS["gmw-article"],
             lambda: gmw_article(paragraphs(5) + "<p>" + "打印 " * n(2000) + "正文</p>"),
             lambda k: gmw_article(paragraphs(k))),
        Case("ce-date-spaces", "ce", "article", URLS["ce-new"],
             lambda: ce_new('<meta name="publishdate" content="2026-11-10' + " " * n(50000) + 'x">',
                            paragraphs(5)),
             lambda k: ce_new('<meta name="publishdate" content="2026-11-10">', paragraphs(k))),
        Case("ce-nested-credits", "ce", "article", URLS["ce-article"],
             lambda: ce_article(paragraphs(5) + "<div>责编 " * n(2000) + "</div>" * n(2000)),
             lambda k: ce_article(paragraphs(k) + "<p>（责任编辑：王宁）</p>")),
        Case("gmw-list-nested", "gmw", "list", URLS["gmw-list"],
             lambda: gmw_list("".join(
                 f'<li><span class="channel-newsTitle"><a href="../2026-11/10/content_{39700000 + i}.htm">{TITLE}</a>'
                 f'</span><span class="channel-newsTime">2026-11-10</span><ul class="channel-newsGroup">'
                 for i in range(n(1500))) + "</ul></li>" * n(1500)),
             lambda k: gmw_list("\n".join(gmw_item(i) for i in range(k)))),
        Case("chinanews-list-nested", "chinanews", "list", URLS["chinanews-list"],
             lambda: cn_list("".join(cn_item(i)[:-5] + "<ul>" for i in range(n(1500))) + "</ul></li>" * n(1500)),
             lambda k: cn_list("\n".join(cn_item(i) for i in range(k)))),
        Case("gmw-article-nested", "gmw", "article", URLS["gmw-article"],
             lambda: gmw_article(paragraphs(5) + f"<div>{TEXT}" * n(1500) + "</div>" * n(1500)),
             lambda k: gmw_article(paragraphs(k))),
        Case("chinanews-article-nested", "chinanews", "article", URLS["chinanews-article"],
             lambda: cn_article(paragraphs(5) + f"<div><p>{TEXT}（完）</p>" * n(1500) + "</div>" * n(1500)),
             lambda k: cn_article(paragraphs(k))),
        Case("ce-fallback-nested", "ce", "article", URLS["ce-new"],
             lambda: ce_new("", paragraphs(5) + f"<div>{TEXT}" * n(2000) + "</div>" * n(2000)),
             lambda k: ce_new("", paragraphs(k))),
        Case("ce-fallback-links", "ce", "article", URLS["ce-new"],
             lambda: ce_new("", paragraphs(5) + "".join(f'<a href="/x{i}.htm">{TEXT}</a>' for i in range(n(4000)))),
             lambda k: ce_new("", paragraphs(k))),
        Case("chinanews-list-many", "chinanews", "list", URLS["chinanews-list"],
             lambda: cn_list("\n".join(cn_item(i) for i in range(n(6000)))),
             lambda k: cn_list("\n".join(cn_item(i) for i in range(k)))),
        Case("gmw-article-huge-text", "gmw", "article", URLS["gmw-article"],
             lambda: gmw_article(TEXT * n(22000)),
             lambda k: gmw_article(paragraphs(k))),
        Case("ce-article-comments", "ce", "article", URLS["ce-article"],
             lambda: ce_article("<br/>".join(f"<!-- {i} -->{TEXT}" for i in range(n(10000))), custom=True),
             lambda k: ce_article("<br/>".join(f"{TEXT}第{i}段。" for i in range(k)), custom=True)),
        Case("cnii-issue-many", "cnii", "list", URLS["cnii-issue"],
             lambda: issue([{"pageNo": "01", "onePageArticleList": [issue_article(i) for i in range(n(6000))]}]),
             normal_issue, JSON),
        Case("cnii-issue-bad", "cnii", "list", URLS["cnii-issue"],
             lambda: issue([{"pageNo": "01", "onePageArticleList": [
                 [TITLE, {"articleHref": 12345 + i}, {"mainTitle": [TITLE], "articleHref": f"a{i}.html"}][i % 3]
                 for i in range(n(6000))]}]),
             normal_issue, JSON),
        Case("cnii-issue-deep", "cnii", "list", URLS["cnii-issue"],
             lambda: issue([{"pageNo": "01", "onePageArticleList": [issue_article(1)]}])[:-1]
             + ', {"pageNo": "02", "onePageArticleList": ' + "[" * n(100000) + "]" * n(100000) + "}]",
             normal_issue, JSON),
    ]


# --- measuring -------------------------------------------------------------------------------------
class Stopped(Exception):
    pass


def _alarm(signum, frame):
    raise Stopped


def parse(case: Case, page: str) -> int:
    """Parse ``page`` as the spider would; the number of entries or body characters."""
    response = make_response(case.url, page.encode("utf-8"), case.headers or HTML)
    extractor = EXTRACTORS[case.site]
    if case.kind == "list":
        return len(extractor.parse_list(response).entries)
    fields = extractor.extract(response).fields
    body, _, _ = clean_body("\n".join(fields.get("paragraphs") or []))
    clean_field("title", fields.get("title"), Counter())
    return len(body)


def timed(case: Case, page: str, limit: float, runs: int = 3) -> float | str:
    """Best of ``runs`` parse times in seconds, or why there is none."""
    best = float("inf")
    for _ in range(runs):
        signal.setitimer(signal.ITIMER_REAL, limit)
        start = time.perf_counter()
        try:
            parse(case, page)
        except Stopped:
            return f"> {limit:.0f} s (stopped)"
        except Exception as exc:  # noqa: BLE001 - a figure: how the parser failed
            return f"raised {type(exc).__name__}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        if elapsed > 2:  # slow enough to be sure
            break
    return best


def same_size(case: Case, size: int) -> str:
    """A normal page of ``case`` grown to ``size`` bytes (the closest unit count: pages grow
    monotonically with their units, so doubling then bisection finds it)."""
    def length(units: int) -> int:
        return len(case.normal(units).encode("utf-8"))

    low, high = 1, 2
    while length(high) < size:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if length(middle) < size else (low, middle)
    best = min((low, high), key=lambda units: abs(length(units) - size))
    return case.normal(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="case names")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before a parse is stopped")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every hostile count")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    worst = 0.0
    for case in _cases(args.scale):
        if args.only and case.name not in args.only:
            continue
        hostile_page = case.hostile()
        size = len(hostile_page.encode("utf-8"))
        normal_page = same_size(case, size)
        normal = timed(case, normal_page, args.limit)
        hostile = timed(case, hostile_page, args.limit)
        head = f"{case.name}: {size / 1024:,.0f} KB"
        if isinstance(hostile, str) or isinstance(normal, str):
            print(f"{head}: hostile {hostile if isinstance(hostile, str) else f'{hostile * 1000:,.1f} ms'}, "
                  f"normal page of the same size {normal if isinstance(normal, str) else f'{normal * 1000:,.1f} ms'} "
                  f"(goal: <= {GOAL:g} x) MISSED", flush=True)
            worst = float("inf")
            continue
        ratio = hostile / normal
        worst = max(worst, ratio)
        print(f"{head}: hostile {hostile * 1000:,.1f} ms, normal page of the same size "
              f"{normal * 1000:,.1f} ms = {ratio:,.2f} x (goal: <= {GOAL:g} x) "
              f"{'MET' if ratio <= GOAL else 'MISSED'}", flush=True)
    print(f"worst ratio: {worst:,.2f} x (goal: <= {GOAL:g} x) {'MET' if worst <= GOAL else 'MISSED'}")


if __name__ == "__main__":
    main()
