"""English replies as learners type them in a practice chat (not AnnoMI's transcribed speech).

Every code, in careful and in phone typing ("u", "ur", "dont", no "?"); each case is a reply to a
client line of its own. Before the English learner-reply sets (data/coder/en_dev.jsonl) and the
English lexicon's phone spellings, the coder read praise, autonomy and collaboration as reflections
or questions, and most confrontations as reflections or information.
"""

from __future__ import annotations

import pytest

from bot.coder.coder import Coder
from state_machines.codes import VALENCE, Code, Valence

C = Code
SMOKE = "i know i should quit but honestly smoking is the only thing that gets me through a shift"
JOB = "I haven't worked for three years. I doubt anyone would take me on now."
DRINK = "my mum keeps saying i drink too much but she drinks more than me lol"
ADVICE = "ok go on then, what would you suggest? i'm all ears"
WEIGHT = "I started walking to work twice a week. It's not much though."

CASES: list[tuple[str, str, Code]] = [
    ("what does a shift look like for u", SMOKE, C.OPEN_QUESTION),
    ("What kind of work would you actually enjoy?", JOB, C.OPEN_QUESTION),
    ("do u smoke on ur days off too", SMOKE, C.CLOSED_QUESTION),
    ("Have you applied for anything this year?", JOB, C.CLOSED_QUESTION),
    ("smoking gets u through the shift", SMOKE, C.SIMPLE_REFLECTION),
    ("You've been out of work for three years.", JOB, C.SIMPLE_REFLECTION),
    ("part of u wants to quit and part of u cant picture a shift without it", SMOKE, C.COMPLEX_REFLECTION),
    ("On one hand you'd like to work again, and on the other you're afraid nobody will have you.", JOB,
     C.COMPLEX_REFLECTION),
    ("twice a week is a real start, u made that happen urself", WEIGHT, C.AFFIRM),
    ("That took some determination, especially when it's cold out.", WEIGHT, C.AFFIRM),
    ("whether u do anything about it is ur call, not mine and not ur mums", DRINK, C.EMPHASIZE_AUTONOMY),
    ("It's entirely up to you what you make of what she says.", DRINK, C.EMPHASIZE_AUTONOMY),
    ("shall we figure out together what u want to look at first", DRINK, C.SEEK_COLLABORATION),
    ("Let's work out together where to start.", JOB, C.SEEK_COLLABORATION),
    ("would it be ok if i shared what some other people have tried", SMOKE, C.ASK_PERMISSION),
    ("Would you like to hear how IPS works with employers?", JOB, C.ASK_PERMISSION),
    ("under ips there are no entry tests, anyone who wants a job can join", JOB, C.GIVING_INFORMATION),
    ("Nicotine cravings usually peak in the first three days and then ease off.", SMOKE,
     C.GIVING_INFORMATION),
    ("since u asked, id try a week of counting drinks first and see where u land", ADVICE,
     C.PERSUADE_WITH_PERMISSION),
    ("Since you asked, one idea is to keep alcohol-free beer in the fridge. See if that fits.", ADVICE,
     C.PERSUADE_WITH_PERMISSION),
    ("u really need to cut down before it gets worse", DRINK, C.PERSUADE),
    ("Why not try switching to nicotine gum at work?", SMOKE, C.PERSUADE),
    ("ur mum has a point tho", DRINK, C.CONFRONT),
    ("That's just an excuse, and you know it.", SMOKE, C.CONFRONT),
    ("its only twice a week, thats hardly exercise", WEIGHT, C.CONFRONT),
    ("hey, good to see u again", SMOKE, C.OTHER),
    ("Thanks for coming in today.", JOB, C.OTHER),
]


NEAR_MISSES: list[tuple[str, str, Code]] = [
    # Near misses of the confront phrases "what did you think would happen" and "she's right".
    ("What did you think of the group?", DRINK, C.OPEN_QUESTION),
    ("what did u think about the leaflet", DRINK, C.OPEN_QUESTION),
    ("what did you think would happen, honestly", DRINK, C.CONFRONT),
    ("shes right tho", DRINK, C.CONFRONT),  # siding with the mother
    ("so she is right there next to you when you drink", DRINK, C.SIMPLE_REFLECTION),
]


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


@pytest.mark.parametrize(("text", "context", "primary"), CASES + NEAR_MISSES)
def test_typed_english_reply_gets_its_code(coder: Coder, text: str, context: str, primary: Code) -> None:
    assert coder.code(text, context, "en").primary is primary


def test_every_code_is_covered() -> None:
    assert {primary for _, _, primary in CASES} == set(Code)


VALENCED = [case for case in CASES if VALENCE[case[2]] is not Valence.NEUTRAL]


@pytest.mark.parametrize(("text", "context", "primary"), VALENCED)
def test_phone_typing_keeps_the_valence(coder: Coder, text: str, context: str, primary: Code) -> None:
    """Lower case, "ur" for "you're", "u" for "you", no apostrophes: the reply keeps its MI-consistent or
    -inconsistent reading."""
    typed = text.lower().replace("you're", "ur").replace("'", "").replace("you", "u").rstrip(".?")
    assert VALENCE[coder.code(typed, context, "en").primary] == VALENCE[primary]
