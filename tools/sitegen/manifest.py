"""The demo archive's ``manifest.json``: every article with its expected fields and special-case
flags, and every mirrored list page with the article URLs it links."""

from __future__ import annotations

from urllib.parse import urljoin

from tools.sitegen import ce, chinanews, cnii, gmw
from tools.sitegen.markup import chunks, list_entries, mirror_path, newest_first, when
from tools.sitegen.model import Older, Story
from tools.sitegen.week import (
    BY_KEY, CE_LISTS, CHINANEWS, CHINANEWS_SCROLL_PAGE_SIZE, CNII_LISTS, EPAPER_ISSUES, GMW_HOMES,
    GMW_LISTS, STORIES, WINDOW,
)
from healthcrawl.crawl.sites import site_for_host

DESCRIPTION = ("Offline demo archive of healthcrawl: invented articles in each site's markup. "
               "Regenerate with `python -m tools.sitegen.demo`.")

FIELDS = {
    "published_at": "Beijing time as the page gives it (seconds from gmw enpproperty / chinanews "
                    "#pubtime_baidu); midnight for e-paper issues and for the no_date page (day from "
                    "URL and list); null for error and missing pages",
    "source": "来源 as the page shows it, without the label (null when the page names none, as on "
              "e-paper pages, whose site name is 人民邮电报)",
    "relevant": "editorial label: health sector AND (data/digital/AI OR health policy)",
    "expected_in_bulletin": "relevant, inside the window and not broken",
    "paragraphs": "body paragraphs an extractor should return (captions, author and print lines "
                  "included; editor lines, 更多精彩内容 lines and page navigation excluded); for the "
                  "truncated page, the paragraphs present (the last one cut short)",
    "broken": "same as flags.broken (error_page | truncated | missing | null), repeated for filtering",
    "outside_window": "same as flags.outside_window, repeated for filtering",
    "file": "mirror path under archive/ (null when the page is missing: HTTP 404 on replay)",
    "listed_on": "list pages (manifest 'lists') that link the article",
    "lists": "every mirrored list page: the article URLs it links (resolved, canonical host, "
             "newest first), 'older_entries' it links with list dates before the window (pages not "
             "mirrored: a 404 if requested) and the next list page it links (null on the last page; "
             "a 'next' not in 'lists' is deliberately not mirrored)",
}


def published_at(story: Story) -> str | None:
    if story.broken in ("error_page", "missing"):
        return None
    return when(story).isoformat() + "+08:00"


def outside_window(story: Story) -> bool:
    return not (WINDOW[0] <= story.day <= WINDOW[1])


def page(url: str, site: str, kind: str, stories: list[Story | Older], next_url: str | None) -> dict:
    return {"url": url, "site": site, "kind": kind,
            "entries": [s.url for s in stories if isinstance(s, Story)],
            "older_entries": [s.url for s in stories if isinstance(s, Older)],
            "next": next_url}


def gmw_pages() -> list[dict]:
    pages = []
    for spec in GMW_LISTS:
        rendered = gmw.list_pages(spec)
        groups = chunks(list_entries(spec), spec.page_size)
        for n, ((url, _), stories) in enumerate(zip(rendered, groups)):
            nxt = rendered[n + 1][0] if n + 1 < len(rendered) else (
                urljoin(url, f"{spec.url.rsplit('/', 1)[1][:-4]}_{n + 2}.htm") if spec.more_pages else None)
            pages.append(page(url, "gmw", "gmw_node", stories, nxt))
    pages += [page(spec.url, "gmw", "gmw_home", newest_first(spec.keys), None) for spec in GMW_HOMES]
    return pages


def chinanews_pages(days: list) -> list[dict]:
    ordered = newest_first(s.key for s in CHINANEWS)
    scroll = chunks(ordered, CHINANEWS_SCROLL_PAGE_SIZE)
    pages = [page(chinanews.scroll_url(n), "chinanews", "cn_scroll", stories,
                  chinanews.scroll_url(n + 1) if n < len(scroll) else None)
             for n, stories in enumerate(scroll, start=1)]
    pages += [page(chinanews.day_archive_url(day), "chinanews", "cn_archive",
                   [s for s in ordered if s.day == day.isoformat()], None) for day in days]
    pages.append(page(chinanews.RSS_URL, "chinanews", "cn_rss", ordered, None))
    return pages


def ce_pages() -> list[dict]:
    pages = []
    for spec in CE_LISTS:
        groups = chunks(newest_first(spec.keys), spec.page_size)
        for n, stories in enumerate(groups):
            nxt = ce.page_url(spec, n + 1) if n + 1 < len(groups) else None
            pages.append(page(ce.page_url(spec, n), "ce", "ce_trs_list", stories, nxt))
    return pages


def cnii_pages() -> list[dict]:
    pages = [page(spec.url, "cnii", "cnii_list", newest_first(spec.keys), None) for spec in CNII_LISTS]
    epaper = [s for s in STORIES if s.template == "epaper"]
    pages += [page(cnii.epaper_issue_url(day), "cnii", "epaper_data_json",
                   sorted(cnii.issue_members(epaper, day), key=lambda s: (s.epaper, s.key)), None)
              for day in EPAPER_ISSUES]
    return pages


def list_pages(days: list) -> list[dict]:
    """Every mirrored list page with the article URLs it links (resolved, canonical host);
    ``days``: the chinanews per-day archives."""
    return gmw_pages() + chinanews_pages(days) + ce_pages() + cnii_pages()


def article(s: Story, listed_on: dict[str, list[str]], reprinted_by: dict[str, list[str]]) -> dict:
    broken = s.broken or None
    flags = {
        "reprint_of": BY_KEY[s.reprint_of].url if s.reprint_of else None,
        "reprinted_by": reprinted_by.get(s.key),
        "same_event_as": BY_KEY[s.same_event_as].url if s.same_event_as else None,
        "multipage": [gmw.page_url(s, 1), gmw.page_url(s, 2)] if s.page_break else None,
        "broken": broken,
        "no_date": s.no_date,
        "outside_window": outside_window(s),
        "also_served_at": cnii.epaper_plain_url(s) if s.href_form == "rmydb-prefix" else None,
    }
    return {
        "key": s.key, "url": s.url, "site": site_for_host(s.host), "template": s.template,
        "title": s.title, "published_at": published_at(s),
        "source": s.source or None, "author": s.author or None, "editor": s.editor or None,
        "relevant": s.relevant,
        "expected_in_bulletin": s.relevant and not outside_window(s) and not broken,
        "charset": s.charset if s.template != "missing" else None,
        "paragraphs": 3 if s.broken == "truncated" else len(s.paragraphs),
        "file": None if s.broken == "missing" else mirror_path(s.url),
        "listed_on": listed_on.get(s.url, []),
        "broken": flags["broken"],
        "outside_window": flags["outside_window"],
        "flags": flags,
        "note": s.note or None,
    }


def manifest(days: list) -> dict:
    lists = list_pages(days)
    listed_on: dict[str, list[str]] = {}
    for list_page in lists:
        for url in list_page["entries"]:
            listed_on.setdefault(url, []).append(list_page["url"])
    reprinted_by: dict[str, list[str]] = {}
    for s in STORIES:
        if s.reprint_of:
            reprinted_by.setdefault(s.reprint_of, []).append(s.url)
    return {
        "description": DESCRIPTION,
        "window": {"since": WINDOW[0], "until": WINDOW[1], "timezone": "Asia/Shanghai (+08:00)"},
        "layout": "archive/<host>/<path>; a URL ending in / is stored as <path>/index.html; "
                  "query strings ignored; a missing file is a 404",
        "fields": FIELDS,
        "articles": [article(s, listed_on, reprinted_by) for s in STORIES],
        "lists": lists,
    }
