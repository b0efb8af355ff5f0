"""Main-text and field extraction on real Chinese news pages: ``python bench/extraction.py``.

Four extractors read the same pages in one run:

- ``project``      the project's generic fallback as the spiders call it
                   (:func:`healthcrawl.crawl.extractors.generic.extract_generic` on a Scrapy response);
- ``trafilatura``  plain ``trafilatura.extract(html, include_comments=False, no_fallback=True)``;
- ``gne``          GeneralNewsExtractor (PyPI ``gne``) with its defaults;
- ``density``      :func:`healthcrawl.crawl.extractors.density.extract_article` (issue 15).

Pages: the benchmark laid out by ``eval/extraction_fetch.py`` (``--data``, default
``/work/data/extraction``; what each page is and where it comes from: ``eval/extraction/manifest.json``)
and the project's real pages in ``../shared/realpages`` when present. Pages of the held-out sites
(manifest ``split``) are scored apart (``--split``).

Body score, per page (the metric of the magic-html benchmark, ROUGE-L summary level):

1. both texts are cut into sentences: at line breaks and after 。！？!?；; (closing quotes and
   brackets stay with their sentence); blank sentences are dropped;
2. each sentence becomes its jieba tokens (``jieba.lcut``, default dictionary, whitespace tokens
   dropped);
3. for each labelled sentence, the union of its tokens that lie on a longest common subsequence
   with some extracted sentence (Lin 2004, "union LCS"); a token counts as a hit at most as many
   times as it occurs in each text;
4. precision = hits / extracted tokens, recall = hits / labelled tokens, F1 their harmonic mean;
   an empty extraction scores 0, an identical one 1.

Figures are macro averages over pages (each page weighs the same); ``F1(P̄,R̄)`` is the harmonic
mean of the averaged precision and recall, the figure magic-html publishes. Field accuracy: title
equal after whitespace is squashed; published_at equal to the minute (to the day where the page
shows only a day); source and editor equal after whitespace and brackets are removed, over the
pages whose label has the field. Time: wall time of one call per page (parse included).

Prints figures only; exits non-zero only when it crashes or finds no page.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MANIFEST = ROOT / "eval" / "extraction" / "manifest.json"
DEFAULT_DATA = Path(os.environ.get("HEALTHCRAWL_EXTRACTION_DATA", "/work/data/extraction"))
REALPAGES = ROOT.parent / "shared" / "realpages"
FIELDS = ("title", "published_at", "source", "editor")


# -- pages ---------------------------------------------------------------------------------------

@dataclass
class Page:
    id: str
    site: str
    url: str
    split: str
    html: bytes
    encoding: str | None
    body: str | None  # labelled main text (None: the page has no body label)
    fields: dict[str, str | None]
    text: str = ""  # the page decoded

    def decode(self) -> None:
        if self.encoding:
            self.text = self.html.decode(_codec(self.encoding), errors="replace")
        else:
            from w3lib.encoding import html_to_unicode
            self.text = html_to_unicode(None, self.html)[1]


def _codec(name: str) -> str:
    return "gb18030" if name.lower() in ("gb2312", "gbk", "gb18030") else name


def load_pages(data: Path, realpages: Path) -> list[Page]:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    pages: list[Page] = []
    missing = 0
    for entry in manifest["pages"]:
        html_path, body_path = data / f"{entry['id']}.html", data / f"{entry['id']}.txt"
        if not html_path.exists():
            missing += 1
            continue
        pages.append(Page(entry["id"], entry["site"], entry.get("url") or "", entry["split"],
                          html_path.read_bytes(), entry.get("encoding"),
                          body_path.read_text(encoding="utf-8"), entry["fields"]))
    if missing:
        print(f"note: {missing} manifest pages missing from {data} (run eval/extraction_fetch.py)")
    if realpages.exists():
        for entry in manifest["realpages"]["pages"]:
            path = realpages / entry["file"]
            if not path.exists():
                continue
            body = None
            if entry.get("reference"):
                body = json.loads((realpages / entry["reference"]).read_text(encoding="utf-8"))["content"]
            pages.append(Page(entry["id"], entry["site"], entry["url"], entry["split"],
                              path.read_bytes(), None, body, entry["fields"]))
    else:
        print(f"note: {realpages} absent, real pages skipped")
    for page in pages:
        page.decode()
    return pages


# -- the metric ----------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"([。！？!?；;]+[”’」』）)\]】\"']*)")


def sentences(text: str) -> list[str]:
    out = []
    for line in (text or "").splitlines():
        for piece in _SENTENCE_END.sub(r"\1\n", line).split("\n"):
            piece = piece.strip()
            if piece:
                out.append(piece)
    return out


def tokenize(text: str) -> list[list[str]]:
    import jieba
    return [[t for t in jieba.lcut(s) if t.strip()] for s in sentences(text)]


def _lcs_indices(ref: list[str], cand: list[str]) -> list[int]:
    """Indices in ``ref`` of one longest common subsequence of ``ref`` and ``cand``.

    Tokens of either side absent from the other cannot be on it, so the table is computed on the
    two filtered sequences (same length, far cheaper on long pages)."""
    cand_set = set(cand)
    ref_pos = [i for i, t in enumerate(ref) if t in cand_set]
    if not ref_pos:
        return []
    ref_f = [ref[i] for i in ref_pos]
    ref_set = set(ref_f)
    cand_f = [t for t in cand if t in ref_set]
    n, m = len(ref_f), len(cand_f)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row, prev, token = table[i], table[i - 1], ref_f[i - 1]
        for j in range(1, m + 1):
            row[j] = prev[j - 1] + 1 if token == cand_f[j - 1] else (prev[j] if prev[j] >= row[j - 1] else row[j - 1])
    out, i, j = [], n, m
    while i > 0 and j > 0:
        if ref_f[i - 1] == cand_f[j - 1]:
            out.append(ref_pos[i - 1])
            i -= 1
            j -= 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return out


def rouge_l(reference: list[list[str]], candidate: list[list[str]]) -> tuple[float, float, float]:
    """(precision, recall, F1) of ROUGE-L summary level (union LCS) over token sentences."""
    m = sum(map(len, reference))
    n = sum(map(len, candidate))
    if not m or not n:
        return (0.0, 0.0, 0.0)
    ref_counts: Counter = Counter(t for s in reference for t in s)
    cand_counts: Counter = Counter(t for s in candidate for t in s)
    cand_sets = [set(s) for s in candidate]
    hits = 0
    for ref in reference:
        ref_set = set(ref)
        union: set[int] = set()
        for cand, cand_set in zip(candidate, cand_sets):
            if ref_set & cand_set:
                union.update(_lcs_indices(ref, cand))
        for index in sorted(union):
            token = ref[index]
            if cand_counts[token] > 0 and ref_counts[token] > 0:
                hits += 1
                cand_counts[token] -= 1
                ref_counts[token] -= 1
    precision, recall = hits / n, hits / m
    f1 = 0.0 if not hits else 2 * precision * recall / (precision + recall)
    return (precision, recall, f1)


def body_score(label: str, extracted: str) -> tuple[float, float, float]:
    if _squash(label) == _squash(extracted):
        return (1.0, 1.0, 1.0)
    return rouge_l(tokenize(label), tokenize(extracted))


# -- the extractors ------------------------------------------------------------------------------

@dataclass
class Output:
    body: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


def run_project(page: Page) -> Output:
    """The project's generic fallback, called the way the site extractors call it."""
    from scrapy.http import HtmlResponse

    from healthcrawl.crawl.extractors.generic import extract_generic

    response = HtmlResponse(page.url or "https://example.invalid/", body=page.html,
                            encoding=_codec(page.encoding) if page.encoding else None)
    result = extract_generic(response)
    return Output("\n".join(result.fields.get("paragraphs") or []),
                  {name: result.fields.get(name) for name in FIELDS})


def run_trafilatura(page: Page) -> Output:
    import trafilatura
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = trafilatura.extract(page.text, include_comments=False, no_fallback=True)
    return Output(text or "", {})


_GNE = None


def run_gne(page: Page) -> Output:
    global _GNE
    from gne import GeneralNewsExtractor
    _GNE = _GNE or GeneralNewsExtractor()
    result = _GNE.extract(page.text)
    return Output(result.get("content") or "",
                  {"title": result.get("title"), "published_at": result.get("publish_time")})


def run_density(page: Page) -> Output:
    from healthcrawl.crawl.extractors.density import extract_article
    article = extract_article(page.text, page.url or None)
    return Output("\n".join(article.paragraphs),
                  {"title": article.title, "published_at": article.published_at,
                   "source": article.source, "editor": article.editor})


EXTRACTORS: dict[str, Callable[[Page], Output]] = {
    "project": run_project, "trafilatura": run_trafilatura, "gne": run_gne, "density": run_density,
}


# -- field comparison ----------------------------------------------------------------------------

def _squash(text: Any) -> str:
    return re.sub(r"[\s\u3000\xa0]+", " ", str(text or "")).strip()


def _bare(text: Any) -> str:
    return re.sub(r"[\s\u3000\xa0\[\]【】()（）]+", "", str(text or ""))


_DT = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})(?:\D{1,3}(\d{1,2}):(\d{2}))?")


def _minute(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    m = _DT.search(str(value))
    if not m:
        return None
    day = f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    return f"{day} {int(m[4]):02d}:{m[5]}" if m[4] else day


def field_ok(name: str, label: str, value: Any) -> bool:
    if name == "title":
        return _squash(label) == _squash(value)
    if name == "published_at":
        got = _minute(value)
        return bool(got) and got[:len(label)] == label and (len(label) <= 10 or len(got) > 10)
    return _bare(label) == _bare(value)


# -- the run -------------------------------------------------------------------------------------

@dataclass
class Row:
    page: Page
    scores: dict[str, tuple[float, float, float] | None] = field(default_factory=dict)
    fields: dict[str, dict[str, bool]] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def evaluate(pages: list[Page], names: list[str]) -> list[Row]:
    rows = []
    for page in pages:
        row = Row(page)
        for name in names:
            start = time.perf_counter()
            try:
                out = EXTRACTORS[name](page)
            except Exception as exc:  # noqa: BLE001 - an extractor failing on a page is a figure
                out = Output()
                row.errors[name] = f"{type(exc).__name__}: {exc}"[:120]
            row.times[name] = time.perf_counter() - start
            row.scores[name] = body_score(page.body, out.body) if page.body is not None else None
            row.fields[name] = {f: field_ok(f, page.fields[f], out.fields.get(f))
                                for f in FIELDS if page.fields.get(f) and f in out.fields}
        rows.append(row)
    return rows


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))] if ordered else float("nan")


def report(title: str, rows: list[Row], names: list[str], worst: int) -> None:
    scored = [r for r in rows if r.scores.get(names[0]) is not None]
    sites = sorted({r.page.site for r in rows})
    print(f"\n== {title}: {len(rows)} pages ({len(scored)} with a labelled body), {len(sites)} sites")
    head = f"{'extractor':12} {'P':>6} {'R':>6} {'F1':>6} {'F1(P̄,R̄)':>9} {'title':>9} {'time':>9} {'source':>9} {'editor':>9} {'p50 ms':>7} {'p95 ms':>7}"
    print(head)
    for name in names:
        p = _mean([r.scores[name][0] for r in scored])
        rc = _mean([r.scores[name][1] for r in scored])
        f1 = _mean([r.scores[name][2] for r in scored])
        f1pr = 2 * p * rc / (p + rc) if p + rc else 0.0
        cells = []
        for f in FIELDS:
            marks = [r.fields[name][f] for r in rows if f in r.fields[name]]
            cells.append(f"{sum(marks)}/{len(marks)}" if marks else "—")
        times = [r.times[name] * 1000 for r in rows]
        print(f"{name:12} {p:6.3f} {rc:6.3f} {f1:6.3f} {f1pr:9.3f} {cells[0]:>9} {cells[1]:>9} {cells[2]:>9} {cells[3]:>9} "
              f"{_pct(times, 50):7.1f} {_pct(times, 95):7.1f}")
    errors = Counter(name for r in rows for name in r.errors)
    if errors:
        print("errors: " + ", ".join(f"{n} {c}" for n, c in errors.items()))
    last = names[-1]
    if worst and scored:
        print(f"worst {min(worst, len(scored))} pages for {last} (F1, with P/R; the others' F1):")
        for r in sorted(scored, key=lambda r: r.scores[last][2])[:worst]:
            p, rc, f1 = r.scores[last]
            others = " ".join(f"{n}={r.scores[n][2]:.2f}" for n in names[:-1])
            print(f"  {f1:.3f} (P {p:.2f} R {rc:.2f})  {r.page.id:15} {r.page.site:18} {others}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="pages laid out by eval/extraction_fetch.py (%(default)s)")
    parser.add_argument("--realpages", type=Path, default=REALPAGES, help="the shared real pages (%(default)s)")
    parser.add_argument("--split", choices=("dev", "heldout", "both"), default="both",
                        help="dev pages, held-out pages, or both in two tables (%(default)s)")
    parser.add_argument("--only", nargs="*", choices=list(EXTRACTORS), help="run these extractors only")
    parser.add_argument("--worst", type=int, default=10, help="pages listed as the worst (%(default)s)")
    parser.add_argument("--fields", action="store_true", help="list the field misses of the last extractor")
    args = parser.parse_args(argv)
    logging.getLogger("jieba").setLevel(logging.ERROR)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    import jieba
    jieba.setLogLevel(logging.ERROR)
    jieba.initialize()
    pages = load_pages(args.data, args.realpages)
    if not pages:
        print(f"no pages in {args.data}: run eval/extraction_fetch.py first")
        return 1
    names = []
    for name in args.only or list(EXTRACTORS):  # imports and one-time set-up outside the timings
        try:
            EXTRACTORS[name](pages[0])
        except ImportError as exc:
            print(f"note: {name} skipped ({exc}; pip install -r requirements-dev.txt)")
            continue
        names.append(name)
    splits = ["dev", "heldout"] if args.split == "both" else [args.split]
    for split in splits:
        chosen = [p for p in pages if p.split == split]
        if not chosen:
            continue
        rows = evaluate(chosen, names)
        report(f"{split} pages", rows, names, args.worst)
        if args.fields:
            last = names[-1]
            for r in rows:
                for f, ok in r.fields[last].items():
                    if not ok:
                        got = EXTRACTORS[last](r.page).fields.get(f)
                        print(f"  miss {r.page.id:15} {f:12} want {r.page.fields[f]!r} got {got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
