"""Conversation tests for scenarios (like Rasa test stories): `dialogues/<id>.test.yaml`.

```yaml
scenario: ips-mette
tests:
  - name: success path
    seed: 1                                   # optional, default 1
    steps:
      - code: open_question                   # drive the scenario by code
        expect: {state: skepsis, talk: sustain}
      - reply: "Hvad tænker du selv om det?"  # or by text: the coder codes it
        expect: {code: open_question, talk: [change, neutral], check: "rapport >= 6"}
    expect_end: {outcome: success}            # optional
```

`expect` keys: `state`, `talk` (one or a list), `code` (only with `reply`), `check` (a condition
in the scenario condition language, on the rulers and `turn` after the step), `outcome`
(success / partial / dropout, or `none`: not ended). `expect_end` takes the same keys but `code`.

Pure: reply steps are coded by the `code_reply(text, context, lang) -> Code` the caller passes
(the application's coder), so this module does not depend on the application.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from state_machines.codes import Code, parse_code
from state_machines.conditions import Condition, ConditionError, evaluate, parse_condition
from state_machines.loader import MAX_FILE_BYTES, Problem
from state_machines.model import Outcome, Scenario, Talk
from state_machines.simulator import ClientSimulator, ClientTurn
from state_machines.yaml_source import SourceList, SourceMap, YamlSourceError, read_yaml

TEST_SUFFIX = ".test.yaml"
NOT_ENDED = "none"
"""`outcome: none` — the conversation has not ended."""

CodeReply = Callable[[str, str, str], Code]
"""(learner text, the client's last line, scenario language) -> the reply's primary code."""

_FILE_KEYS = {"scenario": True, "tests": True}
_TEST_KEYS = {"name": True, "seed": False, "steps": True, "expect_end": False}
_STEP_KEYS = {"code": False, "reply": False, "expect": False}
_EXPECT_KEYS = ("state", "talk", "code", "check", "outcome")
_OUTCOMES = [outcome.value for outcome in Outcome] + [NOT_ENDED]


class DialogueTestError(Exception):
    """A test file that cannot be read; `.problems` holds every problem, as path:line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Expect:
    """What must hold after a step (or at the end); None / empty = not checked."""

    line: int
    state: str | None = None
    talk: tuple[Talk, ...] = ()
    code: Code | None = None
    check: Condition | None = None
    check_text: str = ""
    outcome: str | None = None
    """An Outcome value, "none" (not ended), or None (not checked)."""


@dataclass(frozen=True)
class Step:
    line: int
    code: Code | None = None
    reply: str | None = None
    expect: Expect | None = None


@dataclass(frozen=True)
class DialogueTest:
    name: str
    line: int
    steps: tuple[Step, ...]
    seed: int = 1
    expect_end: Expect | None = None


@dataclass(frozen=True)
class DialogueTestFile:
    path: str
    scenario: str
    scenario_line: int
    tests: tuple[DialogueTest, ...]


@dataclass(frozen=True)
class DialogueTestResult:
    """One test's outcome: passed, or the failures (path:line of the failing step)."""

    file: str
    name: str
    line: int
    failures: tuple[Problem, ...]
    turns: tuple[ClientTurn, ...] = ()
    codes: tuple[Code, ...] = ()
    """The code of each step (for reply steps: what the coder said)."""

    @property
    def passed(self) -> bool:
        return not self.failures


# ------------------------------------------------------------------------------ reading


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))

    def mapping(self, value: Any, line: int, where: str, keys: Mapping[str, bool]) -> SourceMap | None:
        if not isinstance(value, SourceMap):
            self.error(line, f"{where} must be a mapping (key: value)")
            return None
        for key in value:
            if key not in keys:
                self.error(value.key_lines[key], f"{where}: unknown key {key!r} (known: {', '.join(keys)})")
        for key, required in keys.items():
            if required and key not in value:
                self.error(line, f"{where}: missing required key {key!r}")
        return value

    def text(self, value: Any, line: int, where: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(line, f"{where} must be non-empty text")
            return None
        return value.strip()

    def code(self, value: Any, line: int, where: str) -> Code | None:
        word = self.text(value, line, where)
        if word is None:
            return None
        code = parse_code(word)
        if code is None:
            self.error(line, f"{where}: unknown code {word!r} (codes: {', '.join(c.value for c in Code)})")
        return code

    def file(self, data: Any) -> DialogueTestFile | None:
        top = self.mapping(data, getattr(data, "line", 1), "test file", _FILE_KEYS)
        if top is None:
            return None
        scenario = self.text(top.get("scenario"), top.key_lines.get("scenario", top.line), "scenario") \
            if "scenario" in top else None
        tests: list[DialogueTest] = []
        if "tests" in top:
            items, line = top["tests"], top.key_lines["tests"]
            if not isinstance(items, SourceList) or not items:
                self.error(line, "tests must be a non-empty list")
            else:
                names: dict[str, int] = {}
                for item, item_line in zip(items, items.item_lines, strict=True):
                    test = self.test(item, item_line)
                    if test is None:
                        continue
                    if test.name in names:
                        self.error(item_line, f"duplicate test name {test.name!r} (first at line {names[test.name]})")
                    names.setdefault(test.name, item_line)
                    tests.append(test)
        if self.problems or scenario is None:
            return None
        return DialogueTestFile(self.source, scenario, top.key_lines["scenario"], tuple(tests))

    def test(self, value: Any, line: int) -> DialogueTest | None:
        data = self.mapping(value, line, "test", _TEST_KEYS)
        if data is None:
            return None
        name = self.text(data.get("name"), data.key_lines.get("name", line), "test name") if "name" in data else None
        seed = 1
        if "seed" in data:
            raw = data["seed"]
            if isinstance(raw, bool) or not isinstance(raw, int):
                self.error(data.key_lines["seed"], "seed must be a whole number")
            else:
                seed = raw
        steps: list[Step] = []
        if "steps" in data:
            items, steps_line = data["steps"], data.key_lines["steps"]
            if not isinstance(items, SourceList) or not items:
                self.error(steps_line, "steps must be a non-empty list")
            else:
                for item, item_line in zip(items, items.item_lines, strict=True):
                    step = self.step(item, item_line)
                    if step is not None:
                        steps.append(step)
        end = None
        if "expect_end" in data:
            end = self.expect(data["expect_end"], data.key_lines["expect_end"], "expect_end", allow_code=False)
        if name is None:
            return None
        return DialogueTest(name, line, tuple(steps), seed, end)

    def step(self, value: Any, line: int) -> Step | None:
        data = self.mapping(value, line, "step", _STEP_KEYS)
        if data is None:
            return None
        has_code, has_reply = "code" in data, "reply" in data
        if has_code == has_reply:
            self.error(line, "a step needs exactly one of code: (drive by code) or reply: (text the coder codes)")
            return None
        code = self.code(data["code"], data.key_lines["code"], "code") if has_code else None
        reply = self.text(data["reply"], data.key_lines["reply"], "reply") if has_reply else None
        expect = None
        if "expect" in data:
            expect = self.expect(data["expect"], data.key_lines["expect"], "expect", allow_code=has_reply)
        return Step(line, code, reply, expect)

    def expect(self, value: Any, line: int, where: str, allow_code: bool) -> Expect | None:
        keys = dict.fromkeys(_EXPECT_KEYS if allow_code else [k for k in _EXPECT_KEYS if k != "code"], False)
        data = self.mapping(value, line, where, keys)
        if data is None:
            return None
        state = self.text(data["state"], data.key_lines["state"], f"{where}.state") if "state" in data else None
        talk: list[Talk] = []
        if "talk" in data:
            raw, talk_line = data["talk"], data.key_lines["talk"]
            for item in raw if isinstance(raw, SourceList) else [raw]:
                word = self.text(item, talk_line, f"{where}.talk")
                if word is None:
                    continue
                if word not in [t.value for t in Talk]:
                    self.error(talk_line, f"{where}.talk: unknown talk type {word!r} "
                                          f"(change, sustain, neutral, discord)")
                else:
                    talk.append(Talk(word))
        code = self.code(data["code"], data.key_lines["code"], f"{where}.code") if "code" in data else None
        check, check_text = None, ""
        if "check" in data:
            check_line = data.key_lines["check"]
            text = self.text(data["check"], check_line, f"{where}.check")
            if text is not None:
                try:
                    check, check_text = parse_condition(text), text
                except ConditionError as error:
                    self.error(check_line, f"{where}.check: condition {text!r} does not parse: {error}")
        outcome = None
        if "outcome" in data:
            outcome = self.text(data["outcome"], data.key_lines["outcome"], f"{where}.outcome")
            if outcome is not None and outcome not in _OUTCOMES:
                self.error(data.key_lines["outcome"], f"{where}.outcome: unknown outcome {outcome!r} "
                                                      f"({', '.join(_OUTCOMES)})")
        return Expect(line, state, tuple(talk), code, check, check_text, outcome)


def load_tests_text(text: str, source: str) -> DialogueTestFile:
    """Parse a test file; raises DialogueTestError with every problem as path:line."""
    if len(text) > MAX_FILE_BYTES:
        raise DialogueTestError([Problem(source, 1, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB")])
    try:
        data, issues = read_yaml(text)
    except YamlSourceError as error:
        raise DialogueTestError([Problem(source, error.issue.line, error.issue.message)]) from None
    if data is None:
        raise DialogueTestError([Problem(source, 1, "the file is empty; a test file starts with scenario: and tests:")])
    reader = _Reader(source)
    reader.problems.extend(Problem(source, issue.line, issue.message) for issue in issues)
    result = reader.file(data)
    if result is None or reader.problems:
        raise DialogueTestError(sorted(reader.problems, key=lambda p: p.line))
    return result


def load_tests(path: str | os.PathLike[str]) -> DialogueTestFile:
    """Read and parse a `*.test.yaml` file; raises DialogueTestError."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise DialogueTestError([Problem(str(path), 0, f"cannot read the file: {error.strerror or error}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DialogueTestError([Problem(str(path), 1, "the file is not UTF-8 text")]) from None
    return load_tests_text(text, str(path))


def check_against(tests: DialogueTestFile, scenario: Scenario) -> list[Problem]:
    """Problems only the scenario can reveal: state names that do not exist, reply steps without a coder."""
    problems: list[Problem] = []
    for test in tests.tests:
        expects = [step.expect for step in test.steps] + [test.expect_end]
        for expect in expects:
            if expect is not None and expect.state is not None and expect.state not in scenario.states:
                problems.append(Problem(tests.path, expect.line,
                                        f"test {test.name!r}: scenario {scenario.id!r} has no state {expect.state!r}"))
    return problems


# ------------------------------------------------------------------------------ running


def _compare(expect: Expect, turn: ClientTurn, coded: Code | None) -> list[str]:
    """What differs from the expectation, as readable phrases."""
    wrong: list[str] = []
    if expect.state is not None and turn.state != expect.state:
        wrong.append(f"expected state {expect.state!r}, got {turn.state!r}")
    if expect.talk and turn.line.talk not in expect.talk:
        wanted = " or ".join(t.value for t in expect.talk)
        wrong.append(f"expected {wanted} talk, got {turn.line.talk.value} ({turn.line.text[:60]!r})")
    if expect.code is not None and coded != expect.code:
        wrong.append(f"expected the reply coded {expect.code.value}, the coder said {coded.value if coded else None}")
    if expect.check is not None:
        env = {**turn.variables, "turn": turn.turn}
        if not evaluate(expect.check, env):
            shown = ", ".join(f"{k}={v}" for k, v in env.items())
            wrong.append(f"check {expect.check_text!r} does not hold ({shown})")
    if expect.outcome is not None:
        got = turn.outcome.value if turn.outcome is not None else NOT_ENDED
        if got != expect.outcome:
            wrong.append(f"expected outcome {expect.outcome}, got {got} (state {turn.state!r})")
    return wrong


def run_test(
    test: DialogueTest,
    simulator: ClientSimulator,
    code_reply: CodeReply | None = None,
    path: str = "",
) -> DialogueTestResult:
    """Play one test against the scenario's simulator; stops at the first failing step."""
    scenario = simulator.scenario
    conversation, opening = simulator.start(test.seed)
    turns: list[ClientTurn] = []
    codes: list[Code] = []
    last = opening

    def failed(line: int, message: str) -> DialogueTestResult:
        problem = Problem(path, line, f"test {test.name!r}: {message}")
        return DialogueTestResult(path, test.name, test.line, (problem,), tuple(turns), tuple(codes))

    try:
        for number, step in enumerate(test.steps, start=1):
            if last.ended:
                return failed(step.line, f"step {number}: the conversation already ended in {last.state!r} "
                                         f"({last.outcome.value if last.outcome else ''})")
            coded: Code | None = None
            if step.reply is not None:
                if code_reply is None:
                    return failed(step.line, f"step {number}: a reply step needs a coder (none given)")
                try:
                    coded = code_reply(step.reply, conversation.last_line or "", scenario.language)
                except Exception as error:  # the coder is the caller's; its failure fails this test only
                    return failed(step.line, f"step {number}: the coder failed: {type(error).__name__}: {error}")
                code = coded
            else:
                assert step.code is not None
                code = step.code
            codes.append(code)
            last = simulator.respond(conversation, code)
            turns.append(last)
            if step.expect is not None:
                wrong = _compare(step.expect, last, coded)
                if wrong:
                    return failed(step.line, f"step {number} ({code.value}): " + "; ".join(wrong))
        if test.expect_end is not None:
            wrong = _compare(test.expect_end, last, None)
            if wrong:
                return failed(test.expect_end.line, "at the end: " + "; ".join(wrong))
    finally:
        simulator.release(conversation)
    return DialogueTestResult(path, test.name, test.line, (), tuple(turns), tuple(codes))


def run_file(
    tests: DialogueTestFile,
    scenarios: Mapping[str, Scenario],
    code_reply: CodeReply | None = None,
    simulators: Mapping[str, ClientSimulator] | None = None,
) -> list[DialogueTestResult]:
    """Run every test of the file; a missing scenario or a bad state name fails every test."""
    scenario = scenarios.get(tests.scenario)
    if scenario is None:
        known = ", ".join(sorted(scenarios)) or "none loaded"
        problem = Problem(tests.path, tests.scenario_line, f"unknown scenario {tests.scenario!r} (known: {known})")
        return [DialogueTestResult(tests.path, test.name, test.line, (problem,)) for test in tests.tests]
    problems = check_against(tests, scenario)
    if problems:
        return [DialogueTestResult(tests.path, test.name, test.line, tuple(problems)) for test in tests.tests]
    simulator = (simulators or {}).get(scenario.id) or ClientSimulator(scenario)
    return [run_test(test, simulator, code_reply, tests.path) for test in tests.tests]


def find_test_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The `*.test.yaml` files in a folder, sorted."""
    return sorted(path for path in Path(folder).glob("*" + TEST_SUFFIX) if path.is_file())


__all__ = [
    "NOT_ENDED",
    "TEST_SUFFIX",
    "CodeReply",
    "DialogueTest",
    "DialogueTestError",
    "DialogueTestFile",
    "DialogueTestResult",
    "Expect",
    "Step",
    "check_against",
    "find_test_files",
    "load_tests",
    "load_tests_text",
    "run_file",
    "run_test",
]
