"""Generate a large replay corpus in the four sites' markup: ``python bench/corpus.py OUT [-n 5200]``.

The stories and pages come from ``tools/sitegen`` (:mod:`tools.sitegen.bulk`), which renders them
with the demo archive's own site modules, so the spiders discover and extract them exactly as they
do the demo week (2026-11-09 .. 2026-11-15). ``corpus.json`` beside the mirror lists every article
(url, site, kind, reprint_of, relevant) and the page counts. The output is deterministic for a
given ``n`` and ``seed``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[0] = str(ROOT)  # the project root instead of bench/

from tools.sitegen.bulk import SHARES, Generator  # noqa: E402
from tools.sitegen.vocabulary import paragraphs  # noqa: E402,F401 - bench/dedup_scale.py and tests use it
from tools.sitegen.week import WINDOW  # noqa: E402


#: the corpus's default seed (bench/dedup_scale.py's trials add their number to it)
SEED = 20261109


def generate(out: Path, n: int = 5200, seed: int = SEED, reprint_share: float = 0.02,
             irrelevant_share: float = 0.15, multipage_share: float = 0.03, first_seq: int = 0) -> dict:
    """Write the mirror tree under ``out`` (created; must not exist or be empty) and
    ``out/corpus.json``; return the corpus description. ``first_seq``: the articles' URL numbers
    start after it (two corpora 100,000 apart share no URL)."""
    gen = Generator(n, seed, reprint_share, irrelevant_share, multipage_share, first_seq)
    files = gen.generate()
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for rel, data in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)
    articles = list(gen.meta.values())
    info = {
        "window": list(WINDOW),
        "articles": articles,
        "counts": {
            "articles": len(articles),
            "article_pages": sum(a["pages"] for a in articles),
            "list_pages": gen.list_page_count,
            "files": len(files),
            "bytes": total,
            "by_site": {s: sum(a["site"] == s for a in articles) for s in SHARES},
            "by_kind": {k: sum(a["kind"] == k for a in articles) for k in ("original", "reprint", "multipage")},
            "relevant": sum(a["relevant"] for a in articles),
        },
    }
    (out / "corpus.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", type=int, default=5200, help="articles (default 5200)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    info = generate(args.out, args.n, args.seed)
    print(json.dumps(info["counts"], ensure_ascii=False))


if __name__ == "__main__":
    main()
