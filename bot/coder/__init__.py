"""The MI coder: learner reply (+ the client's last line) → MITI-style codes with evidence.

`Coder().code(text, context, lang)` is the public entry point; `detect_language(text)` tells Danish
from English. `analyse`/`decide` split the work so a trained model can reuse the rule features.
"""

from bot.coder.coder import Coder
from bot.coder.language import detect_language
from bot.coder.rules import Analysis, Clause, analyse, decide

__all__ = ["Analysis", "Clause", "Coder", "analyse", "decide", "detect_language"]
