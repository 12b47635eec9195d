"""Conversation tests (`dialogues/*.test.yaml`) run under pytest, and the runner itself is tested:
it must fail on a wrong state, talk type, check, code or outcome, and read files with path:line errors."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.cli import main
from bot.coder import Coder
from state_machines.codes import Code
from state_machines.dialogue_tests import (
    DialogueTestError,
    DialogueTestFile,
    find_test_files,
    load_tests,
    load_tests_text,
    run_file,
    run_test,
)
from state_machines.loader import Problem, load_directory, load_scenario
from state_machines.model import Scenario
from state_machines.simulator import ClientSimulator

ROOT = Path(__file__).resolve().parent.parent
DIALOGUES = ROOT / "dialogues"
LONE = ROOT / "tests" / "fixtures" / "authoring" / "lone"
FAILING = LONE / "lone-failing.test.yaml"


@cache
def _coder() -> Coder:
    return Coder()


def code_reply(text: str, context: str, lang: str) -> Code:
    """The real coder (for the shipped stories: reply steps test scenario + coder together)."""
    return _coder().code(text, context, lang).primary


FAKE_CODES = {"Hvad tænker du selv om din rygning lige nu?": Code.OPEN_QUESTION}


def fake_reply(text: str, context: str, lang: str) -> Code:
    """A fixed coder for the runner's own tests, so they do not depend on the (retrained) model."""
    assert lang == "da" and isinstance(context, str)
    return FAKE_CODES.get(text, Code.OTHER)


@pytest.fixture
def fake_cli_coder(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.authoring_cli

    monkeypatch.setattr(bot.authoring_cli, "_coder", lambda: fake_reply)


@cache
def _folder(path: Path) -> tuple[dict[str, Scenario], tuple[Problem, ...]]:
    """The scenarios of a folder, loaded once per test session."""
    scenarios, problems = load_directory(path)
    return scenarios, tuple(problems)


def _cases() -> list[tuple[Path, str]]:
    cases: list[tuple[Path, str]] = []
    for file in find_test_files(DIALOGUES):
        try:
            tests = load_tests(file)
        except DialogueTestError:
            cases.append((file, "<file does not load>"))
            continue
        cases.extend((file, test.name) for test in tests.tests)
    return cases


CASES = _cases()


def test_shipped_tests_exist_for_the_first_scenarios() -> None:
    names = {file.name for file in find_test_files(DIALOGUES)}
    assert {"ips-mette.test.yaml", "alcohol-dave.test.yaml"} <= names


@pytest.mark.parametrize(("path", "name"), CASES, ids=[f"{p.name}::{n}" for p, n in CASES])
def test_dialogue_story(path: Path, name: str) -> None:
    tests = load_tests(path)  # a file that does not load fails here, with its path:line problems
    scenarios, problems = _folder(path.parent)
    assert tests.scenario in scenarios, f"{path}: scenario {tests.scenario!r} does not load: {problems}"
    selected = DialogueTestFile(tests.path, tests.scenario, tests.scenario_line,
                                tuple(t for t in tests.tests if t.name == name))
    [result] = run_file(selected, scenarios, code_reply)
    assert result.passed, "\n".join(str(problem) for problem in result.failures)


@pytest.mark.parametrize("scenario_id", ["ips-mette", "alcohol-dave"])
def test_shipped_tests_cover_success_dropout_and_recovery(scenario_id: str) -> None:
    tests = load_tests(DIALOGUES / f"{scenario_id}.test.yaml")
    ends = {t.expect_end.outcome for t in tests.tests if t.expect_end is not None}
    assert {"success", "dropout"} <= ends
    assert any("discord" in t.name for t in tests.tests)


# ---------------------------------------------------------------------------- the runner can fail


def _marker(path: Path, name: str) -> int:
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text.rstrip().endswith(f"# MARK {name}"):
            return number
    raise AssertionError(f"no marker {name}")


def test_fixture_tests_pass() -> None:
    scenarios, _ = load_directory(LONE)
    results = run_file(load_tests(LONE / "lone.test.yaml"), scenarios, fake_reply)
    assert [r.name for r in results] == ["success", "dropout", "a clear open question is coded as one"]
    assert all(r.passed for r in results), [str(p) for r in results for p in r.failures]
    assert results[0].codes == (Code.OPEN_QUESTION, Code.COMPLEX_REFLECTION, Code.OPEN_QUESTION)
    assert results[0].turns[-1].state == "aftale"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("wrong state", "expected state 'plan', got 'tvivl'"),
        ("wrong talk", "expected sustain or discord talk, got change"),
        ("wrong check", "check 'rapport >= 9' does not hold"),
        ("wrong outcome", "expected outcome dropout, got success"),
        ("not ended", "expected outcome success, got none"),
        ("wrong code", "expected the reply coded confront, the coder said open_question"),
        ("step after the end", "the conversation already ended in 'farvel'"),
    ],
)
def test_runner_detects_wrong_expectations(name: str, words: str) -> None:
    scenarios, _ = load_directory(LONE)
    results = {r.name: r for r in run_file(load_tests(FAILING), scenarios, fake_reply)}
    result = results[name]
    assert not result.passed
    [failure] = result.failures
    assert failure.path == str(FAILING)
    assert failure.line == _marker(FAILING, name)
    assert words in failure.message


def test_reply_step_without_coder_fails_cleanly() -> None:
    tests = load_tests(LONE / "lone.test.yaml")
    simulator = ClientSimulator(load_scenario(LONE / "lone.yaml"))
    result = run_test(tests.tests[2], simulator, None, tests.path)
    assert not result.passed and "needs a coder" in result.failures[0].message


def test_a_failing_coder_fails_only_that_test() -> None:
    def broken(text: str, context: str, lang: str) -> Code:
        raise RuntimeError("no weights")

    scenarios, _ = load_directory(LONE)
    results = run_file(load_tests(LONE / "lone.test.yaml"), scenarios, broken)
    assert [r.passed for r in results] == [True, True, False]
    assert "the coder failed: RuntimeError: no weights" in results[2].failures[0].message


def test_unknown_scenario_and_unknown_state_fail_every_test() -> None:
    text = (LONE / "lone.test.yaml").read_text(encoding="utf-8")
    scenarios, _ = load_directory(LONE)
    unknown = load_tests_text(text.replace("scenario: lone", "scenario: nobody"), "x.test.yaml")
    results = run_file(unknown, scenarios, fake_reply)
    assert results and all("unknown scenario 'nobody'" in r.failures[0].message for r in results)
    bad_state = load_tests_text(text.replace("state: plan,", "state: plann,"), "y.test.yaml")
    results = run_file(bad_state, scenarios, fake_reply)
    assert all("has no state 'plann'" in r.failures[0].message for r in results)
    assert results[0].failures[0].line == 9


# ---------------------------------------------------------------------------- reading test files


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("scenario: a\ntests:\n  - name: t\n    steps:\n      - {code: open_question, reply: hi}\n", 5,
         "exactly one of code"),
        ("scenario: a\ntests:\n  - name: t\n    steps:\n      - code: open_questio\n", 5, "unknown code"),
        ("scenario: a\ntests:\n  - name: t\n    steps:\n      - code: affirm\n        expect: {code: affirm}\n", 6,
         "unknown key 'code'"),
        ("scenario: a\ntests:\n  - name: t\n    steps:\n      - code: affirm\n        expect: {check: 'rapport >'}\n",
         6, "does not parse"),
        ("scenario: a\ntests:\n  - name: t\n    steps:\n      - code: affirm\n        expect: {talk: happy}\n", 6,
         "unknown talk type 'happy'"),
        ("scenario: a\ntests:\n  - name: t\n    steps:\n      - code: affirm\n    expect_end: {outcome: won}\n", 6,
         "unknown outcome 'won'"),
        ("scenario: a\ntests:\n  - name: t\n    stepz: []\n", 4, "unknown key 'stepz'"),
        ("scenario: a\ntests:\n  - name: t\n    steps: [{code: affirm}]\n  - name: t\n    steps: [{code: affirm}]\n",
         5, "duplicate test name"),
        ("scenario: a\ntests:\n  - name: t\n    steps: [{code: affirm}]\n    steps: []\n", 5, "duplicate key"),
        ("scenario: a\ntests: [\n", 3, "YAML syntax error"),
        ("", 1, "the file is empty"),
    ],
)
def test_bad_test_files_report_path_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(DialogueTestError) as caught:
        load_tests_text(text, "bad.test.yaml")
    problems = caught.value.problems
    assert any(p.line == line and words in p.message and p.path == "bad.test.yaml" for p in problems), problems


def test_loader_skips_test_files() -> None:
    scenarios, problems = load_directory(LONE)
    assert list(scenarios) == ["lone"] and not problems


# ---------------------------------------------------------------------------- CLI


def test_cli_test_dialogues(capsys: pytest.CaptureFixture[str], fake_cli_coder: None) -> None:
    assert main(["test-dialogues", str(LONE / "lone.test.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS ") == 3 and "3 passed, 0 failed" in out
    assert main(["test-dialogues", str(LONE / "lone.yaml")]) == 0  # a scenario file runs its <id>.test.yaml
    capsys.readouterr()
    assert main(["test-dialogues", "-v", str(FAILING)]) == 1
    captured = capsys.readouterr()
    assert f"FAIL {FAILING}:{_marker(FAILING, 'wrong state')}: test 'wrong state'" in captured.out
    assert "1. open_question" in captured.out  # -v shows the conversation
    assert "0 passed, 7 failed" in captured.err


def test_cli_test_dialogues_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_cli_coder: None
) -> None:
    assert main(["test-dialogues", str(tmp_path / "missing")]) == 1
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["test-dialogues", str(tmp_path)]) == 1
    assert "no *.test.yaml files" in capsys.readouterr().err
