"""Generate a large replay corpus in the four sites' markup: ``python bench/corpus.py OUT [-n 5200]``.

The pages are rendered by the demo archive's own templates (:mod:`healthcrawl.demo.build`:
gmw 2018 article + node lists + channel homes, chinanews old/new article + rolling list + per-day
archives + RSS, ce TRS article + TRS lists with the ``createPageHTML`` pager, cnii main-site
article + channel lists, 人民邮电报 e-paper pages + per-issue ``data.json``), so the spiders
discover and extract them exactly as they do the demo week (2026-11-09 .. 2026-11-15).

Bodies are synthesised from a vocabulary (jieba's 30,000 most frequent words, stock phrases,
lexicon terms, places, organisations, figures) so no two stories are near-duplicates by accident; a share of stories are deliberate cross-site
reprints (same body, another headline, a "转载" line added), some gmw stories are two pages
long, and a share are not relevant (no health vocabulary). ``corpus.json`` beside the mirror
lists every article (url, site, kind, reprint_of, relevant) and the page counts.

The output is deterministic for a given ``n`` and ``seed``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[0] = str(ROOT)  # the project root instead of bench/

from healthcrawl.demo import articles as demo  # noqa: E402
from healthcrawl.demo import build  # noqa: E402
from healthcrawl.demo.articles import ListSpec, Older, Story  # noqa: E402

WINDOW = demo.WINDOW
DAYS = [date.fromisoformat(WINDOW[0]) + timedelta(days=i) for i in range(7)]

# --- vocabulary -----------------------------------------------------------------------------------
PLACES = ("北京", "上海", "天津", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
          "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
          "甘肃", "青海", "广西", "内蒙古", "宁夏", "新疆", "西藏", "深圳", "杭州", "成都", "武汉", "西安",
          "苏州", "郑州", "长沙", "合肥", "济南", "青岛", "厦门", "宁波", "无锡", "佛山", "东莞", "昆明",
          "南宁", "贵阳", "兰州", "太原", "石家庄", "哈尔滨", "长春", "沈阳", "大连", "南昌", "福州", "海口")
HEALTH_ORGS = ("市卫生健康委", "省医保局", "县域医共体", "区疾控中心", "市第一人民医院", "社区卫生服务中心",
               "乡镇卫生院", "省人民医院", "儿童医院", "中医院", "妇幼保健院", "互联网医院", "医联体",
               "公立医院", "基层医疗机构", "家庭医生团队", "村卫生室", "急救中心", "肿瘤医院", "胸痛中心")
OTHER_ORGS = ("市交通运输局", "省农业农村厅", "市文旅局", "区市场监管局", "市住建局", "铁路部门", "港口集团",
              "气象台", "粮食储备库", "产业园区", "商务部门", "文化馆", "体育中心", "供销社", "物流企业",
              "汽车企业", "电网公司", "航空公司", "高速公路集团", "景区管委会")
HEALTH_TERMS = ("电子病历", "电子健康档案", "医保结算", "分级诊疗", "远程会诊", "检查检验结果互认", "家庭医生签约",
                "慢病管理", "公共卫生", "传染病监测", "疫苗接种", "妇幼健康", "中医药服务", "急救网络", "药品集采",
                "医疗服务价格", "门诊慢特病", "住院服务", "护理服务", "康复服务", "基层医疗", "医疗质量",
                "临床路径", "处方审核", "患者随访", "健康体检", "慢性病筛查", "医保基金监管", "医务人员培训",
                "诊疗规范")
DIGITAL_TERMS = ("大数据平台", "人工智能", "医疗大模型", "数据共享", "互联互通", "信息平台", "5G专网", "物联网设备",
                 "云计算", "区块链", "智能导诊", "影像辅助诊断", "数据安全", "隐私计算", "算力中心", "电子凭证",
                 "移动支付", "数字化转型", "智慧医院", "在线复诊", "远程心电", "算法模型", "数据标准", "信息系统")
POLICY_TERMS = ("实施方案", "指导意见", "管理办法", "行动计划", "试点工作", "支付方式改革", "考核评价", "监管机制",
                "标准规范", "工作要点", "重点任务", "专项行动", "医改任务", "配套政策", "评估制度")
OTHER_TERMS = ("客运组织", "秋粮收购", "冬季供暖", "文旅消费", "物流配送", "道路养护", "农田水利", "电力保供",
               "港口吞吐", "景区客流", "夜间经济", "体育赛事", "商品房交易", "汽车消费", "乡村旅游", "林草防火",
               "航班运行", "快递业务", "非遗展演", "气象预警")
VERBS = ("推进", "部署", "启动", "完善", "推广", "深化", "优化", "建立", "扩大", "开展", "落实", "上线", "试行",
         "升级", "统筹", "规范", "加快", "探索", "强化", "覆盖")
CONNECT = ("与此同时，", "据介绍，", "记者了解到，", "数据显示，", "业内人士认为，", "有关负责人表示，", "截至目前，",
           "此外，", "下一步，", "从实践看，", "受访专家指出，", "在此基础上，")
TAILS = ("群众获得感明显增强", "服务效率进一步提升", "相关经验将在全省推广", "运行总体平稳有序", "覆盖范围持续扩大",
         "成本明显下降", "流程大幅简化", "等待时间明显缩短", "质量评价保持良好", "配套措施同步跟进")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏辉宁晨雪"


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


_WORDS: list[str] = []


def words() -> list[str]:
    """The 30,000 most frequent CJK words of two to four characters in jieba's dictionary."""
    if not _WORDS:
        import jieba  # noqa: PLC0415

        path = Path(jieba.__file__).parent / "dict.txt"
        entries = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                word, freq, *_ = line.split()
                if 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                    entries.append((-int(freq), word))
        entries.sort()
        _WORDS.extend(word for _, word in entries[:30000])
    return _WORDS


#: share of words taken from a pool of 2,000 stock phrases shared by all stories (news text is not
#: random: unrelated stories share set phrases). Unrelated bodies then share 0.2-1 % of their
#: 5-shingles (median 0.0024): real unrelated stories measure 0.00-0.01 — of the README's 19
#: hand-picked *same-topic* distinct pairs, 8 measure 0.00 and the median is 0.02
COMMON_SHARE = 0.1
_COMMON: list[str] = []


def common_phrases() -> list[str]:
    if not _COMMON:
        rng = random.Random(42)
        vocab = words()[:3000]
        _COMMON.extend("".join(rng.choice(vocab) for _ in range(3)) for _ in range(2000))
    return _COMMON


def sentence(rng: random.Random, relevant: bool) -> str:
    """A clause chain of dictionary words and stock phrases with a few domain terms and a figure:
    it reads like nothing, but its shingles are as varied as news text."""
    vocab, common = words(), common_phrases()
    parts = [rng.choice(common) if rng.random() < COMMON_SHARE else rng.choice(vocab)
             for _ in range(rng.randint(9, 18))]
    terms = ((rng.choice(HEALTH_TERMS), rng.choice(DIGITAL_TERMS + POLICY_TERMS)) if relevant
             else (rng.choice(OTHER_TERMS), rng.choice(OTHER_ORGS)))
    for term in terms:
        parts.insert(rng.randrange(len(parts) + 1), term)
    parts.insert(rng.randrange(len(parts) + 1), f"{rng.randint(2, 9800)}{rng.choice(('家', '万人次', '个', '项', '%'))}")
    if rng.random() < 0.5:
        parts.insert(0, rng.choice(PLACES) + rng.choice(HEALTH_ORGS if relevant else OTHER_ORGS))
    cut = rng.randrange(3, len(parts) - 2)
    return "".join(parts[:cut]) + "，" + "".join(parts[cut:]) + "。"


def paragraphs(rng: random.Random, relevant: bool) -> list[str]:
    count = rng.randint(5, 8)
    return ["".join(sentence(rng, relevant) for _ in range(rng.randint(2, 3))) for _ in range(count)]


def title(rng: random.Random, relevant: bool) -> str:
    place = rng.choice(PLACES)
    if relevant:
        return (f"{place}{rng.choice(VERBS)}{rng.choice(HEALTH_TERMS)} "
                f"{rng.choice(DIGITAL_TERMS + POLICY_TERMS)}{rng.choice(('提速', '见效', '落地', '全覆盖', '再升级'))}")
    return f"{place}{rng.choice(VERBS)}{rng.choice(OTHER_TERMS)} {rng.choice(TAILS)}"


# --- sites ------------------------------------------------------------------------------------------
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
#: share of the corpus per site
SHARES = {"gmw": 0.32, "chinanews": 0.32, "ce": 0.22, "cnii": 0.14}


def published(rng: random.Random, day: date) -> str:
    return f"{day.isoformat()} {rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


class Generator:
    def __init__(self, n: int, seed: int, reprint_share: float, irrelevant_share: float,
                 multipage_share: float):
        self.rng = random.Random(seed)
        self.n = n
        self.reprint_share = reprint_share
        self.irrelevant_share = irrelevant_share
        self.multipage_share = multipage_share
        self.stories: list[Story] = []
        self.meta: dict[str, dict] = {}  # key -> corpus.json entry
        self.seq = 0
        self.gmw_index = 0
        self.gmw_keys: dict[str, dict[str, list[str]]] = {
            "lists": {u: [] for u, *_ in GMW_NODES}, "homes": {h: [] for h in GMW_HOME_HOSTS}}

    def key(self) -> str:
        self.seq += 1
        return f"b{self.seq:05d}"

    def common(self, relevant: bool) -> dict:
        rng = self.rng
        return dict(title=title(rng, relevant), relevant=relevant,
                    body="\n".join(paragraphs(rng, relevant)), editor=person(rng),
                    keywords=tuple(rng.sample(HEALTH_TERMS if relevant else OTHER_TERMS, 3)))

    def add(self, story: Story, site: str, kind: str = "original", reprint_of: str | None = None) -> None:
        self.stories.append(story)
        self.meta[story.key] = {"url": story.url, "site": site, "kind": kind, "reprint_of": reprint_of,
                                "relevant": story.relevant, "day": story.day,
                                "pages": 2 if story.page_break else 1}

    def reprint_body(self, original: Story) -> str:
        """The original's text under another outlet's dateline: similarity well above 0.4."""
        paras = list(original.paragraphs)
        paras.insert(0, f"（转载自{self.rng.choice(('光明网', '中国新闻网', '中国经济网', '中国信息产业网'))}）")
        return "\n".join(paras)

    # -- per site --------------------------------------------------------------------------------
    def chinanews(self, count: int, relevant_of) -> list:
        rng = self.rng
        channels = list(demo.CHINANEWS_CHANNELS)
        keys = []
        for i in range(count):
            relevant, reprint = relevant_of()
            day = DAYS[i % 7]
            ch = channels[i % len(channels)]
            url = f"https://www.chinanews.com.cn/{ch}/{day:%Y}/{day:%m-%d}/{11000000 + self.seq + 1}.shtml"
            values = self.common(relevant)
            kind, reprint_of = "original", None
            if reprint is not None:
                values["body"] = self.reprint_body(reprint)
                kind, reprint_of = "reprint", reprint.url
            story = Story(key=self.key(), url=url, template=rng.choice(("cn_old", "cn_new")),
                          published=published(rng, day), source="中国新闻网", author=person(rng),
                          channel=demo.CHINANEWS_CHANNELS[ch], **values)
            self.add(story, "chinanews", kind, reprint_of)
            keys.append(story.key)
        return keys

    def ce(self, count: int, relevant_of) -> dict[str, list[str]]:
        rng = self.rng
        per_list: dict[str, list[str]] = {u: [] for u in CE_LISTS}
        for i in range(count):
            relevant, reprint = relevant_of()
            day = DAYS[i % 7]
            list_url = CE_LISTS[i % 2]
            url = f"{list_url}{day:%Y%m}/{day:%d}/t{day:%Y%m%d}_{41000000 + self.seq + 1}.shtml"
            values = self.common(relevant)
            kind, reprint_of = "original", None
            if reprint is not None:
                values["body"] = self.reprint_body(reprint)
                kind, reprint_of = "reprint", reprint.url
            story = Story(key=self.key(), url=url, template="ce_trs", published=published(rng, day),
                          source=rng.choice(("中国经济网", "经济日报")),
                          charset=rng.choice(("gb2312", "gb2312", "utf-8")),
                          editor_in_body=rng.random() < 0.5, **values)
            self.add(story, "ce", kind, reprint_of)
            per_list[list_url].append(story.key)
        return per_list

    def cnii(self, count: int, relevant_of) -> tuple[dict[str, list[str]], list[Story]]:
        rng = self.rng
        per_list: dict[str, list[str]] = {c: [] for c in CNII_CHANNELS}
        epaper: list[Story] = []
        weekdays = [d for d in DAYS if d.weekday() < 5]
        for i in range(count):
            relevant, reprint = relevant_of()
            values = self.common(relevant)
            kind, reprint_of = "original", None
            if reprint is not None:
                values["body"] = self.reprint_body(reprint)
                kind, reprint_of = "reprint", reprint.url
            if i % 10 == 0:  # the 人民邮电报 e-paper
                day = weekdays[(i // 10) % len(weekdays)]
                page = 1 + (i // 50) % 4
                stamp = f"{day:%Y%m%d}"
                url = (f"https://rmydb.cnii.com.cn/html/{day:%Y}/{stamp}/{stamp}_{page:03d}/"
                       f"{stamp}_{page:03d}_01_{6000 + self.seq + 1}.html")
                values.update(editor="")
                story = Story(key=self.key(), url=url, template="epaper", published=f"{day} 00:00:00",
                              author=f"本报记者 {person(rng)}", epaper=(page, ("要闻", "综合新闻", "信息化", "产业")[page - 1], i),
                              **values)
                epaper.append(story)
            else:
                day = DAYS[i % 7]
                channel = CNII_CHANNELS[i % len(CNII_CHANNELS)]
                url = f"https://www.cnii.com.cn/{channel}/{day:%Y%m}/t{day:%Y%m%d}_{700000 + self.seq + 1}.html"
                story = Story(key=self.key(), url=url, template="cnii_main", published=published(rng, day),
                              source="人民邮电报", author=person(rng), **values)
                per_list[channel].append(story.key)
            self.add(story, "cnii", kind, reprint_of)
        return per_list, epaper

    # -- the whole corpus ------------------------------------------------------------------------
    def generate(self) -> dict[str, bytes]:
        counts = {site: round(self.n * share) for site, share in SHARES.items()}
        counts["gmw"] += self.n - sum(counts.values())
        rng = self.rng
        originals: list[Story] = []

        def relevant_of():
            relevant = rng.random() >= self.irrelevant_share
            reprint = None
            if originals and rng.random() < self.reprint_share:
                reprint = rng.choice(originals[-400:])
                relevant = reprint.relevant
            return relevant, reprint

        def track(before: int) -> None:
            originals.extend(s for s in self.stories[before:]
                             if self.meta[s.key]["kind"] != "reprint")

        files: list[tuple[str, bytes]] = []
        # sites interleaved in blocks so reprints cross sites both ways
        block = 200
        remaining = dict(counts)
        cn_keys: list[str] = []
        ce_lists: dict[str, list[str]] = {u: [] for u in CE_LISTS}
        cnii_lists: dict[str, list[str]] = {c: [] for c in CNII_CHANNELS}
        epaper: list[Story] = []
        while any(remaining.values()):
            for site in counts:
                take = min(block, remaining[site])
                if not take:
                    continue
                remaining[site] -= take
                before = len(self.stories)
                if site == "gmw":
                    self.gmw(take, relevant_of)
                elif site == "chinanews":
                    cn_keys.extend(self.chinanews(take, relevant_of))
                elif site == "ce":
                    for u, ks in self.ce(take, relevant_of).items():
                        ce_lists[u].extend(ks)
                else:
                    per, ep = self.cnii(take, relevant_of)
                    for c, ks in per.items():
                        cnii_lists[c].extend(ks)
                    epaper.extend(ep)
                track(before)
        demo.BY_KEY.update({s.key: s for s in self.stories})
        # article pages
        for s in self.stories:
            if s.template == "gmw2018":
                files.append((s.url, build.encode(build.gmw_article(s, 1), "utf-8")))
                if s.page_break:
                    files.append((build.gmw_page_url(s, 2), build.encode(build.gmw_article(s, 2), "utf-8")))
            elif s.template in ("cn_old", "cn_new"):
                page = build.cn_old(s) if s.template == "cn_old" else build.cn_new(s)
                files.append((s.url, build.encode(page, "utf-8")))
            elif s.template == "ce_trs":
                try:
                    data = build.encode(build.ce_trs(s), s.charset)
                except UnicodeError:
                    s = replace(s, charset="gbk")
                    data = build.encode(build.ce_trs(s), "gbk")
                files.append((s.url, data))
            elif s.template == "cnii_main":
                files.append((s.url, build.encode(build.cnii_article(s), "utf-8")))
            elif s.template == "epaper":
                files.append((s.url, build.encode(build.epaper_article(s), "utf-8")))
        # list pages
        files.extend(self.gmw_lists())
        files.extend(self.chinanews_lists(cn_keys))
        for url, keys in ce_lists.items():
            spec = ListSpec(url, "健康新闻" if "health" in url else "滚动新闻", tuple(keys), page_size=60)
            files.extend((u, build.encode(html, "gb2312")) for u, html in build.ce_list_pages(spec))
        names = {c: build.CNII_CHANNEL_NAMES[c] for c in CNII_CHANNELS}
        for channel, keys in cnii_lists.items():
            spec = ListSpec(f"https://www.cnii.com.cn/{channel}/", names[channel], tuple(keys))
            files.append((spec.url, build.cnii_list(spec).encode("utf-8")))
        for day in (d for d in DAYS if d.weekday() < 5):
            members = [s for s in epaper if s.day == day.isoformat()]
            url = f"https://rmydb.cnii.com.cn/html/{day:%Y}/{day:%Y%m%d}/data.json"
            files.append((url, build.epaper_issue(f"{day:%Y%m%d}", members).encode("utf-8")))
        out: dict[str, bytes] = {}
        for url, data in files:
            out[build.mirror_path(url)] = data
        for host in sorted({p.split("/", 1)[0] for p in out}):
            out[f"{host}/robots.txt"] = build.ROBOTS_TXT
        self.list_page_count = sum(1 for p in out if not p.endswith("robots.txt")) - sum(
            m["pages"] for m in self.meta.values())
        return out

    # gmw is generated block by block like the others; its list pages are rendered at the end
    def gmw(self, take: int, relevant_of) -> None:
        rng = self.rng
        for _ in range(take):
            i = self.gmw_index
            self.gmw_index += 1
            relevant, reprint = relevant_of()
            day = DAYS[i % 7]
            if i % 25 == 0:
                host = GMW_HOME_HOSTS[(i // 25) % 2]
                node, list_url = (41021, "数字化转型"), None
            else:
                list_url, node_id, node_name, host = GMW_NODES[i % len(GMW_NODES)]
                node = (node_id, node_name)
            url = f"https://{host}/{day:%Y-%m}/{day:%d}/content_{40000000 + self.seq + 1}.htm"
            values = self.common(relevant)
            kind, reprint_of = "original", None
            if reprint is not None:
                values["body"] = self.reprint_body(reprint)
                kind, reprint_of = "reprint", reprint.url
            story = Story(key=self.key(), url=url, template="gmw2018", published=published(rng, day),
                          source=rng.choice(("光明网", "光明日报", "经济日报")), node=node, **values)
            if kind == "original" and rng.random() < self.multipage_share:
                story = replace(story, page_break=max(2, len(story.paragraphs) // 2))
                kind = "multipage"
            self.add(story, "gmw", kind, reprint_of)
            if list_url:
                self.gmw_keys["lists"][list_url].append(story.key)
            else:
                self.gmw_keys["homes"][host].append(story.key)

    def gmw_lists(self) -> list[tuple[str, bytes]]:
        keys = self.gmw_keys
        files = []
        older_day = date.fromisoformat(WINDOW[0]) - timedelta(days=1)
        for url, node_id, name, host in GMW_NODES:
            older = (Older(f"https://{host}/{older_day:%Y-%m}/{older_day:%d}/content_{39000000 + node_id}.htm",
                           older_day.isoformat(), "更早的一条消息"),)
            spec = ListSpec(url, name, tuple(keys["lists"].get(url, ())), page_size=50, older=older)
            files.extend((u, html.encode("utf-8")) for u, html in build.gmw_list_pages(spec))
        for host in GMW_HOME_HOSTS:
            home_keys = tuple(keys["homes"].get(host, ()))
            if not home_keys:
                continue
            spec = ListSpec(f"https://{host}/", build.GMW_CHANNELS[host.split('.')[0]], home_keys)
            files.append((spec.url, build.gmw_home(spec).encode("utf-8")))
        return files

    def chinanews_lists(self, keys: list[str]) -> list[tuple[str, bytes]]:
        ordered = build.newest_first(keys)
        files = []
        pages = build.chunks(ordered, 100)
        for n, entries in enumerate(pages, start=1):
            links = []
            if n > 1:
                links.append(f'<a href="/scroll-news/news{n - 1}.html">上一页</a>')
            for m in range(1, len(pages) + 1):
                links.append(f'<a class="current">{m}</a>' if m == n else f'<a href="/scroll-news/news{m}.html">{m}</a>')
            if n < len(pages):
                links.append(f'<a href="/scroll-news/news{n + 1}.html">下一页</a>')
            pagebox = f'    <div class="pagebox" id="pageZone">{"".join(links)}</div>'
            url = f"https://www.chinanews.com.cn/scroll-news/news{n}.html"
            files.append((url, build.cn_list("滚动新闻", entries, pagebox, old_host_links=False).encode("utf-8")))
        for day in DAYS:
            entries = [s for s in ordered if s.day == day.isoformat()]
            url = f"https://www.chinanews.com.cn/scroll-news/{day:%Y/%m%d}/news.shtml"
            files.append((url, build.cn_list(f"{day:%Y年%m月%d日}滚动新闻", entries, "",
                                             old_host_links=False).encode("utf-8")))
        files.append(("https://www.chinanews.com.cn/rss/scroll-news.xml", build.cn_rss(ordered[:100]).encode("utf-8")))
        return files


def generate(out: Path, n: int = 5200, seed: int = 20261109, reprint_share: float = 0.02,
             irrelevant_share: float = 0.15, multipage_share: float = 0.03) -> dict:
    """Write the mirror tree under ``out`` (created; must not exist or be empty) and
    ``out/corpus.json``; return the corpus description."""
    gen = Generator(n, seed, reprint_share, irrelevant_share, multipage_share)
    files = gen.generate()
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for rel, data in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)
    articles = list(gen.meta.values())
    info = {
        "window": list(WINDOW),
        "articles": articles,
        "counts": {
            "articles": len(articles),
            "article_pages": sum(a["pages"] for a in articles),
            "list_pages": gen.list_page_count,
            "files": len(files),
            "bytes": total,
            "by_site": {s: sum(a["site"] == s for a in articles) for s in SHARES},
            "by_kind": {k: sum(a["kind"] == k for a in articles) for k in ("original", "reprint", "multipage")},
            "relevant": sum(a["relevant"] for a in articles),
        },
    }
    (out / "corpus.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", type=int, default=5200, help="articles (default 5200)")
    parser.add_argument("--seed", type=int, default=20261109)
    args = parser.parse_args(argv)
    info = generate(args.out, args.n, args.seed)
    print(json.dumps(info["counts"], ensure_ascii=False))


if __name__ == "__main__":
    main()
