"""`state_machines.explore` and `mi-trainer explore`: the walks, the MI verdicts (for every shipped
scenario), and that a scenario reacting against MI fails them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bot.cli import main
from state_machines.codes import Code
from state_machines.conditions import RULERS, parse_condition
from state_machines.explore import (
    apply_effects,
    can_reach_final,
    counterexample,
    entry_lines,
    exhaustive,
    explore,
    fire,
    random_walks,
    satisfiable,
    verdicts,
)
from state_machines.loader import load_scenario
from state_machines.model import Outcome, Scenario, Talk
from state_machines.simulator import ClientSimulator
from tests.scenario_builders import C, rich_scenario, scenario, state, transition

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "dialogues").glob("*.yaml") if not p.name.endswith(".test.yaml"))
LONE = ROOT / "tests" / "fixtures" / "authoring" / "lone" / "lone.yaml"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_reacts_the_way_mi_predicts(path: Path) -> None:
    walked = random_walks(load_scenario(path), walks=300, seed=1, depth=30)
    for verdict in verdicts(walked.talk_after):
        assert verdict.ok, f"{path.name}: {verdict.text}"


def _backwards() -> Scenario:
    """A client who opens up when confronted and resists open questions and reflections."""
    return scenario(
        [
            state("a", "meh"),
            state("open", "you are right, I want to change", talk=Talk.CHANGE),
            state("shut", "leave me alone", talk=Talk.DISCORD),
            state("win", final=Outcome.SUCCESS, talk=Talk.CHANGE),
            state("out", final=Outcome.DROPOUT, talk=Talk.DISCORD),
        ],
        [
            transition("*", [C.CONFRONT, C.PERSUADE], "open"),
            transition("*", [C.OPEN_QUESTION, C.SIMPLE_REFLECTION, C.COMPLEX_REFLECTION], "shut"),
            transition("open", C.AFFIRM, "win"),
            transition("shut", C.OTHER, "out"),
            transition("*", "*", "a"),
        ],
    )


def test_verdicts_fail_for_a_client_reacting_against_mi() -> None:
    walked = random_walks(_backwards(), walks=100, seed=3)
    found = verdicts(walked.talk_after)
    assert [v.ok for v in found] == [False, False]
    assert found[0].text.startswith("FAIL") and found[0].left == 0.0


def test_step_semantics_match_the_simulator() -> None:
    for built in (rich_scenario(), load_scenario(SHIPPED[0]), load_scenario(LONE)):
        simulator = ClientSimulator(built)
        rng = random.Random(5)
        for seed in range(20):
            conversation, _ = simulator.start(seed)
            variables = dict(built.start_values)
            while not simulator.ended(conversation) and conversation.turn < 40:
                code = rng.choice(list(Code))
                state_before = conversation.state
                expected = fire(built, state_before, variables, conversation.turn + 1, code)
                turn = simulator.respond(conversation, code)
                assert turn.transition is expected
                variables = apply_effects(expected, variables)
                assert dict(turn.variables) == variables
                assert turn.state == (expected.target if expected else state_before)
                pool = entry_lines(built, turn.state, code if expected else None)
                assert turn.line in pool
            simulator.release(conversation)


def test_exhaustive_walk_finds_shortest_paths_and_full_coverage() -> None:
    lone = load_scenario(LONE)
    full = exhaustive(lone, depth=6)
    assert full.shortest[Outcome.SUCCESS] == (Code.OPEN_QUESTION, Code.OPEN_QUESTION, Code.OPEN_QUESTION)
    assert full.shortest[Outcome.DROPOUT] == (Code.PERSUADE, Code.PERSUADE, Code.CONFRONT)
    assert full.states == set(lone.states)
    assert len(full.transitions) == len(lone.transitions)
    assert not full.stuck and not full.truncated
    shallow = exhaustive(lone, depth=2)
    assert Outcome.SUCCESS not in shallow.shortest  # needs three replies


def test_exhaustive_walk_reports_stuck_configurations_and_truncation() -> None:
    built = scenario(
        [state("a"), state("limbo"), state("end", final=Outcome.PARTIAL)],
        [transition("a", C.OPEN_QUESTION, "limbo"), transition("a", "*", "a"),
         transition("limbo", "*", "end", when="turn > 50"), transition("limbo", "*", "limbo")],
    )
    full = exhaustive(built, depth=5)
    assert [state for state, _ in full.stuck] == ["limbo"]
    assert exhaustive(rich_scenario(), depth=8, max_configurations=5).truncated


def test_cannot_reach_final() -> None:
    built = scenario(
        [state("a"), state("loop1"), state("loop2"), state("end", final=Outcome.SUCCESS)],
        [transition("a", C.OPEN_QUESTION, "end"), transition("a", "*", "loop1"),
         transition("loop1", "*", "loop2"), transition("loop2", "*", "loop1")],
    )
    assert can_reach_final(built) == {"a", "end"}
    report = explore(built, walks=5, bfs_depth=3)
    assert report.cannot_finish == ["loop1", "loop2"]
    assert "dead ends (no final state reachable): loop1, loop2" in report.text()


def test_condition_helpers() -> None:
    assert satisfiable(parse_condition("rapport >= 6 and readiness < 2"))
    assert not satisfiable(parse_condition("rapport > 10"))
    assert not satisfiable(parse_condition("turn < 1"))
    assert not satisfiable(parse_condition("rapport > importance and importance > rapport"))
    assert counterexample([parse_condition("rapport >= 3"), parse_condition("rapport < 3")]) is None
    found = counterexample([parse_condition("rapport >= 3 or turn > 5")])
    assert found is not None and found["rapport"] < 3 and found["turn"] <= 5
    assert set(found) == {*RULERS, "turn"}


def test_report_json_and_text() -> None:
    report = explore(load_scenario(LONE), walks=50, seed=2, depth=20, bfs_depth=6)
    data = report.to_json()
    assert data["scenario"] == "lone" and data["ok"] is True
    assert data["shortest_path"]["success"] == ["open_question"] * 3
    assert data["exhaustive"]["coverage"]["states"] == {"visited": 6, "total": 6, "missed": []}
    assert sum(data["talk_after"]["confront"].values()) > 0
    assert [v["check"] for v in data["verdicts"]] == ["change-after-open-and-reflections",
                                                     "resistance-after-righting-reflex"]
    text = report.text()
    assert "shortest success path (3 replies): open_question → open_question → open_question" in text
    assert "MI checks:" in text and "dead ends: none" in text


def test_walks_are_seeded() -> None:
    lone = load_scenario(LONE)
    first = random_walks(lone, walks=30, seed=9)
    again = random_walks(lone, walks=30, seed=9)
    assert first.talk_after == again.talk_after and first.outcomes == again.outcomes


def test_cli_explore(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["explore", str(LONE), "--walks", "40", "--depth", "5"]) == 0
    out = capsys.readouterr().out
    assert "coverage, random walks (40 x up to 30 replies, seed 1)" in out and "ok   change talk" in out
    assert main(["explore", str(LONE), "--walks", "40", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["walks"]["count"] == 40
    assert main(["explore", "ips-mette", "--walks", "20", "--depth", "3"]) == 0  # by id
    capsys.readouterr()
    assert main(["explore", "no-such-scenario"]) == 1
    assert "no scenario file or id 'no-such-scenario'" in capsys.readouterr().err
    assert main(["explore", str(LONE), "--walks", "0"]) == 1
    assert "--walks must be at least 1" in capsys.readouterr().err


def test_cli_explore_fails_when_a_check_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = LONE.read_text(encoding="utf-8")
    # confronting now opens her up: an MI-inconsistent client
    text = text.replace("{from: \"*\", learner: [confront, persuade], effects: {rapport: -2}, to: discord}",
                        "{from: \"*\", learner: [confront, persuade], to: plan}")
    old = ("{from: opening, learner: [open_question, complex_reflection, simple_reflection], "
           "effects: {rapport: 1, importance: 1}, to: tvivl}")
    assert old in text
    text = text.replace(old, "{from: opening, learner: [open_question, complex_reflection, simple_reflection], "
                             "to: discord}\n  - {from: opening, learner: other, to: tvivl}")
    path = tmp_path / "lone.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["explore", str(path), "--walks", "100", "--depth", "3"]) == 1
    assert "FAIL" in capsys.readouterr().out
