"""Danish or English? A cue-word vote that works on short, lower-case, typo'd replies.

The cues live in `lexicons/language.yaml`: weighted function words per language, the Danish letters
æ ø å, and spelling patterns for words in neither list (typos, rare words).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bot.coder.lexicon import LANGUAGES, LexiconError, is_latin1, latin1_twin, read_data_file

_SPELLING_CACHE = 50_000
"""Words whose spelling votes are remembered (then the memory starts over)."""
MAX_DETECT_CHARS = 1000
"""Only the start of a long text is read: a thousand characters are plenty to tell the language."""

# Words with an inner apostrophe stay whole ("don't", "you're"); curly apostrophes are read as straight.
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_TOKEN_LATIN1 = latin1_twin(_TOKEN.pattern)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})
_ODD_APOSTROPHE = re.compile("[’‘´`]")
"""The characters `_APOSTROPHES` changes: a text without them needs no translating (which, for a
non-ASCII text, looks up every character in the table)."""


def _sample(text: str) -> str:
    """The start of `text` that is read, apostrophes straightened, case-folded."""
    sample = text[:MAX_DETECT_CHARS]
    if _ODD_APOSTROPHE.search(sample):
        sample = sample.translate(_APOSTROPHES)
    return sample.casefold()


@dataclass(frozen=True, slots=True)
class LanguageCues:
    """Compiled cues: word weights and spelling patterns per language."""

    words: Mapping[str, Mapping[str, float]]
    """word → {language: weight}"""
    patterns: Mapping[str, tuple[tuple[re.Pattern[str], float], ...]]
    letters: re.Pattern[str]
    letter_weight: float
    letter_cap: float
    default: str
    _spelling: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict, compare=False, repr=False)
    """Spelling votes of words seen before: a pure function of the word, so remembering them is safe."""
    _token_votes: dict[str, tuple[float, float]] = field(default_factory=dict, compare=False, repr=False)
    """(Danish, English) weight of tokens seen before (word weight or spelling votes): `detect`'s cache."""

    def scores(self, text: str) -> dict[str, float]:
        """The evidence for each language in `text` (higher = more likely)."""
        sample = _sample(text)
        scores = dict.fromkeys(LANGUAGES, 0.0)
        letters = len(self.letters.findall(sample))
        scores["da"] += min(letters * self.letter_weight, self.letter_cap)
        for token in (_TOKEN_LATIN1 if is_latin1(sample) else _TOKEN).findall(sample):
            weights = self.words.get(token)
            if weights is not None:
                for lang, weight in weights.items():
                    scores[lang] += weight
                continue
            if len(token) < 3:
                continue
            votes = self._spelling.get(token)
            if votes is None:
                votes = self._spelling_votes(token)
            for lang, weight in votes:
                scores[lang] += weight
        return scores

    def _votes(self, token: str) -> tuple[float, float]:
        """(Danish, English) weight of one token, as `scores` adds it (remembered)."""
        votes = dict.fromkeys(LANGUAGES, 0.0)
        weights = self.words.get(token)
        if weights is not None:
            votes.update(weights)
        elif len(token) >= 3:
            votes.update(self._spelling_votes(token))
        if len(self._token_votes) >= _SPELLING_CACHE:
            self._token_votes.clear()
        self._token_votes[token] = pair = (votes["da"], votes["en"])
        return pair

    def _spelling_votes(self, token: str) -> tuple[tuple[str, float], ...]:
        """Per language, the weight of the best spelling pattern that fits `token` (remembered)."""
        # One vote per word and language, however many spelling patterns fit.
        votes = tuple((lang, max((weight for pattern, weight in patterns if pattern.search(token)), default=0.0))
                      for lang, patterns in self.patterns.items())
        if len(self._spelling) >= _SPELLING_CACHE:
            self._spelling.clear()
        self._spelling[token] = votes
        return votes

    def detect(self, text: str, fallback: str | None = None) -> str | None:
        """The likelier language, or `fallback` when the text gives no clear answer."""
        # `scores` for the two languages, summed in the same order (a token that gives a language
        # nothing adds 0.0, which changes no sum), with one remembered lookup per token.
        sample = _sample(text)
        danish = english = 0.0
        letters = 0 if sample.isascii() else len(self.letters.findall(sample))  # (the letters are æ, ø, å)
        danish += min(letters * self.letter_weight, self.letter_cap)
        known = self._token_votes.get
        tokens = (_TOKEN_LATIN1 if is_latin1(sample) else _TOKEN).findall(sample)
        for da_weight, en_weight in [known(token) or self._votes(token) for token in tokens]:
            danish += da_weight
            english += en_weight
        if danish > english:
            return "da"
        if english > danish:
            return "en"
        return fallback


def _fail(message: str) -> LexiconError:
    return LexiconError(f"bot/coder/lexicons/language.yaml: {message}")


def parse_cues(data: Any) -> LanguageCues:
    """Compile the cues from the parsed `language.yaml` (raises LexiconError)."""
    if not isinstance(data, Mapping):
        raise _fail("expected a mapping")
    words: dict[str, dict[str, float]] = {}
    by_language = data.get("words")
    if not isinstance(by_language, Mapping) or set(by_language) != set(LANGUAGES):
        raise _fail(f"words: expected one list per language ({', '.join(LANGUAGES)})")
    for lang in LANGUAGES:
        weighted = by_language[lang]
        if not isinstance(weighted, Mapping):
            raise _fail(f"words.{lang}: expected weight: [words]")
        for weight, entries in weighted.items():
            if not isinstance(weight, int | float) or not isinstance(entries, list):
                raise _fail(f"words.{lang}.{weight}: expected a number and a list of words")
            for entry in entries:
                word = str(entry).casefold().translate(_APOSTROPHES)
                slot = words.setdefault(word, {})
                others = [other for other in slot if other != lang]
                if others:
                    raise _fail(f"words: {word!r} is listed for both {others[0]} and {lang}")
                slot[lang] = max(float(weight), slot.get(lang, 0.0))
    patterns: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {}
    pattern_data = data.get("patterns", {})
    if not isinstance(pattern_data, Mapping):
        raise _fail("patterns: expected a mapping per language")
    for lang in LANGUAGES:
        entries = pattern_data.get(lang, {}) or {}
        if not isinstance(entries, Mapping):
            raise _fail(f"patterns.{lang}: expected pattern: weight")
        try:
            patterns[lang] = tuple((re.compile(str(source)), float(weight)) for source, weight in entries.items())
        except (re.error, TypeError, ValueError) as error:
            raise _fail(f"patterns.{lang}: {error}") from error
    default = data.get("default", "da")
    if default not in LANGUAGES:
        raise _fail("default: expected da or en")
    return LanguageCues(
        words=words,
        patterns=patterns,
        letters=re.compile("[æøå]"),
        letter_weight=float(data.get("letter_weight", 2)),
        letter_cap=float(data.get("letter_cap", 6)),
        default=str(default),
    )


@cache
def language_cues() -> LanguageCues:
    """The shipped cues, compiled once per process."""
    return parse_cues(read_data_file("language.yaml"))


def detect_language(text: str, fallback: str | None = None) -> str:
    """ "da" or "en" for `text`; when it gives no clear answer, `fallback`, else the default (Danish)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    cues = language_cues()
    return cues.detect(text) or fallback or cues.default
