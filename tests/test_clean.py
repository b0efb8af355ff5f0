"""The boilerplate rule set (healthcrawl.text.boilerplate) and the CleanPipeline that applies it:
whitespace, paragraphs and leftover page furniture."""

from __future__ import annotations

from datetime import datetime

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from healthcrawl.article import BEIJING, Article
from healthcrawl.text.boilerplate import ARTICLE_END, FURNITURE_LINE, clean_paragraphs
from healthcrawl.text.whitespace import squash
from pipelines.clean import CleanPipeline, clean_body


class PlainSpider(scrapy.Spider):
    name = "plain"


def make_pipeline():
    crawler = get_crawler(PlainSpider, {})
    crawler.spider = crawler._create_spider()
    return CleanPipeline.from_crawler(crawler), crawler


def stat(crawler, what):
    return crawler.stats.get_value(f"healthcrawl/clean/{what}", 0)


def article(**fields) -> Article:
    values = dict(url="https://health.gmw.cn/2026-11/10/content_1.htm", title="标题",
                  published_at=datetime(2026, 11, 10, 9, 0, tzinfo=BEIJING), body="正文")
    values.update(fields)
    return Article(**values)


@pytest.mark.parametrize("raw, expected", [
    ("\u3000\u3000国家卫健委\u00a0发布  通知\t", "国家卫健委 发布 通知"),
    ("医\u200b保\ufeff信息平台", "医保信息平台"),
    ("  ", ""),
    (None, ""),
    ("AI 如何“智”变医疗？", "AI 如何“智”变医疗？"),
])
def test_squash(raw, expected):
    assert squash(raw) == expected


def test_paragraphs_kept_and_empty_ones_dropped():
    body = "\u3000\u3000第一段内容。\n\n \u3000\n第二段\u00a0内容。\r\n第三段。\n"
    text, counts, editor = clean_body(body)
    assert text == "第一段内容。\n第二段 内容。\n第三段。"
    assert counts["empty_paragraph"] == 3
    assert counts["whitespace"] >= 2
    assert editor is None


@pytest.mark.parametrize("line, what", [
    ("责编：张倩", "editor_line"),
    ("[责编：张倩]", "editor_line"),
    ("【编辑:陈海峰】", "editor_line"),
    ("（责任编辑：王小明）", "editor_line"),
    ("(责任编辑：王小明) 【审核：李四】", "editor_line"),
    ("(完)", "end_mark"),
    ("（完）", "end_mark"),
    ("更多精彩内容，请点击进入中国经济网健康频道", "more_link"),
    ("更多精彩资讯请关注中国信息产业网", "more_link"),
    ("【上一篇】国家医保局发布新版目录", "prev_next"),
    ("【下一篇】 全国卫生健康工作会议召开", "prev_next"),
    ("扫一扫，分享到微信朋友圈", "share_text"),
    ("微信扫一扫：分享", "share_text"),
    ("扫一扫在手机打开当前页", "share_text"),
    ("分享到：", "share_text"),
    ("【打印】 【关闭】", "page_tools"),
    ("相关新闻", "related"),
    ("【相关阅读】", "related"),
    ("版权所有：某市卫生健康委员会 地址：某市人民路1号", "footer"),
    ("Copyright © 2026 某某网 版权所有 京ICP备00000000号", "footer"),
    ("免责声明：本文仅代表作者观点，与本网无关。", "footer"),
    ("京ICP备12345678号-1 京公网安备11010502030000号", "footer"),
])
def test_boilerplate_paragraphs_removed(line, what):
    body = f"国家卫生健康委员会今天印发通知。\n{line}\n第二段正文。"
    text, counts, _ = clean_body(body)
    assert text == "国家卫生健康委员会今天印发通知。\n第二段正文。"
    assert counts[what] == 1


@pytest.mark.parametrize("last, expected", [
    ("这是人工智能在医学领域应用时所需要面对的问题。(完)", "这是人工智能在医学领域应用时所需要面对的问题。"),
    ("会议在北京召开。（完）【编辑:陈海峰】", "会议在北京召开。"),
    ("会议在北京召开。（责任编辑：王小明）", "会议在北京召开。"),
    ("会议在北京召开。 [责编：张倩]", "会议在北京召开。"),
])
def test_boilerplate_tails_removed(last, expected):
    text, _, _ = clean_body(f"第一段。\n{last}")
    assert text == f"第一段。\n{expected}"


@pytest.mark.parametrize("para", [
    "更多患者可以通过手机查看检查报告，点击小程序即可。",
    "扫一扫二维码就能挂号，患者在家即可完成预约。",
    "编辑部收到的读者来信中，有关医保报销的问题最多，共有三百多封来信反映了异地就医结算难的情况。",
    "《光明日报》（2024年05月20日 03版）",
    "中新网上海6月2日电 (记者 陈静)记者2日获悉。",
    "完成（完善）电子病历系统建设。",
    "相关新闻发布后，各地卫生健康部门迅速行动。",
    "版权所有人可以依法向平台主张权利，平台应当及时处理。",
])
def test_article_text_is_not_mistaken_for_boilerplate(para):
    text, counts, _ = clean_body(para)
    assert text == para
    assert not counts


def test_pipeline_cleans_fields_and_counts():
    pipeline, crawler = make_pipeline()
    item = article(
        title="\u3000“5G+AI”助重症患者\u00a0“表情达意”\n",
        source="来源：人民邮电报",
        author="  作者：张三 ",
        editor=" ",
        body="\u3000\u3000近日，平台正式投入临床测试。\n\n（责任编辑：王小明）\n扫一扫，分享到微信\n(完)",
        keywords=[" 5G ", "", "AI", "5G"],
    )
    out = pipeline.process_item(item)
    assert out is item
    assert item.title == "“5G+AI”助重症患者 “表情达意”"
    assert item.source == "人民邮电报"
    assert item.author == "张三"
    assert item.editor == "王小明"  # found in the body, the field was empty
    assert item.body == "近日，平台正式投入临床测试。"
    assert item.keywords == ["5G", "AI"]
    assert stat(crawler, "editor_line") == 1
    assert stat(crawler, "share_text") == 1
    assert stat(crawler, "end_mark") == 1
    assert stat(crawler, "empty_paragraph") == 1
    assert stat(crawler, "label") == 2
    assert stat(crawler, "editor_from_body") == 1
    assert stat(crawler, "items_changed") == 1


def test_pipeline_editor_label_and_existing_editor_kept():
    pipeline, crawler = make_pipeline()
    item = article(editor="【编辑:陈海峰】", body="正文一段。\n责编：李四")
    pipeline.process_item(item)
    assert item.editor == "陈海峰"
    assert item.body == "正文一段。"
    assert stat(crawler, "editor_from_body") == 0


def test_clean_item_is_unchanged_and_not_counted():
    pipeline, crawler = make_pipeline()
    item = article(title="国家卫健委发布通知", source="光明网", body="第一段。\n第二段。")
    pipeline.process_item(item)
    assert item.body == "第一段。\n第二段。"
    assert stat(crawler, "items_changed") == 0


def test_dict_items_work_too():
    pipeline, _ = make_pipeline()
    item = {"url": "u", "title": " 标题 ", "body": "一\n\n二", "source": None}
    pipeline.process_item(item)
    assert item == {"url": "u", "title": "标题", "body": "一\n二", "source": None}


@pytest.mark.parametrize("paragraphs, kept, editor", [
    (["正文一。", "正文二。", "（责任编辑：刘佳）"], ["正文一。", "正文二。"], "刘佳"),
    (["正文一。", "正文二。（责任编辑：王宁）"], ["正文一。", "正文二。"], "王宁"),
    (["第一段。", "第二段。(完)"], ["第一段。", "第二段。"], None),
    (["第一段。", "( 完 )"], ["第一段。"], None),
    (["【上一篇】国家医保局发布新版目录", "正文。"], ["正文。"], None),
    (["完成了全年目标。"], ["完成了全年目标。"], None),
    ([], [], None),
])
def test_rule_set_on_extracted_paragraphs(paragraphs, kept, editor):
    """The templates and the fallback apply the same rules to the paragraphs they read."""
    assert clean_paragraphs(paragraphs) == (kept, editor)


@pytest.mark.parametrize("line, furniture, end", [
    ("分享到：微信 微博", True, True),
    ("相关新闻", True, True),
    ("责任编辑：王宁", True, True),
    ("Copyright © 2026 某某网", True, False),
    ("打印本页", True, False),
    ("国家卫健委印发通知，推进全民健康信息平台建设。", False, False),
])
def test_line_starts_for_the_density_extractor(line, furniture, end):
    assert bool(FURNITURE_LINE.match(line)) is furniture
    assert bool(ARTICLE_END.match(line)) is end
