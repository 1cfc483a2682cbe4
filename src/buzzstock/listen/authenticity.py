"""L-7: fake-heat detection: evidence per mention, suspect flags, and a fake-heat share per trend.

Evidence and its weight (a mention is *suspect* when its weights add up to ``suspect_score``):

=====================  ======  ==================================================================
signal                 weight  meaning
=====================  ======  ==================================================================
account_cluster        2.0     its device/IP hint is shared by ``cluster_min_accounts`` accounts
                               that posted on the same product within 24 h
template_text          1.0     ``duplicate_min_posts`` near-duplicate texts (MinHash-LSH) on the
                               product within 24 h
undisclosed_ad         1.0     shaped like a promotion (codes, "link in bio", 限时优惠…) without
                               an ad disclosure
new_account            1.0     account younger than ``new_account_days``
emoji_only             1.0     nothing but emoji and punctuation
synchronised           1.0     one of ``sync_min_posts`` posts by new/low-follower accounts within
                               ``sync_window_seconds`` on the product
low_followers          0.5     fewer than ``low_follower_count`` followers
off_hours              0.5     posted while the target market sleeps
ai_generated           0.5     flagged by the source as AI-generated / virtual influencer
=====================  ======  ==================================================================

Real people trip one or two weak signals (a night owl with few followers); bought heat trips
several. The fake-heat probability of a trend is the share of its excess volume over the
baseline that suspect mentions make up.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from buzzstock.listen.mention import Mention
from buzzstock.listen.settings import DEFAULT_LISTEN_SETTINGS, ListenSettings
from buzzstock.listen.watchlist import normalise

WINDOW = timedelta(hours=24)
SIGNAL_WEIGHTS: dict[str, float] = {
    "account_cluster": 2.0,
    "template_text": 1.0,
    "undisclosed_ad": 1.0,
    "new_account": 1.0,
    "emoji_only": 1.0,
    "synchronised": 1.0,
    "low_followers": 0.5,
    "off_hours": 0.5,
    "ai_generated": 0.5,
}
MINHASH_PERMUTATIONS = 32
MINHASH_BANDS = 8
SHINGLE_SIZE = 3
# Hash functions h(x) = a·x + b mod 2^64 (odd a): a fixed seed keeps band keys stable across runs.
_PERMUTATION_RNG = np.random.default_rng(20260301)
_PERM_A = _PERMUTATION_RNG.integers(1, 1 << 62, MINHASH_PERMUTATIONS, dtype=np.uint64) | np.uint64(
    1
)
_PERM_B = _PERMUTATION_RNG.integers(0, 1 << 62, MINHASH_PERMUTATIONS, dtype=np.uint64)
_SHINGLE_MIX = (np.uint64(1_000_003 * 1_000_003), np.uint64(1_000_003))
_BAND_MIX = _PERMUTATION_RNG.integers(
    1, 1 << 62, MINHASH_PERMUTATIONS // MINHASH_BANDS, dtype=np.uint64
)
_BAND_OFFSETS = np.arange(MINHASH_BANDS, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)

_PROMO = re.compile(
    r"link in (?:my )?bio|use (?:my )?code|promo ?code|discount|\d+ ?% ?off|shop now|buy now|"
    r"limited (?:stock|offer|time)|dm (?:me )?to order|click (?:the )?link|today only|"
    r"优惠码|优惠券|限时|点击链接|下单|立减|私信|折扣|秒杀|抢购"
)
_DISCLOSURE_TAGS = frozenset({"ad", "ads", "sponsored", "paid", "partner", "广告", "合作", "推广"})
_DISCLOSURE_TEXT = re.compile(r"#(?:ad|sponsored|paidpartnership)\b|广告|合作推广|paid partnership")
_HAS_WORDS = re.compile(
    r"[0-9A-Za-z\u00c0-\u024f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"
)
_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def is_emoji_only(text: str) -> bool:
    """L-7: a reply with no words, only emoji/symbols (and not empty)."""
    return bool(text.strip()) and _HAS_WORDS.search(text) is None


def is_undisclosed_ad(mention: Mention) -> bool:
    """L-7: promotion-shaped text (codes, shop links, countdowns) without an ad disclosure."""
    if mention.ad_disclosed:
        return False
    if any(tag in _DISCLOSURE_TAGS for tag in mention.hashtags):
        return False
    text = normalise(mention.text)
    return _DISCLOSURE_TEXT.search(text) is None and _PROMO.search(text) is not None


def minhash_bands(text: str) -> tuple[int, ...]:
    """LSH band keys of a text's MinHash signature (char shingles, digits/emoji/spaces removed).

    Two texts share a band with high probability when their shingle Jaccard similarity exceeds
    about (1/bands)^(1/rows) ≈ 0.59. Shingles are hashed as a polynomial of their code points,
    all in numpy, because this runs for every mention.
    """
    folded = normalise(text)
    core = _NOT_TEXT.sub("", folded) or "".join(folded.split())
    if not core:
        return ()
    points = np.frombuffer(core.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(points) >= SHINGLE_SIZE:
        shingles = points[:-2] * _SHINGLE_MIX[0] + points[1:-1] * _SHINGLE_MIX[1] + points[2:]
    else:
        shingles = points
    signature = (np.multiply.outer(shingles, _PERM_A) + _PERM_B).min(axis=0)
    keys = signature.reshape(MINHASH_BANDS, -1) @ _BAND_MIX
    return tuple((keys + _BAND_OFFSETS).tolist())


@dataclass(frozen=True, slots=True)
class Judgement:
    """L-7: the evidence found on one mention and whether it counts as suspect."""

    signals: frozenset[str]
    score: float
    suspect: bool


@dataclass(slots=True)
class _Seen:
    at: datetime
    author: str
    device: str | None
    ip: str | None
    bands: tuple[int, ...]
    weak_account: bool


class ProductAuthenticity:
    """L-7: the rolling 24 h context of one product's mentions, to judge each new one."""

    def __init__(self, settings: ListenSettings = DEFAULT_LISTEN_SETTINGS) -> None:
        self.settings = settings
        self._window: deque[_Seen] = deque()
        self._device_authors: dict[str, Counter[str]] = {}
        self._ip_authors: dict[str, Counter[str]] = {}
        self._band_posts: Counter[int] = Counter()
        self._weak_times: deque[datetime] = deque()

    def _is_weak(self, mention: Mention) -> bool:
        settings = self.settings
        if mention.author_followers < settings.low_follower_count:
            return True
        return mention.author_created_at is not None and (
            mention.created_at - mention.author_created_at
        ) < timedelta(days=settings.new_account_days)

    def add(self, mention: Mention, bands: tuple[int, ...]) -> None:
        """Remember a mention and its ``minhash_bands`` (in time order, before judging its hour)."""
        self._expire(mention.created_at)
        seen = _Seen(
            mention.created_at,
            mention.author_id,
            mention.device_hint,
            mention.ip_hint,
            bands,
            self._is_weak(mention),
        )
        self._window.append(seen)
        if seen.device:
            self._device_authors.setdefault(seen.device, Counter())[seen.author] += 1
        if seen.ip:
            self._ip_authors.setdefault(seen.ip, Counter())[seen.author] += 1
        self._band_posts.update(seen.bands)
        if seen.weak_account:
            self._weak_times.append(seen.at)

    def _expire(self, now: datetime) -> None:
        horizon = now - WINDOW
        while self._window and self._window[0].at < horizon:
            old = self._window.popleft()
            for key, index in ((old.device, self._device_authors), (old.ip, self._ip_authors)):
                if key:
                    authors = index[key]
                    authors[old.author] -= 1
                    if authors[old.author] <= 0:
                        del authors[old.author]
                    if not authors:
                        del index[key]
            self._band_posts.subtract(old.bands)
            for band in old.bands:
                if self._band_posts[band] <= 0:
                    del self._band_posts[band]
        while self._weak_times and self._weak_times[0] < horizon:
            self._weak_times.popleft()

    def judge(self, mention: Mention, bands: tuple[int, ...]) -> Judgement:
        """L-7: evidence on ``mention`` given the product's last 24 h (including later posts
        of the same closed hour, never posts after the moment of judging)."""
        settings = self.settings
        signals: set[str] = set()
        for key, index in (
            (mention.device_hint, self._device_authors),
            (mention.ip_hint, self._ip_authors),
        ):
            if key and len(index.get(key, ())) >= settings.cluster_min_accounts:
                signals.add("account_cluster")
        if bands and max(self._band_posts[band] for band in bands) >= settings.duplicate_min_posts:
            signals.add("template_text")
        if is_undisclosed_ad(mention):
            signals.add("undisclosed_ad")
        if mention.author_created_at is not None and (
            mention.created_at - mention.author_created_at
        ) < timedelta(days=settings.new_account_days):
            signals.add("new_account")
        if is_emoji_only(mention.text):
            signals.add("emoji_only")
        if mention.author_followers < settings.low_follower_count:
            signals.add("low_followers")
        if self._is_weak(mention):
            reach = timedelta(seconds=settings.sync_window_seconds)
            times = self._weak_times
            nearby = bisect_right(times, mention.created_at + reach) - bisect_left(
                times, mention.created_at - reach
            )
            if nearby >= settings.sync_min_posts:
                signals.add("synchronised")
        if is_quiet_hour(mention.created_at, settings):
            signals.add("off_hours")
        if mention.ai_generated:
            signals.add("ai_generated")
        score = sum(SIGNAL_WEIGHTS[signal] for signal in signals)
        return Judgement(frozenset(signals), score, score >= settings.suspect_score)


def is_quiet_hour(moment: datetime, settings: ListenSettings = DEFAULT_LISTEN_SETTINGS) -> bool:
    """L-7: whether ``moment`` falls in the hours when the target market sleeps."""
    local = moment + timedelta(hours=settings.market_utc_offset_hours)
    start, end = settings.quiet_hours_start, settings.quiet_hours_end
    if start <= end:
        return start <= local.hour < end
    return local.hour >= start or local.hour < end


@dataclass(frozen=True, slots=True)
class FakeHeat:
    """L-7: how much of a trend's heat looks bought, and why."""

    probability: float
    suspect_mentions: int
    mentions: int
    evidence: dict[str, int]

    def to_json(self) -> dict[str, object]:
        return {
            "probability": round(self.probability, 3),
            "suspect_mentions": self.suspect_mentions,
            "mentions": self.mentions,
            "evidence": dict(sorted(self.evidence.items())),
        }


def fake_heat(
    mentions: int, suspect_mentions: int, expected: float, evidence: dict[str, int]
) -> FakeHeat:
    """L-7: fake-heat probability = suspect mentions / the volume above the baseline.

    With no excess over the baseline it is simply the suspect share of all mentions.
    """
    excess = mentions - expected
    if mentions <= 0:
        probability = 0.0
    elif excess > 0:
        probability = min(1.0, suspect_mentions / excess)
    else:
        probability = suspect_mentions / mentions
    return FakeHeat(probability, suspect_mentions, mentions, evidence)
