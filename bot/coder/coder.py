"""`Coder`: a learner reply in, a `CodedReply` out (codes, primary code, valence, evidence)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain, repeat

from bot.coded_reply import CodedReply
from bot.coder.language import LanguageCues, language_cues
from bot.coder.lexicon import LANGUAGES, Lexicon, load_lexicon
from bot.coder.model import CoderModel, load_model
from bot.coder.rules import Analysis, analyse, decide
from state_machines.codes import VALENCE, Code


class _Shipped:
    """The default for `Coder(model=...)`: the model shipped with the package."""


SHIPPED = _Shipped()


class Coder:
    """Codes learner replies the way an MI supervisor would (MITI 4.2.1, Danish and English).

    Pure: the lexicons and the model's weights are read once (shared by every Coder in the process);
    `code()` does no I/O. `analyse()` gives the rule hits (the evidence shown to the learner) and
    features; the trained model (`bot.coder.model`, weights in `model_data/`) picks the primary code
    from them. `Coder(model=None)` is the rules-only coder (`rules.decide`).
    """

    def __init__(self, lexicons: Mapping[str, Lexicon] | None = None, cues: LanguageCues | None = None,
                 model: CoderModel | _Shipped | None = SHIPPED) -> None:
        """`model`: the trained model that picks the primary code; by default the shipped one; None: rules only."""
        self.model: CoderModel | None = load_model() if isinstance(model, _Shipped) else model
        self._lexicons = dict(lexicons) if lexicons is not None else {lang: load_lexicon(lang) for lang in LANGUAGES}
        missing = [lang for lang in LANGUAGES if lang not in self._lexicons]
        if missing:
            raise ValueError(f"no lexicon for {', '.join(missing)}")
        self._cues = cues or language_cues()

    def language(self, text: str, context: str = "") -> str:
        """ "da" or "en": from the reply; when it is too short to tell ("ok"), from the client's line."""
        return self._cues.detect(text) or self._cues.detect(context) or self._cues.default

    def analyse(self, text: str, context: str = "", lang: str | None = None) -> Analysis:
        """The rule hits, clauses and features of one reply (before the primary code is chosen)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, not {type(text).__name__}")
        if not isinstance(context, str):
            raise TypeError(f"context must be a string, not {type(context).__name__}")
        language = self.language(text, context) if lang is None else _checked_language(lang)
        return analyse(text, context, self._lexicons[language])

    def decide(self, analysis: Analysis, context: str = "") -> tuple[Code, tuple[Code, ...]]:
        """The primary code (the model's choice; the rules' when no model is loaded) and all codes present."""
        primary, codes = decide(analysis)
        if self.model is None:
            return primary, codes
        chosen = self.model.predict_code(analysis, context, primary)
        if chosen is codes[0]:  # the rules' choice (the codes are all different)
            return chosen, codes
        return chosen, (chosen, *(code for code in codes if code is not chosen))

    def code(self, text: str, context: str = "", lang: str | None = None) -> CodedReply:
        """Code `text`, a learner reply to `context` (the client's last line), in `lang` (None: detect)."""
        analysis = self.analyse(text, context, lang)
        primary, codes = self.decide(analysis, context)
        evidence = tuple(chain.from_iterable(map(analysis.hits.get, codes, repeat(()))))  # in the order of codes
        return CodedReply(
            text=text,
            lang=analysis.lang,
            primary=primary,
            codes=codes,
            valence=VALENCE[primary],
            evidence=evidence,
        )


def _checked_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return lang


__all__ = ["Coder"]
