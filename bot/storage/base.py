"""The storage interface: what the front ends keep about learners, sessions, turns and updates.

Every write that belongs to a Telegram update takes a `Claim` and happens in ONE transaction
together with claiming the update id (`INSERT … ON CONFLICT DO NOTHING`) and queueing the
update's outgoing messages (the outbox). When the id was already claimed, nothing is written and
the method returns False/None: a re-delivered update is never applied twice, and its answer is in
the outbox until it has been sent.

Backends: `SqliteStore` (aiosqlite, one process) and `MemoryStore` (tests). A PostgreSQL backend
for several webhook workers is an addition behind the same `SessionStore` protocol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

FEEDBACK_MODES: tuple[str, ...] = ("on", "off", "end")
"""Per-turn feedback after every reply, none, or only the summary at the end."""

SESSION_STATUSES: tuple[str, ...] = ("active", "ended", "stopped", "abandoned")
"""active: in progress; ended: the client reached a final state; stopped: /stop; abandoned:
replaced by a new scenario before it ended."""


class StorageError(Exception):
    """The store cannot do what was asked (a clear, one-line message)."""


class StaleSession(StorageError):
    """A write for a session that is no longer active or whose turn number does not fit."""


def now() -> str:
    """The current time as ISO 8601 UTC, seconds precision (what every timestamp column holds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Claim:
    """The Telegram update a write belongs to."""

    update_id: int
    chat_id: int | None
    kind: str = "message"
    """What the update was (`turn`, `command`, `callback`, …): for logs and exports."""


@dataclass(frozen=True, slots=True)
class Learner:
    """A Telegram user who practises (private chats only: chat id == user id)."""

    id: int
    chat_id: int
    name: str = ""
    language: str | None = None
    """Chosen language; None means the configured default."""
    feedback: str = "on"
    consent_at: str | None = None
    active: bool = True
    """False once the learner blocked the bot (Forbidden); True again when they write."""
    created_at: str = ""
    updated_at: str = ""

    @property
    def consented(self) -> bool:
        return self.consent_at is not None


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session to create: what `PracticeSession.begin` was called with and its first snapshot."""

    scenario_id: str
    language: str
    seed: int
    snapshot: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A stored practice session."""

    id: int
    learner_id: int
    scenario_id: str
    language: str
    seed: int
    status: str
    outcome: str | None
    turns: int
    snapshot: Mapping[str, Any]
    summary: Mapping[str, Any] | None
    """`Summary.to_json()` after the latest turn (None before the first)."""
    started_at: str
    updated_at: str
    ended_at: str | None = None

    @property
    def rq(self) -> float | None:
        value = (self.summary or {}).get("reflection_to_question")
        return None if value is None else float(value)

    @property
    def percent_complex(self) -> float | None:
        value = (self.summary or {}).get("percent_complex_reflections")
        return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class StoredTurn:
    """One stored learner turn; `record` is `TurnRecord.to_json()`."""

    session_id: int
    turn: int
    update_id: int | None
    record: Mapping[str, Any]
    created_at: str

    @property
    def reply(self) -> str:
        return str(self.record["text"])

    @property
    def primary_code(self) -> str:
        return str(self.record["coded"]["primary"])

    @property
    def client_line(self) -> str:
        return str(self.record["client"]["line"])


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A message to send for a claimed update, kept until it has been sent."""

    id: int
    update_id: int
    chat_id: int
    payload: Mapping[str, Any]
    created_at: str = ""


@dataclass(frozen=True, slots=True)
class LearnerData:
    """Everything stored about one learner (for /mydata)."""

    learner: Learner | None
    sessions: Sequence[SessionInfo] = ()
    turns: Mapping[int, Sequence[StoredTurn]] = field(default_factory=dict)


AUDIT_OUTCOMES: tuple[str, ...] = ("done", "refused", "failed")
"""done: the action was carried out; refused: the caller was not allowed; failed: it raised."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit log: who did (or tried) what, and how it went. Never a learner's text."""

    actor: str
    """The instructor's Telegram id (or the refused user's), or `retention` for the clean-up job."""
    action: str
    arguments: str = ""
    outcome: str = "done"
    at: str = ""
    id: int = 0


FORGOTTEN = "forgotten"
"""What the audit log says instead of a learner's id once the learner used /forget."""


def forget_in_audit(entry: AuditEntry, learner_id: int) -> AuditEntry:
    """The entry without the learner's id, as actor or as an argument (e.g. `/transcript <id> 1`):
    the instructor's action stays on record, whom it concerned does not."""
    who = str(learner_id)
    arguments = " ".join(FORGOTTEN if word == who else word for word in entry.arguments.split(" "))
    return replace(entry, actor=FORGOTTEN if entry.actor == who else entry.actor, arguments=arguments)


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    """What a retention clean-up deleted (or, in a dry run, would delete)."""

    sessions: int = 0
    turns: int = 0
    outbox: int = 0
    learners: tuple[int, ...] = ()
    """Learners whose sessions were deleted (their in-memory sessions must be dropped)."""


def turn_columns(record: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed columns of a turn row, taken from `TurnRecord.to_json()` (checked: KeyError if malformed)."""
    client = record["client"]
    coded = record["coded"]
    return {
        "turn": int(record["turn"]),
        "reply": str(record["text"]),
        "primary_code": str(coded["primary"]),
        "codes": " ".join(str(code) for code in coded["codes"]),
        "client_line": str(client["line"]),
        "talk": str(client["talk"]),
        "state_before": str(client["state_before"]),
        "state_after": str(client["state"]),
        "variables_before": dict(client["variables_before"]),
        "variables_after": dict(client["variables"]),
        "outcome": client.get("outcome"),
        "feedback": str(record["feedback"]["text"]),
    }


@runtime_checkable
class SessionStore(Protocol):
    """Where learners, sessions, turns, processed update ids and the outbox are kept."""

    async def open(self) -> None:
        """Connect and bring the schema up to date (idempotent)."""

    async def close(self) -> None: ...

    # ---------------------------------------------------------------- reads

    async def learner(self, learner_id: int) -> Learner | None: ...

    async def learners(self) -> list[Learner]: ...

    async def session(self, session_id: int) -> SessionInfo | None: ...

    async def active_session(self, learner_id: int) -> SessionInfo | None: ...

    async def sessions(self, learner_id: int | None = None) -> list[SessionInfo]:
        """Sessions of one learner (or all), oldest first."""

    async def turns(self, session_id: int) -> list[StoredTurn]:
        """The turns of a session in order."""

    async def learner_data(self, learner_id: int) -> LearnerData: ...

    async def is_processed(self, update_id: int) -> bool: ...

    async def arrival(self, update_id: int, learner_id: int | None) -> tuple[bool, Learner | None]:
        """`is_processed(update_id)` and `learner(learner_id)` together (one round trip per update)."""
        ...

    async def outbox(self, chat_id: int | None = None, update_id: int | None = None) -> list[OutboxItem]:
        """Messages not yet sent, oldest first."""

    # ---------------------------------------------------------------- writes

    async def outbox_sent(self, item_id: int) -> None:
        """The message was delivered: drop it from the outbox."""

    async def outbox_sent_many(self, item_ids: Sequence[int]) -> None:
        """Several messages were delivered: drop them all from the outbox in one write."""

    async def claim(self, claim: Claim, outbox: Sequence[Mapping[str, Any]] = ()) -> bool:
        """Claim an update that changes nothing else; False when it was already claimed."""

    async def save_learner(
        self, learner: Learner, claim: Claim | None = None, outbox: Sequence[Mapping[str, Any]] = ()
    ) -> bool:
        """Insert or update a learner (settings, consent, active flag)."""

    async def start_session(
        self, claim: Claim, learner: Learner, new: NewSession, outbox: Sequence[Mapping[str, Any]] = ()
    ) -> int | None:
        """Save the learner, mark their active session abandoned, create the new one; its id, or None
        when the update was already claimed."""

    async def record_turn(
        self,
        claim: Claim,
        session_id: int,
        record: Mapping[str, Any],
        snapshot: Mapping[str, Any],
        summary: Mapping[str, Any] | None,
        outbox: Sequence[Mapping[str, Any]] = (),
    ) -> bool:
        """Store a turn (`TurnRecord.to_json()`) and the session's new snapshot and summary; the
        session becomes `ended` when the turn has an outcome. Raises StaleSession when the session
        is not active or the turn number is not the next one."""

    async def end_session(
        self,
        claim: Claim,
        session_id: int,
        status: str,
        summary: Mapping[str, Any] | None,
        outbox: Sequence[Mapping[str, Any]] = (),
    ) -> bool: ...

    async def forget_learner(self, claim: Claim, learner_id: int, outbox: Sequence[Mapping[str, Any]] = ()) -> bool:
        """Delete the learner, their sessions, turns and queued messages; unlink their update ids."""

    async def set_active(self, learner_id: int, active: bool) -> None: ...

    async def prune_updates(self, older_than: str) -> int:
        """Forget processed update ids claimed before `older_than` (ISO time); how many."""

    async def purge_transcripts(self, older_than: str, dry_run: bool = False) -> PurgeCounts:
        """Delete sessions (and their turns) last touched before `older_than` (ISO time), and queued
        messages created before it; with `dry_run`, only count them."""

    async def write_audit(self, entry: AuditEntry) -> None:
        """Append to the audit log (`entry.at` defaults to now)."""

    async def audit_entries(self, limit: int = 50) -> list[AuditEntry]:
        """The latest audit rows, newest first."""

    async def secret(self, name: str) -> bytes:
        """A random 32-byte secret kept in the store, created on first use (same value ever after)."""

    async def scenario_uploader(self, scenario_id: str) -> int | None:
        """Who installed this scenario id by an upload; None when it was not uploaded."""

    async def record_scenario_upload(self, scenario_id: str, instructor_id: int) -> None: ...


__all__ = [
    "AUDIT_OUTCOMES",
    "FEEDBACK_MODES",
    "SESSION_STATUSES",
    "AuditEntry",
    "Claim",
    "Learner",
    "LearnerData",
    "NewSession",
    "OutboxItem",
    "PurgeCounts",
    "SessionInfo",
    "SessionStore",
    "StaleSession",
    "StorageError",
    "StoredTurn",
    "now",
    "turn_columns",
]
