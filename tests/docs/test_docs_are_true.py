"""The user docs name every setting and every CLI command, so nobody has to read the code."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from typer.main import get_command

from buzzstock.cli import app
from buzzstock.decide import events as decide_events
from buzzstock.listen import events as listen_events
from buzzstock.respond import events as respond_events
from buzzstock.settings import Settings
from buzzstock.stock import events as stock_events

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


def test_every_event_and_each_of_its_fields_is_in_the_events_page() -> None:
    page = (DOCS / "events.md").read_text(encoding="utf-8")
    for module in (listen_events, decide_events, stock_events, respond_events):
        for event in module.EVENTS:
            assert f"### `{event.event_type}`" in page, event.event_type
            section = page.split(f"### `{event.event_type}`", 1)[1].split("\n### ", 1)[0]
            for field in dataclasses.fields(event):
                assert f"| `{field.name}` |" in section, f"{event.event_type}.{field.name}"
