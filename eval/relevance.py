"""Measure the relevance scorer on real text (issue 14): precision/recall, false-positive rate.

Sets (see eval/README.md, section "Relevance"):

- **health-adjacent set** ``eval/relevance/health.jsonl`` (committed): short excerpts of published
  Chinese web pages found with the search tool, each with its URL, labelled by the rubric;
  about half hard negatives. Every record carries a fixed ``split``: ``dev`` (tune on it) or
  ``test`` (frozen: never look at its errors to tune). The split is a pure function of the URL
  (sha256, first 8 hex digits mod 100 < 60 → dev), so adding texts never moves old ones.
- **ordinary-news set** ``/work/data/relevance/ordinary.jsonl`` (NOT committed; built by
  ``eval/relevance_fetch.py`` from public datasets, origin in ``eval/relevance/ordinary.manifest.json``):
  thousands of ordinary headlines/posts, irrelevant unless the manifest lists them.
- the **seed articles** of the two real bulletin issues (``/work/shared/seeds``, read at run time,
  never copied; parsed as tests/test_relevance.py does);
- the **project's own set** ``tests/data/relevance_eval.jsonl`` (206 texts written for the project).

Each text is scored as the pipeline scores an article: the scorer configured from the project
settings (``scorer_from_settings``, as pipelines/relevance.py), ``score(title, body)`` with the
excerpt as body (keywords are not computed: they do not take part in the decision).

Usage::

    .venv/bin/python eval/relevance.py                 # report
    .venv/bin/python eval/relevance.py --json          # machine-readable summary
    .venv/bin/python eval/relevance.py --dev-only      # while tuning: the test split's figures hidden
    .venv/bin/python eval/relevance.py --normalise     # check health.jsonl, assign id/split, sort
    .venv/bin/python eval/relevance.py --ordinary PATH --seeds DIR

Exit status 0 whatever the figures (goals are reported, not asserted).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
HEALTH = ROOT / "eval" / "relevance" / "health.jsonl"
OWN_SET = ROOT / "tests" / "data" / "relevance_eval.jsonl"
DEFAULT_ORDINARY = Path("/work/data/relevance/ordinary.jsonl")
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"
DEV_SHARE = 60  # percent of URLs (by hash) in the dev split
GOALS = {"precision": 0.95, "recall": 0.95, "ordinary_fp_rate": 0.005}
REQUIRED = ("id", "url", "title", "excerpt", "source", "query", "relevant", "category", "script",
            "reason", "split")


# --- the scorer (the only place that imports the project's relevance module) ----------------------
def load_scorer(model: bool = True):
    """The scorer as the pipeline builds it: ``scorer_from_settings`` over the project settings
    (``model=False``: the lexicon rule alone). Returns ``(score, version)`` where
    ``score(title, body) -> (relevant, score, matched)``; the version names lexicon and model."""
    from healthcrawl.project import project_settings
    from healthcrawl.text.relevance import scorer_from_settings

    scorer = scorer_from_settings(project_settings(None if model else {"HEALTHCRAWL_RELEVANCE_MODEL": "off"}))

    def score(title: str, body: str) -> tuple[bool, float, dict[str, list[str]]]:
        result = scorer.score(title or "", body or "")
        return result.relevant, result.score, result.matched

    return score, scorer.version


# --- the health-adjacent set -------------------------------------------------------------------
def record_id(url: str) -> str:
    return "h-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]


def split_of(url: str) -> str:
    return "dev" if int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:8], 16) % 100 < DEV_SHARE else "test"


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def check_health(rows: list[dict[str, Any]]) -> list[str]:
    """Problems in the health-adjacent set (schema, duplicates, split rule, excerpt length)."""
    problems = []
    urls: dict[str, str] = {}
    texts: dict[str, str] = {}
    for row in rows:
        rid = row.get("id", "?")
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            problems.append(f"{rid}: missing {missing}")
            continue
        if row["id"] != record_id(row["url"]):
            problems.append(f"{rid}: id is not sha1(url)")
        if row["split"] != split_of(row["url"]):
            problems.append(f"{rid}: split {row['split']} does not follow the hash rule")
        if len(row["excerpt"]) > 300:
            problems.append(f"{rid}: excerpt longer than 300 characters")
        if not isinstance(row["relevant"], bool):
            problems.append(f"{rid}: relevant must be true or false")
        if row["url"] in urls:
            problems.append(f"{rid}: same URL as {urls[row['url']]}")
        urls[row["url"]] = rid
        key = _norm(row["excerpt"])[:80]
        if key in texts:
            problems.append(f"{rid}: same text as {texts[key]}")
        texts[key] = rid
    return problems


def normalise(path: Path) -> int:
    """Assign missing ids/splits by the rules, keep existing splits, sort by id, report problems."""
    rows = read_jsonl(path)
    for row in rows:
        row.setdefault("id", record_id(row["url"]))
        row.setdefault("split", split_of(row["url"]))
        row.setdefault("source", "search:pages")
    rows.sort(key=lambda r: r["id"])
    problems = check_health(rows)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: row[k] for k in REQUIRED if k in row} |
                                {k: v for k, v in row.items() if k not in REQUIRED},
                                ensure_ascii=False) + "\n")
    print(f"{path}: {len(rows)} records" + (f", {len(problems)} problems:" if problems else ", no problem"))
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


# --- the seeds (read at run time, never copied) -------------------------------------------------
def seed_articles(seeds: Path) -> list[tuple[str, str, str]]:
    """``(file, title, body)`` of every article of the bulletin issues, parsed as the tests do."""
    out = []
    for path in sorted(seeds.glob("*.txt")):
        content = path.read_text(encoding="utf-8").split("二、具体内容", 1)[-1]
        for part in re.split(r"\n(?=\s*\d\.\s*(?:标题：)?[^\n]+\n\s*\n\s*来源：)", content):
            if "主要内容：" not in part:
                continue
            title = re.sub(r"^\s*\d\.\s*(?:标题：)?", "", part.strip().split("\n")[0]).strip()
            out.append((path.name, title, part.split("主要内容：", 1)[1]))
    return out


# --- figures ------------------------------------------------------------------------------------
def prf(outcomes: Counter) -> dict[str, Any]:
    tp, fp, fn, tn = (outcomes[k] for k in ("tp", "fp", "fn", "tn"))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall else None)
    rnd = lambda v: None if v is None else round(v, 4)  # noqa: E731
    return {"n": tp + fp + fn + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": rnd(precision), "recall": rnd(recall), "f1": rnd(f1)}


#: resamples of the bootstrap intervals (fixed seed: the same figures every run)
BOOTSTRAP = 2000


def bootstrap_interval(outcomes: list[str], resamples: int = BOOTSTRAP, seed: int = 14) -> dict[str, Any]:
    """95 % percentile-bootstrap intervals of precision and recall over texts resampled with
    replacement: how far the point figures could move on another sample of the same kind of text."""
    import numpy as np  # noqa: PLC0415

    codes = np.array([("tp", "fp", "fn", "tn").index(o) for o in outcomes])
    if not len(codes):
        return {}
    idx = np.random.default_rng(seed).integers(0, len(codes), size=(resamples, len(codes)))
    counts = np.stack([(codes[idx] == k).sum(axis=1) for k in range(3)])  # tp, fp, fn per resample
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = counts[0] / (counts[0] + counts[1])
        recall = counts[0] / (counts[0] + counts[2])
    band = lambda v: [round(float(x), 4) for x in np.nanpercentile(v, [2.5, 97.5])]  # noqa: E731
    return {"precision": band(precision), "recall": band(recall), "resamples": resamples}


def outcome(want: bool, got: bool) -> str:
    return ("tp" if want else "fp") if got else ("fn" if want else "tn")


def score_rows(rows: Iterable[dict[str, Any]], score: Callable, body: str) -> list[dict[str, Any]]:
    scored = []
    for row in rows:
        got, value, matched = score(row.get("title") or "", row.get(body) or "")
        scored.append({**row, "got": got, "score": value, "matched": matched,
                       "outcome": outcome(bool(row["relevant"]), got)})
    return scored


def health_report(rows: list[dict[str, Any]], dev_only: bool = False) -> dict[str, Any]:
    """Figures per split and script (``dev_only``: the dev split alone), and counts per category
    on the dev split only (the test split's errors are never broken down)."""
    groups: dict[str, Counter] = defaultdict(Counter)
    cats: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        if dev_only and r["split"] != "dev":
            continue
        for g in ("all", r["split"], f"{r['split']}:{r['script']}", f"all:{r['script']}"):
            groups[g][r["outcome"]] += 1
        if r["split"] != "dev":
            continue
        c = cats[r["category"]]
        c["n"] += 1
        c["relevant" if r["relevant"] else "irrelevant"] += 1
        c["errors"] += r["outcome"] in ("fp", "fn")
        c[r["outcome"]] += 1
    intervals = {split: bootstrap_interval([r["outcome"] for r in rows if r["split"] == split])
                 for split in ("dev", "test") if not (dev_only and split == "test")}
    return {"figures": {g: prf(c) for g, c in sorted(groups.items())},
            "intervals": {k: v for k, v in intervals.items() if v},
            "categories": {k: dict(v) for k, v in sorted(cats.items())}}


def fmt(v: Any) -> str:
    return "  -  " if v is None else f"{v:.3f}"


def run(args: argparse.Namespace) -> dict[str, Any]:
    score, version = load_scorer(not args.no_model)
    summary: dict[str, Any] = {"lexicon_version": version, "goals": GOALS}
    out: list[str] = []
    say = out.append
    say(f"Relevance evaluation — lexicon+model {version}")
    say("")
    for section in (health_section, ordinary_section, seeds_section, own_section, goals_section):
        section(args, score, summary, say)
    summary["report"] = out
    return summary


def health_section(args: argparse.Namespace, score: Callable, summary: dict[str, Any], say: Callable) -> None:
    """The health-adjacent set: figures per split and script, errors per category, dev errors."""
    health_rows = read_jsonl(args.health)
    problems = check_health(health_rows)
    scored = score_rows(health_rows, score, "excerpt")
    rep = health_report(scored, args.dev_only)
    if args.dev_only:  # "all" would be dev alone: keep the names unambiguous
        rep["figures"] = {g: f for g, f in rep["figures"].items() if g.startswith("dev")}
    summary["health"] = {**rep, "problems": problems,
                         "counts": {"n": len(scored), "relevant": sum(r["relevant"] for r in scored),
                                    "dev": sum(r["split"] == "dev" for r in scored),
                                    "test": sum(r["split"] == "test" for r in scored),
                                    "traditional": sum(r["script"] == "trad" for r in scored)}}
    summary["health"]["dev_errors"] = [
        {"id": r["id"], "label": "relevant" if r["relevant"] else "irrelevant", "category": r["category"],
         "script": r["script"], "score": r["score"], "title": (r["title"] or r["excerpt"])[:40]}
        for r in scored if r["split"] == "dev" and r["outcome"] in ("fp", "fn")]
    c = summary["health"]["counts"]
    say(f"Health-adjacent set {args.health.relative_to(ROOT) if args.health.is_relative_to(ROOT) else args.health}: "
        f"{c['n']} texts, {c['relevant']} relevant, {c['n'] - c['relevant']} not; "
        f"dev {c['dev']}, test {c['test']} (frozen); {c['traditional']} in traditional characters")
    if args.dev_only:
        say("  --dev-only: the test split's figures are hidden (not computed into any figure below)")
    if problems:
        say(f"  ! {len(problems)} problems in the file (run --normalise): " + "; ".join(problems[:5]))
    say(f"  {'group':<12} {'n':>4} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>4}  {'prec':>5}  {'recall':>6}  {'F1':>5}")
    for g in ("dev", "test", "all", "dev:simp", "test:simp", "all:simp", "dev:trad", "test:trad", "all:trad"):
        f = rep["figures"].get(g)
        if f:
            say(f"  {g:<12} {f['n']:>4} {f['tp']:>4} {f['fp']:>4} {f['fn']:>4} {f['tn']:>4}  "
                f"{fmt(f['precision']):>5}  {fmt(f['recall']):>6}  {fmt(f['f1']):>5}")
    for split, band in rep["intervals"].items():
        say(f"  {split}: 95 % bootstrap intervals ({band['resamples']} resamples of its texts): precision "
            f"{band['precision'][0]:.3f}–{band['precision'][1]:.3f}, recall {band['recall'][0]:.3f}–{band['recall'][1]:.3f}")
    say("")
    say("  errors per category (dev split only; negatives err by FP, relevant kinds by FN):")
    cat_items = sorted(rep["categories"].items(), key=lambda kv: (-kv[1]["errors"], kv[0]))
    for name, cnt in cat_items:
        kind = "relevant" if cnt.get("relevant") else "negative"
        say(f"    {name:<26} {kind:<8} n={cnt['n']:>3}  errors={cnt['errors']:>3}"
            f"  (fp {cnt.get('fp', 0)}, fn {cnt.get('fn', 0)})")
    say("")
    say(f"  errors on the dev split ({len(summary['health']['dev_errors'])}):")
    for e in summary["health"]["dev_errors"]:
        say(f"    {e['id']}  {e['label']:<10} {e['score']:>6.3f}  {e['category']:<24} {e['script']}  {e['title']}")


def ordinary_section(args: argparse.Namespace, score: Callable, summary: dict[str, Any], say: Callable) -> None:
    """The ordinary-news set: the false-positive rate (said so when the set is absent)."""
    say("")
    if args.ordinary.exists():
        ordinary = score_rows(read_jsonl(args.ordinary), score, "text")
        neg = [r for r in ordinary if not r["relevant"]]
        pos = [r for r in ordinary if r["relevant"]]
        fps = [r for r in neg if r["got"]]
        by_source = Counter(r["source"] for r in neg)
        fp_source = Counter(r["source"] for r in fps)
        fp_topic = Counter(f"{r['source']}:{r['topic']}" for r in fps)
        found = sum(r["got"] for r in pos)
        rate = len(fps) / len(neg) if neg else None
        summary["ordinary"] = {
            "path": str(args.ordinary), "n": len(ordinary), "irrelevant": len(neg), "relevant": len(pos),
            "false_positives": len(fps), "fp_rate": None if rate is None else round(rate, 5),
            "fp_by_source": {s: {"fp": fp_source[s], "n": by_source[s]} for s in sorted(by_source)},
            "fp_by_topic": dict(sorted(fp_topic.items())),
            "relevant_found": found,
            "fp_ids": [r["id"] for r in fps], "missed_relevant_ids": [r["id"] for r in pos if not r["got"]]}
        say(f"Ordinary-news set {args.ordinary}: {len(ordinary)} texts ({len(neg)} irrelevant, {len(pos)} relevant)")
        say(f"  false positives: {len(fps)} of {len(neg)} = {100 * rate:.2f}%"
            + "".join(f"; {s} {fp_source[s]}/{by_source[s]}" for s in sorted(by_source)))
        for r in fps:
            say(f"    FP {r['id']}  {r['score']:.3f}  {r['source']}:{r['topic']}  {(r['title'] or r['text'])[:40]}")
        say(f"  relevant ones found: {found} of {len(pos)}")
    else:
        summary["ordinary"] = {"path": str(args.ordinary), "missing": True}
        say(f"Ordinary-news set: {args.ordinary} is ABSENT — build it with "
            f"`.venv/bin/python eval/relevance_fetch.py` (needs the snapshots listed in "
            f"eval/relevance/ordinary.manifest.json); no false-positive rate this run.")


def seeds_section(args: argparse.Namespace, score: Callable, summary: dict[str, Any], say: Callable) -> None:
    """The seed articles of the two real bulletin issues."""
    say("")
    if args.seeds.exists():
        seeds = [(f, t, *score(t, b)[:2]) for f, t, b in seed_articles(args.seeds)]
        summary["seeds"] = {"n": len(seeds), "relevant": sum(s[2] for s in seeds),
                            "scores": [round(s[3], 3) for s in seeds]}
        say(f"Seed articles ({args.seeds}): {summary['seeds']['relevant']} of {len(seeds)} relevant; "
            f"scores {', '.join(f'{s[3]:.2f}' for s in seeds)}")
        for f, t, got, value in seeds:
            if not got:
                say(f"    MISSED {f}  {value:.3f}  {t[:40]}")
    else:
        summary["seeds"] = {"missing": True}
        say(f"Seed articles: {args.seeds} absent — skipped")


def own_section(args: argparse.Namespace, score: Callable, summary: dict[str, Any], say: Callable) -> None:
    """The project's own set."""
    own = score_rows(read_jsonl(args.own), score, "text")
    own_c = Counter(r["outcome"] for r in own)
    summary["own_set"] = prf(own_c)
    f = summary["own_set"]
    say(f"Project's own set {args.own.relative_to(ROOT) if args.own.is_relative_to(ROOT) else args.own}: "
        f"n={f['n']} precision {fmt(f['precision'])} recall {fmt(f['recall'])}")


def goals_section(args: argparse.Namespace, score: Callable, summary: dict[str, Any], say: Callable) -> None:
    """The issue's goals, met or missed."""
    say("")
    test = summary["health"]["figures"].get("test", {})
    f = summary["own_set"]
    goal_lines = [] if args.dev_only else [
        ("precision on frozen test", test.get("precision"), GOALS["precision"], ">="),
        ("recall on frozen test", test.get("recall"), GOALS["recall"], ">="),
    ]
    goal_lines += [
        ("false-positive rate on ordinary news", summary["ordinary"].get("fp_rate"), GOALS["ordinary_fp_rate"], "<="),
        ("seed articles relevant", summary["seeds"].get("relevant"), summary["seeds"].get("n"), ">="),
        ("own set precision", f["precision"], GOALS["precision"], ">="),
        ("own set recall", f["recall"], GOALS["recall"], ">="),
    ]
    say("Goals (issue 14):")
    summary["goals_met"] = {}
    for name, value, goal, op in goal_lines:
        ok = value is not None and goal is not None and (value >= goal if op == ">=" else value <= goal)
        summary["goals_met"][name] = ok
        say(f"  {'met ' if ok else 'MISS'}  {name}: {value if value is not None else 'n/a'} (goal {op} {goal})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Measure the relevance scorer on the evaluation corpus (issue 14).")
    ap.add_argument("--health", type=Path, default=HEALTH, help="health-adjacent set (JSON lines)")
    ap.add_argument("--ordinary", type=Path, default=DEFAULT_ORDINARY,
                    help=f"ordinary-news set built by eval/relevance_fetch.py (default {DEFAULT_ORDINARY})")
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="folder of the real bulletin issues")
    ap.add_argument("--own", type=Path, default=OWN_SET, help="the project's own labelled set")
    ap.add_argument("--json", action="store_true", help="print a machine-readable summary instead")
    ap.add_argument("--no-model", action="store_true", help="the lexicon rule alone (no learned layer)")
    ap.add_argument("--dev-only", action="store_true",
                    help="hide the frozen test split: no test (or all-splits) figure is computed or printed "
                         "(use it while tuning)")
    ap.add_argument("--normalise", action="store_true",
                    help="check the health set, assign missing id/split by the rules, sort by id, and exit")
    args = ap.parse_args(argv)
    if args.normalise:
        normalise(args.health)
        return 0
    summary = run(args)
    if args.json:
        summary.pop("report")
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print("\n".join(summary["report"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
