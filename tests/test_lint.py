"""`state_machines.lint` and `mi-trainer lint`: every check fires where it should, and only there."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from bot.cli import main
from state_machines.codes import Code
from state_machines.lint import TELEGRAM_LIMIT, guess_language, lint
from state_machines.loader import Problem, load_directory, load_scenario, load_scenario_text
from state_machines.model import Line, Outcome, Talk
from tests.scenario_builders import C, scenario, state, transition

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "authoring"
PROBLEMS = FIXTURES / "lint" / "problems.yaml"
CLEAN = FIXTURES / "lone" / "lone.yaml"
SHIPPED = sorted(p for p in (ROOT / "dialogues").glob("*.yaml") if not p.name.endswith(".test.yaml"))


def _marker(path: Path, name: str) -> int:
    """The line of `# MARK name` in a fixture."""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text.rstrip().endswith(f"# MARK {name}"):
            return number
    raise AssertionError(f"no marker {name} in {path}")


@pytest.fixture(scope="module")
def problems() -> list[Problem]:
    return lint(load_scenario(PROBLEMS))


def _find(problems: list[Problem], *words: str) -> list[Problem]:
    return [p for p in problems if all(word in p.message for word in words)]


# ---------------------------------------------------------------------------- the fixture's problems


def test_clean_scenario_has_no_findings() -> None:
    assert lint(load_scenario(CLEAN)) == []


def test_state_that_cannot_end_is_an_error_at_its_line(problems: list[Problem]) -> None:
    found = _find(problems, "cannot reach any final state")
    assert {(p.line, p.severity) for p in found} == {
        (_marker(PROBLEMS, "trap"), "error"), (_marker(PROBLEMS, "trap2"), "error")}
    assert all(p.path == str(PROBLEMS) for p in found)


def test_code_without_transition_is_reported(problems: list[Problem]) -> None:
    found = _find(problems, "no transition for")
    assert len(found) == 1
    assert found[0].line == _marker(PROBLEMS, "opening")
    assert "persuade —" in found[0].message and found[0].severity == "warning"


def test_code_with_only_conditional_transitions_is_reported_with_an_example(problems: list[Problem]) -> None:
    found = _find(problems, "only conditional transitions")
    assert len(found) == 1 and found[0].line == _marker(PROBLEMS, "gated")
    assert "affirm (e.g. when rapport=0, turn=100)" in found[0].message


def test_success_by_confrontation_only_is_an_error(problems: list[Problem]) -> None:
    found = _find(problems, "MI-inconsistent replies only")
    assert len(found) == 1
    assert found[0].severity == "error" and found[0].line == _marker(PROBLEMS, "yes")
    assert found[0].message.endswith("confront → confront")


def test_talk_against_mi_logic(problems: list[Problem]) -> None:
    sulky = _find(problems, "'sulky' is entered only by MI-consistent")
    sorry = _find(problems, "'sorry' is entered only by confront")
    after = _find(problems, "say_after.confront lines are all change talk")
    assert [p.line for p in sulky] == [_marker(PROBLEMS, "sulky")]
    assert [p.line for p in sorry] == [_marker(PROBLEMS, "sorry")]
    assert [p.line for p in after] == [_marker(PROBLEMS, "sorry-say-after")]


def test_missing_hint_examples_and_bad_example(problems: list[Problem]) -> None:
    line = _marker(PROBLEMS, "sulky")
    assert [p.line for p in _find(problems, "'sulky' has no hint")] == [line]
    assert [p.line for p in _find(problems, "'sulky' has no examples")] == [line]
    assert [p.line for p in _find(problems, "an example for persuade")] == [_marker(PROBLEMS, "persuade-example")]
    # final states need neither
    assert not _find(problems, "'yes' has no")


def test_danish_line_in_english_scenario(problems: list[Problem]) -> None:
    found = _find(problems, "reads as Danish in an English scenario")
    assert [p.line for p in found] == [_marker(PROBLEMS, "danish")]


def test_missing_dropout_ending(problems: list[Problem]) -> None:
    assert len(_find(problems, "no final state with outcome dropout")) == 1
    assert not _find(problems, "no final state with outcome success")


def test_findings_are_sorted_by_line(problems: list[Problem]) -> None:
    assert [p.line for p in problems] == sorted(p.line for p in problems)


# ---------------------------------------------------------------------------- built scenarios


def _lines_scenario(extra: str) -> str:
    return CLEAN.read_text(encoding="utf-8").replace("  tvivl:\n", extra + "  tvivl:\n", 1)


def test_line_longer_than_telegram_limit_is_an_error() -> None:
    long_text = "Jeg ved ikke. " * (TELEGRAM_LIMIT // 14 + 1)
    text = CLEAN.read_text(encoding="utf-8").replace(
        '"Mine børn siger, at jeg lugter af røg. Det kan jeg ikke lide at høre."', f'"{long_text.strip()}"')
    found = _find(lint(load_scenario_text(text, "long.yaml"), source_text=text), "Telegram sends at most 4096")
    assert len(found) == 1 and found[0].severity == "error"
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.strip().startswith('- "Jeg ved ikke. Jeg'))
    assert found[0].line == line


def test_english_hint_in_danish_scenario() -> None:
    text = CLEAN.read_text(encoding="utf-8").replace(
        'hint: "Hun er ved at lave en plan. Spørg, hvordan hun vil gøre det, og lad hende bestemme."',
        'hint: "She is making a plan. Ask her how she would do it, and let her decide what she wants."')
    found = _find(lint(load_scenario_text(text, "mixed.yaml")), "reads as English in a Danish scenario")
    assert len(found) == 1 and "the hint of plan" in found[0].message


def test_success_without_mi_consistent_reply_is_a_warning() -> None:
    built = scenario(
        [state("a"), state("b"), state("win", final=Outcome.SUCCESS), state("out", final=Outcome.DROPOUT)],
        [transition("a", C.CLOSED_QUESTION, "b"), transition("b", C.GIVING_INFORMATION, "win"),
         transition(["a", "b"], "*", "out")],
    )
    found = _find(lint(built), "without a single MI-consistent reply")
    assert len(found) == 1 and found[0].severity == "warning"
    assert "closed_question → giving_information" in found[0].message
    # ... but not when it takes at least max_turns replies
    assert not _find(lint(built, max_turns=2), "MI-consistent reply")


def test_success_needing_mi_consistent_replies_is_fine() -> None:
    built = scenario(
        [state("a"), state("win", final=Outcome.SUCCESS), state("out", final=Outcome.DROPOUT)],
        [transition("a", C.OPEN_QUESTION, "win"), transition("a", "*", "out", when="rapport <= 0"),
         transition("a", "*", "a", effects={"rapport": -1})],
    )
    assert not _find(lint(built), "reachable in")


def test_condition_that_never_holds_counts_as_no_transition() -> None:
    built = scenario(
        [state("a"), state("win", final=Outcome.SUCCESS), state("out", final=Outcome.DROPOUT)],
        [transition("a", C.AFFIRM, "win", when="rapport > 10"),
         transition("a", [c for c in Code if c is not C.AFFIRM], "out")],
    )
    found = _find(lint(built), "no transition for affirm")
    assert len(found) == 1


def test_mixed_talk_on_entry_is_fine() -> None:
    sustain = state("s", "s1", talk=Talk.SUSTAIN)
    neutral_after = MappingProxyType({C.OPEN_QUESTION: (Line("ok", Talk.NEUTRAL),)})
    built = scenario(
        [state("a"), replace(sustain, lines_after=neutral_after),
         state("win", final=Outcome.SUCCESS), state("out", final=Outcome.DROPOUT)],
        [transition("a", C.OPEN_QUESTION, "s"), transition("a", "*", "a"), transition("s", "*", "win")],
    )
    assert not _find(lint(built), "entered only")
    # without the neutral say_after line the same graph is flagged
    built = replace(built, states=MappingProxyType({**built.states, "s": sustain}))
    assert len(_find(lint(built), "'s' is entered only by MI-consistent replies (open_question)")) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jeg ved ikke, hvad jeg skal sige til det, men det er nok ikke så godt.", "da"),
        ("I don't know what to say about that, but it is not that good.", "en"),
        ("Ja.", None),
        ("Okay.", None),
        ("Netto, IPS, Kaj.", None),
    ],
)
def test_guess_language(text: str, expected: str | None) -> None:
    assert guess_language(text) == expected


def test_max_turns_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_turns"):
        lint(load_scenario(CLEAN), max_turns=0)


# ---------------------------------------------------------------------------- shipped scenarios and CLI


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_passes_lint_strict(path: Path) -> None:
    found = lint(load_scenario(path))
    assert found == [], "\n".join(f"{p.severity}: {p}" for p in found)


def test_shipped_scenarios_exist() -> None:
    scenarios, problems = load_directory(ROOT / "dialogues")
    assert len(scenarios) >= 2 and not problems


def test_cli_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = CLEAN.read_text(encoding="utf-8")
    no_hint = text.replace('    hint: "Hun føler sig presset. Reflektér det, og giv hende kontrollen tilbage."\n', "")
    assert no_hint != text
    file = tmp_path / "lone.yaml"
    file.write_text(no_hint, encoding="utf-8")
    assert main(["lint", str(file)]) == 0
    out = capsys.readouterr().out
    assert f"{file}:" in out and ": warning: state 'discord' has no hint" in out
    assert main(["lint", "--strict", str(file)]) == 1
    assert "--strict" in capsys.readouterr().err
    assert main(["lint", "--strict", str(CLEAN)]) == 0
    assert main(["lint", str(PROBLEMS)]) == 1
    out = capsys.readouterr().out
    assert f"{PROBLEMS}:{_marker(PROBLEMS, 'trap')}: error: state 'trap' cannot reach" in out


def test_cli_lint_reports_invalid_files_and_missing_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\n", encoding="utf-8")
    assert main(["lint", str(broken), str(tmp_path / "nope.yaml")]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:" in out and "no such file or folder" in out


def test_transitions_that_never_fire(problems: list[Problem]) -> None:
    shadowed = _find(problems, "never fires: earlier transitions always catch")
    never = _find(problems, "never fires: its condition 'rapport > 10' can never hold")
    assert [p.line for p in shadowed] == [_marker(PROBLEMS, "shadowed")]
    assert [p.line for p in never] == [_marker(PROBLEMS, "never holds")]
