"""Listen's front door (SPEC §1): what the API, the CLI, the demo and other capabilities use."""

from buzzstock.listen.ingest import BadMentions, import_file, ingest, mentions_from_records
from buzzstock.listen.mention import Mention
from buzzstock.listen.removal import (
    RemovalReport,
    delete_batch,
    delete_posts,
    list_batches,
    parse_post,
)
from buzzstock.listen.review import acknowledge, dismiss, get_trend, list_alerts, list_trends
from buzzstock.listen.settings import ListenSettings
from buzzstock.listen.watch_store import (
    list_watch_lists,
    read_watch_lists,
    remove_watch_list,
    set_watch_lists,
)
from buzzstock.listen.watchlist import WatchList

__all__ = [
    "BadMentions",
    "ListenSettings",
    "Mention",
    "RemovalReport",
    "WatchList",
    "acknowledge",
    "delete_batch",
    "delete_posts",
    "dismiss",
    "get_trend",
    "import_file",
    "ingest",
    "list_alerts",
    "list_batches",
    "list_trends",
    "list_watch_lists",
    "mentions_from_records",
    "parse_post",
    "read_watch_lists",
    "remove_watch_list",
    "set_watch_lists",
]
