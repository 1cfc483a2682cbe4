"""L-1: the canonical mention record and its file formats (JSONL and CSV with a column mapping).

A file that has any bad row imports nothing: the parser returns every error with its line number
and no mentions, so a seller fixes the file and loads it again.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from buzzstock.core.textfiles import excel_csv

PLATFORMS = (
    "tiktok",
    "instagram",
    "youtube",
    "xiaohongshu",
    "pinterest",
    "reddit",
    "discord",
    "weibo",
    "kwai",
    "twitch",
    "live",
    "other",
)

# L-4: which layer of the three-layer check a platform's posts belong to.
CONTENT_PLATFORMS = frozenset({"tiktok", "instagram", "youtube", "xiaohongshu", "kwai", "twitch"})
DISCUSSION_PLATFORMS = frozenset({"reddit", "discord", "weibo", "live", "other"})
TRANSACTION_PLATFORMS = frozenset({"pinterest"})

COUNTER_FIELDS = ("views", "likes", "comments", "shares", "saves", "wishlist_adds", "preorders")
CANONICAL_FIELDS = (
    "platform",
    "post_id",
    "author_id",
    "author_followers",
    "created_at",
    "text",
    "language",
    "hashtags",
    *COUNTER_FIELDS,
    "ad_disclosed",
    "device_hint",
    "ip_hint",
    "author_created_at",
    "ai_generated",
    "products",
)
REQUIRED_FIELDS = ("platform", "post_id", "author_id", "created_at", "text")

_HASHTAG = re.compile(r"#(\w+)", re.UNICODE)
_COUNT = re.compile(r"^\s*([0-9][0-9,_]*(?:\.[0-9]+)?)\s*([kKmMwW万]?)\s*$")
_MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000, "w": 10_000, "万": 10_000}
_TRUE = frozenset({"true", "1", "yes", "y", "t", "ad", "sponsored", "paid"})
_FALSE = frozenset({"false", "0", "no", "n", "f", "", "organic", "none"})


@dataclass(frozen=True, slots=True)
class Mention:
    """L-1: one post or comment about a product, as every source is normalised to it.

    Times are timezone-aware UTC. ``(platform, post_id)`` identifies the post: ingesting it again
    is a new snapshot of its counters, never a second mention.
    """

    platform: str
    post_id: str
    author_id: str
    created_at: datetime
    text: str
    author_followers: int = 0
    language: str | None = None
    hashtags: tuple[str, ...] = ()
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    saves: int = 0
    wishlist_adds: int = 0
    preorders: int = 0
    ad_disclosed: bool = False
    device_hint: str | None = None
    ip_hint: str | None = None
    author_created_at: datetime | None = None
    ai_generated: bool = False
    products: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.post_id)

    @property
    def interactions(self) -> int:
        """L-3: likes + comments + shares + saves."""
        return self.likes + self.comments + self.shares + self.saves

    def to_json(self) -> dict[str, Any]:
        """The canonical JSONL object of this mention."""
        return {
            "platform": self.platform,
            "post_id": self.post_id,
            "author_id": self.author_id,
            "author_followers": self.author_followers,
            "created_at": self.created_at.isoformat(),
            "text": self.text,
            "language": self.language,
            "hashtags": list(self.hashtags),
            "views": self.views,
            "likes": self.likes,
            "comments": self.comments,
            "shares": self.shares,
            "saves": self.saves,
            "wishlist_adds": self.wishlist_adds,
            "preorders": self.preorders,
            "ad_disclosed": self.ad_disclosed,
            "device_hint": self.device_hint,
            "ip_hint": self.ip_hint,
            "author_created_at": (
                self.author_created_at.isoformat() if self.author_created_at else None
            ),
            "ai_generated": self.ai_generated,
            "products": list(self.products),
        }


@dataclass(frozen=True, slots=True)
class LineError:
    """One refused row: its 1-based line number in the file and what is wrong."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Parsed mentions, or (when any row is bad) no mentions and every error."""

    mentions: tuple[Mention, ...]
    errors: tuple[LineError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ColumnMapping:
    """L-1: which source column (or dotted JSON path) holds each canonical field.

    Fields not named keep their canonical name. ``default_timezone`` applies to timestamps written
    without an offset; without it such timestamps are refused rather than guessed.
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    default_timezone: timezone | None = None

    def source(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)

    @classmethod
    def from_pairs(
        cls, pairs: Iterable[str], default_utc_offset_hours: float | None = None
    ) -> ColumnMapping:
        """Build a mapping from ``canonical=source`` strings (as given on the command line)."""
        columns: dict[str, str] = {}
        for pair in pairs:
            canonical, sep, source = pair.partition("=")
            if not sep or canonical.strip() not in CANONICAL_FIELDS or not source.strip():
                raise ValueError(
                    f"bad column mapping {pair!r}: use canonical=source with canonical one of "
                    + ", ".join(CANONICAL_FIELDS)
                )
            columns[canonical.strip()] = source.strip()
        tz = (
            None
            if default_utc_offset_hours is None
            else timezone(timedelta(hours=default_utc_offset_hours))
        )
        return cls(columns=columns, default_timezone=tz)


# Column names as these tools commonly label their exports; check them against your own export
# and override single columns with ``--map canonical=source`` where your export differs.
PRESETS: dict[str, ColumnMapping] = {
    "canonical": ColumnMapping(),
    "brand24": ColumnMapping(
        columns={
            "platform": "Source",
            "post_id": "Url",
            "author_id": "Author",
            "author_followers": "Followers",
            "created_at": "Date",
            "text": "Content",
            "likes": "Likes",
            "comments": "Comments",
            "shares": "Shares",
            "views": "Reach",
        }
    ),
    "brandwatch": ColumnMapping(
        columns={
            "platform": "Page Type",
            "post_id": "Url",
            "author_id": "Author",
            "author_followers": "Twitter Followers",
            "created_at": "Date",
            "text": "Full Text",
            "language": "Language",
            "hashtags": "Hashtags",
            "likes": "Likes",
            "comments": "Comments",
            "shares": "Shares",
            "views": "Impressions",
        }
    ),
    "talkwalker": ColumnMapping(
        columns={
            "platform": "source_type",
            "post_id": "url",
            "author_id": "extra_author_attributes.name",
            "author_followers": "extra_author_attributes.followers",
            "created_at": "published",
            "text": "content",
            "language": "lang",
            "likes": "likes",
            "comments": "comments",
            "shares": "shares",
            "views": "reach",
        }
    ),
}

_PLATFORM_ALIASES = {
    "tik tok": "tiktok",
    "douyin": "tiktok",
    "抖音": "tiktok",
    "ig": "instagram",
    "instagram reels": "instagram",
    "reels": "instagram",
    "yt": "youtube",
    "youtube shorts": "youtube",
    "shorts": "youtube",
    "red": "xiaohongshu",
    "rednote": "xiaohongshu",
    "小红书": "xiaohongshu",
    "微博": "weibo",
    "快手": "kwai",
    "livestream": "live",
    "live stream": "live",
    "forums": "reddit",
}


def normalise_platform(raw: str) -> str:
    """Lower-case platform name, with the usual aliases folded; unknown names become ``other``."""
    name = raw.strip().casefold()
    name = _PLATFORM_ALIASES.get(name, name)
    return name if name in PLATFORMS else "other"


def parse_timestamp(raw: Any, default_timezone: timezone | None = None) -> datetime:
    """A tz-aware UTC datetime from ISO 8601 text or Unix seconds; naive text needs a default."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return datetime.fromtimestamp(float(raw), tz=UTC)
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("missing timestamp")
    text = raw.strip()
    if re.fullmatch(r"[0-9]{9,11}(\.[0-9]+)?", text):
        return datetime.fromtimestamp(float(text), tz=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}") from None
    if moment.tzinfo is None:
        if default_timezone is None:
            raise ValueError(
                f"timestamp {text!r} has no UTC offset (give one, or set a default timezone)"
            )
        moment = moment.replace(tzinfo=default_timezone)
    return moment.astimezone(UTC)


MAX_COUNT = 10**12
"""L-1: the largest counter (views, likes, followers, ...) a mention may carry."""


def parse_count(raw: Any) -> int:
    """A count from 0 to ``MAX_COUNT`` from ``1234``, ``"1,234"``, ``"1.2k"``, ``"3万"``; blank
    is 0."""
    if type(raw) is int and 0 <= raw <= MAX_COUNT:
        return raw
    if raw is None:
        return 0
    if isinstance(raw, bool):
        raise ValueError(f"not a count: {raw!r}")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueError(f"not a count: {raw!r}")
        value = round(raw)
    else:
        text = str(raw)
        if not text.strip():
            return 0
        match = _COUNT.match(text)
        if match is None:
            raise ValueError(f"not a count: {text!r}")
        number = float(match.group(1).replace(",", "").replace("_", ""))
        scaled = number * _MULTIPLIERS[match.group(2).casefold()]
        if not math.isfinite(scaled):
            raise ValueError(f"not a count: {text!r}")
        value = round(scaled)
    if value < 0:
        raise ValueError(f"negative count: {raw!r}")
    if value > MAX_COUNT:
        raise ValueError(f"count {raw!r} is larger than {MAX_COUNT:,}")
    return value


def parse_flag(raw: Any) -> bool:
    if raw is None:
        return False
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: {raw!r}")


def _as_list(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, list | tuple):
        return tuple(str(item).strip().lstrip("#") for item in raw if str(item).strip())
    parts = re.split(r"[\s,;|]+", str(raw))
    return tuple(part.lstrip("#") for part in parts if part.strip().lstrip("#"))


def _lookup(record: Mapping[str, Any], path: str) -> Any:
    if path in record:
        return record[path]
    current: Any = record
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


FUTURE_SKEW_SETTING = "listen.max_future_skew_seconds"


def check_not_after(name: str, moment: datetime, not_after: datetime | None) -> None:
    """L-1: a post cannot be written after now: a timestamp past ``not_after`` (now plus the
    allowed clock skew) is a wrong clock or time zone, and would freeze the trend at that date."""
    if not_after is not None and moment > not_after:
        raise ValueError(
            f"{name} {moment.isoformat()} is in the future (later than "
            f"{not_after.isoformat()}, now plus {FUTURE_SKEW_SETTING}); check the clock or the "
            "time zone of the source"
        )


def mention_from_record(
    record: Mapping[str, Any], mapping: ColumnMapping, not_after: datetime | None = None
) -> Mention:
    """L-1: one canonical mention from one source record; raises ValueError naming the field.

    With ``not_after`` a ``created_at`` or ``author_created_at`` later than it is refused."""
    values: dict[str, Any] = {}
    for name in CANONICAL_FIELDS:
        value = _lookup(record, mapping.source(name))
        values[name] = value.strip() if isinstance(value, str) else value
    for name in REQUIRED_FIELDS:
        if values[name] is None or values[name] == "":
            raise ValueError(f"missing {name} (column {mapping.source(name)!r})")

    def field_value(name: str, convert: Any) -> Any:
        try:
            return convert(values[name])
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None

    def timestamp(raw: Any) -> datetime:
        return parse_timestamp(raw, mapping.default_timezone)

    def past_timestamp(name: str) -> datetime:
        moment: datetime = field_value(name, timestamp)
        check_not_after(name, moment, not_after)
        return moment

    text = str(values["text"])
    hashtags = field_value("hashtags", _as_list) or tuple(_HASHTAG.findall(text))
    counters = {name: field_value(name, parse_count) for name in COUNTER_FIELDS}
    language = values["language"]
    return Mention(
        platform=normalise_platform(str(values["platform"])),
        post_id=str(values["post_id"]),
        author_id=str(values["author_id"]),
        created_at=past_timestamp("created_at"),
        text=text,
        author_followers=field_value("author_followers", parse_count),
        language=str(language).casefold() if language else None,
        hashtags=tuple(tag.casefold() for tag in hashtags),
        ad_disclosed=field_value("ad_disclosed", parse_flag),
        device_hint=str(values["device_hint"]) if values["device_hint"] else None,
        ip_hint=str(values["ip_hint"]) if values["ip_hint"] else None,
        author_created_at=(
            past_timestamp("author_created_at") if values["author_created_at"] else None
        ),
        ai_generated=field_value("ai_generated", parse_flag),
        products=field_value("products", _as_list),
        **counters,
    )


def _finish(mentions: list[Mention], errors: list[LineError]) -> ImportResult:
    if errors:
        return ImportResult(mentions=(), errors=tuple(errors))
    latest: dict[tuple[str, str], Mention] = {}
    for mention in mentions:
        latest[mention.key] = mention
    return ImportResult(mentions=tuple(latest.values()), errors=())


def parse_jsonl(
    text: str | Iterable[str],
    mapping: ColumnMapping | None = None,
    not_after: datetime | None = None,
) -> ImportResult:
    """L-1: parse JSON Lines (one object a line; blank lines skipped): the text, or the lines
    of a file as ``core.textfiles`` streams them.

    A post that appears twice keeps its last snapshot. Any bad line: no mentions, all errors.
    Lines end at a line break only (a U+2028 inside a JSON string is text).
    """
    mapping = mapping or PRESETS["canonical"]
    mentions: list[Mention] = []
    errors: list[LineError] = []
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append(LineError(number, f"invalid JSON: {error.msg}"))
            continue
        if not isinstance(record, dict):
            errors.append(LineError(number, "expected a JSON object"))
            continue
        try:
            mentions.append(mention_from_record(record, mapping, not_after))
        except ValueError as error:
            errors.append(LineError(number, str(error)))
    return _finish(mentions, errors)


def parse_csv(
    text: str | Iterable[str],
    mapping: ColumnMapping | None = None,
    not_after: datetime | None = None,
) -> ImportResult:
    """L-1: parse CSV with a header row; columns are named through ``mapping``. The delimiter
    is the header's comma, semicolon or tab (as spreadsheets write CSV).

    Line numbers count physical lines (the header is line 1), also across quoted line breaks.
    """
    mapping = mapping or PRESETS["canonical"]
    reader = excel_csv(_lines(text))
    header = reader.fieldnames or []
    missing = [
        mapping.source(name) for name in REQUIRED_FIELDS if mapping.source(name) not in header
    ]
    if missing:
        return ImportResult(
            mentions=(), errors=(LineError(1, "missing columns: " + ", ".join(missing)),)
        )
    mentions: list[Mention] = []
    errors: list[LineError] = []
    start_line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(LineError(reader.line_num, f"not valid CSV: {error}"))
            start_line = reader.line_num + 1
            continue
        number = start_line
        start_line = reader.line_num + 1
        if None in row:
            errors.append(LineError(number, "more fields than the header has columns"))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue
        try:
            mentions.append(mention_from_record(row, mapping, not_after))
        except ValueError as error:
            errors.append(LineError(number, str(error)))
    return _finish(mentions, errors)


def _lines(text: str | Iterable[str]) -> Iterable[str]:
    return io.StringIO(text, newline="") if isinstance(text, str) else text


def parse_file_text(
    name: str,
    text: str | Iterable[str],
    mapping: ColumnMapping | None = None,
    not_after: datetime | None = None,
) -> ImportResult:
    """Parse by file extension and content: ``.csv`` as CSV, a file whose first character is
    ``[`` as one JSON array of objects, anything else as JSON Lines; with ``not_after``, rows
    dated later than it are errors (``check_not_after``)."""
    if name.casefold().endswith(".csv"):
        return parse_csv(text, mapping, not_after)
    lines = iter(_lines(text))
    head: list[str] = []
    for line in lines:
        head.append(line)
        if line.strip():
            break
    if head and head[-1].lstrip().startswith("["):
        return parse_json_array("".join(itertools.chain(head, lines)), mapping, not_after)
    return parse_jsonl(itertools.chain(head, lines), mapping, not_after)


def parse_json_array(
    text: str, mapping: ColumnMapping | None = None, not_after: datetime | None = None
) -> ImportResult:
    """L-1: parse one JSON array of mention objects, as many tools export them (read whole, so
    keep very large exports as JSON Lines). Each error names the line its item starts on."""
    mapping = mapping or PRESETS["canonical"]
    decoder = json.JSONDecoder()
    mentions: list[Mention] = []
    errors: list[LineError] = []
    position = _skip_space(text, text.index("[") + 1)
    while position < len(text) and text[position] != "]":
        line = text.count("\n", 0, position) + 1
        try:
            record, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            errors.append(LineError(line, f"invalid JSON: {error.msg}"))
            return _finish(mentions, errors)
        if not isinstance(record, dict):
            errors.append(LineError(line, "expected a JSON object in the array"))
        else:
            try:
                mentions.append(mention_from_record(record, mapping, not_after))
            except ValueError as error:
                errors.append(LineError(line, str(error)))
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        elif position < len(text) and text[position] != "]":
            errors.append(LineError(text.count("\n", 0, position) + 1, "expected , or ]"))
            return _finish(mentions, errors)
    if position >= len(text) or text[position + 1 :].strip():
        errors.append(
            LineError(text.count("\n") + 1, "the JSON array must end with ] and nothing after it")
        )
    return _finish(mentions, errors)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def with_snapshot(existing: Mention, snapshot: Mention) -> Mention:
    """L-1: re-ingesting a post updates its counters (the newer snapshot wins), never duplicates."""
    return replace(existing, **{name: getattr(snapshot, name) for name in COUNTER_FIELDS})
