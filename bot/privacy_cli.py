"""Operator commands on the bot's database: `mi-trainer audit` and `mi-trainer purge`.

Thin: read the config, open the store, print. Mistakes (no config, no database) are one line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from bot.storage import SqliteStore


def _user_error(message: str) -> Exception:
    """`bot.cli.UserError` (imported late: bot.cli imports this module to register the commands)."""
    from bot.cli import UserError

    return UserError(message)


def _config(path: str) -> Config:
    try:
        return load_config(path)
    except ConfigError as error:
        raise _user_error(str(error)) from None


async def _open(config: Config) -> SqliteStore:
    from bot.storage import SqliteStore, StorageError

    if not Path(config.storage_path).is_file():
        raise _user_error(f"storage.path: no database at {config.storage_path} (has the bot run yet?)")
    store = SqliteStore(config.storage_path)
    try:
        await store.open()
    except StorageError as error:
        raise _user_error(f"storage.path: {error}") from None
    return store


def _limit(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= number <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return number


def cmd_audit(args: argparse.Namespace) -> int:
    async def show() -> int:
        store = await _open(_config(args.config))
        try:
            entries = await store.audit_entries(args.limit)
        finally:
            await store.close()
        for entry in reversed(entries):  # oldest first, like a log
            print(f"{entry.at}\t{entry.actor}\t{entry.action}\t{entry.outcome}\t{entry.arguments}")
        if not entries:
            print("the audit log is empty", file=sys.stderr)
        return 0

    return asyncio.run(show())


def cmd_purge(args: argparse.Namespace) -> int:
    from bot.storage.retention import purge

    async def clean() -> int:
        config = _config(args.config)
        store = await _open(config)
        try:
            report = await purge(store, config.privacy.retention_days, dry_run=args.dry_run, by="cli")
        finally:
            await store.close()
        print(("would delete: " if args.dry_run else "deleted: ") + report.describe())
        return 0

    return asyncio.run(clean())


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser(
        "audit", help="show the audit log (instructor actions, refusals, retention clean-ups)",
        description="Print the latest audit log entries, oldest first: time, actor, action, outcome, arguments.",
    )
    audit.add_argument("--config", default="config.yaml", help="config YAML (default: ./config.yaml)")
    audit.add_argument("--limit", type=_limit, default=50, metavar="N", help="how many entries (default 50)")
    audit.set_defaults(handler=cmd_audit)

    purge = commands.add_parser(
        "purge", help="delete transcripts older than privacy.retention_days now",
        description="Delete sessions (with their replies) untouched for privacy.retention_days days and old "
                    "queued messages, and forget old processed update ids; what the bot also does daily.",
    )
    purge.add_argument("--config", default="config.yaml", help="config YAML (default: ./config.yaml)")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    purge.set_defaults(handler=cmd_purge)


__all__ = ["register"]
