"""Complaint signals in mention text: words of late or lost deliveries, damage, defects, refunds,
scams and safety, in English, Chinese, Spanish and Arabic.

A mention that speaks of these is a complaint whatever its sentiment score says ("my order
never arrived" has no negative word for a lexicon like VADER): the pipeline counts it as a
negative mention, so a complaint wave raises a complaint signal and never the heat index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from buzzstock.listen.detect import DISPERSION_PRIOR, anscombe_z
from buzzstock.listen.settings import DEFAULT_LISTEN_SETTINGS, ListenSettings

_LATIN_PHRASES = (
    # logistics: late, lost, never delivered
    r"never (?:arrived|came|delivered|received|got it)",
    r"(?:has|have|hasn't|haven't|still) ?n[o']?t? (?:arrived|received|shipped|come)",
    r"not (?:arrived|received|delivered|shipped) yet",
    r"still (?:waiting|not here|no sign)",
    r"where(?:'s| is) my (?:order|package|parcel)",
    r"(?:late|delayed|slow|lost|missing) (?:delivery|shipping|shipment|package|parcel|order)",
    r"(?:delivery|shipping|shipment|package|parcel|order) (?:is |was )?(?:late|delayed|lost|missing|stuck)",  # noqa: E501
    r"tracking (?:hasn't|has not|doesn't|does not|never) (?:updated|moved|changed)",
    r"weeks? (?:late|overdue)",
    # damage, defects, quality
    r"arrived (?:damaged|broken|crushed|cracked|dented|leaking|melted|open)",
    r"(?:damaged|broken|crushed|cracked|defective|faulty) (?:on arrival|in transit|box|item|product|package)",  # noqa: E501
    r"(?:stopped|doesn't|does not|didn't|did not|won't|will not) (?:work|working|charge|turn on)",
    r"(?:broke|fell apart|fell off|came apart|peeled off|ripped|tore) (?:after|within|in)",
    r"(?:poor|bad|terrible|awful|cheap|horrible) quality|cheap(?:ly made| plastic)",
    r"(?:zipper|strap|button|handle|clasp|buckle|lid|part|piece)s? (?:fell|came|broke|snapped) off",
    r"smells? (?:like|of) (?:chemicals?|plastic|burning|glue)|chemical smell",
    r"wrong (?:item|size|colou?r|product|order)",
    r"(?:missing|no) (?:parts?|pieces?|charger|cable)",
    r"(?:waste of|want my|give me my|get my) money",
    r"(?:asked|asking|want|requested|demand) (?:for )?a refund",
    r"\brefund\b",
    r"\b(?:scam|scammed|counterfeit|knock-?off|rip-?off)\b",
    r"(?:customer service|seller|support) (?:never|doesn't|does not|didn't|won't) (?:reply|replied|respond|responded|answer|answered|help)",  # noqa: E501
    r"no (?:reply|response|answer) from (?:the )?(?:seller|shop|store|support|customer service)",
    # safety
    r"(?:gave|giving) (?:me |my \w+ )?(?:a )?burns?|burn(?:ed|t|s) (?:my|me|his|her|their)",
    r"\b(?:caught fire|overheat(?:s|ed|ing)|exploded|melted (?:on|in) my)\b",
    r"\b(?:toxic|poison(?:ous|ed)?|choking|choked|rash|allergic reaction)\b",
    # Spanish
    r"no (?:ha |me ha )?llega(?:do|ó)|nunca lleg(?:ó|o)|todav[ií]a no llega|sigo esperando",
    r"(?:lleg[óo]|vino) (?:roto|rota|dañad[oa]|abiert[oa])|defectuos[oa]|no funciona",
    r"retraso|reembolso|devoluci[óo]n|estafa|mala calidad|producto falso",
    r"quemadura|se quem[óo]|se incendi[óo]|t[óo]xico",
)
_CJK_AND_ARABIC = (
    # Chinese
    "没收到", "还没收到", "未收到", "还没到", "迟迟不发货", "不发货", "物流太慢", "快递太慢",
    "物流慢", "快递慢", "延迟", "延误", "丢件", "丢了", "破损", "摔坏", "坏了", "坏的",
    "损坏", "压坏",
    "质量差", "质量太差", "质量不好", "劣质", "假货", "骗子", "被骗", "退款", "退货", "投诉",
    "客服不回", "客服不理", "不回复", "没人理", "发错", "少发", "漏发", "烫伤", "起火", "着火",
    "自燃", "爆炸", "有毒", "过敏", "异味", "漏液", "融化", "化了",
    # Arabic
    "لم يصل", "لم تصل", "ما وصل", "ما وصلني", "تأخير", "متأخر", "تأخر", "مكسور", "تالف",
    "معطل", "لا يعمل", "استرداد", "استرجاع", "احتيال", "نصب", "مزيف", "تقليد", "جودة سيئة",
    "سيء جدا", "حرق", "احترق", "سام",
)  # fmt: skip

_PATTERN = re.compile(
    "|".join(f"(?:{phrase})" for phrase in _LATIN_PHRASES)
    + "|"
    + "|".join(re.escape(word) for word in _CJK_AND_ARABIC),
    re.IGNORECASE,
)


def speaks_of_a_complaint(text: str) -> bool:
    """Whether the text complains about delivery, damage, quality, money back or safety."""
    return _PATTERN.search(text) is not None


# Negative mentions a product is assumed to have per authentic mention before its own history
# says otherwise: one in ten, worth ten mentions of evidence.
PRIOR_NEGATIVE_SHARE = 0.1
PRIOR_WEIGHT = 10.0


@dataclass(frozen=True, slots=True)
class NegativeExcess:
    """The last 24 h's negative mentions against what the product's usual share predicts."""

    negative: float
    expected: float
    z: float
    significant: bool
    elevated: bool
    """At least ``onset_z`` above expected: the wave has started, if it later turns significant."""


def negative_excess(
    negative: float,
    authentic: float,
    baseline_negative: float,
    baseline_authentic: float,
    settings: ListenSettings = DEFAULT_LISTEN_SETTINGS,
) -> NegativeExcess:
    """Are there many more complaints than the product's volume explains?

    A trend brings more of everything, complaints too; a complaint wave brings a larger share of
    them. The expected count is the product's usual negative share (over its baseline window,
    shrunk towards one in ten) times the authentic mentions of the last 24 h; the excess counts
    when it is significant like an alert (z ≥ ``significance_z`` on Anscombe-transformed
    counts, at least ``min_excess_mentions`` more, and at least twice the expected count).
    """
    share = (baseline_negative + PRIOR_NEGATIVE_SHARE * PRIOR_WEIGHT) / (
        baseline_authentic + PRIOR_WEIGHT
    )
    expected = max(share * authentic, 1.0)
    z = anscombe_z(negative, expected, DISPERSION_PRIOR)
    significant = (
        z >= settings.significance_z
        and negative - expected >= settings.min_excess_mentions
        and negative >= (1 + settings.yellow_growth) * expected
    )
    return NegativeExcess(negative, expected, z, significant, z >= settings.onset_z)
