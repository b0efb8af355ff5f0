"""Shared machinery of the benchmark scripts: a temporary work folder, a real mongod, the
generated corpus, ``scrapy bench`` and the crawls — each computed once per run and shared by
the figure scripts when ``bench/run.py`` runs them all.

Nothing here asserts anything: the scripts print figures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import cached_property
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from healthcrawl.storage.mongod import MongodServer, free_port  # noqa: E402

PYTHON = sys.executable
WINDOW = ("2026-11-09", "2026-11-15")
#: articles in the generated corpus (the requirement: at least 5,000)
CORPUS_ARTICLES = int(os.environ.get("BENCH_ARTICLES", "5200"))


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def cpu_times() -> list[int]:
    """The machine's CPU time counters (/proc/stat: user nice system idle iowait irq softirq steal)."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            return [int(v) for v in fh.readline().split()[1:9]]
    except OSError:
        return [0] * 8


def steal_share(before: list[int], after: list[int]) -> float:
    """Share of CPU time the hypervisor gave to other machines between two cpu_times() readings
    (on a shared VM, a high share makes wall-clock figures slower than the code is)."""
    delta = [b - a for a, b in zip(before, after)]
    total = sum(delta)
    return delta[7] / total if total else 0.0


def verdict(met: bool) -> str:
    return "MET" if met else "MISSED"


class Context:
    """One benchmark run: work folder, mongod, corpus, baselines and crawls (lazy, cached)."""

    def __init__(self, workdir: Path | None = None, keep: bool = False):
        self.keep = keep or bool(workdir)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="healthcrawl-bench-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._mongod: MongodServer | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._mongod is not None:
            self._mongod.stop()
            self._mongod = None
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def mongo_cache_gb(self) -> float:
        """The embedded mongod's cache (``HEALTHCRAWL_MONGO_CACHE_GB``), or ``BENCH_MONGO_CACHE_GB``."""
        if os.environ.get("BENCH_MONGO_CACHE_GB"):
            return float(os.environ["BENCH_MONGO_CACHE_GB"])
        from healthcrawl.project import project_settings  # noqa: PLC0415

        return project_settings().getfloat("HEALTHCRAWL_MONGO_CACHE_GB", 2.0)

    @property
    def mongod(self) -> MongodServer:
        if self._mongod is None:
            log(f"starting mongod (WiredTiger cache {self.mongo_cache_gb:g} GB)")
            self._mongod = MongodServer(self.workdir / "mongo", free_port(), cache_gb=self.mongo_cache_gb).start()
        return self._mongod

    # -- the corpus -------------------------------------------------------------------------------
    @cached_property
    def corpus(self) -> dict[str, Any]:
        from bench import corpus  # noqa: PLC0415

        out = self.workdir / "corpus"
        if (out / "corpus.json").exists():
            return json.loads((out / "corpus.json").read_text(encoding="utf-8"))
        log(f"generating a corpus of {CORPUS_ARTICLES} articles")
        info = corpus.generate(out, CORPUS_ARTICLES)
        log(f"corpus: {json.dumps(info['counts'], ensure_ascii=False)}")
        return info

    @property
    def corpus_dir(self) -> Path:
        self.corpus  # noqa: B018 - generate on first use
        return self.workdir / "corpus"

    # -- scrapy bench -----------------------------------------------------------------------------
    def run_scrapy_bench(self) -> dict[str, Any]:
        """``scrapy bench`` outside the project (Scrapy's defaults: its link-following spider
        against its own local server for 10 s); the median of its per-second readings after the
        first (0 pages at start)."""
        log("running scrapy bench")
        cwd = self.workdir / "scrapy-bench"
        cwd.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
        result = subprocess.run([PYTHON, "-m", "scrapy", "bench"], cwd=cwd, env=env, capture_output=True,
                                text=True, timeout=300)
        rates = [float(m[2]) for m in re.finditer(r"Crawled (\d+) pages \(at (\d+) pages/min\)", result.stderr)]
        steady = rates[1:] or rates
        per_min = statistics.median(steady) if steady else float("nan")
        log(f"scrapy bench: {per_min / 60:.1f} pages/s (readings, pages/min: {rates})")
        return {"pages_per_s": per_min / 60, "readings": rates, "returncode": result.returncode}

    @cached_property
    def scrapy_bench(self) -> dict[str, Any]:
        """The baseline: ``scrapy bench`` run just before and just after the 5,000-article crawl
        (this machine's speed drifts: it is shared), the mean of the two steady-state rates."""
        before = self.run_scrapy_bench()
        self.first_crawl  # noqa: B018
        after = self.run_scrapy_bench()
        return {"pages_per_s": (before["pages_per_s"] + after["pages_per_s"]) / 2,
                "before": before["pages_per_s"], "after": after["pages_per_s"],
                "readings": before["readings"] + after["readings"]}

    def page_rate(self) -> float:
        """scrapy bench's pages per second: the before/after mean when the crawl ran, else one run."""
        if "scrapy_bench" in self.__dict__:
            return self.scrapy_bench["pages_per_s"]
        if "_single_bench" not in self.__dict__:
            self._single_bench = self.run_scrapy_bench()
        return self._single_bench["pages_per_s"]

    # -- crawls -----------------------------------------------------------------------------------
    def crawl(self, name: str, database: str, settings: dict[str, Any] | None = None, *,
              corpus_dir: Path | None = None, instrument: bool = False) -> dict[str, Any]:
        """The four spiders over the corpus window in one process (``healthcrawl crawl``'s code
        path, :mod:`bench.crawl_worker`), into ``database``; the worker's JSON report (with
        ``spawned_at``, epoch seconds just before the process was started). ``corpus_dir``: another
        replay corpus than the shared one; ``instrument``: the worker's storage timings."""
        out = self.workdir / f"{name}.json"
        if out.exists():
            return json.loads(out.read_text(encoding="utf-8"))
        env = {k: v for k, v in os.environ.items() if k not in ("MONGO_URI", "HEALTHCRAWL_SKIP_KNOWN")}
        env.update(MONGO_URI=self.mongod.uri, HEALTHCRAWL_EMBEDDED_MONGO="0")
        overrides = {"HEALTHCRAWL_REPLAY_DIR": str(corpus_dir or self.corpus_dir), "MONGO_DATABASE": database,
                     "MONGO_SPOOL_DIR": str(self.workdir / "spool"), "HEALTHCRAWL_KEEP_IRRELEVANT": True,
                     "LOG_LEVEL": "INFO", "LOG_FILE": str(self.workdir / f"{name}.log"), **(settings or {})}
        log(f"crawl {name!r} into {database}")
        started, counters, spawned_at = time.monotonic(), cpu_times(), time.time()
        result = subprocess.run([PYTHON, str(ROOT / "bench" / "crawl_worker.py"), "--out", str(out),
                                 "--settings", json.dumps(overrides), "--since", WINDOW[0], "--until", WINDOW[1],
                                 *(["--instrument"] if instrument else [])],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
        if result.returncode != 0 or not out.exists():
            raise RuntimeError(f"crawl {name} failed ({result.returncode}): {result.stderr[-3000:]}")
        report = json.loads(out.read_text(encoding="utf-8"))
        report["process_wall_s"] = time.monotonic() - started
        report["spawned_at"] = spawned_at
        report["steal"] = steal_share(counters, cpu_times())
        out.write_text(json.dumps(report), encoding="utf-8")
        log(f"crawl {name!r}: {report['articles']} articles in {report['crawl_s']:.1f}s, "
            f"peak RSS {report['peak_rss_mb']:.0f} MB")
        return report

    @cached_property
    def first_crawl(self) -> dict[str, Any]:
        return self.crawl("crawl-first", "bench_crawl")

    @cached_property
    def second_crawl(self) -> dict[str, Any]:
        self.first_crawl  # noqa: B018 - the second crawl needs the first one's data
        return self.crawl("crawl-second", "bench_crawl")


def standalone(measure) -> None:
    """Run one figure script on its own: ``python bench/<figure>.py [--workdir DIR]``."""
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", type=Path, help="keep the work folder here (reused when run again)")
    args = parser.parse_args()
    with Context(args.workdir) as ctx:
        print(measure(ctx))
