"""Per-chat ordering: updates of one chat run one after another, different chats concurrently.

`ChatOrderedProcessor` is the Application's update processor (`concurrent_updates`): the
Application starts a task per update in arrival order, and the processor makes each task take its
chat's lock first. `asyncio.Lock` hands itself over in FIFO order and the tasks reach the lock
in creation order (nothing awaits before it), so a chat's updates are handled in order, while a
slow chat never holds up another. Locks are dropped when no task holds or waits for them.

`Settlement` tells the poller (or webhook) when an update has been handled: only then is it
acknowledged to Telegram, so a crash before that makes Telegram deliver it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

_LOG = logging.getLogger("bot.telegram")


class ChatLocks:
    """An `asyncio.Lock` per chat, created on demand and removed when unused."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock_now, users_now = self._locks[chat_id]
            if users_now <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock_now, users_now - 1)

    def __len__(self) -> int:
        return len(self._locks)

    def busy(self, chat_id: int) -> bool:
        return chat_id in self._locks


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (callback queries: their message's chat, else the user)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return int(update.effective_chat.id)
    if update.effective_user is not None:
        return int(update.effective_user.id)
    return None


class Settlement:
    """Which fetched updates are still being handled; waiters learn when a batch is done."""

    def __init__(self) -> None:
        self._open: set[int] = set()
        self._changed = asyncio.Event()

    def expect(self, update_ids: Iterable[int]) -> None:
        self._open.update(update_ids)

    def done(self, update_id: int) -> None:
        if update_id in self._open:
            self._open.discard(update_id)
            self._changed.set()

    def pending(self) -> frozenset[int]:
        return frozenset(self._open)

    async def wait(self, update_ids: Iterable[int], timeout: float) -> bool:
        """True when all of `update_ids` were handled within `timeout` seconds."""
        wanted = set(update_ids)
        deadline = time.monotonic() + timeout
        while wanted & self._open:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return True


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Runs updates concurrently across chats and in order within a chat."""

    def __init__(self, max_concurrent_updates: int, locks: ChatLocks, settlement: Settlement) -> None:
        super().__init__(max_concurrent_updates)
        self.locks = locks
        self.settlement = settlement

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        try:
            if key is None:
                await coroutine
            else:
                async with self.locks.hold(key):
                    await coroutine
        finally:
            if isinstance(update, Update):
                self.settlement.done(update.update_id)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


__all__ = ["ChatLocks", "ChatOrderedProcessor", "Settlement", "chat_key"]
