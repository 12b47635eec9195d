"""The SQLite schema as named, ordered migrations. Append new ones; never edit an applied one.

Each migration runs in one transaction together with recording its name in `schema_migrations`,
so a crash mid-migration leaves the database at the previous version.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_learners_sessions_turns",
        (
            """
            CREATE TABLE learners (
                id          INTEGER PRIMARY KEY,          -- Telegram user id
                chat_id     INTEGER NOT NULL,
                name        TEXT NOT NULL DEFAULT '',     -- first name, for the instructor's /class
                language    TEXT,                         -- NULL: the configured default
                feedback    TEXT NOT NULL DEFAULT 'on' CHECK (feedback IN ('on', 'off', 'end')),
                consent_at  TEXT,
                active      INTEGER NOT NULL DEFAULT 1,   -- 0 after the learner blocked the bot
                created_at  TEXT NOT NULL,
                updated_at  TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE sessions (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                learner_id  INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
                scenario_id TEXT NOT NULL,
                language    TEXT NOT NULL,
                seed        INTEGER NOT NULL,
                status      TEXT NOT NULL CHECK (status IN ('active', 'ended', 'stopped', 'abandoned')),
                outcome     TEXT,
                turns       INTEGER NOT NULL DEFAULT 0,
                snapshot    TEXT NOT NULL,                -- PracticeSession.snapshot(), JSON
                summary     TEXT,                         -- Summary.to_json() after the latest turn
                rq          REAL,                         -- reflection-to-question ratio (for /class)
                pct_cr      REAL,                         -- % complex reflections (for /class)
                started_at  TEXT NOT NULL,
                updated_at  TEXT NOT NULL,
                ended_at    TEXT
            )
            """,
            "CREATE UNIQUE INDEX sessions_one_active ON sessions(learner_id) WHERE status = 'active'",
            "CREATE INDEX sessions_by_learner ON sessions(learner_id, id)",
            """
            CREATE TABLE turns (
                id               INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id       INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                turn             INTEGER NOT NULL,
                update_id        INTEGER,
                reply            TEXT NOT NULL,
                primary_code     TEXT NOT NULL,
                codes            TEXT NOT NULL,           -- every code, space separated, primary first
                client_line      TEXT NOT NULL,
                talk             TEXT NOT NULL,
                state_before     TEXT NOT NULL,
                state_after      TEXT NOT NULL,
                variables_before TEXT NOT NULL,           -- JSON
                variables_after  TEXT NOT NULL,           -- JSON
                outcome          TEXT,
                feedback         TEXT NOT NULL,
                record           TEXT NOT NULL,           -- TurnRecord.to_json(), what restore() reads
                created_at       TEXT NOT NULL,
                UNIQUE (session_id, turn)
            )
            """,
            "CREATE INDEX turns_by_update ON turns(update_id)",
        ),
    ),
    Migration(
        "0002_processed_updates_outbox",
        (
            """
            CREATE TABLE processed_updates (
                update_id    INTEGER PRIMARY KEY,
                chat_id      INTEGER,                     -- NULL after the learner was forgotten
                kind         TEXT NOT NULL,
                processed_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX processed_updates_by_time ON processed_updates(processed_at)",
            """
            CREATE TABLE outbox (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                update_id  INTEGER NOT NULL,
                chat_id    INTEGER NOT NULL,
                payload    TEXT NOT NULL,                 -- JSON: text, keyboard, kind
                created_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX outbox_by_chat ON outbox(chat_id, id)",
            "CREATE INDEX outbox_by_update ON outbox(update_id, id)",
        ),
    ),
    Migration(
        "0003_audit_log_secrets_uploads",
        (
            """
            CREATE TABLE audit_log (
                id        INTEGER PRIMARY KEY AUTOINCREMENT,
                at        TEXT NOT NULL,
                actor     TEXT NOT NULL,                  -- instructor's (or refused user's) id, or 'retention'
                action    TEXT NOT NULL,                  -- export, transcript, upload, purge, ...
                arguments TEXT NOT NULL DEFAULT '',       -- never a learner's text
                outcome   TEXT NOT NULL CHECK (outcome IN ('done', 'refused', 'failed'))
            )
            """,
            """
            CREATE TABLE secrets (
                name       TEXT PRIMARY KEY,              -- e.g. the key of the export pseudonyms
                value      BLOB NOT NULL,
                created_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE scenario_uploads (
                scenario_id   TEXT PRIMARY KEY,           -- installed by an instructor's upload
                instructor_id INTEGER NOT NULL,
                uploaded_at   TEXT NOT NULL
            )
            """,
            "CREATE INDEX sessions_by_age ON sessions(updated_at)",
        ),
    ),
)

__all__ = ["MIGRATIONS", "Migration"]
