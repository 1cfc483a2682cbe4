"""L-3: language detection (English / Chinese, mixed text, emoji) and offline sentiment.

One interface, :func:`score` (or a :class:`SentimentScorer` instance): ``Sentiment(lang, label,
score)`` with ``score`` in [-1, 1]. English uses VADER's lexicon and rules (the lexicon ships in
the ``vaderSentiment`` package; by default through the faster ``english.CompactVader``);
Chinese uses a character logistic regression whose weights ship in this package (see
``zh_training``), plus a small lexicon of social-commerce words. Mixed text is scored by both,
weighted by each language's share. An optional transformer backend is used only when a local
model folder is given and the ``transformers`` package is installed; nothing is ever downloaded.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from buzzstock.listen.english import NORMALISATION_ALPHA, CompactVader

ZH_MODEL_PATH = Path(__file__).parent / "data" / "zh_sentiment.json.gz"

Label = Literal["positive", "neutral", "negative"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")
_NOT_LANGUAGE = re.compile(r"https?://\S+|[#@][\w.]+")
_ZH_KEEP = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff0-9a-z!?！？]+")

# Below this share the minor language of a mixed text is a loan word, not a second voice.
MIXED_MIN_SHARE = 0.2
ENGLISH_NEUTRAL_BAND = 0.05
CHINESE_NEUTRAL_BAND = 0.2

# Emoji carry much of the sentiment in short social posts; VADER knows them for English, this
# table gives Chinese posts (and text that is nothing but emoji) the same reading.
EMOJI_WEIGHTS: dict[str, float] = {
    "😍": 2.0, "🥰": 2.0, "❤": 1.8, "💕": 1.6, "💖": 1.6, "😊": 1.4, "😀": 1.2,
    "😁": 1.2, "😄": 1.3, "😃": 1.2, "👍": 1.4, "👏": 1.2, "🔥": 1.2, "✨": 0.8, "💯": 1.5,
    "🙌": 1.2, "😎": 1.0, "🤩": 1.8, "😻": 1.8, "💗": 1.6, "👌": 1.0, "🎉": 1.0, "🥳": 1.2,
    "😡": -2.0, "🤬": -2.2, "😠": -1.8, "👎": -1.6, "💩": -1.6, "😭": -1.0, "😢": -1.2,
    "😞": -1.4, "😤": -1.2, "🙄": -1.0, "😒": -1.2, "🤮": -2.0, "💔": -1.6, "😣": -1.0,
    "😫": -1.2, "😩": -1.2, "⚠": -0.6,
}  # fmt: skip


_EMOJI_CHARACTERS = frozenset(EMOJI_WEIGHTS)

# Words of social-commerce Chinese that the review corpus behind the statistical model rarely
# uses (it is mostly book and hotel reviews), in log-odds; a preceding 不/没/别 flips them.
ZH_LEXICON: dict[str, float] = {
    "好看": 2.0, "好用": 2.0, "喜欢": 1.5, "推荐": 1.5, "种草": 1.5, "绝了": 2.0, "绝绝子": 2.0,
    "治愈": 1.5, "颜值": 1.0, "可爱": 1.5, "值得": 1.5, "满意": 2.0, "惊喜": 1.5, "回购": 1.5,
    "爱了": 2.0, "太棒": 2.0, "超赞": 2.0, "划算": 1.5, "性价比高": 1.5, "实用": 1.0, "舒服": 1.5,
    "难用": -2.0, "失望": -2.0, "退货": -2.0, "垃圾": -2.5, "坏了": -2.0, "差评": -2.5,
    "太差": -2.5, "质量差": -2.5, "踩雷": -2.0, "翻车": -2.0, "后悔": -2.0, "智商税": -2.5,
    "异味": -1.5, "掉色": -1.5, "破损": -2.0, "骗人": -2.5, "不值": -2.0,
}  # fmt: skip
_ZH_LEXICON = re.compile(
    "(不|没|没有|别)?(" + "|".join(sorted(ZH_LEXICON, key=len, reverse=True)) + ")"
)


def zh_lexicon_score(text: str) -> float:
    """Summed log-odds of the lexicon words in ``text`` (negated ones count the other way)."""
    total = 0.0
    for negation, word in _ZH_LEXICON.findall(text):
        total += -ZH_LEXICON[word] if negation else ZH_LEXICON[word]
    return total


# Social-commerce English that VADER's general lexicon misreads or lacks, as VADER valences: the
# phrase is taken out of the text VADER scores and its valence added ("obsessed with" is praise
# in a product post, not a disorder).
EN_LEXICON: dict[str, float] = {
    "obsessed with": 2.0, "obsessed": 1.5, "game changer": 2.5, "game-changer": 2.5,
    "hype is real": 2.0, "must have": 2.0, "must-have": 2.0, "cozy": 1.5, "cosy": 1.5,
    "worth every": 2.0, "slays": 1.5, "slay": 1.5, "holy grail": 2.5, "10/10": 2.5,
    "ten out of ten": 2.5, "five stars": 2.5, "5 stars": 2.5,
}  # fmt: skip
_EN_LEXICON = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(w) for w in sorted(EN_LEXICON, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)


def commerce_words(text: str) -> tuple[str, float]:
    """``text`` without the social-commerce phrases and emoji VADER misreads, and their summed
    VADER valence (emoji from ``EMOJI_WEIGHTS``: 🔥 is praise here, not a fire)."""
    valence = 0.0
    if not _EMOJI_CHARACTERS.isdisjoint(text):
        valence += emoji_score(text)
        text = "".join(" " if character in _EMOJI_CHARACTERS else character for character in text)
    found = _EN_LEXICON.findall(text)
    if found:
        valence += sum(EN_LEXICON[word.lower()] for word in found)
        text = _EN_LEXICON.sub(" ", text)
    return text, valence


@dataclass(frozen=True, slots=True)
class Sentiment:
    lang: str
    label: Label
    score: float

    def to_json(self) -> dict[str, object]:
        return {"lang": self.lang, "label": self.label, "score": round(self.score, 4)}


@dataclass(frozen=True, slots=True)
class LanguageShares:
    """How much of a text is Chinese and how much English (shares of the text's words)."""

    zh: float
    en: float
    other: float

    @property
    def dominant(self) -> str:
        if self.zh == self.en == self.other == 0:
            return "und"
        best = max((self.zh, "zh"), (self.en, "en"), (self.other, "und"))
        return best[1]


def language_shares(text: str) -> LanguageShares:
    """Shares of Chinese and English in ``text``.

    Chinese has no spaces, so two Han characters weigh as one word; emoji, digits and punctuation
    are not language, nor are hashtags, @handles and links. Japanese kana and Korean hangul count
    as another language.
    """
    text = _NOT_LANGUAGE.sub(" ", text)
    han = len(_HAN.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    other = len(_KANA_HANGUL.findall(text)) / 2
    zh_words = han / 2
    total = zh_words + latin + other
    if total == 0:
        return LanguageShares(0.0, 0.0, 0.0)
    return LanguageShares(zh_words / total, latin / total, other / total)


def detect_language(text: str) -> str:
    """``zh``, ``en`` or ``und`` (no words, or another language)."""
    return language_shares(text).dominant


def zh_features(text: str) -> list[str]:
    """Character unigrams and bigrams of the Chinese model (bigrams keep negations: 不好)."""
    features: list[str] = []
    for run in _ZH_KEEP.findall(text.casefold()):
        features.extend(run)
        features.extend(run[index : index + 2] for index in range(len(run) - 1))
    return features


def emoji_score(text: str) -> float:
    """Summed weight of the emoji in ``text`` (0 when it has none)."""
    if _EMOJI_CHARACTERS.isdisjoint(text):
        return 0.0
    return sum(EMOJI_WEIGHTS.get(character, 0.0) for character in text)


def _label(score: float, neutral_band: float) -> Label:
    if score >= neutral_band:
        return "positive"
    if score <= -neutral_band:
        return "negative"
    return "neutral"


class SentimentBackend(Protocol):
    def score(self, text: str) -> Sentiment: ...


class SentimentScorer:
    """L-3: the offline default: VADER for English, character logistic regression for Chinese.

    ``exact_vader=True`` scores English with the original ``vaderSentiment`` code instead of the
    compact re-implementation (same lexicon and rules, about three times slower).
    """

    def __init__(self, zh_model_path: Path = ZH_MODEL_PATH, exact_vader: bool = False) -> None:
        self._zh_model_path = zh_model_path
        self._exact_vader = exact_vader

    @cached_property
    def _vader(self) -> SentimentIntensityAnalyzer:
        return SentimentIntensityAnalyzer()

    @cached_property
    def _compact_vader(self) -> CompactVader:
        return CompactVader()

    @cached_property
    def _zh_model(self) -> tuple[float, dict[str, float]]:
        with gzip.open(self._zh_model_path, "rt", encoding="utf-8") as handle:
            model: dict[str, Any] = json.load(handle)
        return float(model["bias"]), model["weights"]

    def english(self, text: str) -> float:
        """VADER's compound score, with the social-commerce words of ``EN_LEXICON`` and the
        emoji of ``EMOJI_WEIGHTS`` added to VADER's valence sum before its normalisation."""
        rest, extra = commerce_words(text)
        if self._exact_vader:
            compound: float = self._vader.polarity_scores(rest)["compound"]
        else:
            compound = self._compact_vader.compound(rest)
        if not extra:
            return compound
        total = compound * math.sqrt(NORMALISATION_ALPHA / max(1e-12, 1 - compound * compound))
        total += extra
        return max(-1.0, min(1.0, total / math.sqrt(total * total + NORMALISATION_ALPHA)))

    def chinese(self, text: str) -> float:
        bias, weights = self._zh_model
        log_odds = bias + emoji_score(text) + zh_lexicon_score(text)
        for feature in set(zh_features(text)):
            log_odds += weights.get(feature, 0.0)
        return math.tanh(log_odds / 2)

    def score(self, text: str) -> Sentiment:
        shares = language_shares(text)
        lang = shares.dominant
        if lang == "zh" and shares.en < MIXED_MIN_SHARE:
            value = self.chinese(text)
            return Sentiment(lang, _label(value, CHINESE_NEUTRAL_BAND), value)
        if lang == "en" and shares.zh < MIXED_MIN_SHARE:
            value = self.english(text)
            return Sentiment(lang, _label(value, ENGLISH_NEUTRAL_BAND), value)
        if shares.zh > 0 and shares.en > 0:
            weight = shares.zh / (shares.zh + shares.en)
            value = weight * self.chinese(text) + (1 - weight) * self.english(text)
            band = weight * CHINESE_NEUTRAL_BAND + (1 - weight) * ENGLISH_NEUTRAL_BAND
            return Sentiment(lang, _label(value, band), value)
        value = math.tanh(emoji_score(text) / 2)
        return Sentiment(lang, _label(value, CHINESE_NEUTRAL_BAND), value)


class TransformerSentiment:
    """Optional backend for users with a local sentiment model folder (never downloads).

    Needs the ``transformers`` package; the folder must hold a sequence-classification model
    whose labels name positive/negative (and optionally neutral) classes.
    """

    def __init__(self, model_dir: Path) -> None:
        if not model_dir.is_dir():
            raise FileNotFoundError(f"no local model folder at {model_dir}")
        try:
            from transformers import pipeline  # type: ignore[import-not-found,unused-ignore]
        except ImportError as error:
            raise RuntimeError(
                "the transformer backend needs the transformers package installed"
            ) from error
        self._classify = pipeline(
            "text-classification", model=str(model_dir), model_kwargs={"local_files_only": True}
        )

    def score(self, text: str) -> Sentiment:
        result = self._classify(text[:512])[0]
        name = str(result["label"]).casefold()
        confidence = float(result["score"])
        if "pos" in name:
            value = confidence
        elif "neg" in name:
            value = -confidence
        else:
            value = 0.0
        return Sentiment(detect_language(text), _label(value, ENGLISH_NEUTRAL_BAND), value)


DEFAULT_SCORER = SentimentScorer()


def score(text: str) -> Sentiment:
    """L-3: language, label and score in [-1, 1] of one text, with the offline default models."""
    return DEFAULT_SCORER.score(text)
