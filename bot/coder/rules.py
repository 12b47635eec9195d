"""The rules of the MI coder: from a reply (and the client's last line) to rule hits and features.

Two steps, kept apart so a trained model can reuse the first:

1. `analyse(text, context, lexicon)` cuts the reply into clauses (sentences, dash-separated parts,
   a statement and the question that follows it after a comma), reads each clause's form (open /
   closed / declarative question, tag question, reflection opener, overlap with the client's line)
   and the lexicon phrases found in it, and gives every clause one *act*. The result, `Analysis`,
   holds the codes present with their evidence (`hits`), the clauses, and numeric `features`.
2. `decide(analysis)` picks the primary code. The rule (what a supervisor codes first):
   a. MI-inconsistent behaviour wins wherever it is: confront, then persuade. A lecture with a
      question mark is still a lecture.
   b. Advice given with permission (persuade_with_permission) comes next: it is what the learner did.
   c. Otherwise, when the reply *ends* in a question (open, closed, asking permission, or a
      collaboration question), that question is primary: it is what the client answers — unless
      reflections before it are long (≥ LONG_REFLECTION_WORDS words), which makes the question a
      check-in tacked onto a reflection, and the reflection primary.
   d. Otherwise the most specific code present, in PRIORITY order.
   The other codes follow the primary in order of appearance.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.coded_reply import Evidence
from bot.coder.lexicon import COMPLEX_KINDS, Candidates, Lexicon, Respelt, is_latin1, latin1_twin, lowered
from state_machines.codes import REFLECTIONS, Code

MAX_TEXT_CHARS = 2000
"""Only the start of a longer reply is analysed (the practice session refuses longer ones anyway)."""
MAX_CONTEXT_CHARS = 1000
LONG_REFLECTION_WORDS = 25
"""Reflection words before a final question from which the reflection, not the question, is primary."""
COMPLEX_REFLECTION_WORDS = 25
"""A reflection this long nearly always adds meaning: MITI coders call it complex."""
STATEMENT_INFO_WORDS = 8
"""A neutral statement (not about the client, no reflection) this long is giving information."""
_FEELING_WORDS = 3
"""A statement this short that names a feeling reflects it."""
_GREETING_REST_WORDS = 2
"""Words a personal clause may hold besides its greetings and thanks and still be one."""
EVIDENCE_MAX_CHARS = 80
PERSONAL_WINDOW = 8
"""A clause with "du"/"you" among its first words is about the client."""

PRIORITY: tuple[Code, ...] = (
    Code.CONFRONT,
    Code.PERSUADE,
    Code.PERSUADE_WITH_PERMISSION,
    Code.ASK_PERMISSION,
    Code.SEEK_COLLABORATION,
    Code.EMPHASIZE_AUTONOMY,
    Code.AFFIRM,
    Code.COMPLEX_REFLECTION,
    Code.SIMPLE_REFLECTION,
    Code.GIVING_INFORMATION,
    Code.OPEN_QUESTION,
    Code.CLOSED_QUESTION,
    Code.OTHER,
)
"""Most salient first; used for step d of `decide` and to pick each clause's act."""
_RANK = {code: rank for rank, code in enumerate(PRIORITY)}
_QUESTION_ACTS = frozenset({Code.OPEN_QUESTION, Code.CLOSED_QUESTION, Code.ASK_PERMISSION})
_NEGATABLE = frozenset({Code.AFFIRM, Code.EMPHASIZE_AUTONOMY})

# Read every text through one length-preserving table, so a match in the normalised text is also the
# exact evidence substring of the original (same offsets): control characters, zero-width and
# direction marks become spaces, typographic quotes and dashes their plain forms.
_TABLE: dict[int, str] = {code: " " for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)]}
_TABLE.update({ord("\n"): "\n", ord("\r"): "\n", 0x85: "\n", 0x2028: "\n", 0x2029: "\n"})
# Lone surrogates (from JSON "\ud800") are noise too.
_INVISIBLE = [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF, 0xA0,
              *range(0xD800, 0xE000)]
_TABLE.update({code: " " for code in _INVISIBLE})
_TABLE.update({ord(c): "'" for c in "’‘´`ʼ"})
_TABLE.update({ord(c): '"' for c in "“”„«»"})
_TABLE.update({ord(c): "-" for c in "–—‒―−"})
_TABLE.update({ord("？"): "?", ord("！"): "!", ord("¿"): " ", ord("¡"): " ", ord("。"): ".", ord("，"): ","})

# The characters `_TABLE` changes: most texts have none of them, and then need no translating (which
# looks up every character of a non-ASCII text in the table, one by one).
_CHANGED = re.compile("[" + "".join(re.escape(chr(code)) for code, char in sorted(_TABLE.items())
                                    if char != chr(code)) + "]")


class _Regexes(NamedTuple):
    """The regexes that read a reply character by character: as written, for any text, or their Latin-1
    twins (`latin1_twin`: the same matches in a text of Latin-1 characters only, found faster)."""

    word: re.Pattern[str]
    has_word: re.Pattern[str]
    digit: re.Pattern[str]
    leading_noise: re.Pattern[str]
    boundary: re.Pattern[str]
    """Where one clause ends and the next begins."""


def _led_by_each(first: str, rest: str) -> list[str]:
    """The alternatives `first` + `rest` for each Latin-1 character that the class `first` takes."""
    return [re.escape(char) + rest for char in map(chr, range(0x100)) if re.fullmatch(first, char)]


_SOURCES = (r"[^\W_]+(?:'[^\W_]+)?", r"[^\W_]", r"\d", r"(?:[^\w\[]+|\[[^\]]{0,40}\])+",
            r"[.!?…]+|[;\n]|:\s|\s-+\s|-{2,}")
"""Of `_Regexes`, in its order."""
_ANY_TEXT = _Regexes(*map(re.compile, _SOURCES))
# The boundary's Latin-1 twin has every alternative led by one character, in the same order ("[;\n]" before
# "\n-+\s"): the same matches, but the regex engine can skip to the characters that start one, where it
# tries all the alternatives at every position of the reply.
_LED_BOUNDARY = "|".join([*_led_by_each(r"[.!?…]", r"[.!?…]*"), *_led_by_each(r"[;\n]", ""), r":\s",
                          *_led_by_each(r"\s", r"-+\s"), "--+"])
_LATIN1 = _Regexes(*map(latin1_twin, (*_SOURCES[:-1], _LED_BOUNDARY)))
_WORD = _ANY_TEXT.word


def _regexes(text: str) -> _Regexes:
    """The regexes to read `text` (and parts of it) with."""
    return _LATIN1 if is_latin1(text) else _ANY_TEXT


def normalise(text: str) -> str:
    """`text` with the same length, read-friendly: see `_TABLE`."""
    return text.translate(_TABLE) if _CHANGED.search(text) else text


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of the reply and the act it was coded as."""

    start: int
    end: int
    question_mark: bool
    words: int
    act: Code


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the rules see in one reply: codes with evidence, clauses, and features for a model."""

    text: str
    """The analysed part of the reply (at most MAX_TEXT_CHARS characters)."""
    lang: str
    clauses: tuple[Clause, ...]
    hits: Mapping[Code, tuple[Evidence, ...]]
    """Every code present, in order of first appearance; evidence may be empty (a fallback)."""
    features: Mapping[str, float]
    norm: str = field(default="", compare=False, repr=False)
    """`normalise(text)` with spoken spellings written out (the clauses' positions are in it), kept so the
    model does not redo it ("" when not kept)."""
    context: str | None = field(default=None, compare=False, repr=False)
    """The client's line the reply was read against, and below its normalised start (for the model)."""
    context_norm: str = field(default="", compare=False, repr=False)
    lead: int = 0
    """Where the reply's words start in `norm` after a greeting, thanks or goodbye that more words follow
    ("hej Mette, hvad bringer dig her"): the model reads its words from there (data/coder/README.md,
    rule 2: the act after a greeting codes the reply); 0 when there is none."""


def clauses_after(clauses: Sequence[Clause], lead: int) -> Sequence[Clause]:
    """The clauses that reach past `lead` (`Analysis.lead`): those the reply's words are in."""
    return [clause for clause in clauses if clause.end > lead] if lead else clauses


@dataclass(slots=True)
class _Builder:
    """Collects codes and evidence while the clauses are read, in order of appearance."""

    original: str
    respelt: Respelt | None = None
    """The reply as read, when spoken spellings were written out in it: positions are mapped back."""
    hits: dict[Code, list[Evidence]] = field(default_factory=dict)

    def add(self, code: Code, start: int | None = None, end: int | None = None) -> None:
        items = self.hits.setdefault(code, [])
        if start is None or end is None:
            return
        if self.respelt is not None:
            start, end = self.respelt.typed(start), self.respelt.typed(end)
        text = self.original[start:end].strip()
        if len(text) > EVIDENCE_MAX_CHARS:
            text = text[:EVIDENCE_MAX_CHARS].rstrip()
        if text and all(item.text != text for item in items):
            items.append(Evidence(code, text))


def _folded_words(text: str, latin1: bool | None = None) -> list[str]:
    """The words of `text`, case-folded. `latin1`: `is_latin1(text)`, when the caller knows it."""
    if is_latin1(text) if latin1 is None else latin1:
        # Up to Latin-1, case folding keeps letters letters and everything else as it is, so folding the
        # whole text first gives the same words (one C call instead of one per word). It stays Latin-1
        # but for "µ", which folds to the Greek "μ".
        return (_ANY_TEXT if "µ" in text else _LATIN1).word.findall(text.casefold())
    return [word.casefold() for word in _WORD.findall(text)]


def _keys(text: str, stopwords: frozenset[str], words: list[str] | None = None,
          latin1: bool | None = None) -> list[str]:
    """Content words of `text` as comparable keys: no stopwords, cut to five letters (a crude stem).

    `words`: `_folded_words(text)` when the caller has them; `latin1`: see `_folded_words`.
    """
    folded = _folded_words(text, latin1) if words is None else words
    return [word[:5] for word in folded if word not in stopwords and len(word) >= 2]


def _spans(norm: str, lexicon: Lexicon, rx: _Regexes | None = None) -> list[tuple[int, int, bool]]:
    """Clauses as (start, end, asks), trimmed, without the ones holding no word. `asks`: the clause ends
    with "?", or it is a direct wh-question split off a statement typed without one (it is read as if
    marked, features too).

    `rx`: `_regexes(norm)`, when the caller has them.
    """
    rx = rx or _regexes(norm)
    has_word = rx.has_word
    raw: list[tuple[int, int, bool]] = []
    position = 0
    for boundary in rx.boundary.finditer(norm):
        raw.append((position, boundary.start(), "?" in boundary.group()))
        position = boundary.end()
    raw.append((position, len(norm), False))
    spans: list[tuple[int, int, bool]] = []
    for start, end, question in raw:
        segment = norm[start:end]
        if not has_word.search(segment):
            continue
        start += len(segment) - len(segment.lstrip())
        end -= len(segment) - len(segment.rstrip())
        # "Statement, hvad tænker du om det?": the statement and the question are two acts.
        # A tag ("…, is that right?") is not such a question: it checks the statement.
        tagged = question and _tag(norm, start, end, lexicon)
        if question:
            split = _marked_question_split(norm, start, end, lexicon) if not tagged else None
        else:  # typed without "?": only a direct wh-question splits off ("det er svært, hvad gør dig nervøs")
            split = _unmarked_question_split(norm, start, end, lexicon)
        if split is not None and has_word.search(norm, start, split.start()) and not _asks(norm, start, end, lexicon,
                                                                                           question):
            spans.append((start, split.start(), False))
            spans.append((split.end(), end, True))
        else:
            spans.append((start, end, question))
    return spans


def _marked_question_split(norm: str, start: int, end: int, lexicon: Lexicon) -> re.Match[str] | None:
    """Where a clause typed with "?" turns into a question ("…, hvad tænker du om det?"), or None.

    Not before a verb that a statement adverb put first: "det er hårdt, så er du træt?" is one statement.
    """
    at = start + 1
    while (split := lexicon.question_split.search(norm, at, end)) is not None:
        if not _states(norm, split.start(), split.end(), lexicon) or lexicon.open_start.match(norm, split.end(), end):
            return split
        at = split.end()
    return None


def _states(norm: str, start: int, rest: int, lexicon: Lexicon) -> bool:
    """True when the backchannels and connectives in `norm[start:rest]` end in a statement adverb: a verb
    first after them states, it does not ask ("så er du bange for at miste den", "selvfølgelig er du træt")."""
    return rest > start and lexicon.statement_adverb.search(norm, start, rest) is not None


def _unmarked_question_split(norm: str, start: int, end: int, lexicon: Lexicon) -> re.Match[str] | None:
    """Where a statement turns into a wh-question in a clause without "?", or None.

    Only a direct question counts: the verb straight after the wh-word ("…, hvad gør dig så nervøs").
    With the subject there ("…, hvad du gør", "…, how much you drink") it is an indirect question
    inside the statement; a yes/no question is not split off (Danish puts the verb first in a
    statement after a "når"-clause too: "når du kommer hjem, er du træt").
    """
    split = lexicon.question_split.search(norm, start + 1, end)
    if split is None:
        return None
    at = split.end()
    opener = lexicon.open_start.match(norm, at, end)
    if opener is None or lexicon.open_needs_mark.match(norm, at, end) or lexicon.wh_subject.match(
            norm, opener.end(), end):
        return None
    return split


def _tag(norm: str, start: int, end: int, lexicon: Lexicon) -> re.Match[str] | None:
    """`lexicon.tag_end.search(norm, start, end)`, begun where a tag can begin at the earliest.

    A tag closes the clause, so it spans at most its last few runs of word characters: the search
    skips the positions before them (no match can start there), which on a long clause is most.
    """
    reach = lexicon.tag_reach
    if reach is not None:
        tail = reach.match(norm[start:end][::-1])
        if tail is not None:
            start = max(start, end - tail.end())
    return lexicon.tag_end.search(norm, start, end)


def _asks(norm: str, start: int, end: int, lexicon: Lexicon, marked: bool = True) -> bool:
    """True when the clause opens with a question ("Må jeg fortælle, hvad …"): a later ", hvad" is indirect.

    `marked`: the clause ends in "?"; without it, a start that asks only with "?" ("when you …") does not.
    """
    prefix = lexicon.connective_prefix.match(norm, start, end)
    rest = prefix.end() if prefix else start
    if not marked and lexicon.open_needs_mark.match(norm, rest, end):
        return False
    starts = (lexicon.open_start, lexicon.codes[Code.ASK_PERMISSION], lexicon.codes[Code.SEEK_COLLABORATION])
    if any(pattern.match(norm, rest, end) for pattern in starts):
        return True
    return not _states(norm, start, rest, lexicon) and lexicon.closed_start.match(norm, rest, end) is not None


_CODE_KEYS = {code: f"codes.{code.value}" for code in Code}


def _scan(pattern: re.Pattern[str], text: str, where: Mapping[str, list[int]] | None, always: frozenset[str],
          key: str, start: int = 0, end: int | None = None) -> list[re.Match[str]]:
    """`list(pattern.finditer(text, start, end))`, trying the phrase list `key` only where it can start.

    `where`: `PhraseStarts.positions(text)` (None: scan whole). The same matches as finditer: each
    try is the same `match` at the same position, and a match hides the starts it covers.
    """
    if end is None:
        end = len(text)
    if where is None or key in always:
        return list(pattern.finditer(text, start, end))
    matches: list[re.Match[str]] = []
    free = start
    match_at = pattern.match
    for position in where[key]:
        if position < free:
            continue
        if position >= end:
            break
        match = match_at(text, position, end)
        if match is not None:
            if match.end() == position:  # an empty match: leave finditer's stepping rules to re itself
                return list(pattern.finditer(text, start, end))
            matches.append(match)
            free = match.end()
    return matches


_FRAME_REACH = 80
"""How far before advice a frame that reports it can start (characters)."""


def _unreported(matches: list[re.Match[str]], norm: str, lexicon: Lexicon) -> list[re.Match[str]]:
    """The matches with no reported frame just before them (`Lexicon.reported`)."""
    reported = lexicon.reported.search
    return [match for match in matches if not reported(norm, max(0, match.start() - _FRAME_REACH), match.start())]


def _scan_reply(pattern: re.Pattern[str], text: str, where: Candidates | None, always: frozenset[str],
                key: str) -> list[re.Match[str]]:
    """`_scan` of a list read along the whole reply (`WHOLE_REPLY`): nothing to try when the list has no
    candidate word (most replies hold no phrase at all)."""
    if where is not None and key not in where and key not in always:
        return []  # (what `where[key]` would give)
    return _scan(pattern, text, where, always, key)


def _first(pattern: re.Pattern[str], text: str, where: Mapping[str, list[int]] | None, always: frozenset[str],
           key: str, start: int, end: int) -> re.Match[str] | None:
    """`pattern.search(text, start, end)`, trying the phrase list `key` only where it can start (see `_scan`)."""
    if where is None or key in always:
        return pattern.search(text, start, end)
    match_at = pattern.match
    for position in where[key]:
        if position >= end:
            break
        if position >= start:
            match = match_at(text, position, end)
            if match is not None:
                return match
    return None


def _in(match: re.Match[str], start: int, end: int) -> bool:
    return start <= match.start() < end


def _negated(norm: str, clause_start: int, match: re.Match[str], lexicon: Lexicon, rx: _Regexes) -> bool:
    """True when one of the two words before `match` is a negation ("det er ikke flot")."""
    before = rx.word.findall(norm, max(clause_start, match.start() - 24), match.start())[-2:]
    return any(lexicon.negators.fullmatch(word) for word in before)


def analyse(text: str, context: str, lexicon: Lexicon) -> Analysis:
    """Read `text` (a learner reply) against `context` (the client's last line) with `lexicon`."""
    return _Reader(text, context, lexicon).read()


_CLAUSE_FEATURES = ("open_form", "closed_form", "imperative", "declarative_question", "tag_question",
                    "reflection_start", "personal_clauses", "backchannel_clauses", "fallback_statements",
                    "dropped_in_open_question")
# Codes whose phrase also settles the form of the clause: "Må jeg …?" asks permission, it is not
# also a closed question; "Hvorfor drikker du ikke bare …?" persuades, it is not an open question.
_CLAIMS_QUESTION = (Code.CONFRONT, Code.PERSUADE, Code.PERSUADE_WITH_PERMISSION, Code.ASK_PERMISSION,
                    Code.SEEK_COLLABORATION)


@dataclass(slots=True)
class _Form:
    """Where a clause's words begin, and the question form they take."""

    body: int
    """After leading noise and backchannels ("ok, ")."""
    rest: int
    """After connectives too ("så ", "and ")."""
    end: int
    question: bool
    tokens: list[str]
    personal: bool
    starter: re.Match[str] | None
    open_match: re.Match[str] | None
    closed_match: re.Match[str] | None


class _ContextView(NamedTuple):
    """What the rules read in the client's line."""

    norm: str
    """Its start, normalised (spoken spellings written out)."""
    keys: frozenset[str]
    """Its content-word keys (`_keys`)."""
    words: int
    consents: bool
    """It agrees to hear advice, or asks for it."""
    asks_duty: bool
    """It asks whether it must do something ("do I have to tell them?")."""


_CONTEXTS: dict[str, tuple[Lexicon, _ContextView]] = {}
"""The client's line → (the lexicon it was read with, what the rules read in it), remembered: the bot codes
every learner's replies to the same scenario lines."""
_CONTEXT_CACHE = 4096


def _respelt(norm: str, lexicon: Lexicon) -> tuple[str, Respelt | None]:
    """`norm` with the lexicon's spoken spellings written out, and the `Respelt` that maps positions back
    (None when nothing was written out)."""
    respelt = lexicon.spoken.respell(norm) if lexicon.spoken is not None else None
    return (norm, None) if respelt is None else (respelt.text, respelt)


def _read_context(context: str, lexicon: Lexicon) -> _ContextView:
    """What the rules read in the client's line `context` (remembered)."""
    known = _CONTEXTS.get(context)
    if known is not None and known[0] is lexicon:
        return known[1]
    ctx, _ = _respelt(normalise(context[:MAX_CONTEXT_CHARS]), lexicon)
    ctx_words = _folded_words(ctx)
    count = len(ctx_words)
    consent = bool(lexicon.consent_context.search(ctx)) or (
        bool(lexicon.consent_short.match(ctx)) and count <= lexicon.consent_max_words)
    view = _ContextView(ctx, frozenset(_keys(ctx, lexicon.stopwords, ctx_words)), count, consent,
                        lexicon.duty_questions.search(ctx) is not None)
    if len(_CONTEXTS) >= _CONTEXT_CACHE:
        _CONTEXTS.clear()
    _CONTEXTS[context] = (lexicon, view)
    return view


_LOWERED: dict[int, tuple[Lexicon, Lexicon]] = {}
"""id(lexicon) → (the lexicon, `lowered(lexicon)`), made once per lexicon."""


def _lowered(lexicon: Lexicon) -> Lexicon:
    """`lowered(lexicon)`, remembered."""
    known = _LOWERED.get(id(lexicon))
    if known is not None and known[0] is lexicon:
        return known[1]
    if len(_LOWERED) >= 64:
        _LOWERED.clear()
    twin = lowered(lexicon)
    _LOWERED[id(lexicon)] = (lexicon, twin)
    return twin


class _Reader:
    """Reads one reply clause by clause; `read()` returns the Analysis."""

    def __init__(self, text: str, context: str, lexicon: Lexicon) -> None:
        self.original = text[:MAX_TEXT_CHARS]
        # Spoken spellings ("ska", "det'") are read as the written words; evidence quotes the reply as typed.
        self.norm, respelt = _respelt(normalise(self.original), lexicon)
        self.context = context
        self.ctx_norm, self.ctx_keys, self.ctx_words, self.consent, duty_asked = _read_context(context, lexicon)
        self.latin1 = is_latin1(self.norm)
        self.rx = _LATIN1 if self.latin1 else _ANY_TEXT
        # `text`: what the rules read. A Latin-1 reply is read lower-cased (the same offsets, words and
        # case folds), with the lexicon's patterns for that (`lowered`): the same matches, most found
        # case-sensitively, which is faster.
        self.text, self.lex = (self.norm.lower(), _lowered(lexicon)) if self.latin1 else (self.norm, lexicon)
        lexicon = self.lex
        # Every phrase list runs once over the whole reply (at the words it can start at, see
        # `PhraseStarts`); clauses pick their matches by position.
        norm = self.text
        self.where = where = lexicon.starts.positions(norm, self.latin1)
        always = lexicon.starts.always
        # (Most replies hold no phrase at all: a list with no candidate word is not even tried.)
        keys = _CODE_KEYS
        self.found = {code: _scan(pattern, norm, where, always, keys[code])
                      if where is None or keys[code] in where or keys[code] in always else []
                      for code, pattern in lexicon.codes.items()}
        # Advice, a judgement or a warning inside a frame that makes it the client's own thought or what the
        # client was told ("du føler, at du skal stoppe", "du er bange for, at du er afhængig", "you're
        # worried you'll lose …", "you've been told you have to") is reflected, not given.
        self.found[Code.CONFRONT] = _unreported(self.found[Code.CONFRONT], norm, lexicon)
        self.advice = _unreported(_scan_reply(lexicon.advice, norm, where, always, "codes.advice"), norm, lexicon)
        if duty_asked and self.advice:
            # The client asked whether it must ("do I have to tell the jobcentre?"): "you do have to" answers
            # with a fact (a rule, a duty); it does not advise.
            duties = list(lexicon.duty_statements.finditer(norm))
            stated = [match for match in self.advice
                      if any(duty.start() <= match.start() < duty.end() for duty in duties)]
            if stated:
                self.advice = [match for match in self.advice if match not in stated]
                self.found[Code.GIVING_INFORMATION] = sorted([*self.found[Code.GIVING_INFORMATION], *stated],
                                                             key=lambda match: match.start())
        self.warnings = _unreported(_scan_reply(lexicon.warnings, norm, where, always, "warnings"), norm, lexicon)
        permission = [match for match in _scan_reply(lexicon.permission, norm, where, always, "permission_markers")
                      if not self._pushed_after(match.end())]
        self.permission = permission[0] if permission else None
        # Advice counts as given with permission when the client agreed to hear it, or the reply
        # leaves the choice with the client.
        # Autonomy or permission talk followed by "men" and advice is a push, not permission ("det er dit valg,
        # men du burde …").
        autonomy = self.found[Code.EMPHASIZE_AUTONOMY]
        self.permitted = self.consent or self.permission is not None or (bool(autonomy) and any(
            not self._pushed_after(match.end()) for match in autonomy))
        self.quiet = not (self.advice or self.warnings or any(self.found.values()))
        """No phrase anywhere in the reply (most replies): `_phrases` has only commands to look for."""
        self.build = _Builder(self.original, respelt)
        self.clauses: list[Clause] = []
        self.reflections: list[tuple[int, int, int]] = []
        """(start, end, words) of each reflection clause."""
        self.features: dict[str, float] = dict.fromkeys(_CLAUSE_FEATURES, 0.0)

    def _pushed_after(self, position: int, advice: Sequence[re.Match[str]] | None = None) -> bool:
        """True when "but" (men / but) comes after `position` and advice (`self.advice` by default) after that."""
        advice = self.advice if advice is None else advice
        if not advice:
            return False
        but = self.lex.contrast.search(self.text, position)
        return but is not None and any(match.start() >= but.end() for match in advice)

    def _pushed_command(self, command: re.Match[str]) -> bool:
        """True for a command after autonomy talk and "men" ("det er dit valg, men ring nu til lægen"): a push,
        as advice words there are, unless the client asked for advice."""
        if self.consent:
            return False
        frames = [match for match in (*self.found[Code.EMPHASIZE_AUTONOMY], self.permission)
                  if match is not None and match.end() <= command.start()]
        return bool(frames) and all(self._pushed_after(match.end(), (command,)) for match in frames)

    def read(self) -> Analysis:
        for start, end, question in _spans(self.text, self.lex, self.rx):
            self._clause(start, end, question)
        code = _reflection_code(self.text, self.reflections, self.ctx_keys, self.lex, self.build, self.features,
                                self.where, self.latin1)
        clauses = self.clauses
        if code is Code.COMPLEX_REFLECTION:
            clauses = [Clause(c.start, c.end, c.question_mark, c.words, code) if c.act is Code.SIMPLE_REFLECTION
                       else c for c in clauses]
        if not self.build.hits:
            self.build.add(Code.OTHER)
        lead = self._greeting_lead()
        self._reply_features(clauses, lead)
        hits = {code: tuple(items) for code, items in self.build.hits.items()}
        return Analysis(self.original, self.lex.language, tuple(clauses), hits, self.features, self.norm, self.context,
                        self.ctx_norm, lead)

    def _greeting_lead(self) -> int:
        """The end of a greeting, thanks or goodbye the reply starts with, when words other than
        backchannels follow it ("hej, ryger du hver dag", not "hej, tak"); else 0."""
        text, rx = self.text, self.rx
        noise = rx.leading_noise.match(text)
        greeting = self.lex.greeting_prefix.match(text, noise.end() if noise else 0)
        if greeting is None:
            return 0
        end = greeting.end()
        if not rx.has_word.search(text, end) or self.lex.backchannel_only.fullmatch(text, end):
            return 0
        return end

    def _clause(self, start: int, end: int, question: bool) -> None:
        folded = _folded_words(self.text[start:end], self.latin1)  # (read again below only for a shorter stretch)
        words = len(folded)
        # ("yeah right", "ja ja" are backchannel words, but as a reproach they confront.)
        if self.lex.backchannel_only.fullmatch(self.text, start, end) and not any(
                start <= match.start() < end for match in self.found[Code.CONFRONT]):
            self.build.add(Code.OTHER, start, end)
            self.clauses.append(Clause(start, end, question, words, Code.OTHER))
            self.features["backchannel_clauses"] += 1
            return
        form = self._form(start, end, question, folded)
        if form is None:
            return  # a bare "ikke?" / "right?" checks the clause before it: no act of its own
        here = self._phrases(start, form)
        act = self._specific_act(here)
        # An unclaimed question form is the clause's act even next to an affirmation or information
        # phrase: the client is asked something and will answer it.
        if not any(map(here.get, _CLAIMS_QUESTION)):
            ruler = self._ruler(start, form.end) if form.open_match is not None else None
            if ruler is not None:
                self.features["closed_form"] += 1
                self.build.add(Code.CLOSED_QUESTION, ruler.start(), ruler.end())
                act = Code.CLOSED_QUESTION
            elif form.open_match is not None:
                self.features["open_form"] += 1
                self.build.add(Code.OPEN_QUESTION, form.open_match.start(), form.open_match.end())
                act = Code.OPEN_QUESTION
            elif form.closed_match is not None:
                self.features["closed_form"] += 1
                self.build.add(Code.CLOSED_QUESTION, form.closed_match.start(), form.closed_match.end())
                act = Code.CLOSED_QUESTION
        if act is None:
            act = self._statement(start, form, words, here, folded if form.end == end else None)
        self.clauses.append(Clause(start, form.end, form.question, words, act))

    def _ruler(self, start: int, end: int) -> re.Match[str] | None:
        """A ruler phrase ("på en skala fra 0 til 10", "on a scale of 1 to 10") in the clause, or in the
        lead-in split off before it by a comma: the question asks for a number, so it is closed (as for
        "hvor mange …"; data/coder/README.md, rule 4); "hvorfor ikke et lavere tal?" stays open."""
        before = self.clauses[-1] if self.clauses else None
        if before is not None and self.text[before.end:start].strip(" ") != ",":
            before = None
        where, always = self.where, self.lex.starts.always
        return _first(self.lex.ruler, self.text, where, always, "ruler_questions", before.start if before else start,
                      end)

    def _form(self, start: int, end: int, question: bool, folded: list[str]) -> _Form | None:
        """The clause's starts and question form; None for a clause that is only a tag question.

        `folded`: the clause's words, case-folded.
        """
        lex, norm = self.lex, self.text
        clause_end = end
        lead = self.rx.leading_noise.match(norm, start, end)  # "- and do you…", "[laughs] Have you…"
        after_noise = lead.end() if lead else start
        prefix = lex.backchannel_prefix.match(norm, after_noise, end)
        body = prefix.end() if prefix else after_noise
        connective = lex.connective_prefix.match(norm, body, end)
        rest = connective.end() if connective else body
        open_at = lex.open_start.match(norm, rest, end)
        # "så er du bange for …" is a statement (V2 word order), not a question.
        closed_start = None if _states(norm, after_noise, rest, lex) else lex.closed_start
        closed_at = None if open_at or closed_start is None else closed_start.match(norm, rest, end)
        if not (open_at or closed_at):
            # "Du er træt af det, ikke?" is a statement with a check at the end, not a question.
            tag = _tag(norm, start, end, lex)
            if tag is not None and (tag.group("comma") or question):
                if not self.rx.has_word.search(norm, start, tag.start()):
                    return None
                end, question = tag.start(), False
                self.features["tag_question"] += 1
                # A shorter clause: the starts are read again up to its new end.
                open_at = lex.open_start.match(norm, rest, end)
                closed_at = None if open_at or closed_start is None else closed_start.match(norm, rest, end)
        tokens = folded if rest == start and end == clause_end else _folded_words(norm[rest:end], self.latin1)
        # About the client ("du …", "you …"), unless the helper speaks of themself ("I notice you …").
        personal = not lex.second_person.isdisjoint(tokens[:PERSONAL_WINDOW]) and not (
            tokens and tokens[0] in lex.first_person)
        self.features["personal_clauses"] += personal
        reflection_start = lex.reflection_start.match
        starter = (reflection_start(norm, start, end) or (body != start and reflection_start(norm, body, end))
                   or (rest != body and reflection_start(norm, rest, end)) or None)
        open_match = open_at
        if open_match is not None and not question and lex.open_needs_mark.fullmatch(open_match.group()):
            open_match = None  # "When you drink, you …" is a statement
        where, always = self.where, lex.starts.always
        if open_match is None and not (starter is not None and not question):
            open_match = _first(lex.open_phrase, norm, where, always, "open_question_phrases", start, end)
        if open_match is None and question:  # "Og du drikker hvor meget?"
            open_match = _first(lex.open_in_situ, norm, where, always, "open_in_situ", start, end)
            if (open_match is not None and closed_at is not None
                    and not norm[closed_at.end():open_match.start()].strip(" ,")):
                # "Ved du hvornår det starter?" asks yes or no about an embedded question: closed.
                open_match = None
        if open_match:
            closed_match = None
        elif open_at is None or closed_start is None:
            closed_match = closed_at  # read above, up to the same end
        else:
            closed_match = closed_start.match(norm, rest, end)
        return _Form(body, rest, end, question, tokens, personal, starter, open_match, closed_match)

    def _phrases(self, start: int, form: _Form) -> dict[Code, list[re.Match[str]]]:
        """The lexicon phrases of each code in the clause, after the rules that drop or move them."""
        norm, end = self.text, form.end
        if self.quiet:
            return self._command_only(form)
        open_at = form.open_match.start() if form.open_match else -1
        if open_at < 0 and form.closed_match is not None:
            closed_at = form.closed_match.start()
            # A question for a number or a time ("hvor mange fag er det, du skal op i?") asks about the
            # client's plan like an open one: its advice words are not advice.
            if self.lex.open_in_situ.match(norm, closed_at, end):
                open_at = closed_at
            # A closed question about an embedded one ("Ved du, hvad du skal sige?") asks about the
            # client's plan: the advice words after its question word are not advice either.
            tail = norm[form.closed_match.end():end]
            after = end - len(tail.lstrip(" ,"))
            if open_at < 0 and self.lex.open_start.match(norm, after, end):
                open_at = after

        def kept(match: re.Match[str]) -> bool:
            # Inside an open question, advice words are the client's to weigh ("Hvad tror du, du skal gøre?").
            return _in(match, start, end) and not (open_at >= 0 and match.start() > open_at)

        here = {code: [m for m in matches if start <= m.start() < end] if matches else []
                for code, matches in self.found.items()}
        for code in _NEGATABLE:
            here[code] = [m for m in here[code] if not _negated(norm, start, m, self.lex, self.rx)]
        warnings = [m for m in self.warnings if _in(m, start, end)]
        if form.open_match is not None:
            # "Hvad tror du, der sker, hvis du fortsætter?" explores consequences; it does not warn.
            self.features["dropped_in_open_question"] += len(warnings)
            warnings = []
        here[Code.CONFRONT] += warnings
        if here[Code.CONFRONT]:
            here[Code.CONFRONT] = [m for m in here[Code.CONFRONT] if not self._said_back(m)]
        persuade = [m for m in here[Code.PERSUADE] if kept(m)]
        self.features["dropped_in_open_question"] += len(here[Code.PERSUADE]) - len(persuade)
        advice = [m for m in self.advice if kept(m)]
        command = self._command(form)
        if command is not None:
            (persuade if self.permitted and self._pushed_command(command) else advice).append(command)
        frames = here[Code.EMPHASIZE_AUTONOMY] + here[Code.ASK_PERMISSION]
        if frames:
            # Advice words that start inside an autonomy phrase or a request for permission are not advice
            # given ("jeg er ikke her for at fortælle dig, hvad du skal gøre"; "er det ok, hvis jeg foreslår
            # noget?").
            def given(match: re.Match[str]) -> bool:
                return not any(frame.start() <= match.start() < frame.end() for frame in frames)

            persuade, advice = list(filter(given, persuade)), list(filter(given, advice))
        if self.permitted:
            here[Code.PERSUADE], here[Code.PERSUADE_WITH_PERMISSION] = persuade, advice
        else:
            here[Code.PERSUADE] = persuade + advice
        if form.personal and form.starter is not None:
            # An information phrase after "du …" / "you …" is the client's own story being reflected.
            opened = form.starter.start()
            here[Code.GIVING_INFORMATION] = [m for m in here[Code.GIVING_INFORMATION] if m.start() <= opened]
        # One stretch of words is evidence for one code, the most salient: "Nogle finder det nyttigt at"
        # is advice, not also information.
        taken: list[tuple[int, int]] = []
        for code in PRIORITY:
            matches = here.get(code)
            if matches:
                if taken:
                    here[code] = matches = [m for m in matches if all(m.end() <= a or m.start() >= b for a, b in taken)]
                taken.extend([(m.start(), m.end()) for m in matches])
        return here

    def _said_back(self, match: re.Match[str]) -> bool:
        """True when the client said `match` of itself ("jeg ved godt …" → "du ved godt …"; "I'm lazy" →
        "you're lazy"; "det er ikke så slemt" as it is): said back, the client's own words reflect it; they
        do not judge it."""
        lex = self.lex
        if lex.agreement.search(self.text, 0, match.start()):
            return False  # "ja, det er din egen skyld" agrees with the judgement
        phrase = match.group(0).casefold()
        mine = lex.mirrored_person.sub(lambda word: lex.first_person_of[word.group(0)], phrase)
        # A word of the client's may sit between ("jeg ender altid med at" → "du ender med at").
        said = r"\s+(?:\w+\s+)?".join(map(re.escape, mine.split()))
        return re.search(rf"(?<![\w']){said}(?![\w'])", self.ctx_norm.casefold()) is not None

    def _command_only(self, form: _Form) -> dict[Code, list[re.Match[str]]]:
        """`_phrases` of a clause in a reply with no lexicon phrase: no code but a command's, if any."""
        here: dict[Code, list[re.Match[str]]] = {code: [] for code in self.found}
        command = self._command(form)
        advice = [command] if command is not None else []
        if self.permitted:
            here[Code.PERSUADE], here[Code.PERSUADE_WITH_PERMISSION] = [], advice
        else:
            here[Code.PERSUADE] = advice
        return here

    def _command(self, form: _Form) -> re.Match[str] | None:
        """A command at the start of the clause, or after a comma or "men" in it ("det er forståeligt, men
        prøv at …", "helt naturligt, så tag en tur"); None in an open question."""
        if form.open_match is not None:
            return None
        lex, norm, end = self.lex, self.text, form.end
        command = lex.imperatives.match(norm, form.body, end) or lex.imperatives.match(norm, form.rest, end)
        if command is None:
            turns = [match.start() for match in lex.contrast.finditer(norm, form.body + 1, end)]
            comma = norm.find(",", form.body, end)
            while comma >= 0:
                turns.append(comma + 1)
                comma = norm.find(",", comma + 1, end)
            for turn in sorted(turns):
                at = end - len(norm[turn:end].lstrip())
                # As at the clause's start: the command with its connective ("just apply") or after it.
                connective = lex.connective_prefix.match(norm, at, end)
                command = lex.imperatives.match(norm, at, end) or (
                    lex.imperatives.match(norm, connective.end(), end) if connective else None)
                if command is not None:
                    break
        if command is not None:
            self.features["imperative"] += 1
        return command

    def _specific_act(self, here: dict[Code, list[re.Match[str]]]) -> Code | None:
        """Record the clause's phrase codes as hits; the most salient of them (not "other") or None."""
        if not any(here.values()):
            return None  # no phrase in the clause (most clauses)
        specific = [code for code in PRIORITY if code is not Code.OTHER and here.get(code)]
        for code in sorted(specific, key=lambda c: here[c][0].start()):
            for match in here[code]:
                self.build.add(code, match.start(), match.end())
        return specific[0] if specific else None

    def _statement(self, start: int, form: _Form, words: int, here: dict[Code, list[re.Match[str]]],
                   folded: list[str] | None) -> Code:
        """The act of a clause with no phrase and no question form: reflection, information or other.

        `folded`: the case-folded words from `start` to `form.end`, when the caller has them.
        """
        norm, end, lex = self.text, form.end, self.lex
        if folded is None:
            folded = _folded_words(norm[start:end], self.latin1)
        keys = _keys(norm[start:end], lex.stopwords, folded)
        overlap = len(self.ctx_keys.intersection(keys))
        speaks_first = bool(form.tokens) and form.tokens[0] in lex.first_person  # "I …", "vi …"
        about_client = not lex.second_person.isdisjoint(form.tokens) and not speaks_first
        # A greeting, thanks or condolence that names or echoes the client ("hey, good to see u again",
        # "kondolerer med din kone", "ok, see you on monday") is small talk, not a reflection; the
        # backchannels before it ("ok, ") are not counted among its other words.
        greeting = False
        if here[Code.OTHER]:
            body = form.body
            leading = len(_folded_words(norm[start:body], self.latin1)) if body != start else 0
            greeting = words - leading - sum(len(norm[max(match.start(), body):match.end()].split())
                                          for match in here[Code.OTHER] if match.end() > body) <= _GREETING_REST_WORDS
        reflective = (
            form.starter is not None
            or (not greeting and (form.personal or overlap >= 2 or (overlap >= 1 and overlap * 2 >= len(keys))))
            # "Being a good husband matters a lot to you": meaning or ambivalence, said about the client.
            or (about_client and any(lex.complex[kind].search(norm, start, end) for kind in ("ambivalence", "meaning")))
            # A feeling named in a word or three ("scary.", "lot of pressure", "bekymret"): the learner's guess
            # at what the client feels ("I love it", "no worries" are not).
            or (words <= _FEELING_WORDS and not here[Code.OTHER] and not speaks_first
                and lex.negators.search(norm, start, end) is None
                and lex.complex["feeling"].search(norm, start, end) is not None)
        )
        if reflective:
            self.features["reflection_start"] += form.starter is not None
            self.reflections.append((start, end, len(folded)))
            evidence = form.starter if form.starter is not None else None
            self.build.add(Code.SIMPLE_REFLECTION, *((evidence.start(), evidence.end()) if evidence else (start, end)))
            return Code.SIMPLE_REFLECTION  # simple or complex: decided for the whole reply in read()
        if form.question:
            # A statement with a question mark that does not mirror the client asks yes or no.
            self.features["declarative_question"] += 1
            self.build.add(Code.CLOSED_QUESTION, start, end)
            return Code.CLOSED_QUESTION
        self.features["fallback_statements"] += not here[Code.OTHER]
        if here[Code.OTHER]:
            for match in here[Code.OTHER]:
                self.build.add(Code.OTHER, match.start(), match.end())
            return Code.OTHER
        if words >= STATEMENT_INFO_WORDS:
            self.build.add(Code.GIVING_INFORMATION)  # a neutral statement of some length informs
            return Code.GIVING_INFORMATION
        self.build.add(Code.OTHER)
        return Code.OTHER

    def _reply_features(self, clauses: Sequence[Clause], lead: int) -> None:
        """The reply's numeric features, read after a greeting that more words follow (`Analysis.lead`)."""
        lex, norm = self.lex, self.text[lead:]
        found = self.found
        if lead:
            clauses = clauses_after(clauses, lead)
            found = {code: [match for match in matches if match.start() >= lead] for code, matches in found.items()}
        tokens = (_LATIN1 if self.latin1 and "µ" not in norm else _ANY_TEXT).word.findall(norm.casefold())
        stopwords = lex.stopwords
        reply_keys = {word[:5] for word in tokens if len(word) >= 2 and word not in stopwords}
        shared = len(reply_keys & self.ctx_keys)
        self.features.update(
            chars=float(len(self.original)),
            words=float(len(tokens)),
            clauses=float(len(clauses)),
            question_marks=float(norm.count("?")),
            ends_with_question=float(bool(clauses) and clauses[-1].question_mark),
            second_person_ratio=sum(map(lex.second_person.__contains__, tokens)) / max(1, len(tokens)),
            first_person_ratio=sum(map(lex.first_person.__contains__, tokens)) / max(1, len(tokens)),
            context_words=float(self.ctx_words),
            overlap_words=float(shared),
            overlap_ratio=shared / max(1, len(reply_keys)),
            context_coverage=shared / max(1, len(self.ctx_keys)),
            consent_context=float(self.consent),
            permission_marker=float(self.permission is not None),
            advice=float(len(self.advice)),
            warnings=float(len(self.warnings)),
            digits=float(self.rx.digit.search(norm) is not None),
        )
        self.features.update({_LEXICON_FEATURE[code]: float(len(matches)) for code, matches in found.items()})


_LEXICON_FEATURE = {code: f"lexicon:{code.value}" for code in Code}
_COMPLEX_KEYS = {kind: f"complex.{kind}" for kind in COMPLEX_KINDS}
_COMPLEX_FEATURE = {kind: f"complex_{kind}" for kind in COMPLEX_KINDS}


def _reflection_code(norm: str, spans: list[tuple[int, int, int]], ctx_keys: frozenset[str], lexicon: Lexicon,
                     build: _Builder, features: dict[str, float],
                     where: Mapping[str, list[int]] | None, latin1: bool) -> Code | None:
    """Simple or complex for all the reflection clauses together, with the evidence for complex.

    `spans`: (start, end, words) of the reflection clauses.
    """
    for kind in COMPLEX_KINDS:
        features[_COMPLEX_FEATURE[kind]] = 0.0
    features["reflection_words"] = 0.0
    if not spans:
        return None
    markers: list[re.Match[str]] = []
    always = lexicon.starts.always
    for kind in COMPLEX_KINDS:
        pattern, key = lexicon.complex[kind], _COMPLEX_KEYS[kind]
        for start, end, _ in spans:
            for match in _scan(pattern, norm, where, always, key, start, end):
                keys = _keys(match.group(), lexicon.stopwords, latin1=latin1)
                # Repeating the client's own feeling word is still a simple reflection.
                if keys and all(key in ctx_keys for key in keys):
                    continue
                markers.append(match)
                features[_COMPLEX_FEATURE[kind]] += 1
    reflection_words = sum(words for _, _, words in spans)
    features["reflection_words"] = float(reflection_words)
    if not markers and reflection_words < COMPLEX_REFLECTION_WORDS:
        return Code.SIMPLE_REFLECTION
    # Same place in the order of appearance, new code; the markers are the evidence when there are any.
    simple = build.hits.get(Code.SIMPLE_REFLECTION, [])
    build.hits = {(Code.COMPLEX_REFLECTION if code is Code.SIMPLE_REFLECTION else code): items
                  for code, items in build.hits.items()}
    if markers:
        build.hits[Code.COMPLEX_REFLECTION] = []
        for match in sorted(markers, key=lambda m: m.start()):
            build.add(Code.COMPLEX_REFLECTION, match.start(), match.end())
    else:
        build.hits[Code.COMPLEX_REFLECTION] = [Evidence(Code.COMPLEX_REFLECTION, item.text) for item in simple]
    return Code.COMPLEX_REFLECTION


def decide(analysis: Analysis) -> tuple[Code, tuple[Code, ...]]:
    """The primary code and all codes (primary first); the rule is in this module's docstring."""
    present = list(analysis.hits) or [Code.OTHER]
    primary = _primary(analysis, present)
    if present[0] is primary:  # (the codes are all different)
        return primary, tuple(present)
    return primary, (primary, *(code for code in present if code is not primary))


def _primary(analysis: Analysis, present: list[Code]) -> Code:
    for code in (Code.CONFRONT, Code.PERSUADE, Code.PERSUADE_WITH_PERMISSION):
        if code in present:
            return code
    acts = [clause for clause in analysis.clauses if clause.act is not Code.OTHER]
    if acts:
        last = acts[-1]
        is_question = last.act in _QUESTION_ACTS or (last.act is Code.SEEK_COLLABORATION and last.question_mark)
        if is_question:
            reflections = [clause for clause in acts[:-1] if clause.act in REFLECTIONS]
            if sum(clause.words for clause in reflections) >= LONG_REFLECTION_WORDS:
                return reflections[-1].act
            return last.act
    return min(present, key=lambda code: _RANK[code])
