"""`mi-trainer chat` end to end, as a student scripts it: piped stdin, one reply per line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from state_machines.library import DEFAULT_SCENARIO, ScenarioLibrary

ROOT = Path(__file__).resolve().parent.parent
DANISH = DEFAULT_SCENARIO["da"]
ENGLISH = DEFAULT_SCENARIO["en"]

DANISH_REPLIES = [
    "Hvad tænker du selv om at komme her i dag?",
    "Du er her, fordi andre synes det, ikke fordi du selv har valgt det.",
    "Det lyder som om du på den ene side gerne vil have et arbejde, "
    "og på den anden side er bange for at det går galt igen.",
    "Du skal bare tage den praktik, det er det bedste for dig.",
    "Det er helt dit valg, hvad du vil.",
    "Hvad ville være vigtigt for dig i et job?",
]


def chat(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
    )


def test_default_scenarios_exist() -> None:
    library, problems = ScenarioLibrary.load(ROOT / "dialogues")
    assert not problems
    assert library.get(DANISH).language == "da"
    assert library.get(ENGLISH).language == "en"
    assert library.default_id("da") == DANISH


def test_piped_danish_session_prints_lines_feedback_and_summary() -> None:
    result = chat("\n".join([*DANISH_REPLIES, "/quit"]) + "\n", "--scenario", DANISH, "--seed", "1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    name = ScenarioLibrary.load(ROOT / "dialogues")[0].get(DANISH).client.name
    # The opening line and one client line per reply (unless the client ended the session early).
    assert out.count(f"{name}: ") >= 2
    # Per-turn feedback names what the learner did, in Danish.
    assert "åbent spørgsmål" in out.lower()
    assert "Opsummering" in out
    assert "R:Q" in out
    assert "%" in out  # % complex reflections
    assert "Traceback" not in out + result.stderr


def test_same_seed_and_replies_give_same_output() -> None:
    script = "\n".join([*DANISH_REPLIES, "/quit"]) + "\n"
    first = chat(script, "--scenario", DANISH, "--seed", "7")
    second = chat(script, "--scenario", DANISH, "--seed", "7")
    assert first.returncode == 0 and second.returncode == 0
    assert first.stdout == second.stdout


def test_bad_input_gets_a_message_and_costs_no_turn() -> None:
    good = "\n".join(["Hvad tænker du selv om at komme her i dag?", "/quit"]) + "\n"
    noisy = "\n".join(["", "   ", "x" * 2001, "hej\x00med dig", "\x1b[31mrød", "/nonsense",
                       "Hvad tænker du selv om at komme her i dag?", "/quit"]) + "\n"
    clean_run = chat(good, "--scenario", DANISH, "--seed", "3")
    noisy_run = chat(noisy, "--scenario", DANISH, "--seed", "3")
    assert noisy_run.returncode == 0, noisy_run.stderr
    out = noisy_run.stdout
    assert out.count("Dit svar er tomt") == 2
    assert "for langt" in out
    assert out.count("kontroltegn") == 2
    assert "Ukendt kommando /nonsense" in out
    # After the noise, the conversation is exactly the clean one: no turn was lost or used up.
    summary_clean = clean_run.stdout.split("Opsummering")[1]
    summary_noisy = out.split("Opsummering")[1]
    assert summary_clean == summary_noisy


def test_end_of_input_without_quit_still_prints_summary() -> None:
    result = chat("Hvad tænker du selv om at komme her i dag?\n", "--scenario", DANISH)
    assert result.returncode == 0
    assert "Opsummering" in result.stdout


def test_hint_and_help() -> None:
    result = chat("/hint\n/help\n/quit\n", "--scenario", DANISH)
    assert "Tip:" in result.stdout
    assert "/quit" in result.stdout


def test_english_scenario_speaks_english() -> None:
    result = chat("What brings you here today?\n/quit\n", "--scenario", ENGLISH)
    assert result.returncode == 0, result.stderr
    assert "Summary" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--scenario", "does-not-exist"], "unknown scenario"), (["--dialogues", "/nonexistent"], "not found")],
)
def test_user_errors_are_one_clear_line(args: list[str], message: str) -> None:
    result = chat("/quit\n", *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
