"""Lay out the extraction benchmark's pages from repository snapshots: ``python eval/extraction_fetch.py``.

The pages and their labelled main text belong to public datasets (see ``eval/extraction/manifest.json``:
repository, commit, path and licence of every page). They are not part of this project: this
script copies them out of local snapshots of those repositories (as the search tool's ``fetch``
leaves them, ``<mirror>/<owner>+<name>/repo``, a bare git directory) into ``--data``
(default ``/work/data/extraction``, outside the repository):

    <data>/<page id>.html   the page, byte for byte as the dataset has it
    <data>/<page id>.txt    the main text as the dataset labels it (UTF-8); for pages of test suites
                            without labelled text, the text our label recipe gives on the page
                            (``eval/extraction/xpathlabel.py``: no page text is kept in the project)

``bench/extraction.py`` reads them from there together with the manifest. A page whose
snapshot is missing is reported and skipped (exit status 1 when nothing could be laid out).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eval.extraction.xpathlabel import label_text as recipe_label  # noqa: E402

MANIFEST = ROOT / "eval" / "extraction" / "manifest.json"
DEFAULT_DATA = Path(os.environ.get("HEALTHCRAWL_EXTRACTION_DATA", "/work/data/extraction"))
DEFAULT_MIRROR = Path(os.environ.get("HEALTHCRAWL_MIRROR", "/work/.mirror"))


def git_show(gitdir: Path, commit: str, path: str) -> bytes:
    """A file of a snapshot at ``commit`` (at HEAD when the snapshot lacks that commit)."""
    for rev in (commit, "HEAD"):
        done = subprocess.run(["git", "--git-dir", str(gitdir), "show", f"{rev}:{path}"],
                              capture_output=True, check=False)
        if done.returncode == 0:
            if rev != commit:
                print(f"  note: {path} read at HEAD, {commit[:10]} is not in {gitdir}", file=sys.stderr)
            return done.stdout
    raise FileNotFoundError(f"{path} not in {gitdir}")


def label_text(gitdir: Path, commit: str, label: str | dict, cache: dict, html: bytes = b"") -> str:
    """The labelled main text: ``file.txt``, ``file.json#key`` (the key's ``content``) or a recipe
    (a dict, see ``eval/extraction/xpathlabel.py``) applied to the page."""
    if isinstance(label, dict):
        return recipe_label(html.decode("utf-8", errors="replace"), label)
    path, _, key = label.partition("#")
    if not key:
        return git_show(gitdir, commit, path).decode("utf-8", errors="replace")
    if (gitdir, path) not in cache:
        cache[(gitdir, path)] = json.loads(git_show(gitdir, commit, path))
    return cache[(gitdir, path)][key]["content"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="output folder (%(default)s)")
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR,
                        help="folder of snapshots <owner>+<name>/repo (%(default)s)")
    args = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    args.data.mkdir(parents=True, exist_ok=True)
    sources = manifest["sources"]
    cache: dict = {}
    laid, missing = 0, 0
    for page in manifest["pages"]:
        source = sources[page["source"]]
        gitdir = args.mirror / source["repo"].replace("/", "+") / "repo"
        try:
            html = git_show(gitdir, source["commit"], page["path"])
            text = label_text(gitdir, source["commit"], page["label"], cache, html)
        except (FileNotFoundError, KeyError) as exc:
            print(f"missing {page['id']}: {exc}", file=sys.stderr)
            missing += 1
            continue
        (args.data / f"{page['id']}.html").write_bytes(html)
        (args.data / f"{page['id']}.txt").write_text(text, encoding="utf-8")
        laid += 1
    print(f"{laid} pages laid out in {args.data} ({missing} missing)")
    return 0 if laid else 1


if __name__ == "__main__":
    sys.exit(main())
