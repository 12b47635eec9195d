"""Shared fixtures: the fake Bot API server and bot configurations pointing at it."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_bot_api import TOKEN, FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("PTB_TIMEDELTA", "1")  # what the bot opts into too (bot.telegram.app.main_run)
INSTRUCTOR_ID = 900001


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A fake Telegram Bot API on 127.0.0.1 (own thread); stopped after the test."""
    with FakeBotAPI() as api:
        yield api


@pytest.fixture
def dialogues(tmp_path: Path) -> Path:
    """A copy of the shipped scenarios (tests may install or break files in it)."""
    target = tmp_path / "dialogues"
    target.mkdir()
    for source in (ROOT / "dialogues").glob("*.yaml"):
        if not source.name.endswith(".test.yaml"):
            shutil.copy(source, target / source.name)
    return target


@pytest.fixture
def write_config(tmp_path: Path, dialogues: Path) -> Callable[..., Path]:
    """Write a config.yaml for a bot on `fake` (keys can be overridden); returns its path."""

    def write(fake: FakeBotAPI | None = None, **overrides: Any) -> Path:
        data: dict[str, Any] = {
            "telegram": {"token": TOKEN, "base_url": fake.base_url if fake else "http://127.0.0.1:9/bot",
                         "poll_timeout": 1},
            "storage": {"path": str(tmp_path / "bot.sqlite3")},
            "dialogues": {"path": str(dialogues)},
            "instructors": [INSTRUCTOR_ID],
            "default_language": "da",
        }
        for key, value in overrides.items():
            data[key] = value
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return write
