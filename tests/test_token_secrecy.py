"""The bot token never appears in a log record, a message to a user, or a start-up error.

httpx logs every request URL, and Bot API URLs contain the token (`…/bot<token>/sendMessage`, and
file downloads `…/file/bot<token>/…`), so the bot redacts the token when a log record is made.
These tests run the bot with DEBUG logging (httpx included) through errors and look for the token
and for its secret part alone.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import INSTRUCTOR_ID
from fake_bot_api import TOKEN, FakeBotAPI
from test_telegram_e2e import LEARNER, MITTE_REPLIES, Running, User, good_scenario, start_bot_process

from bot.config import load_config
from bot.telegram import app

SECRET = TOKEN.partition(":")[2]


class Capture(logging.Handler):
    """Every record as the operator would read it: formatted, with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_logs() -> Iterator[Capture]:
    """DEBUG logging everywhere (httpx too) with the bot's redaction, as `mi-trainer run` sets it up."""
    capture = Capture()
    root = logging.getLogger()
    chatty = [logging.getLogger(name) for name in ("httpx", "httpcore", "telegram", "bot")]
    levels = [root.level, *(logger.level for logger in chatty)]
    root.addHandler(capture)
    for logger in (root, *chatty):
        logger.setLevel(logging.DEBUG)
    app.redact_token_everywhere(TOKEN)
    try:
        yield capture
    finally:
        logging.setLogRecordFactory(app._RECORD_FACTORY)
        root.removeHandler(capture)
        for logger, level in zip((root, *chatty), levels, strict=True):
            logger.setLevel(level)


def leaks(text: str) -> bool:
    return TOKEN in text or SECRET in text


async def test_token_is_in_no_log_record_and_no_message_through_errors(
    fake_api: FakeBotAPI, write_config: Callable[..., Path], debug_logs: Capture
) -> None:
    config = load_config(write_config(fake_api, log_level="DEBUG"))
    learner, teacher = User(fake_api, LEARNER), User(fake_api, INSTRUCTOR_ID)
    async with Running(config) as bot:
        await learner.begin(bot)
        fake_api.fail("sendMessage", 500, times=2)
        await learner.say(bot, MITTE_REPLIES[0])
        fake_api.fail("getUpdates", kind="garbage", times=2)
        await learner.say(bot, MITTE_REPLIES[1])
        fake_api.fail("getFile", 500, times=2)  # an upload whose file is hard to fetch
        fake_api.send_document(INSTRUCTOR_ID, "dave.yaml", good_scenario())
        await bot.idle(fake_api, timeout=30)
        fake_api.send_document(INSTRUCTOR_ID, "broken.yaml", b"id: [unclosed\n")  # downloaded, rejected
        await bot.idle(fake_api)
        await teacher.say(bot, "/export")
    logged = "\n".join(debug_logs.lines)
    assert "<token>" in logged  # httpx did log URLs with the token in them: redacted
    assert "/file/bot<token>" in logged  # ... and the file download URL too
    assert not leaks(logged), [line for line in debug_logs.lines if leaks(line)][:3]
    sent = [str(message) for chat in (LEARNER, INSTRUCTOR_ID) for message in fake_api.sent_to(chat)]
    assert sent and not any(leaks(text) for text in sent)


def test_redaction_covers_tracebacks_and_broken_format_strings() -> None:
    redact = app.RedactToken(TOKEN)
    try:
        raise RuntimeError(f"GET http://127.0.0.1/bot{TOKEN}/getMe failed; secret {SECRET}")
    except RuntimeError:
        record = logging.getLogger("t").makeRecord("t", logging.ERROR, __file__, 1, "failed %s", (TOKEN,),
                                                   sys.exc_info())
    assert redact.filter(record)
    text = logging.Formatter().format(record)
    assert not leaks(text) and "RuntimeError" in text and "<token>" in text
    broken = logging.getLogger("t").makeRecord("t", logging.INFO, __file__, 1, "%d", ("x",), None)
    assert redact.filter(broken)  # does not raise: logging reports the bad format itself


def test_cli_start_up_errors_and_a_debug_run_never_print_the_token(
    fake_api: FakeBotAPI, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    wrong = "987654:WRONG-secret-part-of-a-token"
    log = tmp_path / "refused.log"
    process = start_bot_process(write_config(fake_api, telegram={"token": wrong, "base_url": fake_api.base_url},
                                log_level="DEBUG"), log)
    assert process.wait(30) == 1
    refused = log.read_text()
    assert "InvalidToken" in refused and wrong not in refused and "WRONG-secret" not in refused

    log = tmp_path / "bad-config.log"
    process = start_bot_process(write_config(fake_api, log_level="DEBUG", privacy={"retention_days": "a year"}), log)
    assert process.wait(30) == 1
    error = log.read_text()
    assert error.count("\n") == 1 and "privacy.retention_days" in error and not leaks(error)

    fake_api.fail("getUpdates", 500, times=1)
    fake_api.fail("getUpdates", kind="garbage", times=1)
    log = tmp_path / "debug-run.log"
    process = start_bot_process(write_config(fake_api, log_level="DEBUG"), log)
    try:
        fake_api.send_text(LEARNER, "/start")
        fake_api.wait_for(lambda: bool(fake_api.sent_to(LEARNER)), 30)
        fake_api.fail("sendMessage", 500, times=1)
        fake_api.send_text(LEARNER, "/help")
        fake_api.wait_for(lambda: len(fake_api.sent_to(LEARNER)) >= 2, 30)
    finally:
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert process.returncode == 0, text[-2000:]
    assert "DEBUG" in text and not leaks(text)
