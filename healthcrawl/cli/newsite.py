"""``healthcrawl new-site NAME --url SAMPLE_ARTICLE_URL [--page FILE]``: the files of a new site.

Writes the registry entry (healthcrawl/crawl/sites.py), the thin spider (spiders/NAME.py), the
extractor with one CSS template skeleton (healthcrawl/crawl/extractors/NAME.py), a fixture folder
from the sample page (a *draft* expected.json) and the test module (tests/test_extract_NAME.py),
which fails until the draft has been checked. README "Adding a site" is the procedure around it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

SPIDER = '''"""{title}: list pages → articles (written by ``healthcrawl new-site``: set the channels' list URLs)."""

from healthcrawl.crawl.extractors.{key} import EXTRACTOR
from healthcrawl.crawl.spider import NewsSpider


class {cls}Spider(NewsSpider):
    name = "{key}"
    site = "{key}"
    allowed_domains = ["{domain}"]
    extractor = EXTRACTOR
    channels = {{
        # the site's channel label -> its first list pages (map each label to the channel
        # vocabulary in the site's registry entry, healthcrawl/crawl/sites.py)
        "news": ["{home}"],
    }}
'''

EXTRACTOR = '''"""{title} ({domain}): one article template (``{key}-article``, then the fallback) and the
channel lists (written by ``healthcrawl new-site``: set the selectors from the sample page)."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.http import TextResponse

from healthcrawl.crawl.extractors.base import SiteExtractor
from healthcrawl.crawl.extractors.css import CssTemplate
from healthcrawl.crawl.extractors.generic import FALLBACK_TEMPLATE
from healthcrawl.crawl.extractors.lists import ListPage, link_entries, next_link
from healthcrawl.text import dates

DOMAIN = "{domain}"


def is_article_url(url: str) -> bool:
    """An article of the site: its host under DOMAIN and a date in its path."""
    host = urlsplit(url).hostname or ""
    return (host == DOMAIN or host.endswith("." + DOMAIN)) and dates.date_from_url(url) is not None


class {cls}ArticleTemplate(CssTemplate):
    """The article page. TODO: the selectors of the sample page (these are common guesses)."""

    name = "{key}-article"
    match_css = body_css = ({body_css})
    title_css = ("h1",)
    time_css = (".date", ".time", ".pubtime", "#pubtime")
    source_css = (".source", "#source")
    editor_css = (".editor", ".edit")


class {cls}Extractor(SiteExtractor):
    site = "{key}"
    templates = ({cls}ArticleTemplate(), FALLBACK_TEMPLATE)

    def parse_list(self, response: TextResponse) -> ListPage:
        """Any link of article shape; a "下一页" link."""
        return link_entries(response, response.css("a[href]"), is_article_url, next_page=next_link(response))


EXTRACTOR = {cls}Extractor()
'''

TEST = '''"""{title} pages → fields, from saved bytes: the checks every site shares
(tests/extraction_checks.py), over tests/fixtures/{key}/ (written by ``healthcrawl new-site``)."""

from __future__ import annotations

import pytest

from healthcrawl.crawl.extractors.{key} import EXTRACTOR
from healthcrawl.crawl.fixtures import DRAFT_KEY
from tests.extraction_checks import ExtractionChecks
from tests.pages import expected_of, fixture_dirs

SITE = "{key}"


class TestExtraction(ExtractionChecks):
    site = SITE
    extractor = EXTRACTOR


@pytest.mark.parametrize("path", fixture_dirs(SITE), ids=lambda p: p.name)
def test_the_fixture_was_checked_by_hand(path):
    assert DRAFT_KEY not in expected_of(path), f"{{path}}/expected.json is a draft: check it, then delete the line"
'''

#: body containers of common Chinese news CMSs, tried in order by the skeleton template
BODY_GUESSES = ("div.rm_txt_con", "#rwb_zw", "div.TRS_Editor", "div.article-content", "div.article",
                "article", "#content", "div.content")
_REGISTRY_END = re.compile(r"(SITES: dict\[str, Site\] = \{.*?\n)(\}\n)", re.S)
_TWO_PART_SUFFIXES = ("com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn")


def site_domain(url: str) -> str:
    """The registrable domain of ``url``'s host (health.people.com.cn → people.com.cn)."""
    labels = (urlsplit(url).hostname or "").lower().split(".")
    keep = 3 if ".".join(labels[-2:]) in _TWO_PART_SUFFIXES else 2
    return ".".join(labels[-keep:])


def register(root: Path, key: str, title: str, domain: str) -> None:
    """Add the site's entry (default politeness slot, no channel labels yet) to the registry."""
    path = root / "healthcrawl" / "crawl" / "sites.py"
    text = path.read_text(encoding="utf-8")
    entry = f'    "{key}": Site("{key}", "{title}", ("{domain}",), Slot(2, 1.0), {{"news": "news"}}),\n'
    new, count = _REGISTRY_END.subn(lambda m: m[1] + entry + m[2], text, count=1)
    if not count:
        raise ValueError(f"{path}: no SITES registry found")
    path.write_text(new, encoding="utf-8")


def generate(root: Path, key: str, url: str, title: str, page: Path | None, domain: str | None = None) -> list[Path]:
    """Write the new site's files under the checkout ``root``; returns them."""
    from healthcrawl.crawl.fixtures import expected_output, fetch_page, saved_page, write_fixture  # noqa: PLC0415

    domain = domain or site_domain(url)
    parts = urlsplit(url)
    values = {"key": key, "cls": key.title().replace("_", ""), "title": title, "domain": domain,
              "home": f"{parts.scheme}://{parts.hostname}/",
              "body_css": ", ".join(f'"{css}"' for css in BODY_GUESSES)}
    files = {root / "spiders" / f"{key}.py": SPIDER, root / "healthcrawl" / "crawl" / "extractors" / f"{key}.py": EXTRACTOR,
             root / "tests" / f"test_extract_{key}.py": TEST}
    taken = [str(path) for path in files if path.exists()]
    if taken:
        raise FileExistsError(f"already there: {', '.join(taken)}")
    for path, template in files.items():
        path.write_text(template.format(**values), encoding="utf-8")
    register(root, key, title, domain)
    body, headers = saved_page(url, page) if page else fetch_page(url)
    folder = root / "tests" / "fixtures" / key / "article"
    write_fixture(folder, url, body, headers, _draft(root, key, url, body, headers, expected_output))
    return [*files, root / "healthcrawl" / "crawl" / "sites.py", folder]


def _draft(root: Path, key: str, url: str, body: bytes, headers: dict, expected_output) -> dict:
    """The new extractor's output for the sample page, read from the checkout just written."""
    import importlib.util  # noqa: PLC0415

    from healthcrawl.crawl.fixtures import crawl_response  # noqa: PLC0415

    path = root / "healthcrawl" / "crawl" / "extractors" / f"{key}.py"
    spec = importlib.util.spec_from_file_location(f"_newsite_{key}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return expected_output(crawl_response(url, body, headers), module.EXTRACTOR)


def cmd_newsite(args: argparse.Namespace) -> int:
    from healthcrawl.text.dates import date_from_url  # noqa: PLC0415

    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.name):
        print("healthcrawl new-site: NAME is a lower-case identifier (letters, digits, _)", file=sys.stderr)
        return 2
    try:
        written = generate(Path(args.root), args.name, args.url, args.title or args.name,
                           Path(args.page) if args.page else None, args.domain)
    except Exception as exc:  # noqa: BLE001 - one line for the operator
        print(f"healthcrawl new-site: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    if date_from_url(args.url) is None:
        print(f"note: no URL date shape reads {args.url}: add one to healthcrawl/text/dates.py")
    print("next: set the template's selectors and the channels, check every value of the draft "
          "expected.json, delete its \"draft\" line, run the new test (README \"Adding a site\")")
    return 0


def add_newsite_parser(subparsers) -> None:
    p = subparsers.add_parser("new-site", help="write the files of a new site (registry, spider, extractor, fixture, test)")
    p.add_argument("name", metavar="NAME", help="site key: spider name, module names, registry key")
    p.add_argument("--url", required=True, help="a sample article URL of the site")
    p.add_argument("--page", metavar="FILE", help="the sample article's saved bytes (default: download the URL)")
    p.add_argument("--title", help="the site's name as readers know it, e.g. 人民网 (default: NAME)")
    p.add_argument("--domain", help="the site's domain (default: from the URL, e.g. people.com.cn)")
    p.add_argument("--root", default=".", help="the checkout to write into (default: the current directory)")
    p.set_defaults(func=cmd_newsite)
