"""L-2/L-3: Unicode-aware watch-list matching, language detection and sentiment (EN/ZH/emoji)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from buzzstock.listen.cli import listen_app
from buzzstock.listen.sentiment import SentimentScorer, detect_language, language_shares, score
from buzzstock.listen.watchlist import KIND_COMPETITOR, Matcher, WatchList

BASKET = WatchList(
    product_id="basket",
    product_keywords=("storage basket", "收纳篮"),
    competitor_keywords=("ikea basket",),
    category_keywords=("storage", "收纳"),
    scene_emotion=(("office", "cozy"), ("办公室", "仪式感")),
)
MUG = WatchList(product_id="mug", product_keywords=("starry mug", "星空杯"))
MATCHER = Matcher([BASKET, MUG])


def test_chinese_keywords_match_inside_text_without_spaces() -> None:
    assert MATCHER.products("今天买了折叠收纳篮，超好用") == ("basket",)
    assert MATCHER.products("办公室的星空杯好有仪式感") == ("basket", "mug")


def test_latin_keywords_match_whole_words_case_and_width_insensitively() -> None:
    assert MATCHER.products("My STORAGE BASKETS arrived!") == ("basket",)
    assert MATCHER.products("ｓｔａｒｒｙ ｍｕｇ is cute") == ("mug",)
    assert MATCHER.products("starry mugshot") == ()
    assert MATCHER.products("storage basket😍and星空杯") == ("basket", "mug")


def test_scene_needs_its_emotion_and_competitor_words_alone_do_not_count() -> None:
    assert MATCHER.products("so cozy in the office today") == ("basket",)
    assert MATCHER.products("office day") == ()
    matches = MATCHER.match("is the IKEA basket better?")
    assert [(match.product_id, match.kinds) for match in matches] == [
        ("basket", frozenset({KIND_COMPETITOR}))
    ]
    assert not matches[0].counts_for_product


def test_language_of_mixed_text_emoji_and_hashtags() -> None:
    assert detect_language("这个收纳篮太好用了") == "zh"
    assert detect_language("This basket is great") == "en"
    assert detect_language("😍😍🔥") == "und"
    assert detect_language("刚入手折叠收纳篮，太好用了 #SpaceSaverBasket 😍") == "zh"
    assert detect_language("love it 好用") == "en"
    shares = language_shares("OMG 这个 basket 真的好用 love it")
    assert 0 < shares.zh < 1 and 0 < shares.en < 1
    assert detect_language("この商品はかわいいです") == "und"


def test_sentiment_reads_english_chinese_and_emoji() -> None:
    assert score("I love this basket, works great!").label == "positive"
    assert score("Broke after two days, total waste of money.").label == "negative"
    assert score("This is not good at all").label == "negative"
    assert score("质量很差，不推荐").label == "negative"
    assert score("颜值超高，太好用了").label == "positive"
    assert score("😍😍😍").label == "positive"
    assert score("😡👎").label == "negative"
    assert score("").label == "neutral"
    mixed = score("OMG 这个 basket 真的好用 love it")
    assert mixed.label == "positive"


def test_compact_vader_agrees_with_the_original() -> None:
    exact = SentimentScorer(exact_vader=True)
    compact = SentimentScorer()
    for text in (
        "VADER is VERY SMART, handsome, and FUNNY!!!",
        "The book was kind of good.",
        "At least it isn't a horrible book.",
        "It was not bad but the battery is terrible",
        "Never so happy with a purchase 😍",
        "no problems at all, very happy",
    ):
        assert abs(exact.english(text) - compact.english(text)) < 0.02, text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gets_a_label_and_a_score_in_range(text: str) -> None:
    result = score(text)
    assert -1.0 <= result.score <= 1.0
    assert result.label in ("positive", "neutral", "negative")
    assert result.lang in ("en", "zh", "und")


def test_sentiment_command_writes_one_json_object_per_input_line() -> None:
    lines = ["Love it 😍", "质量很差，不推荐", "", "这个 basket is great 好用"]
    result = CliRunner().invoke(listen_app, ["sentiment"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(lines)
    assert all(set(row) == {"lang", "label", "score"} for row in rows)
    assert [row["lang"] for row in rows] == ["en", "zh", "und", "en"]
    assert [row["label"] for row in rows[:3]] == ["positive", "negative", "neutral"]
    assert all(-1 <= row["score"] <= 1 for row in rows)
