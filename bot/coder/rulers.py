"""Ruler questions ("på en skala fra 0 til 10, hvor vigtigt er det for dig?"): whether a reply asks one,
and which of the client's rulers it asks about, so that the simulated client can answer with its number.

Read with the coder's own lexicon lists (`ruler_questions`, `ruler_topics`), so the coder, the coach and
the client agree on what a ruler question is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.coder.lexicon import LANGUAGES, load_lexicon

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_FROM_ONE = re.compile(r"(?<![\w,.])(?:1|en|et|one)\s*(?:til|to|-|–)\s*(?:10|ti|ten)(?!\w|[.,]\d)", re.IGNORECASE)
"""A scale whose lowest point is 1 ("fra 1 til 10", "1-10", "one to ten")."""


@dataclass(frozen=True, slots=True)
class RulerQuestion:
    """A ruler question: the ruler it asks about and the lowest number on its scale."""

    topic: str
    """importance, confidence or readiness (`lexicon.RULER_TOPICS`)."""
    lowest: int
    """0, or 1 when the scale starts at 1."""


def asks_on_a_ruler(text: str, lang: str) -> bool:
    """True when `text` holds a ruler ("på en skala fra 0 til 10", "on a scale of 1 to 10")."""
    return lang in LANGUAGES and load_lexicon(lang).ruler.search(text) is not None


def ruler_asked(text: str, lang: str) -> RulerQuestion | None:
    """The ruler question in `text`, or None when it holds no ruler or names none of the three rulers.

    The ruler's topic is looked for in the sentence with the ruler and the one after it ("På en skala
    fra 0 til 10. Hvor klar er du?"); when several are named, the first counts.
    """
    if lang not in LANGUAGES:
        return None
    lexicon = load_lexicon(lang)
    ruler = lexicon.ruler.search(text)
    if ruler is None:
        return None
    sentences = [match.end() for match in _SENTENCE_END.finditer(text)]
    start = max((end for end in sentences if end <= ruler.start()), default=0)
    after = [end for end in sentences if end > ruler.end()]
    stop = after[1] if len(after) > 1 else len(text)
    window = text[start:stop]
    found = [(match.start(), topic) for topic, pattern in lexicon.ruler_topics.items()
             if (match := pattern.search(window)) is not None]
    if not found:
        return None
    return RulerQuestion(topic=min(found)[1], lowest=1 if _FROM_ONE.search(window) else 0)
