"""Storage adapters: learners, sessions, turns, processed update ids and the outbox.

`SessionStore` is the interface; `SqliteStore` (aiosqlite, WAL, migrations) and `MemoryStore`
implement it. See `bot/storage/base.py` for the transaction rules.
"""

from bot.storage.base import (
    AUDIT_OUTCOMES,
    FEEDBACK_MODES,
    SESSION_STATUSES,
    AuditEntry,
    Claim,
    Learner,
    LearnerData,
    NewSession,
    OutboxItem,
    PurgeCounts,
    SessionInfo,
    SessionStore,
    StaleSession,
    StorageError,
    StoredTurn,
    now,
)
from bot.storage.memory import MemoryStore
from bot.storage.sqlite import SqliteStore

__all__ = [
    "AUDIT_OUTCOMES",
    "FEEDBACK_MODES",
    "SESSION_STATUSES",
    "AuditEntry",
    "Claim",
    "Learner",
    "LearnerData",
    "MemoryStore",
    "NewSession",
    "OutboxItem",
    "PurgeCounts",
    "SessionInfo",
    "SessionStore",
    "SqliteStore",
    "StaleSession",
    "StorageError",
    "StoredTurn",
    "now",
]
