"""gmw.cn (光明网) markup: the 2018 article template (one or two pages), the error page, the node
lists with their ``displaypagenum`` pager and the channel homes."""

from __future__ import annotations

from urllib.parse import urlsplit

from tools.sitegen.markup import (
    a, chunks, description, encode, list_entries, newest_first, paragraphs_html, path_of, t,
)
from tools.sitegen.model import ListSpec, Older, Story

CHANNELS = {"health": "健康频道", "digital": "数字化频道", "tech": "科技频道",
            "politics": "时政频道", "news": "新闻频道"}

HEADER = """<div class="g-header">
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

FOOTER = """<div class="g-footer">
    <p>光明网版权所有</p>
    <p><a href="https://www.gmw.cn/aboutus.htm" target="_blank">关于我们</a> | <a href="https://www.gmw.cn/map.htm" target="_blank">网站地图</a></p>
</div>"""

ERROR_PAGE = """<!DOCTYPE html>
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


def sub(url: str) -> str:
    return (urlsplit(url).hostname or "").split(".")[0]


def header(url: str) -> str:
    return HEADER.format(host=urlsplit(url).hostname, sub=sub(url), channel=CHANNELS[sub(url)])


def page_url(story: Story, page: int) -> str:
    return story.url if page == 1 else story.url.replace(".htm", f"_{page}.htm")


def article_id(story: Story) -> str:
    return path_of(story.url).rsplit("_", 1)[-1].split(".")[0]


def enpproperty(story: Story) -> str:
    node_id, node_name = story.node
    return (f"<!--enpproperty <articleid>{article_id(story)}</articleid><date>{story.published}.0</date>"
            f"<author></author><title>{t(story.title)}</title><keyword>{','.join(story.keywords)}</keyword>"
            f"<subtitle></subtitle><introtitle></introtitle><siteid>2</siteid><nodeid>{node_id}</nodeid>"
            f"<nodename>{node_name}</nodename><nodesearchname></nodesearchname>/enpproperty-->")


def article_head(story: Story) -> str:
    """``<!DOCTYPE html>`` to ``</head>`` of an article page."""
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
<meta name="catalogs" content="{story.node[0]}">
<meta name="contentid" content="{article_id(story)}">
<meta name="publishdate" content="{story.day}">
<meta name="author" content="{a(story.editor)}">
<meta name="editor" content="{a(story.editor)}">
<link href="//img.gmw.cn/css/con_style.css?_=20230210" type="text/css" rel="stylesheet">
<title>
{t(story.title)}
_光明网</title>
</head>
"""


def article_pager(story: Story, page: int) -> str:
    """The ``displaypagenum`` block of a two-page article ("" for a one-page one)."""
    if not story.page_break:
        return ""
    first, second = page_url(story, 1).rsplit("/", 1)[1], page_url(story, 2).rsplit("/", 1)[1]
    if page == 1:
        links = f'<span>1</span> <a href="{second}">2</a> <a href="{second}" class="ptfontcon">下一页</a>'
    else:
        links = f'<a href="{first}" class="ptfontcon">上一页</a> <a href="{first}">1</a> <span>2</span>'
    return f'\n<div id="displaypagenum"><center>{links}</center></div>'


def article_title_box(story: Story) -> str:
    if story.source_link:
        source = f'来源：<a href="{a(story.source_link)}" target="_blank">{t(story.source)}</a>'
    else:
        source = f"来源：{t(story.source)}"
    return f"""    <!--正文标题 start-->
    <div class="m-title-box">
        <h1 class="u-title">
            {t(story.title)}
        </h1>
        <div class="m-con-info">
            <div class="m_tips">
                <span class="m-con-source">{source}</span><span class="m-con-time">{story.published[:16]}</span>
            </div>
            <div class="m-share"><div class="share" id="share"><a class="share-qqzone"><i></i></a><a class="share-wechat" href="javascript:;"><i></i></a><a class="share-weibo"><i></i></a></div></div>
        </div>
    </div>
    <!--正文标题 end-->"""


def article(story: Story, page: int = 1) -> str:
    """Page ``page`` of an article in the 2018 template (``page_break`` splits the body in two)."""
    indexed = list(enumerate(story.paragraphs))
    if story.page_break:
        indexed = indexed[:story.page_break] if page == 1 else indexed[story.page_break:]
    node_id, node_name = story.node
    return f"""{article_head(story)}<body class="g-mobile">
{header(story.url)}
<!--导航 start-->
<div class="g-crumbs">
    <a href="https://www.gmw.cn/">首页</a><font>&gt; </font>
    <a href="../../" target="_blank">{CHANNELS[sub(story.url)]}</a><font>&gt; </font><a href="../../node_{node_id}.htm" target="_blank">{node_name}</a>
    <font>&gt; </font><font>正文</font>
</div>
<!--导航 end-->
<div class="g-main">
{article_title_box(story)}
    <div class="m-l-main">
        <div id="articleBox" class="con-text">
            <div id="article_inbox">
                <div id="MultiAttachPh" style="display: none"></div>
                <div id="PicUrlPh" style="display: none"></div>
                <div class="u-mainText">
                    {enpproperty(story)}<!--enpcontent--><!--enpcontent-->{paragraphs_html(story, indexed)}<!--/enpcontent--><!--/enpcontent-->{article_pager(story, page)}
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
{FOOTER}
</body>
</html>
"""


def href(story: Story | Older, list_url: str, dotdot: bool) -> str:
    """How a gmw list writes a link: relative on the same host, absolute (or protocol-relative
    for politics/news) across hosts."""
    if story.host == urlsplit(list_url).hostname:
        rel = path_of(story.url).lstrip("/")
        return f"../../{rel}" if dotdot else rel
    if sub(story.url) in ("politics", "news"):
        return "//" + story.url.split("://", 1)[1]
    return story.url


def list_page_names(spec: ListSpec, pages: int) -> list[str]:
    """node_x.htm, node_x_2.htm … for a list of ``pages`` pages, and the next one after them."""
    node_file = spec.url.rsplit("/", 1)[1]
    return [node_file] + [f"{node_file[:-4]}_{n}.htm" for n in range(2, pages + 2)]


def list_pager(names: list[str], n: int, pages: int, more_pages: bool) -> str:
    links = []
    if n > 0:
        links.append(f'<a href="{names[n - 1]}" class="ptfontcon">上一页</a>')
    for m in range(pages):
        links.append(f"<span>{m + 1}</span>" if m == n else f'<a href="{names[m]}">{m + 1}</a>')
    if n + 1 < pages or more_pages:
        links.append(f'<a href="{names[n + 1]}" class="ptfontcon">下一页</a>')
    return f'    <div id="displaypagenum"><center>{" ".join(links)}</center></div>' if len(links) > 1 else ""


def list_html(spec: ListSpec, entries: list[Story | Older], pager: str) -> str:
    channel = CHANNELS[sub(spec.url)]
    groups = []
    for group in chunks(entries, 5):
        items = "\n".join(
            f'        <li><span class="channel-newsTitle"><a href="{a(href(s, spec.url, spec.dotdot))}" '
            f'target="_blank">{t(s.title)}</a></span><span class="channel-newsTime">{s.day}</span></li>'
            for s in group)
        groups.append(f'    <ul class="channel-newsGroup">\n{items}\n    </ul>')
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Type" content="text/html;charset=utf-8">
<title>{t(spec.name)}_{channel}_光明网</title>
<link href="//img.gmw.cn/css/channel_style.css" type="text/css" rel="stylesheet">
</head>
<body>
{header(spec.url)}
<div class="g-crumbs"><a href="https://www.gmw.cn/">首页</a><font>&gt; </font><a href="./">{channel}</a><font>&gt; </font><font>{t(spec.name)}</font></div>
<div class="g-main">
  <div class="channelLeftPart">
    <div class="channel-title"><h2>{t(spec.name)}</h2></div>
{chr(10).join(groups)}
{pager}
  </div>
</div>
{FOOTER}
</body>
</html>
"""


def list_pages(spec: ListSpec) -> list[tuple[str, str]]:
    """(url, html) for every mirrored page of a gmw node list."""
    base = spec.url.rsplit("/", 1)[0] + "/"
    pages = chunks(list_entries(spec), spec.page_size)
    names = list_page_names(spec, len(pages))
    return [(base + names[n], list_html(spec, entries, list_pager(names, n, len(pages), spec.more_pages)))
            for n, entries in enumerate(pages)]


def home(spec: ListSpec) -> str:
    """A channel home: own-host stories in the focus block, others under 推荐阅读; no dates."""
    channel = CHANNELS[sub(spec.url)]
    host = urlsplit(spec.url).hostname
    stories = newest_first(spec.keys)
    own = [s for s in stories if s.host == host]
    focus = "\n".join(f'        <li><a href="{a(href(s, spec.url, False))}" target="_blank">{t(s.title)}</a></li>'
                      for s in own)
    lead = own[0]
    recommend = "\n".join(f'        <li><a href="{a(s.url)}" target="_blank">{t(s.title)}</a></li>'
                          for s in stories if s.host != host)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>{channel}_光明网</title>
<meta name="keywords" content="光明网,{channel}">
</head>
<body>
{header(spec.url)}
<div class="g-main">
  <div class="m-focus">
    <div class="m-focus-pic"><a href="{a(href(lead, spec.url, False))}" target="_blank"><img src="//img{sub(spec.url)}.gmw.cn/attachement/jpg/site2/{lead.day.replace('-', '')}/focus.jpg" alt="{a(lead.title)}"></a></div>
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
{FOOTER}
</body>
</html>
"""


def article_files(story: Story) -> list[tuple[str, bytes]]:
    """(url, bytes) of an article's pages (the error page for a ``gmw_error`` story)."""
    if story.template == "gmw_error":
        return [(story.url, encode(ERROR_PAGE, "utf-8"))]
    files = [(story.url, encode(article(story, 1), "utf-8"))]
    if story.page_break:
        files.append((page_url(story, 2), encode(article(story, 2), "utf-8")))
    return files


def files(stories: list[Story], lists: list[ListSpec], homes: list[ListSpec]) -> list[tuple[str, bytes]]:
    """(url, bytes) of the gmw stories' pages, the node lists and the channel homes."""
    out = [f for s in stories if s.template in ("gmw2018", "gmw_error") for f in article_files(s)]
    for spec in lists:
        out.extend((url, html.encode("utf-8")) for url, html in list_pages(spec))
    for spec in homes:
        out.append((spec.url, home(spec).encode("utf-8")))
    return out
