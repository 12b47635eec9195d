"""The storage contract, run against both backends (SQLite on a file, and memory)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage import (
    Claim,
    Learner,
    MemoryStore,
    NewSession,
    SessionStore,
    SqliteStore,
    StaleSession,
    StorageError,
    now,
)
from bot.storage import sqlite as sqlite_module
from bot.storage.migrations import MIGRATIONS


def record(turn: int, text: str = "Hvad tænker du?", outcome: str | None = None) -> dict[str, Any]:
    """A `TurnRecord.to_json()`-shaped turn."""
    return {
        "turn": turn,
        "text": text,
        "coded": {"primary": "open_question", "codes": ["open_question"], "valence": "consistent", "lang": "da",
                  "evidence": [{"code": "open_question", "text": "Hvad"}]},
        "client": {"code": "open_question", "line": f"line {turn}", "talk": "change", "state_before": "a",
                   "state": "b", "variables_before": {"rapport": 5}, "variables": {"rapport": 6},
                   "outcome": outcome},
        "feedback": {"text": "Godt.", "better_reply": None, "code": "open_question", "valence": "consistent"},
    }


SNAPSHOT = {"scenario": "s", "conversation": {"state": "a"}, "opening": {"text": "Hej", "talk": "neutral"}}
SUMMARY = {"reflection_to_question": 1.5, "percent_complex_reflections": 50.0, "text": "Opsummering"}


@pytest.fixture(params=["sqlite", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionStore]:
    backend: SessionStore = SqliteStore(tmp_path / "db" / "t.sqlite3") if request.param == "sqlite" else MemoryStore()
    await backend.open()
    yield backend
    await backend.close()


def learner(learner_id: int = 1, **changes: Any) -> Learner:
    return Learner(id=learner_id, chat_id=learner_id, name="Ane", consent_at=now(), **changes)


async def started(store: SessionStore, update_id: int = 1, learner_id: int = 1) -> int:
    session_id = await store.start_session(Claim(update_id, learner_id), learner(learner_id),
                                           NewSession("s", "da", 7, SNAPSHOT))
    assert session_id is not None
    return session_id


def test_both_backends_implement_the_protocol(tmp_path: Path) -> None:
    assert isinstance(SqliteStore(tmp_path / "x.sqlite3"), SessionStore)
    assert isinstance(MemoryStore(), SessionStore)


async def test_arrival_says_whether_an_update_was_handled_and_who_sent_it(store: SessionStore) -> None:
    assert await store.arrival(9, 1) == (False, None)  # nothing known yet
    session_id = await started(store)  # learner 1, update 1
    assert await store.arrival(1, 1) == (True, await store.learner(1))
    assert await store.arrival(2, 1) == (False, await store.learner(1))
    assert await store.arrival(2, None) == (False, None)  # an update without a user
    await store.record_turn(Claim(2, 1, "turn"), session_id, record(1), SNAPSHOT, SUMMARY, [])
    processed, found = await store.arrival(2, 1)
    assert processed and found is not None and found.id == 1


async def test_a_claimed_update_is_never_applied_twice(store: SessionStore) -> None:
    session_id = await started(store)
    outbox = [{"text": "line 1", "kind": "client"}]
    assert await store.record_turn(Claim(2, 1, "turn"), session_id, record(1), SNAPSHOT, SUMMARY, outbox)
    assert not await store.record_turn(Claim(2, 1, "turn"), session_id, record(2), SNAPSHOT, SUMMARY, outbox)
    assert await store.is_processed(2)
    assert [t.turn for t in await store.turns(session_id)] == [1]
    assert len(await store.outbox(update_id=2)) == 1
    assert not await store.claim(Claim(1, 1), [{"text": "again"}])  # the start_session update
    assert await store.start_session(Claim(1, 1), learner(), NewSession("s", "da", 1, SNAPSHOT)) is None


async def test_turns_session_state_and_summary(store: SessionStore) -> None:
    session_id = await started(store)
    for turn in (1, 2):
        assert await store.record_turn(Claim(10 + turn, 1), session_id, record(turn), {**SNAPSHOT, "t": turn},
                                       SUMMARY)
    info = await store.session(session_id)
    assert info is not None
    assert (info.status, info.turns, info.snapshot["t"], info.rq, info.percent_complex) == ("active", 2, 2, 1.5, 50.0)
    turns = await store.turns(session_id)
    assert [t.reply for t in turns] == ["Hvad tænker du?"] * 2
    assert turns[0].update_id == 11 and turns[0].client_line == "line 1" and turns[0].primary_code == "open_question"
    assert await store.record_turn(Claim(13, 1), session_id, record(3, outcome="success"), SNAPSHOT, SUMMARY)
    ended = await store.session(session_id)
    assert ended is not None and (ended.status, ended.outcome, ended.ended_at is not None) == ("ended", "success", True)
    assert await store.active_session(1) is None


async def test_a_stale_or_out_of_order_turn_changes_nothing(store: SessionStore) -> None:
    session_id = await started(store)
    with pytest.raises(StaleSession):
        await store.record_turn(Claim(5, 1), session_id, record(2), SNAPSHOT, None, [{"text": "x"}])
    assert not await store.is_processed(5)  # the claim was rolled back with the turn
    assert await store.outbox() == []
    assert await store.end_session(Claim(6, 1), session_id, "stopped", SUMMARY)
    with pytest.raises(StaleSession):
        await store.record_turn(Claim(7, 1), session_id, record(1), SNAPSHOT, None)
    with pytest.raises(ValueError):
        await store.end_session(Claim(8, 1), session_id, "active", None)


async def test_a_new_session_abandons_the_active_one(store: SessionStore) -> None:
    first = await started(store, update_id=1)
    second = await started(store, update_id=2)
    statuses = {s.id: s.status for s in await store.sessions(1)}
    assert statuses == {first: "abandoned", second: "active"}
    active = await store.active_session(1)
    assert active is not None and active.id == second


async def test_outbox_in_order_and_removed_when_sent(store: SessionStore) -> None:
    await store.claim(Claim(1, 5), [{"text": "a"}, {"text": "b"}])
    await store.claim(Claim(2, 6), [{"text": "c"}])
    items = await store.outbox()
    assert [i.payload["text"] for i in items] == ["a", "b", "c"]
    assert [i.payload["text"] for i in await store.outbox(chat_id=5)] == ["a", "b"]
    await store.outbox_sent(items[0].id)
    assert [i.payload["text"] for i in await store.outbox()] == ["b", "c"]
    with pytest.raises(StorageError):
        await store.claim(Claim(3, None), [{"text": "nowhere"}])


async def test_outbox_sent_many_drops_a_batch_in_one_call(store: SessionStore) -> None:
    await store.claim(Claim(1, 5), [{"text": "a"}, {"text": "b"}, {"text": "c"}])
    await store.claim(Claim(2, 6), [{"text": "d"}])
    items = await store.outbox()
    await store.outbox_sent_many([])  # nothing to do
    await store.outbox_sent_many([items[0].id, items[2].id, 999])  # unknown ids are ignored
    assert [i.payload["text"] for i in await store.outbox()] == ["b", "d"]
    await store.outbox_sent_many([i.id for i in await store.outbox(chat_id=5)])
    assert [i.payload["text"] for i in await store.outbox()] == ["d"]
    assert await store.is_processed(1) and await store.is_processed(2)  # claims stay



async def test_learner_settings_active_flag_and_forget(store: SessionStore) -> None:
    assert await store.save_learner(learner(1, feedback="end"))
    assert await store.save_learner(learner(1, feedback="off", language="en"), Claim(1, 1), [{"text": "ok"}])
    assert not await store.save_learner(learner(1, feedback="on"), Claim(1, 1))
    saved = await store.learner(1)
    assert saved is not None and (saved.feedback, saved.language, saved.consented) == ("off", "en", True)
    await store.set_active(1, False)
    assert (await store.learner(1)).active is False  # type: ignore[union-attr]

    session_id = await started(store, update_id=2)
    await store.record_turn(Claim(3, 1), session_id, record(1), SNAPSHOT, SUMMARY, [{"text": "pending"}])
    other = await started(store, update_id=4, learner_id=2)
    data = await store.learner_data(1)
    assert data.learner is not None and len(data.sessions) == 1 and len(data.turns[session_id]) == 1

    assert await store.forget_learner(Claim(5, 1), 1, [{"text": "deleted"}])
    assert await store.learner(1) is None
    assert await store.sessions(1) == []
    assert await store.turns(session_id) == []
    assert [i.payload["text"] for i in await store.outbox(chat_id=1)] == ["deleted"]
    assert await store.session(other) is not None
    assert (await store.learner_data(1)).learner is None


async def test_prune_keeps_updates_with_queued_messages(store: SessionStore) -> None:
    await store.claim(Claim(1, 1))
    await store.claim(Claim(2, 1), [{"text": "waiting"}])
    assert await store.prune_updates("9999-01-01") == 1
    assert not await store.is_processed(1)
    assert await store.is_processed(2)


# ---------------------------------------------------------------- SQLite specifics


async def test_sqlite_migrations_are_named_ordered_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    store = SqliteStore(path)
    await store.open()
    assert await store.schema() == [m.name for m in MIGRATIONS]
    await store.close()
    store = SqliteStore(path)
    await store.open()  # again: nothing to do
    assert await store.schema() == [m.name for m in MIGRATIONS]
    await store.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"learners", "sessions", "turns", "processed_updates", "outbox", "schema_migrations"} <= tables


async def test_sqlite_refuses_a_newer_schema_and_bad_paths(tmp_path: Path) -> None:
    path = tmp_path / "n.sqlite3"
    store = SqliteStore(path)
    await store.open()
    await store.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("INSERT INTO schema_migrations VALUES ('9999_future', 'x')")
        db.commit()
    with pytest.raises(StorageError, match="newer"):
        await SqliteStore(path).open()
    with pytest.raises(StorageError, match="folder"):
        await SqliteStore(tmp_path).open()
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError):
        await SqliteStore(garbage).open()


async def test_sqlite_a_failed_migration_leaves_the_previous_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                     ) -> None:
    from bot.storage import migrations, sqlite

    broken = (*migrations.MIGRATIONS, migrations.Migration("9000_broken", ("CREATE TABLE x (a)", "NOT SQL")))
    monkeypatch.setattr(sqlite, "MIGRATIONS", broken)
    path = tmp_path / "f.sqlite3"
    with pytest.raises(StorageError):
        await SqliteStore(path).open()
    with contextlib.closing(sqlite3.connect(path)) as db:
        names = [row[0] for row in db.execute("SELECT name FROM schema_migrations ORDER BY name")]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == [m.name for m in MIGRATIONS]
    assert "x" not in tables  # the broken migration's first statement was rolled back too


async def test_sqlite_concurrent_writes_do_not_interleave(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "c.sqlite3")
    await store.open()
    try:
        sessions = [await started(store, update_id=1000 + n, learner_id=n) for n in range(1, 9)]

        async def chat(n: int, session_id: int) -> None:
            for turn in range(1, 6):
                await store.record_turn(Claim(n * 100 + turn, n), session_id, record(turn), SNAPSHOT, SUMMARY,
                                        [{"text": f"{n}/{turn}"}])

        await asyncio.gather(*(chat(n, s) for n, s in zip(range(1, 9), sessions, strict=True)))
        for session_id in sessions:
            assert [t.turn for t in await store.turns(session_id)] == [1, 2, 3, 4, 5]
        assert len(await store.outbox()) == 40
    finally:
        await store.close()


async def test_sqlite_forget_overwrites_deleted_text(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite3"
    store = SqliteStore(path)
    await store.open()
    secret = "MIT-HEMMELIGE-SVAR-1234"
    session_id = await started(store)
    await store.record_turn(Claim(2, 1), session_id, record(1, text=secret), SNAPSHOT, SUMMARY)
    await store.forget_learner(Claim(3, 1), 1)
    await store.close()
    raw = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert secret.encode() not in raw


async def test_a_write_cancelled_while_its_transaction_begins_leaves_the_connection_usable(tmp_path: Path) -> None:
    # A handler can be cancelled (shutdown, timeout) while BEGIN is queued on aiosqlite's thread; the
    # BEGIN still runs there, so without a rollback every later write would fail "within a transaction".
    store = SqliteStore(tmp_path / "t.sqlite3")
    await store.open()
    try:
        task = asyncio.create_task(store.record_scenario_upload("ips-x", 7))
        await asyncio.sleep(0)  # the task now holds the lock and awaits BEGIN IMMEDIATE
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await store.record_scenario_upload("ips-y", 8)
        assert await store.scenario_uploader("ips-y") == 8
        assert await store.scenario_uploader("ips-x") is None
    finally:
        await store.close()


async def test_sqlite_forget_then_write_at_once(tmp_path: Path) -> None:
    # /forget checkpoints the WAL; the next statement on the write connection may be a COMMIT (the
    # sent-mark of its goodbye message), which an unread checkpoint row would make fail.
    store = SqliteStore(tmp_path / "t.sqlite3")
    await store.open()
    try:
        await started(store)
        await store.forget_learner(Claim(2, 1), 1, [{"text": "Alle dine data er slettet"}])
        await store.outbox_sent_many([item.id for item in await store.outbox(chat_id=1)])
        assert await store.outbox() == []
    finally:
        await store.close()


class _BusyReader:
    """A read connection that finds the database busy, as in WAL recovery after a crash."""

    def execute(self, *args: object) -> None:
        raise sqlite3.OperationalError("database is locked")


async def test_sqlite_a_read_that_finds_the_database_busy_goes_through_aiosqlite(tmp_path: Path) -> None:
    # Small reads run on the event loop's thread through a read-only connection that never waits
    # (busy_timeout 0). Busy: the read goes through aiosqlite's thread, which waits out the lock
    # without blocking the loop, and gives the same answer.
    store = SqliteStore(tmp_path / "t.sqlite3")
    await store.open()
    try:
        session_id = await started(store)
        direct = (await store.arrival(1, 1), await store.outbox(), await store.turns(session_id))
        reader, store._reader = store._reader, _BusyReader()  # type: ignore[assignment]
        try:
            assert (await store.arrival(1, 1), await store.outbox(), await store.turns(session_id)) == direct
        finally:
            store._reader = reader
        assert direct[0][0] is True and direct[0][1] is not None
    finally:
        await store.close()


def _outbox_rows_in_file(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [json.loads(row[0])["text"] for row in db.execute("SELECT payload FROM outbox ORDER BY id")]


async def test_sqlite_delivered_rows_go_with_the_next_write_or_soon_after(tmp_path: Path) -> None:
    # Delivered messages leave `outbox` at once; their rows are deleted in the next write (a turn,
    # under load) or by a write of their own shortly after, and at close at the latest.
    path = tmp_path / "t.sqlite3"
    store = SqliteStore(path)
    await store.open()
    try:
        session_id = await started(store)
        await store.claim(Claim(2, 1), [{"text": "a"}, {"text": "b"}])
        first = await store.outbox(chat_id=1)
        await store.outbox_sent_many([first[0].id])
        assert [i.payload["text"] for i in await store.outbox()] == ["b"]
        assert await store.record_turn(Claim(3, 1), session_id, record(1), SNAPSHOT, SUMMARY, [{"text": "c"}])
        assert _outbox_rows_in_file(path) == ["b", "c"]  # the turn's write took "a" with it

        await store.outbox_sent_many([i.id for i in await store.outbox()])
        assert await store.outbox() == []
        await asyncio.sleep(sqlite_module.DELIVERED_DELETE_SECONDS * 4)  # no write comes: one of their own
        assert _outbox_rows_in_file(path) == []

        await store.claim(Claim(4, 1), [{"text": "d"}])
        await store.outbox_sent_many([i.id for i in await store.outbox()])
    finally:
        await store.close()
    assert _outbox_rows_in_file(path) == []  # close deletes what is still waiting


async def test_sqlite_a_failed_write_keeps_delivered_rows_hidden_until_one_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    store = SqliteStore(path)
    await store.open()
    try:
        session_id = await started(store)
        await store.claim(Claim(2, 1), [{"text": "a"}])
        await store.outbox_sent_many([i.id for i in await store.outbox()])
        with pytest.raises(StaleSession):  # turn 5 does not follow turn 0: rolled back
            await store.record_turn(Claim(3, 1), session_id, record(5), SNAPSHOT, SUMMARY)
        assert _outbox_rows_in_file(path) == ["a"] and await store.outbox() == []
        assert await store.record_turn(Claim(4, 1), session_id, record(1), SNAPSHOT, SUMMARY)
        assert _outbox_rows_in_file(path) == []
    finally:
        await store.close()
