"""The client simulator: a scenario compiled into ONE `transitions.Machine`, shared by every learner.

Each learner's conversation is a model object added to that machine (`add_model`) and removed when
it is released (`remove_model`); the machine is never rebuilt per learner. Triggers are the code
values, added in the scenario's file order so that the first matching transition wins; conditions
and effects are callbacks reading a per-call `_Step`, so the machine itself holds no per-learner data.

Randomness is stateless: the client's line is a pure function of (seed, turn, state, code) and
the line said last, so a snapshot needs no RNG state and a restored conversation goes on exactly
as the original would have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import partial
from types import MappingProxyType
from typing import Any, TypeGuard

from transitions import EventData, Machine
from transitions import State as MachineState
from transitions.core import listify

from state_machines.codes import Code
from state_machines.conditions import RULER_MAX, RULER_MIN, RULERS, Condition, evaluate
from state_machines.model import ANY_STATE, Line, Outcome, Scenario, Transition

SNAPSHOT_KEYS = frozenset({"scenario", "state", "variables", "turn", "seed", "last_line"})
"""The keys of `ClientSimulator.snapshot()`; `restore()` accepts exactly these."""


class ConversationEnded(RuntimeError):
    """The client is in a final state; the conversation cannot go on."""


class SnapshotError(ValueError):
    """A snapshot that does not fit this scenario (or is malformed)."""


@dataclass(frozen=True, slots=True)
class ClientTurn:
    """What the client did in one turn: turn 0 is the opening line, then one per learner reply."""

    turn: int
    code: Code | None
    line: Line
    state_before: str
    state: str
    variables_before: Mapping[str, int]
    variables: Mapping[str, int]
    transition: Transition | None
    """The scenario transition that fired, or None when the client stayed (or for the opening)."""
    outcome: Outcome | None

    @property
    def ended(self) -> bool:
        """True when this turn reached a final state."""
        return self.outcome is not None


class Conversation:
    """One learner's conversation: the model object the scenario's machine moves between states.

    Slotted and without the convenience methods `transitions` normally binds on models (see
    `_SharedMachine`): a conversation is a few hundred bytes, so thousands fit on one machine.
    """

    __slots__ = ("_owner", "last_line", "seed", "state", "turn", "variables")

    def __init__(self, state: str, variables: dict[str, int], turn: int, seed: int, last_line: str | None) -> None:
        self.state = state  # written by the machine (model_attribute "state")
        self.variables = variables
        self.turn = turn
        self.seed = seed
        self.last_line = last_line
        self._owner: ClientSimulator | None = None

    def __repr__(self) -> str:
        return (
            f"Conversation(state={self.state!r}, variables={self.variables!r}, turn={self.turn}, "
            f"seed={self.seed}, last_line={self.last_line!r})"
        )


class _Models:
    """The machine's model list with O(1) membership, append and removal (insertion ordered).

    `transitions` keeps models in a plain list: `add_model` scans it (`mod not in self.models`) and
    `remove_model` does `list.remove`, so with thousands of live conversations every start and
    release paid a scan of all of them. This keeps the list's read API (len, iteration, indexing,
    `==` with a list) on a dict keyed by object identity.
    """

    __slots__ = ("_by_id",)

    def __init__(self) -> None:
        self._by_id: dict[int, object] = {}

    def append(self, model: object) -> None:
        self._by_id[id(model)] = model

    def remove(self, model: object) -> None:
        if self._by_id.pop(id(model), None) is None:
            raise ValueError("model is not registered with this machine")

    def __contains__(self, model: object) -> bool:
        return id(model) in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[object]:
        return iter(list(self._by_id.values()))  # a copy: callers may add or remove while iterating

    def __getitem__(self, index: int) -> object:
        if index == -1 and self._by_id:
            return next(reversed(self._by_id.values()))
        if index == 0 and self._by_id:
            return next(iter(self._by_id.values()))
        return list(self._by_id.values())[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Models):
            return list(self) == list(other)
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return repr(list(self._by_id.values()))


class _SharedMachine(Machine):
    """A Machine that does not bind `trigger`, `may_*`, `<code>()` and `is_<state>()` onto models.

    The simulator triggers through `machine.events[code]`, never through model methods, and that
    binding costs ~45 partials (~12 kB, ~45 µs) per learner; without it `add_model` only sets the
    initial state and registers the model. State changes still go through the machine. The model
    registry is `_Models`, so adding and removing a conversation is O(1) however many are live.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.models = _Models()  # type: ignore[assignment]  # the list API, O(1)

    def add_model(self, model: object, initial: str | Enum | MachineState | None = None) -> None:
        """Register models and set their initial state; nothing is bound onto them."""
        start = self.initial if initial is None else initial
        if start is None:
            raise ValueError("no initial state for the model")
        for mod in listify(model):
            if mod not in self.models:
                self.set_state(start, model=mod)
                self.models.append(mod)

    def _checked_assignment(self, model: object, name: str, func: Any) -> None:
        del model, name, func  # deliberately bind nothing

    def _add_model_to_state(self, state: MachineState, model: object) -> None:
        del state, model  # no is_<state>() and no on_enter_<state> discovery on models


class _Step:
    """Per-call scratch data the machine's callbacks read and write (kept off the shared machine)."""

    __slots__ = ("env", "fired", "variables")

    def __init__(self, env: dict[str, int]) -> None:
        self.env = env  # rulers before the reply, plus `turn`: what conditions see
        self.fired: Transition | None = None
        self.variables: dict[str, int] | None = None


def _holds(condition: Condition, event: EventData) -> bool:
    """Machine condition: the scenario's `when` on the values before any effect."""
    step: _Step = event.kwargs["step"]
    return evaluate(condition, step.env)


def _fire(transition: Transition, event: EventData) -> None:
    """Machine `before` callback: remember which transition fired and compute its clamped effects."""
    step: _Step = event.kwargs["step"]
    step.fired = transition
    variables = {name: step.env[name] for name in RULERS}
    for name, delta in transition.effects.items():
        variables[name] = max(RULER_MIN, min(RULER_MAX, variables[name] + delta))
    step.variables = variables


def _index(seed: int, turn: int, state: str, code: Code | None, size: int) -> int:
    """A stable pseudo-random index in range(size); blake2b, not the per-process salted hash()."""
    key = f"{seed}\x1f{turn}\x1f{state}\x1f{code.value if code else ''}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") % size


class ClientSimulator:
    """Runs conversations with one scenario's client; builds ONE Machine shared by all of them."""

    def __init__(self, scenario: Scenario) -> None:
        _check_scenario(scenario)
        self._scenario = scenario
        self._start_values = {name: int(scenario.start_values[name]) for name in RULERS}
        self._machine = _SharedMachine(
            model=None,
            states=[MachineState(name, final=state.is_final) for name, state in scenario.states.items()],
            initial=scenario.start,
            auto_transitions=False,
            send_event=True,
        )
        non_final = [name for name, state in scenario.states.items() if not state.is_final]
        # File order, then code, then source: per (code, source) the machine tries them in file order.
        for transition in scenario.transitions:
            named = non_final if ANY_STATE in transition.sources else dict.fromkeys(transition.sources)
            # Nothing leaves a final state, whatever the source list says.
            sources: list[str | Enum | MachineState] = [s for s in named if not scenario.states[s].is_final]
            if not sources:
                continue
            conditions: list[str | Callable[..., bool | None]] = []  # the stubs' list type
            if transition.when is not None:
                conditions.append(partial(_holds, transition.when))
            for code in dict.fromkeys(transition.codes):
                self._machine.add_transition(
                    trigger=code.value,
                    source=sources,
                    dest=transition.target,
                    conditions=conditions,
                    before=partial(_fire, transition),
                )

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @property
    def machine(self) -> Machine:
        """The scenario's single machine (read it; do not add models to it yourself)."""
        return self._machine

    def start(self, seed: int) -> tuple[Conversation, ClientTurn]:
        """A new conversation in the start state, and the client's opening line (turn 0)."""
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, not {type(seed).__name__}")
        start = self._scenario.start
        line = self._pick(seed, 0, start, None, None, None)
        variables = dict(self._start_values)
        conversation = Conversation(start, variables, 0, seed, line.text)
        self._attach(conversation)
        frozen = MappingProxyType(dict(variables))
        opening = ClientTurn(0, None, line, start, start, frozen, frozen, None, self._scenario.states[start].final)
        return conversation, opening

    def respond(self, conversation: Conversation, code: Code) -> ClientTurn:
        """The client's reaction to a learner reply coded `code`; all-or-nothing on errors."""
        self._check_owned(conversation)
        code = Code(code)  # a bad value raises here, before anything changes
        state_before = conversation.state
        if self._scenario.states[state_before].is_final:
            raise ConversationEnded(f"the conversation ended in state {state_before!r}")
        turn = conversation.turn + 1
        variables_before = dict(conversation.variables)
        step = _Step({**variables_before, "turn": turn})
        event = self._machine.events.get(code.value)
        try:
            # No transition for this code here: skip the machine (it would raise MachineError).
            if event is not None and state_before in event.transitions:
                event.trigger(conversation, step=step)
            state = conversation.state
            fired = step.fired
            # A fresh dict either way: the turn's proxies must not alias the conversation's dict.
            variables = step.variables if step.variables is not None else dict(variables_before)
            entered_by = code if fired is not None else None
            line = self._pick(conversation.seed, turn, state, code, entered_by, conversation.last_line)
        except BaseException:
            # The machine may already have moved the model; put it back so nothing changed.
            self._machine.set_state(state_before, model=conversation)
            raise
        conversation.variables = variables
        conversation.turn = turn
        conversation.last_line = line.text
        return ClientTurn(
            turn=turn,
            code=code,
            line=line,
            state_before=state_before,
            state=state,
            variables_before=MappingProxyType(variables_before),
            variables=MappingProxyType(dict(variables)),
            transition=fired,
            outcome=self._scenario.states[state].final,
        )

    def ended(self, conversation: Conversation) -> bool:
        """True once the client has reached a final state."""
        return self._scenario.states[conversation.state].is_final

    def snapshot(self, conversation: Conversation) -> dict[str, Any]:
        """Plain JSON-able data from which `restore` continues exactly here."""
        return {
            "scenario": self._scenario.id,
            "state": conversation.state,
            "variables": dict(conversation.variables),
            "turn": conversation.turn,
            "seed": conversation.seed,
            "last_line": conversation.last_line,
        }

    def restore(self, snapshot: Mapping[str, Any]) -> Conversation:
        """A conversation (added to the machine) from `snapshot`; SnapshotError when it does not fit."""
        self._check_snapshot(snapshot)
        conversation = Conversation(
            snapshot["state"],
            {name: snapshot["variables"][name] for name in RULERS},
            snapshot["turn"],
            snapshot["seed"],
            snapshot["last_line"],
        )
        self._attach(conversation)
        return conversation

    def release(self, conversation: Conversation) -> None:
        """Remove the conversation's model from the machine (again is a no-op)."""
        if conversation._owner is None:
            return
        self._check_owned(conversation)
        self._machine.remove_model(conversation)
        conversation._owner = None

    # -- internals -------------------------------------------------------------------------------

    def _attach(self, conversation: Conversation) -> None:
        self._machine.add_model(conversation, initial=conversation.state)
        conversation._owner = self

    def _check_owned(self, conversation: Conversation) -> None:
        if conversation._owner is not self:
            if conversation._owner is None:
                raise ValueError("the conversation was released; restore it from a snapshot to go on")
            raise ValueError(
                f"the conversation belongs to scenario {conversation._owner.scenario.id!r}, "
                f"not {self._scenario.id!r}"
            )

    def _pick(
        self, seed: int, turn: int, state: str, code: Code | None, entered_by: Code | None, last_line: str | None
    ) -> Line:
        """The client's line: `say_after[code]` when entered by that code, else `say`; not a repeat."""
        spec = self._scenario.states[state]
        pool = spec.lines_after.get(entered_by, ()) if entered_by is not None else ()
        if not pool:
            pool = spec.lines  # never empty: checked when the simulator is built
        fresh = [line for line in pool if line.text != last_line] or pool
        return fresh[_index(seed, turn, state, code, len(fresh))]

    def _check_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        if not isinstance(snapshot, Mapping):
            raise SnapshotError(f"a snapshot is a mapping, not {type(snapshot).__name__}")
        keys = set(snapshot)
        if keys != SNAPSHOT_KEYS:
            missing, extra = sorted(SNAPSHOT_KEYS - keys), sorted(map(str, keys - SNAPSHOT_KEYS))
            raise SnapshotError(f"snapshot keys wrong (missing: {missing}, unexpected: {extra})")
        if snapshot["scenario"] != self._scenario.id:
            raise SnapshotError(f"snapshot is for scenario {snapshot['scenario']!r}, not {self._scenario.id!r}")
        state = snapshot["state"]
        if not isinstance(state, str) or state not in self._scenario.states:
            raise SnapshotError(f"snapshot state {state!r} is not a state of {self._scenario.id!r}")
        variables = snapshot["variables"]
        if not isinstance(variables, Mapping) or set(variables) != set(RULERS):
            raise SnapshotError(f"snapshot variables must be exactly {', '.join(RULERS)}; got {variables!r}")
        for name in RULERS:
            value = variables[name]
            if not _is_int(value) or not RULER_MIN <= value <= RULER_MAX:
                raise SnapshotError(f"snapshot variable {name}={value!r} is not an integer {RULER_MIN}-{RULER_MAX}")
        if not _is_int(snapshot["turn"]) or snapshot["turn"] < 0:
            raise SnapshotError(f"snapshot turn {snapshot['turn']!r} is not an integer >= 0")
        if not _is_int(snapshot["seed"]):
            raise SnapshotError(f"snapshot seed {snapshot['seed']!r} is not an integer")
        if snapshot["last_line"] is not None and not isinstance(snapshot["last_line"], str):
            raise SnapshotError(f"snapshot last_line {snapshot['last_line']!r} is neither text nor null")


def _is_int(value: object) -> TypeGuard[int]:
    # JSON has no bool/int confusion, Python does: True must not pass as 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_scenario(scenario: Scenario) -> None:
    """Fail when building, not mid-conversation: `transitions` only notices a bad target when it fires."""
    problems: list[str] = []
    if scenario.start not in scenario.states:
        problems.append(f"start state {scenario.start!r} does not exist")
    problems.extend(f"state {name!r} has no lines" for name, state in scenario.states.items() if not state.lines)
    for name in RULERS:
        value = scenario.start_values.get(name)
        if not _is_int(value) or not RULER_MIN <= value <= RULER_MAX:
            problems.append(f"start value {name}={value!r} is not an integer {RULER_MIN}-{RULER_MAX}")
    for transition in scenario.transitions:
        where = f"transition at line {transition.line}"
        if transition.target not in scenario.states:
            problems.append(f"{where}: target {transition.target!r} does not exist")
        problems.extend(
            f"{where}: source {source!r} does not exist"
            for source in transition.sources
            if source != ANY_STATE and source not in scenario.states
        )
        problems.extend(f"{where}: effect on unknown variable {n!r}" for n in transition.effects if n not in RULERS)
    if problems:
        raise ValueError(f"scenario {scenario.id!r} cannot be simulated: " + "; ".join(problems))


__all__ = ["SNAPSHOT_KEYS", "ClientSimulator", "ClientTurn", "Conversation", "ConversationEnded", "SnapshotError"]
