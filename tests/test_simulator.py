"""The client simulator: turn semantics (dialogues/README.md "How a turn runs"), determinism,
snapshot/restore, atomicity, and many conversations on one shared transitions Machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_builders import rich_scenario, scenario, state, transition

from state_machines.codes import Code
from state_machines.conditions import RULERS, Comparison, evaluate
from state_machines.model import ANY_STATE, Outcome, Scenario, State
from state_machines.simulator import (
    ClientSimulator,
    ClientTurn,
    Conversation,
    ConversationEnded,
    SnapshotError,
)

C = Code
ROOT = Path(__file__).resolve().parent.parent
RICH = rich_scenario()
SIM = ClientSimulator(RICH)  # shared on purpose: every test also checks that conversations don't leak into others

codes_st = st.lists(st.sampled_from(list(Code)), max_size=40)
seeds_st = st.integers(min_value=-(2**63), max_value=2**63)


def play(sim: ClientSimulator, seed: int, codes: Sequence[Code]) -> list[ClientTurn]:
    """Opening plus one turn per code until the client reaches a final state; releases the model."""
    conversation, opening = sim.start(seed)
    try:
        return [opening, *continue_with(sim, conversation, codes)]
    finally:
        sim.release(conversation)


def continue_with(sim: ClientSimulator, conversation: Conversation, codes: Sequence[Code]) -> list[ClientTurn]:
    turns = []
    for code in codes:
        if sim.ended(conversation):
            break
        turns.append(sim.respond(conversation, code))
    return turns


def state_of(conversation: Conversation) -> tuple[Any, ...]:
    return (conversation.state, dict(conversation.variables), conversation.turn, conversation.seed,
            conversation.last_line)


def texts(turns: Sequence[ClientTurn]) -> list[str]:
    return [t.line.text for t in turns]


# -- determinism ---------------------------------------------------------------------------------


@given(seeds_st, codes_st)
def test_same_seed_and_codes_give_the_same_conversation_even_on_another_machine(seed: int, codes: list[Code]) -> None:
    first = play(SIM, seed, codes)
    assert play(SIM, seed, codes) == first
    assert play(ClientSimulator(RICH), seed, codes) == first


def test_different_seeds_can_differ() -> None:
    openings = {play(SIM, seed, [])[0].line.text for seed in range(60)}
    assert openings == {"o1", "o2", "o3"}
    runs = {tuple(texts(play(SIM, seed, [C.OPEN_QUESTION, C.AFFIRM, C.COMPLEX_REFLECTION]))) for seed in range(60)}
    assert len(runs) > 5


def test_the_code_is_part_of_the_line_choice() -> None:
    sim = ClientSimulator(scenario(
        [state("s"), state("t", "t1", "t2", "t3", "t4", "t5")],
        [transition("s", [C.OPEN_QUESTION, C.AFFIRM], "t")],
    ))
    differ = 0
    for seed in range(40):
        lines = []
        for code in (C.OPEN_QUESTION, C.AFFIRM):
            conversation, _ = sim.start(seed)
            lines.append(sim.respond(conversation, code).line.text)
            sim.release(conversation)
        differ += lines[0] != lines[1]
    assert differ > 10


def test_line_choice_does_not_depend_on_pythons_salted_hash() -> None:
    # Python's hash() of str changes per process; the conversation must not.
    script = (
        "from scenario_builders import rich_scenario\n"
        "from state_machines.simulator import ClientSimulator\n"
        "from state_machines.codes import Code\n"
        "sim = ClientSimulator(rich_scenario())\n"
        "for seed in range(20):\n"
        "    conv, opening = sim.start(seed)\n"
        "    said = [opening.line.text]\n"
        "    for code in [Code.OTHER, Code.OPEN_QUESTION, Code.AFFIRM, Code.OTHER, Code.COMPLEX_REFLECTION]:\n"
        "        said.append(sim.respond(conv, code).line.text)\n"
        "    print(' '.join(said))\n"
    )
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed,
               "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                                cwd=ROOT, timeout=60, check=True)
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert len(set(outputs.pop().splitlines())) > 1  # the seeds really chose different lines


# -- properties over any code sequence ------------------------------------------------------------


def reference(scn: Scenario, codes: Sequence[Code]) -> list[tuple[str, dict[str, int]]]:
    """The turn semantics written out plainly, without a state machine, to check the machine against."""
    current, variables = scn.start, dict(scn.start_values)
    result = []
    for turn, code in enumerate(codes, start=1):
        if scn.states[current].is_final:
            break
        for candidate in scn.transitions_from(current, code):
            if candidate.when is None or evaluate(candidate.when, {**variables, "turn": turn}):
                variables = {k: max(0, min(10, v + candidate.effects.get(k, 0))) for k, v in variables.items()}
                current = candidate.target
                break
        result.append((current, variables))
    return result


@given(seeds_st, codes_st)
def test_any_code_sequence_follows_the_turn_rules_and_keeps_rulers_in_range(seed: int, codes: list[Code]) -> None:
    conversation, opening = SIM.start(seed)
    try:
        turns = continue_with(SIM, conversation, codes)
        assert [(t.state, dict(t.variables)) for t in turns] == reference(RICH, codes)
        previous = opening
        for number, turn in enumerate(turns, start=1):
            assert turn.turn == number
            assert set(turn.variables) == set(RULERS)
            assert all(0 <= v <= 10 for v in turn.variables.values())
            assert turn.state_before == previous.state
            assert dict(turn.variables_before) == dict(previous.variables)
            spec = RICH.states[turn.state]
            entered_by = turn.code if turn.transition is not None else None
            pool = spec.lines_after.get(entered_by, ()) if entered_by is not None else ()
            pool = pool or spec.lines
            assert turn.line in pool
            if turn.transition is None:
                assert turn.state == turn.state_before and turn.variables == turn.variables_before
            else:
                assert turn.state == turn.transition.target
            if len(pool) > 1 and previous.state == turn.state:
                assert turn.line.text != previous.line.text
            assert turn.outcome == spec.final and turn.ended == spec.is_final
            previous = turn
        assert conversation.turn == len(turns)
        if SIM.ended(conversation):
            before = state_of(conversation)
            with pytest.raises(ConversationEnded):
                SIM.respond(conversation, C.OPEN_QUESTION)
            assert state_of(conversation) == before
    finally:
        SIM.release(conversation)


@given(seeds_st, codes_st, codes_st)
def test_snapshot_restore_at_any_point_continues_identically(
    seed: int, prefix: list[Code], suffix: list[Code]
) -> None:
    original, _ = SIM.start(seed)
    continue_with(SIM, original, prefix)
    snapshot = json.loads(json.dumps(SIM.snapshot(original)))  # as storage keeps it
    restored = SIM.restore(snapshot)
    fresh_sim = ClientSimulator(RICH)  # as after a process restart: another machine
    reloaded = fresh_sim.restore(snapshot)
    try:
        assert SIM.snapshot(restored) == snapshot == fresh_sim.snapshot(reloaded)
        expected = continue_with(SIM, original, suffix)
        assert continue_with(SIM, restored, suffix) == expected
        assert continue_with(fresh_sim, reloaded, suffix) == expected
    finally:
        for conversation in (original, restored):
            SIM.release(conversation)
        fresh_sim.release(reloaded)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=30)
@given(st.lists(st.tuples(seeds_st, codes_st), min_size=2, max_size=12))
def test_many_conversations_on_one_machine_do_not_interfere(runs: list[tuple[int, list[Code]]]) -> None:
    alone = [play(ClientSimulator(RICH), seed, codes) for seed, codes in runs]
    machine, models_before = SIM.machine, len(SIM.machine.models)
    started = [SIM.start(seed) for seed, _ in runs]
    assert len(SIM.machine.models) == models_before + len(runs)
    together: list[list[ClientTurn]] = [[opening] for _, opening in started]
    try:
        for step in range(max(len(codes) for _, codes in runs)):  # round-robin, interleaved
            for index, (_, codes) in enumerate(runs):
                conversation = started[index][0]
                if step < len(codes) and not SIM.ended(conversation):
                    together[index].append(SIM.respond(conversation, codes[step]))
        assert together == alone
        assert SIM.machine is machine
    finally:
        for conversation, _ in started:
            SIM.release(conversation)
    assert len(SIM.machine.models) == models_before


# -- the turn rules, one at a time ----------------------------------------------------------------


def test_opening_is_turn_zero_in_the_start_state() -> None:
    sim = ClientSimulator(scenario([state("s", "hello"), state("t")], [transition("s", C.AFFIRM, "t")],
                                   values={"rapport": 3}))
    conversation, opening = sim.start(7)
    assert (opening.turn, opening.code, opening.line.text) == (0, None, "hello")
    assert opening.state_before == opening.state == conversation.state == "s"
    assert opening.transition is None and opening.outcome is None and not opening.ended
    assert dict(opening.variables) == {"importance": 5, "confidence": 5, "readiness": 5, "rapport": 3}
    assert (conversation.turn, conversation.seed, conversation.last_line) == (0, 7, "hello")
    assert sim.respond(conversation, C.AFFIRM).turn == 1
    assert sim.respond(conversation, C.AFFIRM).turn == 2  # staying counts as a turn too


@pytest.mark.parametrize(
    ("transitions", "expected"),
    [
        ([transition("s", C.OPEN_QUESTION, "x"), transition("s", C.OPEN_QUESTION, "y")], "x"),
        ([transition("s", C.OPEN_QUESTION, "x", when="rapport >= 9"), transition("s", C.OPEN_QUESTION, "y")], "y"),
        ([transition(ANY_STATE, C.OPEN_QUESTION, "x"), transition("s", C.OPEN_QUESTION, "y")], "x"),
        ([transition("s", C.OPEN_QUESTION, "y"), transition(ANY_STATE, C.OPEN_QUESTION, "x")], "y"),
        ([transition("s", [C.AFFIRM, C.OPEN_QUESTION], "y"), transition("s", C.OPEN_QUESTION, "x")], "y"),
        ([transition("s", "*", "y"), transition("s", C.OPEN_QUESTION, "x")], "y"),
    ],
)
def test_first_matching_transition_in_file_order_wins(transitions: list[Any], expected: str) -> None:
    sim = ClientSimulator(scenario([state("s"), state("x"), state("y")], transitions))
    conversation, _ = sim.start(1)
    turn = sim.respond(conversation, C.OPEN_QUESTION)
    assert turn.state == conversation.state == expected
    assert turn.transition is not None and turn.transition.target == expected


def test_conditions_gate_transitions_on_rulers() -> None:
    sim = ClientSimulator(scenario(
        [state("s", "s1", "s2"), state("goal")],
        [transition("s", C.COMPLEX_REFLECTION, "goal", when="rapport >= 7"),
         transition("s", C.AFFIRM, "s", effects={"rapport": 1})],
    ))
    conversation, _ = sim.start(3)
    held = sim.respond(conversation, C.COMPLEX_REFLECTION)
    assert (held.state, held.transition, held.variables["rapport"]) == ("s", None, 5)
    sim.respond(conversation, C.AFFIRM)
    assert sim.respond(conversation, C.COMPLEX_REFLECTION).state == "s"  # rapport 6: still not enough
    sim.respond(conversation, C.AFFIRM)
    moved = sim.respond(conversation, C.COMPLEX_REFLECTION)
    assert (moved.state_before, moved.state, moved.variables["rapport"]) == ("s", "goal", 7)


def test_turn_in_conditions_is_the_number_of_this_reply() -> None:
    sim = ClientSimulator(scenario(
        [state("s", "s1", "s2"), state("first"), state("third")],
        [transition("s", C.OPEN_QUESTION, "first", when="turn == 1"),
         transition("s", C.OTHER, "third", when="turn >= 3")],
    ))
    conversation, _ = sim.start(0)
    assert sim.respond(conversation, C.OPEN_QUESTION).state == "first"
    conversation, _ = sim.start(0)
    assert [sim.respond(conversation, C.OTHER).state for _ in range(3)] == ["s", "s", "third"]


def test_condition_sees_the_values_before_the_effects() -> None:
    sim = ClientSimulator(scenario(
        [state("s"), state("x"), state("y")],
        [transition("s", C.AFFIRM, "x", when="rapport == 5", effects={"rapport": 5}),
         transition("s", C.AFFIRM, "y", when="rapport == 10")],
    ))
    conversation, _ = sim.start(0)
    turn = sim.respond(conversation, C.AFFIRM)
    assert (turn.state, turn.variables["rapport"]) == ("x", 10)


def test_effects_are_applied_and_clamped_to_0_10() -> None:
    sim = ClientSimulator(scenario(
        [state("s"), state("t")],
        [transition("s", C.AFFIRM, "t", effects={"rapport": 5, "confidence": -5, "importance": 1})],
        values={"rapport": 9, "confidence": 1, "importance": 4, "readiness": 0},
    ))
    conversation, _ = sim.start(0)
    turn = sim.respond(conversation, C.AFFIRM)
    assert dict(turn.variables_before) == {"importance": 4, "confidence": 1, "readiness": 0, "rapport": 9}
    assert dict(turn.variables) == conversation.variables == {"importance": 5, "confidence": 0, "readiness": 0,
                                                             "rapport": 10}


def test_wildcard_source_is_every_non_final_state_and_nothing_leaves_a_final_state() -> None:
    scn = scenario(
        [state("a"), state("b"), state("discord"), state("end", final=Outcome.DROPOUT)],
        [transition(ANY_STATE, C.CONFRONT, "discord", effects={"rapport": -1}),
         transition("a", C.OPEN_QUESTION, "b"),
         transition("b", C.OTHER, "end"),
         transition("end", C.AFFIRM, "a")],  # the loader rejects this; the simulator ignores it anyway
    )
    sim = ClientSimulator(scn)
    for path in ([], [C.OPEN_QUESTION], [C.CONFRONT]):
        conversation, _ = sim.start(0)
        continue_with(sim, conversation, path)
        turn = sim.respond(conversation, C.CONFRONT)
        assert turn.state == "discord" and turn.transition is not None
    assert all("end" not in event.transitions for event in sim.machine.events.values())
    assert set(sim.machine.events["confront"].transitions) == {"a", "b", "discord"}
    conversation, _ = sim.start(0)
    continue_with(sim, conversation, [C.OPEN_QUESTION, C.OTHER])
    with pytest.raises(ConversationEnded):
        sim.respond(conversation, C.CONFRONT)


@pytest.mark.parametrize(
    "code",
    [C.OTHER, C.OPEN_QUESTION, C.COMPLEX_REFLECTION],
    ids=["code-never-used", "code-used-only-elsewhere", "condition-false"],
)
def test_without_a_transition_the_client_stays_and_does_not_repeat_itself(code: Code) -> None:
    sim = ClientSimulator(scenario(
        [state("s", "a", "b", "c"), state("t")],
        [transition("t", C.OPEN_QUESTION, "s"),
         transition("s", C.COMPLEX_REFLECTION, "t", when="rapport > 8", effects={"rapport": 1})],
    ))
    conversation, opening = sim.start(11)
    turns = [opening, *(sim.respond(conversation, code) for _ in range(30))]
    assert all(t.state == "s" and t.transition is None for t in turns[1:])
    assert all(dict(t.variables) == dict(opening.variables) for t in turns)
    said = texts(turns)
    assert all(x != y for x, y in pairwise(said))
    assert set(said) == {"a", "b", "c"}


def test_a_state_with_one_line_says_it_again() -> None:
    sim = ClientSimulator(scenario([state("s", "only"), state("t")], [transition("s", C.AFFIRM, "t")]))
    conversation, _ = sim.start(0)
    assert sim.respond(conversation, C.OTHER).line.text == "only"


def test_self_loop_reenters_applies_effects_and_picks_another_line() -> None:
    sim = ClientSimulator(scenario(
        [state("s", "a", "b"), state("t")],
        [transition("s", C.SIMPLE_REFLECTION, "s", effects={"rapport": 1}), transition("s", C.AFFIRM, "t")],
    ))
    conversation, opening = sim.start(5)
    turns = [opening, *(sim.respond(conversation, C.SIMPLE_REFLECTION) for _ in range(6))]
    assert all(t.transition is not None and t.state == "s" for t in turns[1:])
    assert [t.variables["rapport"] for t in turns] == [5, 6, 7, 8, 9, 10, 10]
    said = texts(turns)
    assert said == ["a", "b"] * 3 + ["a"] or said == ["b", "a"] * 3 + ["b"]


def test_say_after_variants_are_used_when_entered_by_that_code() -> None:
    sim = ClientSimulator(scenario(
        [state("s"), state("t", "t1", "t2", after={C.COMPLEX_REFLECTION: ["t-cr1", "t-cr2"]})],
        [transition("s", [C.COMPLEX_REFLECTION, C.OPEN_QUESTION], "t"),
         transition("t", C.COMPLEX_REFLECTION, "t")],
    ))
    for seed in range(20):
        conversation, _ = sim.start(seed)
        assert sim.respond(conversation, C.COMPLEX_REFLECTION).line.text in {"t-cr1", "t-cr2"}
        stay = sim.respond(conversation, C.AFFIRM)  # no transition: plain lines, not say_after
        assert stay.transition is None and stay.line.text in {"t1", "t2"}
        reentered = [sim.respond(conversation, C.COMPLEX_REFLECTION).line.text for _ in range(4)]
        assert set(reentered) == {"t-cr1", "t-cr2"}  # self-loop by that code: say_after, alternating
        conversation, _ = sim.start(seed)
        assert sim.respond(conversation, C.OPEN_QUESTION).line.text in {"t1", "t2"}


def test_staying_after_that_code_uses_the_plain_lines() -> None:
    sim = ClientSimulator(scenario(
        [state("t", "t1", "t2", after={C.COMPLEX_REFLECTION: ["t-cr"]}), state("u")],
        [transition("t", C.COMPLEX_REFLECTION, "u", when="rapport > 8")],
    ))
    conversation, _ = sim.start(0)
    stays = [sim.respond(conversation, C.COMPLEX_REFLECTION) for _ in range(5)]
    assert all(t.transition is None for t in stays)
    assert {t.line.text for t in stays} == {"t1", "t2"}


def test_final_state_sets_the_outcome_and_ends_the_conversation() -> None:
    sim = ClientSimulator(scenario(
        [state("s"), state("yes", "I'll try", final=Outcome.SUCCESS)],
        [transition("s", C.COMPLEX_REFLECTION, "yes", effects={"readiness": 2})],
    ))
    conversation, _ = sim.start(0)
    assert not sim.ended(conversation)
    turn = sim.respond(conversation, C.COMPLEX_REFLECTION)
    assert (turn.outcome, turn.ended, turn.line.text) == (Outcome.SUCCESS, True, "I'll try")
    assert sim.ended(conversation)
    before = state_of(conversation)
    with pytest.raises(ConversationEnded):
        sim.respond(conversation, C.COMPLEX_REFLECTION)
    assert state_of(conversation) == before


def test_the_machine_drives_the_state_change() -> None:
    sim = ClientSimulator(scenario([state("s"), state("t")], [transition("s", C.AFFIRM, "t")]))
    seen: list[tuple[object, str]] = []
    sim.machine.after_state_change = [lambda event: seen.append((event.model, event.model.state))]
    conversation, _ = sim.start(0)
    sim.respond(conversation, C.OTHER)
    assert seen == []  # staying is handled around the machine: nothing fires
    sim.respond(conversation, C.AFFIRM)
    assert seen == [(conversation, "t")]
    assert [e.dest for e in sim.machine.events["affirm"].transitions["s"]] == ["t"]


# -- atomicity -------------------------------------------------------------------------------------


def test_an_error_while_checking_conditions_changes_nothing() -> None:
    broken = transition("s", C.AFFIRM, "t")
    broken = type(broken)(sources=broken.sources, codes=broken.codes, target="t",
                          when=Comparison("nonexistent", ">", 1))  # the parser would refuse this
    sim = ClientSimulator(scenario([state("s", "a", "b"), state("t")], [broken]))
    conversation, _ = sim.start(0)
    sim.respond(conversation, C.OTHER)
    before = state_of(conversation)
    with pytest.raises(KeyError):
        sim.respond(conversation, C.AFFIRM)
    assert state_of(conversation) == before
    with pytest.raises(ValueError, match="not-a-code"):
        sim.respond(conversation, "not-a-code")  # type: ignore[arg-type]
    assert state_of(conversation) == before
    assert sim.respond(conversation, C.OTHER).turn == 2


def test_an_error_after_the_machine_moved_puts_the_conversation_back(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = ClientSimulator(scenario([state("s"), state("t")],
                                  [transition("s", C.AFFIRM, "t", effects={"rapport": 3})]))
    conversation, _ = sim.start(0)
    before = state_of(conversation)

    def boom(*args: object) -> None:
        assert conversation.state == "t"  # the machine had moved it already
        raise RuntimeError("line choice failed")

    monkeypatch.setattr(sim, "_pick", boom)
    with pytest.raises(RuntimeError, match="line choice failed"):
        sim.respond(conversation, C.AFFIRM)
    assert state_of(conversation) == before
    monkeypatch.undo()
    turn = sim.respond(conversation, C.AFFIRM)
    assert (turn.turn, turn.state, turn.variables["rapport"]) == (1, "t", 8)


# -- models on the machine -----------------------------------------------------------------------


def test_release_removes_the_model_from_the_machine() -> None:
    sim = ClientSimulator(RICH)
    conversations = [sim.start(seed)[0] for seed in range(3)]
    assert sim.machine.models == conversations
    sim.release(conversations[1])
    assert sim.machine.models == [conversations[0], conversations[2]]
    sim.release(conversations[1])  # again: nothing to do
    assert len(sim.machine.models) == 2
    with pytest.raises(ValueError, match="released"):
        sim.respond(conversations[1], C.OPEN_QUESTION)
    again = sim.restore(sim.snapshot(conversations[1]))
    assert len(sim.machine.models) == 3 and sim.machine.models[-1] is again


def test_a_conversation_only_runs_on_its_own_simulator() -> None:
    other = ClientSimulator(rich_scenario("other"))
    conversation, _ = other.start(0)
    with pytest.raises(ValueError, match="belongs to scenario 'other'"):
        SIM.respond(conversation, C.OPEN_QUESTION)
    with pytest.raises(ValueError, match="belongs to scenario 'other'"):
        SIM.release(conversation)
    other.release(conversation)


def test_models_carry_no_per_learner_copies_of_the_machine_methods() -> None:
    conversation, _ = SIM.start(0)
    try:
        assert not hasattr(conversation, "open_question") and not hasattr(conversation, "is_opening")
        assert not hasattr(conversation, "__dict__")  # slotted: a few hundred bytes per learner
    finally:
        SIM.release(conversation)


# -- validation ------------------------------------------------------------------------------------


def good_snapshot() -> dict[str, Any]:
    conversation, _ = SIM.start(42)
    SIM.respond(conversation, C.OPEN_QUESTION)
    SIM.release(conversation)
    return SIM.snapshot(conversation)


def _with(**changes: Any) -> Callable[[dict[str, Any]], object]:
    return lambda snap: {**snap, **changes}


def _variables(**changes: Any) -> Callable[[dict[str, Any]], object]:
    return lambda snap: {**snap, "variables": {**snap["variables"], **changes}}


def _without(key: str) -> Callable[[dict[str, Any]], object]:
    return lambda snap: {k: v for k, v in snap.items() if k != key}


BAD_SNAPSHOTS: dict[str, Callable[[dict[str, Any]], object]] = {
    "not-a-mapping": lambda snap: list(snap.items()),
    "missing-key": _without("seed"),
    "extra-key": _with(rng_state=[1, 2]),
    "other-scenario": _with(scenario="ips-mette"),
    "unknown-state": _with(state="nowhere"),
    "state-not-text": _with(state=3),
    "missing-ruler": lambda snap: {**snap, "variables": {k: v for k, v in snap["variables"].items() if k != "rapport"}},
    "extra-variable": _variables(turn=1),
    "variables-not-mapping": _with(variables=[5, 5, 5, 5]),
    "ruler-above-10": _variables(rapport=11),
    "ruler-below-0": _variables(importance=-1),
    "ruler-text": _variables(readiness="5"),
    "ruler-float": _variables(confidence=5.0),
    "ruler-bool": _variables(confidence=True),
    "negative-turn": _with(turn=-1),
    "turn-text": _with(turn="3"),
    "turn-bool": _with(turn=True),
    "seed-text": _with(seed="42"),
    "seed-float": _with(seed=4.2),
    "last-line-number": _with(last_line=3),
}


@pytest.mark.parametrize("corrupt", BAD_SNAPSHOTS.values(), ids=BAD_SNAPSHOTS.keys())
def test_bad_snapshots_are_rejected_and_add_no_model(corrupt: Callable[[dict[str, Any]], object]) -> None:
    models = len(SIM.machine.models)
    with pytest.raises(SnapshotError):
        SIM.restore(corrupt(good_snapshot()))  # type: ignore[arg-type]
    assert len(SIM.machine.models) == models


def test_good_snapshot_edge_values_are_accepted() -> None:
    snap = {**good_snapshot(), "variables": dict.fromkeys(RULERS, 0), "turn": 0, "seed": -(2**70),
            "last_line": None, "state": "dropout"}
    conversation = SIM.restore(snap)
    try:
        assert SIM.ended(conversation) and SIM.snapshot(conversation) == snap
    finally:
        SIM.release(conversation)


@pytest.mark.parametrize("seed", [True, "1", 1.0, None])
def test_start_wants_an_int_seed(seed: Any) -> None:
    with pytest.raises(TypeError):
        SIM.start(seed)


@pytest.mark.parametrize(
    ("transitions", "states", "message"),
    [
        ([transition("s", C.AFFIRM, "nowhere")], [state("s")], "target 'nowhere'"),
        ([transition("ghost", C.AFFIRM, "s")], [state("s")], "source 'ghost'"),
        ([transition("s", C.AFFIRM, "s", effects={"mood": 1})], [state("s")], "unknown variable 'mood'"),
        ([transition("s", C.AFFIRM, "t")], [state("s"), State("t", lines=())], "'t' has no lines"),
    ],
)
def test_a_scenario_the_machine_cannot_run_is_refused_when_building(
    transitions: list[Any], states: list[State], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ClientSimulator(scenario(states, transitions))


def test_turns_do_not_alias_the_conversations_variables() -> None:
    conversation, opening = SIM.start(0)
    try:
        turns = [opening, SIM.respond(conversation, C.OTHER), SIM.respond(conversation, C.OPEN_QUESTION)]
        recorded = [(dict(t.variables_before), dict(t.variables)) for t in turns]
        conversation.variables["rapport"] = 0  # a caller scribbling on the live dict
        assert [(dict(t.variables_before), dict(t.variables)) for t in turns] == recorded
    finally:
        SIM.release(conversation)
