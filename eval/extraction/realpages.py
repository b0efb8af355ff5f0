"""The expected fields of the project's real saved pages (``../shared/realpages``), read from that
folder's README at run time: its text is never copied into the project.

``expected_fields(folder)`` → {file: {field: value}} with the fields title, published_at
("YYYY-MM-DD HH:MM[:SS]", Beijing time), source, editor, paragraph_count, first_paragraph_start
and last_paragraph_end, as far as the README states them; ``page_url(folder, file)`` the page's
original URL from the README's table. An item of the README's lists that is not understood
raises ``ValueError`` (a test fails instead of checking less).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: file → how the README's list of expected fields names the page
LABELS = {
    "gmw/politics_2024-05-13_content_37319243.html": "gmw politics page",
    "chinanews/gerapy_china_news1_2020-07-04.html": "chinanews page",
}
#: one item of a page's list → the field it states
_ITEMS = (
    (re.compile(r"^title (?P<v>.+)$"), "title"),
    (re.compile(r"^time (?P<v>[\d-]+ [\d:]+) \(UTC\+8\)$"), "published_at"),
    (re.compile(r"^source (?P<v>.+)$"), "source"),
    (re.compile(r"^editor (?P<v>.+)$"), "editor"),
    (re.compile(r"^(?P<v>\d+) body paragraphs$"), "paragraph_count"),
    (re.compile(r'^first starting "(?P<v>.+)"$'), "first_paragraph_start"),
    (re.compile(r'^(?:the )?last (?:ending with )?"(?P<v>.+)"$'), "last_paragraph_end"),
)


def _readme(folder: Path) -> str:
    return (folder / "README.md").read_text(encoding="utf-8")


def _item(text: str) -> tuple[str, Any]:
    for pattern, name in _ITEMS:
        m = pattern.match(text)
        if m:
            return name, int(m["v"]) if name == "paragraph_count" else m["v"]
    raise ValueError(f"realpages README: item not understood: {text!r}")


def expected_fields(folder: Path) -> dict[str, dict[str, Any]]:
    """{file: {field: value}} for every page of :data:`LABELS`."""
    listed = _readme(folder).split("Expected fields", 1)[1]
    entries = re.split(r"\s*(?:^|\n)- ", listed, flags=re.M)
    entries = [" ".join(line.strip() for line in entry.splitlines()) for entry in entries]
    out: dict[str, dict[str, Any]] = {}
    for file, label in LABELS.items():
        entry = next((e for e in entries if e.startswith(f"{label}:")), None)
        if entry is None:
            raise ValueError(f"realpages README: no expected fields for {label!r}")
        items = re.split(r"[;,] ", entry.split(":", 1)[1].strip().rstrip("."))
        out[file] = dict(_item(item.strip()) for item in items)
    return out


def page_url(folder: Path, file: str) -> str:
    """The page's original URL, from the README's table."""
    m = re.search(rf"\|\s*{re.escape(file)}\s*\|\s*(\S+)\s*\|", _readme(folder))
    if not m:
        raise ValueError(f"realpages README: no URL for {file}")
    return m[1]
