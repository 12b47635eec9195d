"""Ruler questions: which ruler a reply asks about, and the simulated client answering with its number."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot import i18n
from bot.coach import Coach
from bot.coded_reply import CodedReply
from bot.coder import Coder
from bot.coder.lexicon import LexiconError, parse_lexicon, read_data_file
from bot.coder.rulers import RulerQuestion, asks_on_a_ruler, ruler_asked
from bot.practice import PracticeSession
from state_machines.codes import VALENCE, Code
from state_machines.library import ScenarioLibrary
from state_machines.model import Line, Outcome, Talk
from tests.scenario_builders import scenario, state, transition

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("på en skala fra 0 til 10, hvor vigtigt er det for dig at komme i job?", "da", RulerQuestion("importance", 0)),
    ("hvor sikker er du på, at du kan klare det, på en skala fra 1-10", "da", RulerQuestion("confidence", 1)),
    ("På en skala fra 0 til 10. Hvor klar er du?", "da", RulerQuestion("readiness", 0)),  # the next sentence
    ("hvilket tal vil du give din motivation", "da", RulerQuestion("readiness", 0)),
    ("du sagde, det var vigtigt. på en skala fra 0-10, hvor klar er du så?", "da", RulerQuestion("readiness", 0)),
    ("On a scale of one to ten, how confident are you that you could do it?", "en", RulerQuestion("confidence", 1)),
    ("on a scale from 0 to 10 how important is it to you", "en", RulerQuestion("importance", 0)),
    ("On a scale from 0 to 10, how ready are you to cut down?", "en", RulerQuestion("readiness", 0)),
])
def test_a_ruler_question_names_its_ruler(text: str, lang: str, expected: RulerQuestion) -> None:
    assert ruler_asked(text, lang) == expected
    assert asks_on_a_ruler(text, lang)


@pytest.mark.parametrize(("text", "lang"), [
    ("hvor vigtigt er det for dig?", "da"),  # an open question: no scale
    ("på en skala fra 0 til 10, hvor irriteret er du på din sagsbehandler?", "da"),  # not one of the rulers
    ("How important is it to you?", "en"),
    ("på en skala fra 0 til 10, hvor vigtigt er det", "sv"),  # no lexicon for the language
])
def test_no_ruler_question(text: str, lang: str) -> None:
    assert ruler_asked(text, lang) is None


def test_a_lexicon_without_ruler_topics_is_refused_by_name() -> None:
    data = dict(read_data_file("da.yaml"))
    del data["ruler_topics"]
    with pytest.raises(LexiconError, match="ruler_topics"):
        parse_lexicon(data, "da.yaml")
    data["ruler_topics"] = {"importance": ["vigtig"], "confidence": ["sikker"]}  # readiness missing
    with pytest.raises(LexiconError, match="ruler_topics"):
        parse_lexicon(data, "da.yaml")


class ScriptedCoder(Coder):
    """The real coder's evidence and language, with the primary code it is told (the scenario's logic
    without depending on the model's call)."""

    def __init__(self, primary: Code) -> None:
        super().__init__()
        self.primary = primary

    def code(self, text: str, context: str = "", lang: str | None = None) -> CodedReply:
        coded = super().code(text, context, lang)
        return replace(coded, primary=self.primary, codes=(self.primary,), valence=VALENCE[self.primary])


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    library, problems = ScenarioLibrary.load(ROOT / "dialogues")
    assert not problems
    return library


def test_the_client_answers_a_ruler_question_with_its_own_number(library: ScenarioLibrary) -> None:
    session = PracticeSession.begin(library, "ips-mette", 1, Coder(), Coach())
    record = session.reply("på en skala fra 0 til 10, hvor vigtigt er det for dig at få et arbejde?").record
    assert record.coded.primary is Code.CLOSED_QUESTION
    importance = record.client.variables["importance"]
    assert 4 <= importance <= 6  # Mette's importance starts at 6; the "mid" band
    assert record.client.line.text == i18n.text("da", "practice.ruler.importance.mid", value=importance)
    assert str(importance) in record.client.line.text
    assert record.client.line.talk is Talk.NEUTRAL
    # The next reply is coded against the number the client said.
    assert session.last_client_line == record.client.line.text
    # The coach's tip is the follow-up, and the follow-up is an open question.
    assert "hvorfor tallet ikke er lavere" in record.feedback.text
    follow_up = session.reply(f"hvorfor et {importance}-tal og ikke et 2-tal?").record
    assert follow_up.coded.primary is Code.OPEN_QUESTION


def test_a_low_number_is_sustain_talk_and_a_scale_from_one_never_hears_zero() -> None:
    values = {"importance": 0, "confidence": 9, "readiness": 5}
    test = scenario([state("talk", "a line")], [transition("talk", "*", "talk")], values=values)
    library = ScenarioLibrary({test.id: test})
    session = PracticeSession.begin(library, test.id, 1, ScriptedCoder(Code.CLOSED_QUESTION), Coach())
    low = session.reply("On a scale from 1 to 10, how important is it to you?").record.client.line
    assert low == Line(i18n.text("en", "practice.ruler.importance.low", value=1), Talk.SUSTAIN)
    high = session.reply("on a scale of 0 to 10 how confident are you").record.client.line
    assert high.text == i18n.text("en", "practice.ruler.confidence.high", value=9) and high.talk is Talk.CHANGE
    mid = session.reply("On a scale of 0-10, how ready are you?").record.client.line
    assert mid.text == i18n.text("en", "practice.ruler.readiness.mid", value=5) and mid.talk is Talk.NEUTRAL


@pytest.mark.parametrize(("primary", "text"), [
    (Code.PERSUADE, "On a scale of 0 to 10 it should be a 10, so just stop."),  # a push: the client reacts to that
    (Code.CLOSED_QUESTION, "On a scale of 0 to 10, how annoyed are you with your caseworker?"),  # no ruler named
    (Code.CLOSED_QUESTION, "How important is it to you?"),  # no scale
])
def test_other_replies_get_the_usual_line(primary: Code, text: str) -> None:
    test = scenario([state("talk", "the usual line")], [transition("talk", "*", "talk")])
    library = ScenarioLibrary({test.id: test})
    session = PracticeSession.begin(library, test.id, 1, ScriptedCoder(primary), Coach())
    assert session.reply(text).record.client.line.text == "the usual line"


def test_the_final_line_is_kept_when_a_ruler_question_ends_the_conversation() -> None:
    test = scenario([state("talk", "a line"), state("done", "goodbye", final=Outcome.PARTIAL)],
                    [transition("talk", "*", "done")])
    library = ScenarioLibrary({test.id: test})
    session = PracticeSession.begin(library, test.id, 1, ScriptedCoder(Code.CLOSED_QUESTION), Coach())
    result = session.reply("On a scale of 0 to 10, how important is it to you?")
    assert result.ended and result.record.client.line.text == "goodbye"
