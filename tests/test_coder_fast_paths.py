"""The coder's fast paths find exactly what the plain scans they replace would (issue 3, speed).

Phrase lists are tried only at the words they can start at (`PhraseStarts`), tags are searched from
where a tag can begin, alternations are factored letter by letter, the model scores without building
its word-feature strings, and the language vote is remembered per token. Each is compared here with
the plain way on real replies (the Danish dev texts, read as both languages) and on awkward text
(capitals, ASCII spellings of æøå, characters whose case folding is special). A few whole outputs
are pinned as they were before the speed work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coder import Coder
from bot.coder.language import language_cues
from bot.coder.lexicon import (
    LANGUAGES,
    SCANNED,
    Lexicon,
    _entry_regex,
    _entry_starts,
    _Reader,
    code_phrases,
    load_lexicon,
    read_data_file,
)
from bot.coder.model import BEHAVIOURS, reply_features
from bot.coder.rules import _first, _scan, _spans, _tag, normalise
from state_machines.codes import Code

ROOT = Path(__file__).resolve().parent.parent
AWKWARD = [
    "",
    "ok",
    "DU SKAL STOPPE NU. Det er ikke OK!!",
    "Ma jeg fortaelle dig lidt om hvad vi ved om soevn og hash?",
    "Du er traet af det, ikke? Det er vigtigt for dig at vaere en god far.",
    "You're free to decide -- it's your choice, isn't it?",
    "Many people find it helpful to cut down; 40 % of smokers quit within a year.",
    "The \u212aelvin sign, a long \u017f and a dotted \u0130: so you\u2019re worried, right?",
    "Du\tskal\n\nbare   lytte til din l\u00e6ge , ik ?",
    "what do you think you could do?? you should probably stop, shouldn't you",
    "Hvor er det flot, at du har valgt at stoppe. Hvad tænker du selv, der skal til?",
    "I'm really impressed that you came in today. It's up to you what we talk about.",
    "mm-hm, ja ja. Okay så, hvad så nu?",
    "Du vil gerne stoppe, men ikke lige nu, har jeg forstået dig rigtigt?",
    "So you want to quit before the baby comes, did I get that right?",
    "You have tried twice already and it felt hopeless, isn't that right",
]


def _labelled(name: str) -> list[tuple[str, str]]:
    """The replies of `data/coder/<name>.jsonl` with the client line they answer."""
    replies = []
    for line in (ROOT / "data" / "coder" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            replies.append((item["text"], item["context"]))
    return replies


REPLIES = _labelled("da_dev") + [(text, AWKWARD[index - 1]) for index, text in enumerate(AWKWARD)]
"""Learner replies with the client line they answer: the Danish dev texts and the awkward ones."""
ENGLISH_REPLIES = _labelled("en_dev")


def _lists(lexicon: Lexicon) -> Iterator[tuple[str, re.Pattern[str]]]:
    """Every phrase list the rules try only at its starts, with its compiled pattern."""
    by_key: dict[str, re.Pattern[str]] = {f"codes.{code.value}": pattern for code, pattern in lexicon.codes.items()}
    by_key.update({f"complex.{kind}": pattern for kind, pattern in lexicon.complex.items()})
    by_key.update({"codes.advice": lexicon.advice, "warnings": lexicon.warnings,
                   "permission_markers": lexicon.permission, "open_question_phrases": lexicon.open_phrase,
                   "open_in_situ": lexicon.open_in_situ, "ruler_questions": lexicon.ruler})
    assert set(by_key) == set(SCANNED)
    yield from by_key.items()


def _spans_of(matches: list[re.Match[str]]) -> list[tuple[int, int]]:
    return [match.span() for match in matches]


def test_few_phrase_lists_are_scanned_whole() -> None:
    """A list with one entry that starts with no plain letter ("^…", "\\w+ …") is tried at every character
    of every reply: an English "^ok if i …" in codes.ask_permission cost about 6 % of the rules' speed."""
    assert load_lexicon("en").starts.always == frozenset()
    assert load_lexicon("da").starts.always == {"codes.giving_information"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_phrase_lists_tried_at_their_starts_find_what_a_full_scan_finds(lang: str) -> None:
    lexicon = load_lexicon(lang)
    always = lexicon.starts.always
    lists = list(_lists(lexicon))
    tried = 0
    for text, _ in REPLIES:
        norm = normalise(text)
        where = lexicon.starts.positions(norm)
        clauses = [(start, end) for start, end, _ in _spans(norm, lexicon)]
        for key, pattern in lists:
            assert _spans_of(_scan(pattern, norm, where, always, key)) == _spans_of(list(pattern.finditer(norm)))
            for start, end in clauses:
                expected = pattern.search(norm, start, end)
                found = _first(pattern, norm, where, always, key, start, end)
                assert (found and found.span()) == (expected and expected.span()), (key, text)
                assert _spans_of(_scan(pattern, norm, where, always, key, start, end)) == \
                    _spans_of(list(pattern.finditer(norm, start, end)))
                tried += 1
    assert tried > 10_000


@pytest.mark.parametrize(("entry", "starts"), [
    ("du skal", ("du ",)),  # the text's first word is exactly "du"
    ("du ?skal", ("du",)),  # "duskal" too
    ("you're free to", ("you ",)),
    ("bekymret", ("bekymret ",)),
    ("tr(?:æ|ae)t", ("tr",)),
    ("ærlig", ("æ", "a")),  # with the ASCII spelling "aerlig"
    ("colou?r", ("col",)),
    ("(?:rigtig )?mange (?:folk|andre)", ("rigtig ", "mange ")),
    ("(?:(?:a )?b|c)d", ("a ", "b", "c")),  # "b" is followed by "d": not a whole word
    ("\\d+ ?%", tuple("0123456789")),
    # A lookbehind reads before the match: the match starts with what follows it.
    ("(?<!selvom\\s)(?<!hvis\\s)det er", ("det ",)),
    ("(?<!\\bat\\s)du ender", ("du ",)),
    ("\\w+ betyder", ()),
    ("a|b", ()),
])
def test_entry_starts_never_rule_out_a_word_an_entry_can_start_at(entry: str, starts: tuple[str, ...]) -> None:
    assert _entry_starts(entry, ascii_fallback=True) == starts


def test_text_beyond_latin_1_is_scanned_whole() -> None:
    # "\u212a" (Kelvin) matches "k" case-insensitively, but lower-cases to itself: no word index then.
    assert load_lexicon("en").starts.positions("The \u212aelvin scale") is None
    assert load_lexicon("en").starts.positions("Caf\u00e9 au lait") is not None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_tags_are_found_from_where_they_can_begin(lang: str) -> None:
    lexicon = load_lexicon(lang)
    assert lexicon.tag_reach is not None
    for text, _ in REPLIES:
        norm = normalise(text)
        for start, end, _ in _spans(norm, lexicon):
            for stop in {end, *(start + match.end() for match in re.finditer(r"\w+", norm[start:end]))}:
                expected = lexicon.tag_end.search(norm, start, stop)
                found = _tag(norm, start, stop, lexicon)
                assert (found and (found.span(), found.group("comma"))) == \
                    (expected and (expected.span(), expected.group("comma"))), (text, start, stop)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_factored_phrase_lists_match_like_the_plain_alternation(lang: str) -> None:
    data = read_data_file(f"{lang}.yaml")
    fallback = bool(data.get("ascii_fallback", False))
    lexicon = load_lexicon(lang)
    for code, pattern in lexicon.codes.items():
        # (With `spelling_variants`; `other` with the greetings.)
        spelled = _Reader(data, f"{lang}.yaml").strings(code.value, code_phrases(data))
        entries = sorted({entry.strip() for entry in spelled}, key=lambda e: (-len(e), e))
        plain = re.compile(rf"(?<!\w)(?:{'|'.join(_entry_regex(e, fallback) for e in entries)})(?!\w)", re.IGNORECASE)
        for text, context in REPLIES:
            for sample in (normalise(text), normalise(context)):
                assert _spans_of(list(pattern.finditer(sample))) == _spans_of(list(plain.finditer(sample))), \
                    (code, sample)


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


def test_model_scores_replies_as_its_feature_set_does(coder: Coder) -> None:
    model = coder.model
    assert model is not None
    for text, context in REPLIES:
        analysis = coder.analyse(text, context)
        fast = model.predict(analysis, context)
        slow = model.predict_features(reply_features(analysis, context), analysis.lang)
        assert fast == slow, text
        # An Analysis read against another client line still gets that line's features.
        other = model.predict(analysis, "Hvorfor spørger du om det?")
        assert other == model.predict_features(reply_features(analysis, "Hvorfor spørger du om det?"), analysis.lang)


def test_the_coders_code_is_the_full_predictions_code(coder: Coder) -> None:
    """`predict_code` (what `Coder.code` uses) picks what `predict` picks, with no probabilities kept."""
    model = coder.model
    assert model is not None
    for text, context in REPLIES + ENGLISH_REPLIES:
        analysis = coder.analyse(text, context)
        assert model.predict_code(analysis, context) is model.predict(analysis, context).code, text


@settings(max_examples=300, deadline=None)
@given(data=st.data(), lang=st.sampled_from(LANGUAGES))
def test_probabilities_are_the_heads_softmaxes_mixed_on_any_scores(coder: Coder, data: st.DataObject,
                                                                   lang: str) -> None:
    """On any class scores, far apart ones too (a head whose exponentials underflow), the one-pass
    probabilities are each head's own softmax, combined as documented: the macro head times the
    behaviour's head, mixed with the flat head, times the language's offset factors, normalised."""
    model = coder.model
    assert model is not None
    width = len(model._bias)
    scores = data.draw(st.lists(st.floats(-900, 900) | st.sampled_from([0.0, -800.0, 800.0]),
                                min_size=width, max_size=width))
    macro = model.head("macro", scores)
    mix = model.flat_weight.get(lang, 0.0)
    flat = model.head("flat", scores)
    expected: dict[str, float] = {}
    for behaviour in BEHAVIOURS:
        for code, p in model.head(behaviour, scores).items():
            expected[code] = (1 - mix) * macro[behaviour] * p + mix * flat[code]
    for code, factor in model.offsets.get(lang, {}).items():
        expected[code.value] *= factor
    total = sum(expected.values())
    prediction = model._predict(scores, lang, None)
    assert {code.value: p for code, p in prediction.probabilities.items()} == pytest.approx(
        {code: p / total for code, p in expected.items()}, rel=1e-9, abs=1e-12)
    assert prediction.behaviours == pytest.approx(macro, rel=1e-9, abs=1e-12)
    assert model._code(scores, lang, None) is prediction.code


def test_language_vote_is_the_sum_of_the_cue_scores() -> None:
    cues = language_cues()
    for text, context in REPLIES:
        for sample in (text, context):
            scores = cues.scores(sample)
            expected = "da" if scores["da"] > scores["en"] else "en" if scores["en"] > scores["da"] else None
            assert cues.detect(sample) == expected, sample


PINNED = [
    ("Det lyder som om du på den ene side gerne vil stoppe, men samtidig er bange for at miste dine venner.",
     "Jeg drikker nok lidt for meget i weekenden, men det gør alle mine venner også.",
     '{"primary": "complex_reflection", "codes": ["complex_reflection"], "valence": "consistent", "lang": "da", '
     '"evidence": [{"code": "complex_reflection", "text": "Det lyder som om"}, {"code": "complex_reflection", '
     '"text": "på den ene side"}, {"code": "complex_reflection", "text": "men samtidig"}, '
     '{"code": "complex_reflection", "text": "bange"}]}'),
    # The threat "ellers mister" is evidence too since the round-K lexicon (2026-11-24).
    ("Du skal bare tage dig sammen og stoppe med at drikke, ellers mister du dit job.",
     "Jeg drikker nok lidt for meget i weekenden.",
     '{"primary": "confront", "codes": ["confront", "persuade"], "valence": "inconsistent", "lang": "da", '
     '"evidence": [{"code": "confront", "text": "tage dig sammen"}, {"code": "confront", "text": "ellers mister"}, '
     '{"code": "persuade", "text": "Du skal"}]}'),
    ("You're free to decide. Would it be okay if I shared what some people find helpful?",
     "I don't know what to do about my smoking.",
     '{"primary": "persuade_with_permission", "codes": ["persuade_with_permission", "emphasize_autonomy", '
     '"ask_permission"], "valence": "consistent", "lang": "en", "evidence": [{"code": "persuade_with_permission", '
     '"text": "some people find helpful"}, {"code": "emphasize_autonomy", "text": "You\'re free to"}, '
     '{"code": "ask_permission", "text": "Would it be okay if"}]}'),
    ("DU SKAL STOPPE NU. Det er ikke OK.", "Jeg ryger 20 om dagen.",
     '{"primary": "confront", "codes": ["confront", "persuade"], "valence": "inconsistent", "lang": "da", '
     '"evidence": [{"code": "confront", "text": "Det er ikke OK"}, {"code": "persuade", "text": "DU SKAL"}]}'),
    # The primary is the model's, and this echo sits on the simple/complex line: complex after round U (tenth
    # session), simple again after round AD (eleventh); the rules' evidence ("worried") is unchanged.
    ("You said the \u212aelvin scale \u2014 so you\u2019re worried about the cost, right?", "It costs a lot.",
     '{"primary": "simple_reflection", "codes": ["simple_reflection", "complex_reflection"], "valence": '
     '"consistent", "lang": "en", "evidence": [{"code": "complex_reflection", "text": "worried"}]}'),
    # The primary is the model's: retrained with round J (2026-11-24) it reads this echo of "fylder alt" as
    # a simple reflection (it was complex before); the rules' evidence is unchanged.
    ("Så det du siger er, at arbejdet fylder rigtig meget for dig lige nu", "Arbejdet fylder alt, jeg kan ikke sove.",
     '{"primary": "simple_reflection", "codes": ["simple_reflection"], "valence": '
     '"consistent", "lang": "da", "evidence": [{"code": "simple_reflection", "text": "Så det du siger"}]}'),
]


@pytest.mark.parametrize(("text", "context", "expected"), PINNED)
def test_outputs_are_as_before_the_speed_work(coder: Coder, text: str, context: str, expected: str) -> None:
    assert json.dumps(coder.code(text, context).to_json(), ensure_ascii=False) == expected
    assert Code(json.loads(expected)["primary"]) is coder.code(text, context).primary
