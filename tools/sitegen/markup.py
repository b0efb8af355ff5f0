"""Helpers every site's renderer shares: escaping, dates, list order and paging, mirror paths and
the bytes a site sends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape
from urllib.parse import urlsplit

from tools.sitegen.model import ListSpec, Older, Story
from tools.sitegen.week import BY_KEY

INDENT = "\u3000\u3000"  # every site indents body paragraphs with two ideographic spaces
WEEKDAYS = "一二三四五六日"
#: every host allows crawling (so a replayed crawl does not log robots.txt 404s)
ROBOTS_TXT = b"User-agent: *\nDisallow:\n"


def t(text: str) -> str:
    """Text content, escaped."""
    return escape(text, quote=False)


def a(text: str) -> str:
    """Attribute value, escaped."""
    return escape(text, quote=True)


def when(story: Story) -> datetime:
    return datetime.strptime(story.published, "%Y-%m-%d %H:%M:%S")


def newest_first(keys: Iterable[str]) -> list[Story]:
    return sorted((BY_KEY[k] for k in keys), key=lambda s: (s.published, s.key), reverse=True)


def list_entries(spec: ListSpec) -> list[Story | Older]:
    """What a list shows, newest first: its stories, then its older list-only entries."""
    older = sorted(spec.older, key=lambda o: (o.day, o.url), reverse=True)
    return newest_first(spec.keys) + older


def chunks(items: list, size: int) -> list[list]:
    if not size:
        return [items]
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def path_of(url: str) -> str:
    return urlsplit(url).path


def mirror_path(url: str) -> str:
    """Where the replay mirror keeps ``url``: ``<host>/<path>``, ``index.html`` for a trailing /."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if path.endswith("/"):
        path += "index.html"
    return f"{parts.hostname}{path}"


def description(story: Story) -> str:
    for p in story.paragraphs:
        if len(p) > 30:
            return p[:70]
    return story.title


def encode(page: str, charset: str) -> bytes:
    """The bytes a site sends. GB2312 pages are written with the GBK codec (which maps the dash
    and middle dot the way browsers do) and then checked to stay inside GB2312's byte range."""
    if charset == "utf-8":
        return page.encode("utf-8")
    data = page.encode("gbk")
    if charset == "gb2312":
        data.decode("gb2312")  # raises if a GBK-only character slipped in
    return data


def paragraphs_html(story: Story, paragraphs: Iterable[tuple[int, str]]) -> str:
    images = {img.at: img for img in story.images}
    out = []
    for i, text in paragraphs:
        if i in images:
            out.append(f'<p style="text-align: center;"><img src="{a(images[i].src)}" border="0" alt=""></p>')
            out.append(f'<p style="text-align: center;">{t(text)}</p>')
        else:
            out.append(f"<p>{INDENT}{t(text)}</p>")
    return "\n".join(out)


def mirror(files: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    """mirror path -> bytes for (url, bytes) pages, with a ``robots.txt`` for every host; two
    different pages for one path are an error."""
    out: dict[str, bytes] = {}
    for url, data in files:
        path = mirror_path(url)
        if path in out and out[path] != data:
            raise ValueError(f"two different pages for {path}")
        out[path] = data
    for host in sorted({path.split("/", 1)[0] for path in out}):
        out[f"{host}/robots.txt"] = ROBOTS_TXT
    return out
