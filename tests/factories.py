"""Articles made up for storage and pipeline tests (texts written for the tests), and the labelled
data sets of tests/data."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path

from healthcrawl.article import BEIJING, Article

DATA = Path(__file__).parent / "data"

BODY = (
    "市卫生健康委员会近日发布通知，要求各级医院在年底前接入区域健康信息平台，"
    "实现检查检验结果互认和电子病历共享。\n"
    "通知提出，将依托医疗大数据中心建设统一的数据标准，推进互联网医院与基层医疗卫生机构协同。\n"
    "业内人士认为，这一举措有助于减少重复检查，提升群众就医体验。"
)


def make_article(i: int = 0, **overrides) -> Article:
    url = f"https://health.gmw.cn/2026-11/{10 + i % 5:02d}/content_{37000000 + i}.htm"
    values = dict(
        url=url,
        canonical_url=url,
        site="gmw",
        site_name="光明网",
        channel="资讯速递",
        title=f"医疗数据互通试点第{i}批医院名单公布",
        published_at=datetime(2026, 11, 10 + i % 5, 9, 30, tzinfo=BEIJING),
        source="光明网",
        editor="王一",
        body=BODY + f"\n第{i}号测试段落。",
        crawl={"spider": "gmw", "template": "gmw-2018", "fields": {"title": "h1.u-title"}},
    )
    values.update(overrides)
    return Article(**values)


def jsonl(name: str) -> list[dict]:
    """The records of ``tests/data/<name>`` (JSON lines; blank lines skipped)."""
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def dedup_pairs() -> dict[str, dict]:
    """The labelled pairs of tests/data/dedup_pairs.jsonl (reprints and distinct stories), by id."""
    return {p["id"]: p for p in jsonl("dedup_pairs.jsonl")}
