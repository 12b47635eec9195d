"""The bot under test, in its own process: `python -m bot.benchmark.child ours|echo ...`.

`ours` runs the real bot (`bot.telegram.app.run`: the Application, our poller, handlers, SQLite
store and delivery) with a config pointing at the fake Bot API; `echo` runs a minimal
python-telegram-bot Application that answers every text with the same text. Either way the
process answers control lines on stdin with one JSON line on stdout:

- `mark <name>`: CPU seconds of this process (`time.process_time`, every thread), RSS, peak RSS
  (VmHWM) and, while tracing, tracemalloc's current/peak;
- `trace on` / `trace off`: start/stop tracemalloc (used only outside the timed phase);
- `stop`: shut the bot down cleanly; a last `{"event": "exit"}` line follows.

stdout carries nothing else (logging goes to stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import resource
import sys
import threading
import time
import tracemalloc
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_OUT = threading.Lock()


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _peak_rss_bytes() -> int:
    """This process's peak RSS since its exec (VmHWM). Not `ru_maxrss`: Linux keeps that across
    fork and exec, so the child would report the benchmark parent's peak whenever that is larger."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _thread_cpu() -> dict[str, float]:
    """CPU seconds of the main thread (the event loop) and of all others together (SQLite, DNS, …);
    Linux /proc, empty elsewhere."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out: dict[str, float] = {}
    try:
        for task in os.listdir("/proc/self/task"):
            name = "main" if task == str(os.getpid()) else "other threads"
            with open(f"/proc/self/task/{task}/stat", encoding="ascii") as stat:
                fields = stat.read().rpartition(")")[2].split()
            out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        return {}
    return out


def stats(name: str) -> dict[str, Any]:
    traced, traced_peak = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (0, 0)
    return {
        "event": "mark",
        "name": name,
        "cpu_s": time.process_time(),
        "wall_s": time.monotonic(),
        "rss_bytes": _rss_bytes(),
        "maxrss_bytes": _peak_rss_bytes(),
        "traced_bytes": traced,
        "traced_peak_bytes": traced_peak,
        "tracing": tracemalloc.is_tracing(),
        "thread_cpu_s": _thread_cpu(),
    }


def emit(data: dict[str, Any]) -> None:
    with _OUT:
        sys.stdout.write(json.dumps(data) + "\n")
        sys.stdout.flush()


def _control(loop: asyncio.AbstractEventLoop, stop: asyncio.Event, extra: dict[str, Any]) -> None:
    """Read control lines on stdin (a thread); EOF stops the bot too."""
    for raw in sys.stdin:
        command = raw.strip()
        if command.startswith("mark"):
            data = stats(command.partition(" ")[2] or "mark")
            data.update({key: value() for key, value in extra.items()})
            emit(data)
        elif command == "trace on":
            tracemalloc.start()
            emit({"event": "trace", "on": True})
        elif command == "trace off":
            tracemalloc.stop()
            emit({"event": "trace", "on": False})
        elif command == "stop":
            break
    loop.call_soon_threadsafe(stop.set)


def _start_control(stop: asyncio.Event, extra: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    threading.Thread(target=_control, args=(loop, stop, extra), name="bench-control", daemon=True).start()


async def run_ours(config_path: str) -> None:
    from bot.config import load_config
    from bot.telegram.app import run, setup_logging

    config = load_config(config_path)
    setup_logging(config)
    stop = asyncio.Event()
    extra: dict[str, Any] = {}

    def ready(trainer: Any, application: Any) -> None:
        extra["live_sessions"] = trainer.live_count
        _start_control(stop, extra)
        emit({"event": "ready", "kind": "ours", "pid": os.getpid()})

    await run(config, stop=stop, on_ready=ready)


async def run_echo(base_url: str, token: str, concurrent: int, poll_timeout: int) -> None:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await message.reply_text(message.text)

    application = (
        ApplicationBuilder().token(token).base_url(base_url).concurrent_updates(concurrent)
        .get_updates_read_timeout(poll_timeout + 10).build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    stop = asyncio.Event()
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=poll_timeout)
        _start_control(stop, {})
        emit({"event": "ready", "kind": "echo", "pid": os.getpid()})
        await stop.wait()
        await application.updater.stop()
        await application.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.benchmark.child")
    parser.add_argument("kind", choices=["ours", "echo"])
    parser.add_argument("--config", help="ours: the bot's config file")
    parser.add_argument("--base-url", help="echo: the Bot API base URL")
    parser.add_argument("--token", default="")
    parser.add_argument("--concurrent", type=int, default=64)
    parser.add_argument("--poll-timeout", type=int, default=10)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # Where the CPU goes (benchmarks/README.md): the event-loop thread's CPU time under cProfile.
    profile_path = os.environ.get("MI_TRAINER_BENCH_PROFILE")
    profiler = cProfile.Profile(time.thread_time) if profile_path else None
    if profiler is not None:
        profiler.enable()
    if args.kind == "ours":
        from bot.telegram.app import run_until_stopped

        run_until_stopped(run_ours(args.config))  # on the loop `mi-trainer run` uses
    else:
        asyncio.run(run_echo(args.base_url, args.token, args.concurrent, args.poll_timeout))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{profile_path}.{args.kind}")
    emit({**stats("exit"), "event": "exit"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
