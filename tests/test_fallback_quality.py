"""The density extractor (issue 15's fallback candidate) on portal-like pages written for this test,
one assertion per field, and on the project's real saved pages (skipped when ../shared/realpages
is absent). The quality figures on real pages are measured by ``bench/extraction.py``, not here."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from w3lib.encoding import html_to_unicode

from healthcrawl.crawl.extractors.density import Article, extract_article
from healthcrawl.crawl.extractors.pagefields import find_datetime

REALPAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages"

NAV = "".join(f'<li><a href="/c{i}/">{name}</a></li>' for i, name in enumerate(
    ["首页", "时政", "国际", "财经", "健康", "教育", "科技", "文旅", "体育", "评论", "图片", "视频"]))
RANKING = "".join(
    f'<li><a href="/2026/03/{10 + i}/a{i}.shtml">第{i}条热点：某地推进基层医疗服务能力提升行动</a><span>03-{10 + i}</span></li>'
    for i in range(1, 11))
FOOTER = ('<div class="footer"><p>关于我们 | 联系我们 | 网站地图 | 广告服务</p>'
          '<p>Copyright © 2026 某某网 版权所有 京ICP备00000000号</p></div>')

#: a TRS-like provincial news page: nav, breadcrumb, h1, labelled byline, TRS body, related list
TRS_PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>家庭医生签约服务扩面提质 今年覆盖率目标提高到百分之四十_健康频道_某某网</title>
<meta name="keywords" content="家庭医生,签约服务"></head><body>
<div class="nav"><ul>{NAV}</ul></div>
<div class="crumbs"><a href="/">首页</a> &gt; <a href="/health/">健康频道</a> &gt; 正文</div>
<div class="main"><div class="left">
<h1>家庭医生签约服务扩面提质 今年覆盖率目标提高到百分之四十</h1>
<div class="info"><span>2026-03-12 09:30:15</span> <span>来源：健康时报</span> <span>作者：张明远</span>
<span class="share">分享到：<a href="#">微信</a><a href="#">微博</a></span></div>
<div class="TRS_Editor">
<p>　　记者从省卫生健康委员会获悉，今年全省将继续推进家庭医生签约服务扩面提质，重点人群签约覆盖率目标提高到百分之四十，并把慢性病患者、老年人和孕产妇作为优先签约对象。</p>
<p>　　据介绍，各地将组建以全科医生为核心、护士和公共卫生人员共同参与的签约团队，推行预约上门、长处方和延伸处方等便利措施，让签约居民在社区就能拿到常用药品。</p>
<p>　　在考核方面，省里将签约居民的满意度、续约率和基层就诊率纳入绩效评价，避免“签而不约”。对服务质量好的团队，在绩效工资分配上给予倾斜。</p>
<p>　　业内人士表示，家庭医生制度的关键在于提升基层能力，下一步还需在人才培养、信息互通和医保支付等方面形成合力。</p>
<p>（责任编辑：李华）</p>
</div>
<div class="related"><h3>相关新闻</h3><ul>
<li><a href="/2026/03/01/x1.shtml">多地试点家庭医生团队签约服务</a> 2026-03-01</li>
<li><a href="/2026/02/20/x2.shtml">基层医疗机构服务能力评价结果公布</a> 2026-02-20</li>
<li><a href="/2026/02/11/x3.shtml">慢性病长处方政策在社区落地</a> 2026-02-11</li>
<li><a href="/2026/01/30/x4.shtml">全科医生培养规模继续扩大</a> 2026-01-30</li>
</ul></div>
</div><div class="right"><div class="rank"><h3>热点排行</h3><ul>{RANKING}</ul></div></div></div>
{FOOTER}</body></html>"""

#: a commercial-portal page: no h1 (a classed div), unlabelled source beside the time, share bar,
#: teaser list with 【详细】 links, editor credit in brackets, comment area
PORTAL_PAGE = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>医保药品目录调整结果公布 新增一批罕见病用药-新闻中心-某某门户</title>
<meta property="og:title" content="医保药品目录调整结果公布 新增一批罕见病用药"></head><body>
<div id="top"><ul class="topnav">{NAV}</ul><div class="login"><a href="#">登录</a><a href="#">注册</a></div></div>
<div class="wrap"><div class="article">
<div class="article-title">医保药品目录调整结果公布 新增一批罕见病用药</div>
<div class="article-info"><span class="date">2026年01月08日 16:42</span> <span class="src">新华社</span>
<a class="report" href="#">举报</a></div>
<div class="article-content">
<p>国家医疗保障局8日公布新一轮医保药品目录调整结果，共有一百余种药品新增进入目录，其中包括多种罕见病用药和儿童用药。</p>
<p>与此同时，一批临床价值不高、可被替代的药品被调出目录。经过谈判，新增药品的平均降价幅度超过六成，预计将明显减轻患者用药负担。</p>
<p>新版目录将于今年3月1日起在全国执行。国家医保局要求各地做好新旧目录衔接，确保谈判药品在定点医疗机构“进得去、开得出”。</p>
<p>【编辑:王芳】</p>
</div>
<div class="share-bar">分享到：<a href="#">微信</a> <a href="#">QQ空间</a> <a href="#">微博</a></div>
<div class="pic-news">
<div class="pic-item"><a href="/p/1.html"><img src="/i/1.jpg"></a><p>某市开展义诊进社区活动，专家为居民提供健康咨询服务...<a href="/p/1.html">【详细】</a></p></div>
<div class="pic-item"><a href="/p/2.html"><img src="/i/2.jpg"></a><p>春季流感高发，疾控部门提醒公众做好个人防护，及时接种疫苗...<a href="/p/2.html">【详细】</a></p></div>
<div class="pic-item"><a href="/p/3.html"><img src="/i/3.jpg"></a><p>一家县级医院建成胸痛中心，急救时间明显缩短，患者获益...<a href="/p/3.html">【详细】</a></p></div>
<div class="pic-item"><a href="/p/4.html"><img src="/i/4.jpg"></a><p>老年人健康管理服务纳入社区网格，护理人员定期上门随访...<a href="/p/4.html">【详细】</a></p></div>
</div>
<div class="comment-box"><h3>网友评论</h3>
<p>这个政策很好，希望药店也能尽快配上这些药，不然还要跑大医院，挺麻烦的。</p>
<p>罕见病患者终于等到了，家里人用药负担能轻不少，点赞！</p></div>
</div><div class="sidebar"><h3>排行榜</h3><ul>{RANKING}</ul></div></div>
{FOOTER}</body></html>"""

#: an old table-layout page: <br>-separated body in a <td>, bracketed source, two editors, the
#: time only in a meta tag (the byline shows the day), 上一篇/下一篇 links
TABLE_PAGE = """<html><head><meta charset="gb2312"><title>市疾控中心开展饮用水卫生监测</title>
<meta property="article:published_time" content="2025-07-21T10:05:00+08:00"></head><body>
<table width="960"><tr><td class="head"><a href="/">网站首页</a> | <a href="/news/">新闻中心</a> | <a href="/gov/">政务公开</a></td></tr>
<tr><td><table><tr><td class="title" align="center"><b>市疾控中心开展饮用水卫生监测</b></td></tr>
<tr><td align="center">发布日期：2025年07月21日　来源：[城市晚报]　浏览次数：1024</td></tr>
<tr><td class="content">　　为保障夏季饮用水安全，市疾病预防控制中心近日在全市范围开展饮用水卫生监测，共采集出厂水、末梢水和二次供水水样三百余份。<br>
　　检测项目涵盖微生物、消毒剂余量和重金属等指标。从已出具的结果看，绝大多数水样符合国家生活饮用水卫生标准，个别不合格点位已通报属地整改。<br>
　　疾控专家提醒，居民家中长期不用的水龙头在使用前应先放水片刻，储水容器要定期清洗，出现水质异常可拨打热线反映。<br>
（责编：赵磊、孙悦）</td></tr>
<tr><td><a href="/news/20250720.html">上一篇：我市启动夏季爱国卫生运动</a><br><a href="/news/20250722.html">下一篇：全市医疗机构开展院感防控检查</a></td></tr>
</table></td></tr>
<tr><td class="foot">版权所有：某市卫生健康委员会 地址：某市人民路1号</td></tr></table></body></html>"""

PAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "trs": (TRS_PAGE, {
        "title": "家庭医生签约服务扩面提质 今年覆盖率目标提高到百分之四十",
        "published_at": "2026-03-12T09:30",
        "source": "健康时报",
        "editor": "李华",
        "paragraph_count": 4,
        "first_paragraph_start": "记者从省卫生健康委员会获悉",
        "last_paragraph_end": "形成合力。",
    }),
    "portal": (PORTAL_PAGE, {
        "title": "医保药品目录调整结果公布 新增一批罕见病用药",
        "published_at": "2026-01-08T16:42",
        "source": "新华社",
        "editor": "王芳",
        "paragraph_count": 3,
        "first_paragraph_start": "国家医疗保障局8日公布",
        "last_paragraph_end": "“进得去、开得出”。",
    }),
    "table": (TABLE_PAGE, {
        "title": "市疾控中心开展饮用水卫生监测",
        "published_at": "2025-07-21T10:05",
        "source": "城市晚报",
        "editor": "赵磊、孙悦",
        "paragraph_count": 3,
        "first_paragraph_start": "为保障夏季饮用水安全",
        "last_paragraph_end": "拨打热线反映。",
    }),
}


@cache
def extracted(page: str) -> Article:
    return extract_article(PAGES[page][0], f"https://www.example.cn/{page}/2026/a.shtml")


def actual(article: Article, key: str, wanted: Any) -> Any:
    if key == "published_at":
        when = article.published_at
        assert when is not None and when.utcoffset().total_seconds() == 8 * 3600
        return when.isoformat()[:len(wanted)]
    if key == "paragraph_count":
        return len(article.paragraphs)
    if key == "first_paragraph_start":
        return article.paragraphs[0][:len(wanted)]
    if key == "last_paragraph_end":
        return article.paragraphs[-1][-len(wanted):]
    return getattr(article, key)


@pytest.mark.parametrize(("page", "key"), [
    pytest.param(page, key, id=f"{page}-{key}") for page, (_, wanted) in PAGES.items() for key in wanted
])
def test_written_page_field(page: str, key: str) -> None:
    wanted = PAGES[page][1][key]
    assert actual(extracted(page), key, wanted) == wanted


@pytest.mark.parametrize("page", list(PAGES))
def test_no_page_furniture_in_the_body(page: str) -> None:
    body = "\n".join(extracted(page).paragraphs)
    for furniture in ("分享到", "相关新闻", "热点排行", "排行榜", "【详细】", "网友评论", "版权所有",
                      "上一篇", "下一篇", "责编", "责任编辑", "编辑:", "首页", "浏览次数"):
        assert furniture not in body


def test_time_forms() -> None:
    for text, wanted in [("2024年5月22日週三 下午2:05", "2024-05-22T14:05"), ("06/02/2022 - 13:48", "2022-02-06T13:48"),
                         ("时间：2024.05.20", "2024-05-20T00:00"), ("2024-05-13 08:49 来源：人民日报", "2024-05-13T08:49")]:
        when, _ = find_datetime(text)
        assert when.isoformat()[:16] == wanted


def test_empty_and_broken_input() -> None:
    assert extract_article("").paragraphs == []
    assert extract_article('<?xml version="1.0" encoding="utf-8"?><html><body><p>短</p></body></html>').title is None


# -- the project's real saved pages ---------------------------------------------------------------

REAL: dict[str, tuple[str, str, dict[str, Any]]] = {
    "gmw": ("gmw/politics_2024-05-13_content_37319243.html", "https://politics.gmw.cn/2024-05/13/content_37319243.htm", {
        "title": "维护全人类共同利益需联手抵制保护主义", "published_at": "2024-05-13T08:49", "source": "人民日报",
        "editor": "杨煜", "paragraph_count": 6, "last_paragraph_end": "（钟才文）"}),
    "chinanews": ("chinanews/gerapy_china_news1_2020-07-04.html", "https://www.chinanews.com/ll/2020/07-04/9229287.shtml", {
        "title": "【中国稳健前行】坚定实施扩大内需战略", "published_at": "2020-07-04T12:10", "source": "求是网",
        "editor": "陈海峰", "paragraph_count": 10, "first_paragraph_start": "编者按",
        "last_paragraph_end": "(作者：方敏北京大学经济学院教授)"}),
}


@cache
def real(page: str) -> Article:
    filename, url, _ = REAL[page]
    return extract_article(html_to_unicode(None, (REALPAGES / filename).read_bytes())[1], url)


@pytest.mark.skipif(not REALPAGES.exists(), reason=f"real pages not available ({REALPAGES})")
@pytest.mark.parametrize(("page", "key"), [
    pytest.param(page, key, id=f"{page}-{key}") for page, (*_, wanted) in REAL.items() for key in wanted
])
def test_real_page_field(page: str, key: str) -> None:
    wanted = REAL[page][2][key]
    assert actual(real(page), key, wanted) == wanted
