"""Build the ordinary-news set for eval/relevance.py from public dataset snapshots.

The texts are NOT committed: this script reads two repository snapshots brought with the search
tool's ``fetch`` (bare git directories under /work/.mirror) at the commits pinned in
``eval/relevance/ordinary.manifest.json`` and writes ``/work/data/relevance/ordinary.jsonl``
(outside the repository). The manifest records origin, commit, path, blob hash, licence notes,
the sampling rule, the count and the topic mix; ``--write-manifest`` refreshes its computed part.

Sources (see the manifest):

- ``tnews``: CLUE TNEWS ``dev.json`` (Toutiao news headlines with their channel label: finance,
  sports, world, military, tech, education, …), as kept in ``tigergeng/TextCNN``. One record
  per headline; ``title`` = the headline, ``text`` = "" (the dataset has no body).
- ``lcsts``: LCSTS ``PART_III.txt`` (short news posts of Chinese media on Weibo with a
  human-written headline), as kept in ``wangle1218/text-summarization``. ``title`` = the
  headline (``summary``), ``text`` = the post (``short_text``). No topic label (``topic`` =
  "unlabelled").

Every text is labelled irrelevant except those listed under ``labels.relevant`` in the manifest
(ids with the sha1 of their text, each read and judged by the rubric of eval/README.md).

Usage::

    python eval/relevance_fetch.py                       # build /work/data/relevance/ordinary.jsonl
    python eval/relevance_fetch.py --write-manifest      # also refresh count/topic mix in the manifest
    python eval/relevance_fetch.py --tnews-git DIR --lcsts-git DIR --out FILE
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "relevance" / "ordinary.manifest.json"
DEFAULT_OUT = Path("/work/data/relevance/ordinary.jsonl")


def text_sha1(title: str, text: str) -> str:
    return hashlib.sha1(f"{title}\n{text}".encode("utf-8")).hexdigest()


def git_blob(git_dir: Path, commit: str, path: str, blob: str | None) -> bytes:
    """The file ``path`` at ``commit`` of the bare repository ``git_dir``; checks its blob id."""
    if not git_dir.exists():
        raise SystemExit(f"snapshot not found: {git_dir} (bring it with the search tool's fetch; "
                         f"see {MANIFEST.name})")
    spec = f"{commit}:{path}"
    if blob:
        found = subprocess.run(["git", f"--git-dir={git_dir}", "rev-parse", spec],
                               capture_output=True, text=True)
        if found.returncode != 0:
            raise SystemExit(f"{git_dir}: {spec} not found: {found.stderr.strip()}")
        if found.stdout.strip() != blob:
            raise SystemExit(f"{git_dir}: {spec} is blob {found.stdout.strip()}, manifest says {blob}")
    out = subprocess.run(["git", f"--git-dir={git_dir}", "show", spec], capture_output=True)
    if out.returncode != 0:
        raise SystemExit(f"{git_dir}: cannot read {spec}: {out.stderr.decode(errors='replace')}")
    return out.stdout


def read_tnews(raw: bytes) -> list[dict]:
    rows = []
    for n, line in enumerate(raw.decode("utf-8").splitlines()):
        if not line.strip():
            continue
        rec = json.loads(line)
        rows.append({"id": f"tnews-dev-{n:05d}", "source": "tnews",
                     "topic": rec["label_desc"].removeprefix("news_"),
                     "title": rec["sentence"].strip(), "text": ""})
    return rows


_DOC = re.compile(r"<doc id=(\d+)>.*?<summary>\s*(.*?)\s*</summary>.*?<short_text>\s*(.*?)\s*</short_text>",
                  re.S)


def read_lcsts(raw: bytes) -> list[dict]:
    return [{"id": f"lcsts3-{int(n):05d}", "source": "lcsts", "topic": "unlabelled",
             "title": title.strip(), "text": text.strip()}
            for n, title, text in _DOC.findall(raw.decode("utf-8"))]


def build(manifest: dict, git_dirs: dict[str, Path], limit: int | None, seed: int) -> list[dict]:
    rows: list[dict] = []
    readers = {"tnews": read_tnews, "lcsts": read_lcsts}
    for source in manifest["sources"]:
        raw = git_blob(git_dirs[source["name"]], source["commit"], source["path"], source.get("blob"))
        rows.extend(readers[source["name"]](raw))
    seen: set[str] = set()
    unique = []
    for row in rows:  # the same headline/post twice counts once
        key = re.sub(r"\s+", "", row["title"] + row["text"])
        if key in seen:
            continue
        seen.add(key)
        unique.append(row)
    if limit and limit < len(unique):
        unique = random.Random(seed).sample(unique, limit)
    relevant = {r["id"]: r for r in manifest.get("labels", {}).get("relevant", [])}
    for row in unique:
        row["sha1"] = text_sha1(row["title"], row["text"])
        label = relevant.get(row["id"])
        if label and label.get("sha1") not in (None, row["sha1"]):
            raise SystemExit(f"{row['id']}: text changed since it was labelled (sha1 {row['sha1']})")
        row["relevant"] = bool(label)
        row["reason"] = label["reason"] if label else "ordinary news (default label)"
    return sorted(unique, key=lambda r: r["id"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tnews-git", type=Path, help="bare git dir of the tnews snapshot")
    ap.add_argument("--lcsts-git", type=Path, help="bare git dir of the LCSTS snapshot")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--manifest", type=Path, default=MANIFEST)
    ap.add_argument("--limit", type=int, help="draw a seeded sample of this many texts (default: all)")
    ap.add_argument("--write-manifest", action="store_true", help="refresh count and topic mix in the manifest")
    args = ap.parse_args(argv)

    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    git_dirs = {s["name"]: Path(s["snapshot"]) for s in manifest["sources"]}
    if args.tnews_git:
        git_dirs["tnews"] = args.tnews_git
    if args.lcsts_git:
        git_dirs["lcsts"] = args.lcsts_git
    limit = args.limit if args.limit is not None else manifest["sampling"].get("limit")
    rows = build(manifest, git_dirs, limit, manifest["sampling"]["seed"])

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    by_source = Counter(r["source"] for r in rows)
    topics = Counter(f"{r['source']}:{r['topic']}" for r in rows)
    print(f"wrote {len(rows)} texts to {args.out} ({dict(by_source)}); "
          f"{sum(r['relevant'] for r in rows)} labelled relevant")
    if args.write_manifest:
        manifest["count"] = {"total": len(rows), **dict(sorted(by_source.items()))}
        manifest["topic_mix"] = dict(sorted(topics.items(), key=lambda kv: (-kv[1], kv[0])))
        args.manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"updated {args.manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
