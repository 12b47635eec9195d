"""Fault test: the database locked by another process, and a full disk, during a practice turn.

The real bot runs in this event loop against the fake Bot API (as in `test_telegram_e2e.py`); the
faults are real SQLite conditions, not mocks: another process holds `BEGIN EXCLUSIVE` on the bot's
database file, or the bot's own connection gets `PRAGMA max_page_count` at the size of a freshly
vacuumed file (SQLITE_FULL, "database or disk is full", exactly what a full disk gives). Expected:
one clear log line, the learner is told (from the catalogue, in their language) that the reply was
not saved and to send it again, nothing of the turn is written, and the next try works once the
fault is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import FakeBotAPI
from test_telegram_e2e import LEARNER, MITTE_REPLIES, Running, User, db_rows

from bot.config import Config, load_config
from bot.storage import SqliteStore
from bot.telegram.delivery import plain
from bot.telegram.text import Texts

pytestmark = pytest.mark.faults

HOLD_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""

# Longer than a page with the record around it, so storing the turn needs new pages.
LONG_REPLY = (("Du fortæller, at det er svært at se dig selv på en arbejdsplads igen, og samtidig at "
              "du savner at høre til et sted. ") * 15).strip()


@contextlib.contextmanager
def locked_by_another_process(database: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holds an exclusive write lock on the database until the block ends."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(database)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.communicate("release\n", timeout=10)


class FillingDisk(SqliteStore):
    """The real SQLite store whose disk can fill up: `fill()` packs the file (VACUUM: no free pages
    left) and caps it at its current size on the bot's own connection; `clear()` lifts the cap."""

    async def fill(self) -> None:
        async with self._read() as db:
            await db.execute("VACUUM")
            rows = list(await db.execute_fetchall("PRAGMA page_count"))
            await db.execute(f"PRAGMA max_page_count = {int(rows[0][0])}")

    async def clear(self) -> None:
        async with self._read() as db:
            await db.execute("PRAGMA max_page_count = 1073741823")


@pytest.fixture
def config(fake_api: FakeBotAPI, write_config: Callable[..., Path]) -> Config:
    return load_config(write_config(fake_api))


def turn_state(database: Path, update_id: int) -> dict[str, Any]:
    """Everything a turn writes: turns, the session row, the claim of its update, its outbox rows."""
    return {
        "turns": db_rows(database, "SELECT COUNT(*) FROM turns"),
        "session": db_rows(database, "SELECT turns, snapshot, status FROM sessions"),
        "claimed": db_rows(database, "SELECT COUNT(*) FROM processed_updates WHERE update_id = ?", update_id),
        "queued": db_rows(database, "SELECT COUNT(*) FROM outbox WHERE update_id = ?", update_id),
    }


def storage_lines(caplog: pytest.LogCaptureFixture, update_id: int) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.ERROR and "storage" in r.getMessage() and f"update {update_id}" in r.getMessage()]


async def test_a_lock_shorter_than_the_busy_timeout_is_waited_out(fake_api: FakeBotAPI, config: Config) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        with locked_by_another_process(config.storage_path):
            fake_api.send_text(LEARNER, MITTE_REPLIES[0])
            await asyncio.sleep(1.0)  # the bot's write is waiting for the lock now
        await bot.idle(fake_api)
        answer = user.texts()[-2:]
        assert answer[0].startswith("Mette:") and answer[1].startswith("Feedback")
    assert db_rows(config.storage_path, "SELECT turn, reply FROM turns") == [(1, MITTE_REPLIES[0])]


async def test_database_locked_by_another_process(
    fake_api: FakeBotAPI, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    user = User(fake_api, LEARNER)
    database = config.storage_path
    async with Running(config) as bot:
        await user.begin(bot)
        before = len(user.texts())
        state = turn_state(database, 0)
        with locked_by_another_process(database):
            started = time.monotonic()
            update_id = fake_api.send_text(LEARNER, MITTE_REPLIES[0])
            await fake_api.wait_messages(LEARNER, before + 1, timeout=20)
            waited = time.monotonic() - started
            # Nothing of the turn is written (checked while the lock is still held: reads work in WAL).
            assert turn_state(database, update_id) == {**state, "claimed": [(0,)], "queued": [(0,)]}
        assert waited >= 4.5  # the bot waited out its busy timeout (5 s) before giving up
        assert user.texts()[before:] == [plain(Texts("da")("error"))]
        lines = storage_lines(caplog, update_id)
        assert len(lines) == 1 and "database is locked" in lines[0], lines
        # The lock is gone: the learner's next try is an ordinary first turn.
        answer = await user.say(bot, MITTE_REPLIES[0])
        assert answer[0].startswith("Mette:") and len(answer) == 2
    assert db_rows(database, "SELECT turn, reply FROM turns") == [(1, MITTE_REPLIES[0])]
    assert db_rows(database, "SELECT turns, status FROM sessions") == [(1, "active")]


@pytest.mark.parametrize("language", ["da", "en"])
async def test_disk_full_during_a_turn(
    fake_api: FakeBotAPI, config: Config, caplog: pytest.LogCaptureFixture, language: str
) -> None:
    user = User(fake_api, LEARNER)
    database = config.storage_path
    store = FillingDisk(database)
    async with Running(config, store=store) as bot:
        await user.say(bot, f"/language {language}")
        await user.begin(bot)
        answer = await user.say(bot, MITTE_REPLIES[0])
        assert answer[0].startswith("Mette:")
        state = turn_state(database, 0)
        await store.fill()
        update_id = fake_api.send_text(LEARNER, LONG_REPLY)
        await bot.idle(fake_api)
        assert user.texts()[-1] == plain(Texts(language)("error"))
        assert turn_state(database, update_id) == {**state, "claimed": [(0,)], "queued": [(0,)]}
        lines = storage_lines(caplog, update_id)
        assert len(lines) == 1 and "database or disk is full" in lines[0], lines
        await store.clear()
        answer = await user.say(bot, LONG_REPLY)
        assert answer[0].startswith("Mette:") and len(answer) == 2
    assert db_rows(database, "SELECT turn, reply FROM turns ORDER BY turn") == [(1, MITTE_REPLIES[0]), (2, LONG_REPLY)]
    assert db_rows(database, "SELECT turns FROM sessions") == [(2,)]
    await store.close()
