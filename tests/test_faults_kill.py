"""Fault test: `mi-trainer run` SIGKILLed at random points under a scripted load of five learners.

The real bot runs as a subprocess against the fake Bot API (`tests/fake_bot_api.py`), on one SQLite
file that survives every kill. Five learners each do /start, consent, pick a scenario and send
practice replies, each waiting for the client's answer before the next reply (as people do). The
bot is killed at least 20 times at seeded random moments (during start-up, migrations, the outbox
flush, turns in flight) and restarted on the same database. Afterwards, reading the database and
the fake server's record:

- every update is acknowledged (getUpdates confirmed past it) and claimed exactly once; every
  reply is stored as exactly one turn, turn numbers 1..n in the order the learner sent them;
- no conversation is stuck: each learner gets one more answer from the last process;
- the outbox guarantee (`bot/telegram/delivery.py`): every stored answer reaches the learner at
  least once and in commit order; a message arrives again only when its outbox row was still there
  at a kill after it had been delivered (sent, then killed before the row was deleted), i.e. the
  next process re-sent it. Within one process nothing is sent twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from fake_bot_api import FakeBotAPI

from bot.telegram.text import Texts
from state_machines.loader import load_scenario
from state_machines.simulator import ClientSimulator

pytestmark = pytest.mark.faults

SEED = 20261123
KILLS = 20
LEARNERS = (7101, 7102, 7103, 7104, 7105)
SCENARIO = "ips-mette"
REPLIES = (
    "Hvad tænker du selv om at være her i dag?",
    "Du er her, fordi din sagsbehandler sendte dig — og du er ikke sikker på, at det nytter noget.",
    "Det er helt op til dig, hvad vi bruger tiden på.",
    "Hvad ville være vigtigt for dig, hvis du skulle arbejde igen?",
    "Du har været igennem meget, og alligevel er du kommet i dag.",
    "Hvad tænker du om det?",
    "Det lyder svært for dig.",
    "Fortæl mere.",
)
LAST_REPLY = "Hvad ville gøre en forskel?"
STUCK_SECONDS = 20.0
DRAIN_SECONDS = 0.2
"""After a kill: time for the fake server (its own thread) to read what the dead process had sent."""


def html_of(message: dict[str, Any]) -> str:
    return str(message.get("_html", message.get("text", "")))


@dataclass
class Learner:
    """A scripted learner: the next step is taken once the answer to the previous one has arrived."""

    fake: FakeBotAPI
    id: int
    steps: list[tuple[str, str]]
    rng: random.Random
    step: int = 0
    reply_updates: list[int] = field(default_factory=list)
    all_updates: list[int] = field(default_factory=list)
    waiting_since: float = field(default_factory=time.monotonic)
    acted_at: float = 0.0
    think: float = 0.0
    """Seconds the learner takes to write the next step once the answer is there."""

    def client_lines(self) -> int:
        return sum(1 for m in self.fake.sent_to(self.id) if html_of(m).startswith("<b>Mette:</b>"))

    def _keyboard(self, data: str) -> dict[str, Any] | None:
        for message in reversed(self.fake.sent_to(self.id)):
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if any(button.get("callback_data") == data for row in rows for button in row):
                return message
        return None

    def answered(self) -> bool:
        """Whether the answer to the previous step has arrived (so the next one can be taken)."""
        if self.step == 0:
            return True
        if time.monotonic() < self.acted_at + self.think:
            return False
        _, value = self.steps[self.step - 1]
        if value == "/start":
            return self._keyboard("consent:yes") is not None
        if value == "consent:yes":
            return self._keyboard(f"sc:{SCENARIO}") is not None
        # the opening line, then one client line per reply
        return self.client_lines() >= 1 + len(self.reply_updates)

    def done(self) -> bool:
        return self.step == len(self.steps) and self.answered()

    def act(self) -> None:
        kind, value = self.steps[self.step]
        if kind == "press":
            message = self._keyboard(value)
            assert message is not None
            update = self.fake.press(self.id, value, message)
        else:
            update = self.fake.send_text(self.id, value)
            if not value.startswith("/"):
                self.reply_updates.append(update)
        self.all_updates.append(update)
        self.step += 1
        self.waiting_since = self.acted_at = time.monotonic()
        self.think = self.rng.uniform(0.05, 0.35)


class Bot:
    """`mi-trainer run` in a subprocess; every incarnation's start time is kept."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config = config
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> None:
        command = [sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)]
        self.started_at = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                                            env={**os.environ, "MI_TRAINER_TOKEN": ""})

    def kill(self) -> float:
        """SIGKILL; returns a moment after the process is gone and before the next one starts, by
        which the fake server has also handled every request the process wrote before it died.
        Without that pause a message sent just before the kill could be recorded just after the
        moment, and its re-sending by the next process would look unexplained (seen once in ~10 runs)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        time.sleep(DRAIN_SECONDS)
        return time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9


def outbox_rows(database: Path) -> dict[int, list[str]]:
    """What is still queued per chat (the Telegram HTML of each message, oldest first)."""
    if not database.exists():
        return {}
    with contextlib.closing(sqlite3.connect(database)) as db:
        try:
            rows = db.execute("SELECT chat_id, payload FROM outbox ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # killed before the migrations created it
            return {}
    queued: dict[int, list[str]] = {}
    for chat_id, payload in rows:
        queued.setdefault(int(chat_id), []).append(str(json.loads(payload)["text"]))
    return queued


def rows(database: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return list(db.execute(sql, args))


def test_twenty_sigkills_under_load_lose_double_and_reorder_nothing(
    fake_api: FakeBotAPI, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    dialogues = tmp_path / "one-scenario"
    dialogues.mkdir()
    (dialogues / f"{SCENARIO}.yaml").write_bytes((ROOT / "dialogues" / f"{SCENARIO}.yaml").read_bytes())
    config = write_config(fake_api, dialogues={"path": str(dialogues)})
    database = tmp_path / "bot.sqlite3"
    log = tmp_path / "bot.log"
    rng = random.Random(SEED)
    steps = [("text", "/start"), ("press", "consent:yes"), ("press", f"sc:{SCENARIO}")]
    steps += [("text", reply) for reply in REPLIES]
    learners = [Learner(fake_api, user, list(steps), random.Random(rng.random())) for user in LEARNERS]

    kills: list[float] = []
    leftovers: list[dict[int, list[str]]] = []  # the outbox as each kill left it
    under_load = 0  # kills while some learner was still in the middle of the script
    in_flight = 0  # kills that left fetched or queued updates unacknowledged
    bot = Bot(config, log)

    def drive(until: Callable[[], bool], deadline: float) -> None:
        while not until():
            assert bot.alive(), log.read_text()[-3000:]
            now = time.monotonic()
            if now >= deadline:
                progress = [(learner.step, learner.answered()) for learner in learners]
                raise AssertionError(f"no progress in time: {progress}, {len(kills)} kills")
            for learner in learners:
                if learner.step < len(learner.steps) and learner.answered():
                    learner.act()
                elif not learner.done():
                    assert now - learner.waiting_since < STUCK_SECONDS, f"learner {learner.id} is stuck"
            time.sleep(0.003)

    bot.start()
    try:
        # The kill phase. Even kills: a random moment 0.1-1.2 s after the start (start-up takes about
        # 0.6 s: imports, migrations, the outbox flush, then the first turns). Odd kills: 0-80 ms after
        # the next learner action the new process sees, i.e. inside a turn (handling, commit, sending).
        while len(kills) < KILLS:
            started = bot.started_at
            if len(kills) % 2 == 0:
                moment = started + rng.uniform(0.1, 1.2)
                drive(lambda moment=moment: time.monotonic() >= moment, time.monotonic() + 30)
            else:
                delay = rng.uniform(0.0, 0.08)

                def inside_a_turn(started: float = started, delay: float = delay) -> bool:
                    last = max(learner.acted_at for learner in learners)
                    if all(learner.done() for learner in learners):  # the load is over: any moment will do
                        return time.monotonic() >= started + 1.0 + delay
                    return last > started and time.monotonic() >= last + delay

                drive(inside_a_turn, time.monotonic() + 30)
            under_load += any(not learner.done() for learner in learners)
            kills.append(bot.kill())
            leftovers.append(outbox_rows(database))
            in_flight += fake_api.pending_updates() > 0
            for learner in learners:
                learner.waiting_since = time.monotonic()  # the restart is not the learner's wait
            bot.start()

        def quiet() -> bool:
            """Every learner through the script, every update acknowledged, every answer sent."""
            return (all(learner.done() for learner in learners) and fake_api.pending_updates() == 0
                    and rows(database, "SELECT COUNT(*) FROM outbox") == [(0,)])

        drive(quiet, time.monotonic() + 60)
        # No conversation is stuck: each learner continues and gets an answer from the last process.
        for learner in learners:
            learner.steps.append(("text", LAST_REPLY))
        drive(quiet, time.monotonic() + 30)
    finally:
        code = bot.terminate() if bot.alive() else None
    assert code == 0, log.read_text()[-3000:]
    assert under_load >= KILLS // 2  # the kills hit the load, not an idle bot

    # Every update the learners sent was acknowledged and claimed exactly once.
    assert fake_api.pending_updates() == 0
    sent = [update for learner in learners for update in learner.all_updates]
    claimed = {row[0] for row in rows(database, "SELECT update_id FROM processed_updates")}
    assert set(sent) <= claimed

    texts = Texts("da")
    scenario = load_scenario(dialogues / f"{SCENARIO}.yaml")
    simulator = ClientSimulator(scenario)
    duplicates = 0
    for learner in learners:
        sessions = rows(database, "SELECT id, seed, status FROM sessions WHERE learner_id = ?", learner.id)
        assert len(sessions) == 1 and sessions[0][2] == "active", sessions
        session_id, seed, _ = sessions[0]
        turns = rows(database, "SELECT turn, reply, update_id, client_line, feedback FROM turns "
                               "WHERE session_id = ? ORDER BY turn", session_id)
        # Stored exactly once each, in the order sent, turn numbers contiguous.
        assert [t[2] for t in turns] == learner.reply_updates
        assert [t[1] for t in turns] == [*REPLIES, LAST_REPLY]
        assert [t[0] for t in turns] == list(range(1, len(REPLIES) + 2))

        conversation, opening = simulator.start(int(seed))
        simulator.release(conversation)
        expected = [texts("session.client", name=scenario.client.name, line=opening.line.text)]
        for _, _, _, line, feedback in turns:
            expected.append(texts("session.client", name=scenario.client.name, line=line))
            expected.append(texts("session.feedback", text=feedback))
        duplicates += check_delivery(learner.id, fake_api.sent_to(learner.id), expected, kills, leftovers)
    assert "Traceback" not in log.read_text()
    queued = sum(1 for left in leftovers if left)
    print(f"{len(kills)} kills ({under_load} under load, {in_flight} with updates unacknowledged, "
          f"{queued} with answers queued), {duplicates} messages re-sent after a kill")


def check_delivery(chat: int, delivered: list[dict[str, Any]], expected: list[str], kills: list[float],
                   leftovers: list[dict[int, list[str]]]) -> int:
    """Check the outbox guarantee for one chat; returns how many copies the kills explain.

    The answers to the stored turns (`expected`, client line and feedback per turn) must arrive in
    order, each at least once. Any other arrival of an already delivered text is a re-send, and it
    is allowed only when a kill came between the first copy and this one while the text was still
    in the chat's outbox (delivered, then killed before its row was deleted).
    """
    first: dict[str, float] = {}
    position = 0
    resent = 0
    for message in delivered:
        text = html_of(message)
        at = message_time(message)
        if position < len(expected) and text == expected[position]:
            first.setdefault(text, at)
            position += 1
            continue
        answer = text.startswith("<b>Mette:</b>") or text.startswith("<i>Feedback:</i>")
        if text not in first:
            assert not answer, f"chat {chat}: {text[:60]!r} answers no stored turn (or came out of order)"
            first[text] = at  # a message that is no turn answer (welcome, briefing, …), first copy
            continue
        explained = any(
            first[text] < kill < at and text in leftovers[index].get(chat, [])
            for index, kill in enumerate(kills)
        )
        assert explained, (f"chat {chat}: {text[:60]!r} arrived twice with no kill to explain it "
                           f"(at {first[text]:.3f} and {at:.3f}; kills at {[round(k, 3) for k in kills]})")
        resent += 1
    assert position == len(expected), (
        f"chat {chat}: answers missing from {expected[position][:60]!r} on ({position}/{len(expected)})"
    )
    return resent


def message_time(message: dict[str, Any]) -> float:
    """When the fake server recorded the message (its `_at`), on the test's monotonic clock."""
    return float(message["_at"])

