"""The trained part of the coder: features of a reply and linear heads over them, in plain Python.

`reply_features(analysis, context)` turns the rules' `Analysis` (hits, clause acts, numeric
features) plus the reply's words, word pairs and word stems and the client's line into a set of binary feature
names. `CoderModel` holds the weights (read once from `model_data/weights.json.gz`, plain JSON with the
weight rows as base64 int16, see `encode_rows`; written by `scripts/train_coder.py`) and scores those
features with linear heads:

- `macro`: AnnoMI's four therapist behaviours (question, reflection, therapist_input, other);
- one head per behaviour for the code inside it (question → open / closed / ask_permission, …);
- `flat`: all 13 codes at once (trained on the Danish and English learner replies and on AnnoMI).

`CoderModel.predict` combines them: P(code) = P(behaviour) · P(code | behaviour), mixed with the
flat head (a mix weight per language, stored with the weights). No numpy at run time: a head is a
column of floats per class over one shared vocabulary, and a score is a sum over the reply's features.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
import struct
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import compress
from typing import Any

from bot.coder.lexicon import is_latin1, latin1_twin
from bot.coder.rules import Analysis, Clause, clauses_after, decide, normalise
from state_machines.codes import QUESTIONS, REFLECTIONS, Code

FORMAT = "mi-trainer-coder-weights"
FORMAT_VERSION = 2
"""2: "rows" is one base64 string of int16 weights (`encode_rows`); 1 had a JSON list per row (slow to read)."""
FEATURE_VERSION = 5
"""Bump when `reply_features` changes: weights trained on other features are refused."""

MACRO: dict[Code, str] = {
    Code.OPEN_QUESTION: "question",
    Code.CLOSED_QUESTION: "question",
    Code.ASK_PERMISSION: "question",
    Code.SIMPLE_REFLECTION: "reflection",
    Code.COMPLEX_REFLECTION: "reflection",
    Code.GIVING_INFORMATION: "therapist_input",
    Code.PERSUADE_WITH_PERMISSION: "therapist_input",
    Code.PERSUADE: "therapist_input",
    Code.CONFRONT: "therapist_input",
    Code.AFFIRM: "other",
    Code.EMPHASIZE_AUTONOMY: "other",
    Code.SEEK_COLLABORATION: "other",
    Code.OTHER: "other",
}
"""Our codes → AnnoMI's main therapist behaviour (shared/data/annomi/README.md)."""
BEHAVIOURS: tuple[str, ...] = ("question", "reflection", "therapist_input", "other")
SUBHEADS: dict[str, tuple[Code, ...]] = {
    behaviour: tuple(code for code in Code if MACRO[code] == behaviour) for behaviour in BEHAVIOURS
}

MAX_FEATURE_CHARS = 600
"""Words are read from the start of the reply only (long replies are rare)."""
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+|[?!]")
_TOKEN_LATIN1 = latin1_twin(_TOKEN.pattern)
_STEM = 5
_WORD_ONLY = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")
_WORD_ONLY_LATIN1 = latin1_twin(_WORD_ONLY.pattern)

# Numeric rule features → a few bins, so every feature is binary and scoring is a sum of weights.
_RATIOS = frozenset({"second_person_ratio", "first_person_ratio", "overlap_ratio", "context_coverage"})


class ModelError(ValueError):
    """Weights that cannot be used (wrong format or feature version, inconsistent shapes)."""


def _bin(name: str, value: float) -> int:
    if name in _RATIOS:
        return min(4, int(value * 4 + 1e-9))
    if value <= 0:
        return 0
    return min(8, 1 + int(math.log2(value)))


def reply_features(analysis: Analysis, context: str, rule_primary: Code | None = None) -> set[str]:
    """The binary features of one reply (see the module docstring); the same at training and run time.

    `rule_primary`: `decide(analysis)[0]` when the caller has it already (it is not computed twice).
    """
    norm, text, tokens = _reply_text(analysis)
    # Words and word pairs, with the reply's start and end as words ("<s> hvad", "? </s>").
    # Long words also by their first letters: inflections and typos ("arbejde", "arbejdet", "arbjede").
    # (`CoderModel.predict` looks up the same three families without building these strings.)
    feats = {"w:" + token for token in tokens}
    feats.update(["b:" + previous + " " + token for previous, token in _pairs(tokens)])
    feats.update(["p:" + stem for stem in _stems(tokens)])
    feats.update(_form_features(analysis, norm, text, tokens, context, rule_primary or decide(analysis)[0]))
    return feats


def _reply_text(analysis: Analysis) -> tuple[str, str, list[str]]:
    """The normalised reply, the case-folded start of its words (MAX_FEATURE_CHARS, after a greeting that
    more words follow: `Analysis.lead`) and the tokens of that start."""
    norm = analysis.norm or normalise(analysis.text)
    lead = analysis.lead
    text = norm[lead:lead + MAX_FEATURE_CHARS].casefold()
    return norm, text, (_TOKEN_LATIN1 if is_latin1(text) else _TOKEN).findall(text)


def _pairs(tokens: list[str]) -> list[tuple[str, str]]:
    """Neighbouring tokens, with the reply's start and end as tokens ("<s>", "</s>")."""
    pairs = list(zip(["<s>", *tokens], tokens, strict=False))  # one shorter: the last token has no successor
    pairs.append((tokens[-1] if tokens else "<s>", "</s>"))
    return pairs


def _stems(tokens: list[str]) -> list[str]:
    return [token[:_STEM] for token in tokens if len(token) > _STEM]


def _form_features(analysis: Analysis, norm: str, text: str, tokens: list[str], context: str,
                   rule_primary: Code) -> set[str]:
    """The features that are not single words, word pairs or stems (see `reply_features`)."""
    clauses = clauses_after(analysis.clauses, analysis.lead)
    feats = _clause_features(clauses, norm, analysis.lead)
    feats.update(_reply_form_features(analysis.lang, text, tokens, context))
    rule = _rule_features(analysis, clauses, rule_primary)
    feats.update(rule)
    tagged = analysis.lang + "|"
    feats.update([tagged + name for name in rule])  # the same evidence may weigh differently per language
    return feats


def _clause_features(clauses: Sequence[Clause], norm: str, lead: int = 0) -> set[str]:
    """Question form per clause: how each clause starts ("what", "do you", "hvordan"), and for the
    clauses with "?" also the last word (tag questions, "… or?"); "N" marks clauses before the last.
    `lead`: where the reply's words start (after a greeting, `Analysis.lead`)."""
    feats: set[str] = set()
    add = feats.add
    last = len(clauses) - 1
    # Case folding keeps a Latin-1 text Latin-1, but for "µ" (to the Greek "μ").
    word_only = _WORD_ONLY_LATIN1 if clauses and is_latin1(norm) and "µ" not in norm else _WORD_ONLY
    for index, clause in enumerate(clauses):
        words = word_only.findall(norm[max(clause.start, lead):clause.end].casefold())
        if not words:
            continue
        where = "L" if index == last else "N"
        first = words[0]
        add(f"c{where}:{first}")
        if len(words) > 1:
            add(f"c{where}2:{first} {words[1]}")
        if clause.question_mark:
            add("cq:" + first)
            if len(words) > 1:
                add(f"cq2:{first} {words[1]}")
            add("cqlast:" + words[-1])
    return feats


def _reply_form_features(lang: str, text: str, tokens: list[str], context: str) -> list[str]:
    """The language, the question marks, and the client's line: did the client ask something; how many
    of the reply's words echo it. Never two the same (no set needed)."""
    # The rules normalised the client's line already (a longer start of it: normalising keeps lengths).
    ctx_stems, ctx_flags = _context_view(context)
    content = [token[:_STEM] for token in tokens if len(token) > 3]  # the stems of the content words
    echoed = sum(map(ctx_stems.__contains__, content))
    feats = ["L:" + lang, _QUESTION_MARKS_FEATURE[min(3, text.count("?"))],
             "qend" if text.rstrip().endswith("?") else "noqend", *ctx_flags,
             _ECHO_FEATURE[min(echoed, 255)], _NOVEL_FEATURE[min(len(content) - echoed, 255)]]
    if content:
        feats.append(_ECHO_SHARE_FEATURE[min(4, int(4 * echoed / len(content)))])
    return feats


def _rule_features(analysis: Analysis, clauses: Sequence[Clause], rule_primary: Code) -> list[str]:
    """The rules: what they would decide, the codes and clause acts they saw (in `clauses`, those after a
    greeting: `clauses_after`), their numeric features (each named once)."""
    rule = [_HIT_FEATURE[code] for code in analysis.hits]
    rule.append(_RULE_PRIMARY_FEATURE[rule_primary])
    if clauses:
        rule.append(_LAST_ACT_FEATURE[clauses[-1].act])
        rule.append(_FIRST_ACT_FEATURE[clauses[0].act])
        rule.extend({_ACT_FEATURE[clause.act] for clause in clauses})  # (each act once: the names are all different)
    # Numeric features in bins; zero (the usual value) is the baseline and not a feature.
    numeric = _NUMERIC.get
    features = analysis.features
    rule.extend([numeric((name, value)) or _numeric_feature(name, value)
                 for name, value in compress(features.items(), features.values()) if value > 0])  # (0: no feature)
    return rule


_CONTEXTS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}
"""The client's line → its word stems and its own features, remembered (scenario lines repeat)."""
_CONTEXT_CACHE = 4096


def _context_view(context: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The stems of the client's line (its start) and its features: did the client ask, is there no line."""
    known = _CONTEXTS.get(context)
    if known is not None:
        return known
    ctx = normalise(context[:MAX_FEATURE_CHARS]).casefold()
    stems = frozenset(token[:_STEM] for token in _TOKEN.findall(ctx) if len(token) > 3)
    flags = (("x:asks",) if ctx.rstrip().endswith("?") else ()) + (("x:none",) if not ctx.strip() else ())
    if len(_CONTEXTS) >= _CONTEXT_CACHE:
        _CONTEXTS.clear()
    _CONTEXTS[context] = view = (stems, flags)
    return view


_HIT_FEATURE = {code: f"r:{code.value}" for code in Code}
_RULE_PRIMARY_FEATURE = {code: f"rp:{code.value}" for code in Code}
_LAST_ACT_FEATURE = {code: f"ra:last={code.value}" for code in Code}
_FIRST_ACT_FEATURE = {code: f"ra:first={code.value}" for code in Code}
_ACT_FEATURE = {code: f"ra:{code.value}" for code in Code}
_QUESTION_MARKS_FEATURE = tuple(f"nq={count}" for count in range(4))
_ECHO_FEATURE = tuple(f"x:echo={_bin('', count)}" for count in range(256))
"""By the count (from 255 on, the same bin)."""
_NOVEL_FEATURE = tuple(f"x:novel={_bin('', count)}" for count in range(256))
_ECHO_SHARE_FEATURE = tuple(f"x:echo_share={value}" for value in range(5))
_NUMERIC: dict[tuple[str, float], str] = {}
"""(feature name, value) → its binned feature, remembered: values repeat (counts, a few ratios)."""
_NUMERIC_CACHE = 50_000


def _numeric_feature(name: str, value: float) -> str:
    feature = f"n:{name}={_bin(name, value)}"
    if len(_NUMERIC) >= _NUMERIC_CACHE:
        _NUMERIC.clear()
    _NUMERIC[(name, value)] = feature
    return feature


def softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exp = math.exp
    exps = [exp(score - top) for score in scores]
    total = sum(exps)
    return [value / total for value in exps]


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's view of one reply: the best code, the probability of every code, of every behaviour."""

    code: Code
    probabilities: Mapping[Code, float]
    behaviours: Mapping[str, float]


class _RuleRows(dict[str, int]):
    """A rule feature ("r:affirm") → the sum of the packed rows of it and of its language-tagged twin
    ("da|r:affirm") that carry weights (0: neither does), and in `counts` how many rows that is; worked
    out when first asked for (there are a few hundred rule features)."""

    def __init__(self, packed: Mapping[str, int], lang: str) -> None:
        super().__init__()
        self._packed = packed
        self._tag = lang + "|"
        self.counts: dict[str, int] = {}

    def __missing__(self, name: str) -> int:
        rows = [row for row in (self._packed.get(name), self._packed.get(self._tag + name)) if row]
        self.counts[name] = len(rows)
        self[name] = total = sum(rows)
        return total


_FIELD_BYTES = 4
"""32-bit fields (the sums of a reply's rows fit; see `_MAX_ROWS`): rows half the size of 64-bit ones, so
quicker to fetch and to add."""
_MAX_WEIGHT = (1 << 15) - 1
"""A stored weight (weight·scale) fits an int16; -32768 is refused too, so no packed row is 0."""
_OFFSET = 1 << 15
"""Added to every stored weight in a packed field: each field is positive (fields never borrow from each
other) and, as no weight is -32768, no row is 0."""
_MAX_ROWS = (1 << 8 * _FIELD_BYTES) // (2 * _OFFSET)
"""A sum of up to this many packed rows cannot overflow a field."""
_FLIP_SIGN = bytes(byte ^ 0x80 for byte in range(256))
"""An int16's high byte with the sign bit flipped: the int16 plus `_OFFSET`, as an unsigned number."""


def encode_rows(rows: Sequence[Sequence[int]]) -> str:
    """The "rows" of a weights file: every feature's stored weights (weight·scale, one per class of every
    head, heads in "head_order"), row after row, as int16 little-endian, in base64.

    Plain data (like a .npy array), but read in a few milliseconds, where a JSON list of 1.7 million
    numbers took most of the model's load time.
    """
    flat = [weight for row in rows for weight in row]
    if any(not -_MAX_WEIGHT <= weight <= _MAX_WEIGHT for weight in flat):
        raise ModelError(f"a stored weight is outside ±{_MAX_WEIGHT}: lower the scale")
    return base64.b64encode(struct.pack(f"<{len(flat)}h", *flat)).decode("ascii")


def _packed_rows(encoded: object, count: int, width: int) -> list[int]:
    """`count` rows of `width` stored weights (`encode_rows`), each packed into one int: field k, 32 bits
    wide, holds weight k + `_OFFSET`."""
    if not isinstance(encoded, str):
        raise ModelError("rows: expected one base64 string (weights format 2)")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as error:
        raise ModelError(f"rows: not base64 ({error})") from None
    if len(raw) != 2 * count * width:
        raise ModelError(f"rows: {len(raw) // 2} weights for {count} features × {width} classes")
    # Each int16 → a 32-bit field holding it plus `_OFFSET`: the low byte, the high byte with the sign bit
    # flipped, two zero bytes (slice copies, no per-weight Python work).
    fields = bytearray(2 * len(raw))
    fields[0::4] = raw[0::2]
    fields[1::4] = raw[1::2].translate(_FLIP_SIGN)
    size = width * _FIELD_BYTES
    view = memoryview(fields)
    rows = [int.from_bytes(view[at:at + size], "little") for at in range(0, len(fields), size)]
    if not all(rows):
        raise ModelError(f"rows: a row of weights all -{_OFFSET} (outside ±{_MAX_WEIGHT}) packs to 0")
    return rows


class CoderModel:
    """Linear heads over `reply_features`; see the module docstring for how they are combined.

    Scoring is one big-integer sum per reply: each feature's weights for all the heads' classes are
    packed, as fixed-width unsigned fields (weight·scale + an offset), into one Python int. Adding those
    ints adds every class score at once; `struct` unpacks the fields. Plain Python, no numpy.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise ModelError("not MI-trainer coder weights (format/version)")
        if data.get("feature_version") != FEATURE_VERSION:
            raise ModelError(f"weights are for feature version {data.get('feature_version')}, "
                             f"this code computes version {FEATURE_VERSION}: retrain (scripts/train_coder.py)")
        self.scale = float(data["scale"])
        heads = data["heads"]
        missing = {"macro", *BEHAVIOURS} - set(heads)
        if missing:
            raise ModelError(f"missing head(s): {', '.join(sorted(missing))}")
        self.heads: dict[str, tuple[str, ...]] = {}
        self._slices: dict[str, slice] = {}
        bias: list[float] = []
        order = data.get("head_order", list(heads))
        if sorted(order) != sorted(heads):
            raise ModelError("head_order does not list the heads")
        for name in order:
            head = heads[name]
            classes = tuple(str(c) for c in head["classes"])
            if len(head["bias"]) != len(classes):
                raise ModelError(f"head {name}: {len(classes)} classes but {len(head['bias'])} biases")
            self._slices[name] = slice(len(bias), len(bias) + len(classes))
            self.heads[name] = classes
            bias.extend(float(b) for b in head["bias"])
        self._bias = bias
        self._codes = {name: tuple(Code(c) for c in classes) for name, classes in self.heads.items() if name != "macro"}
        # For `_probabilities`: each behaviour head as (its behaviour's place in the macro head, its scores),
        # their codes one after the other, and where each of those codes is in the flat head.
        self._behaviour_heads = tuple((self.heads["macro"].index(behaviour), self._slices[behaviour])
                                      for behaviour in BEHAVIOURS)
        self._heads_end = max(self._slices[name].stop for name in ("macro", *BEHAVIOURS))
        self._behaviour_codes = tuple(code for behaviour in BEHAVIOURS for code in self._codes[behaviour])
        flat_codes = self._codes.get("flat", ())
        if flat_codes and sorted(flat_codes) != sorted(self._behaviour_codes):
            raise ModelError("head flat: its classes must be the codes of the behaviour heads")
        self._flat_index = tuple(flat_codes.index(code) for code in self._behaviour_codes) if flat_codes else ()
        self._macro_slice = self._slices["macro"]
        self._flat_slice = self._slices.get("flat", slice(0))
        # Each code (in `_behaviour_codes` order): its head's place in `_behaviour_heads`, its score's place,
        # its flat score's place.
        places: list[tuple[int, int, int]] = []
        for head, (_, where) in enumerate(self._behaviour_heads):
            for at in range(where.start, where.stop):
                places.append((head, at, self._flat_slice.start + self._flat_index[len(places)] if flat_codes else 0))
        self._code_places = tuple(places)
        width = len(bias)
        vocabulary = data["vocabulary"]
        if not isinstance(vocabulary, list) or not all(isinstance(name, str) for name in vocabulary):
            raise ModelError("vocabulary: expected a list of feature names")
        rows = _packed_rows(data["rows"], len(vocabulary), width)
        self._unpack = struct.Struct(f"<{width}I").unpack
        self._bytes = width * _FIELD_BYTES
        self._packed: dict[str, int] = dict(zip(vocabulary, rows, strict=True))
        # The word families again, keyed by the word, the word pair and the stem: `predict` looks them
        # up without building "w:…", "b:… …" and "p:…" strings.
        self._word_rows: dict[str, int] = {}
        self._pair_rows: dict[str, int] = {}
        """A pair's two words, with a space between them → the pair's row."""
        self._stem_rows: dict[str, int] = {}
        families = {"w:": self._word_rows, "p:": self._stem_rows, "b:": self._pair_rows}
        for name, packed in self._packed.items():
            family = families.get(name[:2])
            if family is not None and (family is not self._pair_rows or " " in name):
                family[name[2:]] = packed
        self._rule_rows: dict[str, _RuleRows] = {}
        """Per language: rule feature → its rows and its tagged twin's (filled as features are met)."""
        self.flat_weight: dict[str, float] = {str(k): float(v) for k, v in data.get("flat_weight", {}).items()}
        self._flat_mix = {lang: mix for lang, mix in self.flat_weight.items() if mix > 0 and "flat" in self._slices}
        """The flat head's mix weight per language, where it is mixed in."""
        self.rule_codes = _code_lists(data.get("rule_codes", {}))
        self.family_rule_codes = _code_lists(data.get("family_rule_codes", {}))
        self.model_choice_codes = _code_lists(data.get("model_choice_codes", {}))
        """Per language: codes whose rules' call stands against every other code, but among which the model
        chooses (see `_ruled_choice`)."""
        self.questions_over_reflections = frozenset(str(lang) for lang in data.get("questions_over_reflections", []))
        """Languages where the rules' question at the end of a reply stands over the model's reflection."""
        # Per-language decision offsets (log-probability shifts tuned on cross-validation for macro-F1):
        # stored as offsets, applied as factors.
        self.offsets: dict[str, dict[Code, float]] = {
            str(lang): {Code(code): math.exp(float(value)) for code, value in values.items()}
            for lang, values in data.get("offsets", {}).items()}
        self._offset_factors = {lang: [factors.get(code, 1.0) for code in self._behaviour_codes]
                                for lang, factors in self.offsets.items() if factors}
        self.meta: dict[str, Any] = dict(data.get("meta", {}))

    @classmethod
    def from_bytes(cls, raw: bytes) -> CoderModel:
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return cls(json.loads(raw))

    @property
    def size(self) -> int:
        """How many features carry weights."""
        return len(self._packed)

    def scores(self, features: set[str]) -> list[float]:
        """Every head's class scores (logits), heads in `head_order`."""
        return self._scores(list(filter(None, map(self._packed.get, features))))  # packed rows are never 0

    def _scores(self, found: list[int], count: int | None = None) -> list[float]:
        """`scores` from the packed rows of the reply's features that carry weights (each feature once).

        `count`: how many rows `found` adds up, when some of its items are sums of two rows already.
        """
        if count is None:
            count = len(found)
        if count <= _MAX_ROWS:
            fields: Sequence[int] = self._unpack(sum(found).to_bytes(self._bytes, "little"))
        else:  # so many rows that a field could overflow: added in parts, the parts' fields added after
            step, unpack, size = _MAX_ROWS // 2, self._unpack, self._bytes  # an item: at most two rows
            parts = [unpack(sum(found[at:at + step]).to_bytes(size, "little")) for at in range(0, len(found), step)]
            fields = [sum(column) for column in zip(*parts, strict=True)]
        base = count * _OFFSET
        scale = self.scale
        return [b + (field - base) / scale for b, field in zip(self._bias, fields, strict=True)]

    def head(self, name: str, scores: Sequence[float]) -> dict[str, float]:
        """The probabilities of head `name`'s classes, from `scores()`."""
        return dict(zip(self.heads[name], softmax(scores[self._slices[name]]), strict=True))

    def predict(self, analysis: Analysis, context: str, rule_primary: Code | None = None) -> Prediction:
        """The code of the reply the rules read as `analysis`, answering the client's line `context`.

        `rule_primary`: the rules' own primary code (`decide(analysis)[0]`) when the caller has it.
        """
        primary = rule_primary or decide(analysis)[0]
        return self._predict(self._scores(*self._rows(analysis, context, primary)), analysis.lang, primary)

    def predict_code(self, analysis: Analysis, context: str, rule_primary: Code | None = None) -> Code:
        """`predict(...).code`, without the probabilities (what the coder needs for each reply)."""
        primary = rule_primary or decide(analysis)[0]
        if self._stands(primary, analysis.lang):
            return primary  # no need to score the heads
        return self._code(self._scores(*self._rows(analysis, context, primary)), analysis.lang, primary)

    def _rows(self, analysis: Analysis, context: str, primary: Code) -> tuple[list[int], int]:
        """The packed rows of the reply's features that carry weights, and how many rows they add up."""
        # `reply_features(...)`, without building the word-family strings: a word, pair or stem counts
        # once however often it occurs, as in the feature set.
        norm, text, tokens = _reply_text(analysis)
        distinct = set(tokens)
        found = list(filter(None, map(self._word_rows.get, distinct)))
        # The pairs of `_pairs`, each once (tokens hold no space: "a b" is the pair ("a", "b") only).
        pairs = set(map(" ".join, zip(["<s>", *tokens], [*tokens, "</s>"], strict=True)))
        found.extend(filter(None, map(self._pair_rows.get, pairs)))
        stems = {token[:_STEM] for token in distinct if len(token) > _STEM}
        found.extend(filter(None, map(self._stem_rows.get, stems)))
        # The other features as `_form_features` names them; the rule features each with its
        # language-tagged twin, their rows looked up together (no "da|…" strings built).
        lang = analysis.lang
        packed = self._packed.get
        clauses = clauses_after(analysis.clauses, analysis.lead)
        found.extend(filter(None, map(packed, _clause_features(clauses, norm, analysis.lead))))
        found.extend(filter(None, map(packed, _reply_form_features(lang, text, tokens, context))))
        rule_rows = self._rule_rows.get(lang)
        if rule_rows is None:
            rule_rows = self._rule_rows[lang] = _RuleRows(self._packed, lang)
        count = len(found)
        names = _rule_features(analysis, clauses, primary)
        found.extend(filter(None, map(rule_rows.__getitem__, names)))
        count += sum(map(rule_rows.counts.__getitem__, names))
        return found, count

    def predict_features(self, features: set[str], lang: str) -> Prediction:
        """The prediction from the reply's features (`reply_features`) in language `lang`."""
        return self._predict(self.scores(features), lang, _ruled(features))

    def _predict(self, scores: list[float], lang: str, ruled: Code | None) -> Prediction:
        """The prediction from the heads' `scores`; `ruled`: the rules' primary code (the "rp:" feature)."""
        values, macro = self._probabilities(scores, lang)
        probabilities = dict(zip(self._behaviour_codes, values, strict=True))
        return Prediction(self._choose(probabilities, ruled, lang), probabilities,
                          dict(zip(self.heads["macro"], macro, strict=True)))

    def _code(self, scores: list[float], lang: str, ruled: Code | None) -> Code:
        """`_predict(scores, lang, ruled).code`, with no dictionaries built."""
        values, _ = self._weights(scores, lang)  # (normalising them changes no order)
        best = self._behaviour_codes[max(range(len(values)), key=values.__getitem__)]  # the first, as `_choose`
        return self._ruled_choice(best, ruled, lang)

    def _probabilities(self, scores: list[float], lang: str) -> tuple[list[float], list[float]]:
        """From the heads' `scores`: the probability of each code (in the order of `_behaviour_codes`) and of
        each behaviour (in the macro head's order)."""
        values, macro = self._weights(scores, lang)
        if lang in self._offset_factors:
            total = sum(values)
            values = [value / total for value in values]
        return values, macro

    def _weights(self, scores: list[float], lang: str) -> tuple[list[float], list[float]]:
        """`_probabilities`, but for the last step: with the language's offset factors, the codes' weights
        are not normalised (the likeliest code is the same)."""
        # Every head's softmax from one pass of exponentials: a shift common to all the scores cancels
        # within each head. A code's probability is keep · P(behaviour) · e(code) / Σ e(its head) +
        # mix · e(its flat class) / Σ e(flat): one factor per head, then one pass over the codes.
        top = max(scores)
        exp = math.exp
        mix = self._flat_mix.get(lang, 0.0)
        # (Without the flat head, the exponentials up to the last of the other heads' scores are enough.)
        exps = [exp(score - top) for score in (scores if mix else scores[:self._heads_end])]
        part = exps[self._macro_slice]
        macro_total = sum(part)
        totals = [sum(exps[where]) for _, where in self._behaviour_heads]
        flat_total = sum(exps[self._flat_slice]) if mix else 1.0
        if min(macro_total, flat_total, *totals) < _UNDERFLOW:
            values, macro = self._mixed_apart(scores, mix)
        else:
            macro = [value / macro_total for value in part]
            keep = 1.0 - mix
            shares = [keep * macro[behaviour] / total
                      for (behaviour, _), total in zip(self._behaviour_heads, totals, strict=True)]
            if mix:
                share = mix / flat_total
                values = [shares[head] * exps[at] + share * exps[flat_at] for head, at, flat_at in self._code_places]
            else:
                values = [shares[head] * exps[at] for head, at, _ in self._code_places]
        factors = self._offset_factors.get(lang)
        if factors is not None:
            values = [value * factor for value, factor in zip(values, factors, strict=True)]
        return values, macro

    def _mixed_apart(self, scores: list[float], mix: float) -> tuple[list[float], list[float]]:
        """`_weights`, before the offset factors, when some head's exponentials all underflow (its scores
        are far below the top score): each head's softmax on its own."""
        macro = softmax(scores[self._macro_slice])
        values: list[float] = []
        for behaviour, where in self._behaviour_heads:
            weight = macro[behaviour]
            values += [weight * value for value in softmax(scores[where])]
        if mix:
            keep = 1.0 - mix
            flat = softmax(scores[self._flat_slice])
            values = [keep * value + mix * flat[at] for value, at in zip(values, self._flat_index, strict=True)]
        return values, macro

    def choose(self, probabilities: Mapping[Code, float], features: AbstractSet[str], lang: str) -> Code:
        """The code to report: the likeliest, unless the rules' own code stands (see `_choose`)."""
        return self._choose(probabilities, _ruled(features), lang)

    def _choose(self, probabilities: Mapping[Code, float], ruled: Code | None, lang: str) -> Code:
        return self._ruled_choice(max(probabilities, key=probabilities.__getitem__), ruled, lang)

    def _ruled_choice(self, best: Code, ruled: Code | None, lang: str) -> Code:
        """The model's `best` code, or the rules' `ruled` one where the rules' code stands."""
        if ruled is not None:
            # Where the training data cannot teach a code (English: AnnoMI has no persuade, confront,
            # permission, affirm, autonomy or seek labels), the rules' code stands: always for the
            # `rule_codes`, against the codes outside them for the `model_choice_codes`, and inside the
            # behaviour the model chose for the `family_rule_codes`.
            choice = self.model_choice_codes.get(lang, ())
            if ruled in choice:
                return best if best in choice else ruled
            within = MACRO[ruled] == MACRO[best] and ruled in self.family_rule_codes.get(lang, ())
            # "That sounds hard. What happened?" is the question (labelling rule 2), however much it reflects.
            asked = ruled in QUESTIONS and best in REFLECTIONS and lang in self.questions_over_reflections
            if within or asked or self._stands(ruled, lang):
                best = ruled
        return best

    def _stands(self, ruled: Code, lang: str) -> bool:
        """The rules' code stands whatever the heads say (one of the language's `rule_codes`)."""
        return ruled in self.rule_codes.get(lang, ())


_UNDERFLOW = 1e-250
"""A head's exponentials summing below this have underflowed: its softmax is computed on its own."""

_RULED = {"rp:" + code.value: code for code in Code}
"""The feature naming the rules' own primary code → that code."""


def _ruled(features: AbstractSet[str]) -> Code | None:
    """The rules' own primary code, from its feature in `features` (None if there is none)."""
    return next((code for name, code in _RULED.items() if name in features), None)


def _code_lists(data: Mapping[str, Sequence[str]]) -> dict[str, frozenset[Code]]:
    return {str(lang): frozenset(Code(code) for code in codes) for lang, codes in data.items()}


WEIGHTS_FILE = "weights.json.gz"


@cache
def load_model() -> CoderModel | None:
    """The shipped model (read once per process), or None when no weights are shipped."""
    path = resources.files("bot.coder.model_data").joinpath(WEIGHTS_FILE)
    if not path.is_file():
        return None
    return CoderModel.from_bytes(path.read_bytes())


__all__ = ["BEHAVIOURS", "MACRO", "SUBHEADS", "CoderModel", "ModelError", "Prediction", "load_model",
           "reply_features"]
