"""The Telegram bot (python-telegram-bot 22): practice on Telegram, instructor commands.

Entry points: `run(config)` (async; runs until stopped) and `main_run(config_path)` (what
`mi-trainer run [--config]` calls). See `app.py` for start-up and shutdown, `handlers.py` and
`instructor.py` for the commands, `delivery.py` for the outbox and Telegram's failure modes,
`ordering.py` and `polling.py` for per-chat order and exactly-once handling.
"""

from bot.telegram.app import StartupError, build_application, main_run, run

__all__ = ["StartupError", "build_application", "main_run", "run"]
