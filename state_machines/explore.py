"""Explore a scenario the way a learner pressing codes would: random walks and an exhaustive walk.

The instructor's check that the client reacts the way MI predicts. `explore(scenario)` reports

- coverage: states and transitions visited / total, by seeded random walks (the real simulator)
  and by an exhaustive breadth-first walk over (state, rulers) up to a depth bound;
- the shortest success path (codes), found by the exhaustive walk;
- dead ends: states from which no final state can be reached, and configurations in which no
  reply changes anything (only a turn-based rule could end them);
- the client's talk types after each learner code (from the walks' actual lines);
- a verdict per MI check: change talk more likely after open questions and reflections than
  after closed questions; sustain talk + discord more likely after persuade and confront than
  after reflections.

Also home of the pure one-step semantics (`fire`, `apply_effects`, `entry_lines`) and the
condition helpers (`satisfiable`, `counterexample`) that lint and the diagram share.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from state_machines.codes import REFLECTIONS, Code
from state_machines.conditions import (
    CONDITION_VARIABLES,
    RULER_MAX,
    RULER_MIN,
    RULERS,
    BoolOp,
    Comparison,
    Condition,
    Not,
    evaluate,
)
from state_machines.model import ANY_STATE, Line, Outcome, Scenario, Talk, Transition
from state_machines.simulator import ClientSimulator

DEFAULT_WALKS = 300
DEFAULT_DEPTH = 30
DEFAULT_BFS_DEPTH = 12
MAX_CONFIGURATIONS = 200_000
"""The exhaustive walk stops adding configurations beyond this many (and says so)."""
MAX_STUCK_SHOWN = 20
"""Stuck configurations listed in the JSON report (all are counted)."""

CHANGE_ELICITING: tuple[Code, ...] = (Code.OPEN_QUESTION, Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION)
CLOSED: tuple[Code, ...] = (Code.CLOSED_QUESTION,)
RIGHTING_REFLEX: tuple[Code, ...] = (Code.PERSUADE, Code.CONFRONT)
REFLECTION_CODES: tuple[Code, ...] = tuple(sorted(REFLECTIONS))

# ------------------------------------------------------------------------------ one step, pure


def fire(
    scenario: Scenario,
    state: str,
    variables: Mapping[str, int],
    turn: int,
    code: Code,
    candidates: Sequence[Transition] | None = None,
) -> Transition | None:
    """The transition `code` fires in `state` (first match in file order), or None: the client stays.

    `candidates` (= `scenario.transitions_from(state, code)`) may be passed in when precomputed.
    """
    env = {**variables, "turn": turn}
    if candidates is None:
        candidates = scenario.transitions_from(state, code)
    for transition in candidates:
        if transition.when is None or evaluate(transition.when, env):
            return transition
    return None


def apply_effects(transition: Transition | None, variables: Mapping[str, int]) -> dict[str, int]:
    """The rulers after `transition`'s effects, clamped to 0-10 (unchanged when nothing fired)."""
    result = {name: int(variables[name]) for name in RULERS}
    if transition is not None:
        for name, delta in transition.effects.items():
            result[name] = max(RULER_MIN, min(RULER_MAX, result[name] + delta))
    return result


def entry_lines(scenario: Scenario, state: str, entered_by: Code | None) -> tuple[Line, ...]:
    """The pool a line is picked from: `say_after[code]` when entered by that code, else `say`."""
    spec = scenario.states[state]
    if entered_by is not None and spec.lines_after.get(entered_by):
        return spec.lines_after[entered_by]
    return spec.lines


def expand_sources(scenario: Scenario, transition: Transition) -> list[str]:
    """The (non-final) states a transition can start from; "*" is every non-final state."""
    if ANY_STATE in transition.sources:
        return [name for name, spec in scenario.states.items() if not spec.is_final]
    return [name for name in transition.sources if not scenario.states[name].is_final]


# ------------------------------------------------------------------------------ conditions


def _mentions(condition: Condition) -> tuple[set[str], dict[str, set[int]], bool]:
    """Variables named, the constants each is compared with, and whether two variables are compared."""
    names: set[str] = set()
    constants: dict[str, set[int]] = {}
    pairs = False
    stack: list[Condition] = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, Comparison):
            variables = [side for side in (node.left, node.right) if isinstance(side, str)]
            numbers = [side for side in (node.left, node.right) if isinstance(side, int)]
            names.update(variables)
            pairs |= len(variables) == 2
            for name in variables:
                constants.setdefault(name, set()).update(numbers)
        elif isinstance(node, Not):
            stack.append(node.operand)
        else:
            assert isinstance(node, BoolOp)
            stack.extend(node.operands)
    return names, constants, pairs


def condition_variables(condition: Condition) -> set[str]:
    """The variables a condition reads."""
    return _mentions(condition)[0]


def _domain(name: str, constants: set[int], full: bool) -> list[int]:
    """The values of `name` worth trying: every boundary of a comparison is enough (piecewise constant)."""
    if name == "turn":
        low, high = 1, max([*constants, 1]) + 2
    else:
        low, high = RULER_MIN, RULER_MAX
    if full and name != "turn":
        return list(range(low, high + 1))
    values = {low, high}
    for number in constants:
        values.update(number + delta for delta in (-1, 0, 1))
    return sorted(value for value in values if low <= value <= high)


def valuations(conditions: Sequence[Condition]) -> Iterable[dict[str, int]]:
    """Every valuation that matters to `conditions` (other variables at their lowest)."""
    names: set[str] = set()
    constants: dict[str, set[int]] = {}
    pairs = False
    for condition in conditions:
        more_names, more_constants, more_pairs = _mentions(condition)
        names |= more_names
        pairs |= more_pairs
        for name, numbers in more_constants.items():
            constants.setdefault(name, set()).update(numbers)
    ordered = [name for name in CONDITION_VARIABLES if name in names]
    domains = [_domain(name, constants.get(name, set()), pairs) for name in ordered]
    base = {name: RULER_MIN for name in RULERS} | {"turn": 1}
    for values in itertools.product(*domains):
        yield base | dict(zip(ordered, values, strict=True))


@functools.lru_cache(maxsize=4096)
def satisfiable(condition: Condition) -> bool:
    """Whether some rulers (0-10) and turn (>= 1) make `condition` true."""
    return any(evaluate(condition, env) for env in valuations([condition]))


def counterexample(conditions: Sequence[Condition]) -> dict[str, int] | None:
    """A valuation under which none of `conditions` holds, or None when one always does."""
    for env in valuations(conditions):
        if not any(evaluate(condition, env) for condition in conditions):
            return env
    return None


def live_candidates(scenario: Scenario, state: str, code: Code) -> list[Transition]:
    """The transitions that can actually fire for `code` in `state`: in file order, without those
    whose condition can never hold, and none after the first that always fires."""
    result: list[Transition] = []
    for transition in scenario.transitions_from(state, code):
        if transition.when is None:
            result.append(transition)
            break
        if satisfiable(transition.when):
            result.append(transition)
    return result


def graph_edges(scenario: Scenario) -> dict[str, set[str]]:
    """For every state, the states some code can move it to (conditions that can hold count)."""
    edges: dict[str, set[str]] = {name: set() for name in scenario.states}
    for name, spec in scenario.states.items():
        if spec.is_final:
            continue
        for code in Code:
            edges[name].update(t.target for t in live_candidates(scenario, name, code))
    return edges


def can_reach_final(scenario: Scenario) -> set[str]:
    """The states from which some final state can be reached (ignoring which values conditions need)."""
    edges = graph_edges(scenario)
    good = {name for name, spec in scenario.states.items() if spec.is_final}
    changed = True
    while changed:
        changed = False
        for name, targets in edges.items():
            if name not in good and targets & good:
                good.add(name)
                changed = True
    return good


# ------------------------------------------------------------------------------ exhaustive walk

Config = tuple[str, tuple[int, ...]]
"""(state, rulers in RULERS order)."""


@dataclass
class Exhaustive:
    """What the breadth-first walk over (state, rulers) found, up to `depth` learner replies."""

    depth: int
    configurations: int
    truncated: bool
    states: set[str]
    transitions: set[int]
    """Indexes into scenario.transitions that fired."""
    shortest: dict[Outcome, tuple[Code, ...]]
    """Per outcome, the shortest code sequence that reaches it."""
    stuck: list[Config]
    """Non-final configurations in which no reply changes the state or the rulers."""


def _key(variables: Mapping[str, int]) -> tuple[int, ...]:
    return tuple(variables[name] for name in RULERS)


def exhaustive(
    scenario: Scenario,
    depth: int = DEFAULT_BFS_DEPTH,
    codes: Sequence[Code] = tuple(Code),
    max_configurations: int = MAX_CONFIGURATIONS,
) -> Exhaustive:
    """Breadth-first over (state, rulers), replies drawn from `codes`; turn = number of replies.

    Each configuration is expanded once, at the first turn it is reached (conditions on `turn`
    are evaluated with that turn).
    """
    index = {id(t): n for n, t in enumerate(scenario.transitions)}
    table = {(name, code): scenario.transitions_from(name, code) for name in scenario.states for code in codes}
    start: Config = (scenario.start, _key(scenario.start_values))
    seen: dict[Config, tuple[Code, ...]] = {start: ()}
    frontier: deque[Config] = deque([start])
    states = {scenario.start}
    fired: set[int] = set()
    shortest: dict[Outcome, tuple[Code, ...]] = {}
    stuck: list[Config] = []
    truncated = False
    while frontier:
        config = frontier.popleft()
        path = seen[config]
        state, key = config
        if scenario.states[state].is_final or len(path) >= depth:
            continue
        variables = dict(zip(RULERS, key, strict=True))
        moved = False
        for code in codes:
            transition = fire(scenario, state, variables, len(path) + 1, code, table[state, code])
            if transition is None:
                continue
            fired.add(index[id(transition)])
            after: Config = (transition.target, _key(apply_effects(transition, variables)))
            moved |= after != config
            states.add(transition.target)
            outcome = scenario.states[transition.target].final
            if outcome is not None and outcome not in shortest:
                shortest[outcome] = (*path, code)
            if after not in seen:
                if len(seen) >= max_configurations:
                    truncated = True
                    continue
                seen[after] = (*path, code)
                frontier.append(after)
        if not moved:
            stuck.append(config)
    return Exhaustive(depth, len(seen), truncated, states, fired, shortest, stuck)


# ------------------------------------------------------------------------------ random walks


@dataclass
class Walks:
    """What seeded random walks with the real simulator saw."""

    walks: int
    depth: int
    seed: int
    states: set[str] = field(default_factory=set)
    transitions: set[int] = field(default_factory=set)
    talk_after: dict[Code, Counter[Talk]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    """How walks ended: an outcome, or "unfinished" when the depth ran out."""


def random_walks(
    scenario: Scenario,
    walks: int = DEFAULT_WALKS,
    seed: int = 1,
    depth: int = DEFAULT_DEPTH,
    simulator: ClientSimulator | None = None,
) -> Walks:
    """`walks` conversations of up to `depth` replies, codes drawn uniformly (seeded)."""
    simulator = simulator or ClientSimulator(scenario)
    index = {id(t): n for n, t in enumerate(scenario.transitions)}
    rng = random.Random(seed)
    codes = list(Code)
    result = Walks(walks, depth, seed, talk_after={code: Counter() for code in codes})
    for walk in range(walks):
        conversation, _opening = simulator.start(seed * 100_003 + walk)
        result.states.add(conversation.state)
        try:
            outcome = "unfinished"
            for _ in range(depth):
                code = rng.choice(codes)
                turn = simulator.respond(conversation, code)
                result.states.add(turn.state)
                result.talk_after[code][turn.line.talk] += 1
                if turn.transition is not None:
                    result.transitions.add(index[id(turn.transition)])
                if turn.outcome is not None:
                    outcome = turn.outcome.value
                    break
            result.outcomes[outcome] += 1
        finally:
            simulator.release(conversation)
    return result


# ------------------------------------------------------------------------------ the report


@dataclass(frozen=True)
class Verdict:
    """One MI check: `left` should be larger than `right`."""

    name: str
    left: float
    right: float
    ok: bool
    text: str


def _share(counts: Mapping[Code, Counter[Talk]], codes: Iterable[Code], talks: Iterable[Talk]) -> float:
    wanted = set(talks)
    total = sum(sum(counts[code].values()) for code in codes)
    hits = sum(counts[code][talk] for code in codes for talk in wanted)
    return hits / total if total else 0.0


def verdicts(talk_after: Mapping[Code, Counter[Talk]]) -> list[Verdict]:
    """The two MI predictions, checked on the talk types seen after each code."""
    change_good = _share(talk_after, CHANGE_ELICITING, [Talk.CHANGE])
    change_closed = _share(talk_after, CLOSED, [Talk.CHANGE])
    resist_bad = _share(talk_after, RIGHTING_REFLEX, [Talk.SUSTAIN, Talk.DISCORD])
    resist_reflect = _share(talk_after, REFLECTION_CODES, [Talk.SUSTAIN, Talk.DISCORD])
    first = change_good > change_closed
    second = resist_bad > resist_reflect
    return [
        Verdict(
            "change-after-open-and-reflections", change_good, change_closed, first,
            f"{'ok  ' if first else 'FAIL'} change talk after open questions and reflections "
            f"{change_good:.0%} {'>' if first else '<='} after closed questions {change_closed:.0%}",
        ),
        Verdict(
            "resistance-after-righting-reflex", resist_bad, resist_reflect, second,
            f"{'ok  ' if second else 'FAIL'} sustain talk + discord after persuade and confront "
            f"{resist_bad:.0%} {'>' if second else '<='} after reflections {resist_reflect:.0%}",
        ),
    ]


@dataclass
class Report:
    """Everything `mi-trainer explore` prints (`to_json()` for --json)."""

    scenario: Scenario
    walks: Walks
    exhaustive: Exhaustive
    cannot_finish: list[str]
    verdicts: list[Verdict]

    @property
    def ok(self) -> bool:
        return all(verdict.ok for verdict in self.verdicts)

    def to_json(self) -> dict[str, Any]:
        scenario = self.scenario
        total_states, total_transitions = len(scenario.states), len(scenario.transitions)

        def coverage(states: set[str], transitions: set[int]) -> dict[str, Any]:
            return {
                "states": {"visited": len(states), "total": total_states,
                           "missed": sorted(set(scenario.states) - states)},
                "transitions": {"visited": len(transitions), "total": total_transitions,
                                "missed_lines": sorted(scenario.transitions[n].line
                                                       for n in set(range(total_transitions)) - transitions)},
            }

        return {
            "scenario": scenario.id,
            "walks": {"count": self.walks.walks, "depth": self.walks.depth, "seed": self.walks.seed,
                      "ended": dict(sorted(self.walks.outcomes.items())),
                      "coverage": coverage(self.walks.states, self.walks.transitions)},
            "exhaustive": {"depth": self.exhaustive.depth, "configurations": self.exhaustive.configurations,
                           "truncated": self.exhaustive.truncated,
                           "coverage": coverage(self.exhaustive.states, self.exhaustive.transitions)},
            "shortest_path": {outcome.value: [code.value for code in codes]
                              for outcome, codes in sorted(self.exhaustive.shortest.items())},
            "dead_ends": {
                "cannot_reach_final": self.cannot_finish,
                "stuck": {"count": len(self.exhaustive.stuck),
                          "examples": [{"state": state, "variables": dict(zip(RULERS, key, strict=True))}
                                       for state, key in self.exhaustive.stuck[:MAX_STUCK_SHOWN]]},
            },
            "talk_after": {
                code.value: {talk.value: counts[talk] for talk in Talk}
                for code, counts in self.walks.talk_after.items()
            },
            "verdicts": [{"check": v.name, "value": round(v.left, 4), "compared_with": round(v.right, 4),
                          "ok": v.ok} for v in self.verdicts],
            "ok": self.ok,
        }

    def text(self) -> str:
        data = self.to_json()
        lines = [f"scenario {self.scenario.id} ({self.scenario.source or 'no file'})"]
        for name, title in (("walks", f"random walks ({self.walks.walks} x up to {self.walks.depth} replies, "
                                      f"seed {self.walks.seed})"),
                            ("exhaustive", f"exhaustive walk (depth {self.exhaustive.depth}, "
                                           f"{self.exhaustive.configurations} configurations"
                                           f"{', truncated' if self.exhaustive.truncated else ''})")):
            cov = data[name]["coverage"]
            lines.append(f"coverage, {title}: states {cov['states']['visited']}/{cov['states']['total']}, "
                         f"transitions {cov['transitions']['visited']}/{cov['transitions']['total']}")
            if cov["states"]["missed"]:
                lines.append(f"  states never visited: {', '.join(cov['states']['missed'])}")
            if cov["transitions"]["missed_lines"]:
                lines.append("  transitions never fired (lines): "
                             + ", ".join(map(str, cov["transitions"]["missed_lines"])))
        lines.append("walks ended: " + ", ".join(f"{k} {v}" for k, v in data["walks"]["ended"].items()))
        success = self.exhaustive.shortest.get(Outcome.SUCCESS)
        if success is None:
            lines.append(f"shortest success path: none within {self.exhaustive.depth} replies")
        else:
            lines.append(f"shortest success path ({len(success)} replies): " + " → ".join(c.value for c in success))
        for outcome in (Outcome.DROPOUT, Outcome.PARTIAL):
            path = self.exhaustive.shortest.get(outcome)
            if path is not None:
                lines.append(f"shortest {outcome.value} path ({len(path)}): " + " → ".join(c.value for c in path))
        if self.cannot_finish:
            lines.append("dead ends (no final state reachable): " + ", ".join(self.cannot_finish))
        stuck_states = sorted({state for state, _ in self.exhaustive.stuck})
        if stuck_states:
            lines.append(f"stuck (no reply changes anything) in {len(self.exhaustive.stuck)} configuration(s) of: "
                         + ", ".join(stuck_states))
        if not self.cannot_finish and not stuck_states:
            lines.append("dead ends: none")
        lines.append("client talk after each code (random walks):")
        lines.append(f"  {'code':<26}{'n':>6}" + "".join(f"{talk.value:>9}" for talk in Talk))
        for code, counts in self.walks.talk_after.items():
            total = sum(counts.values())
            cells = "".join(f"{(counts[talk] / total if total else 0):>9.0%}" for talk in Talk)
            lines.append(f"  {code.value:<26}{total:>6}{cells}")
        lines.append("MI checks:")
        lines.extend(f"  {verdict.text}" for verdict in self.verdicts)
        return "\n".join(lines)


def explore(
    scenario: Scenario,
    walks: int = DEFAULT_WALKS,
    seed: int = 1,
    depth: int = DEFAULT_DEPTH,
    bfs_depth: int = DEFAULT_BFS_DEPTH,
) -> Report:
    """Random walks + exhaustive walk + MI verdicts for one scenario."""
    walked = random_walks(scenario, walks=walks, seed=seed, depth=depth)
    full = exhaustive(scenario, depth=bfs_depth)
    finishing = can_reach_final(scenario)
    cannot = [name for name in scenario.states if name not in finishing]
    return Report(scenario, walked, full, cannot, verdicts(walked.talk_after))


__all__ = [
    "Exhaustive",
    "Report",
    "Verdict",
    "Walks",
    "apply_effects",
    "can_reach_final",
    "condition_variables",
    "counterexample",
    "entry_lines",
    "exhaustive",
    "expand_sources",
    "explore",
    "fire",
    "graph_edges",
    "live_candidates",
    "random_walks",
    "satisfiable",
    "verdicts",
]
