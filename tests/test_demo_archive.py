"""The bundled demo archive (healthcrawl/demo): it matches its manifest, serves every list URL of
docs/CONTRACTS.md, keeps the sites' encodings, and is exactly what the generator (tools/sitegen)
writes."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from itertools import product
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector

from tools.sitegen import demo as generator
from tools.sitegen.markup import mirror_path
from tools.sitegen.week import BY_KEY, STORIES, WINDOW
from tests.demo import ARCHIVE, ARTICLES, MANIFEST, MANIFEST_PATH, ROOT, WEEK

BY_URL = {a["url"]: a for a in ARTICLES}
SHARED = ROOT.parent / "shared"

ARTICLE_URL = re.compile(
    r"/\d{4}-\d{2}/\d{2}/content_\d+(?:_\d+)?\.htm$"          # gmw
    r"|/[a-z]+/\d{4}/\d{2}-\d{2}/\d{7,8}\.shtml$"              # chinanews
    r"|/(\d{6})/(?:\d{2}/)?t(\d{8})_(\d+)\.s?html$"             # ce, cnii
    r"|/html/\d{4}/\d{8}/\d{8}_\d{3}/\d{8}_\d{3}_\d{2}_\d+\.html$"  # e-paper
)


def read(url: str) -> bytes:
    return (ARCHIVE / mirror_path(url)).read_bytes()


def exists(url: str) -> bool:
    return (ARCHIVE / mirror_path(url)).is_file()


def text_of(article: dict) -> str:
    """Decoded bytes of an article (all pages of a multi-page one)."""
    urls = article["flags"]["multipage"] or [article["url"]]
    codec = "gb18030" if article["charset"] in ("gb2312", "gbk") else "utf-8"
    return "".join(read(u).decode(codec) for u in urls)


def canonical(url: str) -> str:
    return url.replace("://www.chinanews.com/", "://www.chinanews.com.cn/").replace("http://", "https://")


def window_days(weekdays_only: bool = False) -> list[date]:
    since, until = (date.fromisoformat(MANIFEST["window"][k]) for k in ("since", "until"))
    days = [since + timedelta(n) for n in range((until - since).days + 1)]
    return [d for d in days if d.weekday() < 5] if weekdays_only else days


def contract_list_urls() -> list[str]:
    """Every list URL docs/CONTRACTS.md names, with {a,b} and YYYY/MMDD placeholders expanded."""
    text = (ROOT / "docs" / "CONTRACTS.md").read_text(encoding="utf-8")
    urls: list[str] = []
    for raw in re.findall(r"https://(?:\{[^}\s]*\}|[^\s,`(){}])+", text):
        if "<" in raw:
            continue  # article URL shapes, not list pages
        parts = [p.split(",") for p in re.split(r"\{([^}]*)\}", raw)[1::2]]
        pieces = re.split(r"\{[^}]*\}", raw)
        for choice in product(*parts):
            url = pieces[0] + "".join(c + pieces[i + 1] for i, c in enumerate(choice))
            if "YYYYMMDD" in url:
                urls += [url.replace("YYYYMMDD", f"{d:%Y%m%d}").replace("YYYY", f"{d:%Y}")
                         for d in window_days(weekdays_only=True)]
            elif "MMDD" in url:
                urls += [url.replace("MMDD", f"{d:%m%d}").replace("YYYY", f"{d:%Y}") for d in window_days()]
            else:
                urls.append(url)
    return sorted(set(urls))


# -- the manifest ----------------------------------------------------------------------------------

def test_manifest_window_and_spread():
    assert MANIFEST["window"]["since"] == "2026-11-09" and MANIFEST["window"]["until"] == "2026-11-15"
    assert 55 <= len(ARTICLES) <= 65
    per_site = {site: sum(a["site"] == site for a in ARTICLES) for site in ("gmw", "chinanews", "ce", "cnii")}
    assert per_site["gmw"] >= 16 and per_site["chinanews"] >= 14 and per_site["ce"] >= 10 and per_site["cnii"] >= 12
    in_bulletin = [a for a in ARTICLES if a["expected_in_bulletin"]]
    assert 22 <= len(in_bulletin) <= 26
    assert sum(not a["relevant"] for a in ARTICLES) >= 33
    assert len({a["url"] for a in ARTICLES}) == len(ARTICLES)
    assert len({a["title"] for a in ARTICLES}) == len(ARTICLES)


def test_one_demo_week_and_archive_for_the_generator_the_command_and_the_tests():
    from healthcrawl.cli.demo import DEMO_SINCE, DEMO_UNTIL, demo_archive

    assert (DEMO_SINCE, DEMO_UNTIL) == tuple(WINDOW) == WEEK
    assert demo_archive().resolve() == generator.ARCHIVE_DIR.resolve() == ARCHIVE.resolve()
    assert generator.MANIFEST.resolve() == MANIFEST_PATH.resolve()


def test_manifest_records_every_special_case():
    flags = {a["key"]: a["flags"] for a in ARTICLES}
    reprints = [(k, f["reprint_of"]) for k, f in flags.items() if f["reprint_of"]]
    assert len(reprints) == 1
    copy, original = BY_URL[BY_KEY[reprints[0][0]].url], BY_URL[reprints[0][1]]
    assert copy["site"] != original["site"] and copy["title"] != original["title"]
    assert copy["relevant"] and original["relevant"]
    assert original["flags"]["reprinted_by"] == [copy["url"]]
    same = {k: f["same_event_as"] for k, f in flags.items() if f["same_event_as"]}
    assert len(same) == 2
    for key, other in same.items():
        assert BY_URL[other]["flags"]["same_event_as"] == BY_KEY[key].url
        assert BY_URL[other]["site"] != BY_URL[BY_KEY[key].url]["site"] and BY_URL[other]["relevant"]
    assert sum(bool(f["multipage"]) for f in flags.values()) == 1
    assert sorted(f["broken"] for f in flags.values() if f["broken"]) == ["error_page", "missing", "truncated"]
    assert sum(f["no_date"] for f in flags.values()) == 1
    outside = [BY_URL[BY_KEY[k].url]["published_at"][:10] for k, f in flags.items() if f["outside_window"]]
    assert any(d < "2026-11-09" for d in outside) and any(d > "2026-11-15" for d in outside)
    assert 2 <= len(outside) <= 3


def test_manifest_is_consistent_with_the_stories():
    assert [a["key"] for a in ARTICLES] == [s.key for s in STORIES]
    for a in ARTICLES:
        if a["published_at"]:
            assert a["published_at"].endswith("+08:00")
        assert a["listed_on"], f"{a['url']} is on no list page"
        assert a["broken"] == a["flags"]["broken"] and a["outside_window"] == a["flags"]["outside_window"]


# -- files -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["key"])
def test_article_file_exists_unless_missing(article):
    if article["flags"]["broken"] == "missing":
        assert article["file"] is None and not exists(article["url"])
        return
    assert article["file"] == mirror_path(article["url"])
    for url in article["flags"]["multipage"] or [article["url"]]:
        assert exists(url), url
    if article["flags"]["also_served_at"]:
        assert read(article["flags"]["also_served_at"]) == read(article["url"])


@pytest.mark.parametrize("url", contract_list_urls())
def test_every_contract_list_url_is_served(url):
    assert exists(url), f"{url} -> {mirror_path(url)}"


def test_contract_parsing_found_all_sites():
    urls = contract_list_urls()
    assert len(urls) >= 25
    assert {urlsplit(u).hostname for u in urls} >= {
        "health.gmw.cn", "digital.gmw.cn", "tech.gmw.cn", "politics.gmw.cn", "news.gmw.cn",
        "www.chinanews.com.cn", "www.ce.cn", "health.ce.cn", "www.cnii.com.cn", "rmydb.cnii.com.cn"}


def test_every_manifest_list_page_exists():
    for page in MANIFEST["lists"]:
        assert exists(page["url"]), page["url"]
        if page["next"] and not any(p["url"] == page["next"] for p in MANIFEST["lists"]):
            assert not exists(page["next"]), "a 'next' page outside 'lists' must not be mirrored"


def list_links(page: dict) -> list[tuple[str, str]]:
    """(resolved canonical URL, title) of the article links a list page really contains."""
    raw = read(page["url"])
    if page["kind"] == "epaper_data_json":
        return [(canonical(urljoin(page["url"], art["articleHref"])), art["mainTitle"])
                for p in json.loads(raw) for art in p["onePageArticleList"]]
    if page["kind"] == "cn_rss":
        sel = Selector(text=raw.decode("utf-8"), type="xml")
        return [(canonical(i.xpath("link/text()").get()), i.xpath("title/text()").get()) for i in sel.xpath("//item")]
    codec = "gb18030" if page["site"] == "ce" else "utf-8"
    sel = Selector(text=raw.decode(codec))
    out = []
    for link in sel.css("a[href]"):
        url = canonical(urljoin(page["url"], link.attrib["href"]))
        if ARTICLE_URL.search(urlsplit(url).path):
            out.append((url, "".join(link.css("::text").getall()).strip()))
    return out


@pytest.mark.parametrize("page", MANIFEST["lists"], ids=lambda p: p["url"].split("://")[1])
def test_list_page_links_match_the_manifest(page):
    links = list_links(page)
    urls = [u for u, _ in links]
    older = page.get("older_entries", [])
    assert sorted(set(urls)) == sorted(page["entries"] + older)
    for url, title in links:
        if url in older:
            assert not exists(url)
        else:
            assert title in ("", BY_URL[url]["title"])  # "": an image link (channel homes)


def test_gmw_list_markup_and_paging_stop():
    sel = Selector(text=read("https://health.gmw.cn/node_9222_2.htm").decode("utf-8"))
    items = sel.css(".channel-newsGroup li")
    assert items and all(li.css(".channel-newsTitle a::attr(href)").get() for li in items)
    days = [li.css(".channel-newsTime::text").get() for li in items]
    assert any(d < "2026-11-09" for d in days) and any(d >= "2026-11-09" for d in days)
    assert sel.xpath('//div[@id="displaypagenum"]//a[text()="下一页"]/@href').get() == "node_9222_3.htm"
    assert not exists("https://health.gmw.cn/node_9222_3.htm")


def test_ce_list_pagination_script():
    first = read("https://www.ce.cn/xwzx/gnsz/gdxw/").decode("gb2312")
    second = read("https://www.ce.cn/xwzx/gnsz/gdxw/index_1.shtml").decode("gb2312")
    assert 'createPageHTML(2, 0, "index", "shtml");' in first
    assert 'createPageHTML(2, 1, "index", "shtml");' in second
    assert read("https://www.ce.cn/xwzx/gnsz/gdxw/index.shtml") == read("https://www.ce.cn/xwzx/gnsz/gdxw/")
    assert re.search(r"<span>2026-11-08 \d\d:\d\d</span>", second)


def test_chinanews_lists_use_the_real_markup():
    sel = Selector(text=read("https://www.chinanews.com.cn/scroll-news/news1.html").decode("utf-8"))
    rows = [li for li in sel.css(".content_list li") if li.css(".dd_bt a")]
    assert rows
    for li in rows:
        assert re.fullmatch(r"\[\S+\]", "".join(li.css(".dd_lm ::text").getall()))
        assert re.fullmatch(r"\d{1,2}-\d{2} \d{2}:\d{2}", li.css(".dd_time::text").get())
    assert any("//www.chinanews.com/" in h for h in sel.css(".dd_bt a::attr(href)").getall())
    assert sel.xpath('//div[contains(@class,"pagebox")]//a[text()="下一页"]/@href').get() == "/scroll-news/news2.html"


# -- encodings ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("article", [a for a in ARTICLES if a["template"] == "ce_trs"], ids=lambda a: a["key"])
def test_ce_old_template_pages_are_gb_encoded(article):
    raw = read(article["url"])
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    html = raw.decode("gb18030")
    assert f'charset={article["charset"]}' in html
    assert article["title"] in html
    if article["charset"] == "gb2312":
        assert raw.decode("gb2312")  # only GB2312 byte sequences
    else:
        with pytest.raises(UnicodeDecodeError):
            raw.decode("gb2312")  # a GBK-only character is present


def test_every_other_file_is_utf8():
    old_ce = {mirror_path(a["url"]) for a in ARTICLES if a["template"] == "ce_trs"}
    for path in ARCHIVE.rglob("*"):
        rel = path.relative_to(ARCHIVE).as_posix()
        if path.is_dir() or rel in old_ce or "ce.cn/" in rel and "/index" in rel:
            continue
        path.read_bytes().decode("utf-8")


def test_gmw_node_lists_end_with_entries_older_than_the_window():
    """The gmw spider pages node lists blindly; each mirrored list must let it stop in time."""
    for page in MANIFEST["lists"]:
        if page["kind"] == "gmw_node" and page["next"] and not exists(page["next"]):
            days = [BY_URL[u]["published_at"][:10] for u in page["entries"]]
            days += [re.search(r"/(\d{4}-\d\d)/(\d\d)/", u).expand(r"\1-\2") for u in page["older_entries"]]
            assert min(days) < MANIFEST["window"]["since"], page["url"]


def test_data_json_shape():
    for day in window_days(weekdays_only=True):
        url = f"https://rmydb.cnii.com.cn/html/{day:%Y}/{day:%Y%m%d}/data.json"
        pages = json.loads(read(url))
        assert isinstance(pages, list) and pages
        for page in pages:
            assert re.fullmatch(r"\d{2}", page["pageNo"]) and page["pageName"]
            for art in page["onePageArticleList"]:
                assert set(art) >= {"mainTitle", "articleHref", "articleAuthor", "articleColumn"}
                assert exists(urljoin(url, art["articleHref"]))
    hrefs = [art["articleHref"] for day in window_days(True)
             for page in json.loads(read(f"https://rmydb.cnii.com.cn/html/{day:%Y}/{day:%Y%m%d}/data.json"))
             for art in page["onePageArticleList"]]
    assert any(h.startswith("/rmydb/html/") for h in hrefs)
    assert any(re.fullmatch(r"\d{8}_\d{3}/\d{8}_\d{3}_\d{2}_\d+\.html", h) for h in hrefs)


def test_epaper_article_markup():
    html = read("https://rmydb.cnii.com.cn/html/2026/20261110/20261110_001/20261110_001_01_4821.html").decode()
    sel = Selector(text=html)
    assert sel.css("title::text").get().endswith("_人民邮电报")
    assert len(sel.css("div#ozoom p")) == 5


# -- page contents -----------------------------------------------------------------------------------------

DATE_ON_PAGE = {
    "gmw2018": r"<date>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.0</date>",
    "cn_old": r'<span id="pubtime_baidu">([^<]+)</span>',
    "cn_new": r'<span id="pubtime_baidu">([^<]+)</span>',
    "ce_trs": r'<span id="articleTime">(\d{4})年(\d\d)月(\d\d)日 (\d\d:\d\d)</span>',
    "ce_modern": r'<time datetime="([^"]+)\+08:00"',
    "cnii_main": r'<span class="detail_pubTime">([^<]+)</span>',
}


@pytest.mark.parametrize("article", [a for a in ARTICLES if a["template"] in DATE_ON_PAGE
                                     and not a["flags"]["no_date"]], ids=lambda a: a["key"])
def test_page_dates_match_the_manifest(article):
    m = re.search(DATE_ON_PAGE[article["template"]], text_of(article))
    assert m, article["url"]
    if article["template"] == "ce_trs":
        shown = f"{m[1]}-{m[2]}-{m[3]} {m[4]}"
    else:
        shown = m[1].replace("T", " ")
    assert article["published_at"].replace("T", " ").startswith(shown)


def test_no_date_page_has_no_date():
    article = next(a for a in ARTICLES if a["flags"]["no_date"])
    sel = Selector(text=text_of(article))
    page_text = " ".join(sel.xpath("//text()").getall())
    assert not re.search(r"20\d\d|\d{1,2}月\d{1,2}日|\d{1,2}-\d{1,2} \d", page_text)
    assert "detail_pubTime" not in text_of(article)


def test_broken_pages():
    error = next(a for a in ARTICLES if a["flags"]["broken"] == "error_page")
    assert "<title>页面没有找到</title>" in text_of(error)
    cut = next(a for a in ARTICLES if a["flags"]["broken"] == "truncated")
    html = text_of(cut)
    assert "</html>" not in html and "<!--正文end-->" not in html and "BaiduSpider" in html


def test_multipage_article_is_linked_by_displaypagenum():
    article = next(a for a in ARTICLES if a["flags"]["multipage"])
    first, second = article["flags"]["multipage"]
    sel = Selector(text=read(first).decode())
    href = sel.xpath('//div[@id="displaypagenum"]//a[text()="下一页"]/@href').get()
    assert urljoin(first, href) == second
    second_sel = Selector(text=read(second).decode())
    assert not second_sel.xpath('//div[@id="displaypagenum"]//a[text()="下一页"]')
    total = len(sel.css("#article_inbox div.u-mainText > p")) + len(second_sel.css("#article_inbox div.u-mainText > p"))
    assert total == article["paragraphs"]


def paragraphs_of(key: str) -> list[str]:
    return [p for p in BY_KEY[key].paragraphs if len(p) >= 15]


def test_no_text_repeats_across_articles_except_the_reprint():
    reprint = next(a for a in ARTICLES if a["flags"]["reprint_of"])
    allowed = {frozenset({reprint["key"], BY_URL[reprint["flags"]["reprint_of"]]["key"]})}
    pages = {a["key"]: text_of(a) for a in ARTICLES if a["file"]}
    shared = []
    for story in STORIES:
        for key, html in pages.items():
            if key == story.key or frozenset({key, story.key}) in allowed:
                continue
            shared += [(story.key, key, p[:20]) for p in paragraphs_of(story.key) if p in html]
    assert not shared
    # the reprint pair does share most of its text, with an added note and small edits
    copy, original = reprint["key"], BY_URL[reprint["flags"]["reprint_of"]]["key"]
    common = set(paragraphs_of(copy)) & set(paragraphs_of(original))
    assert 2 <= len(common) < len(paragraphs_of(original))
    assert paragraphs_of(copy)[0] not in pages[original]


def test_same_event_write_ups_are_distinct():
    first, second = (_shingles(BY_KEY[a["key"]].body, 12) for a in ARTICLES if a["flags"]["same_event_as"])
    assert len(first & second) < 10  # a few stock phrases at most, no copied sentences


def _shingles(text: str, n: int = 20) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i:i + n] for i in range(len(text) - n + 1)}


@pytest.mark.skipif(not SHARED.exists(), reason="the shared seeds/realpages are not present")
def test_no_text_copied_from_seeds_or_realpages():
    theirs: set[str] = set()
    for path in list((SHARED / "seeds").glob("*.txt")) + list((SHARED / "realpages").rglob("*.htm*")):
        text = path.read_text(encoding="utf-8", errors="ignore")
        theirs |= _shingles(re.sub(r"<[^>]+>", "", text))
    ours = set().union(*(_shingles(s.body) for s in STORIES))
    assert not ours & theirs


# -- the generator -----------------------------------------------------------------------------------------

def test_build_is_deterministic_and_committed(tmp_path):
    out, manifest = tmp_path / "archive", tmp_path / "manifest.json"
    generator.write(out, manifest)
    built = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    committed = {p.relative_to(ARCHIVE).as_posix(): p.read_bytes() for p in ARCHIVE.rglob("*") if p.is_file()}
    assert sorted(built) == sorted(committed), "archive out of date: run python -m tools.sitegen.demo"
    assert [k for k in built if built[k] != committed[k]] == []
    assert manifest.read_bytes() == MANIFEST_PATH.read_bytes()
    generator.write(out, manifest)  # and a second run changes nothing
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == built


def test_the_installed_package_holds_the_archive_not_the_generator():
    """healthcrawl/demo is package data only; nothing in the product imports tools/ (not installed)."""
    assert sorted(p.name for p in (ROOT / "healthcrawl" / "demo").glob("*.py")) == ["__init__.py"]
    for tree in ("healthcrawl", "spiders", "pipelines"):
        for path in (ROOT / tree).rglob("*.py"):
            assert not re.search(r"^\s*(from|import) tools\b", path.read_text(encoding="utf-8"), re.M), path
