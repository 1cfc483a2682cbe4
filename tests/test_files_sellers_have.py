"""Files as sellers have them (issue 11 finding 12): UTF-8 with or without BOM, GBK/GB18030 as
Chinese Excel saves it, Excel's CRLF and semicolon CSV; anything else is refused with a message
at once (never a traceback, never a read of the whole file), and a refused file changes nothing."""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from buzzstock.cli import app
from buzzstock.core.context import open_context
from buzzstock.listen.store import mentions
from buzzstock.settings import Settings
from tests.stock.test_pool_basics import SKU, demo_catalogue_path

runner = CliRunner()


@pytest.fixture
def store(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A store with the demo catalogue (SIN holds 800 units of the bracelet)."""
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", database_url)
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))
    loaded = runner.invoke(app, ["catalog", "load", str(demo_catalogue_path())])
    assert loaded.exit_code == 0, loaded.output
    yield database_url


def _export(tmp_path: Path) -> str:
    out = tmp_path / "export.csv"
    assert runner.invoke(app, ["stock", "export", "--out", str(out)]).exit_code == 0
    return out.read_text(encoding="utf-8")


def _stored_mentions(database_url: str) -> list[str]:
    ctx = open_context(Settings(database_url=database_url))
    try:
        with ctx.engine.connect() as connection:
            return sorted(row.text for row in connection.execute(select(mentions.c.text)))
    finally:
        ctx.close()


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        pytest.param("utf-8", "sku,warehouse,on_hand,品名\n{sku},SIN,790,智能手环\n", id="utf-8"),
        pytest.param(
            "utf-8-sig", "sku,warehouse,on_hand\r\n{sku},SIN,790\r\n", id="excel-csv-utf-8-bom"
        ),
        pytest.param("gbk", "sku,warehouse,on_hand,品名\r\n{sku},SIN,790,智能手环\r\n", id="gbk"),
        pytest.param(
            "gb18030", "sku;warehouse;on_hand;品名\r\n{sku};SIN;790;智能手环 𠀀\r\n", id="gb18030-;"
        ),
        pytest.param("utf-8", " sku , warehouse,on_hand\n{sku},SIN,790\n,,\n", id="spaces"),
    ],
)
def test_finding_12_stock_import_reads_the_files_sellers_have(
    store: str, tmp_path: Path, encoding: str, text: str
) -> None:
    counted = tmp_path / "count.csv"
    counted.write_bytes(text.format(sku=SKU).encode(encoding))

    imported = runner.invoke(app, ["stock", "import", str(counted)])

    assert imported.exit_code == 0, imported.output
    assert "1 row(s) adjusted" in imported.output
    assert f"{SKU},SIN,790," in _export(tmp_path)


def test_finding_12_stock_import_refuses_what_is_not_a_text_file(
    store: str, tmp_path: Path
) -> None:
    before = _export(tmp_path)
    refusals = {
        "latin-1.csv": (
            f"sku,warehouse,on_hand,name\n{SKU},SIN,1,café\n".encode("latin-1"),
            "line 2 is neither UTF-8 nor GB18030/GBK text",
        ),
        "utf-16.csv": (
            f"sku,warehouse,on_hand\n{SKU},SIN,1\n".encode("utf-16"),
            "is UTF-16 text; save it as UTF-8",
        ),
        "book.xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "is an Excel workbook"),
        "image.csv": (b"sku,warehouse,on_hand\n\x89PNG\r\n\x1a\n\x00\x00", "line 4: a NUL byte"),
        "one-line.csv": (
            b"sku,warehouse,on_hand," + b"x" * (2 * 1024 * 1024),
            "line 1 is longer than 1024 KiB",
        ),
    }
    for name, (data, message) in refusals.items():
        path = tmp_path / name
        path.write_bytes(data)
        refused = runner.invoke(app, ["stock", "import", str(path)])
        assert refused.exit_code == 1, (name, refused.output)
        assert message in refused.output, (name, refused.output)
        assert "Traceback" not in refused.output
    assert _export(tmp_path) == before


def test_finding_12_stock_import_of_dev_zero_ends_at_once_in_little_memory(
    store: str, tmp_path: Path
) -> None:
    def at_most_one_gib() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    before = _export(tmp_path)
    finished = subprocess.run(
        [str(Path(sys.executable).parent / "buzzstock"), "stock", "import", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=at_most_one_gib,
        check=False,
    )

    assert finished.returncode == 1, finished.stderr
    assert "/dev/zero: line 1: a NUL byte: this is a binary file" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert _export(tmp_path) == before


def test_finding_12_listen_import_reads_gbk_excel_csv_and_bom_jsonl(
    store: str, tmp_path: Path
) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    gbk = tmp_path / "xiaohongshu.csv"
    gbk.write_bytes(
        (
            "platform;post_id;author_id;created_at;text\r\n"
            f"xiaohongshu;p1;a1;{yesterday};这个手环太好看了, 想买\r\n"
        ).encode("gbk")
    )
    bom = tmp_path / "export.jsonl"
    bom.write_bytes(
        (
            f'{{"platform": "tiktok", "post_id": "t1", "author_id": "b1", '
            f'"created_at": "{yesterday}", "text": "love this band\u2028really"}}\r\n'
        ).encode("utf-8-sig")
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        f"platform,post_id,author_id,created_at,text\ntiktok,t2,b2,{yesterday},café\n".encode(
            "latin-1"
        )
    )

    for path in (gbk, bom):
        imported = runner.invoke(app, ["listen", "import", str(path)])
        assert imported.exit_code == 0, imported.output
        assert "1 new mention(s)" in imported.output
    refused = runner.invoke(app, ["listen", "import", str(latin)])

    assert refused.exit_code == 1
    assert "line 2 is neither UTF-8 nor GB18030/GBK text" in refused.output
    assert _stored_mentions(store) == ["love this band\u2028really", "这个手环太好看了, 想买"]
