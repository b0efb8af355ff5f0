"""healthcrawl/reports/ (the bulletin) against a real mongod: selection, docx/md/html output, the CLI.

Documents are stored the way the mongo pipeline stores them (storage.article_record +
storage.write_records); the article texts are made up for the tests.
"""

from __future__ import annotations

import argparse
import zipfile
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

from healthcrawl.article import BEIJING
from healthcrawl.cli import bulletin as bulletin_command
from healthcrawl.cli.bulletin import add_bulletin_parser
from healthcrawl.project import project_settings
from healthcrawl.reports.bulletin import BulletinResult, build_bulletin
from healthcrawl.reports.outline import Bulletin, BulletinItem
from healthcrawl.reports.render import render_md
from healthcrawl.reports.select import read_pick_file
from healthcrawl.storage.collections import ARTICLES, ensure_indexes
from healthcrawl.storage.records import article_record, write_records
from tests.factories import make_article

SINCE, UNTIL = date(2026, 11, 9), date(2026, 11, 15)
RANGE = "从 2026 年 11 月 9 日到 2026 年 11 月 15 日"
DEFAULT_CENTRE = project_settings().get("HEALTHCRAWL_BULLETIN_CENTRE")


def relevance(score: float, relevant: bool = True) -> dict:
    return {"score": score, "relevant": relevant, "matched": {"health": ["医院"], "digital": ["数据"]},
            "lexicon_version": 1}


def store(collection, *articles) -> None:
    """Write articles like the mongo pipeline (storage decides each one's story). A reprint here
    names its original itself (``duplicate_of``, the path of imported data: crawled items are
    decided by their fingerprints, see tests/test_stories.py), since the made-up bodies of
    tests/factories.py are all near-copies of one text."""
    write_records(collection, [article_record(a) for a in articles])


def reprint_of(original, i: int, **overrides):
    url = f"https://www.chinanews.com.cn/jk/2026/11-12/{10400000 + i}.shtml"
    values = dict(url=url, canonical_url=url, site="chinanews", site_name="中国新闻网", channel="jk",
                  duplicate_of={"canonical_url": original.canonical_url, "reason": "content",
                                "similarity": 1.0})
    values.update(overrides)
    return make_article(i, **values)


@pytest.fixture
def articles(mongo_db):
    coll = mongo_db[ARTICLES]
    ensure_indexes(mongo_db)
    return coll


@pytest.fixture
def week(articles):
    """Three relevant articles in the week (scores 0.5, 0.9, 0.7), one irrelevant, one outside."""
    a1 = make_article(1, relevance=relevance(0.5), title="区域健康信息平台接入进度通报")
    a2 = make_article(2, relevance=relevance(0.9), title="互联网医院监管数据统一上报",
                      site="ce", site_name="中国经济网", channel="health",
                      url="http://adimg.ce.cn/xwzx/gnsz/gdxw/202611/12/t20261112_39000002.shtml",
                      canonical_url="https://www.ce.cn/xwzx/gnsz/gdxw/202611/12/t20261112_39000002.shtml")
    a3 = make_article(3, relevance=relevance(0.7), title="电子病历共享试点扩围",
                      site="cnii", site_name="人民邮电报",
                      url="https://rmydb.cnii.com.cn/html/2026/20261113/20261113_003/20261113_003_01_3001.html",
                      canonical_url="https://rmydb.cnii.com.cn/html/2026/20261113/20261113_003/20261113_003_01_3001.html")
    off = make_article(4, relevance=relevance(0.1, relevant=False), title="无关的体育新闻")
    outside = make_article(5, relevance=relevance(0.95), title="上周的医疗大数据新闻",
                           published_at=datetime(2026, 11, 8, 23, 59, tzinfo=BEIJING))
    store(articles, a1, a2, a3, off, outside)
    return {"a1": a1, "a2": a2, "a3": a3, "off": off, "outside": outside}


# --- docx -------------------------------------------------------------------------------------------
def test_docx_structure(articles, week, tmp_path):
    result = build_bulletin(articles, SINCE, UNTIL, fmt="docx", out=tmp_path / "b.docx")
    assert isinstance(result, BulletinResult) and result.written and result.exit_code == 0
    assert result.path == tmp_path / "b.docx" and result.count == 3
    d = docx.Document(str(result.path))
    paras = d.paragraphs
    texts = [p.text for p in paras]

    # header: the centre and the issue date (default: --until)
    assert paras[0].style.name == "Title"
    assert paras[0].text == f"{DEFAULT_CENTRE} 2026 年 11 月 15 日"
    # section headings with real heading styles
    h1 = [p.text for p in paras if p.style.name == "Heading 1"]
    assert h1 == ["本期导语：", "一、信息目录", "二、具体内容"]
    # 本期导语: count, date range, scope
    intro = texts[texts.index("本期导语：") + 1]
    assert "本期周报共收集 3 篇卫生健康大数据与政策研究相关信息" in intro
    assert RANGE in intro
    assert "监测范围包括" in intro
    # 信息目录: one "List Number" entry per article, best score first, site in parentheses
    entries = [p for p in paras if p.style.name == "List Number"]
    assert len(entries) == result.count == 3
    assert [e.text for e in entries] == [
        "互联网医院监管数据统一上报\n（中国经济网）",
        "电子病历共享试点扩围\n（人民邮电报）",
        "区域健康信息平台接入进度通报\n（光明网）",
    ]
    # numbering really comes from the style's numbering definition
    numpr = d.styles["List Number"].element.pPr.find(qn("w:numPr"))
    assert numpr is not None
    # 二、具体内容: a Heading 2 per article
    h2 = [p.text for p in paras if p.style.name == "Heading 2"]
    assert h2 == ["1.标题：互联网医院监管数据统一上报", "2.标题：电子病历共享试点扩围",
                  "3.标题：区域健康信息平台接入进度通报"]
    # links are real hyperlinks with external relationships, in article order
    links = [h for p in paras for h in p.hyperlinks]
    assert [h.url for h in links] == [week["a2"].url, week["a3"].url, week["a1"].url]
    assert [h.text for h in links] == [week["a2"].url, week["a3"].url, week["a1"].url]
    rels = {r.target_ref: r for r in d.part.rels.values() if r.reltype == RT.HYPERLINK}
    assert all(rels[h.url].is_external for h in links)

    # each article block: 来源, 链接 + URL, 主要内容, title, dateline, body paragraph by paragraph
    for n, key in enumerate(["a2", "a3", "a1"], 1):
        art = week[key]
        i = texts.index(f"{n}.标题：{art.title}")
        assert texts[i + 1] == f"来源：{art.site_name}"
        assert texts[i + 2] == "链接："
        assert texts[i + 3] == art.url and paras[i + 3].hyperlinks
        assert texts[i + 4] == "主要内容："
        assert texts[i + 5] == art.title and paras[i + 5].runs[0].bold
        assert texts[i + 6] == f"{art.published_at:%Y-%m-%d} 来源：{art.site_name}"
        body = art.body.split("\n")
        assert texts[i + 7:i + 7 + len(body)] == body
        assert all(p.style.name == "Normal" for p in paras[i + 7:i + 7 + len(body)])

    # irrelevant and out-of-window articles are not in it
    assert not any("体育" in t or "上周" in t for t in texts)


def test_docx_uses_an_east_asian_font(articles, week, tmp_path):
    result = build_bulletin(articles, SINCE, UNTIL, fmt="docx", out=tmp_path / "b.docx")
    d = docx.Document(str(result.path))
    for name, font in (("Normal", "宋体"), ("Heading 1", "黑体"), ("Heading 2", "黑体"), ("Title", "黑体")):
        fonts = d.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == font, name
        assert fonts.get(qn("w:eastAsiaTheme")) is None, name  # a theme font would win over w:eastAsia
    lang = d.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    assert d.styles["Hyperlink"].element.get(qn("w:customStyle")) is None   # Word's built-in style
    assert (round(d.sections[0].page_width.cm, 1), round(d.sections[0].page_height.cm, 1)) == (21.0, 29.7)  # A4
    # the package is a valid zip with the hyperlink relationships in document.xml.rels
    with zipfile.ZipFile(result.path) as z:
        assert z.testzip() is None
        rels = z.read("word/_rels/document.xml.rels").decode()
        assert rels.count('TargetMode="External"') == 3


def test_dates_are_beijing_time(articles, tmp_path):
    # 00:30 Beijing on the 9th is 16:30 UTC on the 8th: inside the window, dated 2026-11-09
    early = make_article(1, relevance=relevance(0.8), published_at=datetime(2026, 11, 9, 0, 30, tzinfo=BEIJING))
    # 23:59:59 Beijing on the 15th is still in the window; 00:00 on the 16th is not
    late = make_article(2, relevance=relevance(0.7), published_at=datetime(2026, 11, 15, 23, 59, 59, tzinfo=BEIJING))
    after = make_article(3, relevance=relevance(0.9), published_at=datetime(2026, 11, 16, 0, 0, tzinfo=BEIJING))
    store(articles, early, late, after)
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "b.md")
    assert [i.url for i in result.items] == [early.url, late.url]
    text = result.path.read_text(encoding="utf-8")
    assert "2026-11-09 来源：光明网" in text and "2026-11-15 来源：光明网" in text


# --- md and html ------------------------------------------------------------------------------------
def test_markdown_structure(articles, week, tmp_path):
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path)
    assert result.path == tmp_path / "bulletin-2026-11-15.md"
    text = result.path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == f"# {DEFAULT_CENTRE} 2026 年 11 月 15 日"
    assert [l for l in lines if l.startswith("## ")] == ["## 本期导语：", "## 一、信息目录", "## 二、具体内容"]
    assert "本期周报共收集 3 篇" in text and RANGE in text
    toc = [l for l in lines if l[:3] in ("1. ", "2. ", "3. ")]
    assert toc == ["1. 互联网医院监管数据统一上报（中国经济网）", "2. 电子病历共享试点扩围（人民邮电报）",
                   "3. 区域健康信息平台接入进度通报（光明网）"]
    assert [l for l in lines if l.startswith("### ")] == [
        "### 1.标题：互联网医院监管数据统一上报", "### 2.标题：电子病历共享试点扩围",
        "### 3.标题：区域健康信息平台接入进度通报"]
    assert f"<{week['a2'].url}>" in lines
    assert "来源：中国经济网" in lines and "主要内容：" in lines
    for line in week["a1"].body.split("\n"):
        assert line in lines


def test_out_naming_a_new_folder(articles, week, tmp_path):
    result = build_bulletin(articles, SINCE, UNTIL, fmt="html", out=f"{tmp_path}/bulletins/")
    assert result.path == tmp_path / "bulletins" / "bulletin-2026-11-15.html" and result.path.is_file()


def test_markdown_escapes_markup():
    item = BulletinItem(title="[点我](javascript:alert(1)) <b>x</b>", site_name="光明网",
                                     url="javascript:alert(1)", canonical_url="", published_at=None,
                                     paragraphs=["# 不是标题", "1. 不是列表"])
    b = Bulletin(DEFAULT_CENTRE, UNTIL, SINCE, UNTIL, "测试", [item])
    text = render_md(b)
    assert "[点我]" not in text and "\\[点我\\]" in text
    assert "<b>" not in text
    assert "<javascript:" not in text            # not turned into an autolink
    assert "\n\\# 不是标题\n" in text and "\n1\\. 不是列表\n" in text


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_structure(articles, week, tmp_path):
    result = build_bulletin(articles, SINCE, UNTIL, fmt="html", out=tmp_path / "b.html")
    page = result.path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    assert page.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in page
    parser = TagCollector()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert tags.count("h1") == 1 and tags.count("h2") == 3 and tags.count("h3") == 3
    assert tags.count("li") == 3 and tags.count("article") == 3
    hrefs = [a["href"] for t, a in parser.tags if t == "a"]
    assert hrefs == ["#item-1", "#item-2", "#item-3", week["a2"].url, week["a3"].url, week["a1"].url]
    text = "".join(parser.text)
    assert f"{DEFAULT_CENTRE} 2026 年 11 月 15 日" in text
    assert "本期周报共收集 3 篇" in text and RANGE in text
    assert "1.标题：互联网医院监管数据统一上报" in text and "（人民邮电报）" in text
    assert "2026-11-12 来源：中国经济网" in text


def test_html_escapes_every_stored_string(articles, tmp_path):
    hostile = make_article(
        1, relevance=relevance(0.9),
        title="<script>alert(1)</script>医疗数据",
        site_name='光明网"><svg onload=alert(2)>',
        body="正常段落。\n<img src=x onerror=alert(3)>\n<a href=\"javascript:alert(4)\">点我</a>",
    )
    evil_link = make_article(2, relevance=relevance(0.8), title="坏链接",
                             url="javascript:alert(5)//https://health.gmw.cn/",
                             canonical_url="https://health.gmw.cn/2026-11/11/content_1.htm")
    store(articles, hostile, evil_link)
    result = build_bulletin(articles, SINCE, UNTIL, fmt="html", out=tmp_path / "b.html")
    page = result.path.read_text(encoding="utf-8")
    parser = TagCollector()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert tags <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "main", "section",
                    "h2", "p", "ol", "li", "a", "br", "span", "article", "h3", "h4", "div"}
    assert not any(k.startswith("on") for _, attrs in parser.tags for k in attrs)
    hrefs = [a["href"] for t, a in parser.tags if t == "a"]
    assert all(h.startswith(("#item-", "https://", "http://")) for h in hrefs)
    assert "<script>" not in page and "<img" not in page and "<svg" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;医疗数据" in page
    assert "&lt;img src=x onerror=alert(3)&gt;" in page
    assert "&lt;a href=&quot;javascript:alert(4)&quot;&gt;点我&lt;/a&gt;" in page
    # the javascript: URL is shown as text, never as a link
    assert "javascript:alert(5)//https://health.gmw.cn/" in "".join(parser.text)
    assert not any("javascript" in h for h in hrefs)


def test_docx_with_hostile_strings_stays_valid(articles, tmp_path):
    store(articles, make_article(1, relevance=relevance(0.9), title="<script>alert(1)</script>\x0b标题",
                                 body="<img src=x onerror=alert(3)>\n控制字符\x00\x1f也不会坏"))
    result = build_bulletin(articles, SINCE, UNTIL, fmt="docx", out=tmp_path / "b.docx")
    texts = [p.text for p in docx.Document(str(result.path)).paragraphs]
    assert "1.标题：<script>alert(1)</script>标题" in texts   # plain text in Word, never markup
    assert "控制字符也不会坏" in texts


# --- selection --------------------------------------------------------------------------------------
def test_pick_file_orders_and_resolves_urls(articles, week, tmp_path):
    reprint = reprint_of(week["a1"], 20)
    store(articles, reprint)
    pick = tmp_path / "picks.txt"
    pick.write_text(
        "\ufeff# this week's picks\n"
        f"{week['a1'].url}\n"
        "\n"
        # the ce article by its canonical URL (stored url is the adimg mirror)
        f"{week['a2'].canonical_url}\n"
        # the irrelevant one: picked by hand, so it is in
        f"{week['off'].url}\n"
        # a reprint of a1: same story, listed once
        f"{reprint.url}\n"
        # a1 again by a non-canonical spelling (http, tracking parameter)
        f"{week['a1'].url.replace('https://', 'http://')}?utm_source=wx\n",
        encoding="utf-8")
    urls = read_pick_file(pick)
    assert len(urls) == 5
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "b.md", pick=urls)
    assert result.written and result.mode == "file"
    assert [i.url for i in result.items] == [week["a1"].url, week["a2"].url, week["off"].url]
    assert sum("listed once" in n for n in result.notes) == 2
    assert any("not marked relevant" in n for n in result.notes)
    text = result.path.read_text(encoding="utf-8")
    assert "本期周报共收集 3 篇" in text
    assert text.count("### ") == 3


def test_pick_file_unknown_urls_are_reported_and_nothing_written(articles, week, tmp_path):
    out = tmp_path / "b.docx"
    missing = ["https://health.gmw.cn/2026-11/10/content_99999999.htm", "https://example.org/x"]
    result = build_bulletin(articles, SINCE, UNTIL, fmt="docx", out=out, pick=[week["a1"].url, *missing])
    assert not result.written and result.exit_code == 1
    assert result.unknown == missing
    assert all(u in result.message for u in missing)
    assert "nothing written" in result.message
    assert not out.exists()


def test_pick_outside_window_is_used_with_a_note(articles, week, tmp_path):
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "b.md",
                            pick=[week["outside"].url])
    assert [i.url for i in result.items] == [week["outside"].url]
    assert any("outside 2026-11-09 .. 2026-11-15" in n for n in result.notes)


def test_stored_picks_select_and_order(articles, week, tmp_path):
    articles.update_one({"canonical_url": week["a1"].canonical_url}, {"$set": {"bulletin": {"pick": True, "order": 2}}})
    articles.update_one({"canonical_url": week["off"].canonical_url}, {"$set": {"bulletin": {"pick": True, "order": 1}}})
    articles.update_one({"canonical_url": week["outside"].canonical_url}, {"$set": {"bulletin": {"pick": True, "order": 0}}})
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "b.md")
    assert result.mode == "stored"
    # outside the window: a pick of another week, not this one
    assert [i.url for i in result.items] == [week["off"].url, week["a1"].url]
    # a re-crawl of a picked article keeps the pick (the pipeline never overwrites `bulletin`)
    store(articles, week["a1"])
    assert articles.find_one({"canonical_url": week["a1"].canonical_url})["bulletin"] == {"pick": True, "order": 2}


def test_reprint_appears_once(articles, tmp_path):
    original = make_article(1, relevance=relevance(0.9), title="医保数据互通再提速")
    store(articles, original, reprint_of(original, 30), reprint_of(original, 31, site="ce", site_name="中国经济网",
                                                                    url="https://www.ce.cn/x/202611/12/t20261112_1.shtml",
                                                                    canonical_url="https://www.ce.cn/x/202611/12/t20261112_1.shtml"))
    doc = articles.find_one({"canonical_url": original.canonical_url})
    assert len(doc["also_at"]) == 2 and articles.count_documents({}) == 1
    # a second document with the same text (a reprint the dedup stage missed) is the same story
    twin = make_article(2, relevance=relevance(0.8), title="医保数据互通再提速（转载）", body=original.body,
                        content_hash="same-hash")
    articles.update_one({"canonical_url": original.canonical_url}, {"$set": {"content_hash": "same-hash"}})
    store(articles, twin)
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "b.md")
    assert [i.url for i in result.items] == [original.url]
    text = result.path.read_text(encoding="utf-8")
    assert text.count("医保数据互通再提速") == 3           # toc, heading, title above the body
    assert "本期周报共收集 1 篇" in text


def test_limit(articles, tmp_path):
    store(articles, *[make_article(i, relevance=relevance(i / 100)) for i in range(12)])
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "a.md")
    assert result.count == 10                                          # HEALTHCRAWL_BULLETIN_LIMIT default
    assert [i.score for i in result.items] == [i / 100 for i in range(11, 1, -1)]
    assert build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "b.md", limit=3).count == 3
    assert build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "c.md", limit=0).count == 12
    assert build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "d.md", default_limit=5).count == 5
    text = (tmp_path / "b.md").read_text(encoding="utf-8")
    assert "本期周报共收集 3 篇" in text


def test_same_score_newest_first(articles, tmp_path):
    store(articles, *[make_article(i, relevance=relevance(0.5)) for i in range(3)])
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "a.md")
    assert [i.published_at.day for i in result.items] == [12, 11, 10]



def test_order_key_is_the_one_place_of_the_order(articles, tmp_path, monkeypatch):
    """The ranked selection orders by select.order_key, whose score is select.rank_score: a ranking
    score plugged in there (one line) reorders the bulletin, limit and all."""
    from healthcrawl.reports import select

    store(articles, *[make_article(i, relevance=relevance(i / 10)) for i in range(1, 4)])
    urls = [i.url for i in build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "a.md").items]
    assert urls == [make_article(i).url for i in (3, 2, 1)]
    monkeypatch.setattr(select, "rank_score", lambda doc: -doc["relevance"]["score"])
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "b.md", limit=2)
    assert [i.url for i in result.items] == [make_article(i).url for i in (1, 2)]


def test_full_ties_are_ordered_by_canonical_url(articles, tmp_path):
    same = dict(relevance=relevance(0.5), published_at=datetime(2026, 11, 12, 9, 30, tzinfo=BEIJING))
    store(articles, *[make_article(i, **same) for i in (7, 5, 6)])
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "a.md")
    assert [i.url for i in result.items] == sorted(make_article(i).url for i in (5, 6, 7))

def test_empty_week_writes_nothing(articles, week, tmp_path):
    out = tmp_path / "b.docx"
    result = build_bulletin(articles, date(2026, 12, 1), date(2026, 12, 7), fmt="docx", out=out)
    assert not result.written and result.exit_code == 1 and result.count == 0
    assert "no relevant articles published 2026-12-01 .. 2026-12-07" in result.message
    assert "nothing written" in result.message
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_header_options(articles, week, tmp_path):
    result = build_bulletin(articles, SINCE, UNTIL, fmt="md", out=tmp_path / "b.md", centre="某研究中心",
                            issue_date=date(2026, 11, 16), scope="四家新闻网站")
    text = result.path.read_text(encoding="utf-8")
    assert text.startswith("# 某研究中心 2026 年 11 月 16 日\n")
    assert "监测范围包括四家新闻网站。" in text


def test_bad_arguments(articles):
    with pytest.raises(ValueError, match="format"):
        build_bulletin(articles, SINCE, UNTIL, fmt="pdf", out=Path("x"))
    with pytest.raises(ValueError, match="after"):
        build_bulletin(articles, UNTIL, SINCE, fmt="md", out=Path("x"))
    with pytest.raises(ValueError, match="limit"):
        build_bulletin(articles, SINCE, UNTIL, fmt="md", out=Path("x"), limit=-1)


# --- the command line -------------------------------------------------------------------------------
@pytest.fixture
def cli(mongod, mongo_db, monkeypatch):
    """`healthcrawl bulletin …` through add_bulletin_parser, against the test database."""
    overrides: dict = {"MONGO_URI": mongod.uri, "HEALTHCRAWL_EMBEDDED_MONGO": False}
    monkeypatch.setattr(bulletin_command, "project_settings", lambda: project_settings(overrides))

    def run(*argv: str) -> int:
        parser = argparse.ArgumentParser(prog="healthcrawl")
        sub = parser.add_subparsers(dest="command", required=True)
        add_bulletin_parser(sub)
        args = parser.parse_args(["bulletin", *argv, "--database", mongo_db.name])
        return args.func(args)

    run.settings = overrides
    return run


def test_cli_writes_the_bulletin(cli, week, tmp_path, capsys):
    out = tmp_path / "week.docx"
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--out", str(out)) == 0
    assert f"wrote {out}: 3 article(s)" in capsys.readouterr().out
    assert len([p for p in docx.Document(str(out)).paragraphs if p.style.name == "List Number"]) == 3


def test_cli_reads_limit_and_centre_settings(cli, week, tmp_path):
    cli.settings.update({"HEALTHCRAWL_BULLETIN_LIMIT": 2, "HEALTHCRAWL_BULLETIN_CENTRE": "设置里的中心"})
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--format", "md", "--out", str(tmp_path)) == 0
    text = (tmp_path / "bulletin-2026-11-15.md").read_text(encoding="utf-8")
    assert text.startswith("# 设置里的中心 2026 年 11 月 15 日")
    assert "共收集 2 篇" in text
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--format", "md", "--limit", "0",
               "--out", str(tmp_path / "all.md")) == 0
    assert "共收集 3 篇" in (tmp_path / "all.md").read_text(encoding="utf-8")


def test_cli_pick_file(cli, week, tmp_path, capsys):
    pick = tmp_path / "picks.txt"
    pick.write_text(f"{week['a3'].url}\n{week['a1'].url}\nhttps://www.gmw.cn/nowhere.htm\n", encoding="utf-8")
    out = tmp_path / "b.html"
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--format", "html", "--pick", str(pick),
               "--out", str(out)) == 1
    err = capsys.readouterr().err
    assert "https://www.gmw.cn/nowhere.htm" in err and "nothing written" in err
    assert not out.exists()
    pick.write_text(f"{week['a3'].url}\n{week['a1'].url}\n", encoding="utf-8")
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--format", "html", "--pick", str(pick),
               "--out", str(out)) == 0
    page = out.read_text(encoding="utf-8")
    assert page.index("电子病历共享试点扩围") < page.index("区域健康信息平台接入进度通报")


def test_cli_empty_week(cli, week, mongo_db, tmp_path, capsys):
    out = tmp_path / "b.docx"
    assert cli("--since", "2027-01-01", "--until", "2027-01-07", "--out", str(out)) == 1
    assert (f"database {mongo_db.name} holds no relevant articles published 2027-01-01 .. 2027-01-07 "
            f"(Beijing time): nothing written") in capsys.readouterr().err
    assert not out.exists()


def test_cli_names_the_database_it_read(cli, week, mongo_db, tmp_path, capsys):
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--out", str(tmp_path)) == 0
    assert f"from database {mongo_db.name}" in capsys.readouterr().out


def test_empty_database_says_so_and_names_one_with_articles(articles, week, tmp_path):
    empty = articles.database.client[f"{articles.database.name}_empty"][ARTICLES]
    try:
        result = build_bulletin(empty, SINCE, UNTIL, fmt="md", out=tmp_path / "b.md")
    finally:
        empty.database.client.drop_database(empty.database.name)
    assert not result.written and result.exit_code == 1
    assert result.message.startswith(f"database {empty.database.name} holds no articles at all (articles are in ")
    assert articles.database.name in result.message and "nothing written" in result.message


def test_cli_bad_date_is_a_usage_error(cli):
    with pytest.raises(SystemExit) as exc:
        cli("--since", "last week", "--until", "2026-11-15")
    assert exc.value.code == 2


def test_cli_unreachable_database(mongo_db, monkeypatch, capsys):
    from healthcrawl.storage.mongod import free_port

    uri = f"mongodb://user:secret@127.0.0.1:{free_port()}"
    monkeypatch.setattr(bulletin_command, "project_settings",
                        lambda: project_settings({"MONGO_URI": uri, "MONGO_CONNECT_TIMEOUT": 0.5}))
    code = bulletin_command.main(["--since", "2026-11-09", "--until", "2026-11-15"])
    err = capsys.readouterr().err
    assert code == 2 and "unreachable" in err and "secret" not in err
