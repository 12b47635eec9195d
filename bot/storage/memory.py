"""`MemoryStore`: the `SessionStore` in dictionaries, for tests and the no-database demo.

Same semantics as `SqliteStore` (claims, outbox, stale-session checks, cascades); each method is
atomic because it never awaits in the middle, and it validates before it changes anything.
"""

from __future__ import annotations

import copy
import itertools
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

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


class MemoryStore:
    """Everything in memory; lost when the process ends."""

    def __init__(self) -> None:
        self._learners: dict[int, Learner] = {}
        self._sessions: dict[int, SessionInfo] = {}
        self._turns: dict[int, list[StoredTurn]] = {}
        self._claims: dict[int, tuple[int | None, str, str]] = {}
        self._outbox: dict[int, OutboxItem] = {}
        self._session_ids = itertools.count(1)
        self._outbox_ids = itertools.count(1)
        self._audit: list[AuditEntry] = []
        self._secrets: dict[str, bytes] = {}
        self._uploads: dict[str, int] = {}
        self.opened = False

    async def open(self) -> None:
        self.opened = True

    async def close(self) -> None:
        self.opened = False

    # ---------------------------------------------------------------- helpers

    def _claim(self, claim: Claim) -> bool:
        if claim.update_id in self._claims:
            return False
        self._claims[claim.update_id] = (claim.chat_id, claim.kind, now())
        return True

    def _queue(self, claim: Claim, outbox: Sequence[Mapping[str, Any]]) -> None:
        if outbox and claim.chat_id is None:
            raise StorageError("outgoing messages need a chat id")
        stamp = now()
        for payload in outbox:
            item_id = next(self._outbox_ids)
            self._outbox[item_id] = OutboxItem(item_id, claim.update_id, int(claim.chat_id or 0),
                                               copy.deepcopy(dict(payload)), stamp)

    def _upsert(self, learner: Learner) -> None:
        stamp = now()
        old = self._learners.get(learner.id)
        created = old.created_at if old is not None else (learner.created_at or stamp)
        self._learners[learner.id] = replace(learner, created_at=created, updated_at=stamp)

    # ---------------------------------------------------------------- reads

    async def learner(self, learner_id: int) -> Learner | None:
        return self._learners.get(learner_id)

    async def learners(self) -> list[Learner]:
        return [self._learners[key] for key in sorted(self._learners)]

    async def session(self, session_id: int) -> SessionInfo | None:
        return self._sessions.get(session_id)

    async def active_session(self, learner_id: int) -> SessionInfo | None:
        return next(
            (s for s in self._sessions.values() if s.learner_id == learner_id and s.status == "active"), None
        )

    async def sessions(self, learner_id: int | None = None) -> list[SessionInfo]:
        return [s for _, s in sorted(self._sessions.items()) if learner_id is None or s.learner_id == learner_id]

    async def turns(self, session_id: int) -> list[StoredTurn]:
        return list(self._turns.get(session_id, []))

    async def learner_data(self, learner_id: int) -> LearnerData:
        sessions = await self.sessions(learner_id)
        return LearnerData(self._learners.get(learner_id), sessions, {s.id: await self.turns(s.id) for s in sessions})

    async def is_processed(self, update_id: int) -> bool:
        return update_id in self._claims

    async def arrival(self, update_id: int, learner_id: int | None) -> tuple[bool, Learner | None]:
        return update_id in self._claims, None if learner_id is None else self._learners.get(learner_id)

    async def outbox(self, chat_id: int | None = None, update_id: int | None = None) -> list[OutboxItem]:
        return [
            item
            for _, item in sorted(self._outbox.items())
            if (chat_id is None or item.chat_id == chat_id) and (update_id is None or item.update_id == update_id)
        ]

    # ---------------------------------------------------------------- writes

    async def outbox_sent(self, item_id: int) -> None:
        self._outbox.pop(item_id, None)

    async def outbox_sent_many(self, item_ids: Sequence[int]) -> None:
        for item_id in item_ids:
            self._outbox.pop(item_id, None)

    async def claim(self, claim: Claim, outbox: Sequence[Mapping[str, Any]] = ()) -> bool:
        if claim.update_id in self._claims:
            return False
        if outbox and claim.chat_id is None:
            raise StorageError("outgoing messages need a chat id")
        self._claim(claim)
        self._queue(claim, outbox)
        return True

    async def save_learner(
        self, learner: Learner, claim: Claim | None = None, outbox: Sequence[Mapping[str, Any]] = ()
    ) -> bool:
        if claim is not None:
            if claim.update_id in self._claims:
                return False
            self._claim(claim)
            self._queue(claim, outbox)
        self._upsert(learner)
        return True

    async def start_session(
        self, claim: Claim, learner: Learner, new: NewSession, outbox: Sequence[Mapping[str, Any]] = ()
    ) -> int | None:
        if claim.update_id in self._claims:
            return None
        self._claim(claim)
        self._upsert(learner)
        stamp = now()
        for sid, old in list(self._sessions.items()):
            if old.learner_id == learner.id and old.status == "active":
                self._sessions[sid] = replace(old, status="abandoned", ended_at=stamp, updated_at=stamp)
        session_id = next(self._session_ids)
        self._sessions[session_id] = SessionInfo(
            id=session_id, learner_id=learner.id, scenario_id=new.scenario_id, language=new.language, seed=new.seed,
            status="active", outcome=None, turns=0, snapshot=copy.deepcopy(dict(new.snapshot)), summary=None,
            started_at=stamp, updated_at=stamp,
        )
        self._turns[session_id] = []
        self._queue(claim, outbox)
        return session_id

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
        if claim.update_id in self._claims:
            return False
        session = self._sessions.get(session_id)
        if session is None or session.status != "active":
            raise StaleSession(f"session {session_id} is not active")
        if columns["turn"] != session.turns + 1:
            raise StaleSession(f"session {session_id}: turn {columns['turn']} does not follow {session.turns}")
        self._claim(claim)
        stamp = now()
        self._turns[session_id].append(
            StoredTurn(session_id, columns["turn"], claim.update_id, copy.deepcopy(dict(record)), stamp)
        )
        ended = columns["outcome"] is not None
        self._sessions[session_id] = replace(
            session, turns=columns["turn"], snapshot=copy.deepcopy(dict(snapshot)),
            summary=None if summary is None else copy.deepcopy(dict(summary)), outcome=columns["outcome"],
            status="ended" if ended else "active", updated_at=stamp, ended_at=stamp if ended else None,
        )
        self._queue(claim, outbox)
        return True

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
        if claim.update_id in self._claims:
            return False
        self._claim(claim)
        session = self._sessions.get(session_id)
        if session is not None and session.status == "active":
            stamp = now()
            self._sessions[session_id] = replace(
                session, status=status, summary=session.summary if summary is None else copy.deepcopy(dict(summary)),
                ended_at=stamp, updated_at=stamp,
            )
        self._queue(claim, outbox)
        return True

    async def forget_learner(self, claim: Claim, learner_id: int, outbox: Sequence[Mapping[str, Any]] = ()) -> bool:
        if claim.update_id in self._claims:
            return False
        self._claim(claim)
        learner = self._learners.pop(learner_id, None)
        chats = {learner_id} | ({learner.chat_id} if learner is not None else set())
        for sid in [sid for sid, s in self._sessions.items() if s.learner_id == learner_id]:
            del self._sessions[sid]
            self._turns.pop(sid, None)
        for item_id in [i for i, item in self._outbox.items() if item.chat_id in chats]:
            del self._outbox[item_id]
        for update_id, (chat, kind, stamp) in list(self._claims.items()):
            if chat in chats:
                self._claims[update_id] = (None, kind, stamp)
        self._audit = [forget_in_audit(entry, learner_id) for entry in self._audit]
        self._queue(claim, outbox)
        return True

    async def set_active(self, learner_id: int, active: bool) -> None:
        learner = self._learners.get(learner_id)
        if learner is not None:
            self._learners[learner_id] = replace(learner, active=active, updated_at=now())

    async def prune_updates(self, older_than: str) -> int:
        waiting = {item.update_id for item in self._outbox.values()}
        old = [uid for uid, (_, _, stamp) in self._claims.items() if stamp < older_than and uid not in waiting]
        for uid in old:
            del self._claims[uid]
        return len(old)

    async def purge_transcripts(self, older_than: str, dry_run: bool = False) -> PurgeCounts:
        old = [sid for sid, info in self._sessions.items() if info.updated_at < older_than]
        old_updates = {turn.update_id for sid in old for turn in self._turns.get(sid, [])}
        outbox = [i for i, item in self._outbox.items()
                  if item.created_at < older_than or item.update_id in old_updates]
        counts = PurgeCounts(len(old), sum(len(self._turns.get(sid, [])) for sid in old), len(outbox),
                             tuple(sorted({self._sessions[sid].learner_id for sid in old})))
        if not dry_run:
            for sid in old:
                del self._sessions[sid]
                self._turns.pop(sid, None)
            for item_id in outbox:
                del self._outbox[item_id]
        return counts

    async def write_audit(self, entry: AuditEntry) -> None:
        if entry.outcome not in AUDIT_OUTCOMES:
            raise ValueError(f"unknown audit outcome {entry.outcome!r}")
        self._audit.append(replace(entry, at=entry.at or now(), id=len(self._audit) + 1))

    async def audit_entries(self, limit: int = 50) -> list[AuditEntry]:
        return list(reversed(self._audit))[: max(0, limit)]

    async def secret(self, name: str) -> bytes:
        return self._secrets.setdefault(name, secrets.token_bytes(32))

    async def scenario_uploader(self, scenario_id: str) -> int | None:
        return self._uploads.get(scenario_id)

    async def record_scenario_upload(self, scenario_id: str, instructor_id: int) -> None:
        self._uploads[scenario_id] = instructor_id


__all__ = ["MemoryStore"]
