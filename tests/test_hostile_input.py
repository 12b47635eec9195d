"""Hostile and odd input through the real bot (fake Bot API): each has one clear outcome.

Learner side: odd replies are stored verbatim as exactly one turn (or refused with a message and
nothing stored), and whatever a learner typed comes back HTML-escaped. Instructor side: every bad
scenario upload is rejected with a message and nothing is installed in the dialogues folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import INSTRUCTOR_ID
from fake_bot_api import FakeBotAPI
from test_telegram_e2e import LEARNER, Running, User, db_rows, good_scenario

from bot.config import Config, load_config


@pytest.fixture
def config(fake_api: FakeBotAPI, write_config: Callable[..., Path]) -> Config:
    return load_config(write_config(fake_api))


def turns(config: Config) -> list[str]:
    return [row[0] for row in db_rows(config.storage_path, "SELECT reply FROM turns ORDER BY turn")]


def no_errors(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]


ODD_REPLIES = [
    "\u202eHvordan har du det?\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",  # right-to-left
    "Hvad tænker du 🙂👨‍👩‍👧 om e\u0301 og a\u030a?",  # emoji, ZWJ sequence, combining marks
    "Robert'); DROP TABLE turns;-- hvad tænker du?",  # SQL-looking
    "<b>fed</b> <script>alert(1)</script> &amp; *fed* _kursiv_ `kode` [link](http://x) </i>",  # markup
]


async def test_odd_replies_are_stored_verbatim_and_echoed_escaped(
        fake_api: FakeBotAPI, config: Config, caplog: pytest.LogCaptureFixture) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        for reply in ODD_REPLIES:
            answer = await user.say(bot, reply)
            assert answer and answer[0].startswith("Mette:"), answer
    assert turns(config) == ODD_REPLIES  # exactly one turn each, byte for byte
    tables = {row[0] for row in db_rows(config.storage_path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"turns", "sessions", "learners"} <= tables  # the SQL-looking text dropped nothing
    for call in fake_api.calls_of("sendMessage"):  # the fake server parses every HTML message it gets
        assert "<script>" not in call.params["text"]
    no_errors(caplog)


async def test_control_chars_punctuation_and_huge_replies(
        fake_api: FakeBotAPI, config: Config, caplog: pytest.LogCaptureFixture) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        cases = [("?!...,;:-", "Mette:"),  # only punctuation: an ordinary (neutral) turn
                 ("Hvad\x00 tænker\x01\x07\x1b[31m du?\x7f", "kontroltegn"),  # refused, nothing stored
                 ("Hvad tænker du? " * 65_536, "for langt")]  # 1 MB: refused, nothing stored
        for reply, expected in cases:
            answer = await user.say(bot, reply)
            assert len(answer) >= 1 and expected in answer[0], (reply[:20], answer)
    assert turns(config) == ["?!...,;:-"]
    no_errors(caplog)


async def test_unknown_callbacks_and_junk_arguments(
        fake_api: FakeBotAPI, config: Config, caplog: pytest.LogCaptureFixture) -> None:
    user = User(fake_api, LEARNER)
    async with Running(config) as bot:
        await user.begin(bot)
        for data in ["never-issued", "sc:../../etc/passwd", "fb:maybe", "forget:yes:0", "x" * 64, ""]:
            fake_api.press(LEARNER, data, fake_api.last_message(LEARNER))
            await bot.idle(fake_api)
        assert turns(config) == []
        assert db_rows(config.storage_path, "SELECT COUNT(*) FROM learners") == [(1,)]  # forget:yes:0 did nothing
        assert "Brug /feedback" in (await user.say(bot, "/feedback 123"))[0]
        assert "Brug /language" in (await user.say(bot, "/language xx"))[0]
        refused = await user.say(bot, "/transcript junk")  # a learner: not an instructor command for them
        assert refused == ["Den kommando er kun for undervisere."]
    teacher = User(fake_api, INSTRUCTOR_ID)
    async with Running(config) as bot:
        for junk in ["/transcript junk", "/transcript 1 2 3", "/transcript -1 99999999999999999999", "/transcript"]:
            answer = await teacher.say(bot, junk)
            assert answer and ("Brug: /transcript" in answer[0] or "Ingen session" in answer[0]), answer
    assert turns(config) == []
    no_errors(caplog)


def _bomb() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        prev = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("id: bomb\n" + "\n".join(lines) + "\n").encode()


BAD_UPLOADS = {
    "bomb.yaml": _bomb(),
    "object.yaml": b"id: !!python/object/apply:os.system ['touch /tmp/pwned']\nlanguage: da\n",
    "huge.yaml": b"id: huge\ndescription: " + b"x" * (600 * 1024) + b"\n",
    "deep.yaml": b"id: deep\nx: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "latin1.yaml": "id: s\u00f8ren\ntitle: S\u00f8ren\n".encode("latin-1") + b"\xff\xfe\x00",
    "path.yaml": good_scenario().replace(b"id: uploaded-dave", b"id: ../../etc", 1),
    "dupkey.yaml": good_scenario().replace(b"id: uploaded-dave", b"id: uploaded-dave\nid: other-dave", 1),
}


async def test_bad_scenario_uploads_are_rejected_and_nothing_installed(
        fake_api: FakeBotAPI, config: Config, caplog: pytest.LogCaptureFixture) -> None:
    folder = config.dialogues_path
    before = sorted(p.name for p in folder.iterdir())
    teacher = User(fake_api, INSTRUCTOR_ID)
    async with Running(config) as bot:
        for name, content in BAD_UPLOADS.items():
            sent = len(teacher.texts())
            fake_api.send_document(INSTRUCTOR_ID, name, content)
            await bot.idle(fake_api, timeout=20)
            answer = teacher.texts()[sent:]
            assert len(answer) == 1, (name, answer)
            assert "er afvist" in answer[0] or "for stor" in answer[0], (name, answer)
            assert sorted(p.name for p in folder.iterdir()) == before, name
        # the id of a shipped (not uploaded) scenario is refused: a built-in one is never clobbered
        # from a chat (an instructor's own upload can be replaced: tests/test_privacy.py)
        sent = len(teacher.texts())
        original = (folder / "alcohol-dave.yaml").read_bytes()
        fake_api.send_document(INSTRUCTOR_ID, "copy-of-dave.yaml", original.replace(b"title:", b"title: Ny", 1))
        await bot.idle(fake_api, timeout=20)
        assert "bruges allerede af et scenarie, der ikke er uploadet" in teacher.texts()[sent:][0]
        assert (folder / "alcohol-dave.yaml").read_bytes() == original
    assert sorted(p.name for p in folder.iterdir()) == before
    assert not Path("/tmp/pwned").exists()
    assert not (folder.parent.parent / "etc.yaml").exists()
    no_errors(caplog)
