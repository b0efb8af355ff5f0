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

import sys
from pathlib import Path

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import dedup_scale  # noqa: E402
from bench.common import Context, log, percentile  # noqa: E402

ARMS = (("off", False), ("on", True))


def trial(ctx: Context, arm: str, freeze: bool, k: int, corpus_dir: Path) -> dict:
    database = f"bench_gc_{arm}_{k}"
    dedup_scale.load(ctx, database, dedup_scale.BASE)
    report = ctx.crawl(f"gc-{arm}-{k}", database, {"HEALTHCRAWL_KEEP_IRRELEVANT": False, "HEALTHCRAWL_GC_FREEZE": freeze},
                       corpus_dir=corpus_dir, instrument=True)
    summary = dedup_scale.crawl_summary(report)
    log(f"gc freeze {arm}, trial {k + 1}: writer p95 {summary['resolve_p95']:.2f} ms per item, wall "
        f"{summary['resolve_wall_ms_per_item']:.2f} ms per item, {summary['stored']} stored, gc {summary['gc']}")
    return summary


def measure(ctx: Context, trials: int = 4, crawl_articles: int = dedup_scale.CRAWL_ARTICLES) -> str:
    corpus_dir = dedup_scale.crawl_corpus(ctx, crawl_articles)
    runs: dict[str, list[dict]] = {arm: [] for arm, _ in ARMS}
    for k in range(trials):
        for arm, freeze in ARMS:
            runs[arm].append(trial(ctx, arm, freeze, k, corpus_dir))

    def med(arm: str, figure) -> float:
        return percentile([figure(c) for c in runs[arm]], 50)

    lines = []
    for name, figure in (("writer p95 per item (ms)", lambda c: c["resolve_p95"]),
                         ("writer wall time per item, mean (ms)", lambda c: c["resolve_wall_ms_per_item"]),
                         ("longest full collection (ms)", lambda c: c["gc"].get("full_pause_max_ms", 0.0)),
                         ("full collections' total pause (ms)", lambda c: c["gc"].get("full_pause_total_ms", 0.0))):
        off, on = med("off", figure), med("on", figure)
        each = "; ".join(f"{arm}: " + ", ".join(f"{figure(c):.2f}" for c in runs[arm]) for arm, _ in ARMS)
        lines.append(f"gc freeze, {name}: median on {on:.2f} / off {off:.2f} = {on / off if off else float('nan'):.2f} x "
                     f"({trials} trials each, at 1,000 stored; {each})")
    return "\n".join(lines)


def main() -> None:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--crawl-articles", type=int, default=dedup_scale.CRAWL_ARTICLES)
    parser.add_argument("--workdir", type=Path, help="keep the work folder here")
    args = parser.parse_args()
    with Context(args.workdir) as ctx:
        print(measure(ctx, args.trials, args.crawl_articles))


if __name__ == "__main__":
    main()
