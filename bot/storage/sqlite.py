"""`SqliteStore`: the `SessionStore` on one SQLite file through aiosqlite (WAL, migrations).

One connection in autocommit mode; every write is an explicit `BEGIN IMMEDIATE … COMMIT`, and an
asyncio lock keeps transactions of concurrent handlers from interleaving on the connection (SQLite
writes one at a time anyway; the lock is held for milliseconds, so chats do not wait on each other
in any way that matters). `secure_delete` is on, so /forget overwrites what it deletes, and the WAL
is checkpointed afterwards.

The writes of a practice turn (`claim`, `record_turn`) run as ONE function on aiosqlite's thread
(`_write`): BEGIN … COMMIT in a single hop instead of one thread round trip per statement, which
was most of the store's CPU per turn under `mi-trainer bench`. Delivered messages leave the outbox
with the next such write (`outbox_sent_many`), not in a transaction of their own. The small reads of
a turn ("handled before?" with the learner, the outbox) go the other way: straight to a second,
read-only connection on the event loop's thread (`_small_read`), as WAL readers never wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.storage.base import (
    AUDIT_OUTCOMES,
    SESSION_STATUSES,
    AuditEntry,
    Claim,
    Learner,
    LearnerData,
    NewSession,
    OutboxItem,
    PurgeCounts,
    SessionInfo,
    StaleSession,
    StorageError,
    StoredTurn,
    forget_in_audit,
    now,
    turn_columns,
)
from bot.storage.migrations import MIGRATIONS, Migration

BUSY_TIMEOUT_MS = 5000
DELIVERED_DELETE_SECONDS = 0.05
"""Longest the outbox rows of delivered messages wait for another write to be deleted with."""
T = TypeVar("T")
_LOG = logging.getLogger(__name__)

_CLAIM_SQL = (
    "INSERT INTO processed_updates (update_id, chat_id, kind, processed_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (update_id) DO NOTHING"
)
_QUEUE_SQL = "INSERT INTO outbox (update_id, chat_id, payload, created_at) VALUES (?, ?, ?, ?)"


_dumps: Callable[[object], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
"""Compact, key-sorted JSON; one encoder for all (`json.dumps` with options builds one per call)."""


class SqliteStore:
    """The SQLite backend. `await store.open()` before use, `await store.close()` after."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()
        self._delivered: set[int] = set()
        """Outbox ids delivered but not yet deleted (see `outbox_sent_many`)."""
        self._delete_delivered: asyncio.TimerHandle | None = None
        self._deleting: set[asyncio.Task[None]] = set()

    # ---------------------------------------------------------------- lifecycle

    async def open(self) -> None:
        if self._db is not None:
            return
        if self.path != ":memory:":
            target = Path(self.path)
            if target.is_dir():
                raise StorageError(f"storage.path is a folder, not a database file: {self.path}")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StorageError(f"cannot create the folder for {self.path}: {error.strerror}") from None
        try:
            db = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open database {self.path}: {error}") from None
        try:
            db.row_factory = sqlite3.Row
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = FULL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA secure_delete = ON")
            await self._migrate(db)
        except sqlite3.DatabaseError as error:
            await db.close()
            raise StorageError(f"cannot use database {self.path}: {error}") from None
        except BaseException:
            await db.close()
            raise
        self._db = db
        self._reader = _reader(self.path)

    async def close(self) -> None:
        if self._delete_delivered is not None:
            self._delete_delivered.cancel()
            self._delete_delivered = None
        for task in list(self._deleting):
            task.cancel()  # the write below does what they would have done
        if self._delivered and self._db is not None:
            with contextlib.suppress(StorageError):  # kept: they go out again at the next start
                await self._write(_nothing, durable=False)
        try:
            if self._reader is not None:
                reader, self._reader = self._reader, None
                reader.close()
        finally:
            if self._db is not None:
                db, self._db = self._db, None
                await db.close()

    async def schema(self) -> list[str]:
        """Names of the applied migrations, in order."""
        async with self._read() as db:
            rows = await db.execute_fetchall("SELECT name FROM schema_migrations ORDER BY name")
        return [str(row[0]) for row in rows]

    @staticmethod
    async def _migrate(db: aiosqlite.Connection) -> None:
        await db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        known = [migration.name for migration in MIGRATIONS]
        rows = await db.execute_fetchall("SELECT name FROM schema_migrations")
        newer = sorted({str(row[0]) for row in rows} - set(known))
        if newer:
            raise StorageError(f"the database has schema {newer[-1]}, newer than this program knows; upgrade it")
        for migration in MIGRATIONS:
            await SqliteStore._apply(db, migration)

    @staticmethod
    async def _apply(db: aiosqlite.Connection, migration: Migration) -> None:
        await db.execute("BEGIN IMMEDIATE")
        try:
            cursor = await db.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (migration.name,))
            if await cursor.fetchone() is None:  # checked inside the transaction: another process may race
                for statement in migration.statements:
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (migration.name, now())
                )
            await db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                await db.execute("ROLLBACK")
            raise

    # ---------------------------------------------------------------- plumbing

    def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageError("the store is not open")
        return self._db

    @contextlib.asynccontextmanager
    async def _read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            yield self._conn()

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            db = self._conn()
            try:
                await db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise StorageError(f"database busy or unavailable: {error}") from error
            except BaseException:
                # Cancelled while BEGIN was queued: it still runs on aiosqlite's thread, so undo it
                # before the lock is released, or the next BEGIN would fail inside an open transaction.
                with contextlib.suppress(Exception):
                    await db.execute("ROLLBACK")
                raise
            try:
                yield db
                await db.execute("COMMIT")
            except BaseException as error:
                with contextlib.suppress(Exception):
                    if db.in_transaction:
                        await db.execute("ROLLBACK")
                if isinstance(error, sqlite3.OperationalError):  # disk full, I/O error, locked at commit
                    raise StorageError(f"database write failed (rolled back): {error}") from error
                raise

    async def _small_read(self, read: Callable[[sqlite3.Connection], T]) -> T:
        """A small indexed read (a turn makes two: "handled before?" with the learner, and the
        outbox), done at once on the event loop's thread through a second, read-only connection.
        In WAL mode a reader never waits for the writer, and the read takes less CPU than the
        thread round trip to aiosqlite (~40 µs) would; it also no longer queues behind another
        chat's commit and its fsync. Busy (rare in WAL: another process recovering the WAL after
        a crash) or any other operational error: the read goes through aiosqlite's thread as
        before, which waits out the busy timeout without blocking the loop."""
        if self._reader is not None:
            try:
                return read(self._reader)
            except sqlite3.OperationalError:
                pass
        async with self._read() as db:
            return cast(T, await db._execute(read, db._conn))  # type: ignore[no-untyped-call]

    async def _write(self, work: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run `work` in one transaction as a single call on aiosqlite's thread (one hop, not one per
        statement). Not durable = `synchronous=NORMAL` for this commit only: it survives a crash of
        the process, and only a power loss can undo it (see `outbox_sent_many`)."""
        async with self._lock:
            db = self._conn()
            delivered = tuple(self._delivered)  # their rows are deleted in this transaction too
            # aiosqlite has no public "run this function on the connection's thread"; `_execute` is
            # what its own execute() uses. Functions queued there run in order, so a cancelled caller
            # cannot let another transaction interleave with one still running.
            done = await db._execute(  # type: ignore[no-untyped-call]
                _in_transaction, db._conn, work, durable, delivered)
            self._delivered.difference_update(delivered)  # only once committed: else the next write
            return cast(T, done)

    @staticmethod
    async def _claim(db: aiosqlite.Connection, claim: Claim) -> bool:
        cursor = await db.execute(_CLAIM_SQL, (claim.update_id, claim.chat_id, claim.kind, now()))
        return cursor.rowcount == 1

    @staticmethod
    async def _queue(db: aiosqlite.Connection, claim: Claim, outbox: Sequence[Mapping[str, Any]]) -> None:
        rows = _outbox_rows(claim, outbox)
        if rows is None:
            raise StorageError("outgoing messages need a chat id")
        if rows:
            await db.executemany(_QUEUE_SQL, rows)

    @staticmethod
    async def _upsert_learner(db: aiosqlite.Connection, learner: Learner) -> None:
        stamp = now()
        await db.execute(
            """
            INSERT INTO learners (id, chat_id, name, language, feedback, consent_at, active, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                chat_id = excluded.chat_id, name = excluded.name, language = excluded.language,
                feedback = excluded.feedback, consent_at = excluded.consent_at, active = excluded.active,
                updated_at = excluded.updated_at
            """,
            (learner.id, learner.chat_id, learner.name, learner.language, learner.feedback, learner.consent_at,
             int(learner.active), learner.created_at or stamp, stamp),
        )

    # ---------------------------------------------------------------- reads

    async def learner(self, learner_id: int) -> Learner | None:
        return await self._small_read(functools.partial(_learner_now, learner_id=learner_id))

    async def learners(self) -> list[Learner]:
        async with self._read() as db:
            rows = await db.execute_fetchall("SELECT * FROM learners ORDER BY id")
        return [_learner(row) for row in rows]

    async def session(self, session_id: int) -> SessionInfo | None:
        def read(conn: sqlite3.Connection) -> SessionInfo | None:
            row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            return None if row is None else _session(row)

        return await self._small_read(read)

    async def active_session(self, learner_id: int) -> SessionInfo | None:
        def read(conn: sqlite3.Connection) -> SessionInfo | None:
            rows = conn.execute(
                "SELECT * FROM sessions WHERE learner_id = ? AND status = 'active'", (learner_id,)
            ).fetchall()
            return _session(rows[0]) if rows else None

        return await self._small_read(read)

    async def sessions(self, learner_id: int | None = None) -> list[SessionInfo]:
        async with self._read() as db:
            if learner_id is None:
                rows = await db.execute_fetchall("SELECT * FROM sessions ORDER BY id")
            else:
                rows = await db.execute_fetchall(
                    "SELECT * FROM sessions WHERE learner_id = ? ORDER BY id", (learner_id,)
                )
        return [_session(row) for row in rows]

    async def turns(self, session_id: int) -> list[StoredTurn]:
        def read(conn: sqlite3.Connection) -> list[StoredTurn]:
            rows = conn.execute(
                "SELECT session_id, turn, update_id, record, created_at FROM turns WHERE session_id = ? ORDER BY turn",
                (session_id,),
            ).fetchall()
            return [_turn(row) for row in rows]

        return await self._small_read(read)

    async def learner_data(self, learner_id: int) -> LearnerData:
        learner = await self.learner(learner_id)
        sessions = await self.sessions(learner_id)
        return LearnerData(learner, sessions, {s.id: await self.turns(s.id) for s in sessions})

    async def is_processed(self, update_id: int) -> bool:
        return await self._small_read(functools.partial(_processed_now, update_id=update_id))

    async def arrival(self, update_id: int, learner_id: int | None) -> tuple[bool, Learner | None]:
        def read(conn: sqlite3.Connection) -> tuple[bool, Learner | None]:
            seen = _processed_now(conn, update_id)
            return seen, None if learner_id is None else _learner_now(conn, learner_id)

        return await self._small_read(read)

    async def outbox(self, chat_id: int | None = None, update_id: int | None = None) -> list[OutboxItem]:
        where, args = [], []
        if chat_id is not None:
            where.append("chat_id = ?")
            args.append(chat_id)
        if update_id is not None:
            where.append("update_id = ?")
            args.append(update_id)
        sql = "SELECT * FROM outbox" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"

        def read(conn: sqlite3.Connection) -> list[OutboxItem]:
            return [
                OutboxItem(int(row["id"]), int(row["update_id"]), int(row["chat_id"]), json.loads(row["payload"]),
                           str(row["created_at"]))
                for row in conn.execute(sql, args).fetchall()
            ]

        items = await self._small_read(read)
        delivered = self._delivered
        return [item for item in items if item.id not in delivered] if delivered else items

    # ---------------------------------------------------------------- writes

    async def outbox_sent(self, item_id: int) -> None:
        await self.outbox_sent_many((item_id,))

    async def outbox_sent_many(self, item_ids: Sequence[int]) -> None:
        """Gone from `outbox` at once; their rows are deleted by the next write (under load, the next
        turn's), or by a write of their own within DELIVERED_DELETE_SECONDS: a transaction and a
        thread round trip less per turn. A crash or kill before that makes them go out again at
        the next start (a duplicate, never a loss), as a power cut could before: that write is
        not fsync'd either (durable=False), and a turn's own commit always is."""
        self._delivered.update(int(item_id) for item_id in item_ids)
        if self._delivered and self._delete_delivered is None:
            self._delete_delivered = asyncio.get_running_loop().call_later(
                DELIVERED_DELETE_SECONDS, self._delete_delivered_now)

    def _delete_delivered_now(self) -> None:
        self._delete_delivered = None
        if self._delivered and self._db is not None:
            task = asyncio.get_running_loop().create_task(self._write_delivered())
            self._deleting.add(task)
            task.add_done_callback(self._deleting.discard)

    async def _write_delivered(self) -> None:
        try:
            await self._write(_nothing, durable=False)
        except StorageError as error:  # they stay hidden and go with the next write that works
            _LOG.warning("could not delete delivered messages from the outbox yet: %s", error)

    async def claim(self, claim: Claim, outbox: Sequence[Mapping[str, Any]] = ()) -> bool:
        rows = _outbox_rows(claim, outbox)

        def claimed(conn: sqlite3.Connection) -> bool:
            if not _claim_now(conn, claim):
                return False
            _queue_now(conn, rows)
            return True

        return await self._write(claimed)

    async def save_learner(
        self, learner: Learner, claim: Claim | None = None, outbox: Sequence[Mapping[str, Any]] = ()
    ) -> bool:
        async with self._transaction() as db:
            if claim is not None:
                if not await self._claim(db, claim):
                    return False
                await self._queue(db, claim, outbox)
            await self._upsert_learner(db, learner)
        return True

    async def start_session(
        self, claim: Claim, learner: Learner, new: NewSession, outbox: Sequence[Mapping[str, Any]] = ()
    ) -> int | None:
        async with self._transaction() as db:
            if not await self._claim(db, claim):
                return None
            await self._upsert_learner(db, learner)
            stamp = now()
            await db.execute(
                "UPDATE sessions SET status = 'abandoned', ended_at = ?, updated_at = ? "
                "WHERE learner_id = ? AND status = 'active'",
                (stamp, stamp, learner.id),
            )
            cursor = await db.execute(
                "INSERT INTO sessions (learner_id, scenario_id, language, seed, status, snapshot, started_at, "
                "updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
                (learner.id, new.scenario_id, new.language, new.seed, _dumps(dict(new.snapshot)), stamp, stamp),
            )
            session_id = cursor.lastrowid
            await self._queue(db, claim, outbox)
        assert session_id is not None
        return int(session_id)

    async def record_turn(
        self,
        claim: Claim,
        session_id: int,
        record: Mapping[str, Any],
        snapshot: Mapping[str, Any],
        summary: Mapping[str, Any] | None,
        outbox: Sequence[Mapping[str, Any]] = (),
    ) -> bool:
        columns = turn_columns(record)
        rows = _outbox_rows(claim, outbox)
        record_json, snapshot_json = _dumps(dict(record)), _dumps(dict(snapshot))
        summary_json = None if summary is None else _dumps(dict(summary))
        variables = _dumps(columns["variables_before"]), _dumps(columns["variables_after"])

        def recorded(conn: sqlite3.Connection) -> bool:
            if not _claim_now(conn, claim):
                return False
            row = conn.execute("SELECT status, turns FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None or row["status"] != "active":
                raise StaleSession(f"session {session_id} is not active")
            if columns["turn"] != int(row["turns"]) + 1:
                raise StaleSession(f"session {session_id}: turn {columns['turn']} does not follow {row['turns']}")
            stamp = now()
            conn.execute(
                """
                INSERT INTO turns (session_id, turn, update_id, reply, primary_code, codes, client_line, talk,
                    state_before, state_after, variables_before, variables_after, outcome, feedback, record,
                    created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (session_id, columns["turn"], claim.update_id, columns["reply"], columns["primary_code"],
                 columns["codes"], columns["client_line"], columns["talk"], columns["state_before"],
                 columns["state_after"], variables[0], variables[1],
                 columns["outcome"], columns["feedback"], record_json, stamp),
            )
            ended = columns["outcome"] is not None
            conn.execute(
                """
                UPDATE sessions SET turns = ?, snapshot = ?, summary = ?, rq = ?, pct_cr = ?, outcome = ?,
                    status = ?, updated_at = ?, ended_at = ?
                WHERE id = ?
                """,
                (columns["turn"], snapshot_json, summary_json,
                 _number(summary, "reflection_to_question"), _number(summary, "percent_complex_reflections"),
                 columns["outcome"], "ended" if ended else "active", stamp, stamp if ended else None, session_id),
            )
            _queue_now(conn, rows)
            return True

        return await self._write(recorded)

    async def end_session(
        self,
        claim: Claim,
        session_id: int,
        status: str,
        summary: Mapping[str, Any] | None,
        outbox: Sequence[Mapping[str, Any]] = (),
    ) -> bool:
        if status not in SESSION_STATUSES or status == "active":
            raise ValueError(f"cannot end a session as {status!r}")
        async with self._transaction() as db:
            if not await self._claim(db, claim):
                return False
            stamp = now()
            await db.execute(
                """
                UPDATE sessions SET status = ?, summary = COALESCE(?, summary), rq = COALESCE(?, rq),
                    pct_cr = COALESCE(?, pct_cr), ended_at = ?, updated_at = ?
                WHERE id = ? AND status = 'active'
                """,
                (status, None if summary is None else _dumps(dict(summary)),
                 _number(summary, "reflection_to_question"), _number(summary, "percent_complex_reflections"),
                 stamp, stamp, session_id),
            )
            await self._queue(db, claim, outbox)
        return True

    async def forget_learner(self, claim: Claim, learner_id: int, outbox: Sequence[Mapping[str, Any]] = ()) -> bool:
        async with self._transaction() as db:
            if not await self._claim(db, claim):
                return False
            cursor = await db.execute("SELECT chat_id FROM learners WHERE id = ?", (learner_id,))
            row = await cursor.fetchone()
            chats = {learner_id} | ({int(row["chat_id"])} if row is not None else set())
            for chat in chats:
                await db.execute("DELETE FROM outbox WHERE chat_id = ?", (chat,))
                await db.execute("UPDATE processed_updates SET chat_id = NULL WHERE chat_id = ?", (chat,))
            await db.execute("DELETE FROM learners WHERE id = ?", (learner_id,))  # sessions, turns cascade
            # instructors' actions and the learner's refused attempts stay in the audit log, but no
            # longer say whom they concerned
            cursor = await db.execute(
                "SELECT id, actor, arguments FROM audit_log WHERE actor = ? OR ' ' || arguments || ' ' LIKE ?",
                (str(learner_id), f"% {learner_id} %"),
            )
            for row in await cursor.fetchall():
                entry = forget_in_audit(AuditEntry(str(row["actor"]), "", str(row["arguments"])), learner_id)
                await db.execute("UPDATE audit_log SET actor = ?, arguments = ? WHERE id = ?",
                                 (entry.actor, entry.arguments, row["id"]))
            await self._queue(db, claim, outbox)
        async with self._read() as db:
            await _checkpoint(db)
        return True

    async def set_active(self, learner_id: int, active: bool) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE learners SET active = ?, updated_at = ? WHERE id = ?", (int(active), now(), learner_id)
            )

    async def prune_updates(self, older_than: str) -> int:
        async with self._transaction() as db:
            cursor = await db.execute(
                "DELETE FROM processed_updates WHERE processed_at < ? "
                "AND update_id NOT IN (SELECT update_id FROM outbox)",
                (older_than,),
            )
            return int(cursor.rowcount)

    async def purge_transcripts(self, older_than: str, dry_run: bool = False) -> PurgeCounts:
        old = "SELECT id FROM sessions WHERE updated_at < ?"
        outbox_where = (f"created_at < ? OR update_id IN (SELECT update_id FROM turns WHERE session_id IN ({old}))")
        if dry_run:
            async with self._read() as db:
                counts = await self._purge_counts(db, old, outbox_where, older_than)
            return counts
        async with self._transaction() as db:
            counts = await self._purge_counts(db, old, outbox_where, older_than)
            await db.execute(f"DELETE FROM outbox WHERE {outbox_where}", (older_than, older_than))
            await db.execute(f"DELETE FROM turns WHERE session_id IN ({old})", (older_than,))
            await db.execute("DELETE FROM sessions WHERE updated_at < ?", (older_than,))
        if counts.sessions or counts.outbox:
            async with self._read() as db:
                await _checkpoint(db)
        return counts

    @staticmethod
    async def _purge_counts(db: aiosqlite.Connection, old: str, outbox_where: str, older_than: str) -> PurgeCounts:
        rows = list(await db.execute_fetchall(
            "SELECT DISTINCT learner_id FROM sessions WHERE updated_at < ? ORDER BY learner_id", (older_than,)
        ))
        sessions = list(await db.execute_fetchall(f"SELECT COUNT(*) FROM ({old})", (older_than,)))
        turns = list(await db.execute_fetchall(
            f"SELECT COUNT(*) FROM turns WHERE session_id IN ({old})", (older_than,)
        ))
        outbox = list(await db.execute_fetchall(f"SELECT COUNT(*) FROM outbox WHERE {outbox_where}",
                                                (older_than, older_than)))
        return PurgeCounts(int(sessions[0][0]), int(turns[0][0]), int(outbox[0][0]),
                           tuple(int(row[0]) for row in rows))

    async def write_audit(self, entry: AuditEntry) -> None:
        if entry.outcome not in AUDIT_OUTCOMES:
            raise ValueError(f"unknown audit outcome {entry.outcome!r}")
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO audit_log (at, actor, action, arguments, outcome) VALUES (?, ?, ?, ?, ?)",
                (entry.at or now(), entry.actor, entry.action, entry.arguments, entry.outcome),
            )

    async def audit_entries(self, limit: int = 50) -> list[AuditEntry]:
        async with self._read() as db:
            rows = await db.execute_fetchall(
                "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (max(0, int(limit)),)
            )
        return [
            AuditEntry(str(row["actor"]), str(row["action"]), str(row["arguments"]), str(row["outcome"]),
                       str(row["at"]), int(row["id"]))
            for row in rows
        ]

    async def secret(self, name: str) -> bytes:
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (name, secrets.token_bytes(32), now()),
            )
            rows = list(await db.execute_fetchall("SELECT value FROM secrets WHERE name = ?", (name,)))
        return bytes(rows[0][0])

    async def scenario_uploader(self, scenario_id: str) -> int | None:
        async with self._read() as db:
            rows = list(await db.execute_fetchall(
                "SELECT instructor_id FROM scenario_uploads WHERE scenario_id = ?", (scenario_id,)
            ))
        return int(rows[0][0]) if rows else None

    async def record_scenario_upload(self, scenario_id: str, instructor_id: int) -> None:
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO scenario_uploads (scenario_id, instructor_id, uploaded_at) VALUES (?, ?, ?) "
                "ON CONFLICT (scenario_id) DO UPDATE SET instructor_id = excluded.instructor_id, "
                "uploaded_at = excluded.uploaded_at",
                (scenario_id, instructor_id, now()),
            )


def _nothing(conn: sqlite3.Connection) -> None:
    """A write of nothing but the delivered messages' deletes (see `outbox_sent_many`)."""


def _in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T], durable: bool,
                    delivered: Sequence[int] = ()) -> T:
    """BEGIN IMMEDIATE, the delivered messages' deletes, `work`, COMMIT (ROLLBACK on any error), on
    the connection's own thread."""
    if not durable:
        conn.execute("PRAGMA synchronous = NORMAL")
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StorageError(f"database busy or unavailable: {error}") from error
        try:
            if delivered:
                conn.executemany("DELETE FROM outbox WHERE id = ?", [(item_id,) for item_id in delivered])
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException as error:
            with contextlib.suppress(Exception):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError):  # disk full, I/O error, locked at commit
                raise StorageError(f"database write failed (rolled back): {error}") from error
            raise
    finally:
        if not durable:
            conn.execute("PRAGMA synchronous = FULL")
    return result


async def _checkpoint(db: aiosqlite.Connection) -> None:
    """Move the WAL into the database and empty it, so deleted pages leave the WAL too. The
    pragma's row is fetched: an unread result keeps its statement active on aiosqlite's thread,
    and the next COMMIT there fails with "SQL statements in progress"."""
    await db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")


def _reader(path: str) -> sqlite3.Connection | None:
    """The read-only connection for `_small_read` (none for ":memory:", a database of its own)."""
    if path == ":memory:":
        return None
    reader = sqlite3.connect(path, isolation_level=None)
    reader.row_factory = sqlite3.Row
    reader.execute("PRAGMA query_only = ON")
    reader.execute("PRAGMA busy_timeout = 0")  # never block the event loop: busy goes the other way
    return reader


def _processed_now(conn: sqlite3.Connection, update_id: int) -> bool:
    return conn.execute("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)).fetchone() is not None


def _learner_now(conn: sqlite3.Connection, learner_id: int) -> Learner | None:
    row = conn.execute("SELECT * FROM learners WHERE id = ?", (learner_id,)).fetchone()
    return None if row is None else _learner(row)


def _claim_now(conn: sqlite3.Connection, claim: Claim) -> bool:
    return conn.execute(_CLAIM_SQL, (claim.update_id, claim.chat_id, claim.kind, now())).rowcount == 1


OutboxRows = list[tuple[int, int, str, str]]


def _outbox_rows(claim: Claim, outbox: Sequence[Mapping[str, Any]]) -> OutboxRows | None:
    """Outbox rows for `_QUEUE_SQL` (JSON made before the thread hop); None: messages but no chat."""
    if not outbox:
        return []
    if claim.chat_id is None:
        return None
    stamp = now()
    return [(claim.update_id, claim.chat_id, _dumps(dict(item)), stamp) for item in outbox]


def _queue_now(conn: sqlite3.Connection, rows: OutboxRows | None) -> None:
    if rows is None:
        raise StorageError("outgoing messages need a chat id")
    if rows:
        conn.executemany(_QUEUE_SQL, rows)


def _number(summary: Mapping[str, Any] | None, key: str) -> float | None:
    value = None if summary is None else summary.get(key)
    return None if value is None else float(value)


def _learner(row: sqlite3.Row) -> Learner:
    return Learner(
        id=int(row["id"]),
        chat_id=int(row["chat_id"]),
        name=str(row["name"]),
        language=row["language"],
        feedback=str(row["feedback"]),
        consent_at=row["consent_at"],
        active=bool(row["active"]),
        created_at=str(row["created_at"]),
        updated_at=str(row["updated_at"]),
    )


def _session(row: sqlite3.Row) -> SessionInfo:
    return SessionInfo(
        id=int(row["id"]),
        learner_id=int(row["learner_id"]),
        scenario_id=str(row["scenario_id"]),
        language=str(row["language"]),
        seed=int(row["seed"]),
        status=str(row["status"]),
        outcome=row["outcome"],
        turns=int(row["turns"]),
        snapshot=json.loads(row["snapshot"]),
        summary=None if row["summary"] is None else json.loads(row["summary"]),
        started_at=str(row["started_at"]),
        updated_at=str(row["updated_at"]),
        ended_at=row["ended_at"],
    )


def _turn(row: sqlite3.Row) -> StoredTurn:
    return StoredTurn(
        session_id=int(row["session_id"]),
        turn=int(row["turn"]),
        update_id=None if row["update_id"] is None else int(row["update_id"]),
        record=json.loads(row["record"]),
        created_at=str(row["created_at"]),
    )


__all__ = ["SqliteStore"]
