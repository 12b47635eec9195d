"""Retention: transcripts older than `privacy.retention_days` are deleted, at start-up and daily.

`purge()` is one clean-up (also run by hand with `mi-trainer purge`); `RetentionJob` is the asyncio
task the running bot owns (PTB's JobQueue needs an extra dependency; one daily task does not).
Processed update ids are pruned too: they only guard against Telegram re-delivering an update,
which it does within a day, so a week is plenty.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.storage.base import AuditEntry, PurgeCounts, SessionStore, StorageError

_LOG = logging.getLogger("bot.retention")

UPDATE_IDS_KEPT_DAYS = 7
DAILY = 24 * 60 * 60.0
ACTOR = "retention"


@dataclass(frozen=True, slots=True)
class RetentionReport:
    older_than: str | None
    """The cut-off (ISO time); None when transcripts are kept forever."""
    counts: PurgeCounts
    updates: int | None
    """Processed update ids forgotten; None in a dry run (not counted)."""
    dry_run: bool = False

    def describe(self) -> str:
        """One line for the log, the audit log and the CLI."""
        updates = "-" if self.updates is None else str(self.updates)
        return (f"older_than={self.older_than or 'never'} sessions={self.counts.sessions} "
                f"turns={self.counts.turns} outbox={self.counts.outbox} update_ids={updates}")


def cutoff(days: int, at: datetime | None = None) -> str:
    """`days` before `at` (default now), in the format of every timestamp column."""
    moment = (at or datetime.now(UTC)) - timedelta(days=days)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


async def purge(
    store: SessionStore, retention_days: int, *, dry_run: bool = False, at: datetime | None = None, by: str = "job"
) -> RetentionReport:
    """Delete (or with `dry_run` count) what is past the retention period; log and audit it."""
    older_than = cutoff(retention_days, at) if retention_days > 0 else None
    counts = PurgeCounts() if older_than is None else await store.purge_transcripts(older_than, dry_run)
    updates = None if dry_run else await store.prune_updates(cutoff(UPDATE_IDS_KEPT_DAYS, at))
    report = RetentionReport(older_than, counts, updates, dry_run)
    if dry_run:
        _LOG.info("retention dry run (%s): would delete %s", by, report.describe())
    else:
        _LOG.info("retention (%s): deleted %s", by, report.describe())
        await store.write_audit(AuditEntry(ACTOR, "purge", f"by={by} {report.describe()}", "done"))
    return report


class RetentionJob:
    """Runs `purge()` now and then every `interval` seconds until stopped."""

    def __init__(
        self,
        store: SessionStore,
        retention_days: int,
        *,
        on_purged: Callable[[PurgeCounts], Awaitable[None]] | None = None,
        interval: float = DAILY,
    ) -> None:
        self.store = store
        self.retention_days = retention_days
        self.on_purged = on_purged
        self.interval = interval
        self.runs = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="retention")

    async def stop(self) -> None:
        """Stop after the clean-up in hand (never cancelled in the middle of a store transaction)."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping.set()
            await task

    async def run_once(self) -> RetentionReport | None:
        try:
            report = await purge(self.store, self.retention_days)
        except (StorageError, sqlite3.Error, OSError, ValueError) as error:  # the bot goes on; tomorrow is another try
            _LOG.error("retention clean-up failed: %s", error)
            with contextlib.suppress(Exception):
                await self.store.write_audit(AuditEntry(ACTOR, "purge", "by=job", "failed"))
            return None
        finally:
            self.runs += 1
        if self.on_purged is not None and report.counts.learners:
            await self.on_purged(report.counts)
        return report

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            await self.run_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)


__all__ = ["ACTOR", "UPDATE_IDS_KEPT_DAYS", "RetentionJob", "RetentionReport", "cutoff", "purge"]
