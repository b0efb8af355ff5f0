"""All benchmark figures in one run: ``python bench/run.py [--workdir DIR]``.

Starts its own mongod, generates the corpus, runs ``scrapy bench`` and the crawls once and
shares them between the figure scripts; prints each script's details on stderr and, at the end,
one line per figure on stdout: ``name: value (goal)``. Takes about 20 minutes on a 2-core
machine, most of it dedup_scale generating 1,000,000 stored articles (``BENCH_DEDUP_SIZE=20000``
for a quick run, or ``--only`` the other figures). Nothing is asserted: a missed goal is printed
as MISSED with the figure.
"""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path

# run as a script: the project root instead of bench/ (whose names must not shadow packages)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import dedup_scale, desk, memory, pipeline_cost, recrawl, throughput  # noqa: E402
from bench.common import Context, log  # noqa: E402

FIGURES = [
    ("throughput", throughput.measure),
    ("pipeline_cost", pipeline_cost.measure),
    ("recrawl", recrawl.measure),
    ("memory", memory.measure),
    ("dedup_scale", dedup_scale.measure),
    ("desk", desk.measure),
]


def main() -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, help="keep the work folder here (reused when run again)")
    parser.add_argument("--only", nargs="*", choices=[name for name, _ in FIGURES], help="some figures only")
    args = parser.parse_args()
    started = time.monotonic()
    lines = []
    with Context(args.workdir) as ctx:
        for name, measure in FIGURES:
            if args.only and name not in args.only:
                continue
            try:
                lines.append(measure(ctx))
            except Exception as exc:  # noqa: BLE001 - report and go on with the other figures
                traceback.print_exc()
                lines.append(f"{name}: failed ({type(exc).__name__}: {exc})")
            log(lines[-1])
    log(f"all figures in {time.monotonic() - started:.0f}s")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
