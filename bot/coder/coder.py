"""`Coder`: a learner reply in, a `CodedReply` out (codes, primary code, valence, evidence)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.coded_reply import CodedReply
from bot.coder.language import LanguageCues, language_cues
from bot.coder.lexicon import LANGUAGES, Lexicon, load_lexicon
from bot.coder.rules import Analysis, analyse, decide
from state_machines.codes import VALENCE


class Coder:
    """Codes learner replies the way an MI supervisor would (MITI 4.2.1, rules v1, Danish and English).

    Pure: the lexicons are read and compiled once (shared by every Coder in the process); `code()`
    does no I/O. A trained model can later sit behind the rules: `analyse()` gives it the rule hits
    and features, `decide()` is the rule-based last step it would replace.
    """

    def __init__(self, lexicons: Mapping[str, Lexicon] | None = None, cues: LanguageCues | None = None) -> None:
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

    def code(self, text: str, context: str = "", lang: str | None = None) -> CodedReply:
        """Code `text`, a learner reply to `context` (the client's last line), in `lang` (None: detect)."""
        analysis = self.analyse(text, context, lang)
        primary, codes = decide(analysis)
        evidence = tuple(item for code in codes for item in analysis.hits.get(code, ()))
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
