"""Storage adapters: learners, sessions, turns, processed update ids and the outbox.

`SessionStore` is the interface; `SqliteStore` (aiosqlite, WAL, migrations) and `MemoryStore`
implement it. See `bot/storage/base.py` for the transaction rules.
"""

from bot.storage.base import (
    FEEDBACK_MODES,
    SESSION_STATUSES,
    Claim,
    Learner,
    LearnerData,
    NewSession,
    OutboxItem,
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
    "FEEDBACK_MODES",
    "SESSION_STATUSES",
    "Claim",
    "Learner",
    "LearnerData",
    "MemoryStore",
    "NewSession",
    "OutboxItem",
    "SessionInfo",
    "SessionStore",
    "SqliteStore",
    "StaleSession",
    "StorageError",
    "StoredTurn",
    "now",
]
