"""A scenario's state machine as a picture: Graphviz DOT and Mermaid text.

States are coloured by talk type (the majority of their lines), final states by outcome; edges
carry the codes (abbreviated, long lists collapsed to "*", "MI-consistent", "MI-inconsistent" or
"other codes"), the condition in [brackets] and the effects. Transitions from "*" start at one
"any state" node instead of an edge from every state. Rendering DOT to SVG/PNG needs the Graphviz
`dot` program; that is the application's job (this module only writes text).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from state_machines.codes import VALENCE, Code, Valence
from state_machines.model import ANY_STATE, Outcome, Scenario, State, Talk, Transition

ABBREVIATIONS: dict[Code, str] = {
    Code.OPEN_QUESTION: "OQ",
    Code.CLOSED_QUESTION: "CQ",
    Code.SIMPLE_REFLECTION: "SR",
    Code.COMPLEX_REFLECTION: "CR",
    Code.AFFIRM: "AF",
    Code.EMPHASIZE_AUTONOMY: "EA",
    Code.SEEK_COLLABORATION: "SEEK",
    Code.ASK_PERMISSION: "ASK",
    Code.GIVING_INFORMATION: "GI",
    Code.PERSUADE_WITH_PERMISSION: "PWP",
    Code.PERSUADE: "PERS",
    Code.CONFRONT: "CON",
    Code.OTHER: "OTHER",
}
"""MITI-style short names used on edges (the legend lists them)."""

TALK_COLOURS: dict[Talk, str] = {
    Talk.CHANGE: "#b7e4c7",
    Talk.SUSTAIN: "#ffd6a5",
    Talk.NEUTRAL: "#e9ecef",
    Talk.DISCORD: "#ffadad",
}
OUTCOME_COLOURS: dict[Outcome, str] = {
    Outcome.SUCCESS: "#2d6a4f",
    Outcome.PARTIAL: "#e9c46a",
    Outcome.DROPOUT: "#9d0208",
}
ANY_NODE = "__any__"
MAX_CODES_SHOWN = 5
"""Longer code lists are collapsed ("* except …", "MI-consistent except …") when that is shorter."""

_CONSISTENT = frozenset(code for code in Code if VALENCE[code] is Valence.CONSISTENT)
_INCONSISTENT = frozenset(code for code in Code if VALENCE[code] is Valence.INCONSISTENT)


def state_talk(state: State) -> Talk:
    """The talk type of most of a state's `say` lines (a tie goes to the earliest line's type)."""
    counts = Counter(line.talk for line in state.lines)
    top = max(counts.values())
    return next(line.talk for line in state.lines if counts[line.talk] == top)


def _short(codes: set[Code] | frozenset[Code]) -> str:
    return ", ".join(ABBREVIATIONS[code] for code in Code if code in codes)


def code_label(codes: tuple[Code, ...]) -> str:
    """Codes as a short label: "*", "MI-consistent", "MI-inconsistent", "* except …", abbreviations."""
    chosen = frozenset(codes)
    if chosen == frozenset(Code):
        return "*"
    missing = frozenset(Code) - chosen
    if len(chosen) > MAX_CODES_SHOWN and len(missing) <= 3:
        return f"* except {_short(missing)}"
    parts: list[str] = []
    rest = set(chosen)
    if rest >= _CONSISTENT:
        parts.append("MI-consistent")
        rest -= _CONSISTENT
    elif len(rest) > MAX_CODES_SHOWN and rest <= _CONSISTENT:
        return f"MI-consistent except {_short(_CONSISTENT - rest)}"
    if rest >= _INCONSISTENT:
        parts.append("MI-inconsistent")
        rest -= _INCONSISTENT
    if rest:
        parts.append(_short(rest))
    return ", ".join(parts)


def _effects(transition: Transition) -> str:
    return ", ".join(f"{name}{delta:+d}" for name, delta in transition.effects.items())


def edge_label(transition: Transition) -> str:
    label = code_label(transition.codes)
    if transition.when_text:
        label += f" [{transition.when_text}]"
    effects = _effects(transition)
    if effects:
        label += f" / {effects}"
    return label


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    line: int


def edges(scenario: Scenario) -> list[Edge]:
    """One edge per transition and source state ("*" sources: one edge from the "any state" node)."""
    result: list[Edge] = []
    for transition in scenario.transitions:
        label = edge_label(transition)
        if ANY_STATE in transition.sources:
            result.append(Edge(ANY_NODE, transition.target, label, transition.line))
            continue
        result.extend(Edge(source, transition.target, label, transition.line) for source in transition.sources)
    return result


def _legend() -> str:
    return "; ".join(f"{short} = {code.value}" for code, short in ABBREVIATIONS.items())


# ------------------------------------------------------------------------------ DOT


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(scenario: Scenario) -> str:
    """The scenario as a Graphviz digraph (render with `dot -Tsvg`)."""
    out = [
        f"digraph {_dot_quote(scenario.id)} {{",
        "  rankdir=LR;",
        f"  label={_dot_quote(scenario.title + ' — ' + _legend())}; labelloc=t; fontsize=10;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
        '  __start__ [shape=point, width=0.15, label=""];',
    ]
    if any(ANY_STATE in t.sources for t in scenario.transitions):
        out.append(f'  {ANY_NODE} [label="* (any state)", shape=box, style="dashed", fillcolor="white"];')
    for name, state in scenario.states.items():
        talk = state_talk(state)
        if state.final is not None:
            colour = OUTCOME_COLOURS[state.final]
            font = "white" if state.final is not Outcome.PARTIAL else "black"
            label = _dot_quote(f"{name}\n({state.final.value})")
            out.append(f'  {_dot_quote(name)} [label={label}, shape=doubleoctagon, fillcolor="{colour}", '
                       f'fontcolor="{font}"];')
        else:
            label = _dot_quote(f"{name}\n{talk.value}")
            out.append(f'  {_dot_quote(name)} [label={label}, fillcolor="{TALK_COLOURS[talk]}"];')
    out.append(f"  __start__ -> {_dot_quote(scenario.start)};")
    for edge in edges(scenario):
        style = ', style="dashed"' if edge.source == ANY_NODE else ""
        out.append(f"  {_dot_quote(edge.source)} -> {_dot_quote(edge.target)} [label={_dot_quote(edge.label)}{style}];")
    out.append("}")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------ Mermaid


def _mermaid_id(name: str, ids: dict[str, str]) -> str:
    if name not in ids:
        ids[name] = f"s{len(ids)}"
    return ids[name]


def _mermaid_text(text: str) -> str:
    """Text for inside a quoted Mermaid label (quotes and brackets as entities)."""
    return (text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;").replace("[", "#91;").replace("]", "#93;"))


def to_mermaid(scenario: Scenario) -> str:
    """The scenario as a Mermaid flowchart (paste into a ```mermaid block)."""
    ids: dict[str, str] = {}
    out = [f"%% {scenario.id}: {scenario.title}", f"%% codes: {_legend()}", "flowchart LR"]
    out.append('  start_((start)) --> ' + _mermaid_id(scenario.start, ids))
    if any(ANY_STATE in t.sources for t in scenario.transitions):
        out.append(f'  {_mermaid_id(ANY_NODE, ids)}["* (any state)"]:::any')
    for name, state in scenario.states.items():
        node = _mermaid_id(name, ids)
        if state.final is not None:
            out.append(f'  {node}(["{_mermaid_text(name)} ({state.final.value})"]):::{state.final.value}')
        else:
            talk = state_talk(state)
            out.append(f'  {node}["{_mermaid_text(name)}<br/><small>{talk.value}</small>"]:::{talk.value}')
    for edge in edges(scenario):
        arrow = "-.->" if edge.source == ANY_NODE else "-->"
        out.append(f'  {_mermaid_id(edge.source, ids)} {arrow}|"{_mermaid_text(edge.label)}"| '
                   f"{_mermaid_id(edge.target, ids)}")
    for talk, colour in TALK_COLOURS.items():
        out.append(f"  classDef {talk.value} fill:{colour},stroke:#555")
    for outcome, colour in OUTCOME_COLOURS.items():
        text = "#000" if outcome is Outcome.PARTIAL else "#fff"
        out.append(f"  classDef {outcome.value} fill:{colour},color:{text},stroke:#000,stroke-width:3px")
    out.append("  classDef any fill:#fff,stroke-dasharray:4 4")
    return "\n".join(out) + "\n"


def to_markdown(scenario: Scenario) -> str:
    """A Markdown page with the Mermaid diagram (GitHub and most editors render it)."""
    return (f"# {scenario.title} (`{scenario.id}`)\n\n"
            "Colours: green = change talk, orange = sustain talk, grey = neutral, red = discord; "
            "final states by outcome (dark green = success, yellow = partial, dark red = drop-out).\n\n"
            f"Codes: {_legend()}.\n\n```mermaid\n{to_mermaid(scenario)}```\n")


__all__ = ["ABBREVIATIONS", "Edge", "code_label", "edge_label", "edges", "state_talk", "to_dot", "to_markdown",
           "to_mermaid"]
