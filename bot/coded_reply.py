"""What the coder says about one learner reply: codes, primary code, valence and evidence."""

from __future__ import annotations

from dataclasses import dataclass

from state_machines.codes import Code, Valence


@dataclass(frozen=True, slots=True)
class Evidence:
    """The words in the reply that made the coder see `code`."""

    code: Code
    text: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code.value, "text": self.text}


@dataclass(frozen=True, slots=True)
class CodedReply:
    """A learner reply as an MI supervisor would code it."""

    text: str
    lang: str
    primary: Code
    codes: tuple[Code, ...]
    """Every code present, primary first."""
    valence: Valence
    """The valence of the primary code."""
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The `mi-trainer code` output object (a public contract: keep the keys)."""
        return {
            "primary": self.primary.value,
            "codes": [code.value for code in self.codes],
            "valence": self.valence.value,
            "lang": self.lang,
            "evidence": [item.to_json() for item in self.evidence],
        }
