"""Date strings as the four sites print them → timezone-aware Beijing datetimes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from healthcrawl.text import dates
from healthcrawl.article import BEIJING


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.mark.parametrize("text, year, expected", [
    ("2024-05-20 03:15", None, bj(2024, 5, 20, 3, 15)),
    ("2024-05-13 08:49:21.0", None, bj(2024, 5, 13, 8, 49, 21)),            # gmw enpproperty
    ("2020-07-04 12:10:24", None, bj(2020, 7, 4, 12, 10, 24)),              # chinanews #pubtime_baidu
    ("2020年07月04日 12:10\u3000来源：求是网", None, bj(2020, 7, 4, 12, 10)),  # chinanews div.left-t
    ("2025年05月21日 07:44", None, bj(2025, 5, 21, 7, 44)),                  # ce span#articleTime
    ("2025.05.21", None, bj(2025, 5, 21)),                                  # cnii list date
    ("发布时间：2026/11/10", None, bj(2026, 11, 10)),
    ("2026年11月9日", None, bj(2026, 11, 9)),                               # date only
    ("11-10 12:10", 2026, bj(2026, 11, 10, 12, 10)),                        # chinanews list, year from the URL
    ("5月21日 07:44", 2025, bj(2025, 5, 21, 7, 44)),
    ("来源：光明网 2024-05-20 03:15 分享", None, bj(2024, 5, 20, 3, 15)),     # noise around the date
    ("2024-02-30 10:00 then 2024-03-01 09:00", None, bj(2024, 3, 1, 9, 0)),  # impossible date skipped
    ("20261110", None, bj(2026, 11, 10)),
])
def test_find_datetime(text, year, expected):
    got = dates.find_datetime(text, year)
    assert got == expected
    assert got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("text", ["", None, "责编：杨煜", "第12版", "11-10 12:10"])
def test_no_date(text):
    assert dates.find_datetime(text) is None


def test_dateparser_handles_what_the_patterns_miss():
    got = dates.find_datetime("2024年5月20日上午9时")
    assert got is not None and got.date() == date(2024, 5, 20)
    assert got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("url, expected", [
    ("https://digital.gmw.cn/2025-05/20/content_38036147.htm", date(2025, 5, 20)),
    ("https://www.chinanews.com.cn/sh/2025/06-02/10425976.shtml", date(2025, 6, 2)),
    ("https://www.ce.cn/xwzx/gnsz/gdxw/202505/21/t20250521_39387164.shtml", date(2025, 5, 21)),
    ("https://www.ce.cn/xwzx/gnsz/gdxw/202507/t20250703_1234567.shtml", date(2025, 7, 3)),
    ("https://www.cnii.com.cn/rmydb/202506/t20250606_654321.html", date(2025, 6, 6)),
    ("https://rmydb.cnii.com.cn/html/2025/20250606/20250606_003/20250606_003_01_1234.html", date(2025, 6, 6)),
    # people.com.cn: /n1/YYYY/MMDD/
    ("http://health.people.com.cn/n1/2024/0517/c14739-40238011.html", date(2024, 5, 17)),
    ("http://politics.people.com.cn/n1/2024/1231/c1001-1.html", date(2024, 12, 31)),
    ("https://www.example.com.cn/2024/05/17/story.html", date(2024, 5, 17)),
    ("https://www.example.com.cn/news/2024-05-17/1.html", date(2024, 5, 17)),
    ("https://www.example.com.cn/news/a_2024-05-17.html", date(2024, 5, 17)),
    ("http://health.people.com.cn/n1/2024/1345/c1.html", None),  # no month 13
    ("https://www.example.com.cn/2024/0517.html", None),  # a file, not a day folder
    ("https://www.gmw.cn/", None),
])
def test_date_from_url(url, expected):
    got = dates.date_from_url(url)
    assert (got.date() if got else None) == expected
    if got:
        assert got.tzinfo is BEIJING


def test_window_bounds():
    today = date(2026, 11, 22)
    assert dates.parse_day("2026-11-09") == date(2026, 11, 9)
    assert dates.parse_day("7d", today=today) == date(2026, 11, 15)
    with pytest.raises(ValueError):
        dates.parse_day("last week")
    start, end = dates.day_start(date(2026, 11, 9)), dates.day_end(date(2026, 11, 15))
    assert start.astimezone(timezone.utc) == datetime(2026, 11, 8, 16, 0, tzinfo=timezone.utc)
    assert end == bj(2026, 11, 15, 23, 59, 59, 999999)
