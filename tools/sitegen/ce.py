"""ce.cn (中国经济网) markup: the old TRS article template (GB2312/GBK), the modern article page the
site extractor does not know (fallback), and the TRS lists with their ``createPageHTML`` pager."""

from __future__ import annotations

from urllib.parse import urlsplit

from tools.sitegen.markup import INDENT, a, chunks, description, encode, newest_first, t, when
from tools.sitegen.model import ListSpec, Story

TOP = """<div class="top">
<a href="http://www.ce.cn/" target="_blank">中国经济网首页</a> | <a href="http://www.ce.cn/xwzx/" target="_blank">新闻</a> | <a href="http://finance.ce.cn/" target="_blank">金融</a> | <a href="http://health.ce.cn/" target="_blank">健康</a> | <a href="http://tech.ce.cn/" target="_blank">科技</a>
</div>"""

TITLE_SUFFIX = "_中国经济网——国家经济门户"

XHTML_DOCTYPE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">"""

CREATE_PAGE_HTML = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){ return; }
	var nCurrIndex = _nCurrIndex || 0;
	if(nCurrIndex == 0) document.write("<span>首页</span>&nbsp;");
	else document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;");
	if(nCurrIndex+1 < _nPageCount) document.write("<a href=\\""+_sPageName+"_"+(nCurrIndex+1)+"."+_sPageExt+"\\">下一页</a>&nbsp;");
}"""


def trs_body(story: Story) -> str:
    """The ``TRS_Editor`` block and what follows it: paragraphs, the optional 更多精彩内容 line and
    the editor line (last paragraph or a div after the block)."""
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
    return f"""<div class="TRS_Editor">
{inner}
</div>{editor_div}"""


def trs_article(story: Story) -> str:
    d = when(story)
    return f"""{XHTML_DOCTYPE}
<head>
<meta http-equiv="Content-Type" content="text/html; charset={story.charset}" />
<title>{t(story.title)}{TITLE_SUFFIX}</title>
<meta name="keywords" content="{a(' '.join(story.keywords))}" />
<meta name="description" content="{a(description(story))}" />
<link href="http://www.ce.cn/css/article.css" rel="stylesheet" type="text/css" />
</head>
<body>
{TOP}
<div class="path"><a href="http://www.ce.cn/">中国经济网首页</a>&gt;<a href="../../">{'健康新闻' if story.host == 'health.ce.cn' else '滚动新闻'}</a>&gt;正文</div>
<div class="content">
<h1 id="articleTitle">{t(story.title)}</h1>
<div class="titleInfo"><span id="articleTime">{d:%Y年%m月%d日 %H:%M}</span>&nbsp;&nbsp;&nbsp;<span id="articleSource">来源：{t(story.source)}</span></div>
<div id="articleText">
{trs_body(story)}
</div>
<div class="share">分享到：<a href="javascript:void(0)">微信</a> <a href="javascript:void(0)">微博</a></div>
</div>
<div class="footer">中国经济网 版权所有 互联网新闻信息服务许可证</div>
</body>
</html>
"""


def modern_article(story: Story) -> str:
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


def href(story: Story, list_url: str) -> str:
    if story.host == urlsplit(list_url).hostname:
        return "./" + story.url[len(list_url):]
    return story.url


def page_url(spec: ListSpec, n: int) -> str:
    """Page ``n`` (0-based) of a TRS list: the list URL itself, then index_1.shtml …"""
    return spec.url if n == 0 else f"{spec.url}index_{n}.shtml"


def list_html(spec: ListSpec, entries: list[Story], n: int, pages: int) -> str:
    rows = "\n".join(f'<li><a href="{a(href(s, spec.url))}" target="_blank">{t(s.title)}</a>'
                     f'<span>{s.published[:16]}</span></li>' for s in entries)
    return f"""{XHTML_DOCTYPE}
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{t(spec.name)}{TITLE_SUFFIX}</title>
<script language="JavaScript">
{CREATE_PAGE_HTML}
</script>
</head>
<body>
{TOP}
<div class="main">
<div class="left">
<div class="list_title"><h2>{t(spec.name)}</h2></div>
<ul class="list">
{rows}
</ul>
<div class="page">
<script language="JavaScript">
var currentPage = {n};//所在页从0开始
var countPage = {pages}//共多少页
createPageHTML({pages}, {n}, "index", "shtml");
</script>
</div>
</div>
</div>
<div class="footer">中国经济网 版权所有</div>
</body>
</html>
"""


def list_pages(spec: ListSpec) -> list[tuple[str, str]]:
    """(url, html) of every page of a TRS list; the first also under its TRS name index.shtml."""
    pages = chunks(newest_first(spec.keys), spec.page_size)
    out = []
    for n, entries in enumerate(pages):
        html = list_html(spec, entries, n, len(pages))
        out.append((page_url(spec, n), html))  # the first page is served as …/index.html
        if n == 0:
            out.append((spec.url + "index.shtml", html))
    return out


def article_page(story: Story) -> bytes:
    return encode(trs_article(story) if story.template == "ce_trs" else modern_article(story), story.charset)


def files(stories: list[Story], lists: list[ListSpec]) -> list[tuple[str, bytes]]:
    """(url, bytes) of the ce stories' pages and the TRS lists (GB2312)."""
    out = [(s.url, article_page(s)) for s in stories if s.template in ("ce_trs", "ce_modern")]
    for spec in lists:
        out.extend((url, encode(html, "gb2312")) for url, html in list_pages(spec))
    return out
