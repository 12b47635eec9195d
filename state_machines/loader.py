"""Load scenario YAML into the frozen model, validating everything first.

Every problem in a file is collected in one pass and reported as `path:line: message`, sorted
by line: structure and types, names (codes, talk types, outcomes, states), value ranges,
conditions, and the graph (targets exist, every state reachable, every non-final state has a
way out, nothing leaves a final state). A scenario that loads can be simulated safely.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from state_machines.codes import Code, parse_code
from state_machines.conditions import RULER_MAX, RULER_MIN, RULERS, Condition, ConditionError, parse_condition
from state_machines.model import (
    ANY_CODE,
    ANY_STATE,
    LANGUAGES,
    Client,
    Line,
    Outcome,
    Scenario,
    State,
    Talk,
    Transition,
)
from state_machines.yaml_source import SourceList, SourceMap, YamlSourceError, read_yaml

MAX_FILE_BYTES = 512 * 1024
"""Larger files are rejected before parsing (a real scenario is well under 100 KiB)."""

MAX_ID_LENGTH = 48
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
EFFECT_MIN, EFFECT_MAX = -10, 10
AGE_MIN, AGE_MAX = 0, 120

# Allowed keys per mapping, True when required (order = order in the authoring guide).
_SCENARIO_KEYS = {"id": True, "language": True, "title": True, "description": False, "client": True,
                  "start": True, "states": True, "transitions": True}
_CLIENT_KEYS = {"name": True, "age": False, "background": False, **dict.fromkeys(RULERS, True)}
_STATE_KEYS = {"talk": False, "say": True, "say_after": False, "hint": False, "examples": False, "final": False}
_LINE_KEYS = {"text": True, "talk": False}
_TRANSITION_KEYS = {"from": True, "learner": True, "when": False, "effects": False, "to": True}

_CODE_NAMES = [code.value for code in Code]
_TALK_NAMES = [talk.value for talk in Talk]
_OUTCOME_NAMES = [outcome.value for outcome in Outcome]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, at a 1-based line (0: no particular line)."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ScenarioError(Exception):
    """A scenario file that cannot be loaded; `.problems` holds every problem found, by line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def _suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(value: object) -> str:
    """How a value reads to an author, for 'must be X, not Y' messages."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int):
        return f"a number ({value})"
    if isinstance(value, float):
        return f"a decimal number ({value})"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, SourceList):
        return "a list"
    return "a mapping"


_LinesByCode = dict[Code, tuple[Line, ...]]


@dataclass
class _Edges:
    """What the graph checks need from one transition: its resolved sources and target."""

    sources: tuple[str, ...]
    target: str | None


class _Checker:
    """Walks the read YAML, collecting problems and building model objects where the input is valid."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.states: dict[str, State] = {}
        self.state_lines: dict[str, int] = {}
        self.finals: set[str] = set()
        self.edges: list[_Edges] = []
        # False once a transition's from could not be read at all: the graph is then unknown,
        # and reachability / way-out checks would only add noise.
        self.graph_known = True

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))

    # ---------------------------------------------------------------- typed reads

    def mapping(self, value: Any, line: int, where: str, keys: Mapping[str, bool] | None) -> SourceMap | None:
        """`value` as a mapping; with `keys`, also report unknown and missing keys."""
        if not isinstance(value, SourceMap):
            self.error(line, f"{where} must be a mapping (key: value), not {_kind(value)}")
            return None
        if keys is not None:
            for key in value:
                if key not in keys:
                    self.error(value.key_lines[key], f"{where}: unknown key {key!r}{_suggest(key, keys)}")
            for key, required in keys.items():
                if required and key not in value:
                    self.error(line, f"{where}: missing required key {key!r}")
        return value

    def items(self, value: Any, line: int, where: str) -> SourceList | None:
        """`value` as a non-empty list."""
        if not isinstance(value, SourceList):
            self.error(line, f"{where} must be a list, not {_kind(value)}")
            return None
        if not value:
            self.error(line, f"{where} must not be an empty list")
            return None
        return value

    def text(self, value: Any, line: int, where: str) -> str | None:
        """`value` as non-empty text, without surrounding white space (folded `>` text ends in a newline)."""
        if not isinstance(value, str):
            self.error(line, f"{where} must be text, not {_kind(value)}")
            return None
        if not value.strip():
            self.error(line, f"{where} must not be empty")
            return None
        return value.strip()

    def integer(self, value: Any, line: int, where: str, low: int, high: int) -> int | None:
        # bool is an int subclass in Python; `true` is not a number here.
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(line, f"{where} must be a whole number from {low} to {high}, not {_kind(value)}")
            return None
        if not low <= value <= high:
            self.error(line, f"{where} must be from {low} to {high}, not {value}")
            return None
        return value

    def name(self, value: Any, line: int, where: str, names: list[str], kind: str) -> str | None:
        """Text that must be one of `names` (a talk type, an outcome, a language)."""
        word = self.text(value, line, where)
        if word is None:
            return None
        if word not in names:
            hint = _suggest(word, names) or f" (use one of: {', '.join(names)})"
            self.error(line, f"{where}: unknown {kind} {word!r}{hint}")
            return None
        return word

    def code(self, value: Any, line: int, where: str) -> Code | None:
        word = self.text(value, line, where)
        if word is None:
            return None
        code = parse_code(word)
        if code is None:
            self.error(line, f"{where}: unknown code {word!r}{_suggest(word, _CODE_NAMES)}")
        return code

    def field(self, mapping: SourceMap, key: str) -> tuple[Any, int]:
        return mapping.get(key), mapping.key_lines.get(key, mapping.line)

    # ---------------------------------------------------------------- the scenario

    def scenario(self, data: SourceMap) -> Scenario | None:
        top = self.mapping(data, data.line, "scenario", _SCENARIO_KEYS)
        assert top is not None
        values: dict[str, Any] = {}
        for key in ("title", "description"):
            if key in top:
                values[key] = self.text(*self.field(top, key), key)
        if "id" in top:
            values["id"] = self.scenario_id(*self.field(top, "id"))
        if "language" in top:
            values["language"] = self.name(*self.field(top, "language"), "language", list(LANGUAGES), "language")
        client = start_values = None
        if "client" in top:
            client, start_values = self.client(*self.field(top, "client"))
        if "states" in top:
            self.read_states(*self.field(top, "states"))
        start = self.start(*self.field(top, "start")) if "start" in top else None
        transitions = None
        if "transitions" in top:
            transitions = self.transitions(*self.field(top, "transitions"))
            if start is not None:
                self.check_graph(start)
        if self.problems:
            return None
        assert client is not None and start_values is not None and start is not None and transitions is not None
        return Scenario(
            id=values["id"],
            language=values["language"],
            title=values["title"],
            client=client,
            start_values=start_values,
            start=start,
            states=MappingProxyType(self.states),
            transitions=transitions,
            description=values.get("description") or "",
            source=self.source,
        )

    def scenario_id(self, value: Any, line: int) -> str | None:
        scenario_id = self.text(value, line, "id")
        if scenario_id is not None and not (ID_PATTERN.fullmatch(scenario_id) and len(scenario_id) <= MAX_ID_LENGTH):
            self.error(line, f"id {scenario_id!r} must be lower-case letters, digits and '-', starting with a "
                             f"letter or digit, at most {MAX_ID_LENGTH} characters")
            return None
        return scenario_id

    def client(self, value: Any, line: int) -> tuple[Client | None, Mapping[str, int] | None]:
        data = self.mapping(value, line, "client", _CLIENT_KEYS)
        if data is None:
            return None, None
        name = self.text(*self.field(data, "name"), "client.name") if "name" in data else None
        age = self.integer(*self.field(data, "age"), "client.age", AGE_MIN, AGE_MAX) if "age" in data else None
        background = self.text(*self.field(data, "background"), "client.background") if "background" in data else ""
        rulers = {
            ruler: self.integer(*self.field(data, ruler), f"client.{ruler}", RULER_MIN, RULER_MAX)
            for ruler in RULERS
            if ruler in data
        }
        if name is None or background is None:
            return None, None
        start_values = {ruler: number for ruler, number in rulers.items() if number is not None}
        return Client(name=name, background=background, age=age), MappingProxyType(start_values)

    def start(self, value: Any, line: int) -> str | None:
        start = self.text(value, line, "start")
        if start is None or not self.state_lines:
            return None
        if start not in self.state_lines:
            self.error(line, f"start state {start!r} is not defined in states{_suggest(start, self.state_lines)}")
            return None
        return start

    # ---------------------------------------------------------------- states

    def read_states(self, value: Any, line: int) -> None:
        states = self.mapping(value, line, "states", None)
        if states is None:
            return
        if not states:
            self.error(line, "states must define at least one state")
        for name, spec in states.items():
            state_line = states.key_lines[name]
            if not name.strip() or name == ANY_STATE:
                self.error(state_line, f"{name!r} cannot be a state name" + (
                    " ('*' means every state in a transition's from)" if name == ANY_STATE else ""))
                continue
            self.state_lines[name] = state_line
            built = self.state(name, spec, state_line)
            if built is not None:
                self.states[name] = built

    def state(self, name: str, value: Any, line: int) -> State | None:
        data = self.mapping(value, line, f"state {name!r}", _STATE_KEYS)
        if data is None:
            return None
        path = f"states.{name}"
        final = None
        if "final" in data:
            self.finals.add(name)  # even when the outcome is misspelled: the author meant a final state
            final_text = self.name(*self.field(data, "final"), f"{path}.final", _OUTCOME_NAMES, "outcome")
            final = Outcome(final_text) if final_text is not None else None
        talk = None
        if "talk" in data:
            talk_text = self.name(*self.field(data, "talk"), f"{path}.talk", _TALK_NAMES, "talk type")
            talk = Talk(talk_text) if talk_text is not None else None
        needs_default = False
        lines: tuple[Line, ...] | None = None
        if "say" in data:
            lines, needs_default = self.lines(*self.field(data, "say"), f"{path}.say", talk)
        lines_after: _LinesByCode = {}
        if "say_after" in data:
            lines_after, missing = self.say_after(*self.field(data, "say_after"), f"{path}.say_after", talk)
            needs_default |= missing
        if needs_default and "talk" not in data:
            self.error(line, f"state {name!r} needs a default talk: (change, sustain, neutral or discord) "
                             "for the lines that do not give their own")
        hint = self.text(*self.field(data, "hint"), f"{path}.hint") if "hint" in data else ""
        examples = self.examples(*self.field(data, "examples"), f"{path}.examples") if "examples" in data else {}
        if lines is None or hint is None or examples is None:
            return None
        return State(
            name=name,
            lines=lines,
            lines_after=MappingProxyType(lines_after),
            hint=hint,
            examples=MappingProxyType(examples),
            final=final,
            line=line,
        )

    def say_after(self, value: Any, line: int, where: str, talk: Talk | None) -> tuple[_LinesByCode, bool]:
        """Lines by the code that entered the state; also whether one of them needs the state's talk."""
        result: _LinesByCode = {}
        needs_default = False
        data = self.mapping(value, line, where, None)
        if data is None:
            return result, needs_default
        for code_name, variants in data.items():
            code_line = data.key_lines[code_name]
            code = self.code(code_name, code_line, where)
            lines, missing = self.lines(variants, code_line, f"{where}.{code_name}", talk)
            needs_default |= missing
            if code is not None and lines is not None:
                result[code] = lines
        return result, needs_default

    def lines(self, value: Any, line: int, where: str, default: Talk | None) -> tuple[tuple[Line, ...] | None, bool]:
        """Client lines (plain text or {text, talk}); also whether one of them needs the state's talk."""
        items = self.items(value, line, where)
        if items is None:
            return None, False
        result: list[Line] = []
        needs_default, ok = False, True
        for item, item_line in zip(items, items.item_lines, strict=True):
            talk: Talk | None = default
            if isinstance(item, SourceMap):
                self.mapping(item, item_line, f"a line of {where}", _LINE_KEYS)
                text = self.text(*self.field(item, "text"), f"a line of {where}") if "text" in item else None
                if "talk" in item:
                    talk_text = self.name(*self.field(item, "talk"), f"a line of {where}", _TALK_NAMES, "talk type")
                    talk = Talk(talk_text) if talk_text is not None else None
                    ok &= talk is not None
                else:
                    needs_default = True
            else:
                text = self.text(item, item_line, f"a line of {where}")
                needs_default = True
            if text is None:
                ok = False
            elif talk is not None:
                result.append(Line(text, talk))
        return (tuple(result) if ok and len(result) == len(items) else None), needs_default

    def examples(self, value: Any, line: int, where: str) -> dict[Code, tuple[str, ...]] | None:
        data = self.mapping(value, line, where, None)
        if data is None:
            return None
        result: dict[Code, tuple[str, ...]] = {}
        ok = True
        for code_name, examples in data.items():
            code_line = data.key_lines[code_name]
            code = self.code(code_name, code_line, where)
            what = f"{where}.{code_name}"
            texts: list[str | None] = [None]  # a string or a list of strings
            if not isinstance(examples, SourceList):
                texts = [self.text(examples, code_line, what)]
            elif (items := self.items(examples, code_line, what)) is not None:
                texts = [self.text(example, n, what) for example, n in zip(items, items.item_lines, strict=True)]
            if code is None or None in texts:
                ok = False
            else:
                result[code] = tuple(text for text in texts if text is not None)
        return result if ok else None

    # ---------------------------------------------------------------- transitions

    def transitions(self, value: Any, line: int) -> tuple[Transition, ...] | None:
        items = self.items(value, line, "transitions")
        if items is None:
            self.graph_known = False
            return None
        result = [self.transition(item, item_line) for item, item_line in zip(items, items.item_lines, strict=True)]
        return tuple(t for t in result if t is not None) if None not in result else None

    def transition(self, value: Any, line: int) -> Transition | None:
        data = self.mapping(value, line, "transition", _TRANSITION_KEYS)
        if data is None:
            self.graph_known = False
            return None
        sources = self.sources(*self.field(data, "from")) if "from" in data else None
        codes = self.codes(*self.field(data, "learner")) if "learner" in data else None
        target = self.target(*self.field(data, "to")) if "to" in data else None
        if sources is None:
            self.graph_known = False
        else:
            self.edges.append(_Edges(sources, target))
        when: Condition | None = None
        when_text, when_ok = "", True
        if "when" in data:
            value, when_line = self.field(data, "when")
            text = self.text(value, when_line, "when")
            when_ok = False
            if text is not None:
                try:
                    when, when_text, when_ok = parse_condition(text), text, True
                except ConditionError as error:
                    self.error(when_line, f"when: condition {text!r} does not parse: {error}")
        effects = self.effects(*self.field(data, "effects")) if "effects" in data else {}
        if sources is None or codes is None or target is None or effects is None or not when_ok:
            return None
        return Transition(
            sources=sources,
            codes=codes,
            target=target,
            when=when,
            when_text=when_text,
            effects=MappingProxyType(effects),
            line=line,
        )

    def sources(self, value: Any, line: int) -> tuple[str, ...] | None:
        if value == ANY_STATE:
            return (ANY_STATE,)
        if isinstance(value, SourceList):
            items = self.items(value, line, "from")
            if items is None:
                return None
            names = [self.source_state(item, n) for item, n in zip(items, items.item_lines, strict=True)]
        else:
            names = [self.source_state(value, line)]
        if None in names:
            return None
        return tuple(dict.fromkeys(name for name in names if name is not None))

    def source_state(self, value: Any, line: int) -> str | None:
        if value == ANY_STATE:
            self.error(line, "from: '*' must stand alone, not in a list")
            return None
        name = self.text(value, line, "from")
        if name is None:
            return None
        if name not in self.state_lines:
            self.error(line, f"from: unknown state {name!r}{_suggest(name, self.state_lines)}")
        elif name in self.finals:
            self.error(line, f"from: transition out of final state {name!r} (a final state ends the conversation)")
        return name

    def codes(self, value: Any, line: int) -> tuple[Code, ...] | None:
        if value == ANY_CODE:
            return tuple(Code)
        if isinstance(value, SourceList):
            items = self.items(value, line, "learner")
            if items is None:
                return None
            codes = [self.list_code(item, n) for item, n in zip(items, items.item_lines, strict=True)]
        else:
            codes = [self.code(value, line, "learner")]
        if None in codes:
            return None
        return tuple(dict.fromkeys(code for code in codes if code is not None))

    def list_code(self, value: Any, line: int) -> Code | None:
        if value == ANY_CODE:
            self.error(line, "learner: '*' must stand alone, not in a list")
            return None
        return self.code(value, line, "learner")

    def target(self, value: Any, line: int) -> str | None:
        name = self.text(value, line, "to")
        if name is not None and name not in self.state_lines:
            self.error(line, f"to: unknown state {name!r}{_suggest(name, self.state_lines)}")
            return None
        return name

    def effects(self, value: Any, line: int) -> dict[str, int] | None:
        data = self.mapping(value, line, "effects", None)
        if data is None:
            return None
        result: dict[str, int] = {}
        for name, delta in data.items():
            name_line = data.key_lines[name]
            if name not in RULERS:
                known = ", ".join(RULERS)
                self.error(name_line, f"effects: unknown variable {name!r}{_suggest(name, RULERS)}; "
                                      f"effects change only {known}")
            number = self.integer(delta, name_line, f"effects.{name}", EFFECT_MIN, EFFECT_MAX)
            if number is not None and name in RULERS:
                result[name] = number
        return result if len(result) == len(data) else None

    # ---------------------------------------------------------------- the graph

    def check_graph(self, start: str) -> None:
        """Every state reachable from start; every non-final state can leave (conditions ignored)."""
        if not self.graph_known:
            return
        non_final = [name for name in self.state_lines if name not in self.finals]
        exits: dict[str, set[str]] = {name: set() for name in self.state_lines}
        for edge in self.edges:
            sources = non_final if ANY_STATE in edge.sources else edge.sources
            for source in sources:
                if source in exits and source not in self.finals:
                    # An unknown target (already reported) still counts as a way out: no second error.
                    exits[source].add(edge.target if edge.target is not None else "")
        # A target that is unknown (already reported) probably meant some state: which one is a
        # guess, so reachability is only judged when every target is known.
        check_reach = all(edge.target is not None for edge in self.edges)
        reached = {start}
        todo = [start]
        while todo:
            for target in exits[todo.pop()]:
                if target in exits and target not in reached:
                    reached.add(target)
                    todo.append(target)
        for name, line in self.state_lines.items():
            if check_reach and name not in reached:
                self.error(line, f"state {name!r} cannot be reached from the start state {start!r}")
            if name not in self.finals and not exits[name] - {name}:
                self.error(line, f"state {name!r} is not final but no transition leads out of it")


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        bad = raw[error.start : error.start + 1].hex()
        message = f"the file is not UTF-8 text (byte 0x{bad}); save it as UTF-8"
        raise ScenarioError([Problem(source, line, message)]) from None


def _too_large(source: str) -> ScenarioError:
    return ScenarioError([Problem(source, 1, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB")])


def _load(text: str | bytes, source: str) -> tuple[Scenario, int]:
    """The scenario and the line of its id (for duplicate-id messages); raises ScenarioError."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise _too_large(source)
        text = _decode(text, source)
    elif len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise _too_large(source)
    try:
        data, issues = read_yaml(text)
    except YamlSourceError as error:
        raise ScenarioError([Problem(source, error.issue.line, error.issue.message)]) from None
    except RecursionError:
        # Backstop: read_yaml limits nesting itself, but a crash must never escape the loader.
        raise ScenarioError([Problem(source, 1, "the file is nested too deeply")]) from None
    if data is None:
        raise ScenarioError([Problem(source, 1, "the file is empty; a scenario starts with id:, language:, ...")])
    if not isinstance(data, SourceMap):
        line = data.line if isinstance(data, SourceList) else 1
        raise ScenarioError([Problem(source, line, f"the file must be a mapping (id: ..., language: ...), "
                                                   f"not {_kind(data)}")])
    checker = _Checker(source)
    checker.problems.extend(Problem(source, issue.line, issue.message) for issue in issues)
    scenario = checker.scenario(data)
    if scenario is None:
        raise ScenarioError(sorted(checker.problems, key=lambda problem: problem.line))
    return scenario, data.key_lines["id"]


def load_scenario_text(text: str | bytes, source: str) -> Scenario:
    """Parse and validate one scenario; `source` names it in problems. Raises ScenarioError."""
    return _load(text, source)[0]


def _read(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(MAX_FILE_BYTES + 1)  # enough to tell it is too large; never a huge file whole
    except OSError as error:
        raise ScenarioError([Problem(str(path), 0, f"cannot read the file: {error.strerror or error}")]) from None


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate one scenario file. Raises ScenarioError (also when it cannot be read)."""
    return _load(_read(path), str(path))[0]


def load_directory(path: str | os.PathLike[str]) -> tuple[dict[str, Scenario], list[Problem]]:
    """Every `*.yaml` in the folder except `*.test.yaml`, by id; problems of the files left out.

    A broken file does not stop the others loading. Of two files with the same id, the first
    (by file name) is kept and the other reported.
    """
    folder = Path(path)
    if not folder.is_dir():
        return {}, [Problem(str(folder), 0, "no such folder")]
    scenarios: dict[str, Scenario] = {}
    problems: list[Problem] = []
    for file in sorted(folder.glob("*.yaml")):
        if file.name.endswith(".test.yaml") or not file.is_file():
            continue
        try:
            scenario, id_line = _load(_read(file), str(file))
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        if scenario.id in scenarios:
            problems.append(Problem(str(file), id_line,
                                    f"duplicate id {scenario.id!r}: already used by {scenarios[scenario.id].source}"))
            continue
        scenarios[scenario.id] = scenario
    return scenarios, problems


__all__ = ["MAX_FILE_BYTES", "Problem", "ScenarioError", "load_directory", "load_scenario", "load_scenario_text"]
