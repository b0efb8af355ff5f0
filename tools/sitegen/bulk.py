"""The benchmark corpus: thousands of synthetic stories over the demo week, spread over the four
sites' lists, with deliberate cross-site reprints, two-page gmw stories and a share of irrelevant
news, rendered by the same site modules as the demo archive (``bench/corpus.py`` writes it)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from tools.sitegen import ce, chinanews, cnii, gmw
from tools.sitegen.markup import mirror, newest_first
from tools.sitegen.model import ListSpec, Older, Story
from tools.sitegen.vocabulary import HEALTH_TERMS, OTHER_TERMS, paragraphs, person, title
from tools.sitegen.week import BY_KEY, WINDOW

DAYS = [date.fromisoformat(WINDOW[0]) + timedelta(days=i) for i in range(7)]
GMW_NODES = [  # (list URL, node id, name, host)
    ("https://health.gmw.cn/node_9583.htm", 9583, "要闻时评", "health.gmw.cn"),
    ("https://health.gmw.cn/node_9222.htm", 9222, "资讯速递", "health.gmw.cn"),
    ("https://health.gmw.cn/node_9224.htm", 9224, "医疗前沿", "health.gmw.cn"),
    ("https://politics.gmw.cn/node_9844.htm", 9844, "要闻", "politics.gmw.cn"),
    ("https://politics.gmw.cn/node_10495.htm", 10495, "滚动播报", "politics.gmw.cn"),
    ("https://news.gmw.cn/node_4108.htm", 4108, "光明日报", "news.gmw.cn"),
]
GMW_HOME_HOSTS = ("digital.gmw.cn", "tech.gmw.cn")
CE_LISTS = ("https://www.ce.cn/xwzx/gnsz/gdxw/", "https://health.ce.cn/news/")
CNII_CHANNELS = ("yw", "gxyw", "dtxw", "zcfg", "rmydb")
EPAPER_PAGES = ("要闻", "综合新闻", "信息化", "产业")
#: share of the corpus per site
SHARES = {"gmw": 0.32, "chinanews": 0.32, "ce": 0.22, "cnii": 0.14}
#: stories generated for one site before the next site's turn (so reprints cross sites both ways)
BLOCK = 200


def published(rng: random.Random, day: date) -> str:
    return f"{day.isoformat()} {rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


class Generator:
    """Stories site by site in blocks (``meta``: the corpus.json entry of each), then every page."""

    def __init__(self, n: int, seed: int, reprint_share: float, irrelevant_share: float,
                 multipage_share: float, first_seq: int = 0):
        self.rng = random.Random(seed)
        self.n = n
        self.reprint_share = reprint_share
        self.irrelevant_share = irrelevant_share
        self.multipage_share = multipage_share
        self.stories: list[Story] = []
        self.originals: list[Story] = []  # stories a reprint may copy
        self.meta: dict[str, dict] = {}  # key -> corpus.json entry
        self.seq = first_seq  # the URLs' numbers start after it: corpora with other first_seq share no URL
        self.gmw_index = 0
        self.gmw_lists: dict[str, list[str]] = {u: [] for u, *_ in GMW_NODES}
        self.gmw_homes: dict[str, list[str]] = {h: [] for h in GMW_HOME_HOSTS}
        self.ce_lists: dict[str, list[str]] = {u: [] for u in CE_LISTS}
        self.cnii_lists: dict[str, list[str]] = {c: [] for c in CNII_CHANNELS}
        self.list_page_count = 0

    def key(self) -> str:
        self.seq += 1
        return f"b{self.seq:05d}"

    def relevant_of(self) -> tuple[bool, Story | None]:
        """Whether the next story is relevant, and the original it reprints (or None)."""
        rng = self.rng
        relevant = rng.random() >= self.irrelevant_share
        reprint = None
        if self.originals and rng.random() < self.reprint_share:
            reprint = rng.choice(self.originals[-400:])
            relevant = reprint.relevant
        return relevant, reprint

    def content(self, relevant: bool, reprint: Story | None) -> tuple[dict, str, str | None]:
        """Title, body, editor and keywords of a story, its kind and the URL it reprints."""
        rng = self.rng
        values = dict(title=title(rng, relevant), relevant=relevant,
                      body="\n".join(paragraphs(rng, relevant)), editor=person(rng),
                      keywords=tuple(rng.sample(HEALTH_TERMS if relevant else OTHER_TERMS, 3)))
        if reprint is None:
            return values, "original", None
        values["body"] = self.reprint_body(reprint)
        return values, "reprint", reprint.url

    def reprint_body(self, original: Story) -> str:
        """The original's text under another outlet's dateline: similarity well above 0.4."""
        paras = list(original.paragraphs)
        paras.insert(0, f"（转载自{self.rng.choice(('光明网', '中国新闻网', '中国经济网', '中国信息产业网'))}）")
        return "\n".join(paras)

    def add(self, story: Story, site: str, kind: str = "original", reprint_of: str | None = None) -> None:
        self.stories.append(story)
        self.meta[story.key] = {"url": story.url, "site": site, "kind": kind, "reprint_of": reprint_of,
                                "relevant": story.relevant, "day": story.day,
                                "pages": 2 if story.page_break else 1}

    # -- stories per site ------------------------------------------------------------------------
    def gmw(self, count: int) -> None:
        rng = self.rng
        for _ in range(count):
            i = self.gmw_index
            self.gmw_index += 1
            relevant, reprint = self.relevant_of()
            day = DAYS[i % 7]
            if i % 25 == 0:
                host = GMW_HOME_HOSTS[(i // 25) % 2]
                node, list_url = (41021, "数字化转型"), None
            else:
                list_url, node_id, node_name, host = GMW_NODES[i % len(GMW_NODES)]
                node = (node_id, node_name)
            url = f"https://{host}/{day:%Y-%m}/{day:%d}/content_{40000000 + self.seq + 1}.htm"
            values, kind, reprint_of = self.content(relevant, reprint)
            story = Story(key=self.key(), url=url, template="gmw2018", published=published(rng, day),
                          source=rng.choice(("光明网", "光明日报", "经济日报")), node=node, **values)
            if kind == "original" and rng.random() < self.multipage_share:
                story = replace(story, page_break=max(2, len(story.paragraphs) // 2))
                kind = "multipage"
            self.add(story, "gmw", kind, reprint_of)
            (self.gmw_lists[list_url] if list_url else self.gmw_homes[host]).append(story.key)

    def chinanews(self, count: int) -> None:
        rng = self.rng
        channels = list(chinanews.CHANNELS)
        for i in range(count):
            relevant, reprint = self.relevant_of()
            day = DAYS[i % 7]
            ch = channels[i % len(channels)]
            url = f"https://www.chinanews.com.cn/{ch}/{day:%Y}/{day:%m-%d}/{11000000 + self.seq + 1}.shtml"
            values, kind, reprint_of = self.content(relevant, reprint)
            story = Story(key=self.key(), url=url, template=rng.choice(("cn_old", "cn_new")),
                          published=published(rng, day), source="中国新闻网", author=person(rng),
                          channel=chinanews.CHANNELS[ch], **values)
            self.add(story, "chinanews", kind, reprint_of)

    def ce(self, count: int) -> None:
        rng = self.rng
        for i in range(count):
            relevant, reprint = self.relevant_of()
            day = DAYS[i % 7]
            list_url = CE_LISTS[i % 2]
            url = f"{list_url}{day:%Y%m}/{day:%d}/t{day:%Y%m%d}_{41000000 + self.seq + 1}.shtml"
            values, kind, reprint_of = self.content(relevant, reprint)
            story = Story(key=self.key(), url=url, template="ce_trs", published=published(rng, day),
                          source=rng.choice(("中国经济网", "经济日报")),
                          charset=rng.choice(("gb2312", "gb2312", "utf-8")),
                          editor_in_body=rng.random() < 0.5, **values)
            self.add(story, "ce", kind, reprint_of)
            self.ce_lists[list_url].append(story.key)

    def cnii(self, count: int) -> None:
        rng = self.rng
        weekdays = [d for d in DAYS if d.weekday() < 5]
        for i in range(count):
            relevant, reprint = self.relevant_of()
            values, kind, reprint_of = self.content(relevant, reprint)
            if i % 10 == 0:  # the 人民邮电报 e-paper
                day = weekdays[(i // 10) % len(weekdays)]
                page = 1 + (i // 50) % 4
                stamp = f"{day:%Y%m%d}"
                url = (f"https://rmydb.cnii.com.cn/html/{day:%Y}/{stamp}/{stamp}_{page:03d}/"
                       f"{stamp}_{page:03d}_01_{6000 + self.seq + 1}.html")
                values.update(editor="")
                story = Story(key=self.key(), url=url, template="epaper", published=f"{day} 00:00:00",
                              author=f"本报记者 {person(rng)}", epaper=(page, EPAPER_PAGES[page - 1], i),
                              **values)
            else:
                day = DAYS[i % 7]
                channel = CNII_CHANNELS[i % len(CNII_CHANNELS)]
                url = f"https://www.cnii.com.cn/{channel}/{day:%Y%m}/t{day:%Y%m%d}_{700000 + self.seq + 1}.html"
                story = Story(key=self.key(), url=url, template="cnii_main", published=published(rng, day),
                              source="人民邮电报", author=person(rng), **values)
                self.cnii_lists[channel].append(story.key)
            self.add(story, "cnii", kind, reprint_of)

    def generate_stories(self) -> None:
        """Every story, the sites interleaved in blocks so reprints cross sites both ways."""
        counts = {site: round(self.n * share) for site, share in SHARES.items()}
        counts["gmw"] += self.n - sum(counts.values())
        makers = {"gmw": self.gmw, "chinanews": self.chinanews, "ce": self.ce, "cnii": self.cnii}
        remaining = dict(counts)
        while any(remaining.values()):
            for site in counts:
                take = min(BLOCK, remaining[site])
                if not take:
                    continue
                remaining[site] -= take
                before = len(self.stories)
                makers[site](take)
                self.originals.extend(s for s in self.stories[before:] if self.meta[s.key]["kind"] != "reprint")
        BY_KEY.update({s.key: s for s in self.stories})  # the list renderers look stories up by key

    # -- pages -------------------------------------------------------------------------------------
    def generate(self) -> dict[str, bytes]:
        """mirror path -> bytes of every page (and a robots.txt a host)."""
        self.generate_stories()
        by_template: dict[str, list[Story]] = {}
        for s in self.stories:
            by_template.setdefault(s.template, []).append(s)
        cn_stories = by_template.get("cn_old", []) + by_template.get("cn_new", [])
        cn_ordered = newest_first(s.key for s in self.stories if self.meta[s.key]["site"] == "chinanews")
        files = (gmw.files(by_template.get("gmw2018", []), *self.gmw_specs())
                 + chinanews.article_files(cn_stories) + chinanews.list_files(cn_ordered, 100, DAYS)
                 + ce.files([gbk_if_needed(s) for s in by_template.get("ce_trs", [])], self.ce_specs())
                 + cnii.files(by_template.get("cnii_main", []) + by_template.get("epaper", []),
                              self.cnii_specs(), tuple(f"{d:%Y%m%d}" for d in DAYS if d.weekday() < 5)))
        out = mirror(files)
        self.list_page_count = sum(1 for p in out if not p.endswith("robots.txt")) - sum(
            m["pages"] for m in self.meta.values())
        return out

    def gmw_specs(self) -> tuple[list[ListSpec], list[ListSpec]]:
        """The node lists (each ending with one entry older than the window) and channel homes."""
        older_day = date.fromisoformat(WINDOW[0]) - timedelta(days=1)
        lists = []
        for url, node_id, name, host in GMW_NODES:
            older = (Older(f"https://{host}/{older_day:%Y-%m}/{older_day:%d}/content_{39000000 + node_id}.htm",
                           older_day.isoformat(), "更早的一条消息"),)
            lists.append(ListSpec(url, name, tuple(self.gmw_lists[url]), page_size=50, older=older))
        homes = [ListSpec(f"https://{host}/", gmw.CHANNELS[host.split('.')[0]], tuple(keys))
                 for host, keys in self.gmw_homes.items() if keys]
        return lists, homes

    def ce_specs(self) -> list[ListSpec]:
        return [ListSpec(url, "健康新闻" if "health" in url else "滚动新闻", tuple(keys), page_size=60)
                for url, keys in self.ce_lists.items()]

    def cnii_specs(self) -> list[ListSpec]:
        return [ListSpec(f"https://www.cnii.com.cn/{channel}/", cnii.CHANNEL_NAMES[channel], tuple(keys))
                for channel, keys in self.cnii_lists.items()]


def gbk_if_needed(story: Story) -> Story:
    """A ce story whose synthetic text leaves GB2312 is declared (and sent) as GBK."""
    try:
        ce.article_page(story)
    except UnicodeError:
        return replace(story, charset="gbk")
    return story
