"""`mi-trainer eval-coder` with data it cannot use: one clear line naming the file, exit 1, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

GOOD = '{"text": "hvad tænker du", "context": "jeg ved det ikke", "code": "open_question"}\n'


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (GOOD + '{"text": "x"\n', "line 2: Expecting ','"),  # not JSON: the file's line, not the JSON's
        ('{"text": "a", "context": "b", "code": "nonsense"}\n', "line 1: 'nonsense' is not a valid Code"),
        ('{"text": "a", "context": "b"}\n', "line 1: no 'code' field"),
        ('["a", "b"]\n', "line 1: "),
        (b"\xff\xfe\n", "codec can't decode"),
    ],
)
def test_a_malformed_danish_file_is_one_line_naming_file_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, reason: str) -> None:
    path = tmp_path / "test.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert main(["eval-coder", "--no-cv", "--da-test", str(path)]) == 1
    output = capsys.readouterr()
    assert output.out.startswith(f"eval-coder: Danish test set unreadable: {path}: ")
    assert reason in output.out
    assert output.out.count("\n") == 1 and "Traceback" not in output.out + output.err


@pytest.mark.parametrize(("option", "what"), [("--da-test", "Danish test set"), ("--en-test", "English test set")])
def test_a_missing_file_names_the_option_that_gives_another(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, what: str) -> None:
    missing = tmp_path / "nowhere.jsonl"
    assert main(["eval-coder", "--no-cv", option, str(missing)]) == 1
    expected = f"eval-coder: {what} not found: {missing} (give another with {option} PATH)\n"
    assert capsys.readouterr().out == expected


def test_a_missing_english_dev_set_stops_before_any_training(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "en_dev.jsonl"
    annomi = tmp_path / "annomi.csv"  # readable and empty: the English dev set is the first thing missing
    annomi.write_text("transcript_id,interlocutor,utterance_text,main_therapist_behaviour\n", encoding="utf-8")
    assert main(["eval-coder", "--annomi", str(annomi), "--en-dev", str(missing)]) == 1
    expected = f"eval-coder: English dev set not found: {missing} (give another with --en-dev PATH)\n"
    assert capsys.readouterr().out == expected


def test_annomi_missing_or_without_its_columns_stops_before_any_training(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "annomi.csv"
    assert main(["eval-coder", "--annomi", str(missing)]) == 1
    expected = f"eval-coder: AnnoMI transcripts not found: {missing} (give another with --annomi PATH)\n"
    assert capsys.readouterr().out == expected
    missing.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["eval-coder", "--annomi", str(missing)]) == 1
    expected = f"eval-coder: AnnoMI transcripts unreadable: {missing}: no 'transcript_id' column\n"
    assert capsys.readouterr().out == expected
