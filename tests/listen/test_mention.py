"""L-1: canonical mentions from JSONL/CSV, column mappings, line-numbered errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from buzzstock.listen.mention import (
    PRESETS,
    ColumnMapping,
    Mention,
    parse_csv,
    parse_jsonl,
    with_snapshot,
)

GOOD = {
    "platform": "TikTok",
    "post_id": "p1",
    "author_id": "a1",
    "author_followers": "12.5k",
    "created_at": "2026-03-02T10:15:00+08:00",
    "text": "Love my 折叠收纳篮 #SpaceSaverBasket 😍",
    "likes": "1,204",
    "saves": 30,
    "ad_disclosed": "no",
}


def test_jsonl_mention_is_canonical_with_utc_time_and_parsed_counts() -> None:
    result = parse_jsonl(json.dumps(GOOD, ensure_ascii=False))
    assert result.ok
    (mention,) = result.mentions
    assert mention.platform == "tiktok"
    assert mention.created_at == datetime(2026, 3, 2, 2, 15, tzinfo=UTC)
    assert mention.created_at.tzinfo is UTC
    assert mention.author_followers == 12_500
    assert mention.likes == 1204
    assert mention.hashtags == ("spacesaverbasket",)
    assert mention.interactions == 1204 + 30


def test_a_bad_file_imports_nothing_and_reports_every_bad_line() -> None:
    lines = [
        json.dumps(GOOD),
        "{not json",
        json.dumps({**GOOD, "post_id": "p2", "created_at": "yesterday"}),
        "",
        json.dumps({**GOOD, "post_id": "p3", "likes": "-4"}),
        json.dumps({key: value for key, value in GOOD.items() if key != "text"}),
        "[1, 2]",
    ]
    result = parse_jsonl("\n".join(lines))
    assert result.mentions == ()
    assert [error.line for error in result.errors] == [2, 3, 5, 6, 7]
    messages = [str(error) for error in result.errors]
    assert messages[0].startswith("line 2: invalid JSON")
    assert "created_at" in messages[1]
    assert "likes" in messages[2]
    assert "missing text" in messages[3]


def test_timestamps_without_offset_are_refused_unless_a_timezone_is_given() -> None:
    row = json.dumps({**GOOD, "created_at": "2026-03-02 10:15:00"})
    refused = parse_jsonl(row)
    assert not refused.ok and "no UTC offset" in refused.errors[0].message
    mapping = ColumnMapping(default_timezone=timezone(timedelta(hours=8)))
    accepted = parse_jsonl(row, mapping)
    assert accepted.mentions[0].created_at == datetime(2026, 3, 2, 2, 15, tzinfo=UTC)


def test_brandwatch_style_csv_loads_through_its_preset_mapping() -> None:
    csv_text = (
        "Date,Url,Page Type,Author,Full Text,Twitter Followers,Likes,Language\n"
        "2026-03-02T10:00:00Z,https://x/1,Instagram,ann,"
        '"Where can I buy the starry mug?",900,5,en\n'
        "2026-03-02T11:00:00Z,https://x/2,小红书,bo,星空咖啡杯太好看了,80,2,zh\n"
    )
    result = parse_csv(csv_text, PRESETS["brandwatch"])
    assert result.ok, result.errors
    assert [mention.platform for mention in result.mentions] == ["instagram", "xiaohongshu"]
    assert result.mentions[1].author_followers == 80
    assert result.mentions[0].language == "en"


def test_csv_errors_carry_physical_line_numbers_across_quoted_line_breaks() -> None:
    csv_text = (
        "platform,post_id,author_id,created_at,text,likes\n"
        'tiktok,1,a,2026-03-02T10:00:00Z,"two\nlines",3\n'
        "tiktok,2,b,2026-03-02T10:00:00Z,fine,many\n"
        "tiktok,3,c,,missing time,1\n"
    )
    result = parse_csv(csv_text)
    assert result.mentions == ()
    assert [(error.line, error.message.split(":")[0]) for error in result.errors] == [
        (4, "likes"),
        (5, "missing created_at (column 'created_at')"),
    ]


def test_csv_missing_required_columns_is_one_clear_error() -> None:
    result = parse_csv("platform,text\ntiktok,hi\n")
    assert not result.ok
    assert result.errors[0].line == 1
    assert "post_id" in result.errors[0].message and "created_at" in result.errors[0].message


def test_reingesting_a_post_updates_counters_and_never_duplicates_it() -> None:
    first = json.dumps({**GOOD, "likes": 10})
    later = json.dumps({**GOOD, "likes": 99})
    result = parse_jsonl(first + "\n" + later)
    assert len(result.mentions) == 1
    assert result.mentions[0].likes == 99
    old = result.mentions[0]
    snapshot = Mention(
        platform=old.platform,
        post_id=old.post_id,
        author_id=old.author_id,
        created_at=old.created_at,
        text="edited",
        likes=150,
        saves=44,
    )
    updated = with_snapshot(old, snapshot)
    assert (updated.likes, updated.saves, updated.text) == (150, 44, old.text)


def test_command_line_mapping_pairs_are_validated() -> None:
    mapping = ColumnMapping.from_pairs(["text=Body", "created_at=When"], 8)
    assert mapping.source("text") == "Body" and mapping.source("likes") == "likes"
    for bad in (["text"], ["nonsense=Body"], ["text="]):
        try:
            ColumnMapping.from_pairs(bad)
        except ValueError as error:
            assert "canonical=source" in str(error)
        else:
            raise AssertionError(f"{bad} was accepted")


@given(
    text=st.text(min_size=1).filter(lambda value: value.strip() == value and value),
    likes=st.integers(min_value=0, max_value=10**9),
    minutes=st.integers(min_value=0, max_value=10**6),
)
def test_canonical_json_round_trips(text: str, likes: int, minutes: int) -> None:
    mention = Mention(
        platform="reddit",
        post_id="t3_x",
        author_id="u",
        created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        text=text,
        likes=likes,
        hashtags=("a",),
        products=("basket",),
    )
    result = parse_jsonl(json.dumps(mention.to_json()))
    assert result.ok
    assert result.mentions[0] == mention
