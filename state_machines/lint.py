"""Lint a loaded (valid) scenario: the things the validator accepts but an instructor should fix.

`lint(scenario) -> list[Problem]` (severity "error" or "warning", path:line positions):

- a state from which no final state can be reached (error);
- a code that leads nowhere in a non-final state: no transition fires for it there, under any
  values of the rulers, so the learner's reply would be ignored (warning); a transition that can
  never fire (shadowed by earlier ones, or a condition that never holds) (warning);
- a success ending reachable in fewer than `max_turns` replies by MI-inconsistent replies only
  (persuade, confront: error) or without a single MI-consistent reply (warning);
- talk types against the MI logic: a state entered only by MI-consistent replies whose lines
  (for those replies) are all sustain talk / discord, or entered only by persuade / confront with
  only change talk; `say_after` lines for persuade / confront that are all change talk (warning);
- a non-final state without a hint or without examples; an example for persuade / confront (warning);
- text in the other language: English in a Danish scenario, or Danish in an English one (warning);
- text longer than Telegram's limit of 4096 characters per message (error);
- no success or no drop-out ending at all (warning).

Pure: reads the scenario's YAML file again (if it exists) only to point at the exact line of
each client line, hint and example.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from state_machines.codes import VALENCE, Code, Valence
from state_machines.conditions import RULERS, Condition
from state_machines.explore import (
    apply_effects,
    can_reach_final,
    condition_variables,
    counterexample,
    entry_lines,
    expand_sources,
    fire,
    live_candidates,
    satisfiable,
)
from state_machines.loader import Problem
from state_machines.model import Line, Outcome, Scenario, Talk
from state_machines.yaml_source import SourceList, SourceMap, YamlSourceError, read_yaml

TELEGRAM_LIMIT = 4096
"""Telegram rejects a message longer than this many characters."""

DEFAULT_MAX_TURNS = 4
MI_INCONSISTENT = tuple(code for code in Code if VALENCE[code] is Valence.INCONSISTENT)
NOT_CONSISTENT = tuple(code for code in Code if VALENCE[code] is not Valence.CONSISTENT)
MI_CONSISTENT = frozenset(code for code in Code if VALENCE[code] is Valence.CONSISTENT)

ERROR, WARNING = "error", "warning"

# Words that are common in one language and (almost) never words of the other. Deliberately
# leaves out words both languages share or that clash ("i", "at", "for", "man", "de", "hand").
_DANISH = """
og jeg det ikke er til på med har som der af men så om du hvad mig min mit mine vil kan skal bare
også være nu når hun han hvis meget godt noget hvordan hvorfor hvor efter fordi eller sig sin sit
sine dig din dit dine vi os jo lige altså måske kun ud op ned tror ved siger gerne helt nok mere
synes været blive bliver blev havde gør gøre ingen nogen aldrig altid selv hele dag tid arbejde
"""
_ENGLISH = """
the and is you it that to of not what but with have my me be this are was just don't if so your
they he she we our his her do does did would could should can't i'm it's there their about from
or because when how why which who will really think know get got like want going been being than
then them these those very much any some only also yeah well
"""
DANISH_WORDS = frozenset(_DANISH.split())
ENGLISH_WORDS = frozenset(_ENGLISH.split())
_LANGUAGE = {"da": "Danish", "en": "English"}
_A_LANGUAGE = {"da": "a Danish", "en": "an English"}
_WORD = re.compile(r"[a-zæøåéü']+")
MIN_WORDS = 4
"""Texts with fewer known words than this are not judged (\"Ja.\", \"Okay.\")."""


def guess_language(text: str) -> str | None:
    """ "da" or "en" when the text clearly reads as one of them, else None (too short or mixed)."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    danish = sum(word in DANISH_WORDS for word in words)
    english = sum(word in ENGLISH_WORDS for word in words)
    if danish + english < MIN_WORDS:
        return None
    if english >= 2 * danish + 2:
        return "en"
    if danish >= 2 * english + 2:
        return "da"
    return None


# ------------------------------------------------------------------------------ source positions


class _Positions:
    """Line numbers of the parts of the scenario file (re-read); state line / 0 when unknown."""

    def __init__(self, scenario: Scenario, text: str | None = None) -> None:
        self.scenario = scenario
        self.data: SourceMap | None = None
        path = Path(scenario.source) if scenario.source else None
        try:
            if text is None and path is not None and path.is_file():
                text = path.read_text(encoding="utf-8-sig")
            data, _issues = read_yaml(text) if text is not None else (None, [])
        except (OSError, UnicodeDecodeError, YamlSourceError, RecursionError):
            data = None
        if isinstance(data, SourceMap):
            self.data = data

    def _node(self, *keys: str) -> tuple[Any, int] | None:
        node: Any = self.data
        line = 0
        for key in keys:
            if not isinstance(node, SourceMap) or key not in node:
                return None
            line = node.key_lines[key]
            node = node[key]
        return node, line

    def top(self, key: str) -> int:
        found = self._node(key)
        return found[1] if found else 0

    def state(self, name: str) -> int:
        return self.scenario.states[name].line or (self._node("states", name) or (None, 0))[1]

    def field(self, state: str, key: str) -> int:
        found = self._node("states", state, key)
        return found[1] if found else self.state(state)

    def items(self, keys: tuple[str, ...], fallback: int) -> Iterator[int]:
        """Line of each item of the list at `keys` (a single value: its key's line), then `fallback`s."""
        found = self._node(*keys)
        if found is not None:
            node, line = found
            if isinstance(node, SourceList):
                yield from node.item_lines
            else:
                yield line
        while True:
            yield fallback


@dataclass
class _Linter:
    scenario: Scenario
    max_turns: int
    text: str | None = None

    def __post_init__(self) -> None:
        self.problems: list[Problem] = []
        self.path = self.scenario.source or f"<{self.scenario.id}>"
        self.at = _Positions(self.scenario, self.text)

    def add(self, severity: str, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, severity))

    # -------------------------------------------------------------------- checks

    def run(self) -> list[Problem]:
        self.endings()
        self.reach_final()
        self.ignored_codes()
        self.shadowed()
        self.quick_success()
        self.talk_logic()
        self.coaching()
        self.texts()
        return sorted(self.problems, key=lambda p: (p.line, p.severity != ERROR, p.message))

    def endings(self) -> None:
        outcomes = {spec.final for spec in self.scenario.states.values()}
        for outcome, why in ((Outcome.SUCCESS, "the learner can never succeed"),
                             (Outcome.DROPOUT, "the client never walks out, whatever the learner does")):
            if outcome not in outcomes:
                self.add(WARNING, self.at.top("states"), f"no final state with outcome {outcome.value}: {why}")

    def reach_final(self) -> None:
        good = can_reach_final(self.scenario)
        for name in self.scenario.states:
            if name not in good:
                self.add(ERROR, self.at.state(name),
                         f"state {name!r} cannot reach any final state: once there, the conversation never ends")

    def ignored_codes(self) -> None:
        for name, spec in self.scenario.states.items():
            if spec.is_final:
                continue
            never: list[str] = []
            sometimes: dict[str, list[str]] = {}
            for code in Code:
                live = live_candidates(self.scenario, name, code)
                if not live:
                    never.append(code.value)
                    continue
                conditions = [t.when for t in live if t.when is not None]
                if len(conditions) == len(live):  # every candidate is conditional
                    example = counterexample(conditions)
                    if example is not None:
                        shown = ", ".join(f"{k}={v}" for k, v in example.items() if _named(k, conditions))
                        sometimes.setdefault(shown, []).append(code.value)
            if never:
                self.add(WARNING, self.at.state(name),
                         f"state {name!r}: no transition for {', '.join(never)} — the learner's reply would be "
                         "ignored (add a transition, e.g. a fallback `learner: \"*\"` back to the state)")
            if sometimes:
                cases = "; ".join(f"{', '.join(codes)} (e.g. when {shown})" for shown, codes in sometimes.items())
                self.add(WARNING, self.at.state(name),
                         f"state {name!r}: only conditional transitions for {cases} — otherwise the reply is "
                         "ignored (add an unconditional transition after them)")

    def shadowed(self) -> None:
        """Transitions that can never fire: an earlier one always catches their codes first,
        or their condition never holds."""
        for transition in self.scenario.transitions:
            sources = expand_sources(self.scenario, transition)
            if not sources:
                continue  # only final states named; the validator reports those
            if transition.when is not None and not satisfiable(transition.when):
                self.add(WARNING, transition.line,
                         f"transition to {transition.target!r} never fires: its condition "
                         f"{transition.when_text!r} can never hold (rulers are 0-10, turn starts at 1)")
                continue
            if not any(transition in live_candidates(self.scenario, source, code)
                       for source in sources for code in transition.codes):
                self.add(WARNING, transition.line,
                         f"transition to {transition.target!r} never fires: earlier transitions always catch "
                         "its codes in its states first (move it up, or remove it)")

    def quick_success(self) -> None:
        for codes, severity, what in ((MI_INCONSISTENT, ERROR, "MI-inconsistent replies only (persuade, confront)"),
                                      (NOT_CONSISTENT, WARNING, "without a single MI-consistent reply")):
            path = self._success_within(codes)
            if path is not None:
                state, steps = path
                self.add(severity, self.at.state(state),
                         f"success ending {state!r} is reachable in {len(steps)} replies by {what}: "
                         + " → ".join(code.value for code in steps))
                return  # the stronger finding is enough

    def _success_within(self, codes: tuple[Code, ...]) -> tuple[str, tuple[Code, ...]] | None:
        """A success state reachable in fewer than max_turns replies from `codes` (exact semantics)."""
        start_vars = tuple(self.scenario.start_values[name] for name in RULERS)
        todo: deque[tuple[str, tuple[int, ...], tuple[Code, ...]]] = deque([(self.scenario.start, start_vars, ())])
        seen = {(self.scenario.start, start_vars, 0)}
        while todo:
            state, values, path = todo.popleft()
            if len(path) >= self.max_turns - 1:
                continue
            variables = dict(zip(RULERS, values, strict=True))
            for code in codes:
                transition = fire(self.scenario, state, variables, len(path) + 1, code)
                if transition is None:
                    continue
                target = transition.target
                steps = (*path, code)
                outcome = self.scenario.states[target].final
                if outcome is Outcome.SUCCESS:
                    return target, steps
                if outcome is not None:
                    continue
                after = tuple(apply_effects(transition, variables)[name] for name in RULERS)
                if (target, after, len(steps)) not in seen:
                    seen.add((target, after, len(steps)))
                    todo.append((target, after, steps))
        return None

    def talk_logic(self) -> None:
        entered: dict[str, set[Code]] = {name: set() for name in self.scenario.states}
        for transition in self.scenario.transitions:
            if transition.when is not None and not satisfiable(transition.when):
                continue
            for source in expand_sources(self.scenario, transition):
                if source == transition.target:
                    continue  # staying is not entering
                for code in transition.codes:
                    if transition in live_candidates(self.scenario, source, code):
                        entered[transition.target].add(code)
        for name, codes in entered.items():
            if not codes:
                continue
            talks = {line.talk for code in codes for line in entry_lines(self.scenario, name, code)}
            shown = ", ".join(sorted(code.value for code in codes))
            if codes <= MI_CONSISTENT and talks <= {Talk.SUSTAIN, Talk.DISCORD}:
                self.add(WARNING, self.at.state(name),
                         f"state {name!r} is entered only by MI-consistent replies ({shown}) but all its lines "
                         "are sustain talk or discord; MI predicts change (or at least neutral) talk here — add "
                         "such lines or say_after variants")
            elif codes <= set(MI_INCONSISTENT) and talks == {Talk.CHANGE}:
                self.add(WARNING, self.at.state(name),
                         f"state {name!r} is entered only by {shown} but all its lines are change talk; MI "
                         "predicts sustain talk or discord after persuading and confronting")
        for name, spec in self.scenario.states.items():
            for code in MI_INCONSISTENT:
                after = spec.lines_after.get(code)
                if after and all(line.talk is Talk.CHANGE for line in after):
                    self.add(WARNING, self.at.field(name, "say_after"),
                             f"state {name!r}: say_after.{code.value} lines are all change talk; MI predicts "
                             "sustain talk or discord after the righting reflex")

    def coaching(self) -> None:
        for name, spec in self.scenario.states.items():
            if spec.is_final:
                continue
            if not spec.hint:
                self.add(WARNING, self.at.state(name), f"state {name!r} has no hint: the learner's /hint is empty")
            if not spec.examples:
                self.add(WARNING, self.at.state(name),
                         f"state {name!r} has no examples: the coach cannot suggest a better reply here")
            for code in spec.examples:
                if VALENCE[code] is Valence.INCONSISTENT:
                    found = self.at._node("states", name, "examples", code.value)
                    self.add(WARNING, found[1] if found else self.at.field(name, "examples"),
                             f"state {name!r}: an example for {code.value} — examples are shown as good replies")

    def texts(self) -> None:
        scenario = self.scenario
        for text, line, where in self._all_texts():
            if len(text) > TELEGRAM_LIMIT:
                self.add(ERROR, line, f"{where} is {len(text)} characters; Telegram sends at most {TELEGRAM_LIMIT}")
            found = guess_language(text)
            if found is not None and found != scenario.language:
                self.add(WARNING, line, f"{where} reads as {_LANGUAGE[found]} in {_A_LANGUAGE[scenario.language]} "
                                        f"scenario: {text[:60]!r}")

    def _all_texts(self) -> Iterator[tuple[str, int, str]]:
        scenario, at = self.scenario, self.at
        yield scenario.title, at.top("title"), "title"
        if scenario.description:
            yield scenario.description, at.top("description"), "description"
        if scenario.client.background:
            found = at._node("client", "background")
            yield scenario.client.background, found[1] if found else at.top("client"), "client.background"
        for name, spec in scenario.states.items():
            state_line = at.state(name)
            yield from _lines(spec.lines, at.items(("states", name, "say"), state_line), f"a line of {name}")
            for code, lines in spec.lines_after.items():
                positions = at.items(("states", name, "say_after", code.value), state_line)
                yield from _lines(lines, positions, f"a line of {name}.say_after.{code.value}")
            if spec.hint:
                yield spec.hint, at.field(name, "hint"), f"the hint of {name}"
            for code, examples in spec.examples.items():
                positions = at.items(("states", name, "examples", code.value), state_line)
                for example, line in zip(examples, positions, strict=False):
                    yield example, line, f"an example of {name}.{code.value}"


def _lines(lines: tuple[Line, ...], positions: Iterator[int], where: str) -> Iterator[tuple[str, int, str]]:
    for line, number in zip(lines, positions, strict=False):
        yield line.text, number, where


def _named(variable: str, conditions: list[Condition]) -> bool:
    return any(variable in condition_variables(condition) for condition in conditions)


def lint(scenario: Scenario, max_turns: int = DEFAULT_MAX_TURNS, source_text: str | None = None) -> list[Problem]:
    """Every lint finding for `scenario` (loaded, hence valid), sorted by line.

    Lines of client lines, hints and examples come from `source_text` when given, else from the
    file `scenario.source` (re-read); without either, findings point at the state's line.
    """
    if max_turns < 1:
        raise ValueError("max_turns must be at least 1")
    return _Linter(scenario, max_turns, source_text).run()


__all__ = ["DEFAULT_MAX_TURNS", "TELEGRAM_LIMIT", "guess_language", "lint"]
