"""A replay mirror of hostile input for tests/test_faults_input.py, in the sites' own markup.

:func:`build_mirror` writes a mirror tree (``HEALTHCRAWL_REPLAY_DIR`` layout, ``<host>/<path>``)
crawled by the real gmw and cnii spiders:

- gmw, channel ``health``: ``node_9222.htm`` (list page 1) holds an entry whose printed date is
  ``0001-01-01`` among good ones and pages on to ``node_9222_2.htm``, whose last entry is older
  than the window (paging stops there). Two of the articles are multi-page: one whose page 2 is on
  another domain (the offsite filter drops it), and one published on two hosts whose pagers both
  lead to the same page 2 (the duplicate filter drops the second request).
- cnii, channel ``epaper``: the 人民邮电报 issue of 2026-11-10 (``data.json``) mixes good entries
  with a string, a number where the link should be, a list as a title, an array nested 100,000
  deep and a page that is a string.

Every text here was written for these tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

WINDOW = ("2026-11-09", "2026-11-15")
EPAPER_DAY = "2026-11-10"
BAD_DATE = "0001-01-01"
OFFSITE_HOST = "mirror.example.org"

#: article texts (distinct, so the dedup pipeline stores each as its own story), by article id
TEXTS = {
    39800001: ("县域医共体远程会诊平台日前正式上线，乡镇卫生院医生可随时向县医院专家发起会诊申请。",
               "平台接入了二十三家基层医疗机构，影像和心电数据在几分钟内就能传到县医院。",
               "县卫生健康局介绍，下一步将把平台延伸到村卫生室，让村民在家门口看上专家号。"),
    39800002: ("医保电子凭证本月起接入全市更多定点药店，参保群众购药时出示手机即可完成结算。",
               "医疗保障部门表示，目前已有八百余家药店完成系统改造，覆盖所有街道和乡镇。",
               "不少老年人在药店工作人员指导下首次使用电子凭证，结算时间比过去缩短一半。"),
    39800003: ("国家有关部门发布互联网医院服务规范，对线上问诊的资质审核和处方流转提出明确要求。",
               "规范要求互联网医院建立患者身份核验制度，首诊患者原则上须到实体医院就诊。",
               "专家指出，规范出台有助于行业健康发展，也让患者在线就医更加放心。"),
    39800004: ("健康医疗大数据应用试点近日扩大到十个城市，试点内容涵盖慢病管理和公共卫生监测。",
               "试点城市将统一数据标准，打通医院、疾控和社区卫生服务中心之间的信息壁垒。",
               "有关负责人表示，试点中将严格落实数据安全管理制度，保护个人健康信息。"),
    39800005: ("多地加快推进基层医疗机构数字化改造，社区卫生服务中心普遍配备了智能导诊设备。",
               "改造后的机构可在线预约家庭医生，慢病患者的随访记录也能实时同步到区级平台。",
               "基层医务人员表示，数字化改造减少了重复填表，把更多时间留给了患者。"),
    39790000: ("流感防治知识进社区活动在各街道陆续开展，志愿者向居民讲解疫苗接种注意事项。",
               "疾控中心提醒，老年人和慢性病患者是流感高危人群，应尽早接种疫苗。",
               "活动现场还设置了健康咨询台，为居民免费测量血压和血糖。"),
}
#: the digital channel's version of 39800004 (its own wording, so it is stored apart)
DIGITAL_TEXT = ("数字频道消息：十个城市参与健康医疗大数据应用试点，重点探索人工智能辅助诊断。",
                "试点将建设区域医学影像云平台，推动检查结果在不同医院之间调阅互认。",
                "通信运营商将为试点提供专网和算力支撑，保障医疗数据传输安全稳定。")
PAGE_2_TEXT = ("试点第二阶段还将引入第三方评估机构，对数据应用成效进行年度评价。",
               "这一页只在分页中出现，合并后应位于正文末尾。")
EPAPER_TEXTS = (
    ("通信网络正在成为智慧医院建设的底座，多家医院完成千兆光网和5G专网部署。",
     "医院内的移动查房、药品配送机器人和远程手术示教都依托高速网络运行。"),
    ("5G急救车近日覆盖更多县城，患者在转运途中的生命体征可实时传回医院急诊科。",
     "急诊医生提前掌握病情，患者到院后可直接进入抢救流程，节省了宝贵时间。"),
    ("远程影像诊断中心开始为乡镇卫生院提供服务，基层拍摄的影像由县级医院医生出具报告。",
     "运营商为中心建设了专用传输网络，单次影像上传时间从十多分钟缩短到一分钟以内。"),
)


@dataclass(frozen=True)
class GmwArticle:
    id: int
    day: str  # 2026-11-DD
    title: str
    host: str = "health.gmw.cn"
    #: URL of page 2 (a pager is printed on page 1), if any
    next_page: str | None = None

    @property
    def path(self) -> str:
        return f"/{self.day[:7]}/{self.day[8:]}/content_{self.id}.htm"

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.path}"

    def page2_url(self, host: str | None = None) -> str:
        return f"https://{host or self.host}/{self.day[:7]}/{self.day[8:]}/content_{self.id}_2.htm"


#: list page 1 (the bad date is printed beside BAD_ENTRY), then list page 2
GOOD_1 = GmwArticle(39800001, "2026-11-12", "县域医共体远程会诊平台上线")
BAD_ENTRY = GmwArticle(39800002, "2026-11-11", "医保电子凭证接入更多定点药店")
OFFSITE = GmwArticle(39800003, "2026-11-11", "互联网医院服务规范发布",
                     next_page=f"https://{OFFSITE_HOST}/2026-11/11/content_39800003_2.htm")
TWO_PAGES = GmwArticle(39800004, "2026-11-10", "健康医疗大数据应用试点扩围",
                       next_page="https://health.gmw.cn/2026-11/10/content_39800004_2.htm")
#: the same story on the digital channel: its pager leads to the health host's page 2
TWO_PAGES_DIGITAL = GmwArticle(39800004, "2026-11-10", "健康医疗大数据应用试点扩围", host="digital.gmw.cn",
                               next_page="https://health.gmw.cn/2026-11/10/content_39800004_2.htm")
GOOD_2 = GmwArticle(39800005, "2026-11-10", "基层医疗机构数字化改造加快")
OLD = GmwArticle(39790000, "2026-11-01", "流感防治知识进社区")
LIST_1 = [(GOOD_1, GOOD_1.day), (BAD_ENTRY, BAD_DATE), (OFFSITE, OFFSITE.day), (TWO_PAGES, TWO_PAGES.day)]
LIST_2 = [(TWO_PAGES_DIGITAL, TWO_PAGES_DIGITAL.day), (GOOD_2, GOOD_2.day), (OLD, OLD.day)]
#: article URLs the gmw crawl must store (OLD is before the window)
GMW_STORED = [a.url for a in (GOOD_1, BAD_ENTRY, OFFSITE, TWO_PAGES, TWO_PAGES_DIGITAL, GOOD_2)]
LIST_URL_1 = "https://health.gmw.cn/node_9222.htm"
LIST_URL_2 = "https://health.gmw.cn/node_9222_2.htm"


def gmw_article(article: GmwArticle, page: int = 1) -> str:
    texts = PAGE_2_TEXT if page == 2 else DIGITAL_TEXT if article.host == "digital.gmw.cn" else TEXTS[article.id]
    paragraphs = "\n".join(f"<p>{text}</p>" for text in texts)
    pager = ""
    if page == 1 and article.next_page:
        pager = (f'<div id="displaypagenum"><center><span class="ptfontcon">1</span> '
                 f'<a class="ptfontcon" href="{article.next_page}">2</a> '
                 f'<a class="ptfontcon" href="{article.next_page}">下一页</a></center></div>')
    return f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>{escape(article.title)}_光明网</title></head>
<body>
<div class="g-crumbs"><a href="https://www.gmw.cn/">首页</a><a href="../../node_9222.htm">资讯速递</a></div>
<div class="g-main">
<h1 class="u-title">{escape(article.title)}</h1>
<div class="m-con-info"><span class="m-con-source">来源：<a href="https://www.gmw.cn/">光明网</a></span>
<span class="m-con-time">{article.day} 09:30</span></div>
<div id="article_inbox">
<!--enpproperty <articleid>{article.id}</articleid><date>{article.day} 09:30:00.0</date><author></author><title>{escape(article.title)}</title><keyword>医疗数据</keyword><nodename>资讯速递</nodename>/enpproperty-->
<div class="u-mainText">
{paragraphs}
{pager}
</div>
<span class="liability">[责编：王宁]</span>
</div></div></body></html>
"""


def gmw_list(entries: list[tuple[GmwArticle, str]]) -> str:
    items = "\n".join(
        f'<li><span class="channel-newsTitle"><a href="{a.url}" target="_blank">{escape(a.title)}</a></span>'
        f'<span class="channel-newsTime">{shown}</span></li>' for a, shown in entries)
    return f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>资讯速递_健康频道_光明网</title></head>
<body><div class="channelLeftPart"><ul class="channel-newsGroup">
{items}
</ul></div></body></html>
"""


# --- the e-paper ---------------------------------------------------------------------------------
EPAPER_BASE = "https://rmydb.cnii.com.cn/html/2026/20261110/"
ISSUE_URL = EPAPER_BASE + "data.json"


def epaper_href(page: int, n: int) -> str:
    return f"20261110_{page:03d}/20261110_{page:03d}_{n:02d}_{2400 + page * 10 + n}.html"


#: (href, title) of the good entries; the second has a list as its title (kept, title ignored)
EPAPER_GOOD = [(epaper_href(1, 1), "通信网络助力智慧医院建设"),
               (epaper_href(1, 2), "5G急救车覆盖更多县城"),
               (epaper_href(3, 1), "远程影像诊断中心服务乡镇卫生院")]
EPAPER_STORED = [EPAPER_BASE + href for href, _ in EPAPER_GOOD]
DEEP = 100_000


def issue_json() -> str:
    def good(i: int) -> dict:
        href, title = EPAPER_GOOD[i]
        return {"mainTitle": title, "articleHref": href, "articleAuthor": "本报记者 周洁", "articleColumn": "要闻"}

    listed_title = {**good(1), "mainTitle": ["5G急救车", "覆盖更多县城"]}
    page1 = json.dumps({"pageNo": "01", "pageName": "要闻", "onePageArticleList": [
        good(0), "一段不是条目的文字", {"mainTitle": "编号", "articleHref": 20261110}, listed_title,
        "__DEEP__"]}, ensure_ascii=False)
    page1 = page1.replace('"__DEEP__"', "[" * DEEP + "]" * DEEP)
    page2 = json.dumps("第02版暂无内容", ensure_ascii=False)
    page3 = json.dumps({"pageNo": 3, "pageName": "行业", "onePageArticleList": [good(2)]}, ensure_ascii=False)
    return f"[{page1}, {page2}, {page3}]"


def epaper_article(title: str, texts: tuple[str, ...]) -> str:
    paragraphs = "\n".join(f"<p>　　{text}</p>" for text in texts)
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{escape(title)}_人民邮电报</title></head>
<body><div class="main"><div class="article">
<h1>{escape(title)}</h1>
<div id="ozoom" class="article-content"><founder-content>
{paragraphs}
</founder-content></div></div></div></body></html>
"""


def build_mirror(root: Path) -> Path:
    """Write the mirror tree under ``root``; returns ``root``."""
    def put(url: str, text: str) -> None:
        path = root / url.split("://", 1)[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    put(LIST_URL_1, gmw_list(LIST_1))
    put(LIST_URL_2, gmw_list(LIST_2))
    for article in (GOOD_1, BAD_ENTRY, OFFSITE, TWO_PAGES, TWO_PAGES_DIGITAL, GOOD_2, OLD):
        put(article.url, gmw_article(article))
    put(TWO_PAGES.page2_url(), gmw_article(TWO_PAGES, page=2))
    put(ISSUE_URL, issue_json())
    for (href, title), texts in zip(EPAPER_GOOD, EPAPER_TEXTS):
        put(EPAPER_BASE + href, epaper_article(title, texts))
    return root


# --- a local site for record mode ------------------------------------------------------------------
class LocalSite:
    """gmw article pages on a free 127.0.0.1 port (a thread per connection), started and stopped
    by the test: ``pages`` maps a path to its HTML; anything else is a 404."""

    def __init__(self, pages: dict[str, str]):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: PLC0415
        import threading  # noqa: PLC0415

        served = {path: html.encode("utf-8") for path, html in pages.items()}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = served.get(self.path.split("?", 1)[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="input-site", daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "LocalSite":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


#: paths of the local site: a page, a page "inside" it (its path needs the first as a folder),
#: and a page whose file name is too long for the file system
RECORD_PAGES = {
    "/2026-11/12/content_39800001.htm": GOOD_1,
    "/2026-11/12/content_39800001.htm/content_39800003.htm": OFFSITE,
    "/2026-11/12/content_" + "9" * 300 + "_39800005.htm": GOOD_2,
}


def record_pages() -> dict[str, str]:
    from dataclasses import replace  # noqa: PLC0415

    return {path: gmw_article(replace(article, next_page=None)) for path, article in RECORD_PAGES.items()}


from healthcrawl.crawl.extractors.gmw import EXTRACTOR as GMW_EXTRACTOR  # noqa: E402
from healthcrawl.crawl.spider import NewsSpider  # noqa: E402


class LocalGmwSpider(NewsSpider):
    """The gmw extractor over the local site (``-a urls=…``); ``allowed_domains`` 127.0.0.1.
    Crawl with ``-s SPIDER_MODULES=spiders,tests.input_site``."""

    name = "input_local"
    site = "gmw"
    allowed_domains = ["127.0.0.1"]
    extractor = GMW_EXTRACTOR
    channels = {"local": []}
