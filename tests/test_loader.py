"""The scenario loader: safe YAML reading, one problem per mistake as `path:line: message`, the model.

Most tests edit one line of `fixtures/scenarios/valid/test-client.yaml` (line numbers below refer
to that file) and check the exact problem reported.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import MappingProxyType

import pytest

from state_machines.codes import Code
from state_machines.conditions import Comparison
from state_machines.loader import (
    MAX_FILE_BYTES,
    Problem,
    ScenarioError,
    load_directory,
    load_scenario,
    load_scenario_text,
)
from state_machines.model import Line, Outcome, Talk

FIXTURES = Path(__file__).parent / "fixtures" / "scenarios"
BASE_PATH = FIXTURES / "valid" / "test-client.yaml"
BASE = BASE_PATH.read_text(encoding="utf-8")
MINIMAL = (FIXTURES / "valid" / "minimal.yaml").read_text(encoding="utf-8")
SOURCE = "test.yaml"


def edit(*changes: tuple[str, str], text: str = BASE) -> str:
    """`text` with each (old, new) replaced; old must occur exactly once."""
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} is not unique in the text"
        text = text.replace(old, new)
    return text


def problems(text: str | bytes) -> list[str]:
    """Every problem the loader reports for `text`, as `test.yaml:line: message`."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, SOURCE)
    assert caught.value.problems, "ScenarioError without problems"
    return [str(problem) for problem in caught.value.problems]


# ---------------------------------------------------------------- valid input and the model


def test_base_fixture_loads_into_the_frozen_model() -> None:
    scenario = load_scenario(BASE_PATH)
    assert scenario.id == "test-client" and scenario.language == "en"
    assert scenario.source == str(BASE_PATH)
    assert scenario.description == (
        "A small scenario for the loader tests. Folded text ends in a newline, which the loader strips."
    )
    assert scenario.client.name == "Sam" and scenario.client.age == 40
    assert dict(scenario.start_values) == {"importance": 5, "confidence": 4, "readiness": 3, "rapport": 5}
    assert list(scenario.states) == ["opening", "ambivalence", "on", "commitment", "dropout"]

    opening = scenario.states["opening"]
    assert opening.line == 19 and not opening.is_final
    assert opening.lines == (Line("I don't know why I'm here.", Talk.SUSTAIN), Line("Whatever.", Talk.DISCORD))
    assert opening.lines_after[Code.CLOSED_QUESTION] == (Line("Yes.", Talk.SUSTAIN), Line("No.", Talk.NEUTRAL))
    assert opening.examples[Code.OPEN_QUESTION] == ("What brings you here today?",)
    assert opening.examples[Code.COMPLEX_REFLECTION] == ("You came, and you're not sure it will help.",)
    assert scenario.states["commitment"].final is Outcome.SUCCESS
    assert scenario.states["dropout"].lines == (Line("I'm leaving.", Talk.DISCORD),)

    first, second, third, fourth, fifth = scenario.transitions
    assert (first.line, first.sources, first.target) == (44, ("*",), "dropout")
    assert first.codes == (Code.CONFRONT, Code.PERSUADE)
    assert first.when == Comparison("rapport", "<=", 2) and first.when_text == "rapport <= 2"
    assert dict(second.effects) == {"rapport": -2} and second.when is None and second.when_text == ""
    assert dict(third.effects) == {"rapport": 1, "importance": 1}
    assert fourth.sources == ("ambivalence", "on") and fourth.codes == tuple(Code)
    assert (fifth.line, fifth.target) == (60, "on")


def test_model_is_immutable() -> None:
    scenario = load_scenario_text(BASE, SOURCE)
    for mapping in (scenario.states, scenario.start_values, scenario.transitions[1].effects,
                    scenario.states["opening"].examples, scenario.states["opening"].lines_after):
        assert isinstance(mapping, MappingProxyType)
    assert isinstance(scenario.transitions, tuple) and isinstance(scenario.states["opening"].lines, tuple)
    with pytest.raises(TypeError):
        scenario.states["x"] = scenario.states["on"]  # type: ignore[index]


def test_bytes_with_a_byte_order_mark_load() -> None:
    assert load_scenario_text(b"\xef\xbb\xbf" + BASE.encode(), SOURCE).id == "test-client"


def test_problem_and_error_format() -> None:
    problem = Problem("a.yaml", 3, "something")
    assert str(problem) == "a.yaml:3: something" and problem.severity == "error"
    error = ScenarioError([problem, Problem("a.yaml", 5, "more")])
    assert error.problems == (problem, Problem("a.yaml", 5, "more"))
    assert str(error) == "a.yaml:3: something\na.yaml:5: more"


# ---------------------------------------------------------------- structure and types


def test_wrong_type() -> None:
    assert problems(edit(("importance: 5", 'importance: "5"'))) == [
        "test.yaml:13: client.importance must be a whole number from 0 to 10, not text ('5')"
    ]


def test_missing_required_key() -> None:
    assert problems(edit(('title: "Sam, 40 — a test client"\n', ""))) == [
        "test.yaml:3: scenario: missing required key 'title'"
    ]
    assert problems(edit(("  rapport: 5\n", ""))) == ["test.yaml:9: client: missing required key 'rapport'"]


def test_unknown_key_suggests_the_closest() -> None:
    assert problems(edit(('hint: "Start', 'hnit: "Start'))) == [
        "test.yaml:26: state 'opening': unknown key 'hnit' (did you mean 'hint'?)"
    ]
    assert problems(edit(("    to: on", "    too: on"))) == [
        "test.yaml:60: transition: missing required key 'to'",
        "test.yaml:62: transition: unknown key 'too' (did you mean 'to'?)",
    ]


@pytest.mark.parametrize("bad_id", ["Test-client", "test_client", "-test", "a" * 49, ""])
def test_id_format(bad_id: str) -> None:
    found = problems(edit(("id: test-client", f'id: "{bad_id}"')))
    if bad_id:
        assert found == [
            f"test.yaml:3: id {bad_id!r} must be lower-case letters, digits and '-', starting with a letter "
            "or digit, at most 48 characters"
        ]
    else:
        assert found == ["test.yaml:3: id must not be empty"]


def test_id_of_48_characters_is_fine() -> None:
    assert load_scenario_text(edit(("id: test-client", "id: " + "a" * 48)), SOURCE).id == "a" * 48


def test_language_must_be_da_or_en() -> None:
    assert problems(edit(("language: en", "language: de"))) == [
        "test.yaml:4: language: unknown language 'de' (use one of: da, en)"
    ]


def test_non_empty_strings() -> None:
    assert problems(edit(('hint: "Start with an open question."', 'hint: "  "'))) == [
        "test.yaml:26: states.opening.hint must not be empty"
    ]
    assert problems(edit(('{text: "Whatever.", talk: discord}', '{text: "", talk: discord}'))) == [
        "test.yaml:23: a line of states.opening.say must not be empty"
    ]
    assert problems(edit(('- "I don\'t know why I\'m here."', "- "))) == [
        "test.yaml:22: a line of states.opening.say must be text, not empty"
    ]


# ---------------------------------------------------------------- names: codes, talk, outcomes


def test_unknown_code_suggests_the_closest() -> None:
    assert problems(edit(("learner: affirm", "learner: afirm"))) == [
        "test.yaml:61: learner: unknown code 'afirm' (did you mean 'affirm'?)"
    ]
    assert problems(edit(("[confront, persuade]", "[confront, persuasion]"))) == [
        "test.yaml:45: learner: unknown code 'persuasion' (did you mean 'persuade'?)"
    ]


def test_unknown_talk_type() -> None:
    assert problems(edit(('"Whatever.", talk: discord}', '"Whatever.", talk: angry}'))) == [
        "test.yaml:23: a line of states.opening.say: unknown talk type 'angry' "
        "(use one of: change, sustain, neutral, discord)"
    ]
    assert problems(edit(("    talk: change\n    say: [\"Maybe", "    talk: chnage\n    say: [\"Maybe"))) == [
        "test.yaml:31: states.ambivalence.talk: unknown talk type 'chnage' (did you mean 'change'?)"
    ]


def test_lines_without_a_talk_type_need_the_state_default() -> None:
    text = edit(("    talk: sustain\n", "    hint: x\n"), ('    hint: "Start with an open question."\n', ""))
    assert problems(text) == [
        "test.yaml:19: state 'opening' needs a default talk: (change, sustain, neutral or discord) "
        "for the lines that do not give their own"
    ]


def test_unknown_outcome() -> None:
    assert problems(edit(("final: success", "final: won"))) == [
        "test.yaml:39: states.commitment.final: unknown outcome 'won' (use one of: success, partial, dropout)"
    ]


def test_examples_keyed_by_unknown_code() -> None:
    assert problems(edit(('open_question: "What brings', 'open_questoin: "What brings'))) == [
        "test.yaml:28: states.opening.examples: unknown code 'open_questoin' (did you mean 'open_question'?)"
    ]


def test_examples_must_be_text_or_a_list_of_text() -> None:
    assert problems(edit(('open_question: "What brings you here today?"', "open_question: []"))) == [
        "test.yaml:28: states.opening.examples.open_question must not be an empty list"
    ]
    assert problems(edit(('open_question: "What brings you here today?"', "open_question: [3]"))) == [
        "test.yaml:28: states.opening.examples.open_question must be text, not a number (3)"
    ]


def test_say_after_keyed_by_unknown_code() -> None:
    assert problems(edit(("closed_question: [", "closed_qestion: ["))) == [
        "test.yaml:25: states.opening.say_after: unknown code 'closed_qestion' (did you mean 'closed_question'?)"
    ]


# ---------------------------------------------------------------- states and the graph


def test_state_without_lines() -> None:
    assert problems(edit(('say: ["Maybe I could cut down a bit."]', "say: []"))) == [
        "test.yaml:32: states.ambivalence.say must not be an empty list"
    ]
    # A final state needs a line too: the client says it as the conversation ends.
    assert problems(edit(('    say: ["OK. I\'ll try."]\n', ""))) == [
        "test.yaml:36: state 'commitment': missing required key 'say'"
    ]


def test_start_state_missing() -> None:
    assert problems(edit(("start: opening", "start: openin"))) == [
        "test.yaml:17: start state 'openin' is not defined in states (did you mean 'opening'?)"
    ]


def test_missing_target_state() -> None:
    assert problems(edit(("to: commitment", "to: comitment"))) == [
        "test.yaml:59: to: unknown state 'comitment' (did you mean 'commitment'?)"
    ]


def test_unknown_from_state() -> None:
    assert problems(edit(("from: [ambivalence, on]", "from: [ambivalence, off]"))) == [
        "test.yaml:56: from: unknown state 'off'"
    ]


def test_star_must_stand_alone_and_is_no_state_name() -> None:
    assert problems(edit(("from: [ambivalence, on]", 'from: [ambivalence, "*"]'))) == [
        "test.yaml:56: from: '*' must stand alone, not in a list"
    ]
    assert problems(edit(("learner: affirm", 'learner: [affirm, "*"]'))) == [
        "test.yaml:61: learner: '*' must stand alone, not in a list"
    ]
    assert problems(edit(('  on:\n', '  "*":\n'), ("from: [ambivalence, on]", "from: ambivalence"),
                         ("to: on", "to: ambivalence"))) == [
        "test.yaml:33: '*' cannot be a state name ('*' means every state in a transition's from)"
    ]


def test_unreachable_state() -> None:
    assert problems(edit(("    to: on", "    to: opening"))) == [
        "test.yaml:33: state 'on' cannot be reached from the start state 'opening'"
    ]


def test_non_final_state_without_a_way_out() -> None:
    # `stuck` can be reached, but its only transition leads back to itself.
    text = edit(
        ('  end: {', '  stuck: {talk: neutral, say: ["Hm."]}\n  end: {'),
        ('  - {from: start', '  - {from: start, learner: affirm, to: stuck}\n'
                             '  - {from: stuck, learner: "*", to: stuck}\n'
                             '  - {from: start'),
        text=MINIMAL,
    )
    assert problems(text) == ["test.yaml:9: state 'stuck' is not final but no transition leads out of it"]


def test_transition_out_of_a_final_state() -> None:
    text = edit(("  - from: ambivalence\n    learner: affirm", "  - from: [ambivalence, dropout]\n    learner: affirm"))
    assert problems(text) == [
        "test.yaml:60: from: transition out of final state 'dropout' (a final state ends the conversation)"
    ]


# ---------------------------------------------------------------- conditions and effects


def test_condition_that_does_not_parse() -> None:
    assert problems(edit(('when: "rapport <= 2"', 'when: "rapport =< 2"'))) == [
        "test.yaml:46: when: condition 'rapport =< 2' does not parse: unexpected character '=' at column 9"
    ]


def test_condition_with_unknown_variable() -> None:
    assert problems(edit(('when: "rapport <= 2"', 'when: "trust <= 2"'))) == [
        "test.yaml:46: when: condition 'trust <= 2' does not parse: unknown variable 'trust' "
        "(known: importance, confidence, readiness, rapport, turn)"
    ]


def test_deeply_nested_condition_is_a_problem_not_a_crash() -> None:
    deep = "(" * 5000 + "rapport > 1" + ")" * 5000
    assert problems(edit(('when: "rapport <= 2"', f'when: "{deep}"'))) == [
        f"test.yaml:46: when: condition {deep!r} does not parse: condition is nested more than 16 levels deep"
    ]


def test_unknown_variable_in_effects() -> None:
    assert problems(edit(("effects: {rapport: -2}", "effects: {raport: -2}"))) == [
        "test.yaml:50: effects: unknown variable 'raport' (did you mean 'rapport'?); "
        "effects change only importance, confidence, readiness, rapport"
    ]
    # `turn` can be read in a condition but is not the author's to change.
    assert problems(edit(("effects: {rapport: -2}", "effects: {turn: 1}"))) == [
        "test.yaml:50: effects: unknown variable 'turn'; effects change only importance, confidence, readiness, rapport"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11", "effects.rapport must be from -10 to 10, not 11"),
        ("-11", "effects.rapport must be from -10 to 10, not -11"),
        ("1.5", "effects.rapport must be a whole number from -10 to 10, not a decimal number (1.5)"),
        ("true", "effects.rapport must be a whole number from -10 to 10, not true/false (true)"),
    ],
)
def test_effect_values(value: str, message: str) -> None:
    assert problems(edit(("effects: {rapport: -2}", f"effects: {{rapport: {value}}}"))) == [f"test.yaml:50: {message}"]


@pytest.mark.parametrize(("value", "shown"), [("11", "11"), ("-1", "-1")])
def test_ruler_start_values_are_0_to_10(value: str, shown: str) -> None:
    assert problems(edit(("readiness: 3", f"readiness: {value}"))) == [
        f"test.yaml:15: client.readiness must be from 0 to 10, not {shown}"
    ]


def test_many_errors_are_reported_at_once_sorted_by_line() -> None:
    text = edit(
        ("language: en", "language: english"),
        ("importance: 5", "importance: high"),
        ("start: opening", "start: begin"),
        ("hint: \"Start", "hnit: \"Start"),
        ("talk: change\n    say: [\"OK.", "talk: happy\n    say: [\"OK."),
        ("learner: confront\n", "learner: confrontation\n"),
        ('when: "importance >= 6 and turn > 2"', 'when: "importance >= six"'),
        ("to: on", "to: nowhere"),
    )
    assert problems(text) == [
        "test.yaml:4: language: unknown language 'english' (use one of: da, en)",
        "test.yaml:13: client.importance must be a whole number from 0 to 10, not text ('high')",
        "test.yaml:17: start state 'begin' is not defined in states",
        "test.yaml:26: state 'opening': unknown key 'hnit' (did you mean 'hint'?)",
        "test.yaml:37: states.commitment.talk: unknown talk type 'happy' "
        "(use one of: change, sustain, neutral, discord)",
        "test.yaml:49: learner: unknown code 'confrontation' (did you mean 'confront'?)",
        "test.yaml:58: when: condition 'importance >= six' does not parse: unknown variable 'six' "
        "(known: importance, confidence, readiness, rapport, turn)",
        "test.yaml:62: to: unknown state 'nowhere'",
    ]


# ---------------------------------------------------------------- safe YAML reading


def test_duplicate_key_reported_at_the_second() -> None:
    assert problems(edit(("  rapport: 5\n", "  rapport: 5\n  rapport: 9\n"))) == [
        "test.yaml:17: duplicate key 'rapport' (first at line 16)"
    ]
    # Duplicate state names too: the second would silently replace the first.
    assert problems(edit(("  dropout:\n", "  on:\n"), ("to: dropout\n", "to: on\n"))) == [
        "test.yaml:40: duplicate key 'on' (first at line 33)"
    ]


def test_yaml_1_1_booleans_stay_words() -> None:
    # `on:` (a state in the base file) stays the word "on", not True.
    assert "on" in load_scenario_text(BASE, SOURCE).states
    assert problems(edit(("language: en", "language: no"))) == [
        "test.yaml:4: language: unknown language 'no' (use one of: da, en)"
    ]
    assert problems(edit(("final: success", "final: yes"))) == [
        "test.yaml:39: states.commitment.final: unknown outcome 'yes' (use one of: success, partial, dropout)"
    ]
    scenario = load_scenario_text(edit(('hint: "Start with an open question."', "hint: off")), SOURCE)
    assert scenario.states["opening"].hint == "off"
    # true/false are still booleans.
    assert problems(edit(('hint: "Start with an open question."', "hint: true"))) == [
        "test.yaml:26: states.opening.hint must be text, not true/false (true)"
    ]


def test_yaml_1_1_numbers_and_dates_are_not_special() -> None:
    scenario = load_scenario_text(edit(('background: "Works nights."', "background: 2024-01-01")), SOURCE)
    assert scenario.client.background == "2024-01-01"
    assert problems(edit(("age: 40", "age: 1:30"))) == [
        "test.yaml:11: client.age must be a whole number from 0 to 120, not text ('1:30')"
    ]


def test_billion_laughs_is_rejected_quickly() -> None:
    bomb = ['lol0: &lol0 ["lol"]'] + [
        f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]" for i in range(1, 10)
    ]
    started = time.perf_counter()
    assert problems("\n".join(bomb)) == [
        "test.yaml:1: anchors are not supported (&name); write the value out in full"
    ]
    assert time.perf_counter() - started < 1


def test_aliases_are_rejected() -> None:
    # An alias to an undefined anchor is a syntax error; the alias check comes first.
    assert problems(edit(('hint: "Start with an open question."', "hint: *text"))) == [
        "test.yaml:26: aliases are not supported (*name); write the value out in full"
    ]


def test_python_object_tag_is_rejected() -> None:
    # Only the node tree is composed, so nothing is ever constructed or run; the tag is reported.
    bad = edit(('hint: "Start with an open question."', 'hint: !!python/object/apply:os.system ["echo hacked"]'))
    assert problems(bad) == [
        "test.yaml:26: tag !!python/object/apply:os.system is not supported (plain YAML only)",
        "test.yaml:26: states.opening.hint must be text, not a list",
    ]
    assert problems(edit(("age: 40", "age: !!python/name:os.system 40"))) == [
        "test.yaml:11: tag !!python/name:os.system is not supported (plain YAML only)",
        "test.yaml:11: client.age must be a whole number from 0 to 120, not text ('40')",
    ]


def test_standard_tags_still_work() -> None:
    scenario = load_scenario_text(edit(("age: 40", "age: !!int 40"), ("title: ", "title: !!str ")), SOURCE)
    assert scenario.client.age == 40


def test_non_utf8_bytes_are_one_problem() -> None:
    raw = BASE.encode().replace(b"Works nights.", b"Works n\xe6tter.")  # Latin-1
    assert problems(raw) == ["test.yaml:12: the file is not UTF-8 text (byte 0xe6); save it as UTF-8"]


def test_control_characters_are_a_problem() -> None:
    assert problems(edit(("Works nights.", "Works\x07nights."))) == [
        "test.yaml:12: character '\\x07' is not allowed in YAML"
    ]


def test_huge_file_is_rejected_before_parsing(tmp_path: Path) -> None:
    huge = BASE + "#" * MAX_FILE_BYTES
    expected = [f"test.yaml:1: the file is larger than {MAX_FILE_BYTES // 1024} KiB"]
    assert problems(huge) == expected
    assert problems(huge.encode()) == expected
    path = tmp_path / "huge.yaml"
    path.write_text(huge, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}:1: the file is larger than 512 KiB"]


DEEP_FLOW = "[" * 50_000 + "]" * 50_000
DEEP_BLOCK = "a:\n" + "".join(" " * depth + "b:\n" for depth in range(1, 300))


@pytest.mark.parametrize("text", [DEEP_FLOW, DEEP_BLOCK], ids=["flow", "block"])
def test_deep_nesting_is_a_problem_not_a_crash(text: str) -> None:
    found = problems(text)
    assert len(found) == 1 and "nested deeper than 32 levels" in found[0]


def test_yaml_syntax_error_has_the_line() -> None:
    assert problems(edit(("  rapport: 5\n", "  rapport: [5\n"))) == [
        "test.yaml:17: YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence at line 16)"
    ]


def test_several_documents_are_a_syntax_error() -> None:
    assert problems(BASE + "---\nid: second\n") == [
        "test.yaml:63: YAML syntax error: expected a single document in the stream, but found another document"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "test.yaml:1: the file must be a mapping (id: ..., language: ...), not a list"),
        ("just words\n", "test.yaml:1: the file must be a mapping (id: ..., language: ...), not text ('just words')"),
    ],
)
def test_top_level_must_be_a_mapping(text: str, message: str) -> None:
    assert problems(text) == [message]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", b""])
def test_empty_file(text: str | bytes) -> None:
    assert problems(text) == ["test.yaml:1: the file is empty; a scenario starts with id:, language:, ..."]


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(missing)
    assert [(p.path, p.line) for p in caught.value.problems] == [(str(missing), 0)]


# ---------------------------------------------------------------- a folder of scenarios


def test_load_directory(tmp_path: Path) -> None:
    (tmp_path / "a-good.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b-broken.yaml").write_text(edit(("start: opening", "start: begin")), encoding="utf-8")
    (tmp_path / "c-same-id.yaml").write_text(edit(("title: ", "title: Copy ")), encoding="utf-8")
    (tmp_path / "d-other.yaml").write_text(edit(("id: test-client", "id: other")), encoding="utf-8")
    (tmp_path / "a-good.test.yaml").write_text("not: a scenario\n", encoding="utf-8")  # conversation tests
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")

    scenarios, found = load_directory(tmp_path)

    assert sorted(scenarios) == ["other", "test-client"]
    assert scenarios["test-client"].source == str(tmp_path / "a-good.yaml")
    assert [str(p) for p in found] == [
        f"{tmp_path / 'b-broken.yaml'}:17: start state 'begin' is not defined in states",
        f"{tmp_path / 'c-same-id.yaml'}:3: duplicate id 'test-client': already used by {tmp_path / 'a-good.yaml'}",
    ]


def test_load_directory_of_a_missing_folder(tmp_path: Path) -> None:
    assert load_directory(tmp_path / "nope") == ({}, [Problem(str(tmp_path / "nope"), 0, "no such folder")])


def test_shipped_dialogues_load() -> None:
    scenarios, found = load_directory(Path(__file__).parent.parent / "dialogues")
    assert found == []
    assert scenarios  # the folder holds the shipped scenarios
