"""The user docs name every setting and every CLI command, so nobody has to read the code."""

from __future__ import annotations

from pathlib import Path

from typer.main import get_command

from buzzstock.cli import app
from buzzstock.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_configuration_page_lists_every_setting_with_its_default() -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    settings = Settings()
    for group in Settings.group_names():
        model = getattr(settings, group)
        for name in type(model).model_fields:
            assert f"| `{group}.{name}` | `{getattr(model, name)}` |" in page, f"{group}.{name}"


def test_every_cli_command_is_documented() -> None:
    pages = "\n".join(path.read_text(encoding="utf-8") for path in DOCS.glob("*.md"))
    command = get_command(app)
    for name in command.commands:  # type: ignore[attr-defined]
        assert f"buzzstock {name}" in pages, f"`buzzstock {name}` is not in docs/"
