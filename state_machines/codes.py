"""The MI behaviour codes a learner's reply can carry (MITI 4.2.1 plus open/closed and permission)."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """One MITI-style behaviour code for a learner's reply."""

    OPEN_QUESTION = "open_question"
    CLOSED_QUESTION = "closed_question"
    SIMPLE_REFLECTION = "simple_reflection"
    COMPLEX_REFLECTION = "complex_reflection"
    AFFIRM = "affirm"
    EMPHASIZE_AUTONOMY = "emphasize_autonomy"
    SEEK_COLLABORATION = "seek_collaboration"
    ASK_PERMISSION = "ask_permission"
    GIVING_INFORMATION = "giving_information"
    PERSUADE_WITH_PERMISSION = "persuade_with_permission"
    PERSUADE = "persuade"
    CONFRONT = "confront"
    OTHER = "other"


class Valence(StrEnum):
    """Whether a behaviour is consistent with the MI spirit."""

    CONSISTENT = "consistent"
    NEUTRAL = "neutral"
    INCONSISTENT = "inconsistent"


VALENCE: dict[Code, Valence] = {
    Code.OPEN_QUESTION: Valence.CONSISTENT,
    Code.SIMPLE_REFLECTION: Valence.CONSISTENT,
    Code.COMPLEX_REFLECTION: Valence.CONSISTENT,
    Code.AFFIRM: Valence.CONSISTENT,
    Code.EMPHASIZE_AUTONOMY: Valence.CONSISTENT,
    Code.SEEK_COLLABORATION: Valence.CONSISTENT,
    Code.ASK_PERMISSION: Valence.CONSISTENT,
    Code.PERSUADE_WITH_PERMISSION: Valence.CONSISTENT,
    Code.CLOSED_QUESTION: Valence.NEUTRAL,
    Code.GIVING_INFORMATION: Valence.NEUTRAL,
    Code.OTHER: Valence.NEUTRAL,
    Code.PERSUADE: Valence.INCONSISTENT,
    Code.CONFRONT: Valence.INCONSISTENT,
}

QUESTIONS = frozenset({Code.OPEN_QUESTION, Code.CLOSED_QUESTION})
REFLECTIONS = frozenset({Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION})
# MITI 4.2.1 "MI-adherent" (AF, Seek, Emphasize autonomy) and "MI-non-adherent" (Persuade, Confront).
MI_ADHERENT = frozenset({Code.AFFIRM, Code.SEEK_COLLABORATION, Code.EMPHASIZE_AUTONOMY})
MI_NON_ADHERENT = frozenset({Code.PERSUADE, Code.CONFRONT})

ALL_CODES: tuple[Code, ...] = tuple(Code)


def parse_code(name: str) -> Code | None:
    """The code called `name`, or None when there is no such code."""
    try:
        return Code(name)
    except ValueError:
        return None
