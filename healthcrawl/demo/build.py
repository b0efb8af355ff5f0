"""Build the offline demo archive: ``python -m healthcrawl.demo.build [--out DIR]``.

Reads the stories and list specs in :mod:`healthcrawl.demo.articles`, renders each page in its
site's markup and writes a replay mirror ``<out>/<host>/<path>`` (a URL ending in ``/`` is stored
as ``<path>/index.html``) plus ``manifest.json`` beside the package. The output is deterministic:
the archive directory is recreated from scratch and re-running produces identical bytes.

Templates are plain functions returning ``str``; :func:`encode` turns a page into the bytes the
site would send (GB2312/GBK for ce.cn's old pages, UTF-8 elsewhere).
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterable
from datetime import date, datetime
from html import escape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from healthcrawl.demo.articles import (
    BY_KEY, CE_LISTS, CHINANEWS, CHINANEWS_CHANNELS, CHINANEWS_OLD_HOST_LINKS,
    CHINANEWS_SCROLL_PAGE_SIZE, CNII_LISTS, EPAPER_AD_PAGE, EPAPER_ISSUES, GMW_HOMES, GMW_LISTS,
    STORIES, TEMPLATES, WINDOW, ListSpec, Older, Story,
)
from healthcrawl.crawl.sites import site_for_host

PACKAGE_DIR = Path(__file__).resolve().parent
ARCHIVE_DIR = PACKAGE_DIR / "archive"
MANIFEST = PACKAGE_DIR / "manifest.json"

INDENT = "\u3000\u3000"  # every site indents body paragraphs with two ideographic spaces
WEEKDAYS = "一二三四五六日"


# -- small helpers ----------------------------------------------------------------------------

def t(text: str) -> str:
    """Text content, escaped."""
    return escape(text, quote=False)


def a(text: str) -> str:
    """Attribute value, escaped."""
    return escape(text, quote=True)


def when(story: Story) -> datetime:
    return datetime.strptime(story.published, "%Y-%m-%d %H:%M:%S")


def newest_first(keys: Iterable[str]) -> list[Story]:
    return sorted((BY_KEY[k] for k in keys), key=lambda s: (s.published, s.key), reverse=True)


def list_entries(spec: ListSpec) -> list[Story | Older]:
    """What a list shows, newest first: its stories, then its older list-only entries."""
    older = sorted(spec.older, key=lambda o: (o.day, o.url), reverse=True)
    return newest_first(spec.keys) + older


def chunks(items: list, size: int) -> list[list]:
    if not size:
        return [items]
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def path_of(url: str) -> str:
    return urlsplit(url).path


def mirror_path(url: str) -> str:
    """Where the replay mirror keeps ``url``: ``<host>/<path>``, ``index.html`` for a trailing /."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if path.endswith("/"):
        path += "index.html"
    return f"{parts.hostname}{path}"


def description(story: Story) -> str:
    for p in story.paragraphs:
        if len(p) > 30:
            return p[:70]
    return story.title


def encode(page: str, charset: str) -> bytes:
    """The bytes a site sends. GB2312 pages are written with the GBK codec (which maps the dash
    and middle dot the way browsers do) and then checked to stay inside GB2312's byte range."""
    if charset == "utf-8":
        return page.encode("utf-8")
    data = page.encode("gbk")
    if charset == "gb2312":
        data.decode("gb2312")  # raises if a GBK-only character slipped in
    return data


def paragraphs_html(story: Story, paragraphs: Iterable[tuple[int, str]]) -> str:
    images = {img.at: img for img in story.images}
    out = []
    for i, text in paragraphs:
        if i in images:
            out.append(f'<p style="text-align: center;"><img src="{a(images[i].src)}" border="0" alt=""></p>')
            out.append(f'<p style="text-align: center;">{t(text)}</p>')
        else:
            out.append(f"<p>{INDENT}{t(text)}</p>")
    return "\n".join(out)


# -- gmw.cn ------------------------------------------------------------------------------------

GMW_CHANNELS = {"health": "健康频道", "digital": "数字化频道", "tech": "科技频道",
                "politics": "时政频道", "news": "新闻频道"}

GMW_HEADER = """<div class="g-header">
    <div class="m-channel-head">
      <div class="g-layout">
            <div class="m-logo"><a href="//{host}/" target="_blank"><img id="headerLogo" src="//img.gmw.cn/pic/contentlogo/logo_{sub}.png" alt="光明网{channel}"></a></div>
            <div class="m-channel-nav">
                <ul class="m-nav">
                    <li> <a href="//politics.gmw.cn/" target="_blank">时政</a> </li>
                    <li> <a href="//world.gmw.cn/" target="_blank">国际</a> </li>
                    <li> <a href="//guancha.gmw.cn/" target="_blank">时评</a> </li>
                    <li> <a href="//tech.gmw.cn/" target="_blank">科技</a> </li>
                    <li> <a href="//digital.gmw.cn/" target="_blank">数字化</a> </li>
                    <li> <a href="//health.gmw.cn/" target="_blank">卫生</a> </li>
                    <li> <a href="//news.gmw.cn/" target="_blank">新闻</a> </li>
                </ul>
            </div>
      </div>
    </div>
</div>"""

GMW_FOOTER = """<div class="g-footer">
    <p>光明网版权所有</p>
    <p><a href="https://www.gmw.cn/aboutus.htm" target="_blank">关于我们</a> | <a href="https://www.gmw.cn/map.htm" target="_blank">网站地图</a></p>
</div>"""


def gmw_sub(url: str) -> str:
    return (urlsplit(url).hostname or "").split(".")[0]


def gmw_header(url: str) -> str:
    sub = gmw_sub(url)
    return GMW_HEADER.format(host=urlsplit(url).hostname, sub=sub, channel=GMW_CHANNELS[sub])


def gmw_page_url(story: Story, page: int) -> str:
    return story.url if page == 1 else story.url.replace(".htm", f"_{page}.htm")


def gmw_enpproperty(story: Story) -> str:
    article_id = path_of(story.url).rsplit("_", 1)[-1].split(".")[0]
    node_id, node_name = story.node
    return (f"<!--enpproperty <articleid>{article_id}</articleid><date>{story.published}.0</date>"
            f"<author></author><title>{t(story.title)}</title><keyword>{','.join(story.keywords)}</keyword>"
            f"<subtitle></subtitle><introtitle></introtitle><siteid>2</siteid><nodeid>{node_id}</nodeid>"
            f"<nodename>{node_name}</nodename><nodesearchname></nodesearchname>/enpproperty-->")


def gmw_article(story: Story, page: int = 1) -> str:
    indexed = list(enumerate(story.paragraphs))
    pages = 2 if story.page_break else 1
    if story.page_break:
        indexed = indexed[:story.page_break] if page == 1 else indexed[story.page_break:]
    node_id, node_name = story.node
    sub = gmw_sub(story.url)
    article_id = path_of(story.url).rsplit("_", 1)[-1].split(".")[0]
    if story.source_link:
        source = f'来源：<a href="{a(story.source_link)}" target="_blank">{t(story.source)}</a>'
    else:
        source = f"来源：{t(story.source)}"
    pager = ""
    if pages > 1:
        first, second = gmw_page_url(story, 1).rsplit("/", 1)[1], gmw_page_url(story, 2).rsplit("/", 1)[1]
        if page == 1:
            links = f'<span>1</span> <a href="{second}">2</a> <a href="{second}" class="ptfontcon">下一页</a>'
        else:
            links = f'<a href="{first}" class="ptfontcon">上一页</a> <a href="{first}">1</a> <span>2</span>'
        pager = f'\n<div id="displaypagenum"><center>{links}</center></div>'
    minute = story.published[:16]
    return f"""<!DOCTYPE html>
<html>
<head>
<meta name="tplInfo" content="{{&quot;id&quot;:46073,&quot;name&quot;:&quot;2018文章页全媒体标准版&quot;,&quot;nodeid&quot;:0}}">
<meta charset="UTF-8">
<meta http-equiv="Content-Type" content="text/html;charset=utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0, minimum-scale=1.0, maximum-scale=3.0, user-scalable=no">
<meta name="description" content="{a(description(story))}">
<meta name="keywords" content="{a(' '.join(story.keywords))}">
<meta name="filetype" content="0">
<meta name="publishedtype" content="1">
<meta name="pagetype" content="1">
<meta name="catalogs" content="{node_id}">
<meta name="contentid" content="{article_id}">
<meta name="publishdate" content="{story.day}">
<meta name="author" content="{a(story.editor)}">
<meta name="editor" content="{a(story.editor)}">
<link href="//img.gmw.cn/css/con_style.css?_=20230210" type="text/css" rel="stylesheet">
<title>
{t(story.title)}
_光明网</title>
</head>
<body class="g-mobile">
{gmw_header(story.url)}
<!--导航 start-->
<div class="g-crumbs">
    <a href="https://www.gmw.cn/">首页</a><font>&gt; </font>
    <a href="../../" target="_blank">{GMW_CHANNELS[sub]}</a><font>&gt; </font><a href="../../node_{node_id}.htm" target="_blank">{node_name}</a>
    <font>&gt; </font><font>正文</font>
</div>
<!--导航 end-->
<div class="g-main">
    <!--正文标题 start-->
    <div class="m-title-box">
        <h1 class="u-title">
            {t(story.title)}
        </h1>
        <div class="m-con-info">
            <div class="m_tips">
                <span class="m-con-source">{source}</span><span class="m-con-time">{minute}</span>
            </div>
            <div class="m-share"><div class="share" id="share"><a class="share-qqzone"><i></i></a><a class="share-wechat" href="javascript:;"><i></i></a><a class="share-weibo"><i></i></a></div></div>
        </div>
    </div>
    <!--正文标题 end-->
    <div class="m-l-main">
        <div id="articleBox" class="con-text">
            <div id="article_inbox">
                <div id="MultiAttachPh" style="display: none"></div>
                <div id="PicUrlPh" style="display: none"></div>
                <div class="u-mainText">
                    {gmw_enpproperty(story)}<!--enpcontent--><!--enpcontent-->{paragraphs_html(story, indexed)}<!--/enpcontent--><!--/enpcontent-->{pager}
                    <!--责编-->
                    <div class="m-zbTool liability">
                        <span>[ </span>
                        <span class="liability">责编：{t(story.editor)}</span><span> ]</span> </div>
                </div>
                <div class="u-moreText">阅读剩余全文（<span class="u-percent"></span>）</div>
            </div>
        </div>
        <div class="u-conBottomLine"></div>
        <div class="u-QRcode"><img src="//img.gmw.cn/content_banner/content_840x120_qrcodes.jpg"></div>
    </div>
</div>
{GMW_FOOTER}
</body>
</html>
"""


def gmw_error(story: Story) -> str:
    return """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>页面没有找到</title>
<link href="//img.gmw.cn/css/404.css" type="text/css" rel="stylesheet">
</head>
<body>
<div class="g-404">
    <div class="u-404-img"><img src="//img.gmw.cn/pic/404/404.png" alt="出错啦"></div>
    <p class="u-404-text">对不起，您要访问的页面没有找到，可能已被删除、更名或暂时不可用。</p>
    <p class="u-404-back"><span id="countdown">5</span>秒后自动跳转到 <a href="https://www.gmw.cn/">光明网首页</a></p>
</div>
</body>
</html>
"""


def gmw_href(story: Story | Older, list_url: str, dotdot: bool) -> str:
    """How a gmw list writes a link: relative on the same host, absolute (or protocol-relative
    for politics/news) across hosts."""
    if story.host == urlsplit(list_url).hostname:
        rel = path_of(story.url).lstrip("/")
        return f"../../{rel}" if dotdot else rel
    if gmw_sub(story.url) in ("politics", "news"):
        return "//" + story.url.split("://", 1)[1]
    return story.url


def gmw_list_pages(spec: ListSpec) -> list[tuple[str, str]]:
    """(url, html) for every mirrored page of a gmw node list."""
    sub = gmw_sub(spec.url)
    base = spec.url.rsplit("/", 1)[0] + "/"
    node_file = spec.url.rsplit("/", 1)[1]  # node_9222.htm
    stem = node_file[:-4]
    pages = chunks(list_entries(spec), spec.page_size)
    names = [node_file] + [f"{stem}_{n}.htm" for n in range(2, len(pages) + 2)]
    out = []
    for n, entries in enumerate(pages):
        groups = []
        for group in chunks(entries, 5):
            items = "\n".join(
                f'        <li><span class="channel-newsTitle"><a href="{a(gmw_href(s, spec.url, spec.dotdot))}" '
                f'target="_blank">{t(s.title)}</a></span><span class="channel-newsTime">{s.day}</span></li>'
                for s in group)
            groups.append(f'    <ul class="channel-newsGroup">\n{items}\n    </ul>')
        links = []
        if n > 0:
            links.append(f'<a href="{names[n - 1]}" class="ptfontcon">上一页</a>')
        for m in range(len(pages)):
            links.append(f"<span>{m + 1}</span>" if m == n else f'<a href="{names[m]}">{m + 1}</a>')
        if n + 1 < len(pages) or spec.more_pages:
            links.append(f'<a href="{names[n + 1]}" class="ptfontcon">下一页</a>')
        pager = f'    <div id="displaypagenum"><center>{" ".join(links)}</center></div>' if len(links) > 1 else ""
        html = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Type" content="text/html;charset=utf-8">
<title>{t(spec.name)}_{GMW_CHANNELS[sub]}_光明网</title>
<link href="//img.gmw.cn/css/channel_style.css" type="text/css" rel="stylesheet">
</head>
<body>
{gmw_header(spec.url)}
<div class="g-crumbs"><a href="https://www.gmw.cn/">首页</a><font>&gt; </font><a href="./">{GMW_CHANNELS[sub]}</a><font>&gt; </font><font>{t(spec.name)}</font></div>
<div class="g-main">
  <div class="channelLeftPart">
    <div class="channel-title"><h2>{t(spec.name)}</h2></div>
{chr(10).join(groups)}
{pager}
  </div>
</div>
{GMW_FOOTER}
</body>
</html>
"""
        out.append((base + names[n], html))
    return out


def gmw_home(spec: ListSpec) -> str:
    """A channel home: own-host stories in the focus block, others under 推荐阅读; no dates."""
    sub = gmw_sub(spec.url)
    host = urlsplit(spec.url).hostname
    stories = newest_first(spec.keys)
    own = [s for s in stories if s.host == host]
    other = [s for s in stories if s.host != host]
    focus = "\n".join(f'        <li><a href="{a(gmw_href(s, spec.url, False))}" target="_blank">{t(s.title)}</a></li>'
                      for s in own)
    lead = own[0]
    recommend = "\n".join(f'        <li><a href="{a(s.url)}" target="_blank">{t(s.title)}</a></li>' for s in other)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>{GMW_CHANNELS[sub]}_光明网</title>
<meta name="keywords" content="光明网,{GMW_CHANNELS[sub]}">
</head>
<body>
{gmw_header(spec.url)}
<div class="g-main">
  <div class="m-focus">
    <div class="m-focus-pic"><a href="{a(gmw_href(lead, spec.url, False))}" target="_blank"><img src="//img{sub}.gmw.cn/attachement/jpg/site2/{lead.day.replace('-', '')}/focus.jpg" alt="{a(lead.title)}"></a></div>
    <ul class="m-focus-list">
{focus}
    </ul>
  </div>
  <div class="m-recommend">
    <h2>推荐阅读</h2>
    <ul>
{recommend}
    </ul>
  </div>
  <div class="m-links"><a href="//www.gmw.cn/" target="_blank">光明网首页</a> <a href="//politics.gmw.cn/node_9844.htm" target="_blank">时政要闻</a></div>
</div>
{GMW_FOOTER}
</body>
</html>
"""


# -- chinanews.com.cn ---------------------------------------------------------------------------

CN_NAV = """<div id="navbar">
<div class="left">
<div class="topnav1">
 <a href="//www.chinanews.com.cn/">首页</a>
 <a href="//www.chinanews.com.cn/scroll-news/news1.html">滚动</a>
 <a href="//www.chinanews.com.cn/china/">国内</a>
 <a href="//www.chinanews.com.cn/society/">社会</a>
 <a href="//www.chinanews.com.cn/finance/">财经</a>
 <a href="//www.chinanews.com.cn/health/">健康</a>
</div>
</div>
</div>"""

CN_CHANNEL_PAGES = {"gn": "/china.shtml", "sh": "/society.shtml", "jk": "/health.shtml",
                    "cj": "/finance.shtml"}


def cn_channel(story: Story) -> str:
    return path_of(story.url).split("/")[1]


def cn_body(story: Story) -> str:
    paras = "\n".join(f"<p>{INDENT}{t(p)}</p>\n" for p in story.paragraphs)
    return (f'{paras}<div class="adEditor"><!--编辑姓名start--><div class="left_name right"> '
            f'<span>【编辑:{t(story.editor)}】 </span></div><!--编辑姓名end--></div><div id="function_code_page"></div>')


def cn_baidu(story: Story) -> str:
    author = f"作者：{t(story.author)}" if story.author else ""
    return f"""<div id="BaiduSpider" style="display:none">
          <span id="pubtime_baidu">{story.published}</span>
          <span id="source_baidu">来源：<a href="" target="_blank">{t(story.source)}</a></span>
          <span id="author_baidu">{author}</span>
          <span id="editor_baidu">责任编辑：{t(story.editor)}</span>
      </div>"""


def cn_head(story: Story) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8">
    <meta name="author" content="chinanews">
    <meta name="copyright" content="www.chinanews.com,版权所有">
    <meta name="keywords" content="{a(','.join(story.keywords) or story.channel)}">
    <meta name="description" content="{a(description(story))}">
    <meta http-equiv="X-UA-Compatible" content="IE=edge">
    <base target="_blank">
    <title>{t(story.title)} -中新网</title>
    <link href="/m/part/cns_public/101/main.css?v=0.0" rel="stylesheet" type="text/css">
</head>"""


def cn_old(story: Story) -> str:
    d = when(story)
    article_id = path_of(story.url).rsplit("/", 1)[1].split(".")[0]
    return f"""{cn_head(story)}
<body>
    <!--表情字段开始-->
    <input id="newsid" type="hidden" name="newsid" value="4_8_{article_id}">
    <input id="newsurl" type="hidden" name="newsurl" value="//www.chinanews.com.cn{path_of(story.url)}">
    <input id="newsdate" type="hidden" name="newsdate" value="{story.day}">
    <input id="newstime" name="newstime" type="hidden" value="{story.published[11:]}">
    <input id="newstitle" name="newstitle" type="hidden" value="{a(story.title)} ">
    <input id="newstype" name="newstype" type="hidden" value="{cn_channel(story)}">
    <input id="editorname" name="editorname" type="hidden" value="{a(story.editor)}">
    <!--表情字段结束-->
{CN_NAV}
    <div id="cont_1_1_1">
        <div class="left">
            <div id="nav"> <a href="//www.chinanews.com.cn/">首页</a> →  <a href="//www.chinanews.com.cn{CN_CHANNEL_PAGES[cn_channel(story)]}">{t(story.channel)}新闻</a> </div>
        </div>
    </div>
	  <div class="content" id="cont_1_1_2">
      <h1 style="display:block; position:relative; clear:both">{t(story.title)} </h1>
      {cn_baidu(story)}
      <div class="left-time" style="clear:both;">
        <div class="left-t">{d:%Y年%m月%d日 %H:%M}\u3000来源：{t(story.source)}<a href="#zw_cyhd" target="_self">参与互动</a></div>
      </div>
      <!--图片start-->

      <!--图片end-->
      <!--正文start-->
      <div class="left_zw">
{cn_body(story)}
      </div>
      <div class="clear"></div>
      <!--正文end-->
      <div class="channel"><a href="{CN_CHANNEL_PAGES[cn_channel(story)]}">更多精彩内容请进入{t(story.channel)}频道</a></div>
      </div>
</body>
</html>
"""


def cn_new(story: Story) -> str:
    d = when(story)
    return f"""{cn_head(story)}
<body>
{CN_NAV}
<div class="content_maincontent_more">
    <div class="content_left">
        <div class="content_left_crumbs"><a href="//www.chinanews.com.cn/">首页</a> &gt; <a href="{CN_CHANNEL_PAGES[cn_channel(story)]}">{t(story.channel)}</a></div>
        <h1 class="content_left_title">{t(story.title)}</h1>
        <div class="content_left_time">{d:%Y-%m-%d %H:%M}\u3000来源：{t(story.source)}<a class="content_left_time_hudong" href="#comment" target="_self">参与互动</a></div>
        {cn_baidu(story)}
        <div class="content_maincontent_content">
            <!--正文start-->
            <div class="left_zw" style="position:relative">
{cn_body(story)}
            </div>
            <!--正文end-->
        </div>
        <div class="content_left_share"><a class="share_weixin" href="javascript:void(0)">微信</a><a class="share_weibo" href="javascript:void(0)">微博</a></div>
    </div>
</div>
</body>
</html>
"""


def truncate(page: str, story: Story) -> str:
    """Cut the page in the middle of the third paragraph, as a broken transfer would."""
    third = story.paragraphs[2]
    return page[:page.index(third) + len(third) // 2]


def cn_href(story: Story) -> str:
    if story.key in CHINANEWS_OLD_HOST_LINKS:
        return "//www.chinanews.com" + path_of(story.url)
    return path_of(story.url)


def cn_list(title: str, stories: list[Story], pagebox: str, old_host_links: bool) -> str:
    rows = []
    for i, s in enumerate(stories):
        if i and i % 5 == 0:
            rows.append('<li class="nocontent"></li>')
        ch = cn_channel(s)
        href = cn_href(s) if old_host_links else path_of(s.url)
        rows.append(f'<li><div class="dd_lm">[<a href="{CN_CHANNEL_PAGES[ch]}">{CHINANEWS_CHANNELS[ch]}</a>]</div>'
                    f'<div class="dd_bt"><a href="{a(href)}">{t(s.title)}</a></div>'
                    f'<div class="dd_time">{when(s).month}-{when(s):%d %H:%M}</div></li>')
    body = "\n".join(rows)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{t(title)}-中国新闻网-梳理天下新闻</title>
<meta name="keywords" content="滚动新闻,即时新闻">
</head>
<body>
{CN_NAV}
<div class="w1000 mt15">
    <div class="content_list">
        <ul>
{body}
        </ul>
    </div>
{pagebox}
</div>
</body>
</html>
"""


def chinanews_files() -> list[tuple[str, bytes]]:
    files = []
    for s in CHINANEWS:
        page = cn_old(s) if s.template == "cn_old" else cn_new(s)
        if s.broken == "truncated":
            page = truncate(page, s)
        files.append((s.url, encode(page, s.charset)))
    ordered = newest_first(s.key for s in CHINANEWS)
    pages = chunks(ordered, CHINANEWS_SCROLL_PAGE_SIZE)
    for n, entries in enumerate(pages, start=1):
        links = []
        if n > 1:
            links.append(f'<a href="/scroll-news/news{n - 1}.html">上一页</a>')
        for m in range(1, len(pages) + 1):
            links.append(f'<a class="current">{m}</a>' if m == n else f'<a href="/scroll-news/news{m}.html">{m}</a>')
        if n < len(pages):
            links.append(f'<a href="/scroll-news/news{n + 1}.html">下一页</a>')
        pagebox = f'    <div class="pagebox" id="pageZone">{"".join(links)}</div>'
        url = f"https://www.chinanews.com.cn/scroll-news/news{n}.html"
        files.append((url, cn_list("滚动新闻", entries, pagebox, old_host_links=True).encode("utf-8")))
    for day in archive_days():
        entries = [s for s in ordered if s.day == day.isoformat()]
        url = f"https://www.chinanews.com.cn/scroll-news/{day:%Y/%m%d}/news.shtml"
        title = f"{day:%Y年%m月%d日}滚动新闻"
        files.append((url, cn_list(title, entries, "", old_host_links=False).encode("utf-8")))
    files.append(("https://www.chinanews.com.cn/rss/scroll-news.xml", cn_rss(ordered).encode("utf-8")))
    return files


def archive_days() -> list[date]:
    """The per-day archives: every day of the window, plus the day after (it holds c15)."""
    first = date.fromisoformat(WINDOW[0]).toordinal()
    last = date.fromisoformat(WINDOW[1]).toordinal() + 1
    return [date.fromordinal(n) for n in range(first, last + 1)]


def cn_rss(stories: list[Story]) -> str:
    items = []
    for s in stories:
        link = s.url
        if s.key in CHINANEWS_OLD_HOST_LINKS:
            link = "http://www.chinanews.com" + path_of(s.url)
        d = when(s)
        pub = f"{'Mon Tue Wed Thu Fri Sat Sun'.split()[d.weekday()]}, {d:%d} " \
              f"{'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split()[d.month - 1]} {d:%Y %H:%M:%S} +0800"
        items.append(f"""<item>
<title>{t(s.title)}</title>
<link>{t(link)}</link>
<description><![CDATA[{s.paragraphs[0][:80]}]]></description>
<pubDate>{pub}</pubDate>
</item>""")
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
<title>中国新闻网-滚动新闻</title>
<link>https://www.chinanews.com.cn/scroll-news/news1.html</link>
<description>中国新闻网滚动新闻</description>
<language>zh-cn</language>
{body}
</channel>
</rss>
"""


# -- ce.cn ---------------------------------------------------------------------------------------

CE_TOP = """<div class="top">
<a href="http://www.ce.cn/" target="_blank">中国经济网首页</a> | <a href="http://www.ce.cn/xwzx/" target="_blank">新闻</a> | <a href="http://finance.ce.cn/" target="_blank">金融</a> | <a href="http://health.ce.cn/" target="_blank">健康</a> | <a href="http://tech.ce.cn/" target="_blank">科技</a>
</div>"""

CE_TITLE_SUFFIX = "_中国经济网——国家经济门户"


def ce_trs(story: Story) -> str:
    d = when(story)
    paras = [f"<p>{INDENT}{t(p)}</p>" for p in story.paragraphs]
    if story.more_line:
        paras.append(f"<p>{INDENT}{t(story.more_line)}</p>")
    editor_line = f"（责任编辑：{t(story.editor)}）"
    if story.editor_in_body:
        paras.append(f'<p align="right">{editor_line}</p>')
    inner = "\n".join(paras)
    if story.union_style:
        inner = f'<div class="Custom_UnionStyle">\n{inner}\n</div>'
    editor_div = "" if story.editor_in_body else f'\n<div class="editor">{editor_line}</div>'
    charset = story.charset
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<title>{t(story.title)}{CE_TITLE_SUFFIX}</title>
<meta name="keywords" content="{a(' '.join(story.keywords))}" />
<meta name="description" content="{a(description(story))}" />
<link href="http://www.ce.cn/css/article.css" rel="stylesheet" type="text/css" />
</head>
<body>
{CE_TOP}
<div class="path"><a href="http://www.ce.cn/">中国经济网首页</a>&gt;<a href="../../">{'健康新闻' if story.host == 'health.ce.cn' else '滚动新闻'}</a>&gt;正文</div>
<div class="content">
<h1 id="articleTitle">{t(story.title)}</h1>
<div class="titleInfo"><span id="articleTime">{d:%Y年%m月%d日 %H:%M}</span>&nbsp;&nbsp;&nbsp;<span id="articleSource">来源：{t(story.source)}</span></div>
<div id="articleText">
<div class="TRS_Editor">
{inner}
</div>{editor_div}
</div>
<div class="share">分享到：<a href="javascript:void(0)">微信</a> <a href="javascript:void(0)">微博</a></div>
</div>
<div class="footer">中国经济网 版权所有 互联网新闻信息服务许可证</div>
</body>
</html>
"""


def ce_modern(story: Story) -> str:
    """The post-2025 page: undocumented markup the site extractor does not know (fallback)."""
    d = when(story)
    meta_time = (f'\n  <meta property="article:published_time" content="{d:%Y-%m-%dT%H:%M:%S}+08:00">'
                 if story.meta_time else "")
    paras = "\n".join(f"      <p>{t(p)}</p>" for p in story.paragraphs)
    channel = "健康" if story.host == "health.ce.cn" else "时政"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{t(story.title)} - 中国经济网</title>
  <meta name="description" content="{a(description(story))}">
  <meta property="og:title" content="{a(story.title)}">
  <meta property="og:type" content="article">{meta_time}
  <link rel="stylesheet" href="https://www.ce.cn/static/v2/css/app.css">
</head>
<body class="ce-v2">
  <header class="ce-top">
    <a class="ce-logo" href="https://www.ce.cn/">中国经济网</a>
    <nav class="ce-nav"><a href="https://www.ce.cn/xwzx/">新闻</a><a href="https://finance.ce.cn/">金融</a><a href="https://health.ce.cn/">健康</a><a href="https://tech.ce.cn/">科技</a></nav>
  </header>
  <main class="ce-wrap">
    <article class="ce-article">
      <div class="ce-article__channel">{channel}</div>
      <h1 class="ce-article__title">{t(story.title)}</h1>
      <div class="ce-article__meta">
        <time datetime="{d:%Y-%m-%dT%H:%M:%S}+08:00">{d:%Y-%m-%d %H:%M}</time>
        <span class="ce-article__source">来源：{t(story.source)}</span>
      </div>
      <section class="ce-article__body">
{paras}
      </section>
      <footer class="ce-article__footer">责任编辑：{t(story.editor)}</footer>
    </article>
    <aside class="ce-aside">
      <h3>热点推荐</h3>
      <ul><li><a href="https://www.ce.cn/xwzx/">更多新闻</a></li><li><a href="https://health.ce.cn/">健康频道</a></li></ul>
    </aside>
  </main>
  <footer class="ce-footer">中国经济网版权所有</footer>
</body>
</html>
"""


CREATE_PAGE_HTML = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){ return; }
	var nCurrIndex = _nCurrIndex || 0;
	if(nCurrIndex == 0) document.write("<span>首页</span>&nbsp;");
	else document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;");
	if(nCurrIndex+1 < _nPageCount) document.write("<a href=\\""+_sPageName+"_"+(nCurrIndex+1)+"."+_sPageExt+"\\">下一页</a>&nbsp;");
}"""


def ce_href(story: Story, list_url: str) -> str:
    if story.host == urlsplit(list_url).hostname:
        return "./" + story.url[len(list_url):]
    return story.url


def ce_list_pages(spec: ListSpec) -> list[tuple[str, str]]:
    pages = chunks(newest_first(spec.keys), spec.page_size)
    out = []
    for n, entries in enumerate(pages):
        rows = "\n".join(f'<li><a href="{a(ce_href(s, spec.url))}" target="_blank">{t(s.title)}</a>'
                         f'<span>{s.published[:16]}</span></li>' for s in entries)
        html = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{t(spec.name)}{CE_TITLE_SUFFIX}</title>
<script language="JavaScript">
{CREATE_PAGE_HTML}
</script>
</head>
<body>
{CE_TOP}
<div class="main">
<div class="left">
<div class="list_title"><h2>{t(spec.name)}</h2></div>
<ul class="list">
{rows}
</ul>
<div class="page">
<script language="JavaScript">
var currentPage = {n};//所在页从0开始
var countPage = {len(pages)}//共多少页
createPageHTML({len(pages)}, {n}, "index", "shtml");
</script>
</div>
</div>
</div>
<div class="footer">中国经济网 版权所有</div>
</body>
</html>
"""
        if n == 0:
            out.append((spec.url, html))                 # served as …/index.html
            out.append((spec.url + "index.shtml", html))  # the same first page under its TRS name
        else:
            out.append((f"{spec.url}index_{n}.shtml", html))
    return out


# -- cnii.com.cn and the 人民邮电报 e-paper -----------------------------------------------------------

CNII_HEADER = """<div class="header">
  <div class="logo"><a href="https://www.cnii.com.cn/"><img src="https://www.cnii.com.cn/images/logo.png" alt="中国信息产业网"></a></div>
  <ul class="nav">
    <li><a href="https://www.cnii.com.cn/">首页</a></li>
    <li><a href="https://www.cnii.com.cn/yw/">要闻</a></li>
    <li><a href="https://www.cnii.com.cn/gxyw/">工信要闻</a></li>
    <li><a href="https://www.cnii.com.cn/dtxw/">动态新闻</a></li>
    <li><a href="https://www.cnii.com.cn/zcfg/">政策法规</a></li>
    <li><a href="https://www.cnii.com.cn/rmydb/">人民邮电报</a></li>
  </ul>
</div>"""

CNII_CHANNEL_NAMES = {spec.url.rstrip("/").rsplit("/", 1)[1]: spec.name for spec in CNII_LISTS}


def cnii_article(story: Story) -> str:
    channel = path_of(story.url).split("/")[1]
    info = []
    if not story.no_date:
        info.append(f'<span class="detail_pubTime">{story.published[:16]}</span>')
    info.append(f'<span class="source">来源：{t(story.source)}</span>')
    if story.author:
        info.append(f'<span class="author">作者：{t(story.author)}</span>')
    paras = "\n".join(f"<p>{INDENT}{t(p)}</p>" for p in story.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{t(story.title)}-中国信息产业网</title>
<meta name="keywords" content="{a(story.title)}">
<meta name="description" content="{a(description(story))}">
<link rel="stylesheet" href="https://www.cnii.com.cn/css/detail.css">
</head>
<body>
{CNII_HEADER}
<div class="position">当前位置：<a href="../../">首页</a> &gt; <a href="../">{CNII_CHANNEL_NAMES[channel]}</a> &gt; 正文</div>
<div class="detail">
  <h1>{t(story.title)}</h1>
  <div class="detail_info">{''.join(info)}</div>
  <div id="divContent" class="detail_content">
<div class="TRS_Editor">
{paras}
</div>
  </div>
  <div class="detail_editor">责任编辑：{t(story.editor)}</div>
</div>
<div class="footer">中国信息产业网 版权所有 人民邮电报社主办</div>
</body>
</html>
"""


def cnii_href(story: Story, list_url: str) -> str:
    if story.url.startswith(list_url):
        return "./" + story.url[len(list_url):]
    return "../" + story.url.split("www.cnii.com.cn/", 1)[1]


def cnii_list(spec: ListSpec) -> str:
    rows = "\n".join(f'<li><a href="{a(cnii_href(s, spec.url))}" target="_blank" title="{a(s.title)}">{t(s.title)}</a>'
                     f'<span>{s.day.replace("-", ".")}</span></li>' for s in newest_first(spec.keys))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{t(spec.name)}-中国信息产业网</title>
</head>
<body>
{CNII_HEADER}
<div class="position">当前位置：<a href="../">首页</a> &gt; {t(spec.name)}</div>
<div class="mainNews">
<ul>
{rows}
</ul>
</div>
<div class="footer">中国信息产业网 版权所有</div>
</body>
</html>
"""


def epaper_article(story: Story) -> str:
    d = when(story)
    page_no, page_name, _ = story.epaper
    paras = "\n".join(f"<p>{INDENT}{t(p)}</p>" for p in story.paragraphs)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{t(story.title)}_人民邮电报</title>
<link rel="stylesheet" href="/css/paper.css">
</head>
<body>
<div class="paper-top"><span class="paper-name">人民邮电报</span><span class="paper-date">{d:%Y年%m月%d日} 星期{WEEKDAYS[d.weekday()]}</span><span class="paper-page">第{page_no:02d}版：{t(page_name)}</span></div>
<div class="article-box">
<h3 id="PreTitle"></h3>
<h1 id="Title">{t(story.title)}</h1>
<h2 id="SubTitle"></h2>
<p class="article-author">{t(story.author)}</p>
<div id="ozoom">
<founder-content>
{paras}
</founder-content>
</div>
</div>
</body>
</html>
"""


def epaper_plain_url(story: Story) -> str:
    return story.url.replace("/rmydb/html/", "/html/")


def epaper_href(story: Story) -> str:
    if story.href_form == "absolute":
        return story.url
    if story.href_form == "rmydb-prefix":
        return path_of(story.url)
    return path_of(story.url).split("/")[-2] + "/" + path_of(story.url).split("/")[-1]


def epaper_issue(day: str, stories: list[Story]) -> str:
    pages: dict[tuple[int, str], list[Story]] = {}
    for s in sorted(stories, key=lambda s: (s.epaper, s.key)):
        pages.setdefault(s.epaper[:2], []).append(s)
    pages.setdefault(EPAPER_AD_PAGE, [])
    data = []
    for (no, name), members in sorted(pages.items()):
        data.append({
            "pageNo": f"{no:02d}",
            "pageName": name,
            "onePageArticleList": [
                {"mainTitle": s.title, "subTitle": "", "introTitle": "",
                 "articleHref": epaper_href(s), "articleAuthor": s.author, "articleColumn": name}
                for s in members],
        })
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def cnii_files() -> list[tuple[str, bytes]]:
    files = []
    for s in (s for s in STORIES if s.template == "cnii_main"):
        files.append((s.url, encode(cnii_article(s), s.charset)))
    for spec in CNII_LISTS:
        files.append((spec.url, cnii_list(spec).encode("utf-8")))
    epaper = [s for s in STORIES if s.template == "epaper"]
    for s in epaper:
        page = encode(epaper_article(s), s.charset)
        files.append((s.url, page))
        if s.href_form == "rmydb-prefix":
            files.append((epaper_plain_url(s), page))
    for day in EPAPER_ISSUES:
        members = [s for s in epaper if s.day.replace("-", "") == day]
        url = f"https://rmydb.cnii.com.cn/html/{day[:4]}/{day}/data.json"
        files.append((url, epaper_issue(day, members).encode("utf-8")))
    return files


# -- the whole archive ----------------------------------------------------------------------------

def gmw_files() -> list[tuple[str, bytes]]:
    files = []
    for s in (s for s in STORIES if s.template in ("gmw2018", "gmw_error")):
        if s.template == "gmw_error":
            files.append((s.url, encode(gmw_error(s), "utf-8")))
            continue
        files.append((s.url, encode(gmw_article(s, 1), "utf-8")))
        if s.page_break:
            files.append((gmw_page_url(s, 2), encode(gmw_article(s, 2), "utf-8")))
    for spec in GMW_LISTS:
        files.extend((url, html.encode("utf-8")) for url, html in gmw_list_pages(spec))
    for spec in GMW_HOMES:
        files.append((spec.url, gmw_home(spec).encode("utf-8")))
    return files


def ce_files() -> list[tuple[str, bytes]]:
    files = []
    for s in (s for s in STORIES if s.template in ("ce_trs", "ce_modern")):
        page = ce_trs(s) if s.template == "ce_trs" else ce_modern(s)
        files.append((s.url, encode(page, s.charset)))
    for spec in CE_LISTS:
        files.extend((url, encode(html, "gb2312")) for url, html in ce_list_pages(spec))
    return files


#: every host allows crawling (so a replayed crawl does not log robots.txt 404s)
ROBOTS_TXT = b"User-agent: *\nDisallow:\n"


def all_files() -> dict[str, bytes]:
    """mirror path -> bytes for every file of the archive."""
    unknown = {s.template for s in STORIES} - set(TEMPLATES)
    if unknown:
        raise ValueError(f"stories use unknown templates: {sorted(unknown)}")
    files: dict[str, bytes] = {}
    for url, data in gmw_files() + chinanews_files() + ce_files() + cnii_files():
        path = mirror_path(url)
        if path in files and files[path] != data:
            raise ValueError(f"two different pages for {path}")
        files[path] = data
    for host in sorted({path.split("/", 1)[0] for path in files}):
        files[f"{host}/robots.txt"] = ROBOTS_TXT
    return files


# -- manifest ---------------------------------------------------------------------------------------

def published_at(story: Story) -> str | None:
    if story.broken in ("error_page", "missing"):
        return None
    return when(story).isoformat() + "+08:00"


def outside_window(story: Story) -> bool:
    return not (WINDOW[0] <= story.day <= WINDOW[1])


def list_pages() -> list[dict]:
    """Every mirrored list page with the article URLs it links (resolved, canonical host)."""
    pages = []

    def entry(url: str, site: str, kind: str, stories: list[Story | Older], next_url: str | None) -> None:
        pages.append({"url": url, "site": site, "kind": kind,
                      "entries": [s.url for s in stories if isinstance(s, Story)],
                      "older_entries": [s.url for s in stories if isinstance(s, Older)],
                      "next": next_url})

    for spec in GMW_LISTS:
        rendered = gmw_list_pages(spec)
        groups = chunks(list_entries(spec), spec.page_size)
        for n, ((url, _), stories) in enumerate(zip(rendered, groups)):
            nxt = rendered[n + 1][0] if n + 1 < len(rendered) else (
                urljoin(url, f"{spec.url.rsplit('/', 1)[1][:-4]}_{n + 2}.htm") if spec.more_pages else None)
            entry(url, "gmw", "gmw_node", stories, nxt)
    for spec in GMW_HOMES:
        entry(spec.url, "gmw", "gmw_home", newest_first(spec.keys), None)
    ordered = newest_first(s.key for s in CHINANEWS)
    scroll = chunks(ordered, CHINANEWS_SCROLL_PAGE_SIZE)
    for n, stories in enumerate(scroll, start=1):
        nxt = f"https://www.chinanews.com.cn/scroll-news/news{n + 1}.html" if n < len(scroll) else None
        entry(f"https://www.chinanews.com.cn/scroll-news/news{n}.html", "chinanews", "cn_scroll", stories, nxt)
    for day in archive_days():
        entry(f"https://www.chinanews.com.cn/scroll-news/{day:%Y/%m%d}/news.shtml", "chinanews", "cn_archive",
              [s for s in ordered if s.day == day.isoformat()], None)
    entry("https://www.chinanews.com.cn/rss/scroll-news.xml", "chinanews", "cn_rss", ordered, None)
    for spec in CE_LISTS:
        groups = chunks(newest_first(spec.keys), spec.page_size)
        for n, stories in enumerate(groups):
            url = spec.url if n == 0 else f"{spec.url}index_{n}.shtml"
            nxt = f"{spec.url}index_{n + 1}.shtml" if n + 1 < len(groups) else None
            entry(url, "ce", "ce_trs_list", stories, nxt)
    for spec in CNII_LISTS:
        entry(spec.url, "cnii", "cnii_list", newest_first(spec.keys), None)
    for day in EPAPER_ISSUES:
        members = [s for s in STORIES if s.template == "epaper" and s.day.replace("-", "") == day]
        entry(f"https://rmydb.cnii.com.cn/html/{day[:4]}/{day}/data.json", "cnii", "epaper_data_json",
              sorted(members, key=lambda s: (s.epaper, s.key)), None)
    return pages


MANIFEST_FIELDS = {
    "published_at": "Beijing time as the page gives it (seconds from gmw enpproperty / chinanews "
                    "#pubtime_baidu); midnight for e-paper issues and for the no_date page (day from "
                    "URL and list); null for error and missing pages",
    "source": "来源 as the page shows it, without the label (null when the page names none, as on "
              "e-paper pages, whose site name is 人民邮电报)",
    "relevant": "editorial label: health sector AND (data/digital/AI OR health policy)",
    "expected_in_bulletin": "relevant, inside the window and not broken",
    "paragraphs": "body paragraphs an extractor should return (captions, author and print lines "
                  "included; editor lines, 更多精彩内容 lines and page navigation excluded); for the "
                  "truncated page, the paragraphs present (the last one cut short)",
    "broken": "same as flags.broken (error_page | truncated | missing | null), repeated for filtering",
    "outside_window": "same as flags.outside_window, repeated for filtering",
    "file": "mirror path under archive/ (null when the page is missing: HTTP 404 on replay)",
    "listed_on": "list pages (manifest 'lists') that link the article",
    "lists": "every mirrored list page: the article URLs it links (resolved, canonical host, "
             "newest first), 'older_entries' it links with list dates before the window (pages not "
             "mirrored: a 404 if requested) and the next list page it links (null on the last page; "
             "a 'next' not in 'lists' is deliberately not mirrored)",
}


def manifest() -> dict:
    lists = list_pages()
    listed_on: dict[str, list[str]] = {}
    for page in lists:
        for url in page["entries"]:
            listed_on.setdefault(url, []).append(page["url"])
    reprinted_by: dict[str, list[str]] = {}
    for s in STORIES:
        if s.reprint_of:
            reprinted_by.setdefault(s.reprint_of, []).append(s.url)
    articles = []
    for s in STORIES:
        broken = s.broken or None
        multipage = [gmw_page_url(s, 1), gmw_page_url(s, 2)] if s.page_break else None
        flags = {
            "reprint_of": BY_KEY[s.reprint_of].url if s.reprint_of else None,
            "reprinted_by": reprinted_by.get(s.key),
            "same_event_as": BY_KEY[s.same_event_as].url if s.same_event_as else None,
            "multipage": multipage,
            "broken": broken,
            "no_date": s.no_date,
            "outside_window": outside_window(s),
            "also_served_at": epaper_plain_url(s) if s.href_form == "rmydb-prefix" else None,
        }
        articles.append({
            "key": s.key,
            "url": s.url,
            "site": site_for_host(s.host),
            "template": s.template,
            "title": s.title,
            "published_at": published_at(s),
            "source": s.source or None,
            "author": s.author or None,
            "editor": s.editor or None,
            "relevant": s.relevant,
            "expected_in_bulletin": s.relevant and not outside_window(s) and not broken,
            "charset": s.charset if s.template != "missing" else None,
            "paragraphs": 3 if s.broken == "truncated" else len(s.paragraphs),
            "file": None if s.broken == "missing" else mirror_path(s.url),
            "listed_on": listed_on.get(s.url, []),
            "broken": flags["broken"],
            "outside_window": flags["outside_window"],
            "flags": flags,
            "note": s.note or None,
        })
    return {
        "description": "Offline demo archive of healthcrawl: invented articles in each site's markup. "
                       "Regenerate with `python -m healthcrawl.demo.build`.",
        "window": {"since": WINDOW[0], "until": WINDOW[1], "timezone": "Asia/Shanghai (+08:00)"},
        "layout": "archive/<host>/<path>; a URL ending in / is stored as <path>/index.html; "
                  "query strings ignored; a missing file is a 404",
        "fields": MANIFEST_FIELDS,
        "articles": articles,
        "lists": lists,
    }


def write(out: Path, manifest_path: Path) -> int:
    files = all_files()
    if out.exists():
        shutil.rmtree(out)
    for rel, data in sorted(files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    text = json.dumps(manifest(), ensure_ascii=False, indent=1) + "\n"
    manifest_path.write_text(text, encoding="utf-8")
    return len(files)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ARCHIVE_DIR, help="archive directory (recreated)")
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="manifest.json path")
    args = parser.parse_args(argv)
    count = write(args.out, args.manifest)
    print(f"wrote {count} files to {args.out} and {args.manifest}")


if __name__ == "__main__":
    main()
