"""Small local fakes of YouTube Data API v3 and the Reddit Data API, for tests and demos.

They serve the documented JSON shapes (``youtube#videoListResponse``,
``youtube#channelListResponse``, ``youtube#searchListResponse`` and Reddit ``Listing`` of
``t3`` children), check the API key or bearer token the way the platforms answer a bad one,
paginate with ``nextPageToken`` / ``after``, and can answer one HTTP 429 with ``Retry-After``
before serving normally. ``buzzstock.sim.local_server.serve(app)`` runs one on a free local
port.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

YOUTUBE_MAX_IDS = 50
REDDIT_MAX_LIMIT = 100


def _youtube_error(code: int, status: str, reason: str, message: str) -> JSONResponse:
    """The Google API error envelope."""
    body = {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }
    return JSONResponse(body, status_code=code)


def youtube_video(
    video_id: str,
    channel_id: str,
    title: str,
    description: str,
    published_at: str,
    views: int,
    likes: int | None,
    comments: int,
) -> dict[str, Any]:
    """A ``youtube#video`` resource with ``snippet`` and ``statistics`` (counts are strings, as
    the API sends uint64 values); ``likes=None`` is a video whose like count is hidden."""
    statistics = {"viewCount": str(views), "favoriteCount": "0", "commentCount": str(comments)}
    if likes is not None:
        statistics["likeCount"] = str(likes)
    return {
        "kind": "youtube#video",
        "etag": f"etag-{video_id}",
        "id": video_id,
        "snippet": {
            "publishedAt": published_at,
            "channelId": channel_id,
            "title": title,
            "description": description,
            "thumbnails": {},
            "channelTitle": f"Channel {channel_id}",
            "tags": ["creator keyword"],
            "categoryId": "26",
            "liveBroadcastContent": "none",
        },
        "statistics": statistics,
    }


def youtube_channel(channel_id: str, subscribers: int, hidden: bool = False) -> dict[str, Any]:
    """A ``youtube#channel`` resource with ``statistics``; a hidden count is not sent."""
    statistics: dict[str, Any] = {
        "viewCount": "1000000",
        "hiddenSubscriberCount": hidden,
        "videoCount": "120",
    }
    if not hidden:
        statistics["subscriberCount"] = str(subscribers)
    return {
        "kind": "youtube#channel",
        "etag": f"etag-{channel_id}",
        "id": channel_id,
        "statistics": statistics,
    }


@dataclass
class FakeYouTube:
    """YouTube Data API v3: ``videos``, ``channels`` and ``search`` (type=video) with a key."""

    api_key: str = "test-key"
    videos: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    search_results: list[str] = field(default_factory=list)
    page_size: int = 50
    rate_limit_once: bool = False
    retry_after_seconds: int = 1
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def add_video(self, video: dict[str, Any]) -> None:
        self.videos[str(video["id"])] = video

    def add_channel(self, channel: dict[str, Any]) -> None:
        self.channels[str(channel["id"])] = channel

    def _refusal(self, params: dict[str, str]) -> JSONResponse | None:
        if self.rate_limit_once:
            self.rate_limit_once = False
            response = _youtube_error(
                429, "RESOURCE_EXHAUSTED", "rateLimitExceeded", "Too many requests."
            )
            response.headers["Retry-After"] = str(self.retry_after_seconds)
            return response
        if params.get("key") != self.api_key:
            return _youtube_error(
                400,
                "INVALID_ARGUMENT",
                "badRequest",
                "API key not valid. Please pass a valid API key.",
            )
        return None

    def _page(self, items: list[Any], params: dict[str, str], kind: str) -> dict[str, Any]:
        start = int(params.get("pageToken") or 0)
        size = min(self.page_size, int(params.get("maxResults") or self.page_size))
        body: dict[str, Any] = {
            "kind": kind,
            "etag": "etag",
            "items": items[start : start + size],
            "pageInfo": {"totalResults": len(items), "resultsPerPage": size},
        }
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return body

    def _by_ids(
        self, params: dict[str, str], store: dict[str, dict[str, Any]], kind: str
    ) -> JSONResponse:
        ids = [item for item in params.get("id", "").split(",") if item]
        if len(ids) > YOUTUBE_MAX_IDS:
            return _youtube_error(
                400,
                "INVALID_ARGUMENT",
                "badRequest",
                f"The request specifies more than {YOUTUBE_MAX_IDS} ids.",
            )
        items = [store[item] for item in ids if item in store]
        return JSONResponse(self._page(items, params, kind))

    def app(self) -> FastAPI:
        app = FastAPI()

        async def checked(request: Request) -> tuple[dict[str, str], JSONResponse | None]:
            params = dict(request.query_params)
            self.requests.append((request.url.path, params))
            return params, self._refusal(params)

        @app.get("/youtube/v3/videos")
        async def videos(request: Request) -> JSONResponse:
            params, refused = await checked(request)
            if refused is not None:
                return refused
            return self._by_ids(params, self.videos, "youtube#videoListResponse")

        @app.get("/youtube/v3/channels")
        async def channels(request: Request) -> JSONResponse:
            params, refused = await checked(request)
            if refused is not None:
                return refused
            return self._by_ids(params, self.channels, "youtube#channelListResponse")

        @app.get("/youtube/v3/search")
        async def search(request: Request) -> JSONResponse:
            params, refused = await checked(request)
            if refused is not None:
                return refused
            items = [
                {
                    "kind": "youtube#searchResult",
                    "etag": f"etag-{video_id}",
                    "id": {"kind": "youtube#video", "videoId": video_id},
                }
                for video_id in self.search_results
            ]
            body = self._page(items, params, "youtube#searchListResponse")
            body["regionCode"] = "US"
            return JSONResponse(body)

        return app


def reddit_post(
    post_id: str,
    title: str,
    selftext: str,
    author: str,
    created_utc: float,
    score: int,
    num_comments: int,
    subreddit: str = "BuyItForLife",
) -> dict[str, Any]:
    """The ``data`` of a ``t3`` (link) listing child, with the fields the API documents."""
    return {
        "id": post_id,
        "name": f"t3_{post_id}",
        "title": title,
        "selftext": selftext,
        "author": author,
        "subreddit": subreddit,
        "subreddit_subscribers": 1_500_000,
        "score": score,
        "ups": score,
        "upvote_ratio": 0.95,
        "num_comments": num_comments,
        "created_utc": created_utc,
        "permalink": f"/r/{subreddit}/comments/{post_id}/post/",
        "url": f"https://www.reddit.com/r/{subreddit}/comments/{post_id}/post/",
        "link_flair_text": None,
        "over_18": False,
    }


@dataclass
class FakeReddit:
    """Reddit ``/search`` on ``oauth.reddit.com``: bearer token, User-Agent, ``after`` cursor,
    ``X-Ratelimit-*`` headers."""

    token: str = "test-token"
    posts: list[dict[str, Any]] = field(default_factory=list)
    rate_limit_once: bool = False
    retry_after_seconds: int = 1
    ratelimit_remaining: float = 99.0
    ratelimit_reset_seconds: int = 300
    max_limit: int = REDDIT_MAX_LIMIT
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def _matches(self, post: dict[str, Any], query: str) -> bool:
        text = f"{post['title']} {post['selftext']}".casefold()
        return all(word in text for word in query.casefold().split())

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/search")
        async def search(request: Request) -> JSONResponse:
            params = dict(request.query_params)
            self.requests.append((request.url.path, params))
            agent = request.headers.get("user-agent", "")
            if self.rate_limit_once:
                self.rate_limit_once = False
                return JSONResponse(
                    {"message": "Too Many Requests", "error": 429},
                    status_code=429,
                    headers={"Retry-After": str(self.retry_after_seconds)},
                )
            if request.headers.get("authorization") != f"bearer {self.token}":
                return JSONResponse({"message": "Unauthorized", "error": 401}, status_code=401)
            if not agent or agent.startswith("python-"):
                return JSONResponse({"message": "Forbidden", "error": 403}, status_code=403)
            limit = min(self.max_limit, int(params.get("limit") or 25))
            found = sorted(
                (post for post in self.posts if self._matches(post, params.get("q", ""))),
                key=lambda post: post["created_utc"],
                reverse=True,
            )
            names = [post["name"] for post in found]
            after = params.get("after")
            start = names.index(after) + 1 if after in names else 0
            page = found[start : start + limit]
            more = start + limit < len(found)
            body = {
                "kind": "Listing",
                "data": {
                    "after": page[-1]["name"] if more and page else None,
                    "before": None,
                    "dist": len(page),
                    "modhash": "",
                    "geo_filter": "",
                    "children": [{"kind": "t3", "data": post} for post in page],
                },
            }
            used = len(self.requests)
            return JSONResponse(
                body,
                headers={
                    "X-Ratelimit-Used": str(used),
                    "X-Ratelimit-Remaining": f"{self.ratelimit_remaining:.1f}",
                    "X-Ratelimit-Reset": str(self.ratelimit_reset_seconds),
                },
            )

        return app
