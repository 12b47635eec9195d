"""The `bot` and `baseline` parts: simulated learners against a bot over HTTP on 127.0.0.1.

The fake Bot API server is the project's test server (`tests/fake_bot_api.py`, imported as a
library, not copied); this module only adds a thin recorder on top of it: when each update was
handed to the bot by `getUpdates` ("delivered") and a per-chat inbox of what the bot sent.
The learners are coroutines on the fake server's own event loop. The bot runs in a child process
(`bot.benchmark.child`), so its CPU time and memory are its own and nothing of the harness.

Phases, each learner concurrently: setup (ours: /start → consent → choose a scenario → the
client's opening line; echo: /start → its echo), then `replies` practice replies, each sent only
after the whole answer to the previous one arrived. CPU per turn is the child's CPU time over the
reply phase divided by the turns answered in it. Memory per active conversation: RSS growth over
the run divided by the learners; with `trace_memory`, also tracemalloc's count of the Python heap
while the learners set up (every one then has a live session).
"""

from __future__ import annotations

import asyncio
import html
import importlib
import importlib.util
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from bot.benchmark.replies import pick
from bot.benchmark.stats import latency_ms
from state_machines.library import ScenarioLibrary

Message = dict[str, Any]
_FAKE_MODULE = "mi_trainer_bench_fake_bot_api"


class BenchError(RuntimeError):
    """The harness could not run (the bot did not start, the fake server is missing, …)."""


class LearnerError(RuntimeError):
    """A learner did not get the answer it waited for."""


def load_fake_api() -> ModuleType:
    """The project's fake Bot API server module (`bot.testing.fake_bot_api` or `tests/fake_bot_api.py`)."""
    try:
        return importlib.import_module("bot.testing.fake_bot_api")
    except ImportError:
        pass
    if _FAKE_MODULE in sys.modules:
        return sys.modules[_FAKE_MODULE]
    path = Path(__file__).resolve().parents[2] / "tests" / "fake_bot_api.py"
    if not path.is_file():
        raise BenchError(f"the fake Bot API server is not there ({path}); run the benchmark from a checkout")
    spec = importlib.util.spec_from_file_location(_FAKE_MODULE, path)
    if spec is None or spec.loader is None:
        raise BenchError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_FAKE_MODULE] = module
    spec.loader.exec_module(module)
    return module


class Recorder:
    """Hooks on one FakeBotAPI instance: delivery times of updates and a per-chat inbox."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.delivered: dict[int, float] = {}
        self.inboxes: dict[int, asyncio.Queue[tuple[float, Message]]] = {}
        self.api_calls: dict[str, int] = {}
        sent, get_updates, dispatch = fake._sent, fake._api_getUpdates, fake._dispatch

        def recorded_sent(chat_id: int, **content: Any) -> Message:
            message: Message = sent(chat_id, **content)
            inbox = self.inboxes.get(chat_id)
            if inbox is not None:
                inbox.put_nowait((time.monotonic(), message))
            return message

        async def recorded_get_updates(call: Any) -> Any:
            result = await get_updates(call)
            now = time.monotonic()
            for update in result:
                self.delivered.setdefault(int(update["update_id"]), now)
            return result

        async def counted_dispatch(verb: str, target: str, *args: Any) -> Any:
            method = target.rsplit("/", 1)[-1].split("?", 1)[0]
            self.api_calls[method] = self.api_calls.get(method, 0) + 1
            return await dispatch(verb, target, *args)

        fake._sent = recorded_sent
        fake._api_getUpdates = recorded_get_updates
        fake._dispatch = counted_dispatch

    def run(self, coroutine: Awaitable[Any], timeout: float | None = None) -> Any:
        """Run a coroutine on the fake server's loop and wait for its result (from the main thread)."""
        loop: asyncio.AbstractEventLoop = self.fake._loop
        future: Any = asyncio.run_coroutine_threadsafe(coroutine, loop)  # type: ignore[arg-type]
        return future.result(timeout)


# ---------------------------------------------------------------- learners


@dataclass
class Learner:
    index: int
    user_id: int
    rng: random.Random
    inbox: asyncio.Queue[tuple[float, Message]] = field(default_factory=asyncio.Queue)
    scenario_client: str = ""
    turns: int = 0
    sessions: int = 0
    error: str | None = None


@dataclass
class TurnTimes:
    injected: float
    delivered: float
    first: float
    done: float


def source(message: Message) -> str:
    """The text as the bot sent it (Telegram HTML; the fake keeps it in `_html` and shows it plain)."""
    return str(message.get("_html") or message.get("text") or "")


class Protocol:
    """How a learner talks to one kind of bot: `setup` once, then `turn` per reply."""

    kind = "?"

    def __init__(self, recorder: Recorder, timeout: float) -> None:
        self.recorder = recorder
        self.fake = recorder.fake
        self.timeout = timeout
        self.bad_messages = 0

    async def expect(self, learner: Learner, accept: Callable[[Message], bool], what: str) -> tuple[float, Message]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise LearnerError(f"learner {learner.index}: no {what} within {self.timeout:.0f} s")
            try:
                at, message = await asyncio.wait_for(learner.inbox.get(), left)
            except TimeoutError:
                raise LearnerError(f"learner {learner.index}: no {what} within {self.timeout:.0f} s") from None
            if accept(message):
                return at, message
            self.skipped(learner, message)

    def skipped(self, learner: Learner, message: Message) -> None:
        """A message the learner did not wait for (ours: briefings, 'consented', summaries)."""

    async def setup(self, learner: Learner) -> None:
        raise NotImplementedError

    async def turn(self, learner: Learner, text: str) -> TurnTimes:
        raise NotImplementedError

    def times(self, update_id: int, injected: float, first: float, done: float) -> TurnTimes:
        delivered = self.recorder.delivered.get(update_id, injected)
        return TurnTimes(injected, delivered, first, done)


class EchoProtocol(Protocol):
    kind = "echo"

    async def setup(self, learner: Learner) -> None:
        self.fake.send_text(learner.user_id, "/start")
        await self.expect(learner, lambda m: m.get("text") == "/start", "echo of /start")

    async def turn(self, learner: Learner, text: str) -> TurnTimes:
        injected = time.monotonic()
        update_id = self.fake.send_text(learner.user_id, text)
        at, _ = await self.expect(learner, lambda m: m.get("text") == text, "echo")
        return self.times(update_id, injected, at, at)


class OursProtocol(Protocol):
    """The MI trainer as a learner meets it (Danish learners, feedback on)."""

    kind = "ours"

    def __init__(self, recorder: Recorder, timeout: float, library: ScenarioLibrary) -> None:
        super().__init__(recorder, timeout)
        from bot.telegram import keyboards
        from bot.telegram.text import Texts

        self.keyboards = keyboards
        texts = Texts("da")
        self.consent_data = keyboards.encode("consent", "yes")
        prefix = str(texts("session.client", name="\x00", line="")).split("\x00")
        self.client_line = re.compile("^" + re.escape(prefix[0]) + r"(?P<name>[^<]+)" + re.escape(prefix[1]))
        self.feedback_prefix = str(texts("session.feedback", text="")).rstrip()
        self.again = str(texts("session.again"))
        self.final_lines: set[str] = set()
        other_lines: set[str] = set()
        for scenario in library:
            for state in scenario.states.values():
                lines = [line.text for line in state.lines]
                lines += [line.text for pool in state.lines_after.values() for line in pool]
                (self.final_lines if state.is_final else other_lines).update(lines)
        self.ambiguous = self.final_lines & other_lines
        bad_keys = ("error", "error_delivery", "need_consent", "session.none", "session.lost",
                    "session.ended_already", "unknown_command", "not_text")
        self.bad_texts = {str(Texts(lang)(key)) for lang in ("da", "en") for key in bad_keys}

    def skipped(self, learner: Learner, message: Message) -> None:
        if source(message) in self.bad_texts:
            self.bad_messages += 1

    @staticmethod
    def _buttons(message: Message) -> list[str]:
        markup = message.get("reply_markup") or {}
        return [str(button.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for button in row]

    def _scenario_buttons(self, message: Message) -> list[str]:
        found = []
        for data in self._buttons(message):
            callback = self.keyboards.decode(data)
            if callback is not None and callback.action in ("sc", "sh"):
                found.append(data)
        return found

    async def _choose_scenario(self, learner: Learner, listing: Message) -> float:
        buttons = self._scenario_buttons(listing)
        self.fake.press(learner.user_id, buttons[(learner.index + learner.sessions) % len(buttons)], listing)
        at, _ = await self.expect(learner, lambda m: bool(self.client_line.match(source(m))),
                                  "client's opening line")
        learner.sessions += 1
        return at

    async def setup(self, learner: Learner) -> None:
        self.fake.send_text(learner.user_id, "/start")
        _, consent = await self.expect(learner, lambda m: self.consent_data in self._buttons(m), "consent button")
        self.fake.press(learner.user_id, self.consent_data, consent)
        _, listing = await self.expect(learner, lambda m: bool(self._scenario_buttons(m)), "scenario list")
        await self._choose_scenario(learner, listing)

    async def turn(self, learner: Learner, text: str) -> TurnTimes:
        injected = time.monotonic()
        update_id = self.fake.send_text(learner.user_id, text)
        first, message = await self.expect(learner, lambda m: bool(self.client_line.match(source(m))),
                                           "client's line")
        text = source(message)
        match = self.client_line.match(text)
        assert match is not None
        line = html.unescape(text[match.end():])
        if line in self.final_lines and line not in self.ambiguous:
            done, _ = await self.expect(learner, lambda m: source(m) == self.again, "end of the session")
            times = self.times(update_id, injected, first, done)
            self.fake.send_text(learner.user_id, "/scenarios")
            _, listing = await self.expect(learner, lambda m: bool(self._scenario_buttons(m)), "scenario list")
            await self._choose_scenario(learner, listing)
            return times
        done, _ = await self.expect(learner, lambda m: source(m).startswith(self.feedback_prefix),
                                    "feedback")
        return self.times(update_id, injected, first, done)


# ---------------------------------------------------------------- the child process


class Child:
    """The bot under test in its own process, with the control channel of `bot.benchmark.child`."""

    def __init__(self, argv: list[str], log_path: Path, start_timeout: float = 60.0) -> None:
        self.log_path = log_path
        self._log: IO[bytes] = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.benchmark.child", *argv],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, env=env,
        )
        ready = self._read(start_timeout)
        if ready.get("event") != "ready":
            self.stop()
            raise BenchError(f"the bot did not start: {ready}; log: {self.log_tail()}")

    def _read(self, timeout: float = 120.0) -> dict[str, Any]:
        assert self.process.stdout is not None
        import selectors

        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                return {"event": "timeout"}
        line = self.process.stdout.readline()
        if not line:
            return {"event": "eof", "returncode": self.process.poll()}
        data: dict[str, Any] = json.loads(line)
        return data

    def command(self, text: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        return self._read()

    def mark(self, name: str) -> dict[str, Any]:
        data = self.command(f"mark {name}")
        if data.get("event") != "mark":
            raise BenchError(f"no stats from the bot: {data}; log: {self.log_tail()}")
        return data

    def stop(self, timeout: float = 30.0) -> dict[str, Any]:
        final: dict[str, Any] = {}
        try:
            if self.process.poll() is None and self.process.stdin is not None:
                self.process.stdin.write("stop\n")
                self.process.stdin.flush()
                self.process.stdin.close()
                final = self._read(timeout)
            self.process.wait(timeout)
        except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
            self.process.kill()
            self.process.wait()
        finally:
            self._log.close()
        return final

    def log_tail(self, lines: int = 15) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_errors(self) -> list[str]:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback")]


# ---------------------------------------------------------------- one run


@dataclass
class BotResult:
    kind: str
    learners: int
    replies: int
    think: float = 0.0
    turns: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    first_latencies: list[float] = field(default_factory=list)
    end_to_end: list[float] = field(default_factory=list)
    setup_wall: float = 0.0
    wall: float = 0.0
    cpu: float = 0.0
    marks: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: int = 0
    bad_messages: int = 0
    stored_turns: int | None = None
    outbox_left: int | None = None
    api_calls: dict[str, int] = field(default_factory=dict)
    log_errors: list[str] = field(default_factory=list)

    def _thread_cpu_per_turn(self) -> dict[str, float]:
        """The reply phase's CPU per turn: the event loop ("main") and the other threads."""
        before = self.marks.get("replies-begin", {}).get("thread_cpu_s", {})
        after = self.marks.get("replies-end", {}).get("thread_cpu_s", {})
        if not self.turns:
            return {}
        return {name: round((spent - before.get(name, 0.0)) / self.turns * 1000, 3)
                for name, spent in sorted(after.items()) if spent - before.get(name, 0.0) > 0}

    def to_json(self) -> dict[str, Any]:
        marks = self.marks
        ready, setup, end = marks.get("ready", {}), marks.get("setup", {}), marks.get("replies-end", {})
        traced = int(setup.get("traced_bytes", 0))
        rss_growth = int(end.get("rss_bytes", 0)) - int(ready.get("rss_bytes", 0))
        expected = self.learners * self.replies
        calls = {k: v for k, v in sorted(self.api_calls.items())}
        return {
            "kind": self.kind,
            "learners": self.learners,
            "replies_per_learner": self.replies,
            "think_s": self.think,
            "turns": self.turns,
            "expected_turns": expected,
            "lost_turns": expected - self.turns,
            "errors": len(self.errors) + self.bad_messages + len(self.log_errors),
            "error_samples": (self.errors + self.log_errors)[:5],
            "bad_messages": self.bad_messages,
            "sessions": self.sessions,
            "stored_turns": self.stored_turns,
            "outbox_left": self.outbox_left,
            "setup_wall_s": round(self.setup_wall, 3),
            "wall_s": round(self.wall, 3),
            "turns_per_s": round(self.turns / self.wall, 1) if self.wall > 0 else 0.0,
            "cpu_s": round(self.cpu, 3),
            "cpu_ms_per_turn": round(self.cpu / self.turns * 1000, 4) if self.turns else 0.0,
            "thread_cpu_ms_per_turn": self._thread_cpu_per_turn(),
            "latency": latency_ms(self.latencies),
            "first_message_latency": latency_ms(self.first_latencies),
            "end_to_end_latency": latency_ms(self.end_to_end),
            "peak_rss_bytes": int(end.get("maxrss_bytes", 0)),
            "rss_ready_bytes": int(ready.get("rss_bytes", 0)),
            "rss_end_bytes": int(end.get("rss_bytes", 0)),
            "traced_setup_bytes": traced,
            "traced_setup_peak_bytes": int(setup.get("traced_peak_bytes", 0)),
            "mem_per_conversation_traced_bytes": traced // self.learners if self.learners else 0,
            "mem_per_conversation_rss_bytes": rss_growth // self.learners if self.learners else 0,
            "live_sessions": setup.get("live_sessions"),
            "api_calls_per_turn": {k: round(v / self.turns, 2) for k, v in calls.items()} if self.turns else {},
        }


async def _learner_setup(protocol: Protocol, learner: Learner, result: BotResult) -> None:
    try:
        await protocol.setup(learner)
    except Exception as error:
        learner.error = f"setup: {error}"
        result.errors.append(learner.error)


async def _learner_replies(protocol: Protocol, learner: Learner, result: BotResult) -> None:
    if learner.error is not None:
        return
    for _ in range(result.replies):
        if result.think > 0:  # reading the answer and typing the next reply
            await asyncio.sleep(result.think * learner.rng.uniform(0.5, 1.5))
        try:
            times = await protocol.turn(learner, pick("da", learner.rng))
        except Exception as error:
            learner.error = f"turn {learner.turns + 1}: {error}"
            result.errors.append(learner.error)
            return
        learner.turns += 1
        result.turns += 1
        result.latencies.append(times.done - times.delivered)
        result.first_latencies.append(times.first - times.delivered)
        result.end_to_end.append(times.done - times.injected)


def _gather(learners: list[Learner], step: Callable[[Learner], Awaitable[None]]) -> Callable[[], Awaitable[Any]]:
    async def everyone() -> Any:
        return await asyncio.gather(*(step(learner) for learner in learners))

    return everyone


def run_bot(kind: str, learners: int, replies: int, *, dialogues: Path, seed: int = 1, timeout: float = 120.0,
            trace_memory: bool = False, workdir: Path | None = None, concurrent: int = 64,
            think: float = 0.0) -> BotResult:
    """One bot run (`kind` "ours" or "echo") with a fresh fake server and a fresh database."""
    fake_api = load_fake_api()
    result = BotResult(kind, learners, replies, think)
    with tempfile.TemporaryDirectory(prefix=f"mi-bench-{kind}-", dir=workdir) as folder:
        tmp = Path(folder)
        fake = fake_api.FakeBotAPI().start()
        try:
            recorder = Recorder(fake)
            database = tmp / "bot.sqlite3"
            if kind == "ours":
                config = tmp / "config.yaml"
                config.write_text(json.dumps({
                    "telegram": {"token": fake_api.TOKEN, "base_url": fake.base_url, "poll_timeout": 10,
                                 "concurrent_updates": concurrent},
                    "storage": {"path": str(database)},
                    "dialogues": {"path": str(dialogues.resolve())},
                    "log_level": "WARNING",
                }), encoding="utf-8")
                argv = ["ours", "--config", str(config)]
                library, _ = ScenarioLibrary.load(dialogues)
                protocol: Protocol = OursProtocol(recorder, timeout, library)
            elif kind == "echo":
                argv = ["echo", "--base-url", fake.base_url, "--token", fake_api.TOKEN,
                        "--concurrent", str(concurrent)]
                protocol = EchoProtocol(recorder, timeout)
            else:
                raise ValueError(f"unknown bot kind {kind!r}")
            child = Child(argv, tmp / "bot.log")
            try:
                _drive(child, recorder, protocol, result, seed, trace_memory)
            finally:
                final = child.stop()
                if final:
                    result.marks["exit"] = final
                result.log_errors = child.log_errors()
            result.bad_messages = protocol.bad_messages
            if kind == "ours" and database.exists():
                with sqlite3.connect(database) as db:
                    result.stored_turns = int(db.execute("SELECT COUNT(*) FROM turns").fetchone()[0])
                    result.outbox_left = int(db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
        finally:
            fake.stop()
    return result


def _drive(child: Child, recorder: Recorder, protocol: Protocol, result: BotResult, seed: int,
           trace_memory: bool) -> None:
    people = [Learner(i, 500_000 + i, random.Random(seed * 7919 + i)) for i in range(result.learners)]
    for person in people:
        recorder.inboxes[person.user_id] = person.inbox
    result.marks["ready"] = child.mark("ready")
    if trace_memory:
        child.command("trace on")
    start = time.perf_counter()
    recorder.run(_gather(people, lambda p: _learner_setup(protocol, p, result))())
    result.setup_wall = time.perf_counter() - start
    result.marks["setup"] = child.mark("setup")
    if trace_memory:
        child.command("trace off")
    # The reply phase: the timed part.
    before = child.mark("replies-begin")
    calls_before = dict(recorder.api_calls)
    start = time.perf_counter()
    recorder.run(_gather(people, lambda p: _learner_replies(protocol, p, result))())
    result.wall = time.perf_counter() - start
    after = child.mark("replies-end")
    result.api_calls = {k: v - calls_before.get(k, 0) for k, v in recorder.api_calls.items()
                        if v - calls_before.get(k, 0)}
    result.marks["replies-begin"], result.marks["replies-end"] = before, after
    result.cpu = float(after["cpu_s"]) - float(before["cpu_s"])
    result.sessions = sum(p.sessions for p in people)


__all__ = ["BenchError", "BotResult", "Recorder", "load_fake_api", "run_bot"]
