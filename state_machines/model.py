"""The scenario model: what the loader produces and the simulator runs. Frozen, no raw dicts.

A scenario is an ambivalent client written by an instructor as a dialogue tree: states hold the
client's lines (each tagged with its talk type), transitions are triggered by the learner's MI
codes, may depend on the client's rulers (importance, confidence, readiness, rapport) and move them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from state_machines.codes import Code
from state_machines.conditions import RULERS, Condition


class Talk(StrEnum):
    """What kind of client talk a line is (MI's change talk / sustain talk / discord)."""

    CHANGE = "change"
    SUSTAIN = "sustain"
    NEUTRAL = "neutral"
    DISCORD = "discord"


class Outcome(StrEnum):
    """How a conversation ended, carried by a final state."""

    SUCCESS = "success"  # the client voices commitment or a concrete next step
    PARTIAL = "partial"  # the client stays, some movement, no commitment
    DROPOUT = "dropout"  # the client leaves or shuts down


LANGUAGES: tuple[str, ...] = ("da", "en")
ANY_STATE = "*"
ANY_CODE = "*"


def _frozen(mapping: Mapping[str, object] | None = None) -> Mapping[str, object]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Line:
    """One thing the client can say, and what kind of talk it is."""

    text: str
    talk: Talk


@dataclass(frozen=True, slots=True)
class State:
    """A point in the conversation: what the client says here and how to coach the learner."""

    name: str
    lines: tuple[Line, ...]
    """Variants the client says on entering (or staying in) this state."""
    lines_after: Mapping[Code, tuple[Line, ...]] = field(default_factory=_frozen)  # type: ignore[arg-type]
    """Variants used instead of `lines` when the state was entered by this learner code."""
    hint: str = ""
    examples: Mapping[Code, tuple[str, ...]] = field(default_factory=_frozen)  # type: ignore[arg-type]
    """Example good learner replies here, by the code they illustrate."""
    final: Outcome | None = None
    line: int = 0
    """Line in the source file where the state is defined (for messages)."""

    @property
    def is_final(self) -> bool:
        return self.final is not None


@dataclass(frozen=True, slots=True)
class Transition:
    """Learner code(s) in state(s) move the client to `target`, maybe only when `when` holds."""

    sources: tuple[str, ...]
    """State names, or ("*",) for every non-final state."""
    codes: tuple[Code, ...]
    """Codes that trigger it; every code when the YAML said "*"."""
    target: str
    when: Condition | None = None
    when_text: str = ""
    effects: Mapping[str, int] = field(default_factory=_frozen)  # type: ignore[arg-type]
    """Deltas on the rulers, applied when it fires; results are clamped to 0-10."""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Client:
    """The simulated person: who they are, for the learner's briefing."""

    name: str
    background: str = ""
    age: int | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """A complete, validated scenario. Build it with the loader, not by hand (except in tests)."""

    id: str
    language: str
    title: str
    client: Client
    start_values: Mapping[str, int]
    """Start value of every ruler in RULERS."""
    start: str
    states: Mapping[str, State]
    transitions: tuple[Transition, ...]
    description: str = ""
    """What the learner is told before starting (setting, task)."""
    source: str = ""
    """Path of the YAML file it was loaded from."""

    def state(self, name: str) -> State:
        return self.states[name]

    def transitions_from(self, state: str, code: Code) -> tuple[Transition, ...]:
        """Transitions that `code` can fire in `state`, in priority (file) order."""
        if self.states[state].is_final:
            return ()
        return tuple(
            t
            for t in self.transitions
            if code in t.codes and (state in t.sources or ANY_STATE in t.sources)
        )


__all__ = [
    "ANY_CODE",
    "ANY_STATE",
    "LANGUAGES",
    "RULERS",
    "Client",
    "Line",
    "Outcome",
    "Scenario",
    "State",
    "Talk",
    "Transition",
]
