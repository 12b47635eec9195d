"""The coach: per-turn feedback and the MITI-style session summary. Pure and deterministic.

Every learner-visible word comes from `bot/locales/coach.<lang>.yaml` (keys `coach.*`), rendered
in the scenario's language. Nothing here does I/O at call time: the catalogues are read once.

Counting follows MITI 4.2.1:

* Behaviour counts: every code the coder found in a reply counts once (a reply such as
  "Du er bekymret. Hvad tænker du selv?" is a complex reflection *and* an open question, as MITI
  codes it per utterance). Open and closed questions are kept apart; Q = open + closed.
* R:Q = (SR + CR) / Q; %CR = CR / (SR + CR); %open = open / (open + closed).
* MI-adherent = Affirm + Seek collaboration + Emphasise autonomy, MI-non-adherent = Persuade +
  Confront (`state_machines.codes.MI_ADHERENT` / `MI_NON_ADHERENT`, the MITI 4.2.1 summary
  formulas). Persuade with permission is its own MITI 4.2.1 code and is *not* non-adherent, but
  the manual's "Total MI-adherent" does not include it; asking permission is not a MITI 4.2.1 code
  at all. Both are counted separately as `with_permission` (MI-consistent, shown next to the two
  totals) so the 4.2.1 totals stay comparable with coded sessions elsewhere.
* Thresholds (exact rational comparisons, so a boundary value gets the higher rating):
  R:Q fair >= 1:1, good >= 2:1; %CR fair >= 40 %, good >= 50 % (MITI 4.2.1);
  %open fair >= 50 %, good >= 70 % (MITI 3.1.1 — 4.2.1 no longer codes open vs closed).
  A ratio with a zero denominator is None and not rated (shown as "–").
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from bot.coded_reply import CodedReply
from bot.coder.rulers import asks_on_a_ruler
from bot.i18n import LANGUAGES, Messages, catalogue
from state_machines.codes import ALL_CODES, MI_ADHERENT, MI_NON_ADHERENT, VALENCE, Code, Valence
from state_machines.conditions import RULERS
from state_machines.model import Outcome, Scenario, State, Talk
from state_machines.simulator import ClientTurn

# ---------------------------------------------------------------- thresholds


class Rating(StrEnum):
    """A summary ratio against the MITI thresholds."""

    UNDER_FAIR = "under_fair"
    FAIR = "fair"
    GOOD = "good"


RQ_FAIR, RQ_GOOD = Fraction(1), Fraction(2)  # MITI 4.2.1: reflections per question
CR_FAIR, CR_GOOD = Fraction(40), Fraction(50)  # MITI 4.2.1: % complex reflections
OPEN_FAIR, OPEN_GOOD = Fraction(50), Fraction(70)  # MITI 3.1.1: % open questions (dropped in 4.2.1)

THRESHOLDS: Mapping[str, Mapping[str, object]] = MappingProxyType(
    {
        "reflection_to_question": {"fair": 1.0, "good": 2.0, "source": "MITI 4.2.1"},
        "percent_complex_reflections": {"fair": 40.0, "good": 50.0, "source": "MITI 4.2.1"},
        "percent_open_questions": {"fair": 50.0, "good": 70.0, "source": "MITI 3.1.1"},
    }
)

WITH_PERMISSION = frozenset({Code.ASK_PERMISSION, Code.PERSUADE_WITH_PERMISSION})
"""MI-consistent, but in neither MITI 4.2.1 total; reported on their own."""

EVIDENCE_MAX_CHARS = 40
"""Longer evidence is shortened in the feedback (phones)."""


def _rate(value: Fraction | None, fair: Fraction, good: Fraction) -> Rating | None:
    if value is None:
        return None
    if value >= good:
        return Rating.GOOD
    if value >= fair:
        return Rating.FAIR
    return Rating.UNDER_FAIR


def _ratio(numerator: int, denominator: int, scale: int = 1) -> Fraction | None:
    return Fraction(numerator * scale, denominator) if denominator else None


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Feedback:
    """What the coach says about one learner reply."""

    text: str
    """2-5 short lines in the scenario's language."""
    better_reply: str | None
    """For a neutral or MI-inconsistent reply: an example reply from the scenario, else None."""
    code: Code
    valence: Valence


@dataclass(frozen=True, slots=True)
class Summary:
    """The session in MITI numbers, plus a rendered text for the learner."""

    scenario: str
    lang: str
    client: str
    """The client's name, as the text shows it."""
    turns: int
    counts: Mapping[Code, int]
    """MITI behaviour counts, every one of the 13 codes (0 when absent)."""
    open_questions: int
    closed_questions: int
    simple_reflections: int
    complex_reflections: int
    reflection_to_question: Fraction | None
    """(SR + CR) / Q; None when there were no questions."""
    percent_complex_reflections: Fraction | None
    """100 * CR / (SR + CR); None when there were no reflections."""
    percent_open_questions: Fraction | None
    """100 * open / Q; None when there were no questions."""
    rq_rating: Rating | None
    cr_rating: Rating | None
    open_rating: Rating | None
    mi_adherent: int
    mi_non_adherent: int
    with_permission: int
    talk: Mapping[Talk, int]
    """Client talk after the learner's replies (the opening line is not counted)."""
    rulers_start: Mapping[str, int]
    rulers_end: Mapping[str, int]
    outcome: Outcome | None
    """The final state's outcome, or None while the conversation is still going."""
    tips: tuple[str, ...]
    """Tip ids (`coach.tips.<id>`), one or two, most important first."""

    @property
    def text(self) -> str:
        """The summary for the learner, in `lang`. Rendered when asked for, not with the numbers:
        the bot stores the numbers after every turn but shows the text only now and then."""
        return _render(Messages(self.lang), self)

    @property
    def questions(self) -> int:
        return self.open_questions + self.closed_questions

    @property
    def reflections(self) -> int:
        return self.simple_reflections + self.complex_reflections

    @property
    def ended(self) -> bool:
        return self.outcome is not None

    @property
    def rulers_change(self) -> Mapping[str, int]:
        return MappingProxyType({name: self.rulers_end[name] - self.rulers_start[name] for name in self.rulers_start})

    def to_json(self, *, text: bool = True) -> dict[str, Any]:
        """Plain JSON data (ratios as floats, None when undefined); `text=False` leaves the rendered
        text out (`from_json` renders it again from the numbers)."""

        def number(value: Fraction | None) -> float | None:
            return None if value is None else float(value)

        def rating(value: Rating | None) -> str | None:
            return None if value is None else value.value

        data = {
            "scenario": self.scenario,
            "lang": self.lang,
            "client": self.client,
            "turns": self.turns,
            "counts": {code.value: self.counts[code] for code in ALL_CODES},
            "questions": self.questions,
            "open_questions": self.open_questions,
            "closed_questions": self.closed_questions,
            "reflections": self.reflections,
            "simple_reflections": self.simple_reflections,
            "complex_reflections": self.complex_reflections,
            "reflection_to_question": number(self.reflection_to_question),
            "percent_complex_reflections": number(self.percent_complex_reflections),
            "percent_open_questions": number(self.percent_open_questions),
            "ratings": {
                "reflection_to_question": rating(self.rq_rating),
                "percent_complex_reflections": rating(self.cr_rating),
                "percent_open_questions": rating(self.open_rating),
            },
            "thresholds": {name: dict(values) for name, values in THRESHOLDS.items()},
            "mi_adherent": self.mi_adherent,
            "mi_non_adherent": self.mi_non_adherent,
            "with_permission": self.with_permission,
            "talk": {talk.value: self.talk[talk] for talk in Talk},
            "rulers": {
                name: {
                    "start": self.rulers_start[name],
                    "end": self.rulers_end[name],
                    "change": self.rulers_end[name] - self.rulers_start[name],
                }
                for name in self.rulers_start
            },
            "outcome": self.outcome.value if self.outcome else None,
            "ended": self.ended,
            "tips": list(self.tips),
        }
        if text:
            data["text"] = self.text
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """The summary `to_json` wrote. Ratios, ratings and tips are worked out again from the counts
        (exact fractions, not the stored floats), so the text is the one first shown."""
        rulers = data["rulers"]
        return _summary(
            str(data["scenario"]), str(data["lang"]), str(data.get("client", "")), int(data["turns"]),
            {code: int(data["counts"].get(code.value, 0)) for code in ALL_CODES},
            {talk: int(data["talk"].get(talk.value, 0)) for talk in Talk},
            {name: int(rulers[name]["start"]) for name in rulers},
            {name: int(rulers[name]["end"]) for name in rulers},
            Outcome(data["outcome"]) if data.get("outcome") else None,
        )


# ---------------------------------------------------------------- the coach

# Which example codes make the best alternative, by the learner's code (first non-empty group wins).
_PREFERRED: Mapping[Code, tuple[tuple[Code, ...], ...]] = MappingProxyType(
    {Code.CLOSED_QUESTION: ((Code.OPEN_QUESTION,), (Code.COMPLEX_REFLECTION, Code.OPEN_QUESTION))}
)
_DEFAULT_PREFERRED: tuple[tuple[Code, ...], ...] = ((Code.COMPLEX_REFLECTION, Code.OPEN_QUESTION),)
_OTHER_CONSISTENT: tuple[Code, ...] = tuple(
    code
    for code in ALL_CODES
    if VALENCE[code] is Valence.CONSISTENT and code not in {Code.OPEN_QUESTION, Code.COMPLEX_REFLECTION}
)
"""Fallback examples when the state has no complex reflection or open question example."""
_NO_EXAMPLE_TIPS = frozenset({Code.CLOSED_QUESTION, Code.GIVING_INFORMATION, Code.OTHER, Code.PERSUADE, Code.CONFRONT})
"""Codes with a `coach.feedback.no_example.<code>` tip for when the state has no examples at all."""


def _stable_index(key: str, size: int) -> int:
    """A deterministic index in range(size) (unlike `hash`, the same in every process)."""
    return zlib.crc32(key.encode("utf-8")) % size


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class Coach:
    """Per-turn feedback and the session summary. Stateless; one instance serves every learner."""

    def __init__(self) -> None:
        for lang in LANGUAGES:  # read the catalogues now, not in the middle of a turn
            catalogue(lang)

    # ------------------------------------------------------------ feedback

    def feedback(self, scenario: Scenario, state_before: State, coded: CodedReply, client: ClientTurn) -> Feedback:
        """What the learner did, why it matters in MI, what it did to the client, and a better reply."""
        msg = Messages(scenario.language)
        code, valence = coded.primary, coded.valence
        # A ruler question is closed, but it is MI practice, not a slip: the tip is its follow-up question,
        # not an open question instead.
        ruler = code is Code.CLOSED_QUESTION and asks_on_a_ruler(coded.text, coded.lang)
        rows = [self._did(msg, coded), msg("coach.feedback.ruler" if ruler else f"coach.why.{code.value}")]
        effect = self._effect(msg, scenario, coded, client)
        if effect:
            rows.append(effect)
        better: str | None = None
        if valence is not Valence.CONSISTENT and not ruler:
            better = self.better_reply(state_before, coded, client.turn)
            if better is not None:
                key = "coach.feedback.better" if valence is Valence.INCONSISTENT else "coach.feedback.alternative"
                rows.append(msg(key, reply=better))
            elif code in _NO_EXAMPLE_TIPS:
                rows.append(msg(f"coach.feedback.no_example.{code.value}"))
        return Feedback(text="\n".join(rows), better_reply=better, code=code, valence=valence)

    @staticmethod
    def better_reply(state: State, coded: CodedReply, turn: int) -> str | None:
        """An example reply from `state` (complex reflection / open question first), chosen deterministically."""
        groups = [*_PREFERRED.get(coded.primary, _DEFAULT_PREFERRED), _OTHER_CONSISTENT]
        own = coded.text.strip().casefold()
        for group in groups:
            candidates = [
                example
                for example_code in group
                if example_code is not coded.primary
                for example in state.examples.get(example_code, ())
                if example.strip() and example.strip().casefold() != own
            ]
            if candidates:
                return candidates[_stable_index(f"{state.name}|{turn}|{coded.text}", len(candidates))]
        return None

    @staticmethod
    def _did(msg: Messages, coded: CodedReply) -> str:
        code = coded.primary
        words: list[str] = []
        for item in coded.evidence:
            snippet = " ".join(item.text.split())
            if item.code is not code or not snippet:
                continue
            if len(snippet) > EVIDENCE_MAX_CHARS:
                snippet = snippet[: EVIDENCE_MAX_CHARS - 1].rstrip() + msg("coach.feedback.ellipsis")
            if snippet not in words:
                words.append(snippet)
        evidence = (
            msg("coach.feedback.evidence", words=msg("coach.feedback.evidence_separator").join(words[:2]))
            if words
            else ""
        )
        row = msg(
            "coach.feedback.did",
            mark=msg(f"coach.mark.{coded.valence.value}"),
            code=_capitalised(msg(f"coach.code.{code.value}")),
            evidence=evidence,
            valence=msg(f"coach.valence.{coded.valence.value}"),
        )
        others = [other for other in dict.fromkeys(coded.codes) if other is not code][:2]
        if others:
            names = msg("coach.feedback.list_separator").join(msg(f"coach.code.{other.value}") for other in others)
            row += msg("coach.feedback.also", codes=names)
        return row

    @staticmethod
    def _effect(msg: Messages, scenario: Scenario, coded: CodedReply, client: ClientTurn) -> str:
        name = scenario.client.name
        talk = client.line.talk
        parts: list[str] = []
        if talk is Talk.CHANGE:
            parts.append(msg("coach.effect.change", name=name))
        elif talk is Talk.DISCORD:
            parts.append(msg("coach.effect.discord", name=name))
        elif talk is Talk.SUSTAIN:
            key = "coach.effect.sustain" if coded.valence is Valence.CONSISTENT else "coach.effect.sustain_after_push"
            parts.append(msg(key, name=name))
        changes = [
            msg("coach.effect.ruler_change", ruler=msg(f"coach.ruler.{ruler}"), delta=delta)
            for ruler in RULERS
            if (delta := client.variables.get(ruler, 0) - client.variables_before.get(ruler, 0))
        ]
        if changes:
            parts.append(msg("coach.effect.rulers", changes=msg("coach.feedback.list_separator").join(changes)))
        return " ".join(parts)

    # ------------------------------------------------------------ summary

    def summarise(
        self,
        scenario: Scenario,
        history: Sequence[tuple[CodedReply, ClientTurn]],
        start_values: Mapping[str, int],
    ) -> Summary:
        """MITI counts and ratios, client talk, ruler movement and one or two tips, for the whole session."""
        counts = dict.fromkeys(ALL_CODES, 0)
        talk = dict.fromkeys(Talk, 0)
        for coded, client in history:
            for code in dict.fromkeys(coded.codes or (coded.primary,)):
                counts[code] += 1
            if client.turn > 0:  # the opening line was not elicited by the learner
                talk[client.line.talk] += 1
        start = {name: int(start_values.get(name, 0)) for name in RULERS}
        end = dict(start)
        if history:
            last = history[-1][1].variables
            end = {name: int(last.get(name, start[name])) for name in RULERS}
        outcome = history[-1][1].outcome if history else None
        return _summary(scenario.id, scenario.language, scenario.client.name, len(history), counts, talk, start, end,
                        outcome)


def _summary(scenario: str, lang: str, client: str, turns: int, counts: dict[Code, int], talk: dict[Talk, int],
             start: dict[str, int], end: dict[str, int], outcome: Outcome | None) -> Summary:
    """The summary from its counts: ratios, ratings and the tips follow from them."""
    oq, cq = counts[Code.OPEN_QUESTION], counts[Code.CLOSED_QUESTION]
    sr, cr = counts[Code.SIMPLE_REFLECTION], counts[Code.COMPLEX_REFLECTION]
    rq = _ratio(sr + cr, oq + cq)
    pct_cr = _ratio(cr, sr + cr, 100)
    pct_open = _ratio(oq, oq + cq, 100)
    summary = Summary(
        scenario=scenario,
        lang=lang,
        client=client,
        turns=turns,
        counts=MappingProxyType(counts),
        open_questions=oq,
        closed_questions=cq,
        simple_reflections=sr,
        complex_reflections=cr,
        reflection_to_question=rq,
        percent_complex_reflections=pct_cr,
        percent_open_questions=pct_open,
        rq_rating=_rate(rq, RQ_FAIR, RQ_GOOD),
        cr_rating=_rate(pct_cr, CR_FAIR, CR_GOOD),
        open_rating=_rate(pct_open, OPEN_FAIR, OPEN_GOOD),
        mi_adherent=sum(counts[code] for code in MI_ADHERENT),
        mi_non_adherent=sum(counts[code] for code in MI_NON_ADHERENT),
        with_permission=sum(counts[code] for code in WITH_PERMISSION),
        talk=MappingProxyType(talk),
        rulers_start=MappingProxyType(start),
        rulers_end=MappingProxyType(end),
        outcome=outcome,
        tips=(),
    )
    return replace(summary, tips=_tips(summary))


def _tips(summary: Summary) -> tuple[str, ...]:
    """One or two tip ids chosen from the numbers, most important first."""
    if not summary.turns:
        return ("no_replies",)
    enough = summary.turns >= 3  # too early to miss change talk or affirmations
    rules = (
        ("non_adherent", summary.mi_non_adherent > 0),
        ("reflect_more", summary.rq_rating is Rating.UNDER_FAIR),
        ("try_reflections", summary.reflections == 0 and summary.questions == 0),
        ("deepen", summary.cr_rating is Rating.UNDER_FAIR),
        ("open_up", summary.open_rating is Rating.UNDER_FAIR),
        ("discord", summary.talk[Talk.DISCORD] > 0 and summary.mi_non_adherent == 0),
        ("evoke", enough and summary.talk[Talk.CHANGE] == 0),
        ("affirm", enough and summary.mi_adherent == 0),
    )
    chosen = tuple(tip for tip, applies in rules if applies)[:2]
    return chosen or ("keep_going",)


def _floor_decimal(value: Fraction, msg: Messages) -> str:
    """One decimal, rounded down, so a value under a threshold never displays as the threshold."""
    tenths = int(value * 10)  # int() truncates; values are never negative
    return f"{tenths // 10}{msg('coach.number.decimal')}{tenths % 10}"


def _render(msg: Messages, summary: Summary) -> str:
    tips = summary.tips
    outcome = msg(f"coach.outcome.{summary.outcome.value if summary.outcome else 'in_progress'}")
    title_key = "coach.summary.title_one" if summary.turns == 1 else "coach.summary.title"
    rows = [msg(title_key, turns=summary.turns, outcome=outcome)]
    tip_rows = [msg("coach.summary.tip", tip=msg(f"coach.tips.{tip}")) for tip in tips]
    if not summary.turns:
        return "\n".join([*rows, msg("coach.summary.no_replies"), *tip_rows])

    sep = msg("coach.summary.separator")
    counts = msg("coach.feedback.list_separator").join(
        msg("coach.summary.code_count", code=msg(f"coach.code.{code.value}"), count=summary.counts[code])
        for code in ALL_CODES
        if summary.counts[code]
    )
    rows.append(msg("coach.summary.codes", counts=counts))

    def rated(shown: str | None, value: Rating | None) -> str:
        if shown is None or value is None:
            return msg("coach.rating.none")
        return msg("coach.summary.rated", value=shown, rating=msg(f"coach.rating.{value.value}"))

    def ratio(value: Fraction | None) -> str | None:
        return None if value is None else msg("coach.number.ratio", value=_floor_decimal(value, msg))

    def percent(value: Fraction | None) -> str | None:
        return None if value is None else msg("coach.number.percent", value=int(value))  # int() rounds down

    rows.append(
        msg(
            "coach.summary.ratios",
            rq=rated(ratio(summary.reflection_to_question), summary.rq_rating),
            cr=rated(percent(summary.percent_complex_reflections), summary.cr_rating),
            open=rated(percent(summary.percent_open_questions), summary.open_rating),
        )
    )
    rows.append(
        msg(
            "coach.summary.adherence",
            adherent=summary.mi_adherent,
            non_adherent=summary.mi_non_adherent,
            permission=summary.with_permission,
        )
    )
    talk = sep.join(
        msg("coach.summary.talk_count", talk=msg(f"coach.talk.{kind.value}"), count=summary.talk[kind])
        for kind in (Talk.CHANGE, Talk.SUSTAIN, Talk.DISCORD, Talk.NEUTRAL)
    )
    rows.append(msg("coach.summary.talk", name=summary.client, counts=talk))
    moves = sep.join(
        msg(
            "coach.summary.ruler_move",
            ruler=msg(f"coach.ruler.{name}"),
            start=summary.rulers_start[name],
            end=summary.rulers_end[name],
        )
        for name in RULERS
    )
    rows.append(_capitalised(msg("coach.summary.rulers", moves=moves)))
    return "\n".join([*rows, *tip_rows])


__all__ = ["THRESHOLDS", "WITH_PERMISSION", "Coach", "Feedback", "Rating", "Summary"]
