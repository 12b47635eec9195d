"""Property tests: arbitrary text (control characters, any non-surrogate unicode) against the coder
and the turn logic. Nothing crashes except the documented InvalidReply/SessionEnded, variables
stay within 0..10, and a refused reply changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.coach import Coach
from bot.coder import Coder
from bot.practice import InvalidReply, PracticeSession, SessionEnded
from state_machines.codes import Code
from state_machines.library import ScenarioLibrary

ROOT = Path(__file__).resolve().parent.parent
CODER = Coder()

# every code point except surrogates, with control characters and RTL/combining marks made likely
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["\x00", "\x07", "\x1b", "\t", "\n", "\r", "\u202e", "\u0301", "\u200d", "🙂", "æ", "ø"]),
    ),
    max_size=300,
)


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    library, problems = ScenarioLibrary.load(ROOT / "dialogues")
    assert not problems
    return library


@settings(max_examples=200, deadline=None)
@given(text=TEXT, context=TEXT, lang=st.sampled_from([None, "da", "en"]))
def test_coder_never_crashes(text: str, context: str, lang: str | None) -> None:
    coded = CODER.code(text, context=context, lang=lang)
    assert isinstance(coded.primary, Code)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(replies=st.lists(TEXT, min_size=1, max_size=12), seed=st.integers(0, 2**31 - 1))
def test_turns_never_crash_and_bad_input_changes_nothing(library: ScenarioLibrary, replies: list[str],
                                                         seed: int) -> None:
    ids = sorted(library.ids())
    scenario_id = ids[seed % len(ids)]
    session = PracticeSession.begin(library, scenario_id, seed, CODER, Coach())
    try:
        for text in replies:
            before = (session.turn, session.state, session.variables, session.snapshot(), len(session.history))
            try:
                result = session.reply(text)
            except (InvalidReply, SessionEnded):
                after = (session.turn, session.state, session.variables, session.snapshot(), len(session.history))
                assert after == before
                continue
            assert result.record.text == text.strip()
            assert len(session.history) == before[4] + 1
            for name, value in session.variables.items():
                assert 0 <= value <= 10, (name, value)
    finally:
        session.close()
