"""The Telegram front end's state: the scenario library, the store, live practice sessions.

`Trainer` is shared by the learner handlers (`handlers.py`) and the instructor commands
(`instructor.py`). Practice sessions are kept in memory between turns (an LRU cache) and restored
from the store when missing, so a restart continues every conversation where it was; the cache
entry records the library generation, so after /reload a session is restored against the new
library on its next turn (by its own chat's handler, never behind its back).

Every update that changes something is written in ONE store transaction with the claim of its
update id and its outgoing messages; `say()` is that transaction for updates that only answer.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update

from bot.coach import Coach
from bot.coder import Coder
from bot.config import Config
from bot.practice import PracticeSession, TurnRecord
from bot.storage import Claim, Learner, PurgeCounts, SessionInfo, SessionStore
from bot.telegram.delivery import Delivery, message
from bot.telegram.ordering import ChatLocks, Settlement, chat_key
from bot.telegram.text import Texts
from state_machines.library import ScenarioLibrary, UnknownScenario
from state_machines.loader import Problem
from state_machines.model import Scenario
from state_machines.simulator import SnapshotError

_LOG = logging.getLogger("bot.telegram")

CACHE_SIZE = 2000
"""Live practice sessions kept in memory; the least recently used are closed beyond this."""


@dataclass
class Live:
    """A practice session in memory, with the id of its stored session."""

    session_id: int
    generation: int
    practice: PracticeSession


@dataclass(frozen=True)
class Lost:
    """A stored active session that cannot be restored (its scenario was removed or changed)."""

    info: SessionInfo
    reason: str


@dataclass(frozen=True)
class ReloadReport:
    ids: tuple[str, ...]
    problems: tuple[Problem, ...]
    kept: tuple[str, ...]
    """Scenarios whose file is broken now: their previous version stays loaded."""
    replaced: bool
    """False when nothing valid was found and the old library was kept as a whole."""


class Trainer:
    """Everything the handlers share."""

    def __init__(
        self,
        config: Config,
        store: SessionStore,
        library: ScenarioLibrary,
        coder: Coder | None = None,
        coach: Coach | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.library = library
        self.generation = 0
        self.coder = coder or Coder()
        self.coach = coach or Coach()
        self.locks = ChatLocks()
        self.settlement = Settlement()
        self._delivery: Delivery | None = None
        self._live: OrderedDict[int, Live] = OrderedDict()
        self._arrived: dict[int, Learner | None] = {}
        """update id → the learner read with its arrival, for the handler's first `learner(update)`."""
        self._reload_lock = asyncio.Lock()

    @property
    def delivery(self) -> Delivery:
        if self._delivery is None:
            raise RuntimeError("the trainer is not attached to a bot yet")
        return self._delivery

    def attach(self, delivery: Delivery) -> None:
        self._delivery = delivery

    # ---------------------------------------------------------------- texts and learners

    def texts(self, learner: Learner | None) -> Texts:
        if learner is not None and learner.language:
            return Texts(learner.language)
        return Texts(self.config.default_language)

    @staticmethod
    def claim(update: Update, kind: str) -> Claim:
        return Claim(update.update_id, chat_key(update), kind)

    async def arrive(self, update: Update) -> bool:
        """True when `update` was handled before. Reads the learner in the same round trip; the
        handler's first `learner(update)` gets that (the chat's updates run one at a time, so it is
        still what the store holds), later ones read again."""
        user = update.effective_user
        processed, learner = await self.store.arrival(update.update_id, None if user is None else user.id)
        if user is not None and not processed:
            self._arrived[update.update_id] = learner
        return processed

    def departed(self, update: Update) -> None:
        self._arrived.pop(update.update_id, None)

    async def learner(self, update: Update) -> Learner | None:
        user = update.effective_user
        if user is None:
            return None
        if update.update_id in self._arrived:
            return self._arrived.pop(update.update_id)
        return await self.store.learner(user.id)

    def new_learner(self, update: Update, **changes: Any) -> Learner:
        user = update.effective_user
        chat = update.effective_chat
        assert user is not None
        values: dict[str, Any] = {
            "id": user.id, "chat_id": chat.id if chat is not None else user.id, "name": "",
            "language": None, "feedback": "on", "consent_at": None, "active": True,
        }
        values.update(changes)
        return Learner(**values)

    async def say(self, update: Update, payloads: Sequence[Mapping[str, Any]], kind: str = "command") -> bool:
        """Answer an update that changes nothing else: claim it and queue the answer in one go."""
        claimed = await self.store.claim(self.claim(update, kind), payloads)
        self.flush(update)
        return claimed

    def flush(self, update: Update) -> None:
        chat = chat_key(update)
        if chat is not None:
            self.delivery.flush(chat)

    # ---------------------------------------------------------------- live sessions

    def remember(self, learner_id: int, session_id: int, practice: PracticeSession) -> None:
        self.drop(learner_id)
        self._live[learner_id] = Live(session_id, self.generation, practice)
        while len(self._live) > CACHE_SIZE:
            _, oldest = self._live.popitem(last=False)
            oldest.practice.close()

    def drop(self, learner_id: int) -> None:
        """Forget the in-memory session (its next use restores it from the store)."""
        live = self._live.pop(learner_id, None)
        if live is not None:
            live.practice.close()

    async def forget_sessions(self, counts: PurgeCounts) -> None:
        """After a retention clean-up: drop the in-memory sessions of the learners it touched (each
        under its chat's lock, so never in the middle of a turn)."""
        for learner_id in counts.learners:
            async with self.locks.hold(learner_id):
                self.drop(learner_id)

    def live_count(self) -> int:
        return len(self._live)

    async def practice(self, learner_id: int) -> Live | Lost | None:
        """The learner's active session: from memory, else restored from the store."""
        live = self._live.get(learner_id)
        if live is not None and live.generation == self.generation:
            self._live.move_to_end(learner_id)
            return live
        self.drop(learner_id)
        info = await self.store.active_session(learner_id)
        if info is None:
            return None
        turns = await self.store.turns(info.id)
        try:
            scenario = self.library.get(info.scenario_id)
            history = [TurnRecord.from_json(turn.record, scenario) for turn in turns]
            practice = PracticeSession.restore(info.snapshot, history, self.library, self.coder, self.coach)
        except UnknownScenario:
            return Lost(info, f"scenario {info.scenario_id!r} is no longer loaded")
        except (SnapshotError, KeyError, ValueError, TypeError) as error:
            _LOG.warning("session %s cannot be restored: %s", info.id, error)
            return Lost(info, str(error))
        if practice.turn != info.turns:
            _LOG.warning("session %s: snapshot at turn %s but %s turns stored", info.id, practice.turn, info.turns)
        self.remember(learner_id, info.id, practice)
        return self._live[learner_id]

    def seed(self) -> int:
        return secrets.randbelow(2**31)

    def scenario(self, scenario_id: str) -> Scenario | None:
        try:
            return self.library.get(scenario_id)
        except UnknownScenario:
            return None

    def scenarios_for(self, language: str) -> list[Scenario]:
        """All scenarios, those in `language` first."""
        own = self.library.scenarios(language)
        return own + [s for s in self.library.scenarios() if s.language != language]

    # ---------------------------------------------------------------- the library

    async def reload(self) -> ReloadReport:
        """Re-read `dialogues.path`. Broken files are reported and left out; a scenario whose file
        broke keeps its previous version; if nothing valid is found, the old library stays."""
        async with self._reload_lock:
            path = self.config.dialogues_path
            library, problems = await asyncio.to_thread(ScenarioLibrary.load, path)
            errors = [p for p in problems if p.severity == "error"]
            if not len(library):
                return ReloadReport(tuple(self.library.ids()), tuple(problems), (), replaced=False)
            broken = {_resolved(p.path) for p in errors}
            kept = {
                s.id: s for s in self.library
                if s.id not in library and s.source and _resolved(s.source) in broken
            }
            if kept:
                library = ScenarioLibrary({**{s.id: s for s in library}, **kept})
            self.library = library
            self.generation += 1
            return ReloadReport(tuple(library.ids()), tuple(problems), tuple(sorted(kept)), replaced=True)

    def is_instructor(self, update: Update) -> bool:
        user = update.effective_user
        return self.config.is_instructor(None if user is None else user.id)

    def message(self, text: str, keyboard: Any = None, kind: str = "info") -> dict[str, Any]:
        return message(text, keyboard, kind)


def _resolved(path: str) -> Path:
    try:
        return Path(path).resolve()
    except OSError:
        return Path(path)


__all__ = ["Live", "Lost", "ReloadReport", "Trainer"]
