"""A shop and five weeks of mentions written for the loop's acceptance, independently of
buzzstock's own buzz simulator (other texts, platforms, volumes and shapes).

Four products: GLOW rises organically, positively and on several platforms for twelve days;
DUPE gets a two-day surge from a bot farm (shared devices, new accounts, template posts at
night); PARCEL gets a 36 h storm of delivery and breakage complaints; PLAIN stays steady.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 5, 4, tzinfo=UTC)
DAYS = 35
RISE_DAY = 20

SHOP_TOML = """
[[regions]]
code = "NA"
name = "North America"
timezone = "America/New_York"
lat = 40.7
lon = -74.0

[[markets]]
code = "US"
name = "United States"
region = "NA"
currency = "USD"
timezone = "America/New_York"

[[warehouses]]
code = "NJ1"
name = "New Jersey"
region = "NA"
city = "Newark"
lat = 40.7
lon = -74.2

[[channels]]
code = "shop-us"
name = "Own shop"
platform = "shopify"
market = "US"

{skus}

{stock}

{suppliers}

[cash]
liquid_funds = 80000
currency = "CNY"
"""

PRODUCTS = {
    "GLOW": "Glow desk lamp",
    "DUPE": "Dupe face roller",
    "PARCEL": "Parcel tote bag",
    "PLAIN": "Plain steel bottle",
}

PRAISE = (
    "honestly the best {n} I own, use it every evening",
    "got the {n} last week and I'm in love",
    "my {n} arrived and it is even nicer in person",
    "bought a second {n} for my mum, she loves it",
    "this {n} made my tiny room feel so cozy",
    "the {n} is worth every cent, great build",
    "can't believe how good the {n} looks on camera",
    "ten out of ten, the {n} is perfect",
    "{n} 真的太好看了，强烈推荐",
    "入手{n}一周，超级满意",
)
ASKING = (
    "where can I buy the {n}? sold out everywhere",
    "does anyone have a link for the {n}",
    "is the {n} back in stock yet?",
    "pre-ordered the {n}, cannot wait",
)
NEUTRAL = (
    "saw the {n} in a video today",
    "thinking about the {n} for my desk",
    "comparing the {n} with a cheaper one",
)
COMPLAINTS = (
    "my {n} order never arrived, tracking has not moved in 12 days",
    "the {n} arrived broken, the box was crushed",
    "still waiting for my {n} after three weeks, where is my order??",
    "received a damaged {n} and the seller won't reply",
    "the strap of the {n} snapped off after two days, want a refund",
    "{n} 快递太慢了，还没收到",
    "收到的{n}破损了，要求退款",
)
BOT_TEMPLATES = (
    "WOW {n} is the best!!! link in bio, 40% off today only",
    "everyone needs the {n}!!! use code GLOW40 shop now",
    "{n} amazing amazing amazing, buy now limited stock",
)


@dataclass(frozen=True)
class Story:
    shop_toml: str
    mentions: list[dict[str, Any]]


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _daytime(rng: random.Random, day: int) -> datetime:
    """A moment in the US daytime of ``day`` (the market's evening is busiest)."""
    hour = rng.choice((13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1, 2))
    return START + timedelta(days=day, hours=hour, minutes=rng.randrange(60))


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.mentions: list[dict[str, Any]] = []
        self.sequence = 0

    def post(
        self,
        sku: str,
        platform: str,
        at: datetime,
        text: str,
        *,
        author: str | None = None,
        followers: int | None = None,
        **extra: Any,
    ) -> None:
        rng = self.rng
        self.sequence += 1
        followers = followers if followers is not None else int(math.exp(rng.gauss(7.5, 1.6)))
        views = int(followers * rng.uniform(0.5, 3.0)) + rng.randrange(50, 400)
        self.mentions.append(
            {
                "platform": platform,
                "post_id": f"{platform[:2]}{self.sequence:07d}",
                "author_id": author or f"user{rng.randrange(10**7)}",
                "author_followers": followers,
                "created_at": _stamp(at),
                "text": text.format(n=PRODUCTS[sku].lower()),
                "views": views,
                "likes": int(views * rng.uniform(0.02, 0.09)),
                "comments": rng.randrange(0, 25),
                "shares": rng.randrange(0, 12),
                "products": [sku],
                **extra,
            }
        )


def _background(writer: _Writer, sku: str, per_day: float, days: range) -> None:
    rng = writer.rng
    for day in days:
        for _ in range(int(rng.gauss(per_day, math.sqrt(per_day)) + 0.5)):
            roll = rng.random()
            text = rng.choice(PRAISE if roll < 0.55 else NEUTRAL if roll < 0.9 else COMPLAINTS)
            platform = rng.choice(("instagram", "tiktok", "youtube", "reddit"))
            writer.post(sku, platform, _daytime(rng, day), text)


def _organic_rise(writer: _Writer) -> None:
    rng = writer.rng
    platforms = ("tiktok", "instagram", "youtube", "reddit", "pinterest")
    for day in range(RISE_DAY, DAYS):
        level = 14 + 150 * (1 - math.exp(-(day - RISE_DAY + 1) / 3))
        for _ in range(int(level)):
            platform = rng.choice(platforms)
            if platform == "reddit" and rng.random() < 0.5:
                text = rng.choice(ASKING)
            else:
                text = rng.choice(PRAISE if rng.random() < 0.88 else NEUTRAL)
            extra: dict[str, Any] = {}
            if platform == "pinterest":
                extra = {"saves": rng.randrange(20, 200)}
            if rng.random() < 0.05:
                extra["preorders"] = 1
            writer.post("GLOW", platform, _daytime(rng, day), text, **extra)


def _bot_farm(writer: _Writer) -> None:
    rng = writer.rng
    accounts = [(f"shop_deals_{index}", f"dev-{index % 6}") for index in range(36)]
    for hour in range(48):
        at = START + timedelta(days=24, hours=hour)
        for _ in range(rng.randrange(4, 9)):
            author, device = rng.choice(accounts)
            writer.post(
                "DUPE",
                rng.choice(("tiktok", "instagram")),
                at + timedelta(minutes=rng.randrange(60)),
                rng.choice(BOT_TEMPLATES),
                author=author,
                followers=rng.randrange(0, 40),
                device_hint=device,
                ip_hint=f"10.0.0.{device[-1]}",
                author_created_at=_stamp(START + timedelta(days=22)),
            )


def _complaint_storm(writer: _Writer) -> None:
    rng = writer.rng
    for hour in range(36):
        at = START + timedelta(days=25, hours=hour)
        for _ in range(rng.randrange(3, 7)):
            writer.post(
                "PARCEL",
                rng.choice(("tiktok", "instagram", "reddit", "youtube")),
                at + timedelta(minutes=rng.randrange(60)),
                rng.choice(COMPLAINTS),
            )


def write_story(folder: Path, seed: int = 7) -> Story:
    """Write ``shop.toml`` and ``mentions.jsonl`` into ``folder``."""
    rng = random.Random(seed)
    writer = _Writer(rng)
    for sku, per_day in (("GLOW", 14), ("DUPE", 10), ("PARCEL", 16), ("PLAIN", 22)):
        _background(writer, sku, per_day, range(DAYS))
    _organic_rise(writer)
    _bot_farm(writer)
    _complaint_storm(writer)
    writer.mentions.sort(key=lambda mention: mention["created_at"])
    skus = "\n".join(
        f'[[skus]]\ncode = "{sku}"\nname = "{name}"\ncategory = "home"\nbase_price = 24.0\n'
        for sku, name in PRODUCTS.items()
    )
    stock = "\n".join(
        f'[[stock]]\nsku = "{sku}"\nwarehouses = {{ NJ1 = 400 }}\n' for sku in PRODUCTS
    )
    suppliers = "\n".join(
        f'[[suppliers]]\ncode = "F-{sku}"\nname = "Factory {sku}"\ntier = "fast"\n'
        f'skus = ["{sku}"]\nunit_cost = 18.0\ncurrency = "CNY"\nlead_time_days = 6\n'
        f"capacity = 500\nmoq = 50\n"
        for sku in PRODUCTS
    )
    shop = SHOP_TOML.format(skus=skus, stock=stock, suppliers=suppliers)
    (folder / "shop.toml").write_text(shop, encoding="utf-8")
    with (folder / "mentions.jsonl").open("w", encoding="utf-8") as handle:
        for mention in writer.mentions:
            handle.write(json.dumps(mention, ensure_ascii=False) + "\n")
    return Story(shop, writer.mentions)
