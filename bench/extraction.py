"""Main-text and field extraction on real Chinese news pages: ``python bench/extraction.py``.

Three extractors read the same pages in one run:

- ``project``      the project's generic fallback as the spiders call it (the last template of
                   every site, :data:`healthcrawl.crawl.extractors.generic.FALLBACK_TEMPLATE`, on a
                   Scrapy response: the density extractor and the boilerplate rule set);
- ``trafilatura``  plain ``trafilatura.extract(html, include_comments=False, no_fallback=True)``;
- ``gne``          GeneralNewsExtractor (PyPI ``gne``) with its defaults.

Pages: the benchmark laid out by ``eval/extraction_fetch.py`` (``--data``, default
``/work/data/extraction``; what each page is and where it comes from: ``eval/extraction/manifest.json``)
and the project's real pages in ``../shared/realpages`` when present (fields from its README, read at
run time by ``eval/extraction/realpages.py``). Pages of the held-out split (manifest ``split``:
pages of four extractors' test suites from sites not in dev, labelled by recipe) are scored apart
(``--split``).

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
pages whose label has the field. Time: wall time of one call per page (parse included), the best
of ``--repeat`` calls (3: the machine's cores are shared, and the best call is the one least
disturbed by other work).

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

from eval.extraction.metric import body_score  # noqa: E402
from eval.extraction.realpages import expected_fields, page_url  # noqa: E402
from healthcrawl.text.whitespace import squash  # noqa: E402

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
        stated = expected_fields(realpages)
        for entry in manifest["realpages"]["pages"]:
            path = realpages / entry["file"]
            if not path.exists():
                continue
            body = None
            if entry.get("reference"):
                body = json.loads((realpages / entry["reference"]).read_text(encoding="utf-8"))["content"]
            fields = {name: stated[entry["file"]].get(name) for name in FIELDS}
            fields["published_at"] = (fields["published_at"] or "")[:16] or None  # to the minute
            pages.append(Page(entry["id"], entry["site"], page_url(realpages, entry["file"]), entry["split"],
                              path.read_bytes(), None, body, fields))
    else:
        print(f"note: {realpages} absent, real pages skipped")
    for page in pages:
        page.decode()
    return pages


# -- the extractors ------------------------------------------------------------------------------

@dataclass
class Output:
    body: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


def run_project(page: Page) -> Output:
    """The project's generic fallback, called the way the site extractors call it."""
    from scrapy.http import HtmlResponse

    from healthcrawl.crawl.extractors.generic import FALLBACK_TEMPLATE

    response = HtmlResponse(page.url or "https://example.invalid/", body=page.html,
                            encoding=_codec(page.encoding) if page.encoding else None)
    result = FALLBACK_TEMPLATE.extract(response)
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


EXTRACTORS: dict[str, Callable[[Page], Output]] = {
    "project": run_project, "trafilatura": run_trafilatura, "gne": run_gne,
}


# -- field comparison ----------------------------------------------------------------------------

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
        return squash(label) == squash(str(value or ""))
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


def timed(name: str, page: Page, repeat: int) -> tuple[Output, float, str | None]:
    """(output, the best time of ``repeat`` calls, error) of one extractor on one page."""
    best, out, error = float("inf"), Output(), None
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            out = EXTRACTORS[name](page)
        except Exception as exc:  # noqa: BLE001 - an extractor failing on a page is a figure
            out, error = Output(), f"{type(exc).__name__}: {exc}"[:120]
        best = min(best, time.perf_counter() - start)
    return out, best, error


def evaluate(pages: list[Page], names: list[str], repeat: int = 1) -> list[Row]:
    rows = []
    for page in pages:
        row = Row(page)
        for name in names:
            out, row.times[name], error = timed(name, page, repeat)
            if error:
                row.errors[name] = error
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


@dataclass
class Figures:
    """One extractor's figures on one split."""

    p: float
    r: float
    f1: float
    fields: dict[str, tuple[int, int]]  # field -> (right, pages whose label has it)
    p50: float
    p95: float


def figures(rows: list[Row], name: str) -> Figures:
    scored = [r for r in rows if r.scores.get(name) is not None]
    fields = {}
    for f in FIELDS:
        marks = [r.fields[name][f] for r in rows if f in r.fields[name]]
        if marks:
            fields[f] = (sum(marks), len(marks))
    times = [r.times[name] * 1000 for r in rows]
    return Figures(_mean([r.scores[name][0] for r in scored]), _mean([r.scores[name][1] for r in scored]),
                   _mean([r.scores[name][2] for r in scored]), fields, _pct(times, 50), _pct(times, 95))


#: issue 15's goals for the fallback: (what, the figure, the goal, higher is better)
def goals(own: Figures, others: dict[str, Figures]) -> list[tuple[str, float, float, bool]]:
    out = [("body F1", own.f1, 0.95, True), ("body precision", own.p, 0.93, True)]
    out += [(f"body F1 ahead of {name}", own.f1, other.f1, True) for name, other in others.items()]
    for name, share in (("title", 0.95), ("published_at", 0.90), ("source", 0.85)):
        right, total = own.fields.get(name, (0, 0))
        out.append((f"{name} right", right / total if total else float("nan"), share, True))
    out.append(("p95 ms per page", own.p95, 30.0, False))
    return out


def report(title: str, rows: list[Row], names: list[str], worst: int) -> None:
    scored = [r for r in rows if r.scores.get(names[0]) is not None]
    sites = sorted({r.page.site for r in rows})
    print(f"\n== {title}: {len(rows)} pages ({len(scored)} with a labelled body), {len(sites)} sites")
    print(f"{'extractor':12} {'P':>6} {'R':>6} {'F1':>6} {'F1(P̄,R̄)':>9} {'title':>9} {'time':>9} {'source':>9} "
          f"{'editor':>9} {'p50 ms':>7} {'p95 ms':>7}")
    table = {name: figures(rows, name) for name in names}
    for name, fig in table.items():
        f1pr = 2 * fig.p * fig.r / (fig.p + fig.r) if fig.p + fig.r else 0.0
        cells = [f"{fig.fields[f][0]}/{fig.fields[f][1]}" if f in fig.fields else "—" for f in FIELDS]
        print(f"{name:12} {fig.p:6.3f} {fig.r:6.3f} {fig.f1:6.3f} {f1pr:9.3f} "
              + " ".join(f"{c:>9}" for c in cells) + f" {fig.p50:7.1f} {fig.p95:7.1f}")
    errors = Counter(name for r in rows for name in r.errors)
    if errors:
        print("errors: " + ", ".join(f"{n} {c}" for n, c in errors.items()))
    if "project" in table:
        print("goals (issue 15, set for the dev pages): " + "; ".join(
            f"{what} {got:.3g} {'≥' if up else '≤'} {goal:.3g} {'met' if (got >= goal if up else got <= goal) else 'MISSED'}"
            for what, got, goal, up in goals(table["project"], {n: f for n, f in table.items() if n != "project"})))
    first = names[0]
    if worst and scored:
        print(f"worst {min(worst, len(scored))} pages for {first} (F1, with P/R; the others' F1):")
        for r in sorted(scored, key=lambda r: r.scores[first][2])[:worst]:
            p, rc, f1 = r.scores[first]
            others = " ".join(f"{n}={r.scores[n][2]:.2f}" for n in names[1:])
            print(f"  {f1:.3f} (P {p:.2f} R {rc:.2f})  {r.page.id:15} {r.page.site:18} {others}")


def field_misses(rows: list[Row], name: str) -> None:
    for r in rows:
        for f, ok in r.fields[name].items():
            if not ok:
                got = EXTRACTORS[name](r.page).fields.get(f)
                print(f"  miss {r.page.id:15} {f:12} want {r.page.fields[f]!r} got {got!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="pages laid out by eval/extraction_fetch.py (%(default)s)")
    parser.add_argument("--realpages", type=Path, default=REALPAGES, help="the shared real pages (%(default)s)")
    parser.add_argument("--split", choices=("dev", "heldout", "both"), default="both",
                        help="dev pages, held-out pages, or both in two tables (%(default)s)")
    parser.add_argument("--only", nargs="*", choices=list(EXTRACTORS), help="run these extractors only")
    parser.add_argument("--worst", type=int, default=10, help="pages listed as the worst (%(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="calls per page and extractor, the best timed (%(default)s)")
    parser.add_argument("--fields", action="store_true", help="list the field misses of the first extractor")
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
        rows = evaluate(chosen, names, max(1, args.repeat))
        report(f"{split} pages", rows, names, args.worst)
        if args.fields:
            field_misses(rows, names[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
