"""The in-process parts of the benchmark: `core` (a full PracticeSession turn in memory) and
`stored` (the same turn persisted through the real `SqliteStore`: one transaction per turn, WAL).

Both interleave the learners round-robin, so `learners` conversations are live on the scenario
machines at once (that is what exercises the shared-Machine add/remove path), and time one turn
at a time: the numbers are per-turn latency on an otherwise idle process, not queueing.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.benchmark.replies import pick
from bot.benchmark.stats import latency_ms
from bot.coach import Coach
from bot.coder import Coder
from bot.practice import PracticeSession, TurnResult
from bot.storage import Claim, Learner, NewSession, SqliteStore
from state_machines.library import ScenarioLibrary


@dataclass
class _Learner:
    index: int
    scenario_id: str
    lang: str
    rng: random.Random
    session: PracticeSession
    session_id: int = 0
    sessions: int = 1
    turns: int = 0


@dataclass
class PhaseResult:
    """What one in-process phase measured."""

    name: str
    learners: int
    replies: int
    latencies: list[float] = field(default_factory=list)
    store_latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    sessions: int = 0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        turns = len(self.latencies)
        data: dict[str, Any] = {
            "learners": self.learners,
            "replies_per_learner": self.replies,
            "turns": turns,
            "expected_turns": self.learners * self.replies,
            "lost_turns": self.learners * self.replies - turns,
            "sessions": self.sessions,
            "errors": len(self.errors),
            "error_samples": self.errors[:5],
            "wall_s": round(self.wall, 4),
            "turns_per_s": round(turns / self.wall, 1) if self.wall > 0 else 0.0,
            "cpu_s": round(self.cpu, 4),
            "cpu_ms_per_turn": round(self.cpu / turns * 1000, 4) if turns else 0.0,
            "latency": latency_ms(self.latencies),
        }
        if self.store_latencies:
            data["store_latency"] = latency_ms(self.store_latencies)
        return data


def scenario_plan(library: ScenarioLibrary, learners: int) -> list[tuple[str, str]]:
    """(scenario id, language) per learner: the shipped scenarios round-robin."""
    scenarios = library.scenarios()
    return [(scenarios[i % len(scenarios)].id, scenarios[i % len(scenarios)].language) for i in range(learners)]


def _begin(library: ScenarioLibrary, coder: Coder, coach: Coach, learners: int, seed: int) -> list[_Learner]:
    people = []
    for index, (scenario_id, lang) in enumerate(scenario_plan(library, learners)):
        session = PracticeSession.begin(library, scenario_id, seed + index, coder, coach)
        people.append(_Learner(index, scenario_id, lang, random.Random(seed * 7919 + index), session))
    return people


def _turn(person: _Learner, library: ScenarioLibrary, coder: Coder, coach: Coach, seed: int) -> tuple[str, bool]:
    """The next reply text; starts a new session first when the last one has ended."""
    renewed = False
    if person.session.ended:
        person.session.close()
        person.session = PracticeSession.begin(library, person.scenario_id, seed + person.sessions, coder, coach)
        person.sessions += 1
        renewed = True
    return pick(person.lang, person.rng), renewed


def run_core(library: ScenarioLibrary, learners: int, replies: int, seed: int = 1,
             coder: Coder | None = None, coach: Coach | None = None) -> PhaseResult:
    """Every learner sends `replies` replies, round-robin; each `PracticeSession.reply` is timed."""
    coder = coder or Coder()
    coach = coach or Coach()
    result = PhaseResult("core", learners, replies)
    people = _begin(library, coder, coach, learners, seed)
    clock = time.perf_counter
    cpu0, wall0 = time.process_time(), clock()
    for _ in range(replies):
        for person in people:
            text, _ = _turn(person, library, coder, coach, seed)
            try:
                start = clock()
                person.session.reply(text)
                result.latencies.append(clock() - start)
                person.turns += 1
            except Exception as error:  # counted, reported; the run goes on
                result.errors.append(f"learner {person.index}: {type(error).__name__}: {error}")
    result.wall, result.cpu = clock() - wall0, time.process_time() - cpu0
    result.sessions = sum(p.sessions for p in people)
    for person in people:
        person.session.close()
    return result


def turn_outbox(result: TurnResult, feedback: bool = True) -> list[dict[str, Any]]:
    """The messages a turn queues: the client's line, then the feedback (and the summary at the end)."""
    record = result.record
    messages = [{"text": record.client.line.text, "kind": "client"}]
    if feedback:
        messages.append({"text": record.feedback.text, "kind": "feedback"})
    if result.summary is not None:
        messages.append({"text": result.summary.text, "kind": "summary"})
    return messages


async def run_stored(library: ScenarioLibrary, learners: int, replies: int, seed: int = 1,
                     path: Path | None = None, coder: Coder | None = None, coach: Coach | None = None) -> PhaseResult:
    """`run_core` plus persistence: each turn is one `record_turn` transaction in a WAL SQLite file."""
    coder = coder or Coder()
    coach = coach or Coach()
    result = PhaseResult("stored", learners, replies)
    with tempfile.TemporaryDirectory(prefix="mi-bench-") as folder:
        store = SqliteStore(path or Path(folder) / "bench.sqlite3")
        await store.open()
        try:
            await _stored(store, library, coder, coach, result, seed)
        finally:
            await store.close()
    return result


async def _stored(store: SqliteStore, library: ScenarioLibrary, coder: Coder, coach: Coach,
                  result: PhaseResult, seed: int) -> None:
    update_ids = iter(range(1, 1 << 62))
    people = _begin(library, coder, coach, result.learners, seed)

    async def start(person: _Learner) -> None:
        chat = 10_000 + person.index
        learner = Learner(id=chat, chat_id=chat, name=f"Learner {person.index}", language=person.lang)
        session = person.session
        new = NewSession(person.scenario_id, person.lang, seed + person.index, session.snapshot())
        opening = [{"text": session.opening.line.text, "kind": "client"}]
        session_id = await store.start_session(Claim(next(update_ids), chat, "command"), learner, new, opening)
        if session_id is None:
            raise RuntimeError("start_session: update already claimed")
        person.session_id = session_id

    for person in people:
        await start(person)
    clock = time.perf_counter
    cpu0, wall0 = time.process_time(), clock()
    for _ in range(result.replies):
        for person in people:
            text, renewed = _turn(person, library, coder, coach, seed)
            try:
                if renewed:
                    await start(person)
                begin = clock()
                turn = person.session.reply(text)
                summary = turn.summary or person.session.summary()
                stored = clock()
                ok = await store.record_turn(
                    Claim(next(update_ids), 10_000 + person.index, "turn"), person.session_id,
                    turn.record.to_json(), person.session.snapshot(), summary.to_json(text=turn.ended),
                    turn_outbox(turn),
                )
                end = clock()
                if not ok:
                    raise RuntimeError("record_turn: update already claimed")
                result.latencies.append(end - begin)
                result.store_latencies.append(end - stored)
                person.turns += 1
            except Exception as error:
                result.errors.append(f"learner {person.index}: {type(error).__name__}: {error}")
    result.wall, result.cpu = clock() - wall0, time.process_time() - cpu0
    result.sessions = sum(p.sessions for p in people)
    for person in people:
        person.session.close()


def timed(action: Callable[[], object], repeat: int = 1) -> float:
    """The best wall time of `repeat` calls (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def run_stored_sync(library: ScenarioLibrary, learners: int, replies: int, seed: int = 1) -> PhaseResult:
    return asyncio.run(run_stored(library, learners, replies, seed))


__all__: Sequence[str] = ["PhaseResult", "run_core", "run_stored", "run_stored_sync", "scenario_plan", "turn_outbox"]
