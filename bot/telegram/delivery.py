"""Sending to Telegram: the outbox, retries and Telegram's failure modes.

Handlers never send a learner's answer directly: they commit the turn together with its outgoing
messages (the outbox) and ask `Delivery` to send the chat's outbox. One worker per chat sends the
chat's queued messages oldest first and removes each once Telegram accepted it, so

- the order of a chat's messages is the order of the commits;
- a crash, timeout or network error never loses an answer: what is still in the outbox is sent at
  the next start (or by the periodic sweep) — it may arrive twice, but a turn is never applied twice;
- RetryAfter (429) waits as long as Telegram asks and tries again; TimedOut / NetworkError retry
  with backoff; Forbidden (the learner blocked the bot) marks the learner inactive and drops
  their queued messages, with no retry loop; a text Telegram cannot parse as HTML is sent plain.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.storage import SessionStore
from bot.telegram.text import split_message

_LOG = logging.getLogger("bot.telegram.delivery")
T = TypeVar("T")

MAX_ATTEMPTS = 6
MAX_RETRY_AFTER = 300.0
"""Longest single wait Telegram may ask for before we give up and leave it to the sweep."""
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
SWEEP_SECONDS = 15.0
TYPING_WAIT = 5.0
"""Longest a chat's delivery waits for its typing indicator to go out first."""

Keyboard = Sequence[Sequence[Mapping[str, str]]]
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta: both are fine
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button["text"], callback_data=button["data"]) for button in row] for row in keyboard]
    )


def message(text: str, keyboard: Keyboard | None = None, kind: str = "info") -> dict[str, Any]:
    """An outbox payload: Telegram HTML text, an optional inline keyboard, what kind of message it is."""
    payload: dict[str, Any] = {"text": text, "kind": kind}
    if keyboard:
        payload["keyboard"] = [[dict(button) for button in row] for row in keyboard]
    return payload


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^<>]*>", "", text))


def transient(error: TelegramError) -> bool:
    """Worth another try: a timeout, a network error, or a body that is no Bot API answer at all (PTB's
    "Invalid server response": a proxy's error page, a cut-off body), which says nothing about the call."""
    return isinstance(error, TimedOut | NetworkError) or error.message == "Invalid server response"


def is_not_modified(error: BadRequest) -> bool:
    return "not modified" in error.message.lower()


def is_stale_query(error: BadRequest) -> bool:
    text = error.message.lower()
    return "query is too old" in text or "query id is invalid" in text


class Delivery:
    """Sends outboxes, one worker per chat; see the module docs."""

    def __init__(self, bot: Bot, store: SessionStore, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.bot = bot
        self.store = store
        self._sleep = sleep
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._typing: dict[int, asyncio.Task[None]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._closing = False

    # ---------------------------------------------------------------- calling Telegram

    async def call(self, action: Callable[[], Awaitable[T]], what: str) -> T:
        """Run one Bot API call, waiting out RetryAfter and retrying timeouts and network errors."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                return await action()
            except RetryAfter as error:
                wait = retry_seconds(error)
                if wait > MAX_RETRY_AFTER or attempt == MAX_ATTEMPTS - 1:
                    raise
                _LOG.warning("%s: Telegram asks to retry after %.0f s", what, wait)
                await self._sleep(wait + 0.05)
            except (BadRequest, Forbidden):
                raise
            except TelegramError as error:
                if not transient(error) or attempt == MAX_ATTEMPTS - 1:
                    raise
                wait = BACKOFF[min(attempt, len(BACKOFF) - 1)]
                _LOG.warning("%s failed (%s); retrying in %.1f s", what, error.__class__.__name__, wait)
                await self._sleep(wait)
        raise AssertionError("unreachable")

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None = None) -> None:
        """Send Telegram HTML, split at 4,096 characters; the keyboard goes with the last part."""
        chunks = split_message(text)
        for index, chunk in enumerate(chunks):
            reply_markup = markup(keyboard) if index == len(chunks) - 1 else None
            try:
                await self.call(
                    lambda chunk=chunk, reply_markup=reply_markup: self._send_message(  # type: ignore[misc]
                        chat_id, chunk, reply_markup),
                    "sendMessage",
                )
            except BadRequest as error:
                if "parse" not in error.message.lower():
                    raise
                _LOG.error("Telegram could not parse a message as HTML (%s); sending it as plain text", error)
                await self.call(
                    lambda chunk=chunk, reply_markup=reply_markup: self.bot.send_message(  # type: ignore[misc]
                        chat_id, plain(chunk), reply_markup=reply_markup
                    ),
                    "sendMessage",
                )

    async def _send_message(self, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None) -> None:
        """sendMessage without turning Telegram's answer into a `Message` (we never use it): PTB's
        `Bot._post` is what `send_message` calls before `Message.de_json`, which cost ~0.14 ms CPU
        per message here (17% of the call). Same request, same errors (BadRequest, RetryAfter, ...)."""
        data: dict[str, Any] = {
            "chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML,
            "link_preview_options": _NO_PREVIEW,
        }
        if reply_markup is not None:
            data["reply_markup"] = reply_markup
        await self.bot._post("sendMessage", data)

    async def typing(self, chat_id: int) -> None:
        """Best effort: a typing indicator while a turn is worked out (never retried, never raises)."""
        with contextlib.suppress(TelegramError):
            # `_post` as in `_send_message`: the same request without PTB's per-method wrappers.
            await self.bot._post("sendChatAction", {"chat_id": chat_id, "action": ChatAction.TYPING})

    def start_typing(self, chat_id: int) -> None:
        """`typing` without waiting for it: the turn is worked out meanwhile, and the chat's next
        delivery waits (up to TYPING_WAIT) for the indicator, so it never arrives after the answer."""
        if self._closing:
            return
        task = asyncio.get_running_loop().create_task(self._typing_now(chat_id), name=f"typing:{chat_id}")
        self._typing[chat_id] = task
        task.add_done_callback(functools.partial(self._typing_done, chat_id))

    async def _typing_now(self, chat_id: int) -> None:
        try:
            await self.typing(chat_id)
        except Exception as error:  # best effort, and no handler awaits this task to see an error
            _LOG.warning("chat %s: typing indicator failed: %r", chat_id, error)

    def _typing_done(self, chat_id: int, task: asyncio.Task[None]) -> None:
        if self._typing.get(chat_id) is task:
            del self._typing[chat_id]

    async def edit(self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None) -> None:
        """Best effort edit: "message is not modified" and vanished messages are fine."""
        try:
            await self.call(
                lambda: self.bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML,
                    reply_markup=markup(keyboard),
                ),
                "editMessageText",
            )
        except BadRequest as error:
            if not is_not_modified(error):
                _LOG.info("could not edit message %s in chat %s: %s", message_id, chat_id, error.message)
        except Forbidden:
            await self.blocked(chat_id)
        except TelegramError as error:
            _LOG.info("could not edit message %s in chat %s: %s", message_id, chat_id, error)

    async def answer(self, query_id: str, text: str | None = None) -> None:
        """Best effort answer to a button press; a stale query is no error."""
        try:
            await self.call(lambda: self.bot.answer_callback_query(query_id, text=text), "answerCallbackQuery")
        except BadRequest as error:
            if not is_stale_query(error):
                _LOG.info("could not answer callback query: %s", error.message)
        except TelegramError as error:
            _LOG.info("could not answer callback query: %s", error)

    async def blocked(self, chat_id: int) -> None:
        """The learner blocked the bot: mark them inactive and drop what is queued for them."""
        _LOG.info("chat %s blocked the bot; learner marked inactive", chat_id)
        await self.store.set_active(chat_id, False)
        await self.store.outbox_sent_many([item.id for item in await self.store.outbox(chat_id=chat_id)])

    # ---------------------------------------------------------------- the outbox

    def flush(self, chat_id: int) -> None:
        """Make sure the chat's outbox gets sent (starts its worker, or tells it to look again)."""
        if self._closing:
            return
        worker = self._workers.get(chat_id)
        if worker is not None and not worker.done():
            self._again.add(chat_id)
            return
        self._workers[chat_id] = asyncio.get_running_loop().create_task(
            self._work(chat_id), name=f"deliver:{chat_id}"
        )

    async def _work(self, chat_id: int) -> None:
        try:
            while True:
                self._again.discard(chat_id)
                typing = self._typing.get(chat_id)
                if typing is not None:
                    await asyncio.wait([typing], timeout=TYPING_WAIT)
                items = await self.store.outbox(chat_id=chat_id)
                sent: list[int] = []
                try:
                    for item in items:
                        await self.send_text(chat_id, str(item.payload["text"]), item.payload.get("keyboard"))
                        sent.append(item.id)
                finally:
                    # One write for the batch: a crash before it re-sends the batch (may arrive twice,
                    # never lost); on a failure the messages already sent are still dropped.
                    if sent:
                        await self.store.outbox_sent_many(sent)
                if chat_id not in self._again:
                    return
        except Forbidden:
            await self.blocked(chat_id)
        except BadRequest as error:
            # Telegram will never take this message (e.g. the chat does not exist): drop it.
            _LOG.error("chat %s: Telegram refused a queued message (%s); dropped", chat_id, error.message)
            items = await self.store.outbox(chat_id=chat_id)
            if items:
                await self.store.outbox_sent(items[0].id)
                self._again.add(chat_id)
        except TelegramError as error:
            _LOG.warning("chat %s: delivery failed (%s); the sweep will try again", chat_id, error)
        except asyncio.CancelledError:
            raise
        except Exception:
            _LOG.exception("chat %s: delivery failed; the sweep will try again", chat_id)
        finally:
            if self._workers.get(chat_id) is asyncio.current_task():
                del self._workers[chat_id]
            if chat_id in self._again and not self._closing:
                self._again.discard(chat_id)
                self.flush(chat_id)

    async def flush_all(self) -> None:
        """Send everything still queued (at start-up: what a crash left behind)."""
        chats = sorted({item.chat_id for item in await self.store.outbox()})
        for chat_id in chats:
            self.flush(chat_id)

    async def idle(self, timeout: float = 10.0) -> bool:
        """Wait until no worker is running; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._workers:
            pending = [task for task in self._workers.values() if not task.done()]
            if not pending:
                await asyncio.sleep(0)
                continue
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.wait(pending, timeout=left)
        return True

    def start_sweep(self, every: float = SWEEP_SECONDS) -> None:
        async def sweep() -> None:
            while True:
                await asyncio.sleep(every)
                try:
                    await self.flush_all()
                except Exception:
                    _LOG.exception("outbox sweep failed")

        self._sweeper = asyncio.get_running_loop().create_task(sweep(), name="outbox-sweep")

    async def close(self, timeout: float = 10.0) -> None:
        """Let running workers finish (up to `timeout`), then cancel the rest; the outbox keeps them."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.idle(timeout)
        self._closing = True
        for task in [*self._workers.values(), *self._typing.values()]:
            task.cancel()
        for task in list(self._workers.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


__all__ = ["Delivery", "Keyboard", "markup", "message", "plain", "retry_seconds", "transient"]
