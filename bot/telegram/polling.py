"""Long polling that acknowledges an update to Telegram only after it has been handled.

`getUpdates` with `offset=N` tells Telegram that every update below N is done. PTB's own Updater
moves the offset as soon as updates are fetched, so a crash while they wait in the queue loses
them. This poller hands a batch to the Application, waits until each update is *settled* (its
handler ran and committed; see `Settlement`) and only then asks for the next batch with the new
offset. Killed at any point, the bot gets every unsettled update again after a restart, and the
claimed update ids make sure none is applied twice.

Errors: RetryAfter waits as asked; TimedOut polls again; other network errors back off up to 30 s
(never a busy loop); InvalidToken stops the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.telegram.delivery import retry_seconds
from bot.telegram.ordering import Settlement

_LOG = logging.getLogger("bot.telegram.polling")

ALLOWED_UPDATES: Sequence[str] = ("message", "edited_message", "callback_query", "my_chat_member")
SETTLE_TIMEOUT = 60.0
"""Longest wait for a batch to be handled before it is acknowledged anyway (logged)."""


class Poller:
    """Fetch updates with long polling and feed them to the Application's update queue."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        settlement: Settlement,
        timeout: int = 30,
        settle_timeout: float = SETTLE_TIMEOUT,
    ) -> None:
        self.application = application
        self.settlement = settlement
        self.timeout = timeout
        self.settle_timeout = settle_timeout
        self.offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        self.fatal: BaseException | None = None
        self.failed = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="poller")

    async def stop(self) -> None:
        """Stop fetching; acknowledge what has been handled (without waiting for more)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.offset is not None and self.fatal is None and not self.settlement.pending():
            with contextlib.suppress(TelegramError, asyncio.TimeoutError):
                await asyncio.wait_for(
                    self.application.bot.get_updates(offset=self.offset, timeout=0, limit=1,
                                                      allowed_updates=ALLOWED_UPDATES),
                    5,
                )

    async def _run(self) -> None:
        bot = self.application.bot
        failures = 0
        while True:
            try:
                updates = await bot.get_updates(
                    offset=self.offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES,
                )
                failures = 0
            except RetryAfter as error:
                wait = retry_seconds(error)
                _LOG.warning("getUpdates: Telegram asks to retry after %.0f s", wait)
                await asyncio.sleep(wait)
                continue
            except TimedOut:
                continue
            except InvalidToken as error:
                _LOG.error("Telegram refused the token; stopping")
                self.fatal = error
                self.failed.set()
                return
            except (Conflict, NetworkError, TelegramError) as error:
                failures += 1
                wait = min(30.0, 0.5 * 2 ** min(failures, 6))
                _LOG.warning("getUpdates failed (%s); polling again in %.1f s", error, wait)
                await asyncio.sleep(wait)
                continue
            except asyncio.CancelledError:
                raise
            except Exception as error:  # e.g. a body that is not an update: keep going, slowly
                failures += 1
                wait = min(30.0, 0.5 * 2 ** min(failures, 6))
                _LOG.warning("getUpdates gave something unreadable (%r); polling again in %.1f s", error, wait)
                await asyncio.sleep(wait)
                continue
            if not updates:
                continue
            await self.feed(updates)
            self.offset = max(update.update_id for update in updates) + 1

    async def feed(self, updates: Sequence[Update]) -> None:
        """Queue updates for the Application and wait until they are handled."""
        ids = [update.update_id for update in updates]
        self.settlement.expect(ids)
        for update in updates:
            await self.application.update_queue.put(update)
        if not await self.settlement.wait(ids, self.settle_timeout):
            _LOG.warning("updates %s still being handled after %.0f s; acknowledging them anyway",
                         sorted(self.settlement.pending() & set(ids)), self.settle_timeout)


__all__ = ["ALLOWED_UPDATES", "Poller"]
