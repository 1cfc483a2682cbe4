"""L-10: comment mining: which product attributes people ask for, in English and Chinese."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

ATTRIBUTE_PATTERNS: dict[str, re.Pattern[str]] = {
    "size_bigger": re.compile(r"bigger|larger|\bxl\b|plus size|大号|大一点|加大|更大"),
    "size_smaller": re.compile(r"smaller|mini version|travel size|小号|小一点|迷你|更小"),
    "size": re.compile(r"\bsizes?\b|sizing|尺寸|尺码"),
    "eco_material": re.compile(r"\beco\b|eco-friendly|sustainable|recycled|biodegradable|环保"),
    "material": re.compile(r"material|bamboo|cotton|linen|leather|silicone|wooden|材质|材料|竹|棉"),
    "colour": re.compile(r"colou?rs?|pink|black|white|green|颜色|配色|色系|粉色|黑色|白色"),
    "price": re.compile(r"cheaper|too expensive|price|discount|便宜|太贵|价格|降价"),
    "durability": re.compile(r"broke|broken|flimsy|sturdier|durable|坏了|易坏|结实|耐用"),
    "packaging": re.compile(r"packaging|gift box|giftable|包装|礼盒"),
    "smell": re.compile(r"smell|odou?r|scent|味道|异味|气味"),
}


_REQUEST = re.compile(
    r"wish|please|pls|would (?:love|buy|like|be)|should (?:make|come|be)|need (?:a|an|more)|"
    r"hope|if only|want (?:a|an|more)|make (?:a|an|it)|"
    r"希望|想要|能出|能不能|可以出|要是|求|就好了|建议|出个|再.{0,4}一点"
)


def attributes_in(text: str) -> set[str]:
    """L-10: attributes a comment names (asks about, praises or complains about)."""
    folded = text.casefold()
    return {name for name, pattern in ATTRIBUTE_PATTERNS.items() if pattern.search(folded)}


def attributes_asked(text: str) -> set[str]:
    """L-10: attributes a comment asks for ("wish it came bigger", 希望有大号的)."""
    if _REQUEST.search(text.casefold()) is None:
        return set()
    return attributes_in(text)


def attribute_counts(texts: Iterable[str], asked_only: bool = True) -> Counter[str]:
    """L-10: how many comments ask for (or, with ``asked_only=False``, name) each attribute —
    ready to share with a supplier."""
    find = attributes_asked if asked_only else attributes_in
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(find(text))
    return counts
