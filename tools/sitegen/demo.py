"""Write the offline demo archive (``healthcrawl/demo/archive`` and ``manifest.json``, package data
of ``healthcrawl.demo``) from the stories in ``stories/*.toml``: ``python -m tools.sitegen.demo``.

The archive directory is recreated from scratch; the output is deterministic (same bytes each run).
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import date
from pathlib import Path

from tools.sitegen import ce, chinanews, cnii, gmw
from tools.sitegen.manifest import manifest
from tools.sitegen.markup import mirror, newest_first
from tools.sitegen.model import TEMPLATES
from tools.sitegen.week import (
    CE, CE_LISTS, CHINANEWS, CHINANEWS_OLD_HOST_LINKS, CHINANEWS_SCROLL_PAGE_SIZE, CNII, CNII_LISTS,
    EPAPER_ISSUES, GMW, GMW_HOMES, GMW_LISTS, STORIES, WINDOW,
)

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE_DIR = ROOT / "healthcrawl" / "demo" / "archive"
MANIFEST = ROOT / "healthcrawl" / "demo" / "manifest.json"


def archive_days() -> list[date]:
    """The chinanews per-day archives: every day of the window, plus the day after (it holds c15)."""
    first = date.fromisoformat(WINDOW[0]).toordinal()
    last = date.fromisoformat(WINDOW[1]).toordinal() + 1
    return [date.fromordinal(n) for n in range(first, last + 1)]


def chinanews_files() -> list[tuple[str, bytes]]:
    ordered = newest_first(s.key for s in CHINANEWS)
    return chinanews.article_files(CHINANEWS) + chinanews.list_files(
        ordered, CHINANEWS_SCROLL_PAGE_SIZE, archive_days(), CHINANEWS_OLD_HOST_LINKS)


def all_files() -> dict[str, bytes]:
    """mirror path -> bytes for every file of the archive."""
    unknown = {s.template for s in STORIES} - set(TEMPLATES)
    if unknown:
        raise ValueError(f"stories use unknown templates: {sorted(unknown)}")
    return mirror(gmw.files(GMW, GMW_LISTS, GMW_HOMES) + chinanews_files() + ce.files(CE, CE_LISTS)
                  + cnii.files(CNII, CNII_LISTS, EPAPER_ISSUES))


def write(out: Path, manifest_path: Path) -> int:
    """Recreate ``out`` with every file of the archive and write ``manifest_path``; the file count."""
    files = all_files()
    if out.exists():
        shutil.rmtree(out)
    for rel, data in sorted(files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    text = json.dumps(manifest(archive_days()), ensure_ascii=False, indent=1) + "\n"
    manifest_path.write_text(text, encoding="utf-8")
    return len(files)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ARCHIVE_DIR, help="archive directory (recreated)")
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="manifest.json path")
    args = parser.parse_args(argv)
    count = write(args.out, args.manifest)
    print(f"wrote {count} files to {args.out} and {args.manifest}")


if __name__ == "__main__":
    main()
