"""chinanews.com.cn (中国新闻网) markup: the old (``#BaiduSpider``) and the newer article template,
the rolling list with its ``pagebox`` pager, the per-day archives and the RSS feed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from tools.sitegen.markup import INDENT, a, chunks, description, encode, path_of, t, when
from tools.sitegen.model import Story

ROOT = "https://www.chinanews.com.cn"
#: channel code in the URL -> the name the lists show
CHANNELS = {"gn": "国内", "sh": "社会", "jk": "健康", "cj": "财经"}
CHANNEL_PAGES = {"gn": "/china.shtml", "sh": "/society.shtml", "jk": "/health.shtml", "cj": "/finance.shtml"}

NAV = """<div id="navbar">
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


def channel(story: Story) -> str:
    return path_of(story.url).split("/")[1]


def body(story: Story) -> str:
    paras = "\n".join(f"<p>{INDENT}{t(p)}</p>\n" for p in story.paragraphs)
    return (f'{paras}<div class="adEditor"><!--编辑姓名start--><div class="left_name right"> '
            f'<span>【编辑:{t(story.editor)}】 </span></div><!--编辑姓名end--></div><div id="function_code_page"></div>')


def baidu(story: Story) -> str:
    author = f"作者：{t(story.author)}" if story.author else ""
    return f"""<div id="BaiduSpider" style="display:none">
          <span id="pubtime_baidu">{story.published}</span>
          <span id="source_baidu">来源：<a href="" target="_blank">{t(story.source)}</a></span>
          <span id="author_baidu">{author}</span>
          <span id="editor_baidu">责任编辑：{t(story.editor)}</span>
      </div>"""


def head(story: Story) -> str:
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


def old_article(story: Story) -> str:
    d = when(story)
    article_id = path_of(story.url).rsplit("/", 1)[1].split(".")[0]
    return f"""{head(story)}
<body>
    <!--表情字段开始-->
    <input id="newsid" type="hidden" name="newsid" value="4_8_{article_id}">
    <input id="newsurl" type="hidden" name="newsurl" value="//www.chinanews.com.cn{path_of(story.url)}">
    <input id="newsdate" type="hidden" name="newsdate" value="{story.day}">
    <input id="newstime" name="newstime" type="hidden" value="{story.published[11:]}">
    <input id="newstitle" name="newstitle" type="hidden" value="{a(story.title)} ">
    <input id="newstype" name="newstype" type="hidden" value="{channel(story)}">
    <input id="editorname" name="editorname" type="hidden" value="{a(story.editor)}">
    <!--表情字段结束-->
{NAV}
    <div id="cont_1_1_1">
        <div class="left">
            <div id="nav"> <a href="//www.chinanews.com.cn/">首页</a> →  <a href="//www.chinanews.com.cn{CHANNEL_PAGES[channel(story)]}">{t(story.channel)}新闻</a> </div>
        </div>
    </div>
	  <div class="content" id="cont_1_1_2">
      <h1 style="display:block; position:relative; clear:both">{t(story.title)} </h1>
      {baidu(story)}
      <div class="left-time" style="clear:both;">
        <div class="left-t">{d:%Y年%m月%d日 %H:%M}\u3000来源：{t(story.source)}<a href="#zw_cyhd" target="_self">参与互动</a></div>
      </div>
      <!--图片start-->

      <!--图片end-->
      <!--正文start-->
      <div class="left_zw">
{body(story)}
      </div>
      <div class="clear"></div>
      <!--正文end-->
      <div class="channel"><a href="{CHANNEL_PAGES[channel(story)]}">更多精彩内容请进入{t(story.channel)}频道</a></div>
      </div>
</body>
</html>
"""


def new_article(story: Story) -> str:
    d = when(story)
    return f"""{head(story)}
<body>
{NAV}
<div class="content_maincontent_more">
    <div class="content_left">
        <div class="content_left_crumbs"><a href="//www.chinanews.com.cn/">首页</a> &gt; <a href="{CHANNEL_PAGES[channel(story)]}">{t(story.channel)}</a></div>
        <h1 class="content_left_title">{t(story.title)}</h1>
        <div class="content_left_time">{d:%Y-%m-%d %H:%M}\u3000来源：{t(story.source)}<a class="content_left_time_hudong" href="#comment" target="_self">参与互动</a></div>
        {baidu(story)}
        <div class="content_maincontent_content">
            <!--正文start-->
            <div class="left_zw" style="position:relative">
{body(story)}
            </div>
            <!--正文end-->
        </div>
        <div class="content_left_share"><a class="share_weixin" href="javascript:void(0)">微信</a><a class="share_weibo" href="javascript:void(0)">微博</a></div>
    </div>
</div>
</body>
</html>
"""


def article(story: Story) -> str:
    """The article page in its template; a ``truncated`` story is cut in the middle of its third
    paragraph, as a broken transfer would."""
    page = old_article(story) if story.template == "cn_old" else new_article(story)
    if story.broken == "truncated":
        third = story.paragraphs[2]
        page = page[:page.index(third) + len(third) // 2]
    return page


def list_html(title: str, stories: list[Story], pagebox: str, old_host_links: Iterable[str] = ()) -> str:
    """A rolling-list or per-day archive page; ``old_host_links``: keys linked on the old host
    www.chinanews.com (protocol-relative)."""
    rows = []
    for i, s in enumerate(stories):
        if i and i % 5 == 0:
            rows.append('<li class="nocontent"></li>')
        ch = channel(s)
        href = "//www.chinanews.com" + path_of(s.url) if s.key in old_host_links else path_of(s.url)
        rows.append(f'<li><div class="dd_lm">[<a href="{CHANNEL_PAGES[ch]}">{CHANNELS[ch]}</a>]</div>'
                    f'<div class="dd_bt"><a href="{a(href)}">{t(s.title)}</a></div>'
                    f'<div class="dd_time">{when(s).month}-{when(s):%d %H:%M}</div></li>')
    rows_html = "\n".join(rows)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{t(title)}-中国新闻网-梳理天下新闻</title>
<meta name="keywords" content="滚动新闻,即时新闻">
</head>
<body>
{NAV}
<div class="w1000 mt15">
    <div class="content_list">
        <ul>
{rows_html}
        </ul>
    </div>
{pagebox}
</div>
</body>
</html>
"""


def scroll_url(n: int) -> str:
    return f"{ROOT}/scroll-news/news{n}.html"


def day_archive_url(day: date) -> str:
    return f"{ROOT}/scroll-news/{day:%Y/%m%d}/news.shtml"


RSS_URL = f"{ROOT}/rss/scroll-news.xml"


def pagebox(n: int, pages: int) -> str:
    """The rolling list's pager on page ``n`` (1-based) of ``pages``."""
    links = []
    if n > 1:
        links.append(f'<a href="/scroll-news/news{n - 1}.html">上一页</a>')
    for m in range(1, pages + 1):
        links.append(f'<a class="current">{m}</a>' if m == n else f'<a href="/scroll-news/news{m}.html">{m}</a>')
    if n < pages:
        links.append(f'<a href="/scroll-news/news{n + 1}.html">下一页</a>')
    return f'    <div class="pagebox" id="pageZone">{"".join(links)}</div>'


def scroll_pages(ordered: list[Story], page_size: int, old_host_links: Iterable[str] = ()) -> list[tuple[str, bytes]]:
    """(url, bytes) of the rolling list news1.html, news2.html … over ``ordered`` (newest first)."""
    pages = chunks(ordered, page_size)
    return [(scroll_url(n), list_html("滚动新闻", entries, pagebox(n, len(pages)), old_host_links).encode("utf-8"))
            for n, entries in enumerate(pages, start=1)]


def day_archives(ordered: list[Story], days: Iterable[date]) -> list[tuple[str, bytes]]:
    """(url, bytes) of the per-day archives of ``days``."""
    return [(day_archive_url(day), list_html(f"{day:%Y年%m月%d日}滚动新闻",
                                             [s for s in ordered if s.day == day.isoformat()], "").encode("utf-8"))
            for day in days]


def rss(stories: list[Story], old_host_links: Iterable[str] = ()) -> str:
    items = []
    for s in stories:
        link = "http://www.chinanews.com" + path_of(s.url) if s.key in old_host_links else s.url
        d = when(s)
        pub = f"{'Mon Tue Wed Thu Fri Sat Sun'.split()[d.weekday()]}, {d:%d} " \
              f"{'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split()[d.month - 1]} {d:%Y %H:%M:%S} +0800"
        items.append(f"""<item>
<title>{t(s.title)}</title>
<link>{t(link)}</link>
<description><![CDATA[{s.paragraphs[0][:80]}]]></description>
<pubDate>{pub}</pubDate>
</item>""")
    body_xml = "\n".join(items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
<title>中国新闻网-滚动新闻</title>
<link>https://www.chinanews.com.cn/scroll-news/news1.html</link>
<description>中国新闻网滚动新闻</description>
<language>zh-cn</language>
{body_xml}
</channel>
</rss>
"""


def article_files(stories: list[Story]) -> list[tuple[str, bytes]]:
    return [(s.url, encode(article(s), s.charset)) for s in stories]


def list_files(ordered: list[Story], page_size: int, days: Iterable[date], old_host_links: Iterable[str] = (),
               rss_items: int = 100) -> list[tuple[str, bytes]]:
    """(url, bytes) of the rolling list, the per-day archives of ``days`` and the RSS (its first
    ``rss_items`` entries) over ``ordered`` (newest first)."""
    return (scroll_pages(ordered, page_size, old_host_links) + day_archives(ordered, days)
            + [(RSS_URL, rss(ordered[:rss_items], old_host_links).encode("utf-8"))])
