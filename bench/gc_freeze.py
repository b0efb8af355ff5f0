"""What ``HEALTHCRAWL_GC_FREEZE`` (healthcrawl/ops/gcpause.py) changes: the crawl's writer and the
garbage collector's full pauses, with and without the freeze, in one run.

Each trial loads a fresh database of 1,000 stored articles (:func:`bench.dedup_scale.load`), then
the four spiders crawl a 2,000-article corpus into it (bench/crawl_worker.py with
``--instrument``, as in figure 5); the arms alternate (off, on, off, on …) so that a slow spell of
the machine falls on both. Per arm: the median over trials of the writer's ``resolve_many`` p95 per
item (each item: its batch's time ÷ its items), of the writer's wall time per item, and of the
longest full collection; the ratio on/off of each is printed. Nothing is asserted.

    python bench/gc_freeze.py [--trials 4] [--crawl-articles 2000] [--workdir DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import dedup_scale  # noqa: E402
from bench.common import Context, log, percentile  # noqa: E402

#: the arms: name -> crawl settings (``--arms`` JSON to compare others)
ARMS = {"off": {"HEALTHCRAWL_GC_FREEZE": False}, "on": {"HEALTHCRAWL_GC_FREEZE": True}}


def trial(ctx: Context, arm: str, settings: dict, k: int, corpus_dir: Path) -> dict:
    database = f"bench_gc_{arm}_{k}"
    dedup_scale.load(ctx, database, dedup_scale.BASE)
    report = ctx.crawl(f"gc-{arm}-{k}", database, {"HEALTHCRAWL_KEEP_IRRELEVANT": False, **settings},
                       corpus_dir=corpus_dir, instrument=True)
    summary = dedup_scale.crawl_summary(report)
    log(f"gc freeze {arm}, trial {k + 1}: writer p95 {summary['resolve_p95']:.2f} ms per item, wall "
        f"{summary['resolve_wall_ms_per_item']:.2f} ms per item, whole write p95 {summary['write_p95'] or 0:.2f} ms "
        f"per article, crawl {summary['crawl_s']:.1f} s, {summary['stored']} stored, gc {summary['gc']}")
    return summary


def measure(ctx: Context, trials: int = 4, crawl_articles: int = dedup_scale.CRAWL_ARTICLES,
            arms: dict[str, dict] | None = None) -> str:
    arms = arms or ARMS
    corpus_dir = dedup_scale.crawl_corpus(ctx, crawl_articles)
    runs: dict[str, list[dict]] = {arm: [] for arm in arms}
    for k in range(trials):
        for arm, settings in arms.items():
            runs[arm].append(trial(ctx, arm, settings, k, corpus_dir))
    base = next(iter(arms))

    def med(arm: str, figure) -> float:
        return percentile([figure(c) for c in runs[arm]], 50)

    lines = []
    for name, figure in (("writer p95 per item (ms)", lambda c: c["resolve_p95"]),
                         ("writer wall time per item, mean (ms)", lambda c: c["resolve_wall_ms_per_item"]),
                         ("a batch's whole write incl. its turn, p95 per article (ms)", lambda c: c["write_p95"] or 0.0),
                         ("waiting for the process's turn, p95 per batch (ms)", lambda c: c["turn_wait_p95_ms"] or 0.0),
                         ("longest full collection (ms)", lambda c: c["gc"].get("full_pause_max_ms", 0.0)),
                         ("full collections' total pause (ms)", lambda c: c["gc"].get("full_pause_total_ms", 0.0))):
        baseline = med(base, figure)
        versus = ", ".join(f"{arm} {med(arm, figure):.2f} = {med(arm, figure) / baseline if baseline else float('nan'):.2f} x"
                           for arm in arms if arm != base)
        each = "; ".join(f"{arm}: " + ", ".join(f"{figure(c):.2f}" for c in runs[arm]) for arm in arms)
        lines.append(f"gc, {name}: median {base} {baseline:.2f}; {versus} ({trials} trials each, at 1,000 stored; {each})")
    return "\n".join(lines)


def main() -> None:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--crawl-articles", type=int, default=dedup_scale.CRAWL_ARTICLES)
    parser.add_argument("--arms", type=json.loads, help='JSON {"name": {crawl settings}, …}; the first is the baseline '
                        '(default: HEALTHCRAWL_GC_FREEZE off, on)')
    parser.add_argument("--workdir", type=Path, help="keep the work folder here")
    args = parser.parse_args()
    with Context(args.workdir) as ctx:
        print(measure(ctx, args.trials, args.crawl_articles, args.arms))


if __name__ == "__main__":
    main()
