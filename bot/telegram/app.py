"""Building and running the bot: `run(config)` (async) and `main_run(config_path)` for the CLI.

Start-up order: config → scenarios → database (migrations) → Application (getMe checks the token)
→ command menus → the outbox left by a crash is sent → polling (or the webhook) starts. Shutdown
(SIGINT/SIGTERM): stop fetching, finish the updates in hand, send what is queued, close the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.config import Config, ConfigError, check_dialogues, load_config
from bot.storage import SessionStore, SqliteStore, StorageError
from bot.storage.retention import RetentionJob
from bot.telegram.delivery import Delivery
from bot.telegram.handlers import INSTRUCTOR_COMMANDS, LEARNER_COMMANDS, LearnerHandlers
from bot.telegram.instructor import InstructorHandlers
from bot.telegram.ordering import ChatOrderedProcessor
from bot.telegram.polling import Poller
from bot.telegram.text import Texts
from bot.telegram.trainer import Trainer
from bot.telegram.transport import AiohttpRequest
from bot.telegram.webhook import WebhookServer
from state_machines.library import ScenarioLibrary

_LOG = logging.getLogger("bot.telegram")

App = Application[Any, Any, Any, Any, Any, Any]


class StartupError(Exception):
    """The bot cannot start; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Client-side limits of one Bot API call, in seconds (getUpdates also waits its long poll)."""

    connect: float = 10.0
    read: float = 20.0
    write: float = 30.0
    pool: float = 10.0
    get_updates_read: float = 10.0


def build_application(config: Config, trainer: Trainer, timeouts: Timeouts | None = None) -> App:
    """The python-telegram-bot Application with our update processor and handlers (not started)."""
    telegram = config.telegram
    limits = timeouts or Timeouts()
    processor = ChatOrderedProcessor(telegram.concurrent_updates, trainer.locks, trainer.settlement)
    builder = (
        ApplicationBuilder()
        .token(telegram.token)
        .base_url(telegram.base_url)
        .base_file_url(telegram.base_file_url)
        .updater(None)
        .concurrent_updates(processor)
    )
    if telegram.http_client == "aiohttp":
        builder = (
            builder
            .request(AiohttpRequest(256, connect_timeout=limits.connect, read_timeout=limits.read,
                                    pool_timeout=limits.pool))
            .get_updates_request(AiohttpRequest(1, connect_timeout=limits.connect,
                                                read_timeout=limits.get_updates_read, pool_timeout=limits.pool))
        )
    else:
        builder = (
            builder
            .connect_timeout(limits.connect)
            .read_timeout(limits.read)
            .write_timeout(limits.write)
            .pool_timeout(limits.pool)
            .get_updates_connect_timeout(limits.connect)
            .get_updates_read_timeout(limits.get_updates_read)
            .get_updates_pool_timeout(limits.pool)
        )
    application: App = builder.build()
    trainer.attach(Delivery(application.bot, trainer.store))
    learner = LearnerHandlers(trainer)
    learner.register(application, InstructorHandlers(trainer))
    return application


async def set_commands(application: App, config: Config) -> None:
    """Command menus: learner commands for everyone (Danish and English), plus instructor commands
    for instructors. Only a convenience: instructor commands are authorised on every call."""
    bot = application.bot
    try:
        for lang in ("da", "en"):
            texts = Texts(lang)
            commands = [BotCommand(name, texts.plain(f"commands.{name}")) for name in LEARNER_COMMANDS]
            code = None if lang == config.default_language else lang
            await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)
        texts = Texts(config.default_language)
        every = [BotCommand(name, texts.plain(f"commands.{name}")) for name in (*LEARNER_COMMANDS,
                                                                                 *INSTRUCTOR_COMMANDS)]
        for instructor in sorted(config.instructors):
            await bot.set_my_commands(every, scope=BotCommandScopeChat(instructor))
    except TelegramError as error:
        _LOG.warning("could not set the command menus: %s", error)


def load_library(config: Config) -> ScenarioLibrary:
    check_dialogues(config)
    library, problems = ScenarioLibrary.load(config.dialogues_path)
    for problem in problems:
        _LOG.warning("scenario left out: %s", problem)
    if not len(library):
        first = f": {problems[0]}" if problems else ""
        raise ConfigError(f"dialogues.path: no valid scenario in {config.dialogues_path}{first}")
    return library


async def run(
    config: Config,
    *,
    stop: asyncio.Event | None = None,
    store: SessionStore | None = None,
    on_ready: Callable[[Trainer, App], None] | None = None,
    timeouts: Timeouts | None = None,
) -> None:
    """Run the bot until `stop` is set (or SIGINT/SIGTERM). Raises ConfigError / StartupError."""
    library = load_library(config)
    own_store = store is None
    store = store or SqliteStore(config.storage_path)
    try:
        await store.open()
    except StorageError as error:
        raise StartupError(f"storage.path: {error}") from None
    stop = stop or asyncio.Event()
    try:
        trainer = Trainer(config, store, library)
        application = build_application(config, trainer, timeouts)
        try:
            await application.initialize()
        except (InvalidToken, NetworkError) as error:
            # initialize() opened the HTTP clients before get_me failed; close them (no "unclosed" noise).
            await application.bot.shutdown()
            if isinstance(error, InvalidToken):
                raise StartupError("telegram.token was refused by Telegram (InvalidToken); check the token") from None
            raise StartupError(f"cannot reach the Bot API at {config.telegram.base_url}: {error}") from None
        try:
            await _serve(application, trainer, config, stop, on_ready)
        finally:
            await application.shutdown()
    finally:
        if own_store:
            await store.close()


async def _serve(
    application: App, trainer: Trainer, config: Config, stop: asyncio.Event,
    on_ready: Callable[[Trainer, App], None] | None,
) -> None:
    await set_commands(application, config)
    delivery = trainer.delivery
    await application.start()
    await delivery.flush_all()  # answers a crash left in the outbox go out before anything new
    delivery.start_sweep()
    retention = RetentionJob(trainer.store, config.privacy.retention_days, on_purged=trainer.forget_sessions)
    retention.start()  # at start-up, then daily
    poller: Poller | None = None
    webhook: WebhookServer | None = None
    if config.telegram.mode == "webhook":
        webhook = WebhookServer(application, trainer.settlement, config.telegram.webhook)
        await webhook.start()
    else:
        with contextlib.suppress(TelegramError):
            await application.bot.delete_webhook(drop_pending_updates=False)
        poller = Poller(application, trainer.settlement, timeout=config.telegram.poll_timeout)
        poller.start()
    removers = _on_signals(stop)
    _LOG.info("MI trainer bot @%s is running (%s)", application.bot.username, config.telegram.mode)
    if on_ready is not None:
        on_ready(trainer, application)
    try:
        waits = [asyncio.ensure_future(stop.wait())]
        if poller is not None:
            waits.append(asyncio.ensure_future(poller.failed.wait()))
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()
    finally:
        for remove in removers:
            remove()
        await retention.stop()
        if poller is not None:
            await poller.stop()
        if webhook is not None:
            await webhook.stop()
        await application.stop()
        await delivery.close()
    if poller is not None and poller.fatal is not None:
        raise StartupError("telegram.token was refused by Telegram (InvalidToken); check the token")


def _on_signals(stop: asyncio.Event) -> list[Callable[[], None]]:
    loop = asyncio.get_running_loop()
    removers: list[Callable[[], None]] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        removers.append(functools.partial(_remove_signal, loop, sig))
    return removers


def _remove_signal(loop: asyncio.AbstractEventLoop, sig: signal.Signals) -> None:
    loop.remove_signal_handler(sig)


class RedactToken(logging.Filter):
    """Replaces the bot token (and its secret part alone) in a log record's message and traceback
    (httpx and PTB may log URLs that contain it; an exception's text may too)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        _, _, secret = token.partition(":")
        self.secrets = tuple(part for part in (token, secret) if len(part) >= 8)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it when it emits the record
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_RECORD_FACTORY = logging.getLogRecordFactory()


def redact_token_everywhere(token: str) -> RedactToken:
    """Redact the token in every log record when it is made, whatever handler gets it later (one
    installed by a library, a test's capture, or a handler added after start-up)."""
    redact = RedactToken(token)

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = _RECORD_FACTORY(*args, **kwargs)
        redact.filter(record)
        return record

    logging.setLogRecordFactory(make)  # replaces an earlier one: the original factory is kept above
    return redact


def setup_logging(config: Config) -> None:
    logging.basicConfig(
        level=config.log_level, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    redact = redact_token_everywhere(config.telegram.token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request URL, token included
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)  # at DEBUG it logs every SQL parameter: learners' replies


def run_until_stopped(main: Coroutine[Any, Any, None]) -> None:
    """Run the bot's coroutine on uvloop when it is installed (the default dependency), else on
    asyncio's own loop. uvloop's event loop and sockets take ~0.1-0.3 ms less CPU per practice turn
    here (`mi-trainer bench`); nothing in the bot depends on which loop runs it."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; platforms without it fall back
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def main_run(config_path: str | None) -> int:
    """`mi-trainer run [--config PATH]`: 0 after a clean stop, 1 with one clear line on a bad start."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # opt in to PTB's timedelta durations (no deprecation noise)
    try:
        config = load_config(config_path)
    except ConfigError as error:
        print(f"mi-trainer: {error}", file=sys.stderr)
        return 1
    setup_logging(config)
    try:
        run_until_stopped(run(config))
    except (ConfigError, StartupError) as error:
        print(f"mi-trainer: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


__all__ = [
    "RedactToken",
    "StartupError",
    "Timeouts",
    "build_application",
    "load_library",
    "main_run",
    "redact_token_everywhere",
    "run",
    "set_commands",
]
