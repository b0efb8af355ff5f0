"""Relevance commands: ``healthcrawl score`` (JSON lines from stdin), ``rescore`` (stored articles,
after a lexicon or model change, without crawling), ``label URL relevant|irrelevant`` (an editor's
label, in MongoDB's ``labels``) and ``train`` (the learned layer, on the corpus's dev split plus
the labels; shipped only if no worse on the frozen test split)."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

from healthcrawl.arguments import ArgumentError, check_database, fail
from healthcrawl.cli.export import add_database_option
from healthcrawl.project import project_settings

#: the evaluation corpus (eval/README.md) in a source checkout
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "eval" / "relevance" / "health.jsonl"


def _database(args: argparse.Namespace, prog: str):
    """(settings, Database) for ``args.database``, or (None, exit status) after one error line."""
    from healthcrawl.storage.client import open_database
    from healthcrawl.storage.errors import StorageError
    from healthcrawl.text.redact import secrets

    settings = project_settings({"MONGO_DATABASE": args.database} if args.database else None)
    try:
        check_database(settings.get("MONGO_DATABASE"))
        return settings, open_database(settings)
    except ArgumentError as exc:
        return None, fail(prog, exc)
    except StorageError as exc:
        return None, fail(prog, secrets(exc))


# --- the commands ----------------------------------------------------------------------------------
def cmd_score(args: argparse.Namespace) -> int:
    from healthcrawl.text.relevance import score_lines, scorer_from_settings

    try:
        score_lines(sys.stdin, sys.stdout, scorer=scorer_from_settings(project_settings()))
    except ValueError as exc:
        return fail("healthcrawl score", exc)
    return 0


def with_database(prog: str):
    """A command handler ``(args, settings, database)`` run with ``args.database`` open; a bad
    name or an unusable database is one error line and exit 2 or 1."""
    def wrap(handler):
        @functools.wraps(handler)
        def run(args: argparse.Namespace) -> int:
            settings, database = _database(args, prog)
            if settings is None:
                return database
            with database:
                return handler(args, settings, database)
        return run
    return wrap


@with_database("healthcrawl rescore")
def cmd_rescore(args: argparse.Namespace, settings, database) -> int:
    from healthcrawl.storage.collections import ARTICLES
    from healthcrawl.text.relevance import rescore, scorer_from_settings

    counts = rescore(database.collection(ARTICLES), scorer=scorer_from_settings(settings))
    print(json.dumps(counts, ensure_ascii=False))
    return 0


@with_database("healthcrawl label")
def cmd_label(args: argparse.Namespace, settings, database) -> int:
    from healthcrawl.storage.labels import add_label

    try:
        doc = add_label(database.db, args.url, args.label, args.who, "cli")
    except ValueError as exc:
        return fail("healthcrawl label", exc)
    print(f"{doc['url']}: {doc['label']} (by {doc['who']}, {doc['at']:%Y-%m-%d %H:%M} UTC)")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from healthcrawl.text.relevance import scorer_from_settings
    from healthcrawl.text.training import train

    if not args.corpus.is_file():
        return fail("healthcrawl train", f"no corpus at {args.corpus} (run from a source checkout or give --corpus)")
    ordinary = _ordinary_rows(args.ordinary) if args.ordinary else None
    if args.no_labels:
        settings, database = project_settings(), None
    else:
        settings, database = _database(args, "healthcrawl train")
        if settings is None:
            return database
    try:
        report = train(args.corpus, database.db if database else None, scorer=scorer_from_settings(settings),
                       out=args.out, ordinary=ordinary, dry_run=args.dry_run, dev_only=args.dev_only)
    finally:
        if database:
            database.close()
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else render_training(report))
    return 0


def _ordinary_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [{"key": r["id"], "title": r.get("title") or "", "text": r.get("text") or "",
                 "relevant": bool(r["relevant"])} for r in map(json.loads, filter(str.strip, fh))]


def render_training(report: dict) -> str:
    """The before/after table of ``healthcrawl train``."""
    lines = [f"training rows {report['training_rows']} (labels {report['labels']}), "
             f"sha256 {report['training_set_sha256'][:16]}…, C={report['C']} (grouped cross-validated F1 {report['cv_f1']})"]
    for name, f in report["cv"].items():
        lines.append(f"grouped CV on the training rows, {name:<6} precision {f['precision']:.3f} recall {f['recall']:.3f} "
                     f"F1 {f['f1']:.3f} (fp {f['fp']}, fn {f['fn']})")
    lines.append(f"{'':<8}{'model':<26}{'set':<10}{'precision':>10}{'recall':>8}{'F1':>8}{'FP rate':>9}")
    for side in ("before", "after"):
        for name in ("test", "ordinary"):
            f = report[side].get(name)
            if f:
                lines.append(f"{side:<8}{str(report[side]['model']):<26}{name:<10}{f['precision']:>10.3f}"
                             f"{f['recall']:>8.3f}{f['f1']:>8.3f}{f['fp_rate']:>9.4f}")
    if "test" not in report["after"]:
        verdict = "--dev-only: not measured on the frozen split, not shipped" + (
            f"; candidate written to {report['written']}" if report.get("written") else "")
    elif report.get("written"):
        verdict = "shipped to " + report["written"]
    else:
        verdict = ("no worse, not written (--dry-run)" if report["shipped"]
                   else f"NOT shipped: {report.get('not_shipped', 'worse on the frozen test split')}")
    lines.append(f"model {report['version']}: {verdict}")
    return "\n".join(lines)


# --- the parsers -----------------------------------------------------------------------------------
def add_score_parser(subparsers) -> None:
    """``score``, ``rescore``, ``label`` and ``train``."""
    p = subparsers.add_parser("score", help="score JSON lines {title, text} from stdin",
                              description="Read JSON lines {\"title\": …, \"text\": …} on stdin, write each "
                                          "with its relevance on stdout. No options.")
    p.set_defaults(func=cmd_score)
    p = subparsers.add_parser("rescore", help="re-score stored articles after a lexicon or model change",
                              description="Score every stored article again with the current lexicon "
                                          "and model, without crawling.")
    add_database_option(p, "MongoDB database")
    p.set_defaults(func=cmd_rescore)
    p = subparsers.add_parser("label", help="an editor's relevance label for an article URL",
                              description="Record an editor's label for a stored article (collection "
                                          "labels); healthcrawl train learns from the labels.")
    p.add_argument("url", metavar="URL", help="the article's URL (its url, canonical URL or a reprint's)")
    p.add_argument("label", choices=("relevant", "irrelevant"), help="the label: relevant or irrelevant")
    p.add_argument("--who", default="cli", metavar="NAME", help="who labels, any text (default: cli)")
    add_database_option(p, "MongoDB database")
    p.set_defaults(func=cmd_label)
    p = subparsers.add_parser("train", help="retrain the learned relevance layer on the corpus and the labels",
                              description="Retrain the learned relevance layer on the corpus's dev split "
                                          "plus the editors' labels; the model is written only if it is "
                                          "no worse on the frozen test split.")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, metavar="PATH",
                   help="health-adjacent corpus, JSON lines with dev/test splits "
                        "(default: eval/relevance/health.jsonl of the source checkout)")
    p.add_argument("--ordinary", type=Path, metavar="PATH",
                   help="ordinary-news JSON lines (eval/relevance_fetch.py) to measure the false-positive "
                        "rate (default: none)")
    add_database_option(p, "MongoDB database whose labels are learned")
    p.add_argument("--no-labels", action="store_true",
                   help="train on the corpus only, without MongoDB (default: corpus and labels)")
    p.add_argument("--out", type=Path, metavar="PATH",
                   help="write the model JSON here (default: the packaged healthcrawl/data/relevance_model.json)")
    p.add_argument("--dry-run", action="store_true", help="measure only, write nothing (default: write)")
    p.add_argument("--dev-only", action="store_true",
                   help="fit and report the grouped cross-validation on the dev split without reading the "
                        "frozen test split; the candidate is written to --out only, never shipped (default: off)")
    p.add_argument("--json", action="store_true", help="print the report as JSON (default: a table)")
    p.set_defaults(func=cmd_train)
