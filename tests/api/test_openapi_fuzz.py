"""The OpenAPI document against the running server: a bounded schemathesis run over every
operation with every check, on SQLite and on PostgreSQL (issue 11 finding 15).

It must find no server error, no status code or content type the document does not declare, no
answer that breaks its declared schema, and no `Allow` header that misstates a path's methods.
Reproduce a failure with the `st replay` line it prints, or run the same command by hand against
`buzzstock serve` (docs/api.md, "Checking the API document").
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .helpers import Server

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 5
SEED = 20261208


def test_finding_15_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    server: Server, tmp_path: Path
) -> None:
    run = subprocess.run(
        [
            SCHEMATHESIS,
            "--config-file",
            str(CONFIG),
            "run",
            f"{server.base_url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--generation-database",
            "none",
            "--header",
            f"Authorization: Bearer {server.keys['admin']}",
            "--no-color",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
