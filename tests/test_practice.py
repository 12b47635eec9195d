"""PracticeSession: the turn pipeline, bad input, ending, rollback and restore from stored data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.coach import Coach
from bot.coded_reply import CodedReply
from bot.coder import Coder
from bot.practice import MAX_REPLY_CHARS, InvalidReply, PracticeSession, SessionEnded, TurnRecord
from state_machines.codes import VALENCE, Code
from state_machines.library import ScenarioLibrary

ROOT = Path(__file__).resolve().parent.parent


class ScriptedCoder(Coder):
    """A coder that gives the codes it was told to, in order (scenario logic without the real coder)."""

    def __init__(self, codes: list[Code]) -> None:
        super().__init__()
        self._codes: Iterator[Code] = iter(codes)

    def code(self, text: str, context: str = "", lang: str | None = None) -> CodedReply:
        primary = next(self._codes)
        return CodedReply(text, lang or "da", primary, (primary,), VALENCE[primary])


class BrokenCoach(Coach):
    def feedback(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
        raise RuntimeError("coach bug")


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    library, problems = ScenarioLibrary.load(ROOT / "dialogues")
    assert not problems
    return library


def begin(library: ScenarioLibrary, coder: Coder | None = None, seed: int = 1) -> PracticeSession:
    return PracticeSession.begin(library, "ips-mette", seed, coder or Coder(), Coach())


REPLIES = [
    "Hvad tænker du selv om at komme her i dag?",
    "Du er her, fordi andre mener det, ikke fordi du selv har valgt det.",
    "Det er flot, at du er kommet i dag, selvom det var svært.",
    "Hvad ville være vigtigt for dig i et job?",
    "Det er dit valg, hvad du vil.",
]


def test_a_reply_is_coded_answered_and_coached(library: ScenarioLibrary) -> None:
    session = begin(library)
    assert session.turn == 0 and session.opening.line.text
    result = session.reply("  Hvad tænker du selv om at komme her i dag?  ")
    record = result.record
    assert record.turn == 1 == session.turn
    assert record.text == "Hvad tænker du selv om at komme her i dag?"  # surrounding space trimmed
    assert record.coded.primary is Code.OPEN_QUESTION
    assert record.client.state_before == "opening"
    assert record.feedback.text
    assert session.history == (record,)
    assert result.summary is None and not result.ended


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("   \n\t ", "empty"), ("x" * (MAX_REPLY_CHARS + 1), "too_long"),
     ("hej\x00du", "control"), ("\x1b[31mrød", "control"), ("bip\x07", "control")],
)
def test_bad_input_changes_nothing(library: ScenarioLibrary, text: str, reason: str) -> None:
    session = begin(library)
    session.reply(REPLIES[0])
    before = (session.snapshot(), session.history, session.variables)
    with pytest.raises(InvalidReply) as raised:
        session.reply(text)
    assert raised.value.reason == reason
    assert raised.value.message_key == f"practice.invalid.{reason}"
    assert (session.snapshot(), session.history, session.variables) == before


def test_newlines_and_emoji_are_fine(library: ScenarioLibrary) -> None:
    session = begin(library)
    assert session.reply("Du er træt af det 😔\nog vil gerne videre").record.turn == 1


def test_restore_from_stored_data_continues_identically(library: ScenarioLibrary) -> None:
    uninterrupted = begin(library, seed=5)
    interrupted = begin(library, seed=5)
    for reply in REPLIES[:2]:
        uninterrupted.reply(reply)
        interrupted.reply(reply)
    # What storage keeps: the snapshot and each turn as JSON text.
    stored_snapshot = json.dumps(interrupted.snapshot())
    stored_turns = [json.dumps(record.to_json()) for record in interrupted.history]
    interrupted.close()

    scenario = library.get("ips-mette")
    restored = PracticeSession.restore(
        json.loads(stored_snapshot),
        [TurnRecord.from_json(json.loads(row), scenario) for row in stored_turns],
        library, Coder(), Coach(),
    )
    assert restored.opening.line == uninterrupted.opening.line
    assert [r.to_json() for r in restored.history] == [r.to_json() for r in uninterrupted.history]
    for reply in REPLIES[2:]:
        assert restored.reply(reply).record.to_json() == uninterrupted.reply(reply).record.to_json()
    assert restored.summary().to_json() == uninterrupted.summary().to_json()


def test_the_session_ends_with_a_summary_and_refuses_more(library: ScenarioLibrary) -> None:
    # ips-mette's drop-out path: persuade, confront, persuade.
    session = begin(library, ScriptedCoder([Code.PERSUADE, Code.CONFRONT, Code.PERSUADE, Code.OPEN_QUESTION]))
    results = [session.reply(f"svar {n}") for n in range(3)]
    assert [r.ended for r in results] == [False, False, True]
    assert results[-1].summary is not None
    assert results[-1].record.client.outcome is not None
    assert session.ended
    with pytest.raises(SessionEnded):
        session.reply("hallo?")
    assert len(session.history) == 3


def test_a_failing_coach_leaves_the_conversation_as_it_was(library: ScenarioLibrary) -> None:
    session = PracticeSession.begin(library, "ips-mette", 1, Coder(), BrokenCoach())
    before = session.snapshot()
    with pytest.raises(RuntimeError, match="coach bug"):
        session.reply(REPLIES[0])
    assert session.snapshot() == before
    assert session.history == ()
    assert session.turn == 0


def test_hint_follows_the_state(library: ScenarioLibrary) -> None:
    session = begin(library)
    assert session.hint() == library.get("ips-mette").state("opening").hint
