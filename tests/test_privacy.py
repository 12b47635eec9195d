"""Privacy and access, checked in the database itself: /forget, retention, the audit log,
pseudonymised exports, duplicate scenario uploads.

The SQLite file (and its -wal) is opened with the sqlite3 module or read as bytes after the bot
ran, so "deleted" means gone from every table and from the file, not just from the bot's answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import INSTRUCTOR_ID
from fake_bot_api import FakeBotAPI
from test_storage import SNAPSHOT, SUMMARY, record, started
from test_telegram_e2e import LEARNER, OTHER, Running, User, db_rows, good_scenario

from bot.cli import main
from bot.config import Config, ConfigError, load_config
from bot.pseudonyms import SECRET_NAME, looks_like_pseudonym, pseudonym
from bot.storage import AuditEntry, Claim, MemoryStore, SessionStore, SqliteStore
from bot.storage.retention import RetentionJob, cutoff, purge

SECRET_REPLY = "Hvad tænker du selv om kaffemaskinen på kontoret?"
"""A reply only LEARNER ever types, so its bytes can be searched for in the database file."""
OTHER_REPLY = "Hvad er vigtigt for dig i dag?"


@pytest.fixture
def config(fake_api: FakeBotAPI, write_config: Callable[..., Path]) -> Config:
    return load_config(write_config(fake_api))


@pytest.fixture(params=["sqlite", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionStore]:
    backend: SessionStore = SqliteStore(tmp_path / "p.sqlite3") if request.param == "sqlite" else MemoryStore()
    await backend.open()
    yield backend
    await backend.close()


def raw_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def document(fake: FakeBotAPI, index: int = -1) -> str:
    return bytes(fake.calls_of("sendDocument")[index].files["document"][1]).decode("utf-8-sig")


async def export(bot: Running, fake: FakeBotAPI, command: str = "/export") -> tuple[str, str]:
    before = len(fake.calls_of("sendDocument"))
    fake.send_text(INSTRUCTOR_ID, command)
    await bot.idle(fake)
    assert len(fake.calls_of("sendDocument")) == before + 2, command
    return document(fake, -2), document(fake, -1)


# ---------------------------------------------------------------- the store, both backends


async def test_audit_log_newest_first_with_limit_and_checked_outcome(store: SessionStore) -> None:
    await store.write_audit(AuditEntry("900001", "export", "pseudo", "done"))
    await store.write_audit(AuditEntry("5001", "export", "", "refused"))
    await store.write_audit(AuditEntry("retention", "purge", "sessions=0", "done"))
    entries = await store.audit_entries(2)
    assert [(e.actor, e.action, e.outcome) for e in entries] == [("retention", "purge", "done"),
                                                                  ("5001", "export", "refused")]
    assert entries[0].at and entries[0].id > entries[1].id
    with pytest.raises(ValueError):
        await store.write_audit(AuditEntry("1", "export", "", "maybe"))
    assert len(await store.audit_entries(10)) == 3


async def test_forget_keeps_instructor_rows_and_unnames_the_learners_refusals(store: SessionStore) -> None:
    await started(store)
    await store.write_audit(AuditEntry("1", "export", "", "refused"))
    await store.write_audit(AuditEntry(str(INSTRUCTOR_ID), "transcript", "1 3", "done"))
    await store.write_audit(AuditEntry(str(INSTRUCTOR_ID), "transcript", "21 3", "done"))  # another learner
    assert await store.forget_learner(Claim(9, 1), 1)
    rows = [(e.actor, e.action, e.arguments) for e in await store.audit_entries()]
    # the instructor's action stays on record; whom it concerned does not
    assert rows == [(str(INSTRUCTOR_ID), "transcript", "21 3"), (str(INSTRUCTOR_ID), "transcript", "forgotten 3"),
                    ("forgotten", "export", "")]


async def test_secret_is_created_once_and_kept(store: SessionStore) -> None:
    first = await store.secret(SECRET_NAME)
    assert len(first) == 32 and await store.secret(SECRET_NAME) == first
    assert await store.secret("another") != first


async def test_sqlite_secret_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SqliteStore(path)
    await store.open()
    key = await store.secret(SECRET_NAME)
    await store.close()
    store = SqliteStore(path)
    await store.open()
    assert await store.secret(SECRET_NAME) == key
    await store.close()


async def test_purge_deletes_old_sessions_turns_and_queued_messages(store: SessionStore) -> None:
    session_id = await started(store)
    assert await store.record_turn(Claim(2, 1, "turn"), session_id, record(1), SNAPSHOT, SUMMARY,
                                   [{"text": "line 1"}])
    past = cutoff(1)  # yesterday: nothing is that old
    dry = await store.purge_transcripts(past, dry_run=True)
    assert (dry.sessions, dry.turns, dry.outbox) == (0, 0, 0)
    future = cutoff(-1)  # tomorrow: everything is older
    dry = await store.purge_transcripts(future, dry_run=True)
    assert (dry.sessions, dry.turns, dry.outbox, dry.learners) == (1, 1, 1, (1,))
    assert await store.session(session_id) is not None  # a dry run deletes nothing
    done = await store.purge_transcripts(future)
    assert done == dry
    assert await store.session(session_id) is None and await store.turns(session_id) == []
    assert await store.outbox() == [] and await store.learner(1) is not None  # the profile stays


async def test_scenario_uploads_are_remembered(store: SessionStore) -> None:
    assert await store.scenario_uploader("mine") is None
    await store.record_scenario_upload("mine", 7)
    await store.record_scenario_upload("mine", 8)
    assert await store.scenario_uploader("mine") == 8


async def test_retention_job_runs_at_start_and_reports_and_audits(store: SessionStore) -> None:
    session_id = await started(store)
    touched: list[tuple[int, ...]] = []

    async def on_purged(counts: Any) -> None:
        touched.append(counts.learners)

    job = RetentionJob(store, 30, on_purged=on_purged, interval=3600)
    report = await job.run_once()
    assert report is not None and report.counts.sessions == 0 and await store.session(session_id) is not None
    report = await purge(store, 30, at=datetime.now(UTC) + timedelta(days=31))
    assert report.counts.sessions == 1 and await store.session(session_id) is None
    assert (await store.audit_entries(1))[0].actor == "retention"
    job.start()
    await asyncio.sleep(0)
    await job.stop()  # cancels the sleeping task cleanly
    assert job.runs >= 1
    kept = await purge(store, 0, at=datetime.now(UTC) + timedelta(days=10_000))  # 0: keep forever
    assert kept.older_than is None and kept.counts.sessions == 0


def test_pseudonyms_are_stable_keyed_and_opaque() -> None:
    key, other = b"k" * 32, b"o" * 32
    assert pseudonym(key, 5001) == pseudonym(key, 5001) != pseudonym(key, 5002)
    assert pseudonym(other, 5001) != pseudonym(key, 5001)
    assert looks_like_pseudonym(pseudonym(key, 5001)) and "5001" not in pseudonym(key, 5001)
    assert not looks_like_pseudonym("5001") and not looks_like_pseudonym("L-../../etc")


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(("value", "message"), [
    ("-1", "privacy.retention_days must be between 0 and 36500"),
    ("soon", "privacy.retention_days must be a whole number"),
    ("true", "privacy.retention_days must be a whole number"),
])
def test_bad_retention_stops_start_up_with_one_line(
    tmp_path: Path, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"telegram: {{token: '123456:ABC-def'}}\nprivacy: {{retention_days: {value}}}\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path, env={})
    assert main(["run", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_privacy_defaults_and_pseudonymise_must_be_a_boolean(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("telegram: {token: '123456:ABC-def'}\n")
    privacy = load_config(path, env={}).privacy
    assert (privacy.retention_days, privacy.pseudonymise_exports) == (180, True)
    path.write_text("telegram: {token: '123456:ABC-def'}\nprivacy: {pseudonymise_exports: 'yes'}\n")
    with pytest.raises(ConfigError, match=r"privacy\.pseudonymise_exports must be true or false"):
        load_config(path, env={})


# ---------------------------------------------------------------- /forget, checked in the database


async def test_forget_leaves_nothing_of_the_learner_in_any_table_or_the_file(
    fake_api: FakeBotAPI, config: Config
) -> None:
    learner, other, teacher = User(fake_api, LEARNER), User(fake_api, OTHER), User(fake_api, INSTRUCTOR_ID)
    async with Running(config) as bot:
        await learner.begin(bot)
        await other.begin(bot)
        await learner.say(bot, SECRET_REPLY)
        await other.say(bot, OTHER_REPLY)
        await learner.say(bot, "/class")  # a refused attempt, audited
        sessions_csv, turns_csv = await export(bot, fake_api)
        assert SECRET_REPLY in turns_csv  # before: it is there
        await teacher.say(bot, f"/transcript {LEARNER} 1")
        await learner.say(bot, "/forget")
        data = next(b["callback_data"] for row in fake_api.last_message(LEARNER)["reply_markup"]["inline_keyboard"]
                    for b in row if b["callback_data"].startswith("forget:yes"))
        assert (await learner.press(bot, data))[0].startswith("Alle dine data er slettet")
        sessions_csv, turns_csv = await export(bot, fake_api)  # an export made afterwards
        assert SECRET_REPLY not in turns_csv and OTHER_REPLY in turns_csv
        secret = await bot.trainer.store.secret(SECRET_NAME)  # type: ignore[union-attr]
        assert pseudonym(secret, LEARNER) not in sessions_csv + turns_csv
        assert pseudonym(secret, OTHER) in sessions_csv

    db = config.storage_path
    assert db_rows(db, "SELECT COUNT(*) FROM learners WHERE id = ?", LEARNER) == [(0,)]
    assert db_rows(db, "SELECT COUNT(*) FROM sessions WHERE learner_id = ?", LEARNER) == [(0,)]
    assert db_rows(db, "SELECT COUNT(*) FROM turns WHERE reply = ? OR record LIKE ?", SECRET_REPLY,
                   f"%{SECRET_REPLY}%") == [(0,)]
    assert db_rows(db, "SELECT COUNT(*) FROM outbox WHERE chat_id = ?", LEARNER) == [(0,)]
    assert db_rows(db, "SELECT COUNT(*) FROM processed_updates WHERE chat_id = ?", LEARNER) == [(0,)]
    with contextlib.closing(sqlite3.connect(db)) as conn:  # no table anywhere holds the reply
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):  # table names from the schema
                assert not any(SECRET_REPLY in str(value) for value in row), table
    audit = db_rows(db, "SELECT actor, action, arguments FROM audit_log")
    assert (str(INSTRUCTOR_ID), "transcript", "forgotten 1") in audit  # the instructor's action is kept
    assert not any(str(LEARNER) in " ".join(row) for row in audit)  # but not whom it concerned
    assert ("forgotten", "class", "") in audit and not any(row[0] == str(LEARNER) for row in audit)
    raw = raw_bytes(db)
    assert SECRET_REPLY.encode() not in raw  # secure_delete + checkpoint: not even in free pages
    assert f"Learner {LEARNER}".encode() not in raw  # nor the learner's name
    assert OTHER_REPLY.encode() in raw  # (the search would find it if it were there)


# ---------------------------------------------------------------- retention, checked in the database


def age(db: Path, days: int, learner_id: int) -> None:
    """Move a learner's sessions, turns and queued messages `days` into the past."""
    then = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE sessions SET started_at = ?, updated_at = ?, ended_at = ? WHERE learner_id = ?",
                     (then, then, then, learner_id))
        conn.execute("UPDATE turns SET created_at = ? WHERE session_id IN "
                     "(SELECT id FROM sessions WHERE learner_id = ?)", (then, learner_id))
        conn.execute("UPDATE processed_updates SET processed_at = ? WHERE chat_id = ?", (then, learner_id))


async def test_retention_at_start_up_deletes_old_transcripts_and_keeps_recent_ones(
    fake_api: FakeBotAPI, write_config: Callable[..., Path]
) -> None:
    config = load_config(write_config(fake_api, privacy={"retention_days": 30}))
    learner, other = User(fake_api, LEARNER), User(fake_api, OTHER)
    async with Running(config) as bot:
        await learner.begin(bot)
        await other.begin(bot)
        await learner.say(bot, SECRET_REPLY)
        await other.say(bot, OTHER_REPLY)
        await learner.say(bot, "/stop")
    db = config.storage_path
    age(db, 31, LEARNER)
    async with Running(config) as bot:
        await bot.idle(fake_api)
        deadline = time.monotonic() + 10
        while db_rows(db, "SELECT COUNT(*) FROM audit_log WHERE actor = 'retention'") != [(2,)]:  # one a start
            assert time.monotonic() < deadline, "the retention job did not run at start-up"
            await asyncio.sleep(0.05)
        assert "30 dage" in (await learner.say(bot, "/privacy"))[0]
        assert await learner.say(bot, "/summary") != []  # the bot goes on
    assert db_rows(db, "SELECT COUNT(*) FROM sessions WHERE learner_id = ?", LEARNER) == [(0,)]
    assert db_rows(db, "SELECT COUNT(*) FROM sessions WHERE learner_id = ?", OTHER) == [(1,)]
    assert db_rows(db, "SELECT reply FROM turns") == [(OTHER_REPLY,)]
    assert db_rows(db, "SELECT COUNT(*) FROM learners") == [(2,)]  # profiles stay until /forget
    # old processed update ids were pruned too: only /privacy and /summary of the second run remain
    assert db_rows(db, "SELECT COUNT(*) FROM processed_updates WHERE chat_id = ?", LEARNER) == [(2,)]
    arguments = db_rows(db, "SELECT arguments, outcome FROM audit_log WHERE actor = 'retention' ORDER BY id DESC")[0]
    assert "sessions=1" in arguments[0] and "turns=1" in arguments[0] and arguments[1] == "done"
    assert SECRET_REPLY.encode() not in raw_bytes(db)


def test_purge_and_audit_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bot.sqlite3"
    config_path = tmp_path / "config.yaml"
    config_path.write_text(f"telegram: {{token: '123456:ABC-def'}}\nstorage: {{path: {db}}}\n"
                           "privacy: {retention_days: 10}\n")
    assert main(["purge", "--config", str(config_path)]) == 1
    assert "no database at" in capsys.readouterr().err

    async def fill() -> None:
        store = SqliteStore(db)
        await store.open()
        for learner_id in (1, 2):
            session_id = await started(store, update_id=learner_id * 10, learner_id=learner_id)
            await store.record_turn(Claim(learner_id * 10 + 1, learner_id, "turn"), session_id,
                                    record(1, text=f"svar {learner_id}"), SNAPSHOT, SUMMARY)
        await store.write_audit(AuditEntry(str(INSTRUCTOR_ID), "export", "", "done"))
        await store.close()

    asyncio.run(fill())
    age(db, 11, 1)
    assert main(["purge", "--config", str(config_path), "--dry-run"]) == 0
    assert "would delete: " in capsys.readouterr().out
    assert db_rows(db, "SELECT COUNT(*) FROM sessions") == [(2,)]
    assert main(["purge", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert "deleted: " in out and "sessions=1 turns=1" in out
    assert db_rows(db, "SELECT reply FROM turns") == [("svar 2",)]
    assert main(["audit", "--config", str(config_path), "--limit", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "\tretention\tpurge\tdone\tby=cli" in lines[0]
    assert main(["audit", "--config", str(config_path)]) == 0
    assert f"\t{INSTRUCTOR_ID}\texport\tdone" in capsys.readouterr().out


# ---------------------------------------------------------------- the audit log and access


async def test_instructor_actions_and_refusals_land_in_the_audit_log(fake_api: FakeBotAPI, config: Config) -> None:
    learner, teacher = User(fake_api, LEARNER), User(fake_api, INSTRUCTOR_ID)
    async with Running(config) as bot:
        await learner.begin(bot)
        await teacher.say(bot, "/class")
        assert await learner.say(bot, "/export my secret words") == ["Den kommando er kun for undervisere."]
        assert await learner.say(bot, "/audit") == ["Den kommando er kun for undervisere."]
        audit = (await teacher.say(bot, "/audit 5"))[0]
        assert "Revisionslog" in audit and f"{LEARNER} · /export" in audit and "refused" in audit
        assert "Brug" in (await teacher.say(bot, "/audit lots"))[0]
    rows = db_rows(config.storage_path, "SELECT actor, action, arguments, outcome FROM audit_log ORDER BY id")
    assert (str(INSTRUCTOR_ID), "class", "", "done") in rows
    assert (str(LEARNER), "export", "", "refused") in rows  # the refusal, without what the learner typed
    assert (str(LEARNER), "audit", "", "refused") in rows
    assert (str(INSTRUCTOR_ID), "audit", "5", "done") in rows
    assert not any("secret words" in str(row) for row in rows)


async def test_a_learner_sees_no_other_learners_data_through_any_command_or_button(
    fake_api: FakeBotAPI, config: Config
) -> None:
    learner, other = User(fake_api, LEARNER), User(fake_api, OTHER)
    async with Running(config) as bot:
        await learner.begin(bot)
        await learner.say(bot, SECRET_REPLY)
        await other.begin(bot)
        for command in ("/mydata", "/summary", "/progress", "/settings", "/hint", "/class", "/export",
                        "/export pseudo", f"/transcript {LEARNER} 1", "/audit", "/stop", f"/mydata {LEARNER}",
                        f"/summary {LEARNER}"):
            await other.say(bot, command)
        last = fake_api.last_message(OTHER)
        for data in ("sc:ips-mette", "scenarios", "fb:off", "forget:no", f"forget:yes.{int(time.time())}",
                     f"sc:{LEARNER}", "transcript:1", f"mydata:{LEARNER}", "x" * 64):
            fake_api.press(OTHER, data, last)
            await bot.idle(fake_api)
    seen = " ".join(str(m) for m in fake_api.sent_to(OTHER))
    seen += " ".join(bytes(c.files["document"][1]).decode("utf-8", "replace")
                     for c in fake_api.calls_of("sendDocument") if str(c.params.get("chat_id")) == str(OTHER))
    assert SECRET_REPLY not in seen and f"Learner {LEARNER}" not in seen
    assert db_rows(config.storage_path, "SELECT reply FROM turns") == [(SECRET_REPLY,)]  # untouched
    assert db_rows(config.storage_path, "SELECT COUNT(*) FROM learners WHERE id = ?", LEARNER) == [(1,)]


# ---------------------------------------------------------------- pseudonymised exports


async def test_exports_and_transcripts_are_pseudonymised_by_default(fake_api: FakeBotAPI, config: Config) -> None:
    learner, teacher = User(fake_api, LEARNER), User(fake_api, INSTRUCTOR_ID)
    async with Running(config) as bot:
        await learner.begin(bot)
        await learner.say(bot, SECRET_REPLY)
        first = await export(bot, fake_api)
        again = await export(bot, fake_api, "/export pseudo")
        assert "Brug" in (await teacher.say(bot, "/export everything"))[0]
        alias = pseudonym(await bot.trainer.store.secret(SECRET_NAME), LEARNER)  # type: ignore[union-attr]
        by_alias = (await teacher.say(bot, f"/transcript {alias} 1"))[0]
        assert SECRET_REPLY in by_alias and alias in by_alias and f"Learner {LEARNER}" not in by_alias
        assert "Ingen session" in (await teacher.say(bot, "/transcript L-0000000000 1"))[0]
    assert first == again  # stable across exports
    for text in first:
        assert str(LEARNER) not in text and f"Learner {LEARNER}" not in text and alias in text
    assert SECRET_REPLY in first[1]
    assert fake_api.calls_of("sendDocument")[-1].params["caption"] == "Svar (CSV, pseudonymiseret)"


async def test_names_in_exports_only_when_configured_and_pseudo_on_request(
    fake_api: FakeBotAPI, write_config: Callable[..., Path]
) -> None:
    config = load_config(write_config(fake_api, privacy={"pseudonymise_exports": False}))
    learner = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await learner.begin(bot)
        named, _ = await export(bot, fake_api)
        pseudo, _ = await export(bot, fake_api, "/export pseudo")
    assert f"{LEARNER},Learner {LEARNER}" in named
    assert str(LEARNER) not in pseudo and "L-" in pseudo


# ---------------------------------------------------------------- duplicate scenario ids on upload


async def test_an_upload_replaces_an_uploaded_scenario_but_never_a_shipped_one(
    fake_api: FakeBotAPI, config: Config
) -> None:
    teacher = User(fake_api, INSTRUCTOR_ID)
    folder = config.dialogues_path
    async with Running(config) as bot:
        fake_api.send_document(INSTRUCTOR_ID, "dave.yaml", good_scenario())
        await bot.idle(fake_api)
        assert "Installeret" in teacher.texts()[-1]
        edited = good_scenario().replace(b"title:", b"title: Rettet", 1)
        fake_api.send_document(INSTRUCTOR_ID, "dave-v2.yaml", edited)
        await bot.idle(fake_api)
        assert "Erstattet" in teacher.texts()[-1] and "uploaded-dave.yaml" in teacher.texts()[-1]
        assert (folder / "uploaded-dave.yaml").read_bytes() == edited
        assert "Rettet" in bot.trainer.library.get("uploaded-dave").title  # type: ignore[union-attr]
        shipped = (folder / "alcohol-dave.yaml").read_bytes()
        fake_api.send_document(INSTRUCTOR_ID, "dave-v3.yaml", shipped.replace(b"title:", b"title: Ny", 1))
        await bot.idle(fake_api)
        assert "er afvist" in teacher.texts()[-1] and "ikke er uploadet" in teacher.texts()[-1]
        assert (folder / "alcohol-dave.yaml").read_bytes() == shipped
        fake_api.send_document(LEARNER, "dave.yaml", edited)
        await bot.idle(fake_api)
    rows = db_rows(config.storage_path, "SELECT actor, action, arguments, outcome FROM audit_log "
                                        "WHERE action = 'upload' ORDER BY id")
    assert [(r[0], r[3]) for r in rows] == [(str(INSTRUCTOR_ID), "done"), (str(INSTRUCTOR_ID), "done"),
                                            (str(INSTRUCTOR_ID), "refused"), (str(LEARNER), "refused")]
    assert "replaced" in rows[1][2] and "alcohol-dave taken" in rows[2][2]
    assert db_rows(config.storage_path, "SELECT scenario_id, instructor_id FROM scenario_uploads") == [
        ("uploaded-dave", INSTRUCTOR_ID)]
