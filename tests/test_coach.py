"""The coach: per-turn feedback (what, why, effect, better reply) and the MITI-style summary."""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import pytest
import yaml

from bot.coach import THRESHOLDS, Coach, Feedback, Rating, Summary
from bot.coded_reply import CodedReply, Evidence
from bot.i18n import text
from state_machines.codes import ALL_CODES, VALENCE, Code, Valence
from state_machines.conditions import RULERS
from state_machines.model import Client, Line, Outcome, Scenario, State, Talk
from state_machines.simulator import ClientTurn

LOCALES = Path(__file__).resolve().parent.parent / "bot" / "locales"
START = MappingProxyType({"importance": 6, "confidence": 3, "readiness": 4, "rapport": 5})

EXAMPLES = {
    "da": {
        Code.COMPLEX_REFLECTION: ("Du er her, fordi andre mener det — ikke fordi du selv har valgt det.",),
        Code.OPEN_QUESTION: (
            "Hvad tænker du selv om at være her i dag?",
            "Hvad skulle der ske i dag, for at det var umagen værd for dig at komme?",
        ),
        Code.AFFIRM: ("Godt, at du er kommet.",),
    },
    "en": {
        Code.COMPLEX_REFLECTION: ("You're here because others think you should — not because you chose to.",),
        Code.OPEN_QUESTION: ("What do you make of being here today?", "What would make today worth your while?"),
        Code.AFFIRM: ("Good that you came.",),
    },
}


# ---------------------------------------------------------------- builders


def make_state(
    lang: str = "da", examples: Mapping[Code, tuple[str, ...]] | None = None, name: str = "opening"
) -> State:
    chosen = EXAMPLES[lang] if examples is None else examples
    return State(
        name=name,
        lines=(Line("Jeg ved ikke, hvad det skal nytte.", Talk.SUSTAIN),),
        hint="Begynd med et åbent spørgsmål.",
        examples=MappingProxyType(dict(chosen)),
    )


def make_scenario(lang: str = "da", state: State | None = None) -> Scenario:
    opening = state or make_state(lang)
    end = State(name="commitment", lines=(Line("Okay, jeg prøver.", Talk.CHANGE),), final=Outcome.SUCCESS)
    return Scenario(
        id=f"coach-{lang}",
        language=lang,
        title="Test",
        client=Client(name="Mette" if lang == "da" else "Dave"),
        start_values=START,
        start="opening",
        states=MappingProxyType({"opening": opening, "commitment": end}),
        transitions=(),
    )


def reply(
    code: Code, *others: Code, evidence: Sequence[str] = (), text_: str = "svar", lang: str = "da"
) -> CodedReply:
    return CodedReply(
        text=text_,
        lang=lang,
        primary=code,
        codes=(code, *others),
        valence=VALENCE[code],
        evidence=tuple(Evidence(code, words) for words in evidence),
    )


def client_turn(
    turn: int = 1,
    talk: Talk = Talk.NEUTRAL,
    before: Mapping[str, int] = START,
    after: Mapping[str, int] | None = None,
    outcome: Outcome | None = None,
    code: Code | None = None,
) -> ClientTurn:
    return ClientTurn(
        turn=turn,
        code=code,
        line=Line("…", talk),
        state_before="opening",
        state="commitment" if outcome else "opening",
        variables_before=MappingProxyType(dict(before)),
        variables=MappingProxyType(dict(after if after is not None else before)),
        transition=None,
        outcome=outcome,
    )


def history(codes: Sequence[Code | tuple[Code, ...]], talk: Talk = Talk.NEUTRAL) -> list[tuple[CodedReply, ClientTurn]]:
    """One reply per entry (a tuple is one reply carrying several codes, primary first)."""
    pairs = []
    for turn, entry in enumerate(codes, start=1):
        all_codes = entry if isinstance(entry, tuple) else (entry,)
        pairs.append((reply(*all_codes), client_turn(turn, talk, code=all_codes[0])))
    return pairs


def name(lang: str, code: Code) -> str:
    return text(lang, f"coach.code.{code.value}")


@pytest.fixture(scope="module")
def coach() -> Coach:
    return Coach()


# ---------------------------------------------------------------- catalogues


def _flat(value: object, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, inner in value.items():
            out.update(_flat(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: str(value)}


def _load(lang: str) -> dict[str, str]:
    return _flat(yaml.safe_load((LOCALES / f"coach.{lang}.yaml").read_text(encoding="utf-8")))


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    da, en = _load("da"), _load("en")
    assert set(da) == set(en)
    for key in da:
        assert _fields(da[key]) == _fields(en[key]), key
        assert da[key].strip(), key


@pytest.mark.parametrize("lang", ["da", "en"])
def test_catalogue_covers_every_code_ruler_talk_and_outcome(lang: str) -> None:
    messages = _load(lang)
    for code in ALL_CODES:
        assert f"code.{code.value}" in messages
        assert f"why.{code.value}" in messages
    for valence in Valence:
        assert f"valence.{valence.value}" in messages and f"mark.{valence.value}" in messages
    assert {f"ruler.{r}" for r in RULERS} <= set(messages)
    assert {f"talk.{t.value}" for t in Talk} <= set(messages)
    assert {f"outcome.{o.value}" for o in Outcome} | {"outcome.in_progress"} <= set(messages)
    assert {f"rating.{r.value}" for r in Rating} | {"rating.none"} <= set(messages)


def test_danish_uses_the_danish_mi_terms() -> None:
    da = _load("da")
    assert da["code.open_question"] == "åbent spørgsmål"
    assert da["code.complex_reflection"] == "kompleks refleksion"
    assert da["code.affirm"] == "bekræftelse"
    assert da["talk.change"] == "forandringssnak"
    assert da["talk.sustain"] == "fastholdelsessnak"
    assert da["talk.discord"] == "disharmoni"
    assert da["ruler.confidence"] == "tro på egne evner"


# ---------------------------------------------------------------- feedback

VALENCE_CASES = {
    "da": [
        (Code.OPEN_QUESTION, "hvordan", "Hvordan har du det med at være her?"),
        (Code.CLOSED_QUESTION, "har du", "Har du søgt job?"),
        (Code.CONFRONT, "du er nødt til", "Du er nødt til at se i øjnene, at det ikke går."),
    ],
    "en": [
        (Code.OPEN_QUESTION, "how", "How do you feel about being here?"),
        (Code.CLOSED_QUESTION, "do you", "Do you drink every day?"),
        (Code.PERSUADE, "you should", "You should really cut down."),
    ],
}


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("index", [0, 1, 2], ids=["consistent", "neutral", "inconsistent"])
def test_feedback_names_the_code_and_quotes_the_evidence(coach: Coach, lang: str, index: int) -> None:
    code, words, said = VALENCE_CASES[lang][index]
    coded = reply(code, evidence=[words], text_=said, lang=lang)
    scenario = make_scenario(lang)
    feedback = coach.feedback(scenario, scenario.state("opening"), coded, client_turn())
    assert isinstance(feedback, Feedback)
    assert feedback.code is code and feedback.valence is VALENCE[code]
    first = feedback.text.splitlines()[0]
    assert name(lang, code).capitalize() in first
    assert words in first
    quote = "«" if lang == "da" else "“"
    assert f"{quote}{words}" in first
    assert text(lang, f"coach.valence.{VALENCE[code].value}") in first
    assert text(lang, f"coach.why.{code.value}") in feedback.text
    assert 2 <= len(feedback.text.splitlines()) <= 5


def test_danish_example_format(coach: Coach) -> None:
    scenario = make_scenario("da")
    coded = reply(Code.OPEN_QUESTION, evidence=["hvordan"], text_="Hvordan går det?")
    feedback = coach.feedback(scenario, scenario.state("opening"), coded, client_turn())
    assert "Åbent spørgsmål («hvordan»)" in feedback.text


def test_feedback_without_evidence_and_with_long_evidence(coach: Coach) -> None:
    scenario = make_scenario("da")
    bare = coach.feedback(scenario, scenario.state("opening"), reply(Code.AFFIRM), client_turn())
    assert bare.text.splitlines()[0].startswith("✓ Bekræftelse —")
    long = "du lyder virkelig som en der har kæmpet rigtig længe med det her og stadig står"
    shown = coach.feedback(scenario, scenario.state("opening"), reply(Code.COMPLEX_REFLECTION, evidence=[long]),
                           client_turn())
    assert long not in shown.text and "…" in shown.text.splitlines()[0]


def test_feedback_mentions_secondary_codes(coach: Coach) -> None:
    scenario = make_scenario("en")
    coded = reply(Code.COMPLEX_REFLECTION, Code.OPEN_QUESTION, lang="en")
    feedback = coach.feedback(scenario, scenario.state("opening"), coded, client_turn())
    assert "Also: open question." in feedback.text.splitlines()[0]


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("code", [Code.PERSUADE, Code.CONFRONT, Code.GIVING_INFORMATION, Code.OTHER])
def test_better_reply_for_inconsistent_and_neutral_comes_from_the_examples(coach: Coach, lang: str, code: Code) -> None:
    scenario = make_scenario(lang)
    state = scenario.state("opening")
    preferred = {*EXAMPLES[lang][Code.COMPLEX_REFLECTION], *EXAMPLES[lang][Code.OPEN_QUESTION]}
    seen = set()
    for turn in range(1, 25):
        feedback = coach.feedback(scenario, state, reply(code, text_=f"svar {turn}", lang=lang), client_turn(turn))
        assert feedback.better_reply in preferred  # complex reflection / open question before affirm
        assert feedback.better_reply in feedback.text
        seen.add(feedback.better_reply)
    assert len(seen) > 1  # varies (deterministically) between turns


def test_better_reply_is_deterministic(coach: Coach) -> None:
    scenario = make_scenario("da")
    state = scenario.state("opening")
    coded = reply(Code.PERSUADE, text_="Du skal bare søge det job.")
    first = coach.feedback(scenario, state, coded, client_turn(3))
    assert all(coach.feedback(scenario, state, coded, client_turn(3)) == first for _ in range(5))


def test_closed_question_gets_an_open_question_example(coach: Coach) -> None:
    scenario = make_scenario("da")
    for turn in range(1, 10):
        feedback = coach.feedback(scenario, scenario.state("opening"), reply(Code.CLOSED_QUESTION), client_turn(turn))
        assert feedback.better_reply in EXAMPLES["da"][Code.OPEN_QUESTION]
        assert f"Et alternativ: «{feedback.better_reply}»" in feedback.text


@pytest.mark.parametrize(("lang", "question", "tip"), [
    ("da", "på en skala fra 0 til 10, hvor vigtigt er det for dig?", "hvorfor tallet ikke er lavere"),
    ("en", "On a scale of 0 to 10, how confident are you?", "why the number is not lower"),
])
def test_a_ruler_question_gets_its_follow_up_not_an_open_question_instead(
        coach: Coach, lang: str, question: str, tip: str) -> None:
    """Rulers are coded closed (they ask for a number) but are MI practice: no "make it open" tip."""
    scenario = make_scenario(lang)
    coded = reply(Code.CLOSED_QUESTION, text_=question, lang=lang)
    feedback = coach.feedback(scenario, scenario.state("opening"), coded, client_turn())
    assert tip in feedback.text
    assert feedback.better_reply is None
    plain = coach.feedback(scenario, scenario.state("opening"), reply(Code.CLOSED_QUESTION, lang=lang), client_turn())
    assert tip not in plain.text and plain.better_reply is not None


def test_inconsistent_reply_is_offered_a_better_reply_in_danish(coach: Coach) -> None:
    scenario = make_scenario("da")
    feedback = coach.feedback(scenario, scenario.state("opening"), reply(Code.CONFRONT), client_turn())
    assert f"Prøv fx: «{feedback.better_reply}»" in feedback.text


@pytest.mark.parametrize(
    "code", [c for c in ALL_CODES if VALENCE[c] is Valence.CONSISTENT], ids=lambda c: c.value
)
def test_no_better_reply_for_consistent_replies(coach: Coach, code: Code) -> None:
    scenario = make_scenario("da")
    feedback = coach.feedback(scenario, scenario.state("opening"), reply(code), client_turn())
    assert feedback.better_reply is None
    assert not any(example in feedback.text for examples in EXAMPLES["da"].values() for example in examples)


def test_fallback_examples_and_no_examples(coach: Coach) -> None:
    only_affirm = make_state("da", {Code.AFFIRM: ("Godt, at du er kommet.",), Code.PERSUADE: ("Du skal bare.",)})
    scenario = make_scenario("da", only_affirm)
    feedback = coach.feedback(scenario, only_affirm, reply(Code.PERSUADE), client_turn())
    assert feedback.better_reply == "Godt, at du er kommet."  # an MI-consistent example, never a persuade one

    empty = make_state("da", {})
    scenario = make_scenario("da", empty)
    feedback = coach.feedback(scenario, empty, reply(Code.CLOSED_QUESTION), client_turn())
    assert feedback.better_reply is None
    assert text("da", "coach.feedback.no_example.closed_question") in feedback.text


def test_learners_own_words_are_not_offered_back(coach: Coach) -> None:
    own = "Hvad tænker du selv om at være her i dag?"
    state = make_state("da", {Code.OPEN_QUESTION: (own,)})
    scenario = make_scenario("da", state)
    feedback = coach.feedback(scenario, state, reply(Code.CLOSED_QUESTION, text_=own), client_turn())
    assert feedback.better_reply is None


@pytest.mark.parametrize(
    ("talk", "key"),
    [(Talk.CHANGE, "coach.effect.change"), (Talk.DISCORD, "coach.effect.discord"),
     (Talk.SUSTAIN, "coach.effect.sustain_after_push")],
)
def test_feedback_reports_what_the_reply_did_to_the_client(coach: Coach, talk: Talk, key: str) -> None:
    scenario = make_scenario("da")
    after = {**START, "rapport": 3, "importance": 7}
    turn = client_turn(1, talk, START, after)
    feedback = coach.feedback(scenario, scenario.state("opening"), reply(Code.PERSUADE), turn)
    assert text("da", key, name="Mette") in feedback.text
    assert "vigtighed +1" in feedback.text and "relation -2" in feedback.text


def test_neutral_talk_and_no_movement_adds_no_effect_line(coach: Coach) -> None:
    scenario = make_scenario("en")
    feedback = coach.feedback(scenario, scenario.state("opening"), reply(Code.OPEN_QUESTION, lang="en"), client_turn())
    assert len(feedback.text.splitlines()) == 2
    assert "Dave" not in feedback.text and "Rulers" not in feedback.text


def test_consistent_reply_with_sustain_talk_is_normalised(coach: Coach) -> None:
    scenario = make_scenario("en")
    coded = reply(Code.COMPLEX_REFLECTION, lang="en")
    feedback = coach.feedback(scenario, scenario.state("opening"), coded, client_turn(talk=Talk.SUSTAIN))
    assert text("en", "coach.effect.sustain", name="Dave") in feedback.text


# ---------------------------------------------------------------- summary


def test_summary_numbers_on_a_hand_built_history(coach: Coach) -> None:
    scenario = make_scenario("da")
    v = dict(START)
    steps: list[tuple[CodedReply, ClientTurn]] = []

    def add(coded: CodedReply, talk: Talk, **moves: int) -> None:
        before = dict(v)
        v.update({k: v[k] + d for k, d in moves.items()})
        steps.append((coded, client_turn(len(steps) + 1, talk, before, dict(v), code=coded.primary)))

    add(reply(Code.OPEN_QUESTION), Talk.SUSTAIN)
    add(reply(Code.COMPLEX_REFLECTION, Code.OPEN_QUESTION), Talk.CHANGE, rapport=1, importance=1)  # two codes
    add(reply(Code.SIMPLE_REFLECTION), Talk.NEUTRAL)
    add(reply(Code.CLOSED_QUESTION), Talk.NEUTRAL)
    add(reply(Code.AFFIRM), Talk.CHANGE, confidence=2)
    add(reply(Code.PERSUADE), Talk.DISCORD, rapport=-2)
    add(reply(Code.COMPLEX_REFLECTION), Talk.CHANGE, readiness=1)
    add(reply(Code.PERSUADE_WITH_PERMISSION), Talk.SUSTAIN)
    add(reply(Code.EMPHASIZE_AUTONOMY), Talk.CHANGE, readiness=1)
    add(reply(Code.CONFRONT), Talk.DISCORD)
    add(reply(Code.ASK_PERMISSION), Talk.NEUTRAL)
    add(reply(Code.SEEK_COLLABORATION), Talk.CHANGE)

    summary = coach.summarise(scenario, steps, START)
    assert isinstance(summary, Summary)
    assert summary.turns == 12
    assert set(summary.counts) == set(ALL_CODES)
    assert summary.counts[Code.OPEN_QUESTION] == 2 and summary.counts[Code.CLOSED_QUESTION] == 1
    assert summary.counts[Code.GIVING_INFORMATION] == 0
    assert (summary.questions, summary.reflections) == (3, 3)
    assert summary.reflection_to_question == 1 and summary.rq_rating is Rating.FAIR
    assert float(summary.percent_complex_reflections or 0) == pytest.approx(200 / 3)
    assert summary.cr_rating is Rating.GOOD
    assert float(summary.percent_open_questions or 0) == pytest.approx(200 / 3)
    assert summary.open_rating is Rating.FAIR  # 67 % < 70 % (MITI 3.1.1 "good")
    assert summary.mi_adherent == 3  # affirm + seek + autonomy
    assert summary.mi_non_adherent == 2  # persuade + confront
    assert summary.with_permission == 2  # ask permission + persuade with permission, in neither total
    assert dict(summary.talk) == {Talk.CHANGE: 5, Talk.SUSTAIN: 2, Talk.NEUTRAL: 3, Talk.DISCORD: 2}
    assert dict(summary.rulers_change) == {"importance": 1, "confidence": 2, "readiness": 2, "rapport": -1}
    assert summary.outcome is None and not summary.ended

    lines = summary.text.splitlines()
    assert lines[0] == "Opsummering: 12 svar · ikke afsluttet"
    assert "R:Q 1,0:1 (fair) · komplekse refl. 66 % (god) · åbne spm. 66 % (fair)" in lines
    assert "MI-adhærent 3 · ikke MI-adhærent 2 · med tilladelse 2" in lines
    assert "Mette: forandringssnak 5 · fastholdelsessnak 2 · disharmoni 2 · neutral 3" in lines
    assert "Vigtighed 6→7 · tro på egne evner 3→5 · parathed 4→6 · relation 5→4" in lines
    assert lines[-1].startswith("Tip: ")
    assert summary.tips[0] == "non_adherent"

    data = json.loads(json.dumps(summary.to_json()))
    assert data["counts"]["open_question"] == 2 and len(data["counts"]) == 13
    assert data["reflection_to_question"] == 1.0
    assert data["ratings"] == {
        "reflection_to_question": "fair",
        "percent_complex_reflections": "good",
        "percent_open_questions": "fair",
    }
    assert data["rulers"]["rapport"] == {"start": 5, "end": 4, "change": -1}
    assert data["talk"] == {"change": 5, "sustain": 2, "neutral": 3, "discord": 2}
    assert data["outcome"] is None and data["ended"] is False
    assert data["thresholds"]["percent_open_questions"]["source"] == "MITI 3.1.1"
    assert data["text"] == summary.text
    assert data["client"] == "Mette"


Q, C, S, R = Code.OPEN_QUESTION, Code.CLOSED_QUESTION, Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION


@pytest.mark.parametrize(
    "codes",
    [
        [],
        [Q, Q, Q, S, S],  # R:Q 2/3, shown rounded down: a float round trip must not change that
        [Q, Q, S, S, S, R, R, R, R],  # %CR 4/7
        [R, Code.AFFIRM, Code.CONFRONT, C, Code.PERSUADE_WITH_PERMISSION, (R, Q)],
    ],
)
@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_summary_stored_without_its_text_renders_the_same_text_again(
    coach: Coach, lang: str, codes: list[Code | tuple[Code, ...]]
) -> None:
    summary = coach.summarise(make_scenario(lang), history(codes, talk=Talk.CHANGE), START)
    stored = json.loads(json.dumps(summary.to_json(text=False)))
    assert "text" not in stored
    again = Summary.from_json(stored)
    assert again == summary
    assert again.text == summary.text and again.to_json() == summary.to_json()


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([Q, Q, S], Rating.UNDER_FAIR),  # 0.5:1
        ([Q, Q, S, S, S], Rating.FAIR),  # 1.5:1
        ([Q, S], Rating.FAIR),  # exactly 1:1
        ([Q, Q, Q, S, S, S, S], Rating.FAIR),  # 4:3
        ([Q, Q, Q, S, S, S, S, S, S], Rating.GOOD),  # exactly 2:1
        ([Q, Q, Q, S, S, S, S, S], Rating.FAIR),  # just under 2:1
    ],
)
def test_rq_thresholds(coach: Coach, codes: list[Code], expected: Rating) -> None:
    summary = coach.summarise(make_scenario("da"), history(codes), START)
    assert summary.rq_rating is expected


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([R, R, S, S, S], Rating.FAIR),  # exactly 40 %
        ([R, S, S], Rating.UNDER_FAIR),  # 33 %
        ([R, R, R, R, S, S, S, S, S, S, S], Rating.UNDER_FAIR),  # 36 %
        ([R, S], Rating.GOOD),  # exactly 50 %
        ([R, R, R, R, S, S, S, S, S], Rating.FAIR),  # 44 %
        ([R, R, S], Rating.GOOD),
    ],
)
def test_complex_reflection_thresholds(coach: Coach, codes: list[Code], expected: Rating) -> None:
    summary = coach.summarise(make_scenario("da"), history(codes), START)
    assert summary.cr_rating is expected


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([Q, C], Rating.FAIR),  # exactly 50 %
        ([Q, C, C], Rating.UNDER_FAIR),
        ([Q, Q, Q, Q, Q, Q, Q, C, C, C], Rating.GOOD),  # exactly 70 %
        ([Q, Q, C], Rating.FAIR),  # 67 %
    ],
)
def test_open_question_thresholds(coach: Coach, codes: list[Code], expected: Rating) -> None:
    summary = coach.summarise(make_scenario("da"), history(codes), START)
    assert summary.open_rating is expected


def test_threshold_table_matches_miti() -> None:
    assert THRESHOLDS["reflection_to_question"] == {"fair": 1.0, "good": 2.0, "source": "MITI 4.2.1"}
    assert THRESHOLDS["percent_complex_reflections"] == {"fair": 40.0, "good": 50.0, "source": "MITI 4.2.1"}


def test_displayed_values_round_down_so_they_agree_with_the_rating(coach: Coach) -> None:
    # 2 reflections : 3 questions = 0.67 → "0,6:1" (never "0,7" or "1,0" while under fair)
    summary = coach.summarise(make_scenario("da"), history([Q, Q, Q, S, S]), START)
    assert "R:Q 0,6:1 (under fair)" in summary.text
    summary = coach.summarise(make_scenario("en"), history([Q, Q, S, S, S]), START)
    assert "R:Q 1.5:1 (fair)" in summary.text


def test_undefined_ratios_are_none_and_shown_as_a_dash(coach: Coach) -> None:
    summary = coach.summarise(make_scenario("da"), history([Code.AFFIRM, Code.EMPHASIZE_AUTONOMY]), START)
    assert summary.reflection_to_question is None and summary.rq_rating is None
    assert summary.percent_complex_reflections is None and summary.cr_rating is None
    assert summary.percent_open_questions is None and summary.open_rating is None
    assert "R:Q – · komplekse refl. – · åbne spm. –" in summary.text
    assert summary.to_json()["reflection_to_question"] is None


@pytest.mark.parametrize("lang", ["da", "en"])
def test_empty_history(coach: Coach, lang: str) -> None:
    summary = coach.summarise(make_scenario(lang), [], START)
    assert summary.turns == 0 and summary.questions == 0 and summary.reflections == 0
    assert summary.reflection_to_question is None and summary.rq_rating is None
    assert summary.percent_complex_reflections is None and summary.percent_open_questions is None
    assert dict(summary.rulers_end) == dict(START) and set(summary.rulers_change.values()) == {0}
    assert sum(summary.talk.values()) == 0 and summary.outcome is None
    assert text(lang, "coach.summary.no_replies") in summary.text
    assert summary.tips == ("no_replies",)
    json.dumps(summary.to_json())


def test_opening_turn_is_not_counted_as_elicited_talk(coach: Coach) -> None:
    opening = client_turn(0, Talk.SUSTAIN)
    steps = [(reply(Q), opening), (reply(R), client_turn(1, Talk.CHANGE))]
    summary = coach.summarise(make_scenario("da"), steps, START)
    assert summary.talk[Talk.CHANGE] == 1 and summary.talk[Talk.SUSTAIN] == 0


@pytest.mark.parametrize("lang", ["da", "en"])
def test_outcome_from_the_final_turn(coach: Coach, lang: str) -> None:
    steps = history([Q, R, R])
    last_reply, last = steps[-1]
    final = client_turn(last.turn, Talk.CHANGE, START, {**START, "readiness": 7}, outcome=Outcome.SUCCESS)
    steps[-1] = (last_reply, final)
    summary = coach.summarise(make_scenario(lang), steps, START)
    assert summary.outcome is Outcome.SUCCESS and summary.ended
    assert summary.rulers_change["readiness"] == 3
    assert text(lang, "coach.outcome.success") in summary.text.splitlines()[0]


def test_tips_follow_the_numbers(coach: Coach) -> None:
    scenario = make_scenario("da")
    questions_only = coach.summarise(scenario, history([Q, C, Q]), START)
    assert "reflect_more" in questions_only.tips
    assert "Tip: " + text("da", "coach.tips.reflect_more") in questions_only.text
    assert "prøv at reflektere" in questions_only.text.lower()

    simple_only = coach.summarise(scenario, history([S, S, Q, S]), START)
    assert simple_only.tips[0] == "deepen"

    good = coach.summarise(scenario, history([Q, R, R, Code.AFFIRM], talk=Talk.CHANGE), START)
    assert good.tips == ("keep_going",)
    assert 1 <= len(good.tips) <= 2


def test_one_reply_title_is_singular(coach: Coach) -> None:
    summary = coach.summarise(make_scenario("en"), history([R]), START)
    assert summary.text.splitlines()[0] == "Summary: 1 reply · in progress"


def test_summary_is_deterministic(coach: Coach) -> None:
    steps = history([Q, R, Code.CONFRONT, S, C], talk=Talk.SUSTAIN)
    first = coach.summarise(make_scenario("da"), steps, START)
    assert coach.summarise(make_scenario("da"), steps, START) == first
