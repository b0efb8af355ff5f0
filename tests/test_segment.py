"""healthcrawl.text.segment re-implements jieba's precise-mode cut for speed; it must give exactly
jieba's words (the text index, the keywords and the lexicon all depend on them).

Compared with the project tokenizer's own ``lcut`` / ``lcut_for_search`` (HMM on) over every
title and body of the demo week (written for the project), bodies from the benchmark
corpus's generator and strings chosen for the corners:
full-width letters, digits with units, English runs, names the HMM must join, repeated
characters, a block longer than any dictionary word, punctuation only.
"""

from __future__ import annotations

import re

import pytest

from healthcrawl.text import segment
from tools.sitegen import week as articles

TRICKY = [
    "",
    "。，、",
    "医",
    "５Ｇ＋医疗健康，ＡＩ辅助诊断",
    "国家卫生健康委2026年11月10日发布《关于推进“互联网+医疗健康”发展的意见》",
    "大模型在CT影像诊断中的准确率达到97.5%，协和医院、华山医院参与",
    "赵一鸣和钱多多在乌鲁木齐市第一人民医院见面",
    "的的的的的的",
    "医共体医联体互联网医院医保DRG/DIP支付方式改革",
    "上海市浦东新区人民政府" * 4,
    "DeepSeek-R1与ChatGPT模型 v2.1 在 3 家医院试用",
]


def demo_texts() -> list[str]:
    """The demo week's titles and bodies, and 300 bodies of the benchmark corpus's generator."""
    import random

    from bench.corpus import paragraphs

    stories = [*articles.GMW, *articles.CHINANEWS, *articles.CE, *articles.CNII]
    generated = ["\n".join(paragraphs(random.Random(n), n % 3 > 0)) for n in range(300)]
    return [text for story in stories for text in (story.title, story.body) if text] + generated


@pytest.mark.parametrize("text", TRICKY)
def test_words_are_jiebas_words_on_corner_cases(text):
    assert segment.words(text) == segment.tokenizer().lcut(text)


def test_words_and_search_tokens_are_jiebas_on_the_demo_week():
    tok = segment.tokenizer()
    word = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]")
    texts = demo_texts()
    assert len(texts) > 400 and sum(map(len, texts)) > 200_000
    for text in texts:
        assert segment.words(text) == tok.lcut(text), text[:60]
        expected = " ".join(t for t in tok.lcut_for_search(text) if word.search(t))
        assert segment.search_tokens(text) == expected, text[:60]


def test_block_cache_is_bounded_and_gives_the_same_words(monkeypatch):
    monkeypatch.setattr(segment, "BLOCK_CACHE_SIZE", 8)
    monkeypatch.setattr(segment, "_blocks", {})
    text = "，".join(f"第{n}家互联网医院接入省级全民健康信息平台" for n in range(40))
    first = segment.words(text)
    assert len(segment._blocks) <= 8
    assert segment.words(text) == first == segment.tokenizer().lcut(text)


def test_search_tokens_leave_out_tokens_without_a_letter_digit_or_cjk():
    text = "医保--改革...推进 %% 5G+医疗 a.b"
    word = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]")
    expected = " ".join(t for t in segment.tokenizer().lcut_for_search(text) if word.search(t))
    assert segment.search_tokens(text) == expected
    assert "--" not in segment.search_tokens(text).split()
