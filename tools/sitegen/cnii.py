"""cnii.com.cn (中国信息产业网) markup: main-site articles and channel lists, and the 人民邮电报
e-paper on rmydb.cnii.com.cn (article pages and each issue's ``data.json``)."""

from __future__ import annotations

import json

from tools.sitegen.markup import INDENT, WEEKDAYS, a, description, encode, newest_first, path_of, t, when
from tools.sitegen.model import ListSpec, Story

HEADER = """<div class="header">
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

#: every issue of the e-paper has an advertising page without articles
AD_PAGE = (8, "广告")
#: channel (first path segment) -> the name its list and the article breadcrumb show
CHANNEL_NAMES = {"yw": "要闻", "gxyw": "工信要闻", "dtxw": "动态新闻", "zcfg": "政策法规", "rmydb": "人民邮电报"}


def paragraphs(story: Story) -> str:
    return "\n".join(f"<p>{INDENT}{t(p)}</p>" for p in story.paragraphs)


def article(story: Story) -> str:
    channel = path_of(story.url).split("/")[1]
    info = []
    if not story.no_date:
        info.append(f'<span class="detail_pubTime">{story.published[:16]}</span>')
    info.append(f'<span class="source">来源：{t(story.source)}</span>')
    if story.author:
        info.append(f'<span class="author">作者：{t(story.author)}</span>')
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
{HEADER}
<div class="position">当前位置：<a href="../../">首页</a> &gt; <a href="../">{CHANNEL_NAMES[channel]}</a> &gt; 正文</div>
<div class="detail">
  <h1>{t(story.title)}</h1>
  <div class="detail_info">{''.join(info)}</div>
  <div id="divContent" class="detail_content">
<div class="TRS_Editor">
{paragraphs(story)}
</div>
  </div>
  <div class="detail_editor">责任编辑：{t(story.editor)}</div>
</div>
<div class="footer">中国信息产业网 版权所有 人民邮电报社主办</div>
</body>
</html>
"""


def href(story: Story, list_url: str) -> str:
    if story.url.startswith(list_url):
        return "./" + story.url[len(list_url):]
    return "../" + story.url.split("www.cnii.com.cn/", 1)[1]


def list_page(spec: ListSpec) -> str:
    rows = "\n".join(f'<li><a href="{a(href(s, spec.url))}" target="_blank" title="{a(s.title)}">{t(s.title)}</a>'
                     f'<span>{s.day.replace("-", ".")}</span></li>' for s in newest_first(spec.keys))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{t(spec.name)}-中国信息产业网</title>
</head>
<body>
{HEADER}
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
{paragraphs(story)}
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


def epaper_issue_url(day: str) -> str:
    """The ``data.json`` of the issue of ``day`` (YYYYMMDD)."""
    return f"https://rmydb.cnii.com.cn/html/{day[:4]}/{day}/data.json"


def epaper_issue(stories: list[Story]) -> str:
    """An issue's ``data.json``: its pages and the advertising page."""
    pages: dict[tuple[int, str], list[Story]] = {}
    for s in sorted(stories, key=lambda s: (s.epaper, s.key)):
        pages.setdefault(s.epaper[:2], []).append(s)
    pages.setdefault(AD_PAGE, [])
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


def issue_members(epaper: list[Story], day: str) -> list[Story]:
    return [s for s in epaper if s.day.replace("-", "") == day]


def files(stories: list[Story], lists: list[ListSpec], issues: tuple[str, ...]) -> list[tuple[str, bytes]]:
    """(url, bytes) of the main-site articles and lists, the e-paper pages (a ``rmydb-prefix``
    one under both its URLs) and the ``data.json`` of every issue (YYYYMMDD)."""
    out = [(s.url, encode(article(s), s.charset)) for s in stories if s.template == "cnii_main"]
    out += [(spec.url, list_page(spec).encode("utf-8")) for spec in lists]
    epaper = [s for s in stories if s.template == "epaper"]
    for s in epaper:
        page = encode(epaper_article(s), s.charset)
        out.append((s.url, page))
        if s.href_form == "rmydb-prefix":
            out.append((epaper_plain_url(s), page))
    for day in issues:
        out.append((epaper_issue_url(day), epaper_issue(issue_members(epaper, day)).encode("utf-8")))
    return out
