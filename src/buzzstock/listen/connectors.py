"""L-1: pull connectors for YouTube Data API v3 and the Reddit Data API, mapped to mentions.

YouTube: ``videos.list`` (snippet + statistics, at most 50 ids a call), ``channels.list``
(subscriber counts) and ``search.list`` for discovery. Reddit: ``/search`` listings followed by
their ``after`` cursor. Both wait out HTTP 429 (``Retry-After``) and Reddit's
``X-Ratelimit-Remaining``/``X-Ratelimit-Reset`` within a bounded time, and turn a refused key or
token into a ``ConnectorError`` before anything is stored.

Counters the platform does not have stay 0 in the canonical record: YouTube has no shares,
Reddit has no views, shares or follower counts, and a channel that hides its subscriber count
has 0 followers.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from buzzstock.core.errors import DomainError
from buzzstock.listen.mention import Mention, parse_count, parse_timestamp

YOUTUBE_BASE_URL = "https://www.googleapis.com"
REDDIT_BASE_URL = "https://oauth.reddit.com"
YOUTUBE_IDS_PER_CALL = 50
REDDIT_PAGE_SIZE = 100
_HASHTAG = re.compile(r"#(\w+)", re.UNICODE)

Sleep = Callable[[float], None]
T = TypeVar("T")


class ConnectorError(DomainError):
    """A platform refused the request (bad key or token, quota, too long a rate-limit wait)."""

    status = 502
    slug = "connector-refused"
    title = "The platform refused the request"


class ConnectorSettings(BaseModel):
    """How patient and how polite the pull connectors are."""

    model_config = ConfigDict(extra="forbid")

    max_wait_seconds: float = Field(
        60.0,
        ge=0,
        description="L-1: the longest single wait a connector accepts on HTTP 429 / a spent "
        "rate-limit budget; a platform that asks for longer is reported as an error.",
    )
    max_retries: int = Field(
        3, ge=0, description="L-1: retries of one request after HTTP 429 or 5xx."
    )
    backoff_seconds: float = Field(
        1.0,
        ge=0,
        description="L-1: base of the full-jitter exponential backoff when there is no "
        "Retry-After.",
    )
    timeout_seconds: float = Field(30.0, gt=0, description="L-1: HTTP timeout of one request.")
    reddit_max_pages: int = Field(
        10, ge=1, description="L-1: listing pages (100 posts each) a Reddit pull follows."
    )
    youtube_search_max_pages: int = Field(
        2, ge=1, description="L-1: search.list pages (50 videos each) a YouTube search follows."
    )
    user_agent: str = Field(
        "server:buzzstock:0.1 (by /u/buzzstock)",
        min_length=1,
        description="L-1: the User-Agent Reddit requires: <platform>:<app id>:<version> "
        "(by /u/<user>).",
    )


def hashtags_in(*texts: str) -> tuple[str, ...]:
    """``#tag`` words of the texts, case-folded, first occurrence first, without repeats."""
    found: dict[str, None] = {}
    for text in texts:
        for tag in _HASHTAG.findall(text):
            found.setdefault(tag.casefold(), None)
    return tuple(found)


def _retry_after(headers: httpx.Headers, now: datetime) -> float | None:
    raw = headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - now).total_seconds())


def _refusal_message(response: httpx.Response) -> str:
    """The platform's own explanation: YouTube's ``error.message``, Reddit's ``message``."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if body.get("message"):
            return str(body["message"])
    return response.reason_phrase


class _Http:
    """GET with bounded waits on 429 and 5xx and a clear error on any other refusal."""

    def __init__(
        self,
        platform: str,
        base_url: str,
        headers: Mapping[str, str],
        settings: ConnectorSettings,
        sleep: Sleep,
        transport: httpx.BaseTransport | None,
    ) -> None:
        self.platform = platform
        self.settings = settings
        self.sleep = sleep
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=dict(headers),
            timeout=settings.timeout_seconds,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def wait(self, seconds: float, why: str) -> None:
        if seconds > self.settings.max_wait_seconds:
            raise ConnectorError(
                f"{self.platform}: {why}; it asks to wait {seconds:.0f} s, more than the "
                f"{self.settings.max_wait_seconds:.0f} s allowed; try again later",
                rule="L-1",
            )
        self.sleep(seconds)

    def get(self, path: str, params: Mapping[str, Any]) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self.client.get(path, params=dict(params))
            except httpx.HTTPError as problem:
                raise ConnectorError(
                    f"{self.platform}: cannot reach {self.client.base_url}: {problem}", rule="L-1"
                ) from None
            retryable = response.status_code == 429 or response.status_code >= 500
            if response.is_success:
                return response
            if not retryable:
                raise ConnectorError(
                    f"{self.platform} refused the request (HTTP {response.status_code}): "
                    f"{_refusal_message(response)}; check the API key or token",
                    rule="L-1",
                    status_code=response.status_code,
                )
            if attempt >= self.settings.max_retries:
                raise ConnectorError(
                    f"{self.platform}: still HTTP {response.status_code} after "
                    f"{attempt + 1} attempt(s): {_refusal_message(response)}",
                    rule="L-1",
                    status_code=response.status_code,
                )
            delay = _retry_after(response.headers, datetime.now(UTC))
            if delay is None:
                cap = self.settings.max_wait_seconds
                delay = random.uniform(0, min(cap, self.settings.backoff_seconds * 2**attempt))
            self.wait(delay, f"rate limited (HTTP {response.status_code})")
            attempt += 1

    def body(self, response: httpx.Response) -> dict[str, Any]:
        """The JSON object of a successful response, or a ConnectorError saying it is not one."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ConnectorError(
                f"{self.platform}: {response.url.path} did not answer with a JSON object",
                rule="L-1",
            )
        return body

    def mapped(self, items: Sequence[T], convert: Callable[[T], Mention]) -> list[Mention]:
        """Every item as a mention, or a ConnectorError naming the first malformed one."""
        found: list[Mention] = []
        for item in items:
            try:
                found.append(convert(item))
            except (KeyError, TypeError, ValueError) as problem:
                raise ConnectorError(
                    f"{self.platform}: a response item is malformed ({problem!r}); nothing stored",
                    rule="L-1",
                ) from None
        return found


# --- YouTube -----------------------------------------------------------------------------------


def youtube_mention(video: Mapping[str, Any], subscribers: Mapping[str, int | None]) -> Mention:
    """L-1: one ``youtube#video`` resource (snippet + statistics) as a canonical mention."""
    snippet = video.get("snippet") or {}
    statistics = video.get("statistics") or {}
    title = str(snippet.get("title") or "")
    description = str(snippet.get("description") or "")
    channel_id = str(snippet.get("channelId") or "")
    return Mention(
        platform="youtube",
        post_id=str(video["id"]),
        author_id=channel_id,
        created_at=parse_timestamp(snippet.get("publishedAt")),
        text=f"{title}\n\n{description}" if description else title,
        author_followers=subscribers.get(channel_id) or 0,
        language=_language(snippet),
        hashtags=hashtags_in(title, description),
        views=parse_count(statistics.get("viewCount")),
        likes=parse_count(statistics.get("likeCount")),
        comments=parse_count(statistics.get("commentCount")),
    )


def _language(snippet: Mapping[str, Any]) -> str | None:
    raw = snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage")
    return str(raw).split("-")[0].casefold() if raw else None


class YouTubeClient:
    """YouTube Data API v3 with an API key."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = YOUTUBE_BASE_URL,
        settings: ConnectorSettings = ConnectorSettings(),
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key.strip():
            raise ConnectorError("youtube: an API key is required", rule="L-1")
        self.api_key = api_key
        self.settings = settings
        self.http = _Http("youtube", base_url, {}, settings, sleep, transport)

    def __enter__(self) -> YouTubeClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def _pages(self, path: str, params: Mapping[str, Any], max_pages: int) -> Iterator[Any]:
        token: str | None = None
        for _ in range(max_pages):
            query = {**params, "key": self.api_key}
            if token:
                query["pageToken"] = token
            body = self.http.body(self.http.get(path, query))
            yield from body.get("items") or []
            token = body.get("nextPageToken")
            if not token:
                return

    def videos(self, video_ids: Sequence[str]) -> list[dict[str, Any]]:
        """``videos.list`` resources of the ids (unknown ids are simply absent), 50 ids a call."""
        ids = list(dict.fromkeys(video_id.strip() for video_id in video_ids if video_id.strip()))
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), YOUTUBE_IDS_PER_CALL):
            chunk = ids[start : start + YOUTUBE_IDS_PER_CALL]
            params = {"part": "snippet,statistics", "id": ",".join(chunk)}
            # Every page holds at least one of the ids, so this bounds a looping page token.
            found.extend(self._pages("/youtube/v3/videos", params, max_pages=len(chunk)))
        return found

    def subscriber_counts(self, channel_ids: Sequence[str]) -> dict[str, int | None]:
        """``channels.list`` subscriber counts; None for channels that hide theirs."""
        ids = list(dict.fromkeys(channel for channel in channel_ids if channel))
        counts: dict[str, int | None] = {}
        for start in range(0, len(ids), YOUTUBE_IDS_PER_CALL):
            chunk = ids[start : start + YOUTUBE_IDS_PER_CALL]
            params = {"part": "statistics", "id": ",".join(chunk)}
            for channel in self._pages("/youtube/v3/channels", params, max_pages=len(chunk)):
                statistics = channel.get("statistics") or {}
                hidden = bool(statistics.get("hiddenSubscriberCount"))
                raw = statistics.get("subscriberCount")
                counts[str(channel["id"])] = None if hidden or raw is None else parse_count(raw)
        return counts

    def search_video_ids(self, query: str, max_pages: int | None = None) -> list[str]:
        """``search.list`` (type=video, newest first) video ids, following ``nextPageToken``."""
        params = {
            "part": "id",
            "q": query,
            "type": "video",
            "order": "date",
            "maxResults": YOUTUBE_IDS_PER_CALL,
        }
        pages = max_pages or self.settings.youtube_search_max_pages
        ids = [
            str(item["id"]["videoId"])
            for item in self._pages("/youtube/v3/search", params, pages)
            if isinstance(item.get("id"), dict) and item["id"].get("videoId")
        ]
        return list(dict.fromkeys(ids))

    def mentions(self, video_ids: Sequence[str]) -> list[Mention]:
        """L-1: the videos with their channels' subscriber counts, as canonical mentions."""
        videos = self.videos(video_ids)
        channels = [str((video.get("snippet") or {}).get("channelId") or "") for video in videos]
        subscribers = self.subscriber_counts(channels)
        return self.http.mapped(videos, lambda video: youtube_mention(video, subscribers))


# --- Reddit ------------------------------------------------------------------------------------


def reddit_mention(post: Mapping[str, Any]) -> Mention:
    """L-1: one ``t3`` listing child's ``data`` as a canonical mention (likes = upvotes)."""
    title = str(post.get("title") or "")
    body = str(post.get("selftext") or "")
    upvotes = post.get("ups", post.get("score"))
    return Mention(
        platform="reddit",
        post_id=str(post["id"]),
        author_id=str(post.get("author") or "[deleted]"),
        created_at=parse_timestamp(post.get("created_utc")),
        text=f"{title}\n\n{body}" if body else title,
        hashtags=hashtags_in(title, body),
        likes=max(0, int(upvotes or 0)),
        comments=parse_count(post.get("num_comments")),
    )


class RedditClient:
    """The Reddit Data API on ``oauth.reddit.com`` with an OAuth bearer token."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = REDDIT_BASE_URL,
        settings: ConnectorSettings = ConnectorSettings(),
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not token.strip():
            raise ConnectorError("reddit: an OAuth bearer token is required", rule="L-1")
        self.settings = settings
        headers = {"Authorization": f"bearer {token}", "User-Agent": settings.user_agent}
        self.http = _Http("reddit", base_url, headers, settings, sleep, transport)

    def __enter__(self) -> RedditClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def _respect_budget(self, response: httpx.Response) -> None:
        """Wait for the window to reset when the response says no requests are left in it."""
        remaining = response.headers.get("X-Ratelimit-Remaining")
        reset = response.headers.get("X-Ratelimit-Reset")
        if remaining is None or reset is None:
            return
        try:
            spent = float(remaining) < 1
            seconds = float(reset)
        except ValueError:
            return
        if spent:
            self.http.wait(seconds, "the rate-limit budget is spent")

    def search(self, query: str, max_pages: int | None = None) -> list[dict[str, Any]]:
        """``/search?sort=new`` posts (each child's ``data``), following ``after``."""
        if not query.strip():
            raise ConnectorError("reddit: a search query is required", rule="L-1")
        pages = max_pages or self.settings.reddit_max_pages
        posts: list[dict[str, Any]] = []
        after: str | None = None
        for page in range(pages):
            params: dict[str, Any] = {
                "q": query,
                "sort": "new",
                "limit": REDDIT_PAGE_SIZE,
                "raw_json": 1,
            }
            if after:
                params["after"] = after
            response = self.http.get("/search", params)
            data = self.http.body(response).get("data") or {}
            posts.extend(
                child["data"]
                for child in data.get("children") or []
                if child.get("kind") == "t3" and isinstance(child.get("data"), dict)
            )
            after = data.get("after")
            if not after:
                break
            if page + 1 < pages:
                self._respect_budget(response)
        return posts

    def mentions(self, query: str, max_pages: int | None = None) -> list[Mention]:
        """L-1: the newest posts matching the query, as canonical mentions."""
        return self.http.mapped(self.search(query, max_pages), reddit_mention)
