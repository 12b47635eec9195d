"""`mi-trainer run` runs the bot on uvloop when it is installed, and on asyncio's loop otherwise."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

import pytest

from bot.telegram.app import run_until_stopped


def _loop_module_of_a_run() -> str:
    seen: list[str] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    run_until_stopped(main())
    return seen[0]


def test_the_bot_runs_on_uvloop() -> None:
    pytest.importorskip("uvloop")
    assert _loop_module_of_a_run().startswith("uvloop")


def test_without_uvloop_it_runs_on_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_uvloop(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uvloop":
            raise ImportError("no uvloop here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_uvloop)
    assert _loop_module_of_a_run().startswith("asyncio")
