"""End to end: the real python-telegram-bot Application over real HTTP against a fake Bot API.

The bot runs exactly as in production (`bot.telegram.run`: long polling, the SQLite store, the
outbox) against `tests/fake_bot_api.py` on 127.0.0.1; the tests act as Telegram users by injecting
updates into the fake server and read what the bot sent back. One test runs `mi-trainer run` as a
subprocess and SIGKILLs it in the middle of a conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import INSTRUCTOR_ID, ROOT
from fake_bot_api import TOKEN, FakeBotAPI

from bot.config import Config, load_config
from bot.telegram import run
from bot.telegram.app import App
from bot.telegram.trainer import Trainer

LEARNER = 5001
OTHER = 5002

MITTE_REPLIES = [
    "Hvad tænker du selv om at være her i dag?",
    "Du er her, fordi din sagsbehandler sendte dig — og du er ikke sikker på, at det nytter noget.",
    "Det er helt op til dig, hvad vi bruger tiden på.",
    "Hvad ville være vigtigt for dig, hvis du skulle arbejde igen?",
    "Du har været igennem meget, og alligevel er du kommet i dag.",
]


class Running:
    """The bot running in this event loop (as `mi-trainer run` would), until the block ends."""

    def __init__(self, config: Config, **run_options: Any) -> None:
        """`run_options`: more arguments for `run` (e.g. `timeouts=`, `store=`)."""
        self.config = config
        self.run_options = run_options
        self.stop = asyncio.Event()
        self.ready = asyncio.Event()
        self.trainer: Trainer | None = None
        self.application: App | None = None
        self.task: asyncio.Task[None] | None = None

    def _ready(self, trainer: Trainer, application: App) -> None:
        self.trainer, self.application = trainer, application
        self.ready.set()

    async def __aenter__(self) -> Running:
        self.task = asyncio.create_task(run(self.config, stop=self.stop, on_ready=self._ready, **self.run_options))
        waiter = asyncio.create_task(self.ready.wait())
        done, _ = await asyncio.wait({self.task, waiter}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if self.task in done:
            waiter.cancel()
            self.task.result()  # raises what stopped it
            raise AssertionError("the bot stopped during start-up")
        if waiter not in done:
            raise AssertionError("the bot did not start in time")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, 20)

    async def idle(self, fake: FakeBotAPI, timeout: float = 10.0) -> None:
        """Wait until every injected update was fetched, handled, and its answers sent."""
        trainer = self.trainer
        assert trainer is not None
        store = trainer.store

        deadline = time.monotonic() + timeout
        while True:
            if (fake.pending_updates() == 0 and not trainer.settlement.pending()
                    and not trainer.delivery._workers and not await store.outbox()):
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not become idle")
            await asyncio.sleep(0.02)


class User:
    """A Telegram user talking to the bot through the fake server."""

    def __init__(self, fake: FakeBotAPI, user_id: int) -> None:
        self.fake = fake
        self.id = user_id

    def texts(self) -> list[str]:
        return self.fake.texts_to(self.id)

    async def say(self, bot: Running, text: str) -> list[str]:
        """Send `text`, wait until the bot is done, and return what it sent back."""
        before = len(self.texts())
        self.fake.send_text(self.id, text)
        await bot.idle(self.fake)
        return self.texts()[before:]

    async def press(self, bot: Running, data: str) -> list[str]:
        before = len(self.texts())
        message = next(m for m in reversed(self.fake.sent_to(self.id))
                       if any(b.get("callback_data") == data for row in m.get("reply_markup", {})
                              .get("inline_keyboard", []) for b in row))
        self.fake.press(self.id, data, message)
        await bot.idle(self.fake)
        return self.texts()[before:]

    async def begin(self, bot: Running, scenario: str = "ips-mette") -> list[str]:
        await self.say(bot, "/start")
        await self.press(bot, "consent:yes")
        return await self.press(bot, f"sc:{scenario}")


def db_rows(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return list(db.execute(sql, args))


@pytest.fixture
def config(fake_api: FakeBotAPI, write_config: Callable[..., Path]) -> Config:
    return load_config(write_config(fake_api))


@pytest.fixture(params=["aiohttp", "httpx"])
def any_client_config(request: pytest.FixtureRequest, fake_api: FakeBotAPI,
                      write_config: Callable[..., Path]) -> Config:
    """The config with each HTTP client (`telegram.http_client`): the same behaviour over both."""
    return load_config(write_config(fake_api, telegram={"token": TOKEN, "base_url": fake_api.base_url,
                                                        "poll_timeout": 1, "http_client": request.param}))


# ---------------------------------------------------------------- a whole session


async def test_full_session_from_start_to_summary(fake_api: FakeBotAPI, any_client_config: Config) -> None:
    config = any_client_config
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        welcome = await user.say(bot, "/start")
        assert len(welcome) == 1
        assert "træningssimulation" in welcome[0] and "gemmer" in welcome[0]
        keyboard = fake_api.last_message(LEARNER)["reply_markup"]["inline_keyboard"]
        assert keyboard[0][0]["callback_data"] == "consent:yes"

        consented = await user.press(bot, "consent:yes")
        assert any("Vælg et scenarie" in text for text in consented)
        buttons = [b["callback_data"] for row in fake_api.last_message(LEARNER)["reply_markup"]["inline_keyboard"]
                   for b in row]
        assert "sc:ips-mette" in buttons
        assert all(len(data.encode()) <= 64 for data in buttons)

        opening = await user.press(bot, "sc:ips-mette")
        assert len(opening) == 2  # briefing, then the client's first line
        assert opening[1].startswith("Mette:")
        assert fake_api.calls_of("answerCallbackQuery")

        for reply in MITTE_REPLIES[:3]:
            answer = await user.say(bot, reply)
            assert len(answer) == 2, answer  # the client's line and the feedback, as separate messages
            assert answer[0].startswith("Mette:")
            assert answer[1].startswith("Feedback:")
        assert fake_api.calls_of("sendChatAction")

        hint = await user.say(bot, "/hint")
        assert hint and "Tip" in hint[0]

        stopped = await user.say(bot, "/stop")
        assert any("Opsummering" in text for text in stopped)
        assert any("R:Q" in text or "refleksion" in text.lower() for text in stopped)

        after = await user.say(bot, "Hvordan har du det?")
        assert after == ["Du har ingen samtale i gang. Vælg et scenarie med /scenarios."]

        progress = await user.say(bot, "/progress")
        assert "Dine resultater" in progress[0] and "stoppet" in progress[0]

    rows = db_rows(config.storage_path, "SELECT turn, reply, client_line, talk, primary_code FROM turns ORDER BY turn")
    assert [row[0] for row in rows] == [1, 2, 3]
    assert [row[1] for row in rows] == MITTE_REPLIES[:3]
    assert db_rows(config.storage_path, "SELECT status, turns FROM sessions") == [("stopped", 3)]
    for call in fake_api.calls_of("sendMessage"):
        assert call.params.get("parse_mode") == "HTML"


async def test_commands_settings_and_polite_answers(fake_api: FakeBotAPI, config: Config) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        assert "/start" in (await user.say(bot, "hej"))[0]  # no consent yet: nothing stored
        assert db_rows(config.storage_path, "SELECT COUNT(*) FROM learners") == [(0,)]
        await user.begin(bot)
        assert "Hvad gemmes" in (await user.say(bot, "/privacy"))[0]
        assert "/scenarios" in (await user.say(bot, "/help"))[0]
        assert "/reload" not in (await user.say(bot, "/help"))[0]

        feedback = await user.say(bot, "/feedback end")
        assert "kun opsummeringen" in feedback[0]
        answer = await user.say(bot, MITTE_REPLIES[0])
        assert len(answer) == 1 and answer[0].startswith("Mette:")  # no per-turn feedback now
        fake_api.send_text(LEARNER, "/feedback")
        await bot.idle(fake_api)
        assert (await user.press(bot, "fb:on"))[0].startswith("Feedback er nu")

        english = await user.say(bot, "/language en")
        assert english == ["The language is now English."]
        assert "Your settings" in (await user.say(bot, "/settings"))[0]

        before = len(user.texts())
        fake_api.send_sticker(LEARNER)
        fake_api.send_photo(LEARNER)
        fake_api.edit_text(LEARNER, "an edited reply")
        fake_api.send_text(OTHER, "/start", chat_id=-100123, chat_type="group")
        await bot.idle(fake_api)
        polite = user.texts()[before:]
        assert polite == ["I can only read text. Type your reply as an ordinary message."] * 2 + [
            "I cannot see edited messages. Type your reply again as a new message."]
        assert fake_api.texts_to(-100123) == ["Jeg virker kun i en privat chat. Skriv direkte til mig."]
        assert "I do not know" in (await user.say(bot, "/nonsense"))[0]
        assert "control characters" in (await user.say(bot, "Hej\u0007"))[0]

        # Telegram HTML stays valid whatever the learner types (the fake rejects broken HTML).
        tricky = await user.say(bot, "<b>Hvad</b> & tænker du om det, 1 < 2?")
        assert tricky[0].startswith("Mette:")
    # one turn for the first reply, one for the tricky one; nothing for stickers, edits, groups
    assert db_rows(config.storage_path, "SELECT COUNT(*) FROM turns") == [(2,)]


# ---------------------------------------------------------------- restarts and re-deliveries


async def test_restart_mid_session_continues_where_it_was(fake_api: FakeBotAPI, config: Config) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        for reply in MITTE_REPLIES[:2]:
            await user.say(bot, reply)
    state_before = db_rows(config.storage_path, "SELECT snapshot, turns FROM sessions")[0]

    async with Running(config) as bot:  # a new Application on the same database
        answer = await user.say(bot, MITTE_REPLIES[2])
        assert len(answer) == 2 and answer[0].startswith("Mette:")
        stopped = await user.say(bot, "/stop")
        assert any("Opsummering" in text for text in stopped)
    rows = db_rows(config.storage_path, "SELECT turn, state_before FROM turns ORDER BY turn")
    assert [row[0] for row in rows] == [1, 2, 3]
    # the restored conversation went on from the stored state
    assert rows[2][1] == json.loads(state_before[0])["conversation"]["state"]
    assert state_before[1] == 2


async def test_summary_of_a_session_whose_scenario_is_gone_is_rendered_from_its_numbers(
    fake_api: FakeBotAPI, config: Config, dialogues: Path
) -> None:
    """Mid-session only the summary's numbers are stored; /summary renders the same text from them."""
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        for reply in MITTE_REPLIES[:2]:
            await user.say(bot, reply)
        live = await user.say(bot, "/summary")
    stored = json.loads(db_rows(config.storage_path, "SELECT summary FROM sessions")[0][0])
    assert "text" not in stored and stored["turns"] == 2

    (dialogues / "ips-mette.yaml").unlink()
    async with Running(config) as bot:
        assert await user.say(bot, "/summary") == live
    assert "Opsummering: 2 svar" in live[0] and "Mette:" in live[0]


async def test_restart_replays_the_same_conversation_as_without_restart(
    fake_api: FakeBotAPI, config: Config, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    """Same seed, same replies: a restarted session gives the client lines an uninterrupted one gives."""
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        await user.say(bot, MITTE_REPLIES[0])
    async with Running(config) as bot:
        for reply in MITTE_REPLIES[1:4]:
            await user.say(bot, reply)
    seed = db_rows(config.storage_path, "SELECT seed FROM sessions")[0][0]
    lines = [row[0] for row in db_rows(config.storage_path, "SELECT client_line FROM turns ORDER BY turn")]

    from bot.coach import Coach
    from bot.coder import Coder
    from bot.practice import PracticeSession
    from state_machines.library import ScenarioLibrary

    library, _ = ScenarioLibrary.load(config.dialogues_path)
    straight = PracticeSession.begin(library, "ips-mette", seed, Coder(), Coach())
    assert [straight.reply(r).record.client.line.text for r in MITTE_REPLIES[:4]] == lines


async def test_redelivered_update_is_answered_once_and_applied_once(fake_api: FakeBotAPI, config: Config) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        before = len(user.texts())
        update_id = fake_api.send_text(LEARNER, MITTE_REPLIES[0])
        await bot.idle(fake_api)
        assert len(user.texts()) == before + 2
        fake_api.redeliver(update_id)
        fake_api.redeliver(update_id)
        await bot.idle(fake_api)
        assert len(user.texts()) == before + 2  # no second answer
        # a re-delivered button press does not start a second session either
        press = fake_api.calls_of("getUpdates")
        assert press
    assert db_rows(config.storage_path, "SELECT COUNT(*) FROM turns") == [(1,)]
    assert db_rows(config.storage_path, "SELECT update_id FROM turns") == [(update_id,)]


async def test_answer_queued_before_a_crash_is_sent_after_restart(fake_api: FakeBotAPI, config: Config) -> None:
    """A turn committed with its answers, then the process died before sending them: the outbox
    sends them at the next start, and the re-delivered update is not applied again."""
    from bot.storage import Claim, SqliteStore
    from bot.telegram.delivery import message

    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
    update_id = fake_api.send_text(LEARNER, MITTE_REPLIES[0])  # fetched by nobody yet
    store = SqliteStore(config.storage_path)
    await store.open()
    try:  # what the crashed process had committed: the claim and the queued answer
        assert await store.claim(Claim(update_id, LEARNER, "turn"), [message("<b>Mette:</b> queued")])
    finally:
        await store.close()
    before = len(user.texts())
    async with Running(config) as bot:
        await bot.idle(fake_api)
        assert user.texts()[before:] == ["Mette: queued"]  # sent once, and the update not handled again
    assert db_rows(config.storage_path, "SELECT COUNT(*) FROM turns") == [(0,)]
    assert db_rows(config.storage_path, "SELECT COUNT(*) FROM outbox") == [(0,)]


# ---------------------------------------------------------------- Telegram's failure modes


async def test_retry_after_from_the_server_is_waited_out(fake_api: FakeBotAPI, config: Config) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        fake_api.fail("sendMessage", 429, retry_after=1)
        started = time.monotonic()
        answer = await user.say(bot, MITTE_REPLIES[0])
        assert time.monotonic() - started >= 0.9
        assert len(answer) == 2 and answer[0].startswith("Mette:")
        refused = [c for c in fake_api.calls_of("sendMessage") if c.answered == "error:429"]
        assert len(refused) == 1
        fake_api.fail("getUpdates", 429, retry_after=1)
        answer = await user.say(bot, MITTE_REPLIES[1])
        assert len(answer) == 2
    assert db_rows(config.storage_path, "SELECT COUNT(*) FROM turns") == [(2,)]


async def test_network_errors_do_not_double_a_turn(fake_api: FakeBotAPI, config: Config) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        fake_api.fail("sendMessage", 502, times=2, description="Bad Gateway")
        fake_api.fail("getUpdates", 500, times=1)
        answer = await user.say(bot, MITTE_REPLIES[0])
        assert len(answer) == 2
    assert db_rows(config.storage_path, "SELECT COUNT(*) FROM turns") == [(1,)]


async def test_blocked_learner_is_marked_inactive(fake_api: FakeBotAPI, config: Config) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        fake_api.blocked.add(LEARNER)
        fake_api.send_text(LEARNER, MITTE_REPLIES[0])
        await bot.idle(fake_api)
        assert db_rows(config.storage_path, "SELECT active FROM learners") == [(0,)]
        attempts = len(fake_api.calls_of("sendMessage"))
        await asyncio.sleep(0.3)
        assert len(fake_api.calls_of("sendMessage")) == attempts  # no retry loop
        fake_api.blocked.clear()
        answer = await user.say(bot, MITTE_REPLIES[1])
        assert len(answer) == 2
    assert db_rows(config.storage_path, "SELECT active FROM learners") == [(1,)]


async def test_stale_button_and_unknown_callback_data(fake_api: FakeBotAPI, config: Config) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        message = fake_api.last_message(LEARNER)
        fake_api.press(LEARNER, "bogus:data", message)
        fake_api.press(LEARNER, "sc:no-such-scenario", message)
        await bot.idle(fake_api)
        assert user.texts()[-1] == "Det scenarie findes ikke længere. Vælg et andet med /scenarios."
        answers = fake_api.calls_of("answerCallbackQuery")
        assert any(c.params.get("text") == "Den knap virker ikke længere." for c in answers)


async def test_chats_run_concurrently_and_each_in_order(fake_api: FakeBotAPI, config: Config) -> None:
    users = [User(fake_api, 6000 + n) for n in range(4)]
    async with Running(config) as bot:
        for user in users:
            await user.begin(bot)
        fake_api.fail("sendChatAction", 200, kind="delay", delay=0.5, times=1,
                      when=lambda p: p.get("chat_id") == str(users[0].id))
        for reply in MITTE_REPLIES[:3]:
            for user in users:
                fake_api.send_text(user.id, reply)
        started = time.monotonic()
        await bot.idle(fake_api, timeout=20)
        assert time.monotonic() - started < 10
    rows = db_rows(config.storage_path,
                   "SELECT s.learner_id, t.turn, t.reply FROM turns t JOIN sessions s ON s.id = t.session_id "
                   "ORDER BY s.learner_id, t.turn")
    for user in users:
        assert [(turn, reply) for learner, turn, reply in rows if learner == user.id] == list(
            zip([1, 2, 3], MITTE_REPLIES[:3], strict=True))
    # each chat got the client's answers in order: line, feedback, line, feedback, ...
    for user in users:
        kinds = ["client" if t.startswith("Mette:") else "feedback" if t.startswith("Feedback:") else "other"
                 for t in user.texts()[-6:]]
        assert kinds == ["client", "feedback"] * 3


async def test_typing_goes_out_before_the_answer_even_when_it_is_slow(fake_api: FakeBotAPI, config: Config) -> None:
    # The indicator is sent while the turn is worked out (not awaited first), so the chat's delivery
    # must wait for it: a slow sendChatAction may not let the answer overtake it.
    user = User(fake_api, 6100)
    async with Running(config) as bot:
        await user.begin(bot)
        fake_api.fail("sendChatAction", 200, kind="delay", delay=0.5, times=1,
                      when=lambda p: p.get("chat_id") == str(user.id))
        answer = await user.say(bot, MITTE_REPLIES[0])
    assert len(answer) == 2 and answer[0].startswith("Mette:")
    typing = [c for c in fake_api.calls_of("sendChatAction") if c.params.get("chat_id") == str(user.id)]
    sent = [c for c in fake_api.calls_of("sendMessage") if c.params.get("chat_id") == str(user.id)]
    assert len(typing) == 1
    assert sent[-2].params["parse_mode"] == "HTML"
    assert sent[-2].at >= typing[0].at + 0.5  # the client's line left only once the indicator was answered


# ---------------------------------------------------------------- instructors and privacy


BROKEN_SCENARIO = b"""id: broken-one
language: da
title: "Broken"
client: {name: B, importance: 5, confidence: 5, readiness: 5, rapport: 5}
start: opening
states:
  opening:
    say: ["Hej."]
    talk: neutral
transitions:
  - {from: opening, learner: open_question, to: nowhere}
"""


def good_scenario() -> bytes:
    text = (ROOT / "dialogues" / "alcohol-dave.yaml").read_text(encoding="utf-8")
    return text.replace("id: alcohol-dave", "id: uploaded-dave", 1).encode()


async def test_instructor_upload_broken_and_good_scenario(fake_api: FakeBotAPI, any_client_config: Config) -> None:
    config = any_client_config
    teacher = User(fake_api, INSTRUCTOR_ID)
    async with Running(config) as bot:
        fake_api.send_document(INSTRUCTOR_ID, "broken.yaml", BROKEN_SCENARIO)
        await bot.idle(fake_api)
        rejected = teacher.texts()[-1]
        assert "broken.yaml er afvist" in rejected
        assert "broken.yaml:" in rejected and "nowhere" in rejected  # path:line: message
        assert not (config.dialogues_path / "broken-one.yaml").exists()

        fake_api.send_document(INSTRUCTOR_ID, "dave.yaml", good_scenario())
        await bot.idle(fake_api)
        assert "Installeret" in teacher.texts()[-1] and "uploaded-dave" in teacher.texts()[-1]
        assert (config.dialogues_path / "uploaded-dave.yaml").exists()

        await teacher.say(bot, "/start")
        await teacher.press(bot, "consent:yes")
        started = await teacher.press(bot, "sc:uploaded-dave")
        assert len(started) == 2

        (config.dialogues_path / "alcohol-dave.yaml").write_bytes(b"id: [unclosed\n")
        reload = await teacher.say(bot, "/reload")
        assert "alcohol-dave.yaml:" in reload[0] and "beholdt" in reload[0]
        assert "alcohol-dave" in bot.trainer.library  # type: ignore[union-attr]  # the old version stays


async def test_instructor_commands_class_export_transcript(fake_api: FakeBotAPI, any_client_config: Config) -> None:
    config = any_client_config
    teacher = User(fake_api, INSTRUCTOR_ID)
    learner = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await learner.begin(bot)
        await learner.say(bot, MITTE_REPLIES[0])
        await learner.say(bot, "=HYPERLINK(\"http://x\")")
        overview = await teacher.say(bot, "/class")
        assert "Learner 5001" in overview[0] and "1 samtaler" in overview[0]

        before = len(fake_api.sent_to(INSTRUCTOR_ID))
        fake_api.send_text(INSTRUCTOR_ID, "/export")
        await bot.idle(fake_api)
        documents = fake_api.sent_to(INSTRUCTOR_ID)[before:]
        assert [d["document"]["file_name"] for d in documents] == ["mi-trainer-sessions.csv", "mi-trainer-turns.csv"]
        turns_csv = fake_api.calls_of("sendDocument")[-1].files["document"][1].decode("utf-8-sig")
        assert MITTE_REPLIES[0] in turns_csv
        assert "'=HYPERLINK" in turns_csv  # no formula injection

        session_id = db_rows(config.storage_path, "SELECT id FROM sessions")[0][0]
        transcript = await teacher.say(bot, f"/transcript {LEARNER} {session_id}")
        assert MITTE_REPLIES[0] in transcript[0] and "Mette:" in transcript[0]
        assert "Brug" in (await teacher.say(bot, "/transcript x"))[0]


async def test_non_instructor_cannot_use_instructor_commands(fake_api: FakeBotAPI, config: Config) -> None:
    learner = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await learner.begin(bot)
        for command in ("/reload", "/class", "/export", f"/transcript {LEARNER} 1"):
            assert await learner.say(bot, command) == ["Den kommando er kun for undervisere."]
        fake_api.send_document(LEARNER, "evil.yaml", good_scenario())
        await bot.idle(fake_api)
        assert learner.texts()[-1].startswith("Jeg kan kun læse tekst")
    assert not fake_api.calls_of("sendDocument")
    assert not (config.dialogues_path / "uploaded-dave.yaml").exists()


async def test_forget_deletes_everything_after_confirmation(fake_api: FakeBotAPI, config: Config) -> None:
    learner = User(fake_api, LEARNER)
    other = User(fake_api, OTHER)
    async with Running(config) as bot:
        await learner.begin(bot)
        await other.begin(bot)
        await learner.say(bot, MITTE_REPLIES[0])
        await other.say(bot, MITTE_REPLIES[0])

        before = len(fake_api.sent_to(LEARNER))
        fake_api.send_text(LEARNER, "/mydata")
        await bot.idle(fake_api)
        mydata = fake_api.calls_of("sendDocument")[-1].files["document"][1]
        assert MITTE_REPLIES[0] in mydata.decode() and len(fake_api.sent_to(LEARNER)) == before + 1

        confirm = await learner.say(bot, "/forget")
        assert "slette alle dine data" in confirm[0]
        assert await learner.press(bot, "forget:no") == ["Intet er slettet."]
        assert db_rows(config.storage_path, "SELECT COUNT(*) FROM learners") == [(2,)]
        await learner.say(bot, "/forget")
        data = next(b["callback_data"] for row in fake_api.last_message(LEARNER)["reply_markup"]["inline_keyboard"]
                    for b in row if b["callback_data"].startswith("forget:yes"))
        last_before_forget = max(c.params["_returned"][-1]["update_id"] for c in fake_api.calls_of("getUpdates")
                                 if c.params.get("_returned"))
        done = await learner.press(bot, data)
        assert done[0].startswith("Alle dine data er slettet")
        assert "/start" in (await learner.say(bot, MITTE_REPLIES[1]))[0]  # consent needed again
        expired = await learner.say(bot, "/forget")
        assert expired == ["Der er ingen data gemt om dig."]

    db = config.storage_path
    assert db_rows(db, "SELECT id FROM learners") == [(OTHER,)]
    assert db_rows(db, "SELECT DISTINCT learner_id FROM sessions") == [(OTHER,)]
    assert db_rows(db, "SELECT COUNT(*) FROM turns") == [(1,)]
    assert db_rows(db, "SELECT COUNT(*) FROM processed_updates WHERE chat_id = ? AND update_id <= ?", LEARNER,
                   last_before_forget) == [(0,)]  # update ids of the forgotten learner are unlinked
    raw = db.read_bytes() + (db.with_name(db.name + "-wal").read_bytes() if db.with_name(db.name + "-wal").exists()
                             else b"")
    assert MITTE_REPLIES[0].encode() in raw  # the other learner's turn
    assert raw.count(MITTE_REPLIES[0].encode()) <= 2  # ... but not the forgotten learner's copy


# ---------------------------------------------------------------- start-up errors


def test_bad_token_and_folders_stop_with_one_line(
    fake_api: FakeBotAPI, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    from bot.telegram import main_run

    def first_line(path: Path) -> tuple[int, str]:
        result = subprocess.run(
            [sys.executable, "-c", "import sys; from bot.telegram import main_run; sys.exit(main_run(sys.argv[1]))",
             str(path)],
            capture_output=True, text=True, timeout=30, cwd=ROOT, env={**os.environ, "MI_TRAINER_TOKEN": ""},
        )
        lines = result.stderr.strip().splitlines()
        return result.returncode, lines[-1] if lines else ""

    code, line = first_line(tmp_path / "missing.yaml")
    assert code == 1 and "config file not found" in line
    code, line = first_line(write_config(fake_api, telegram={"token": "not a token", "base_url": fake_api.base_url}))
    assert code == 1 and "telegram.token is malformed" in line
    code, line = first_line(write_config(fake_api, dialogues={"path": str(tmp_path / "nope")}))
    assert code == 1 and "dialogues.path" in line
    fake_api.token = "999:other"  # the server now refuses our token
    code, line = first_line(write_config(fake_api))
    assert code == 1 and "refused" in line and "Traceback" not in line
    assert main_run is not None


# ---------------------------------------------------------------- mi-trainer run, killed with SIGKILL


def start_bot_process(config_path: Path, log: Path) -> subprocess.Popen[bytes]:
    """`mi-trainer run --config config_path` as a child process, its stderr appended to `log`."""
    command = [sys.executable, "-m", "bot.cli", "run", "--config", str(config_path)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
                            env={**os.environ, "MI_TRAINER_TOKEN": ""})


def test_sigkill_mid_conversation_loses_and_doubles_no_turn(
    fake_api: FakeBotAPI, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    config_path = write_config(fake_api)
    database = tmp_path / "bot.sqlite3"
    log = tmp_path / "bot.log"
    replies = [*MITTE_REPLIES, "Hvad tænker du om det?", "Det lyder svært for dig.", "Fortæl mere.",
               "Hvad ville gøre en forskel?", "Du vil gerne, men er bange for at miste trygheden."]

    def running(process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 20
        start = len(fake_api.calls_of("getUpdates"))
        while len(fake_api.calls_of("getUpdates")) <= start:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the bot did not start polling"
            time.sleep(0.02)

    def acknowledged() -> int:
        """Client lines the learner has seen."""
        return sum(1 for text in fake_api.texts_to(LEARNER) if text.startswith("Mette:"))

    def answered_and_stored(seen: int, turns: int) -> bool:
        if acknowledged() < seen + 1:
            return False
        try:  # (a reader never waits for the bot in WAL mode, but may meet its recovery after a kill)
            return len(db_rows(database, "SELECT turn FROM turns")) >= turns
        except sqlite3.OperationalError:
            return False

    process = start_bot_process(config_path, log)
    try:
        running(process)
        fake_api.send_text(LEARNER, "/start")
        fake_api.wait_for(lambda: bool(fake_api.sent_to(LEARNER)), 20)
        fake_api.press(LEARNER, "consent:yes", fake_api.last_message(LEARNER, with_keyboard=True))
        fake_api.wait_for(lambda: len(fake_api.sent_to(LEARNER)) >= 3, 20)
        fake_api.press(LEARNER, "sc:ips-mette", fake_api.last_message(LEARNER, with_keyboard=True))
        fake_api.wait_for(lambda: acknowledged() == 1, 20)  # the opening line

        kills = 0
        for index, reply in enumerate(replies):
            seen = acknowledged()
            fake_api.send_text(LEARNER, reply)
            if index % 3 == 1:  # kill it while the reply is in flight (at varying points)
                time.sleep(0.005 * index)
                process.send_signal(signal.SIGKILL)
                process.wait(10)
                kills += 1
                process = start_bot_process(config_path, log)
                running(process)
            # An answer seen is not enough: a kill just after a delivery, before its outbox row is
            # deleted, sends that answer again at the next start (the rule the test below checks),
            # and it would stand in for this reply's answer. The stored turn cannot.
            fake_api.wait_for(functools.partial(answered_and_stored, seen, index + 1), 20)
        assert kills >= 3
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()[-2000:]

    turns = db_rows(database, "SELECT turn, reply, update_id FROM turns ORDER BY turn")
    assert [t[0] for t in turns] == list(range(1, len(replies) + 1))  # none lost, none doubled, in order
    assert [t[1] for t in turns] == replies
    assert len({t[2] for t in turns}) == len(turns)
    # every acknowledged turn is stored: the learner saw the opening plus one line per reply
    assert acknowledged() >= len(replies) + 1
    assert "Traceback" not in log.read_text()


# ---------------------------------------------------------------- webhook mode


async def test_webhook_mode_answers_after_handling_and_checks_the_secret(
    fake_api: FakeBotAPI, write_config: Callable[..., Path]
) -> None:
    import httpx

    with contextlib.closing(__import__("socket").socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = load_config(write_config(fake_api, telegram={
        "token": fake_api.token, "base_url": fake_api.base_url, "mode": "webhook",
        "webhook": {"url": f"http://127.0.0.1:{port}/hook", "port": port, "secret_token": "s3cret"},
    }))
    update = {"update_id": 77, "message": {"message_id": 1, "date": int(time.time()), "text": "/start",
                                           "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                                           "chat": {"id": LEARNER, "type": "private"},
                                           "from": FakeBotAPI.user(LEARNER)}}
    async with Running(config), httpx.AsyncClient() as client:
        assert fake_api.webhook_url == f"http://127.0.0.1:{port}/hook"
        url = f"http://127.0.0.1:{port}/hook"
        refused = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        assert refused.status_code == 401
        assert (await client.post(url, content=b"not json",
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})).status_code == 400
        for _ in range(2):  # Telegram retrying the same update: answered once
            answer = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
            assert answer.status_code == 200
        await fake_api.wait_messages(LEARNER, 1)
        await asyncio.sleep(0.2)
        assert len(fake_api.sent_to(LEARNER)) == 1


# ---------------------------------------------------------------- texts


def test_catalogues_have_the_same_keys_and_fields() -> None:
    import string

    from bot.i18n import catalogue

    da = {k: v for k, v in catalogue("da").items() if k.startswith("telegram.")}
    en = {k: v for k, v in catalogue("en").items() if k.startswith("telegram.")}
    assert da.keys() == en.keys()
    fields = string.Formatter()
    for key in da:
        assert {f[1] for f in fields.parse(da[key]) if f[1]} == {f[1] for f in fields.parse(en[key]) if f[1]}, key


def test_long_messages_are_split_into_valid_html_parts() -> None:
    from fake_bot_api import _check_html

    from bot.telegram.text import Texts, split_message

    texts = Texts("da")
    body = texts("session.feedback", text=("Et langt svar <med> & tegn. " * 40 + "\n") * 12)
    parts = split_message(body)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 4096
        _check_html(part)
    assert "<med>" not in body and "&lt;med&gt;" in body  # fields are escaped


def test_callback_data_fits_in_64_bytes() -> None:
    from bot.telegram import keyboards

    long_id = "a-very-long-scenario-identifier-that-goes-on-and-on-beyond-sixty-four-bytes"
    data = keyboards.scenario_data(long_id)
    assert len(data.encode()) <= 64 and data.startswith("sh:")
    assert keyboards.decode("x" * 65) is None and keyboards.decode("nope:1") is None
    assert keyboards.forget_confirmed("yes.0") is None  # expired
    assert keyboards.forget_confirmed(f"yes.{int(time.time())}") is True
