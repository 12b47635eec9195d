"""One learner's practice conversation: reply → coder → client simulator → coach.

Front ends (terminal, Telegram) only talk to `PracticeSession`. It is pure: no I/O, no asyncio;
storage keeps `snapshot()` and the `TurnRecord`s and gives them back to `restore()`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot import i18n
from bot.coach import Coach, Feedback, Summary
from bot.coded_reply import CodedReply, Evidence
from bot.coder import Coder
from bot.coder.rulers import ruler_asked
from state_machines.codes import QUESTIONS, Code, Valence
from state_machines.library import ScenarioLibrary
from state_machines.model import Line, Outcome, Scenario, Talk
from state_machines.simulator import ClientSimulator, ClientTurn, Conversation

MAX_REPLY_CHARS = 2000

_RULER_BANDS: tuple[tuple[str, Talk], ...] = (
    *[("low", Talk.SUSTAIN)] * 4, *[("mid", Talk.NEUTRAL)] * 3, *[("high", Talk.CHANGE)] * 4)
"""A ruler's value (0-10) → the band of the client's answer and what kind of talk it is: a low number
argues for staying as things are, a high one for change."""
"""Longer replies are refused: no real reply in a counselling conversation is that long."""

_ALLOWED_CONTROL = frozenset("\n\r\t")


class InvalidReply(ValueError):
    """A reply that cannot be practised with; nothing was changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "empty" | "too_long" | "control"

    @property
    def message_key(self) -> str:
        return f"practice.invalid.{self.reason}"


class SessionEnded(RuntimeError):
    """The client has reached a final state; start a new session to go on."""


def check_reply(text: str) -> str:
    """The reply without surrounding whitespace, or InvalidReply saying what is wrong with it."""
    # isprintable() is False for every control character, so most replies skip the scan.
    if not text.isprintable() and any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROL for ch in text):
        raise InvalidReply("control")
    stripped = text.strip()
    if not stripped:
        raise InvalidReply("empty")
    if len(stripped) > MAX_REPLY_CHARS:
        raise InvalidReply("too_long")
    return stripped


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """Everything about one learner reply: what storage keeps and the summary is built from."""

    turn: int
    text: str
    coded: CodedReply
    client: ClientTurn
    feedback: Feedback

    def to_json(self) -> dict[str, Any]:
        client = self.client
        return {
            "turn": self.turn,
            "text": self.text,
            "coded": self.coded.to_json(),
            "client": {
                "code": client.code.value if client.code else None,
                "line": client.line.text,
                "talk": client.line.talk.value,
                "state_before": client.state_before,
                "state": client.state,
                "variables_before": dict(client.variables_before),
                "variables": dict(client.variables),
                "outcome": client.outcome.value if client.outcome else None,
            },
            "feedback": {
                "text": self.feedback.text,
                "better_reply": self.feedback.better_reply,
                "code": self.feedback.code.value,
                "valence": self.feedback.valence.value,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], scenario: Scenario) -> TurnRecord:
        """Rebuild a stored turn; the fired transition is not kept (it is derivable and unused)."""
        del scenario  # part of the contract: future formats may need to look things up in it
        coded = data["coded"]
        client = data["client"]
        feedback = data["feedback"]
        return cls(
            turn=int(data["turn"]),
            text=str(data["text"]),
            coded=CodedReply(
                text=str(data["text"]),
                lang=str(coded["lang"]),
                primary=Code(coded["primary"]),
                codes=tuple(Code(c) for c in coded["codes"]),
                valence=Valence(coded["valence"]),
                evidence=tuple(Evidence(Code(e["code"]), str(e["text"])) for e in coded["evidence"]),
            ),
            client=ClientTurn(
                turn=int(data["turn"]),
                code=Code(client["code"]) if client["code"] else None,
                line=Line(str(client["line"]), Talk(client["talk"])),
                state_before=str(client["state_before"]),
                state=str(client["state"]),
                variables_before=dict(client["variables_before"]),
                variables=dict(client["variables"]),
                transition=None,
                outcome=Outcome(client["outcome"]) if client["outcome"] else None,
            ),
            feedback=Feedback(
                text=str(feedback["text"]),
                better_reply=feedback["better_reply"],
                code=Code(feedback["code"]),
                valence=Valence(feedback["valence"]),
            ),
        )


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What one reply produced: the turn, and the session summary when the client reached an end."""

    record: TurnRecord
    summary: Summary | None = None

    @property
    def ended(self) -> bool:
        return self.record.client.ended


class PracticeSession:
    """A learner practising with one scenario's client."""

    def __init__(
        self,
        scenario: Scenario,
        simulator: ClientSimulator,
        conversation: Conversation,
        coder: Coder,
        coach: Coach,
        history: Sequence[TurnRecord],
        opening: ClientTurn,
    ) -> None:
        self.scenario = scenario
        self._simulator = simulator
        self._conversation = conversation
        self._coder = coder
        self._coach = coach
        self._history = list(history)
        self.opening = opening

    @classmethod
    def begin(
        cls, library: ScenarioLibrary, scenario_id: str, seed: int, coder: Coder, coach: Coach
    ) -> PracticeSession:
        scenario = library.get(scenario_id)
        simulator = library.simulator(scenario_id)
        conversation, opening = simulator.start(seed)
        return cls(scenario, simulator, conversation, coder, coach, (), opening)

    @classmethod
    def restore(
        cls,
        snapshot: Mapping[str, Any],
        history: Sequence[TurnRecord],
        library: ScenarioLibrary,
        coder: Coder,
        coach: Coach,
    ) -> PracticeSession:
        """Continue a stored session exactly where it was (raises SnapshotError/UnknownScenario)."""
        scenario = library.get(str(snapshot["scenario"]))
        simulator = library.simulator(scenario.id)
        conversation = simulator.restore(snapshot["conversation"])
        opening = snapshot.get("opening", {})
        opening_turn = ClientTurn(
            turn=0,
            code=None,
            line=Line(str(opening.get("text", "")), Talk(opening.get("talk", Talk.NEUTRAL.value))),
            state_before=scenario.start,
            state=scenario.start,
            variables_before=dict(scenario.start_values),
            variables=dict(scenario.start_values),
            transition=None,
            outcome=None,
        )
        return cls(scenario, simulator, conversation, coder, coach, history, opening_turn)

    @property
    def ended(self) -> bool:
        return self._simulator.ended(self._conversation)

    @property
    def turn(self) -> int:
        return self._conversation.turn

    @property
    def state(self) -> str:
        return self._conversation.state

    @property
    def variables(self) -> Mapping[str, int]:
        return dict(self._conversation.variables)

    @property
    def history(self) -> tuple[TurnRecord, ...]:
        return tuple(self._history)

    @property
    def last_client_line(self) -> str:
        return self._history[-1].client.line.text if self._history else self.opening.line.text

    def reply(self, text: str) -> TurnResult:
        """Code the reply, let the client answer, coach the learner. Bad input changes nothing."""
        reply = check_reply(text)
        if self.ended:
            raise SessionEnded(self.scenario.id)
        coded = self._coder.code(reply, context=self.last_client_line, lang=self.scenario.language)
        state_before = self.scenario.state(self.state)
        before = self._simulator.snapshot(self._conversation)
        client = self._simulator.respond(self._conversation, coded.primary)
        try:
            client = self._answering_a_ruler(coded, client)
            feedback = self._coach.feedback(self.scenario, state_before, coded, client)
            record = TurnRecord(client.turn, reply, coded, client, feedback)
        except Exception:
            # Keep the turn all-or-nothing: put the client back where it was.
            self._simulator.release(self._conversation)
            self._conversation = self._simulator.restore(before)
            raise
        self._history.append(record)
        return TurnResult(record, self.summary() if client.ended else None)

    def _answering_a_ruler(self, coded: CodedReply, client: ClientTurn) -> ClientTurn:
        """The client's turn, with its own number as the line when the reply asked a ruler question.

        Asked "på en skala fra 0 til 10, hvor vigtigt …", a client says a number, not the state's usual
        answer to a closed question ("Ja."); the number is the client's ruler after the turn, so it moves
        with the conversation. Not when the reply pushed or judged as well (the client reacts to that),
        nor at the end (the final line carries the outcome).
        """
        if client.ended or coded.primary not in QUESTIONS:
            return client
        asked = ruler_asked(coded.text, self.scenario.language)
        if asked is None:
            return client
        value = max(asked.lowest, client.variables[asked.topic])
        band, talk = _RULER_BANDS[min(value, len(_RULER_BANDS) - 1)]
        line = i18n.text(self.scenario.language, f"practice.ruler.{asked.topic}.{band}", value=value)
        return replace(client, line=Line(line, talk))

    def hint(self) -> str:
        """The scenario author's hint for the current state ("" when there is none)."""
        return self.scenario.state(self.state).hint

    def summary(self) -> Summary:
        pairs = [(record.coded, record.client) for record in self._history]
        return self._coach.summarise(self.scenario, pairs, self.scenario.start_values)

    def snapshot(self) -> dict[str, Any]:
        """Small plain data to store after every turn; the history is stored as turn rows."""
        return {
            "scenario": self.scenario.id,
            "conversation": self._simulator.snapshot(self._conversation),
            "opening": {"text": self.opening.line.text, "talk": self.opening.line.talk.value},
        }

    def close(self) -> None:
        """Release the simulator's model (the Machine is shared by every learner)."""
        self._simulator.release(self._conversation)
