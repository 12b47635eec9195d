"""Lexicons: the words and patterns of the MI coder, read once from `lexicons/<lang>.yaml`.

The data files hold the language; this module only turns lists of phrases into compiled,
case-insensitive, whole-word regular expressions (see the header of `lexicons/da.yaml`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml

from state_machines.codes import Code

LANGUAGES: tuple[str, ...] = ("da", "en")
RULER_TOPICS: tuple[str, ...] = ("importance", "confidence", "readiness")
"""The client's rulers a ruler question can ask about (the names of `state_machines.conditions.RULERS`)."""

# The codes a lexicon may list directly under `codes:` (questions and reflections come from form).
LEXICON_CODES: tuple[Code, ...] = (
    Code.CONFRONT,
    Code.PERSUADE,
    Code.ASK_PERMISSION,
    Code.SEEK_COLLABORATION,
    Code.EMPHASIZE_AUTONOMY,
    Code.AFFIRM,
    Code.GIVING_INFORMATION,
    Code.OTHER,
)
COMPLEX_KINDS: tuple[str, ...] = ("ambivalence", "feeling", "meaning")
SCANNED: tuple[str, ...] = (*(f"codes.{code.value}" for code in LEXICON_CODES), "codes.advice", "warnings",
                            "permission_markers", *(f"complex.{kind}" for kind in COMPLEX_KINDS),
                            "open_question_phrases", "open_in_situ", "ruler_questions")
"""The phrase lists the rules look for along a whole reply or clause (`Lexicon.starts` indexes them)."""
WHOLE_REPLY = frozenset(key for key in SCANNED if key.startswith("codes.") or key in ("warnings", "permission_markers"))
"""Those read along the whole reply (the others inside one clause only)."""

_FLAGS = re.IGNORECASE
_PUNCT_RUN = r"[\s,.!?…:;\-\"'()]*"
# Danish letters also match their ASCII spellings, for learners on foreign keyboards.
_ASCII_FALLBACK = {"æ": "(?:æ|ae)", "ø": "(?:ø|oe)", "å": "(?:å|aa)", "Æ": "(?:æ|ae)", "Ø": "(?:ø|oe)", "Å": "(?:å|aa)"}


class LexiconError(ValueError):
    """A lexicon file that cannot be used (missing key, bad pattern); says which file and key."""


Pattern = re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The compiled patterns of one language."""

    language: str
    stopwords: frozenset[str]
    backchannel_only: Pattern
    """Full match: a clause made of backchannels only ("ok", "mm", "ja ja")."""
    backchannel_prefix: Pattern
    greeting_prefix: Pattern
    """Match: greetings, thanks and goodbyes at a position ("hej Mette, ", "thanks for coming, ")."""
    connective_prefix: Pattern
    tag_end: Pattern
    """Search: a tag question closing a statement (", ikke?")."""
    tag_reach: Pattern | None
    """Match on a clause read backwards: its last words, as many as a tag can have, and the non-word
    characters before them (where a tag can start at the earliest); None when that is not known."""
    open_start: Pattern
    open_needs_mark: Pattern
    """Match: open-question words that also start statements ("when you …"): open only with "?"."""
    open_phrase: Pattern
    question_split: Pattern
    """Search: ", hvad …" / ", tror du …" — where a statement turns into a question inside one clause."""
    open_in_situ: Pattern
    """Search, in a clause ending in "?": a question word late in the clause ("… for how long?")."""
    closed_start: Pattern
    ruler: Pattern
    """Search in a question clause: a ruler ("på en skala fra 0 til 10"): it asks for a number (closed)."""
    ruler_topics: Mapping[str, Pattern]
    """Importance, confidence, readiness → search: words that name that ruler ("vigtigt", "sikker", "klar")."""
    reflection_start: Pattern
    complex: Mapping[str, Pattern]
    codes: Mapping[Code, Pattern]
    advice: Pattern
    imperatives: Pattern
    """Match at a clause start: advice given as a command."""
    warnings: Pattern
    permission: Pattern
    consent_context: Pattern
    consent_short: Pattern
    consent_max_words: int
    negators: Pattern
    contrast: Pattern
    """Search: "men" / "but" (see `_Reader._pushed_after`)."""
    wh_subject: Pattern
    """Match just after a wh-word: a subject there makes the wh-clause indirect ("hvad du gør")."""
    statement_adverb: Pattern
    """Search in a clause's connectives: they end in an adverb after which the verb comes first in a
    statement ("så er du bange for …"), not in a question."""
    reported: Pattern
    """Search up to where advice or a judgement starts: a frame that makes it the client's own thought or
    something the client was told ("du føler, at du skal …", "du tænker at du er afhængig")."""
    second_person: frozenset[str]
    first_person: frozenset[str]
    mirrored_person: Pattern
    """Search: the second-person words of a phrase ("du", "you're"), to say it back in the first person
    with `first_person_of`."""
    first_person_of: Mapping[str, str]
    """Second-person word → first-person ("du" → "jeg"): how the client said what a reply says back."""
    agreement: Pattern
    """Search: a word that agrees ("ja", "yeah"): a judgement said back after it endorses, not reflects."""
    duty_questions: Pattern
    """Search in the client's line: it asks whether it must ("do I have to tell them?", "skal jeg betale …?")."""
    duty_statements: Pattern
    """Search: a reply saying what the client must ("you have to", "du skal"); after a duty question, a fact."""
    starts: PhraseStarts
    """Where the phrase lists in SCANNED can match in a reply (keys: their YAML keys)."""
    spoken: SpokenSpellings | None = None
    """Words typed as they are spoken, written out before a reply is read; None: the lexicon has none."""


_BEYOND_LATIN1 = re.compile(r"[^\x00-\xff]")


def is_latin1(text: str) -> bool:
    """True when no character of `text` is beyond U+00FF (one scan in C; `max(text)` makes a string of
    every character)."""
    return text.isascii() or _BEYOND_LATIN1.search(text) is None


_UNICODE_CLASSES = frozenset({r"\w", r"\W", r"\d", r"\D", r"\s", r"\S"})
"""The class escapes `latin1_twin` spells out."""
_REGEX_TOKEN = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|.", re.DOTALL)
"""An escape, a character class, or any other character of a regex source."""


def latin1_twin(source: str) -> Pattern:
    """`re.compile(source)` for texts of Latin-1 characters only (see `is_latin1`): there, the same
    matches, found faster.

    Each character class and class escape ("[^\\W_]", "\\w") is spelled out as the Latin-1 characters
    it takes: the regex engine tests those with one bit, where a Unicode class looks up the properties
    of every character (most of the time of the tokenising regexes). Only for sources without flags.
    """
    parts = []
    for token in _REGEX_TOKEN.findall(source):
        if token in _UNICODE_CLASSES or token.startswith("["):
            chars = [chr(code) for code in range(0x100) if re.fullmatch(token, chr(code))]
            if not chars:
                raise ValueError(f"{token!r} takes no Latin-1 character")
            token = "[" + "".join(map(re.escape, chars)) + "]"
        parts.append(token)
    return re.compile("".join(parts))


@dataclass(frozen=True, slots=True)
class Respelt:
    """A text with its spoken spellings written out (`SpokenSpellings.respell`)."""

    text: str
    spans: tuple[tuple[int, int, int, int], ...]
    """Each word written out: its (start, end) in `text`, then its (start, end) as typed."""

    def typed(self, position: int) -> int:
        """Where `position` in `text` lies in the text as typed (inside a written-out word: within that word)."""
        shift = 0
        for start, end, typed_start, typed_end in self.spans:
            if position <= start:
                break
            if position < end:
                return min(typed_start + position - start, typed_end)
            shift = end - typed_end
        return position - shift


@dataclass(frozen=True, slots=True)
class SpokenSpellings:
    """Words typed as they are spoken → the written words ("ska" → "skal", "det'" → "det er").

    A reply is respelt before it is read, so every phrase list reads "ska" as "skal" with no alternative
    of its own. (`spelling_variants` instead widens every phrase with the word, which costs time on every
    reply; a spoken spelling also changes the word's length, so evidence is mapped back with `Respelt`.)
    """

    written: Mapping[str, str]
    """Typed word (case-folded) → the written word or words."""
    pattern: Pattern
    """Search: a typed word, in any text."""
    lower_pattern: Pattern
    """The same, case-sensitive, in a lower-cased Latin-1 text (the same positions; twice as fast)."""

    def respell(self, text: str) -> Respelt | None:
        """`text` with its spoken spellings written out; None when it has none (most replies)."""
        latin1 = is_latin1(text)
        found, scanned = (self.lower_pattern, text.lower()) if latin1 else (self.pattern, text)
        if found.search(scanned) is None:
            return None
        parts: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        typed_at = shift = 0
        for match in found.finditer(scanned):
            typed = text[match.start():match.end()]
            word = self.written[typed.casefold()]
            if typed[0].isupper():
                word = word[0].upper() + word[1:]
            parts += (text[typed_at:match.start()], word)
            start = match.start() + shift
            spans.append((start, start + len(word), match.start(), match.end()))
            shift += len(word) - len(typed)
            typed_at = match.end()
        parts.append(text[typed_at:])
        return Respelt("".join(parts), tuple(spans))


PREFIX_CHARS = 3
"""An entry's first letters (at most this many) name the words it can start at."""
_GAP_WORD = latin1_twin(r"(\W*)(\w+)")
"""(In a Latin-1 text: `positions` reads no other.)"""
_KEYS_CACHE = 20_000
"""Words whose lists are remembered per lexicon (then the memory starts over)."""
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_QUANTIFIERS = ("?", "*", "+", "{")
_WORD_ENDS = frozenset(" ',-")
_ASCII_FIRST = {"æ": "a", "ø": "o", "å": "a"}


@dataclass(frozen=True, slots=True)
class PhraseStarts:
    """Where each phrase list can match in a text: only at a word that starts one of its entries.

    A precheck, not a matcher: the list's regex still decides, but it is tried at those words only
    instead of at every character of the reply (most of the rules' time went to such scans). For the
    lists read along the whole reply (`whole`), a word is kept only when one small regex of all their
    entries that can start there matches (most words that start an entry, "you", "du", start none of
    them here): one try instead of one per list. A list with an entry that starts with no plain letter
    ("\\w+ …") is in `always`: scanned whole.
    """

    by_prefix: Mapping[str, tuple[str, ...]]
    """A first word and a space ("du "), or one to PREFIX_CHARS first letters (lower case) → the keys of
    the lists with an entry starting so."""
    sources: Mapping[str, tuple[str, ...]]
    """The same starts → the regex sources of those entries in the `whole` lists."""
    whole: frozenset[str]
    always: frozenset[str]
    _words: dict[str, tuple[tuple[str, ...], tuple[str, ...], Pattern | None]] = field(
        default_factory=dict, compare=False, repr=False)
    """`_word` of the words seen before: a pure function of the word, so remembering it is safe."""
    _checks: dict[tuple[str, ...], Pattern] = field(default_factory=dict, compare=False, repr=False)

    def positions(self, text: str, latin1: bool | None = None) -> Candidates | None:
        """Per list key, the word starts (ascending) where it may match; None: scan every list whole.

        `latin1`: `is_latin1(text)`, when the caller knows it.
        """
        # Case-insensitive matching equals matching the lower-cased text letter for letter only up to
        # Latin-1 (the Kelvin sign matches "k", "İ" lower-cases to two characters).
        if not (is_latin1(text) if latin1 is None else latin1):
            return None
        found = Candidates()
        known = self._words
        position = 0
        lower = text.lower()  # the same length: Latin-1 letters lower-case one to one
        for gap, word in _GAP_WORD.findall(lower):
            position += len(gap)
            info = known.get(word)
            if info is None:
                info = self._word(word)
            whole, spans, check = info
            if check is not None and check.match(lower, position) is not None:
                spans += whole  # a new tuple only when a `whole` entry starts here (rare)
            for key in spans:
                at = found.get(key)
                if at is None:
                    found[key] = [position]
                else:
                    at.append(position)
            position += len(word)
        return found

    def _word(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...], Pattern | None]:
        """For a word of the text: the `whole` lists and the other lists with an entry that can start
        there, and the regex of those entries of the `whole` lists (remembered)."""
        starts = [word + " ", *(word[:size] for size in range(1, min(len(word), PREFIX_CHARS) + 1))]
        keys: list[str] = []
        sources: list[str] = []
        for start in starts:
            keys.extend(key for key in self.by_prefix.get(start, ()) if key not in keys)
            sources.extend(self.sources.get(start, ()))
        whole = tuple(key for key in keys if key in self.whole)
        spans = tuple(key for key in keys if key not in self.whole)
        check = None
        if whole:
            unique = tuple(sorted(set(sources)))
            check = self._checks.get(unique)
            if check is None:
                # Only whether some entry matches counts, not which: the entries are factored by their
                # letters, and matched case-sensitively in the lower-cased text when that is the same
                # (see `_case_free`): both much faster than trying every entry case-insensitively.
                flags = 0 if all(map(_case_free, unique)) else _FLAGS
                check = self._checks[unique] = re.compile(rf"(?<!\w)(?:{_trie(unique, ordered=False)})(?!\w)", flags)
        if len(self._words) >= _KEYS_CACHE:
            self._words.clear()
        self._words[word] = info = (whole, spans, check)
        return info


_CLASS_ESCAPES = frozenset("sSwWdDbB")
_GROUPS = ("(?:", "(?=", "(?!", "(?<=", "(?<!", "(?P<")


def _case_free(source: str) -> bool:
    """True when regex `source`, matched case-sensitively in a lower-cased Latin-1 text, matches just
    where it matches the text itself case-insensitively.

    So it is for lower-case Latin-1 letters (no other Latin-1 character lower-cases to them, or matches
    them case-insensitively), characters without case, escapes of classes or punctuation, classes of
    such characters, groups and look-arounds; not for a range in a class (case-insensitively "[!-a]"
    also takes "b", by its capital "B"), an escape naming a character ("\\x41"), a back-reference or an
    inline flag.
    """
    chars = iter(enumerate(source))
    class_from = -1  # inside a character class: where its first member is
    for index, char in chars:
        if char == "\\":
            escaped = next(chars, (index, ""))[1]
            if escaped.isalnum() and escaped not in _CLASS_ESCAPES:
                return False
        elif class_from >= 0:
            if char == "]" and index > class_from:
                class_from = -1
            elif char == "-" and index > class_from and source[index + 1:index + 2] != "]":
                return False  # a range
            elif not _lower_only(char):
                return False
        elif char == "[":
            class_from = index + 2 if source.startswith("^", index + 1) else index + 1
        elif char == "(" and source.startswith("(?", index):
            group = next((group for group in _GROUPS if source.startswith(group, index)), None)
            if group is None:
                return False
            close = source.find(">", index) if group == "(?P<" else index + len(group) - 1
            for _ in range(index, close):  # past the group's syntax (and name)
                next(chars, None)
        elif not _lower_only(char):
            return False
    return True


def _lower_only(char: str) -> bool:
    """A lower-case Latin-1 letter or a character without case (see `_case_free`)."""
    return char == char.lower() and (char <= "\xff" or char == char.upper())


def _uncased(source: str) -> bool:
    """True when regex `source` names no character that has case: it matches the same in a text and in
    the text lower-cased."""
    chars = iter(source)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped.isalnum() and escaped not in _CLASS_ESCAPES:
                return False
        elif not char.lower() == char == char.upper():
            return False
    return True


def _lower_twin(pattern: Pattern) -> Pattern:
    """`pattern` for the lower-cased text of a Latin-1 reply (see `lowered`)."""
    if not pattern.flags & re.IGNORECASE:
        if not _uncased(pattern.pattern):
            raise ValueError(f"case-sensitive pattern with letters: {pattern.pattern[:60]!r}")
        return pattern
    if _case_free(pattern.pattern):
        return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)
    return pattern  # case-insensitive matching reads each letter lower-cased anyway


def lowered(lexicon: Lexicon) -> Lexicon:
    """`lexicon` with the patterns to match in the lower-cased text of a reply of Latin-1 characters
    only (see `is_latin1`): there they match just where the lexicon's match in the reply itself (the
    same positions, lower-cased groups), and most are case-sensitive, which the regex engine runs
    faster (with many alternatives, several times faster)."""
    changes: dict[str, Any] = {}
    for item in fields(lexicon):
        value = getattr(lexicon, item.name)
        if isinstance(value, re.Pattern):
            changes[item.name] = _lower_twin(value)
        elif isinstance(value, Mapping) and value and all(isinstance(v, re.Pattern) for v in value.values()):
            changes[item.name] = {key: _lower_twin(pattern) for key, pattern in value.items()}
    return replace(lexicon, **changes)


class Candidates(dict[str, list[int]]):
    """`PhraseStarts.positions`: list key → word starts; a list with none is not in it (and gives [])."""

    def __missing__(self, key: str) -> list[int]:
        return []


def _entry_starts(entry: str, ascii_fallback: bool, whole: bool = True) -> tuple[str, ...]:
    """How every match of `entry` begins: "word " for a first word that is the whole of the text's first
    word ("du skal" → "du "), else its first letters (lower case; several for æøå); () if none are fixed.

    `whole`: the entry ends where `entry` ends (False for a branch of a group: more may follow).
    """
    source = entry.strip().lower() if whole else entry.lower()
    if not source or _top_level_bar(source):
        return ()
    while source.startswith(("(?<!", "(?<=")):  # a lookbehind reads before the match: it starts after it
        close = _closing(source)
        if close < 0:
            return ()
        source = source[close + 1:]
    if source.startswith("(?:"):
        return _group_starts(source, ascii_fallback, whole)
    if source.startswith("\\d"):
        return tuple("0123456789")  # the only decimal digits up to Latin-1 (see PhraseStarts.positions)
    run = ""
    for index, char in enumerate(source):
        following = source[index + 1:index + 2]
        if char in _PLAIN and following not in _QUANTIFIERS:
            run += char
            continue
        if run and char in _WORD_ENDS and following not in _QUANTIFIERS:
            return (run + " ",)  # a plain space, apostrophe, comma or hyphen ends the text's word too
        break
    else:
        if run and whole:
            return (run + " ",)  # a one-word entry: the whole-word boundary ends the text's word
    if run:
        return (run[:PREFIX_CHARS],)
    first = source[:1]
    if first in _ASCII_FIRST and source[1:2] not in _QUANTIFIERS:
        return (first, _ASCII_FIRST[first]) if ascii_fallback else (first,)
    return ()


def _group_starts(source: str, ascii_fallback: bool, whole: bool) -> tuple[str, ...]:
    """`_entry_starts` of an entry opening with "(?:a|b)": the starts of each branch, and of what
    follows when the group is optional ("(?:rigtig )?mange")."""
    close = _closing(source)
    if close < 0:
        return ()
    branches = _split_bars(source[3:close])
    starts: list[str] = []
    for branch in branches:
        found = _entry_starts(branch, ascii_fallback, whole=False)
        if not found:
            return ()
        starts.extend(found)
    rest = source[close + 1:]
    if rest[:1] in ("?", "*", "{"):  # the group may be absent: what follows can start the match
        rest = rest[rest.index("}") + 1:] if rest[:1] == "{" and "}" in rest else rest[1:]
        if rest[:1] in ("?", "+"):
            rest = rest[1:]
        found = _entry_starts(rest, ascii_fallback, whole)
        if not found:
            return ()
        starts.extend(found)
    return tuple(dict.fromkeys(starts))


_BRANCHES = 64
"""At most this many branches per entry (`_branches`)."""


def _branches(entry: str) -> list[str]:
    """`entry` as the alternatives it is made of, for the check of where it can start: the groups in
    its first two words, each branch in the group's place ("(?:du|man) skal" → "du skal", "man skal";
    "du (?:ikke )?skal" → "du ikke skal", "du skal"). Together they match where `entry` matches.

    When the first two words make more than `_BRANCHES` branches, only the groups in the first word are
    split; `[entry]` when there is no such group, or even the first word makes too many.
    """
    source = entry.strip()
    if "(?P" in source:
        return [source]  # a named group cannot be written twice in one regex
    for spaces in (1, 0):
        found = _branches_up_to(source, spaces)
        if found is not None:
            return found
    return [source]


def _branches_up_to(source: str, spaces: int) -> list[str] | None:
    """`_branches` of the groups that at most `spaces` spaces come before; None: too many."""
    found: list[str] = []
    pending = _split_bars(source) if _top_level_bar(source) else [source]
    while pending:
        item = pending.pop(0)
        opening = _opening_group(item)
        if opening is None or item.count(" ", 0, opening[0]) > spaces:
            found.append(item)
            continue
        start, close = opening
        head, branches, rest = item[:start], _split_bars(item[start + 3:close]), item[close + 1:]
        if rest[:1] in ("*", "+", "{") or rest[:2] in ("??", "?+"):
            found.append(item)
        elif rest[:1] == "?":  # an optional group: with it, or without it
            pending[:0] = [*(head + branch + rest[1:] for branch in branches), head + rest[1:]]
        else:
            pending[:0] = [head + branch + rest for branch in branches]
        if len(found) + len(pending) > _BRANCHES:
            return None
    # (A branch that starts or ends with a space would be read differently as an entry of its own.)
    return found if all(branch and branch == branch.strip() for branch in found) else [source]


def _opening_group(source: str) -> tuple[int, int] | None:
    """(where it opens, where it closes) of the first "(?:…)" in `source` when only plain words come
    before it; else None."""
    start = source.find("(?:")
    if start < 0 or not all(char in _PLAIN or char in _WORD_ENDS for char in source[:start]):
        return None
    close = _closing(source, start)
    return None if close < 0 else (start, close)


def _closing(source: str, start: int = 0) -> int:
    """Where the group that opens at `source[start]` closes; -1 if it does not."""
    return next((start + index for index, char, depth in _syntax(source[start:]) if char == ")" and depth == 0), -1)


def _split_bars(source: str) -> list[str]:
    """`source` cut at its top-level "|"."""
    cuts = [index for index, char, depth in _syntax(source) if char == "|" and depth == 0]
    return [source[begin + 1:end] for begin, end in zip([-1, *cuts], [*cuts, len(source)], strict=True)]


def _syntax(source: str) -> Iterator[tuple[int, str, int]]:
    """The characters of regex `source` that are syntax, not escaped and not inside a character
    class: (index, character, group depth after it)."""
    depth, escaped, in_class = 0, False, False
    for index, char in enumerate(source):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            depth += (char == "(") - (char == ")")
            yield index, char, depth


def _phrase_starts(lists: Mapping[str, Sequence[str]], whole: frozenset[str], ascii_fallback: bool) -> PhraseStarts:
    by_prefix: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    always: set[str] = set()
    for key, entries in lists.items():
        for entry in entries:
            if not entry.strip():
                continue
            prefixes = _entry_starts(entry, ascii_fallback)
            if not prefixes:
                always.add(key)
            for prefix in prefixes:
                keys = by_prefix.setdefault(prefix, [])
                if key not in keys:
                    keys.append(key)
            if key in whole:
                # Each branch under its own starts: the check at a word tries only the branches that can
                # start there ("you" need not try "ur …" or "u're …"; most words start no entry at all).
                for branch in _branches(entry):
                    for prefix in _entry_starts(branch, ascii_fallback) or prefixes:
                        sources.setdefault(prefix, []).append(_entry_regex(branch, ascii_fallback))
    return PhraseStarts({prefix: tuple(keys) for prefix, keys in by_prefix.items()},
                        {prefix: tuple(items) for prefix, items in sources.items()}, whole, frozenset(always))


def _entry_regex(entry: str, ascii_fallback: bool) -> str:
    """One lexicon entry as regex source: spaces match any white space, æøå also their ASCII forms."""
    source = entry.strip().replace(" ?", r"\s*").replace(" ", r"\s+")
    if ascii_fallback:
        source = "".join(_ASCII_FALLBACK.get(char, char) for char in source)
    return source


def _alternation(entries: Sequence[str], ascii_fallback: bool) -> str:
    # Longest entries first: regex alternation takes the first branch that matches, and the longest
    # phrase is the better evidence ("det er dit valg" rather than "dit valg").
    ordered = sorted({entry.strip() for entry in entries if entry.strip()}, key=lambda e: (-len(e), e))
    if not ordered:
        return "(?!)"  # matches nothing
    return _factored([_entry_regex(entry, ascii_fallback) for entry in ordered])


def _top_level_bar(source: str) -> bool:
    """True when `source` has a "|" outside any group or class (it cannot be factored)."""
    return "|" in source and any(char == "|" and depth == 0 for _, char, depth in _syntax(source))


def _factored(sources: Sequence[str]) -> str:
    """The alternation of `sources`, those starting with the same plain letter grouped under it.

    Same matches, but much faster: with IGNORECASE the regex engine enters every alternative at every
    word start; grouped, it tests one letter per group ("d(?:u skal|u bør|et er)|h(?:vad|vordan)").
    Order is kept inside a group (longest first); a group sits where its first entry was.
    """
    groups: dict[str, list[str]] = {}
    items: list[str] = []
    for source in sources:
        first = source[:1]
        if first.isalpha() and first.isascii() and source[1:2] not in ("?", "*", "+", "{") \
                and not _top_level_bar(source):
            key = first.casefold()
            if key not in groups:
                groups[key] = []
                items.append("\0" + key)
            groups[key].append(source[1:])
        else:
            items.append(source)
    parts = []
    for item in items:
        if item.startswith("\0"):
            key = item[1:]
            rests = groups[key]
            parts.append(key + (f"(?:{_trie(rests)})" if len(rests) > 1 or rests[0] else ""))
        else:
            parts.append(item)
    return "|".join(parts)


_UNCASED_LITERALS = frozenset("',-0123456789")
"""Characters that match only themselves in a regex (outside a class), in any case."""


def _next_key(source: str) -> tuple[str, str] | None:
    """(what `source` must match first, the rest) when that is one plain letter (or apostrophe, hyphen,
    comma or digit) or a white-space run before a letter; None otherwise (then `source` is not factored
    further)."""
    if not source or _top_level_bar(source):
        return None
    first = source[0]
    if (first in _UNCASED_LITERALS or (first.isascii() and first.isalpha())) and source[1:2] not in _QUANTIFIERS:
        return first.casefold(), source[1:]
    letter = source[3:4]
    if source.startswith(r"\s+") and letter.isascii() and letter.isalpha() and source[4:5] not in _QUANTIFIERS:
        return r"\s+", source[3:]
    return None


def _trie(sources: Sequence[str], ordered: bool = True) -> str:
    """The alternation of `sources`, factored letter by letter ("u\\s+er|u\\s+skal" → "u\\s+(?:er|skal)"):
    the same matches, found with far fewer tries.

    Alternatives that start with a plain letter, or a white-space run before one, are grouped by that
    key: keys exclude each other (no text character matches two), so the first alternative that
    matches is the same as before, and "\\s+" before a letter can only take the whole run of space.
    Order is kept inside each key, and no alternative moves past one that has no key.

    `ordered=False`: only whether some alternative matches counts, not which: the alternatives with no
    key go last, and every key is one group.
    """
    if len(sources) < 2:
        return "|".join(sources)
    parts: list[str] = []
    last: list[str] = []
    groups: dict[str, list[str]] = {}
    for source in sources:
        item = _next_key(source)
        if item is None and ordered:
            parts.extend(_grouped(groups, ordered))
            groups = {}
            parts.append(source)
        elif item is None:
            last.append(source)
        else:
            groups.setdefault(item[0], []).append(item[1])
    parts.extend(_grouped(groups, ordered))
    return "|".join([*parts, *last])


def _grouped(groups: Mapping[str, Sequence[str]], ordered: bool) -> list[str]:
    return [key + (f"(?:{_trie(rests, ordered)})" if len(rests) > 1 else rests[0]) for key, rests in groups.items()]


def _tag_reach(entries: Sequence[str]) -> Pattern | None:
    """`Lexicon.tag_reach` for these tags: how many runs of word characters a tag can span, at most."""
    runs = 0
    for entry in entries:
        source = entry.lower()
        if any(char in source for char in ".[\\"):
            return None  # a wildcard, a class or an escape: the count below would not bound it
        runs = max(runs, len(re.findall(r"\w+", source)))  # every word of every branch: an upper bound
    if runs == 0:
        return None
    return re.compile(rf"(?:\W*\w+){{1,{runs}}}\W*")


def _words(entries: Sequence[str], ascii_fallback: bool) -> str:
    return rf"(?<!\w)(?:{_alternation(entries, ascii_fallback)})(?!\w)"


class _Reader:
    """Reads keys of one lexicon file, naming the file and key in every error."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        self.ascii_fallback = bool(data.get("ascii_fallback", False))
        self.entries: dict[str, list[str]] = {}
        """The entries of every list compiled by `words`, by key."""
        self.spelling = self._spelling(data.get("spelling_variants", {}))

    def _spelling(self, value: object) -> tuple[Pattern, dict[str, str]] | None:
        """`spelling_variants` (a word → the other ways learners type it) as a whole-word pattern and the
        alternation each word becomes in every phrase ("ikke" → "(?:ikke|ikk|ik)")."""
        if not isinstance(value, Mapping) or not all(
                _is_word(word) and isinstance(variants, list) and all(map(_is_word, variants))
                for word, variants in value.items()):
            raise self.fail("spelling_variants", "expected a mapping of a word to a list of words")
        if not value:
            return None
        words = {word.lower(): "(?:" + "|".join(map(re.escape, [word.lower(), *variants])) + ")"
                 for word, variants in value.items()}
        # Not before an apostrophe: "you" in "you're" is not the word "you" ("you're" has its own variants).
        return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?![\w'])"), words

    def fail(self, key: str, message: str) -> LexiconError:
        return LexiconError(f"{self.source}: {key}: {message}")

    def strings(self, key: str, data: Mapping[str, Any] | None = None, spelled: bool = True) -> list[str]:
        """The list at `key`; `spelled`: with every word of `spelling_variants` matching its variants too."""
        value = (self.data if data is None else data).get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, "expected a list of strings")
        if not spelled or self.spelling is None:
            return [str(item) for item in value]
        pattern, words = self.spelling
        return [pattern.sub(lambda match: words[match.group(1).lower()], str(item)) for item in value]

    def compile(self, key: str, source: str) -> Pattern:
        try:
            return re.compile(source, _FLAGS)
        except re.error as error:
            raise self.fail(key, f"bad pattern: {error}") from error

    def words(self, key: str, data: Mapping[str, Any] | None = None) -> Pattern:
        entries = self.strings(key, data)
        self.entries[key] = entries
        return self.compile(key, _words(entries, self.ascii_fallback))

    def prefix(self, key: str) -> Pattern:
        """Match (at a position) a run of these words, each followed by punctuation or space."""
        body = self.alternation(key)
        return self.compile(key, rf"(?:(?:{body})(?!\w){_PUNCT_RUN})+")

    def alternation(self, key: str) -> str:
        """The list at `key` as one regex alternation (longest entries first)."""
        return _alternation(self.strings(key), self.ascii_fallback)

    def word_mapping(self, key: str, what: str) -> dict[str, str]:
        """The optional mapping at `key` of words to words ("ska": "skal", "you are": "i am"), case-folded and
        one space between words (`what` names them in the error)."""
        value = self.data.get(key, {})
        if not isinstance(value, Mapping) or not all(map(_are_words, value.items())):
            raise self.fail(key, f"expected a mapping of {what}")
        mapping = {_spaced(word): _spaced(other) for word, other in value.items()}
        if len(mapping) < len(value):
            raise self.fail(key, "a word is listed twice (in other capitals)")
        same = sorted(word for word, other in mapping.items() if word == other)
        if same:
            raise self.fail(key, f"mapped to itself: {', '.join(same)}")
        return mapping

    def word_set(self, key: str) -> frozenset[str]:
        return frozenset(word.casefold() for word in self.strings(key, spelled=False))


def _spaced(words: str) -> str:
    """`words` case-folded, with one space between them."""
    return " ".join(words.casefold().split())


def _are_words(values: Iterable[object]) -> bool:
    """True when every value is a string of one or more words as `_is_word` takes them."""
    return all(isinstance(value, str) and value.split() and all(map(_is_word, value.split())) for value in values)


def _is_word(value: object) -> bool:
    """A word as `spelling_variants` takes it: letters, and apostrophes inside ("don't", "you're")."""
    return isinstance(value, str) and value.replace("'", "").isalpha() and not value.startswith("'")


def code_phrases(data: Mapping[str, Any]) -> dict[str, Any]:
    """The phrase list of each code in a lexicon's data (`codes`, by code name, unchecked): `other` also
    holds the greetings, thanks and goodbyes, small talk wherever they stand (listed once, under "greetings")."""
    codes_data = data.get("codes")
    codes_data = codes_data if isinstance(codes_data, Mapping) else {}
    phrases = {code.value: codes_data.get(code.value) for code in LEXICON_CODES}
    other, greetings = phrases[Code.OTHER.value], data.get("greetings")
    if isinstance(other, list) and isinstance(greetings, list):
        phrases[Code.OTHER.value] = [*other, *greetings]
    return phrases


def parse_lexicon(data: Mapping[str, Any], source: str) -> Lexicon:
    """Compile a lexicon from its parsed YAML (raises LexiconError naming the bad key)."""
    if not isinstance(data, Mapping):
        raise LexiconError(f"{source}: expected a mapping at the top level")
    read = _Reader(data, source)
    language = data.get("language")
    if language not in LANGUAGES:
        raise read.fail("language", f"expected one of {', '.join(LANGUAGES)}")
    fallback = read.ascii_fallback
    greetings = read.strings("greetings")
    backchannels = _alternation([*read.strings("backchannels"), *greetings], fallback)
    tags = read.alternation("tags")
    wh = read.alternation("wh_words")
    consent_short = read.alternation("consent_short")
    closed = "|".join(f"(?:{_entry_regex(entry, fallback)})" for entry in read.strings("closed_question_starts"))

    complex_data = data.get("complex")
    if not isinstance(complex_data, Mapping):
        raise read.fail("complex", "expected a mapping of ambivalence, feeling, meaning")
    complex_patterns = {kind: read.words(f"complex.{kind}", {f"complex.{kind}": complex_data.get(kind)})
                        for kind in COMPLEX_KINDS}

    topics_data = data.get("ruler_topics")
    if not isinstance(topics_data, Mapping) or set(topics_data) != set(RULER_TOPICS):
        raise read.fail("ruler_topics", f"expected a mapping of {', '.join(RULER_TOPICS)} to phrases")
    ruler_topics = {topic: read.words(f"ruler_topics.{topic}", {f"ruler_topics.{topic}": topics_data[topic]})
                    for topic in RULER_TOPICS}

    codes_data = data.get("codes")
    if not isinstance(codes_data, Mapping):
        raise read.fail("codes", "expected a mapping from code to phrases")
    unknown = sorted(set(codes_data) - {code.value for code in LEXICON_CODES} - {"advice"})
    if unknown:
        raise read.fail("codes", f"unknown code(s): {', '.join(map(str, unknown))}")
    phrases = code_phrases(data)
    codes = {code: read.words(f"codes.{code.value}", {f"codes.{code.value}": phrases[code.value]})
             for code in LEXICON_CODES}
    advice = read.words("codes.advice", {"codes.advice": codes_data.get("advice")})

    first_person_of = read.word_mapping("mirrored_person", "second-person words to first-person words")
    if not first_person_of:
        raise read.fail("mirrored_person", "expected a mapping of second-person words to first-person words")

    max_words = data.get("consent_max_words", 5)
    if not isinstance(max_words, int) or max_words < 1:
        raise read.fail("consent_max_words", "expected a positive whole number")

    return Lexicon(
        language=str(language),
        stopwords=read.word_set("stopwords"),
        backchannel_only=read.compile("backchannels", rf"{_PUNCT_RUN}(?:(?:{backchannels})(?!\w){_PUNCT_RUN})+"),
        backchannel_prefix=read.compile("backchannels", rf"(?:(?:{backchannels})(?!\w){_PUNCT_RUN})+"),
        greeting_prefix=read.prefix("greetings"),
        connective_prefix=read.prefix("connectives"),
        tag_end=read.compile("tags", rf"(?:(?P<comma>,)\s*|\s+|(?<!\S))(?:{tags})(?!\w)[\s?.!]*$"),
        tag_reach=_tag_reach(read.strings("tags")),
        open_start=read.words("open_question_starts"),
        open_needs_mark=read.words("open_starts_needing_mark"),
        open_phrase=read.words("open_question_phrases"),
        question_split=read.compile(
            "wh_words", rf",\s*(?:(?:og|and|men|but|så|so)\s+)?(?=(?:{wh})(?!\w)|(?:{closed})(?!\w))"),
        open_in_situ=read.words("open_in_situ"),
        closed_start=read.compile("closed_question_starts", rf"(?:{closed})(?!\w)"),
        ruler=read.words("ruler_questions"),
        ruler_topics=ruler_topics,
        reflection_start=read.words("reflection_starts"),
        complex=complex_patterns,
        codes=codes,
        advice=advice,
        imperatives=read.words("imperatives"),
        warnings=read.words("warnings"),
        permission=read.words("permission_markers"),
        consent_context=read.words("consent_context"),
        consent_short=read.compile("consent_short", rf"\W*(?:{consent_short})(?!\w)"),
        consent_max_words=max_words,
        negators=read.words("negators"),
        contrast=read.words("contrast"),
        wh_subject=read.compile("wh_subjects", rf"\s+(?:{read.alternation('wh_subjects')})(?!\w)"),
        statement_adverb=read.compile("statement_adverbs", rf"(?<!\w)(?:{read.alternation('statement_adverbs')})\s+$"),
        reported=read.compile("reported_frames", rf"(?<!\w)(?:{read.alternation('reported_frames')})[\s,]*$"),
        second_person=read.word_set("second_person"),
        first_person=read.word_set("first_person"),
        mirrored_person=read.compile("mirrored_person", _whole_words(first_person_of)),
        first_person_of=first_person_of,
        agreement=read.words("agreement"),
        duty_questions=read.words("duty_questions"),
        duty_statements=read.words("duty_statements"),
        starts=_phrase_starts({key: read.entries[key] for key in SCANNED}, WHOLE_REPLY, fallback),
        spoken=_spoken_spellings(read),
    )


def _spoken_spellings(read: _Reader) -> SpokenSpellings | None:
    """`spoken_spellings` (optional): a typed word → the written word or words."""
    written = read.word_mapping("spoken_spellings", "a typed word to the written word(s)")
    if not written:
        return None
    found = _whole_words(written)
    return SpokenSpellings(written, read.compile("spoken_spellings", found), latin1_twin(found))


def _whole_words(words: Iterable[str]) -> str:
    """A regex of `words` (each may hold an apostrophe) as whole words, the longest first."""
    return rf"(?<![\w'])(?:{_trie([re.escape(word) for word in sorted(words, key=len, reverse=True)])})(?![\w'])"


class _WordLoader(yaml.SafeLoader):
    """Safe loader that reads yes/no/on/off as words: lexicons list "ja", "nej", "yes", "no"."""


# YAML 1.1 turns yes/no/on/off into booleans; here only true/false are booleans.
_WordLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_WordLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def parse_yaml(text: str) -> Any:
    """Parse lexicon YAML: safe loader, yes/no/on/off kept as strings."""
    return yaml.load(text, Loader=_WordLoader)


def read_data_file(name: str) -> Any:
    """A YAML file shipped in `bot/coder/lexicons/`."""
    return parse_yaml(resources.files("bot.coder.lexicons").joinpath(name).read_text(encoding="utf-8"))


@cache
def load_lexicon(language: str) -> Lexicon:
    """The shipped lexicon of `language` ("da" or "en"), compiled once per process."""
    if language not in LANGUAGES:
        raise ValueError(f"no lexicon for language {language!r}; expected one of {', '.join(LANGUAGES)}")
    name = f"{language}.yaml"
    return parse_lexicon(read_data_file(name), f"bot/coder/lexicons/{name}")
