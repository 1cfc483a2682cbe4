"""The YouTube and Reddit pull connectors against local fakes of the documented APIs: field
mapping, pagination, rate limits, refused keys, and idempotent re-pulls into the store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from buzzstock.cli import app
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.listen.connectors import (
    ConnectorError,
    ConnectorSettings,
    RedditClient,
    YouTubeClient,
)
from buzzstock.listen.store import mentions
from buzzstock.sim.local_server import serve
from buzzstock.sim.social_fakes import (
    FakeReddit,
    FakeYouTube,
    reddit_post,
    youtube_channel,
    youtube_video,
)

PUBLISHED = "2026-11-20T14:30:00Z"
CREATED = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


class Waits(list[float]):
    """Records the waits a connector asks for instead of sleeping through them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def youtube() -> FakeYouTube:
    fake = FakeYouTube(api_key="good-key")
    fake.add_video(
        youtube_video(
            "vid1",
            "chanA",
            "Starry mug review #StarryMug",
            "Best mug ever #coffee #starrymug",
            PUBLISHED,
            views=12_345,
            likes=678,
            comments=90,
        )
    )
    fake.add_video(
        youtube_video("vid2", "chanB", "Hidden likes", "", PUBLISHED, 10, likes=None, comments=1)
    )
    fake.add_channel(youtube_channel("chanA", 250_000))
    fake.add_channel(youtube_channel("chanB", 999, hidden=True))
    return fake


@pytest.fixture
def youtube_url(youtube: FakeYouTube) -> Iterator[str]:
    with serve(youtube.app()) as url:
        yield url


@pytest.fixture
def reddit() -> FakeReddit:
    fake = FakeReddit(token="good-token", max_limit=2)
    for index in range(5):
        fake.posts.append(
            reddit_post(
                f"p{index}",
                f"Starry mug #{index} #StarryMug",
                "Love the starry mug" if index else "",
                f"user{index}",
                CREATED.timestamp() + index * 60,
                score=10 + index,
                num_comments=index,
            )
        )
    fake.posts.append(reddit_post("x", "Unrelated", "", "other", CREATED.timestamp(), 1, 0))
    return fake


@pytest.fixture
def reddit_url(reddit: FakeReddit) -> Iterator[str]:
    with serve(reddit.app()) as url:
        yield url


def test_youtube_video_maps_to_every_canonical_field(youtube_url: str) -> None:
    with YouTubeClient("good-key", base_url=youtube_url) as client:
        found = {mention.post_id: mention for mention in client.mentions(["vid1", "vid2", "gone"])}
    assert set(found) == {"vid1", "vid2"}
    mug = found["vid1"]
    assert mug.platform == "youtube"
    assert mug.author_id == "chanA"
    assert mug.author_followers == 250_000
    assert mug.created_at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    assert mug.text == "Starry mug review #StarryMug\n\nBest mug ever #coffee #starrymug"
    assert mug.hashtags == ("starrymug", "coffee")
    assert (mug.views, mug.likes, mug.comments, mug.shares) == (12_345, 678, 90, 0)
    hidden = found["vid2"]
    assert hidden.author_followers == 0
    assert (hidden.views, hidden.likes, hidden.comments) == (10, 0, 1)
    assert hidden.text == "Hidden likes"


def test_youtube_asks_at_most_50_ids_a_call_and_follows_search_pages(
    youtube: FakeYouTube, youtube_url: str
) -> None:
    for index in range(60):
        youtube.add_video(
            youtube_video(f"bulk{index}", "chanA", "t", "d", PUBLISHED, index, index, 0)
        )
    youtube.search_results = ["vid1", "vid2", "bulk0", "bulk1", "bulk2"]
    youtube.page_size = 2
    with YouTubeClient("good-key", base_url=youtube_url) as client:
        videos = client.videos([f"bulk{index}" for index in range(60)])
        found = client.search_video_ids("starry mug", max_pages=10)
        first_page_only = client.search_video_ids("starry mug", max_pages=1)
    assert len(videos) == 60
    video_calls = [params for path, params in youtube.requests if path.endswith("/videos")]
    assert all(len(params["id"].split(",")) <= 50 for params in video_calls)
    assert {video["id"] for video in videos} == {f"bulk{index}" for index in range(60)}
    assert found == ["vid1", "vid2", "bulk0", "bulk1", "bulk2"]
    assert first_page_only == ["vid1", "vid2"]


def test_reddit_listing_maps_to_mentions_and_follows_after(
    reddit: FakeReddit, reddit_url: str
) -> None:
    with RedditClient("good-token", base_url=reddit_url) as client:
        everything = client.mentions("starry mug")
        two_pages = client.mentions("starry mug", max_pages=2)
    assert [mention.post_id for mention in everything] == ["p4", "p3", "p2", "p1", "p0"]
    assert len(two_pages) == 4
    post = everything[0]
    assert post.platform == "reddit"
    assert post.author_id == "user4"
    assert post.created_at == datetime(2026, 11, 21, 9, 4, tzinfo=UTC)
    assert post.text == "Starry mug #4 #StarryMug\n\nLove the starry mug"
    assert post.hashtags == ("4", "starrymug")
    assert (post.likes, post.comments) == (14, 4)
    assert (post.views, post.shares, post.author_followers) == (0, 0, 0)
    assert everything[-1].text == "Starry mug #0 #StarryMug"
    first = reddit.requests[0][1]
    assert (first["sort"], first["limit"], first["q"]) == ("new", "100", "starry mug")
    assert reddit.requests[1][1]["after"] == "t3_p3"


def test_429_waits_for_retry_after_then_succeeds(
    youtube: FakeYouTube, youtube_url: str, reddit: FakeReddit, reddit_url: str
) -> None:
    youtube.rate_limit_once = True
    youtube.retry_after_seconds = 7
    reddit.rate_limit_once = True
    reddit.retry_after_seconds = 3
    waits = Waits()
    with YouTubeClient("good-key", base_url=youtube_url, sleep=waits) as client:
        assert [mention.post_id for mention in client.mentions(["vid1"])] == ["vid1"]
    with RedditClient("good-token", base_url=reddit_url, sleep=waits) as client:
        assert len(client.mentions("starry mug", max_pages=1)) == 2
    assert waits == [7.0, 3.0]


def test_a_wait_longer_than_allowed_is_an_error(reddit: FakeReddit, reddit_url: str) -> None:
    reddit.rate_limit_once = True
    reddit.retry_after_seconds = 600
    waits = Waits()
    patient = ConnectorSettings(max_wait_seconds=60)
    with (
        RedditClient("good-token", base_url=reddit_url, settings=patient, sleep=waits) as client,
        pytest.raises(ConnectorError, match="wait 600 s"),
    ):
        client.mentions("starry mug")
    assert waits == []


def test_reddit_waits_for_the_reset_when_the_budget_is_spent(
    reddit: FakeReddit, reddit_url: str
) -> None:
    reddit.ratelimit_remaining = 0
    reddit.ratelimit_reset_seconds = 12
    waits = Waits()
    with RedditClient("good-token", base_url=reddit_url, sleep=waits) as client:
        assert len(client.mentions("starry mug")) == 5
    assert waits == [12.0, 12.0]


def test_bad_key_and_token_are_clear_errors(youtube_url: str, reddit_url: str) -> None:
    with (
        YouTubeClient("wrong", base_url=youtube_url) as youtube_client,
        pytest.raises(ConnectorError, match=r"HTTP 400\): API key not valid"),
    ):
        youtube_client.mentions(["vid1"])
    with (
        RedditClient("wrong", base_url=reddit_url) as reddit_client,
        pytest.raises(ConnectorError, match=r"HTTP 401\): Unauthorized"),
    ):
        reddit_client.mentions("starry mug")


def test_a_malformed_video_is_a_clear_error(youtube: FakeYouTube, youtube_url: str) -> None:
    broken = youtube_video("vid3", "chanA", "No date", "", PUBLISHED, 1, 1, 1)
    del broken["snippet"]["publishedAt"]
    youtube.add_video(broken)
    with (
        YouTubeClient("good-key", base_url=youtube_url) as client,
        pytest.raises(ConnectorError, match="malformed"),
    ):
        client.mentions(["vid1", "vid3"])


def _stored(ctx: Context) -> dict[tuple[str, str], tuple[int, int, int]]:
    with reading(ctx.engine) as connection:
        return {
            (row.platform, row.post_id): (row.views, row.likes, row.snapshots)
            for row in connection.execute(
                select(
                    mentions.c.platform,
                    mentions.c.post_id,
                    mentions.c.views,
                    mentions.c.likes,
                    mentions.c.snapshots,
                )
            )
        }


def test_cli_pull_stores_and_re_pull_updates_without_duplicates(
    ctx: Context,
    monkeypatch: pytest.MonkeyPatch,
    youtube: FakeYouTube,
    youtube_url: str,
    reddit_url: str,
) -> None:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", ctx.settings.database_url)
    runner = CliRunner()
    pull_youtube = [
        "listen",
        "pull",
        "youtube",
        "--ids",
        "vid1,vid2",
        "--api-key",
        "good-key",
        "--base-url",
        youtube_url,
    ]
    first = runner.invoke(app, pull_youtube)
    assert first.exit_code == 0, first.output
    assert "2 new mention(s), 0 updated" in first.stdout
    youtube.add_video(youtube_video("vid1", "chanA", "t", "d", PUBLISHED, 20_000, 900, 95))
    again = runner.invoke(app, pull_youtube)
    assert again.exit_code == 0, again.output
    assert "0 new mention(s), 2 updated" in again.stdout
    pull_reddit = ["listen", "pull", "reddit", "--query", "starry mug", "--token", "good-token"]
    reddit = runner.invoke(app, [*pull_reddit, "--base-url", reddit_url, "--pages", "2"])
    assert reddit.exit_code == 0, reddit.output
    assert "4 new mention(s)" in reddit.stdout
    stored = _stored(ctx)
    assert len(stored) == 6
    assert stored[("youtube", "vid1")] == (20_000, 900, 2)
    assert stored[("reddit", "p4")] == (0, 14, 1)


def test_cli_bad_key_stores_nothing(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, youtube_url: str, reddit_url: str
) -> None:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", ctx.settings.database_url)
    runner = CliRunner()
    bad_key = ["--ids", "vid1", "--api-key", "bad", "--base-url", youtube_url]
    youtube = runner.invoke(app, ["listen", "pull", "youtube", *bad_key])
    assert youtube.exit_code == 1
    assert "API key not valid" in youtube.stderr
    assert "nothing stored" in youtube.stderr
    bad_token = ["--query", "mug", "--token", "bad", "--base-url", reddit_url]
    reddit = runner.invoke(app, ["listen", "pull", "reddit", *bad_token])
    assert reddit.exit_code == 1
    assert "HTTP 401" in reddit.stderr
    neither = runner.invoke(app, ["listen", "pull", "youtube", "--api-key", "good-key"])
    assert neither.exit_code == 1
    with reading(ctx.engine) as connection:
        assert connection.execute(select(func.count()).select_from(mentions)).scalar_one() == 0
