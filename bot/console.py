"""Terminal practice: the same PracticeSession as Telegram, on stdin/stdout, no token, no network.

Works interactively and with piped stdin (each line one reply), so a session can be scripted;
the same seed and the same replies print the same conversation.
"""

from __future__ import annotations

from typing import TextIO

from bot.coach import Coach
from bot.coder import Coder
from bot.i18n import Messages
from bot.practice import InvalidReply, PracticeSession, SessionEnded
from state_machines.library import ScenarioLibrary


def _say(out: TextIO, name: str, line: str) -> None:
    out.write(f"{name}: {line}\n")


def _indent(text: str) -> str:
    return "\n".join("  " + row if row else row for row in text.splitlines())


def run_chat(
    library: ScenarioLibrary,
    scenario_id: str,
    seed: int,
    stdin: TextIO,
    stdout: TextIO,
    *,
    interactive: bool = False,
    coder: Coder | None = None,
    coach: Coach | None = None,
) -> int:
    """Run one practice conversation until /quit, the end of input, or a final state."""
    session = PracticeSession.begin(library, scenario_id, seed, coder or Coder(), coach or Coach())
    scenario = session.scenario
    msg = Messages(scenario.language)
    client = scenario.client.name
    who = f"{client}, {scenario.client.age}" if scenario.client.age else client
    if scenario.client.background:
        who = f"{who} — {scenario.client.background}"
    stdout.write(msg("console.briefing", title=scenario.title, description=scenario.description.strip(),
                     client=who) + "\n\n")
    _say(stdout, client, session.opening.line.text)
    try:
        while not session.ended:
            if interactive:
                stdout.write(msg("console.prompt"))
                stdout.flush()
            raw = stdin.readline()
            if not raw:  # end of input: finish as if /quit
                break
            line = raw.rstrip("\n")
            command = line.strip().lower()
            if command in ("/quit", "/stop", "/exit"):
                break
            if command == "/help":
                stdout.write(msg("console.help") + "\n")
                continue
            if command == "/hint":
                stdout.write(msg("console.hint", hint=session.hint() or msg("practice.no_hint")) + "\n")
                continue
            if command.startswith("/") and " " not in command:
                stdout.write(msg("console.unknown_command", command=command) + "\n")
                continue
            try:
                result = session.reply(line)
            except InvalidReply as problem:
                stdout.write(msg(problem.message_key) + "\n")
                continue
            except SessionEnded:
                break
            _say(stdout, client, result.record.client.line.text)
            stdout.write(_indent(result.record.feedback.text) + "\n")
            stdout.flush()
        if session.ended and session.history:
            outcome = session.history[-1].client.outcome
            stdout.write(msg("console.ended", outcome=outcome.value if outcome else "") + "\n")
        stdout.write("\n" + msg("console.summary_title") + "\n" + session.summary().text + "\n")
        stdout.flush()
    finally:
        session.close()
    return 0
