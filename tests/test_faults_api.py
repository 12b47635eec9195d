"""Fault test: the Bot API misbehaves for a while (429, 500, timeouts, dropped connections, garbage).

The real bot runs in this event loop against the fake Bot API with short client timeouts
(`Timeouts`: 0.5 s per call, getUpdates 0.5 s + its 1 s long poll), so a "timeout" is a reply
delayed past them. For each kind of failure, sendMessage and sendChatAction fail for a window of
`WINDOW` seconds while turns are handled, and getUpdates fails for the rest of that window while
the learners write again. Afterwards:

- every reply is stored exactly once, in order, and answered; the bot goes on as usual;
- no busy loop: during the window the calls are bounded by the backoff (getUpdates: 1, 2, 4 s
  after errors, `retry_after` for 429, one client timeout per try; sendMessage: 0.5, 1, 2 s);
- a client line arrives twice only after a call that timed out on our side but was carried out by
  the server (the one failure where Telegram may have accepted the message): never otherwise.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_bot_api import FakeBotAPI
from test_telegram_e2e import MITTE_REPLIES, Running, User, db_rows

from bot.config import Config, load_config
from bot.telegram.app import Timeouts

pytestmark = pytest.mark.faults

WINDOW = 2.5
LEARNERS = (6101, 6102)
TIMEOUTS = Timeouts(connect=1.0, read=0.5, write=1.0, pool=1.0, get_updates_read=0.5)
POLL = 1  # telegram.poll_timeout: getUpdates gives up after 0.5 + 1 s
FAULTS: dict[str, dict[str, object]] = {
    "429": {"status": 429, "retry_after": 1},
    "500": {"status": 500},
    "timeout": {"kind": "delay", "delay": 2.0},
    "dropped": {"kind": "drop"},
    "garbage": {"kind": "garbage"},
}
GET_UPDATES_MAX_GAP = {"429": 1.0, "timeout": 1.5}
"""The shortest pause between two failing getUpdates: retry_after, or one client timeout; else the backoff (1 s)."""


@pytest.fixture
def config(fake_api: FakeBotAPI, write_config: Callable[..., Path]) -> Config:
    return load_config(write_config(fake_api, telegram={"token": fake_api.token, "base_url": fake_api.base_url,
                                                        "poll_timeout": POLL}))


def client_lines(fake: FakeBotAPI, chat: int) -> list[str]:
    return [text for text in fake.texts_to(chat) if text.startswith("Mette:")]


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_bot_api_failing_for_a_while(fake_api: FakeBotAPI, config: Config, fault: str) -> None:
    users = [User(fake_api, learner) for learner in LEARNERS]
    database = config.storage_path
    inject = FAULTS[fault]
    async with Running(config, timeouts=TIMEOUTS) as bot:
        for user in users:
            await user.begin(bot)
            await user.say(bot, MITTE_REPLIES[0])
        before = {user.id: len(client_lines(fake_api, user.id)) for user in users}

        start = time.monotonic()
        for method in ("sendMessage", "sendChatAction"):
            fake_api.fail(method, seconds=WINDOW, **inject)  # type: ignore[arg-type]
        for user in users:
            fake_api.send_text(user.id, MITTE_REPLIES[1])
        # These turns are handled and committed while their answers cannot be sent.
        await fake_api.wait(lambda: db_rows(database, "SELECT COUNT(*) FROM turns") == [(2 * len(users),)], 5)
        polls_from = time.monotonic()
        fake_api.fail("getUpdates", seconds=start + WINDOW - polls_from, **inject)  # type: ignore[arg-type]
        for user in users:
            fake_api.send_text(user.id, MITTE_REPLIES[2])
        await asyncio.sleep(start + WINDOW - time.monotonic())
        end = time.monotonic()

        # The bot recovers by itself: every answer arrives, and it goes on as usual.
        for user in users:
            await fake_api.wait(lambda user=user: len(client_lines(fake_api, user.id)) >= before[user.id] + 2, 20)
        await bot.idle(fake_api, timeout=20)  # the last feedback messages too
        await asyncio.sleep(max(0.0, end + float(inject.get("delay", 0.0)) - time.monotonic()))  # late calls done
        for user in users:
            answer = await user.say(bot, MITTE_REPLIES[3])
            assert answer[0].startswith("Mette:") and len(answer) == 2
        await bot.idle(fake_api)

    in_window = [c for c in fake_api.calls if start <= c.at < end]
    polls = [c for c in in_window if c.method == "getUpdates" and c.at >= polls_from]
    sends = [c for c in in_window if c.method == "sendMessage"]
    typing = [c for c in in_window if c.method == "sendChatAction"]
    # No busy loop (a loop without pauses would make hundreds of calls in the window).
    gap = GET_UPDATES_MAX_GAP.get(fault, 1.0)
    assert len(polls) <= (end - polls_from) / gap + 2, [round(c.at - start, 2) for c in polls]
    # A dropped connection is tried once more at once by the HTTP client (a stale kept-alive
    # connection looks the same), so each try of the delivery is then two calls.
    per_try = 2 if fault == "dropped" else 1
    assert len(sends) <= len(users) * 5 * per_try, [round(c.at - start, 2) for c in sends]  # tries at 0, .5, 1.5, 3.5 s
    assert len(typing) <= 2 * len(users) * per_try  # best effort, never retried by us: one per turn
    assert any(c.answered != "ok" for c in polls)
    for user in users:  # the answers were retried with backoff, not left for the outbox sweep (15 s)
        assert sum(1 for c in sends if c.answered != "ok" and str(c.params["chat_id"]) == str(user.id)) >= 2

    late_calls = [c for c in fake_api.calls_of("sendMessage") if c.answered == "delay"]
    for user in users:
        turns = db_rows(database, "SELECT turn, reply, client_line FROM turns t JOIN sessions s "
                                  "ON s.id = t.session_id WHERE s.learner_id = ? ORDER BY turn", user.id)
        assert [(t[0], t[1]) for t in turns] == list(enumerate(MITTE_REPLIES[:4], start=1))  # each once, in order
        lines = [m for m in fake_api.sent_to(user.id) if m["text"].startswith("Mette:")]
        # What the bot saw accepted arrived exactly once and in order: the opening, then one per turn.
        accepted = [m["text"] for m in lines if not m.get("_late")]
        assert accepted[1:] == [f"Mette: {t[2]}" for t in turns], (fault, accepted)
        # Extra copies come only from calls that timed out on our side but were carried out.
        late = [m["text"] for m in lines if m.get("_late")]
        assert set(late) <= set(accepted) and len(late) <= len(late_calls)
        if fault != "timeout":
            assert not late and not late_calls
