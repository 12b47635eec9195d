"""Build small `Scenario` objects straight from the model dataclasses (no YAML, no loader).

Tests state exactly the graph they need: `scenario(states=[...], transitions=[...])`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from state_machines.codes import Code
from state_machines.conditions import RULERS, parse_condition
from state_machines.model import ANY_STATE, Client, Line, Outcome, Scenario, State, Talk, Transition

C = Code  # short alias for test tables


def lines(*texts: str, talk: Talk = Talk.NEUTRAL) -> tuple[Line, ...]:
    """Lines of one talk type."""
    return tuple(Line(text, talk) for text in texts)


def state(
    name: str,
    *texts: str,
    after: Mapping[Code, Sequence[str]] | None = None,
    final: Outcome | None = None,
    talk: Talk = Talk.NEUTRAL,
) -> State:
    """A state saying `texts` (default: one line "<name>"), with optional say_after variants."""
    said = lines(*(texts or (name,)), talk=talk)
    lines_after = MappingProxyType({code: lines(*variants, talk=talk) for code, variants in (after or {}).items()})
    return State(name=name, lines=said, lines_after=lines_after, final=final)


def transition(
    sources: str | Iterable[str],
    codes: Code | Iterable[Code] | str,
    target: str,
    when: str | None = None,
    effects: Mapping[str, int] | None = None,
    line: int = 0,
) -> Transition:
    """A transition; `sources` "*" is every non-final state, `codes` "*" every code."""
    source_tuple = (sources,) if isinstance(sources, str) else tuple(sources)
    if codes == "*":
        code_tuple: tuple[Code, ...] = tuple(Code)
    elif isinstance(codes, Code):
        code_tuple = (codes,)
    else:
        assert not isinstance(codes, str)
        code_tuple = tuple(codes)
    return Transition(
        sources=source_tuple,
        codes=code_tuple,
        target=target,
        when=parse_condition(when) if when else None,
        when_text=when or "",
        effects=MappingProxyType(dict(effects or {})),
        line=line,
    )


def scenario(
    states: Sequence[State],
    transitions: Sequence[Transition],
    *,
    start: str | None = None,
    values: Mapping[str, int] | None = None,
    scenario_id: str = "test",
) -> Scenario:
    """A scenario; start defaults to the first state, every ruler to 5 unless given in `values`."""
    start_values = {name: 5 for name in RULERS}
    start_values.update(values or {})
    return Scenario(
        id=scenario_id,
        language="en",
        title=f"Test scenario {scenario_id}",
        client=Client(name="Test"),
        start_values=MappingProxyType(start_values),
        start=start or states[0].name,
        states=MappingProxyType({s.name: s for s in states}),
        transitions=tuple(transitions),
    )


def rich_scenario(scenario_id: str = "rich") -> Scenario:
    """A scenario using every feature: conditions (on rulers and turn), effects, wildcards, self-loops,
    say_after variants, several variants per state, all three outcomes. Used by the property tests."""
    return scenario(
        [
            state("opening", "o1", "o2", "o3", after={C.COMPLEX_REFLECTION: ["o-cr1", "o-cr2"]}, talk=Talk.SUSTAIN),
            state("ambivalence", "a1", "a2", "a3", "a4", after={C.AFFIRM: ["a-af"]}),
            state("change", "c1", "c2", talk=Talk.CHANGE),
            state("discord", "d1", "d2", talk=Talk.DISCORD),
            state("commitment", "done", final=Outcome.SUCCESS, talk=Talk.CHANGE),
            state("partial", "maybe", final=Outcome.PARTIAL),
            state("dropout", "bye", final=Outcome.DROPOUT, talk=Talk.DISCORD),
        ],
        [
            transition(ANY_STATE, [C.CONFRONT, C.PERSUADE], "dropout", when="rapport <= 2"),
            transition(ANY_STATE, [C.CONFRONT, C.PERSUADE], "discord", effects={"rapport": -3, "readiness": -1}),
            transition("discord", [C.EMPHASIZE_AUTONOMY, C.SIMPLE_REFLECTION], "ambivalence", effects={"rapport": 2}),
            transition("opening", [C.OPEN_QUESTION, C.COMPLEX_REFLECTION], "ambivalence", effects={"rapport": 1}),
            transition("opening", C.SIMPLE_REFLECTION, "opening", effects={"rapport": 1}),
            transition(["ambivalence", "change"], C.AFFIRM, "ambivalence", effects={"confidence": 2}),
            transition("ambivalence", C.COMPLEX_REFLECTION, "change", when="rapport >= 6",
                       effects={"importance": 2, "readiness": 2}),
            transition("ambivalence", C.COMPLEX_REFLECTION, "ambivalence", effects={"rapport": 1}),
            transition("change", [C.OPEN_QUESTION, C.COMPLEX_REFLECTION], "commitment",
                       when="readiness >= 7 and confidence >= 5"),
            transition("change", [C.OPEN_QUESTION, C.COMPLEX_REFLECTION], "change", effects={"readiness": 1}),
            transition(ANY_STATE, C.OTHER, "partial", when="turn >= 12"),
        ],
        scenario_id=scenario_id,
    )
