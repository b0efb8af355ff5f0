"""Synthetic news text for the benchmark corpus: titles, paragraphs and names drawn from jieba's
dictionary, stock phrases and health / other-news vocabularies (deterministic for a seeded rng)."""

from __future__ import annotations

import random
from pathlib import Path

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
