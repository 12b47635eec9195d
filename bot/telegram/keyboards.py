"""Inline keyboards and their callback data (always within Telegram's 64-byte limit).

Callback data is `<action>` or `<action>:<argument>`; a scenario id too long to fit is sent as a
short hash of the id. Data the bot never issued parses to None and gets a polite "stale button".
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

from bot.storage import FEEDBACK_MODES
from bot.telegram.delivery import Keyboard
from bot.telegram.text import Texts
from state_machines.model import Scenario

CALLBACK_LIMIT = 64
"""Telegram's limit on callback data, in bytes."""
FORGET_VALID_SECONDS = 600
"""A /forget confirmation button works this long."""

ACTIONS = frozenset({"consent", "sc", "sh", "lang", "fb", "forget", "scenarios"})


@dataclass(frozen=True, slots=True)
class Callback:
    action: str
    argument: str = ""


def encode(action: str, argument: str = "") -> str:
    data = f"{action}:{argument}" if argument else action
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    if not data or len(data.encode()) > CALLBACK_LIMIT:
        return None
    action, _, argument = data.partition(":")
    if action not in ACTIONS:
        return None
    return Callback(action, argument)


def scenario_hash(scenario_id: str) -> str:
    return hashlib.blake2b(scenario_id.encode(), digest_size=12).hexdigest()


def scenario_data(scenario_id: str) -> str:
    data = f"sc:{scenario_id}"
    return data if len(data.encode()) <= CALLBACK_LIMIT else encode("sh", scenario_hash(scenario_id))


def find_scenario(callback: Callback, scenarios: Iterable[Scenario]) -> Scenario | None:
    for scenario in scenarios:
        if (callback.action == "sc" and scenario.id == callback.argument) or (
            callback.action == "sh" and scenario_hash(scenario.id) == callback.argument
        ):
            return scenario
    return None


def button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "data": data}


def scenarios(items: Iterable[Scenario]) -> Keyboard:
    rows = []
    for scenario in items:
        label = scenario.title if len(scenario.title) <= 60 else scenario.title[:59] + "…"
        rows.append([button(f"{label} [{scenario.language}]", scenario_data(scenario.id))])
    return rows


def consent(texts: Texts) -> Keyboard:
    return [[button(texts.plain("start.consent_button"), encode("consent", "yes"))]]


def languages() -> Keyboard:
    return [[button("Dansk", encode("lang", "da")), button("English", encode("lang", "en"))]]


def feedback(texts: Texts) -> Keyboard:
    return [[button(texts.plain(f"feedback.button.{mode}"), encode("fb", mode)) for mode in FEEDBACK_MODES]]


def forget(texts: Texts, now: float | None = None) -> Keyboard:
    stamp = int(time.time() if now is None else now)
    return [[button(texts.plain("forget.yes"), encode("forget", f"yes.{stamp}")),
             button(texts.plain("forget.no"), encode("forget", "no"))]]


def forget_confirmed(argument: str, now: float | None = None) -> bool | None:
    """True: a fresh "yes"; False: "no"; None: expired or malformed."""
    if argument == "no":
        return False
    kind, _, stamp = argument.partition(".")
    if kind != "yes" or not stamp.isdigit():
        return None
    age = (time.time() if now is None else now) - int(stamp)
    return True if 0 <= age <= FORGET_VALID_SECONDS else None


__all__ = [
    "CALLBACK_LIMIT",
    "Callback",
    "consent",
    "decode",
    "encode",
    "feedback",
    "find_scenario",
    "forget",
    "forget_confirmed",
    "languages",
    "scenario_data",
    "scenarios",
]
