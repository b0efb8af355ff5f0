"""The demo week's stories and list pages, read from ``stories/*.toml`` into the module constants
the renderers use (``STORIES``, ``BY_KEY``, the per-site lists and settings)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: requirements-dev.txt installs tomli there
    import tomli as tomllib  # type: ignore[no-redef]

from tools.sitegen.model import Image, ListSpec, Older, Story

STORIES_DIR = Path(__file__).resolve().parent / "stories"
_TUPLES = {f.name for f in fields(Story) if isinstance(f.default, tuple)}


def load(name: str) -> dict:
    with (STORIES_DIR / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def story(data: dict) -> Story:
    values = {k: tuple(v) if k in _TUPLES else v for k, v in data.items()}
    if "images" in values:
        values["images"] = tuple(Image(**image) for image in values["images"])
    return Story(**values)


def list_spec(data: dict) -> ListSpec:
    older = tuple(Older(**entry) for entry in data.get("older", ()))
    return ListSpec(**{**data, "keys": tuple(data["keys"]), "older": older})


_GMW, _CHINANEWS, _CE, _CNII = (load(site) for site in ("gmw", "chinanews", "ce", "cnii"))

WINDOW: tuple[str, str] = tuple(load("week")["window"])

GMW = [story(s) for s in _GMW["stories"]]
GMW_LISTS = [list_spec(s) for s in _GMW["lists"]]
GMW_HOMES = [list_spec(s) for s in _GMW["homes"]]

CHINANEWS = [story(s) for s in _CHINANEWS["stories"]]
CHINANEWS_SCROLL_PAGE_SIZE: int = _CHINANEWS["site"]["scroll_page_size"]
CHINANEWS_OLD_HOST_LINKS = tuple(_CHINANEWS["site"]["old_host_links"])

CE = [story(s) for s in _CE["stories"]]
CE_LISTS = [list_spec(s) for s in _CE["lists"]]

CNII = [story(s) for s in _CNII["stories"]]
CNII_LISTS = [list_spec(s) for s in _CNII["lists"]]
EPAPER_ISSUES = tuple(_CNII["epaper"]["issues"])

STORIES: list[Story] = GMW + CHINANEWS + CE + CNII
#: every story by key; the benchmark corpus adds its own (list pages are specs of keys)
BY_KEY: dict[str, Story] = {s.key: s for s in STORIES}
