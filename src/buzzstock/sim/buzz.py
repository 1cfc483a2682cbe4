"""A deterministic buzz simulator that knows the truth (for tests, the demo and the benchmark).

For a small catalogue over N days it generates mention streams with:

* daily and weekly cycles in the market's local time, and quiet products that are mostly noise;
* organic trends that start on one content platform (seeded by micro influencers), diffuse to the
  other platforms with lags, bring mid-tier creators, "where to buy" threads and saves, peak and
  fade; the demand peak follows the buzz peak;
* fads: real but short bursts that fade before they could be bought for;
* bot attacks on products with no demand: account clusters sharing device/IP hints, new and
  low-follower accounts, template and emoji-only comments, synchronised bursts, off-hours
  posting, undisclosed promotions;
* complaint bursts (negative, organic).

The same ``(days, seed)`` always gives the same mentions and truth. Texts mix English and Chinese.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from buzzstock.listen.mention import Mention
from buzzstock.listen.watchlist import WatchList

HOUR = timedelta(hours=1)
DEFAULT_START = datetime(2026, 3, 2, tzinfo=UTC)
MARKET_UTC_OFFSET_HOURS = -5.0
PLATFORM_SHARES = {
    "tiktok": 0.30,
    "instagram": 0.22,
    "youtube": 0.10,
    "xiaohongshu": 0.12,
    "reddit": 0.12,
    "pinterest": 0.08,
    "weibo": 0.06,
}
# Relative activity per local hour of day: people sleep from 1 to 6, peak in the evening.
HOURLY_PROFILE = np.array(
    [0.6, 0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.7, 0.9, 1.0, 1.0, 1.1,
     1.2, 1.1, 1.0, 1.0, 1.1, 1.2, 1.4, 1.6, 1.8, 1.8, 1.5, 1.0]
)  # fmt: skip
HOURLY_PROFILE = HOURLY_PROFILE / HOURLY_PROFILE.mean()
WEEKEND_FACTOR = 1.3
DEMAND_LAG_HOURS = 36

CATALOGUE: tuple[tuple[str, str, str, str], ...] = (
    ("basket", "foldable storage basket", "折叠收纳篮", "spacesaverbasket"),
    ("mug", "starry coffee mug", "星空咖啡杯", "starrymug"),
    ("scarf", "pet cooling scarf", "宠物降温围巾", "petcoolscarf"),
    ("lamp", "smart plant lamp", "智能植物灯", "plantlamp"),
    ("shell", "seashell night light", "贝壳小夜灯", "shelllight"),
    ("bottle", "collapsible water bottle", "折叠水杯", "foldbottle"),
    ("pillow", "cloud neck pillow", "云朵颈枕", "cloudpillow"),
    ("organizer", "desk cable organizer", "桌面理线器", "cabletidy"),
    ("candle", "lavender soy candle", "薰衣草香薰蜡烛", "soycandle"),
    ("fan", "mini neck fan", "挂脖小风扇", "neckfan"),
    ("tumbler", "glitter tumbler", "闪粉随行杯", "glittertumbler"),
    ("mat", "yoga mat strap", "瑜伽垫绑带", "yogastrap"),
)

EN_OPENERS = (
    "Obsessed with my new {n}", "Just got the {n} and wow", "ok the {n} hype is real",
    "Finally tried the {n}", "This {n} is a game changer", "Can't stop using this {n}",
    "Honest review of the {n}:", "My sister sent me the {n}", "Day 3 with the {n}",
    "Unboxing the {n}",
)  # fmt: skip
EN_POSITIVE = (
    "saves so much space", "looks amazing on my desk", "great quality for the price",
    "my whole family loves it", "makes my mornings so cozy", "totally worth it",
    "super cute and sturdy", "exactly what I needed", "I love how soft it is",
    "the colour is gorgeous",
)  # fmt: skip
EN_NEUTRAL = (
    "anyone tried the {n}?", "thinking about getting the {n}", "saw the {n} on my feed",
    "is the {n} any good", "comparing the {n} with others",
)  # fmt: skip
EN_NEGATIVE = (
    "broke after two days", "smells like cheap plastic", "arrived damaged and nobody answers",
    "customer service never replied", "total waste of money", "the zipper fell off, so annoying",
)  # fmt: skip
EN_INTENT = (
    "where can I buy the {n}?", "link please, I need the {n}", "is the {n} in stock anywhere?",
    "where to get this {n}??", "pre-ordered the {n}, can't wait",
)  # fmt: skip
EN_ATTRIBUTES = (
    "wish it came in a bigger size", "please make more colours",
    "an eco material version would be perfect",
    "a smaller size for travel please", "would buy a bamboo one",
)  # fmt: skip
ZH_OPENERS = (
    "刚入手{n}", "被{n}种草了", "{n}真的绝了", "终于买到{n}", "用了三天{n}", "开箱{n}",
    "闺蜜推荐的{n}", "{n}测评来了",
)  # fmt: skip
ZH_POSITIVE = (
    "太好用了", "颜值超高", "性价比很高", "质量不错", "全家都喜欢", "超级省空间", "很治愈",
    "手感很好", "办公室仪式感满满",
)  # fmt: skip
ZH_NEUTRAL = ("有人用过{n}吗？", "在考虑要不要买{n}", "刷到好多{n}", "{n}值得买吗")
ZH_NEGATIVE = ("用了两天就坏了", "有股塑料味", "到货就是坏的", "客服一直不回复", "太失望了，不推荐")
ZH_INTENT = ("{n}哪里可以买到？", "求{n}链接！", "求同款{n}", "{n}已经预订了，好期待")
ZH_ATTRIBUTES = ("希望有大号的", "想要更多颜色", "能出环保材质吗", "尺寸再小一点就好了")
POSITIVE_EMOJI = ("😍", "🔥", "✨", "💕", "👍", "🥰", "")
BOT_TEMPLATES_EN = (
    "OMG this {n} is AMAZING!!! get yours now, link in bio 🔥",
    "Best {n} ever!!! 50% off today only, shop now 👉",
    "I love my {n} so much, use code BUZZ20 for a discount!!",
    "Everyone needs this {n}!!! limited stock, buy now",
)  # fmt: skip
BOT_TEMPLATES_ZH = (
    "{n}太好用了！！限时优惠，点击链接购买🔥",
    "强烈推荐{n}，私信领优惠码！！",
    "{n}绝绝子，今天下单立减50%👉",
)  # fmt: skip
BOT_EMOJI_FLOODS = ("🔥🔥🔥", "😍😍😍😍", "👍👍👍", "💯💯", "🔥😍🔥")


@dataclass
class ProductTruth:
    product_id: str
    name_en: str
    name_zh: str
    kind: str
    base_per_day: float
    real_trend: bool = False
    trend_start: datetime | None = None
    buzz_peak: datetime | None = None
    demand_peak: datetime | None = None
    attack_start: datetime | None = None
    attack_end: datetime | None = None
    origin_platform: str | None = None

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "product_id": self.product_id,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "kind": self.kind,
            "base_per_day": round(self.base_per_day, 2),
            "real_trend": self.real_trend,
            "trend_start": iso(self.trend_start),
            "buzz_peak": iso(self.buzz_peak),
            "demand_peak": iso(self.demand_peak),
            "attack_start": iso(self.attack_start),
            "attack_end": iso(self.attack_end),
            "origin_platform": self.origin_platform,
        }


@dataclass
class Simulation:
    days: int
    seed: int
    start: datetime
    market_utc_offset_hours: float
    mentions: list[Mention]
    products: list[ProductTruth]
    fake_post_ids: set[str] = field(default_factory=set)

    def watch_lists(self) -> list[WatchList]:
        return [watch_list_for(product) for product in self.products]

    def truth_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "market_utc_offset_hours": self.market_utc_offset_hours,
            "products": [product.to_json() for product in self.products],
            "fake_post_ids": sorted(self.fake_post_ids),
        }


def watch_list_for(product: ProductTruth) -> WatchList:
    tag = next(entry[3] for entry in CATALOGUE if entry[0] == product.product_id)
    return WatchList(
        product_id=product.product_id,
        product_keywords=(product.name_en, product.name_zh, tag),
        competitor_keywords=(f"dupe {product.name_en.split()[-1]}",),
        category_keywords=(product.name_en.split()[-1], product.name_zh[-2:]),
        scene_emotion=(("office", "cozy"), ("办公室", "仪式感")),
    )


def _trend_shape(hours_since_start: np.ndarray, peak_hours: float, sharpness: float) -> np.ndarray:
    """Rise to 1 at ``peak_hours``, then fade (gamma-like); 0 before the start."""
    x = np.clip(hours_since_start / peak_hours, 0, None)
    with np.errstate(divide="ignore"):
        shape = np.where(x > 0, x**sharpness * np.exp(sharpness * (1 - x)), 0.0)
    return np.asarray(shape)


class _Writer:
    """Creates mentions with unique ids and realistic authors."""

    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.rng = rng
        self.start = start
        self.counter = 0
        self.mentions: list[Mention] = []
        self.fake: set[str] = set()

    def organic_author(self, tier: str) -> tuple[str, int, datetime]:
        rng = self.rng
        if tier == "micro":
            followers = rng.randrange(10_000, 100_000)
        elif tier == "mid":
            followers = rng.randrange(100_000, 900_000)
        else:
            followers = int(rng.lognormvariate(math.log(600), 1.3))
        age_days = rng.randrange(120, 3000)
        author = f"u{rng.randrange(0, 10**9)}"
        return author, followers, self.start - timedelta(days=age_days)

    def add(self, mention: Mention, fake: bool) -> None:
        self.mentions.append(mention)
        if fake:
            self.fake.add(mention.post_id)

    def next_id(self, platform: str) -> str:
        self.counter += 1
        return f"{platform}-{self.counter:08d}"


def _choice(rng: random.Random, options: tuple[str, ...]) -> str:
    return rng.choice(options)


def _organic_text(rng: random.Random, product: ProductTruth, mood: str, zh: bool, tag: str) -> str:
    name = product.name_zh if zh else product.name_en
    emoji = _choice(rng, POSITIVE_EMOJI) if mood in ("positive", "intent") else ""
    if zh:
        if mood == "positive":
            text = _choice(rng, ZH_OPENERS).format(n=name) + "，" + _choice(rng, ZH_POSITIVE)
        elif mood == "negative":
            text = _choice(rng, ZH_OPENERS).format(n=name) + "，" + _choice(rng, ZH_NEGATIVE)
        elif mood == "intent":
            text = _choice(rng, ZH_INTENT).format(n=name)
        else:
            text = _choice(rng, ZH_NEUTRAL).format(n=name)
        if rng.random() < 0.2:
            text += "，" + _choice(rng, ZH_ATTRIBUTES)
    else:
        if mood == "positive":
            text = _choice(rng, EN_OPENERS).format(n=name) + ", " + _choice(rng, EN_POSITIVE)
        elif mood == "negative":
            text = _choice(rng, EN_OPENERS).format(n=name) + ", " + _choice(rng, EN_NEGATIVE)
        elif mood == "intent":
            text = _choice(rng, EN_INTENT).format(n=name)
        else:
            text = _choice(rng, EN_NEUTRAL).format(n=name)
        if rng.random() < 0.2:
            text += ", " + _choice(rng, EN_ATTRIBUTES)
    if rng.random() < 0.5:
        text += f" #{tag}"
    return f"{text} {emoji}".strip()


def _plan(rng: random.Random, days: int, count: int) -> list[str]:
    """Roles of the catalogue's products in one scenario."""
    roles = ["trend", "attack", "quiet", "steady", "fad", "complaint", "quiet", "steady"]
    if rng.random() < 0.5:
        roles[4], roles[5] = roles[5], roles[4]
    if rng.random() < 0.35:
        roles.append("trend")
    if rng.random() < 0.35:
        roles.append("attack")
    roles = roles[:count] if count <= len(roles) else roles + ["quiet"] * (count - len(roles))
    rng.shuffle(roles)
    return roles


def simulate(
    days: int,
    seed: int,
    products: int = 8,
    start: datetime = DEFAULT_START,
    market_utc_offset_hours: float = MARKET_UTC_OFFSET_HOURS,
) -> Simulation:
    """A deterministic scenario of ``days`` days for ``products`` products (at most 12)."""
    if days < 21:
        raise ValueError("simulate at least 21 days (two weeks of baseline, then events)")
    if not 1 <= products <= len(CATALOGUE):
        raise ValueError(f"products must be between 1 and {len(CATALOGUE)}")
    rng = random.Random(seed)
    counts_rng = np.random.default_rng(seed)
    hours = days * 24
    local_hours = (np.arange(hours) + int(market_utc_offset_hours)) % 24
    local_days = (np.arange(hours) + int(market_utc_offset_hours)) // 24
    weekday = (start.weekday() + local_days) % 7
    cycle = HOURLY_PROFILE[local_hours] * np.where(weekday >= 5, WEEKEND_FACTOR, 1.0)
    writer = _Writer(rng, start)
    truths: list[ProductTruth] = []
    roles = _plan(rng, days, products)
    catalogue = rng.sample(CATALOGUE, products)
    event_first_hour = 15 * 24
    for role, (product_id, name_en, name_zh, tag) in zip(roles, catalogue, strict=True):
        base = float(rng.uniform(1.5, 6)) if role == "quiet" else float(rng.uniform(15, 60))
        truth = ProductTruth(product_id, name_en, name_zh, role, base)
        truths.append(truth)
        multiplier = {platform: np.ones(hours) for platform in PLATFORM_SHARES}
        mood_positive = float(rng.uniform(0.55, 0.75))
        if role in ("trend", "fad"):
            peak_hours = (
                float(rng.uniform(6, 10) if role == "trend" else rng.uniform(1.5, 2.5)) * 24
            )
            sharpness = 3.0 if role == "trend" else 5.0
            amplitude = float(rng.uniform(6, 14) if role == "trend" else rng.uniform(2, 3.5))
            latest = hours - int(peak_hours) - 7 * 24
            start_hour = rng.randrange(event_first_hour, max(event_first_hour + 1, latest))
            origin = "tiktok" if rng.random() < 0.6 else "xiaohongshu"
            truth.real_trend = role == "trend"
            truth.trend_start = start + start_hour * HOUR
            truth.origin_platform = origin
            truth.buzz_peak = start + (start_hour + int(peak_hours) + 24) * HOUR
            truth.demand_peak = truth.buzz_peak + DEMAND_LAG_HOURS * HOUR
            for platform in PLATFORM_SHARES:
                lag = 0.0 if platform == origin else float(rng.uniform(0.5, 2.5)) * 24
                since = np.arange(hours) - start_hour - lag
                reach = 1.0 if platform == origin else float(rng.uniform(0.5, 1.0))
                multiplier[platform] = 1 + amplitude * reach * _trend_shape(
                    since, peak_hours, sharpness
                )
        for platform, share in PLATFORM_SHARES.items():
            rates = base / 24 * share * cycle * multiplier[platform]
            counts = counts_rng.poisson(rates)
            excess_share = 1 - 1 / multiplier[platform]
            for hour in np.nonzero(counts)[0].tolist():
                for _ in range(int(counts[hour])):
                    in_trend = rng.random() < excess_share[hour]
                    # Early in a trend (little excess yet) micro influencers carry it.
                    micro_share = 0.35 if excess_share[hour] < 0.5 else 0.12
                    _organic_mention(
                        writer,
                        truth,
                        platform,
                        hour,
                        in_trend,
                        mood_positive,
                        tag,
                        role,
                        micro_share,
                    )
        if role == "complaint":
            burst_start = rng.randrange(event_first_hour, hours - 72)
            truth.attack_start = start + burst_start * HOUR
            truth.attack_end = truth.attack_start + 36 * HOUR
            volume = int(base * rng.uniform(1.5, 2.5))
            for _ in range(volume):
                hour = burst_start + rng.randrange(0, 36)
                platform = _choice(rng, ("tiktok", "instagram", "reddit", "weibo"))
                _organic_mention(writer, truth, platform, hour, False, 0.0, tag, "complaint", 0.0)
        if role == "attack":
            attack_hours = rng.randrange(24, 60)
            attack_start = rng.randrange(event_first_hour, hours - attack_hours - 24)
            truth.attack_start = start + attack_start * HOUR
            truth.attack_end = truth.attack_start + attack_hours * HOUR
            _bot_attack(writer, truth, attack_start, attack_hours, tag, market_utc_offset_hours)
    writer.mentions.sort(key=lambda mention: (mention.created_at, mention.post_id))
    return Simulation(
        days=days,
        seed=seed,
        start=start,
        market_utc_offset_hours=market_utc_offset_hours,
        mentions=writer.mentions,
        products=truths,
        fake_post_ids=writer.fake,
    )


def _organic_mention(
    writer: _Writer,
    truth: ProductTruth,
    platform: str,
    hour: int,
    in_trend: bool,
    mood_positive: float,
    tag: str,
    role: str,
    micro_share: float,
) -> None:
    rng = writer.rng
    roll = rng.random()
    if role == "complaint":
        mood = "negative"
    elif in_trend and platform in ("reddit", "weibo") and roll < 0.45:
        mood = "intent"
    elif roll < (0.85 if in_trend else mood_positive):
        mood = "positive"
    elif roll < 0.93:
        mood = "neutral"
    else:
        mood = "negative"
    influence = rng.random()
    tier = "regular"
    if in_trend and influence < micro_share:
        tier = "micro"
    elif in_trend and influence < micro_share + 0.03:
        tier = "mid"
    elif influence < 0.02:
        tier = "micro"
    author, followers, created = writer.organic_author(tier)
    zh = platform in ("xiaohongshu", "weibo") or rng.random() < 0.25
    views = int(max(followers, 50) * rng.uniform(0.2, 3.0))
    likes = int(views * rng.uniform(0.02, 0.08))
    save_rate = rng.uniform(0.08, 0.16) if in_trend else rng.uniform(0.02, 0.06)
    if platform == "pinterest":
        save_rate *= 2
    moment = writer.start + hour * HOUR + timedelta(seconds=rng.randrange(0, 3600))
    writer.add(
        Mention(
            platform=platform,
            post_id=writer.next_id(platform),
            author_id=author,
            created_at=moment,
            text=_organic_text(rng, truth, mood, zh, tag),
            author_followers=followers,
            views=views,
            likes=likes,
            comments=int(likes * rng.uniform(0.05, 0.2)),
            shares=int(likes * rng.uniform(0.02, 0.1)),
            saves=int(views * save_rate),
            wishlist_adds=rng.randrange(0, 4) if in_trend and platform == "pinterest" else 0,
            preorders=1 if mood == "intent" and rng.random() < 0.3 else 0,
            ad_disclosed=tier == "mid" and rng.random() < 0.3,
            author_created_at=created,
            products=(truth.product_id,),
        ),
        fake=False,
    )


def _bot_attack(
    writer: _Writer,
    truth: ProductTruth,
    attack_start: int,
    attack_hours: int,
    tag: str,
    market_utc_offset_hours: float,
) -> None:
    """L-7 ground truth: bought heat on a product nobody is asking for."""
    rng = writer.rng
    total = int(truth.base_per_day * rng.uniform(4, 9) * attack_hours / 24 + 60)
    platforms = ("tiktok", "instagram") if rng.random() < 0.5 else ("tiktok", "xiaohongshu")
    quiet_local = [1, 2, 3, 4, 5]
    posted = 0
    cluster_index = 0
    while posted < total:
        cluster_index += 1
        accounts = rng.randrange(5, 15)
        posts = min(total - posted, rng.randrange(8, 30))
        sophisticated = rng.random() < 0.25
        hour_offset = rng.randrange(0, attack_hours)
        if rng.random() < 0.6:
            day = hour_offset // 24
            local = quiet_local[rng.randrange(0, len(quiet_local))]
            hour_offset = min(
                attack_hours - 1, day * 24 + (local - int(market_utc_offset_hours)) % 24
            )
        burst_time = writer.start + (attack_start + hour_offset) * HOUR
        device = f"dev-{truth.product_id}-{cluster_index}"
        ip_hint = f"ip-{rng.randrange(0, 255)}.{rng.randrange(0, 255)}.0.0/16"
        zh = rng.random() < 0.4
        for _ in range(posts):
            account = rng.randrange(0, accounts)
            if sophisticated:
                followers = rng.randrange(200, 3000)
                created = burst_time - timedelta(days=rng.randrange(200, 900))
                device_hint = None
                address = None
            else:
                followers = rng.randrange(0, 40)
                created = burst_time - timedelta(days=rng.randrange(1, 20))
                device_hint = device
                address = ip_hint
            if rng.random() < 0.25:
                text = _choice(rng, BOT_EMOJI_FLOODS)
            else:
                template = _choice(rng, BOT_TEMPLATES_ZH if zh else BOT_TEMPLATES_EN)
                text = template.format(n=truth.name_zh if zh else truth.name_en)
                text += "!" * rng.randrange(0, 3) + (f" #{tag}" if rng.random() < 0.7 else "")
            platform = platforms[rng.randrange(0, len(platforms))]
            moment = burst_time + timedelta(seconds=rng.randrange(0, 600))
            writer.add(
                Mention(
                    platform=platform,
                    post_id=writer.next_id(platform),
                    author_id=f"bot-{truth.product_id}-{cluster_index}-{account}",
                    created_at=moment,
                    text=text,
                    author_followers=followers,
                    views=rng.randrange(50, 800),
                    likes=rng.randrange(0, 30),
                    comments=rng.randrange(0, 5),
                    shares=0,
                    saves=0,
                    device_hint=device_hint,
                    ip_hint=address,
                    author_created_at=created,
                    products=(truth.product_id,),
                ),
                fake=True,
            )
            posted += 1
