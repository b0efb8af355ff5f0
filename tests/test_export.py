"""healthcrawl/reports/export.py against a real mongod: CSV (Excel) and JSON lines, relevant or --all."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import date, datetime, timezone

import pytest

from healthcrawl.cli import export as export_command
from healthcrawl.storage.collections import ARTICLES, ensure_indexes
from healthcrawl.storage.records import article_record, write_records
from healthcrawl.article import BEIJING, SCHEMA_VERSION
from healthcrawl.cli.export import add_export_parser
from healthcrawl.reports.export import CSV_COLUMNS, INTERNAL_FIELDS, export
from healthcrawl.project import project_settings
from tests.factories import make_article

SINCE, UNTIL = date(2026, 11, 9), date(2026, 11, 15)
SEEN = datetime(2026, 11, 12, 2, 0, 0, 123000, tzinfo=timezone.utc)


def relevance(score: float, relevant: bool = True) -> dict:
    return {"score": score, "relevant": relevant,
            "matched": {"health": ["医院", "卫生健康"], "digital": ["大数据"], "policy": []},
            "lexicon_version": 3}


@pytest.fixture
def articles(mongo_db):
    coll = mongo_db[ARTICLES]
    ensure_indexes(mongo_db)
    a1 = make_article(1, relevance=relevance(0.8), top_keywords=["医疗", "数据", "互认"],
                      keywords=["健康", "平台"], images=["https://img.gmw.cn/1.jpg", "https://img.gmw.cn/2.jpg"],
                      content_hash="h1", dedup={"bands": ["b1", "b2"]}, author="李二")
    a2 = make_article(2, relevance=relevance(0.6), title="=HYPERLINK(\"http://evil\")医疗数据",
                      crawl={"spider": "gmw", "template": "fallback", "date_source": "url"})
    off = make_article(3, relevance=relevance(0.1, relevant=False), title="无关新闻")
    outside = make_article(4, relevance=relevance(0.9), published_at=datetime(2026, 11, 16, 0, 0, tzinfo=BEIJING))
    reprint_url = "https://www.chinanews.com.cn/jk/2026/11-11/10400001.shtml"
    reprint = make_article(5, url=reprint_url, canonical_url=reprint_url, site="chinanews", site_name="中国新闻网",
                           published_at=datetime(2026, 11, 11, 8, 0, tzinfo=BEIJING),
                           duplicate_of={"canonical_url": a1.canonical_url, "reason": "content_hash",
                                         "similarity": 1.0})
    write_records(coll, [article_record(a, now=SEEN) for a in (a1, a2, off, outside, reprint)])
    coll.articles = {"a1": a1, "a2": a2, "off": off, "outside": outside, "reprint": reprint}
    return coll


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV for Excel starts with a UTF-8 BOM"
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    return list(reader)


def test_csv_relevant_articles(articles, tmp_path):
    out = tmp_path / "week.csv"
    result = export(articles, SINCE, UNTIL, "csv", out)
    assert result.count == 2 and result.path == out
    rows = read_csv(out.read_bytes())
    a1, a2 = articles.articles["a1"], articles.articles["a2"]
    assert [r["url"] for r in rows] == [a1.url, a2.url]              # oldest first
    r = rows[0]
    assert r["published_at"] == "2026-11-11T09:30:00+08:00"          # Beijing time, with offset
    assert r["title"] == a1.title and r["site_name"] == "光明网" and r["channel"] == "资讯速递"
    assert r["body"] == a1.body and "\n" in r["body"]                # paragraphs kept in one cell
    assert r["top_keywords"] == "医疗; 数据; 互认"
    assert r["keywords"] == "健康; 平台"
    assert r["images"] == "https://img.gmw.cn/1.jpg; https://img.gmw.cn/2.jpg"
    assert r["matched_health"] == "医院; 卫生健康" and r["matched_digital"] == "大数据" and r["matched_policy"] == ""
    assert (r["relevant"], r["relevance_score"], r["lexicon_version"]) == ("true", "0.8", "3")
    assert r["also_at_count"] == "1"
    assert r["also_at_urls"] == articles.articles["reprint"].url and r["also_at_sites"] == "中国新闻网"
    assert r["first_seen"] == "2026-11-12T10:00:00.123+08:00"
    assert r["author"] == "李二" and r["editor"] == "王一" and r["content_hash"] == "h1"
    assert (r["template"], r["spider"]) == ("gmw-2018", "gmw")
    assert rows[1]["template"] == "fallback" and rows[1]["date_source"] == "url"
    # a cell Excel would run as a formula is neutralised
    assert rows[1]["title"] == "'" + a2.title
    # CRLF row ends (RFC 4180, what Excel writes)
    assert out.read_bytes().split(b"\n", 1)[0].endswith(b"\r")


def test_csv_all_includes_irrelevant(articles, tmp_path):
    out = tmp_path / "all.csv"
    assert export(articles, SINCE, UNTIL, "csv", out, include_all=True).count == 3
    rows = read_csv(out.read_bytes())
    assert {r["title"] for r in rows} >= {"无关新闻"}
    assert [r["relevant"] for r in rows].count("false") == 1
    # no window: everything stored (the reprint is not a document of its own)
    assert export(articles, None, None, "csv", tmp_path / "x.csv", include_all=True).count == 4


def test_jsonl(articles, tmp_path):
    out = tmp_path / "week.jsonl"
    assert export(articles, SINCE, UNTIL, "jsonl", out).count == 2
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8").splitlines()
    docs = [json.loads(line) for line in lines]
    assert len(docs) == 2
    for doc in docs:
        assert not set(INTERNAL_FIELDS) & set(doc)
        assert doc["published_at"].endswith("+08:00")
        assert doc["first_seen"] == doc["last_seen"] == "2026-11-12T10:00:00.123+08:00"
    doc = docs[0]
    # the Article's fields in their documented order, storage-managed ones after them
    assert list(doc)[:4] == ["url", "canonical_url", "site", "site_name"]
    assert list(doc)[-2:] == ["first_seen", "last_seen"]
    a1 = articles.articles["a1"]
    assert doc["title"] == a1.title and doc["body"] == a1.body          # not escaped (ensure_ascii off)
    assert "医疗" in lines[0]
    assert doc["published_at"] == "2026-11-11T09:30:00+08:00"
    assert doc["relevance"]["matched"]["health"] == ["医院", "卫生健康"]
    assert doc["top_keywords"] == ["医疗", "数据", "互认"]
    assert doc["crawl"]["template"] == "gmw-2018"
    assert doc["schema_version"] == SCHEMA_VERSION
    [entry] = doc["also_at"]
    assert entry["url"] == articles.articles["reprint"].url
    assert entry["published_at"] == "2026-11-11T08:00:00+08:00"
    assert docs[1]["title"].startswith("=HYPERLINK")                    # JSON keeps the exact text


def test_jsonl_all(articles, tmp_path):
    out = tmp_path / "all.jsonl"
    assert export(articles, SINCE, UNTIL, "jsonl", out, include_all=True).count == 3
    titles = [json.loads(l)["title"] for l in out.read_text(encoding="utf-8").splitlines()]
    assert "无关新闻" in titles


def test_window_is_beijing_days(articles, tmp_path):
    # the "outside" article is 00:00 Beijing on the 16th (16:00 UTC on the 15th): not in ..15
    out = tmp_path / "x.jsonl"
    export(articles, SINCE, UNTIL, "jsonl", out, include_all=True)
    assert articles.articles["outside"].url not in out.read_text(encoding="utf-8")
    export(articles, date(2026, 11, 16), date(2026, 11, 16), "jsonl", out)
    assert [json.loads(l)["url"] for l in out.read_text(encoding="utf-8").splitlines()] == [
        articles.articles["outside"].url]


def test_empty_export_has_a_header(articles, tmp_path):
    out = tmp_path / "none.csv"
    assert export(articles, date(2027, 1, 1), date(2027, 1, 7), "csv", out).count == 0
    assert read_csv(out.read_bytes()) == []


def test_export_to_a_stream(articles):
    buf = io.StringIO()
    assert export(articles, SINCE, UNTIL, "jsonl", buf).count == 2
    assert len(buf.getvalue().splitlines()) == 2


def test_bad_arguments(articles, tmp_path):
    with pytest.raises(ValueError, match="format"):
        export(articles, SINCE, UNTIL, "xlsx", tmp_path / "x")
    with pytest.raises(ValueError, match="after"):
        export(articles, UNTIL, SINCE, "csv", tmp_path / "x")


# --- the command line -------------------------------------------------------------------------------
@pytest.fixture
def cli(mongod, mongo_db, monkeypatch):
    monkeypatch.setattr(export_command, "project_settings",
                        lambda: project_settings({"MONGO_URI": mongod.uri, "HEALTHCRAWL_EMBEDDED_MONGO": False}))

    def run(*argv: str) -> int:
        parser = argparse.ArgumentParser(prog="healthcrawl")
        sub = parser.add_subparsers(dest="command", required=True)
        add_export_parser(sub)
        args = parser.parse_args(["export", *argv, "--database", mongo_db.name])
        return args.func(args)

    return run


def test_cli_export_to_file(cli, articles, tmp_path, capsys):
    out = tmp_path / "week.csv"
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--format", "csv", "--out", str(out)) == 0
    assert "exported 2 relevant article(s) as csv" in capsys.readouterr().err
    assert len(read_csv(out.read_bytes())) == 2
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--format", "csv", "--all", "--out", str(out)) == 0
    assert len(read_csv(out.read_bytes())) == 3


def test_cli_export_to_stdout(cli, articles, capsysbinary):
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--format", "jsonl") == 0
    captured = capsysbinary.readouterr()
    lines = captured.out.decode("utf-8").splitlines()
    assert len(lines) == 2 and all(json.loads(l)["published_at"].endswith("+08:00") for l in lines)
    assert b"exported 2" in captured.err


def test_cli_rejects_bad_format(cli):
    with pytest.raises(SystemExit) as exc:
        cli("--format", "xlsx")
    assert exc.value.code == 2


def test_cli_names_the_database_it_read(cli, articles, mongo_db, tmp_path, capsys):
    assert cli("--since", "2026-11-09", "--until", "2026-11-15", "--out", str(tmp_path / "w.csv")) == 0
    assert f"from database {mongo_db.name}" in capsys.readouterr().err


def test_cli_says_when_the_window_holds_nothing(cli, articles, mongo_db, tmp_path, capsys):
    out = tmp_path / "none.csv"
    # the window holds one article, not marked relevant
    articles.update_many({}, {"$set": {"relevance.relevant": False}})
    assert cli("--since", "2026-11-12", "--until", "2026-11-12", "--out", str(out)) == 0
    err = capsys.readouterr().err
    assert (f"database {mongo_db.name} holds no relevant articles published 2026-11-12 .. 2026-11-12 "
            f"(Beijing time); 1 article(s) there are not marked relevant (--all exports them)") in err
    assert read_csv(out.read_bytes()) == []                      # still a valid, header-only CSV
    assert cli("--since", "2027-01-01", "--until", "2027-01-07", "--all", "--out", str(out)) == 0
    err = capsys.readouterr().err
    assert f"database {mongo_db.name} holds no articles published 2027-01-01 .. 2027-01-07" in err
    assert "--all exports them" not in err


def test_cli_on_an_empty_database_names_the_one_with_articles(cli, articles, mongo_db, mongod, capsysbinary):
    import pymongo

    client = pymongo.MongoClient(mongod.uri)
    empty = f"{mongo_db.name}_empty"
    try:
        assert export_command.main(["--database", empty]) == 0   # the cli fixture's settings, another database
        err = capsysbinary.readouterr().err.decode()
    finally:
        client.drop_database(empty)
        client.close()
    assert f"from database {empty}" in err
    line = next(l for l in err.splitlines() if l.startswith(f"database {empty} "))
    assert line.startswith(f"database {empty} holds no articles at all (articles are in ")
    assert mongo_db.name in line and "--database " in line


# --- every data-team command's --help, and its unknown options --------------------------------------
#: subcommands whose --help this module holds to "every option: format and default"
DOCUMENTED = ("bulletin", "export", "search", "runs", "score", "rescore", "label", "train", "desk", "desk adduser", "schedule", "mongo", "demo")


def _subparser(path: str) -> argparse.ArgumentParser:
    from healthcrawl.cli.main import build_parser

    parser = build_parser()
    for name in path.split():
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
        parser = action.choices[name]
    return parser


@pytest.mark.parametrize("command", DOCUMENTED)
def test_help_documents_every_option_with_its_format_and_default(command):
    parser = _subparser(command)
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:  # noqa: SLF001
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help, f"healthcrawl {command} {name}: no help"
        if action.option_strings and not action.required:
            assert "default" in action.help, f"healthcrawl {command} {name}: help gives no default"
        if action.option_strings and action.nargs != 0 and not action.choices:
            assert action.metavar, f"healthcrawl {command} {name}: the value's format is not named"
    assert parser.format_help()


@pytest.mark.parametrize("command", ["export", "bulletin --since 7d --until today", "search 医保", "runs",
                                     "desk adduser wang"])
def test_an_unknown_option_is_reported_against_the_subcommand(command, capsys):
    from healthcrawl.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main([*command.split(), "--bogus"])
    assert exc.value.code == 2
    prog = " ".join(w for w in command.split() if w in ("export", "bulletin", "search", "runs", "desk", "adduser"))
    assert capsys.readouterr().err.startswith(f"healthcrawl {prog}: unrecognized arguments: --bogus")
