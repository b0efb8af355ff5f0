"""Editors' labels in MongoDB (healthcrawl/storage/labels.py), against a real mongod."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from healthcrawl.storage import labels

URL = "https://www.gmw.cn/health/2026-01/05/content_1.htm"


def test_add_label_stores_one_event_with_canonical_url(mongo_db):
    doc = labels.add_label(mongo_db, URL + "?utm_source=x", "relevant", "editor-a", "cli")
    assert doc["url"] == labels.labels_for(mongo_db, [URL])[URL]["url"]
    assert doc["label"] == "relevant" and doc["relevant"] is True
    assert doc["who"] == "editor-a" and doc["screen"] == "cli" and doc["at"].tzinfo is not None
    stored = mongo_db[labels.LABELS].find_one({"_id": doc["_id"]})
    assert stored["given_url"].endswith("utm_source=x")
    assert "url_at" in mongo_db[labels.LABELS].index_information()


def test_latest_event_wins_and_history_stays(mongo_db):
    t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    labels.add_label(mongo_db, URL, "irrelevant", "a", "desk", at=t0 + timedelta(hours=1))
    labels.add_label(mongo_db, URL, "relevant", "b", "bulletin", at=t0)
    other = "https://www.ce.cn/x/1.shtml"
    labels.add_label(mongo_db, other, "relevant", "a", "cli", at=t0)
    found = labels.labels_for(mongo_db, [URL, other, "https://nowhere.example/"])
    assert found[URL]["label"] == "irrelevant" and found[URL]["who"] == "a"
    assert found[other]["label"] == "relevant"
    assert "https://nowhere.example/" not in found
    assert [d["label"] for d in labels.all_labels(mongo_db)] == ["relevant", "relevant", "irrelevant"]
    assert labels.latest_labels(mongo_db)[found[URL]["url"]]["label"] == "irrelevant"


def test_naive_time_is_utc(mongo_db):
    doc = labels.add_label(mongo_db, URL, "relevant", "a", "cli", at=datetime(2026, 1, 1, 12))
    assert doc["at"] == datetime(2026, 1, 1, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("args", [(URL, "maybe", "a", "cli"), ("", "relevant", "a", "cli"),
                                  (URL, "relevant", "", "cli")])
def test_bad_labels_are_refused(mongo_db, args):
    with pytest.raises(ValueError):
        labels.add_label(mongo_db, *args)
    assert labels.all_labels(mongo_db) == []
