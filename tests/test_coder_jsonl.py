"""`mi-trainer code`: the JSON Lines contract — one output line per input line, in order, errors in-band."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.coder import Coder
from bot.coder.jsonl import parse_line, run_jsonl

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"primary", "codes", "valence", "lang", "evidence"}
CODES = {
    "open_question", "closed_question", "simple_reflection", "complex_reflection", "affirm", "emphasize_autonomy",
    "seek_collaboration", "ask_permission", "giving_information", "persuade_with_permission", "persuade",
    "confront", "other",
}


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


def run_text(text: str, coder: Coder) -> tuple[int, list[dict[str, Any]], str]:
    """Run on a text stream (no bytes underneath): status, parsed output lines, raw output."""
    out = io.StringIO()
    status = run_jsonl(io.StringIO(text), out, coder)
    raw = out.getvalue()
    return status, [json.loads(line) for line in raw.splitlines()], raw


def run_bytes(data: bytes, coder: Coder) -> tuple[int, list[dict[str, Any]], str]:
    """Run on a byte stream as `sys.stdin` is: bad UTF-8 must cost one line, not the run."""
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out = io.StringIO()
    status = run_jsonl(stdin, out, coder)
    raw = out.getvalue()
    return status, [json.loads(line) for line in raw.splitlines()], raw


def line(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


def assert_coded(obj: dict[str, Any]) -> None:
    assert set(obj) == KEYS, obj
    assert obj["primary"] in CODES
    codes = obj["codes"]
    assert isinstance(codes, list) and codes[0] == obj["primary"] and set(codes) <= CODES
    assert obj["valence"] in {"consistent", "neutral", "inconsistent"}
    assert obj["lang"] in {"da", "en"}
    evidence = obj["evidence"]
    assert isinstance(evidence, list)
    for item in evidence:
        assert set(item) == {"code", "text"} and item["code"] in codes


def test_one_output_line_per_input_line_in_order(coder: Coder) -> None:
    inputs = [
        line(text="Hvad tænker du om det?", context="Jeg drikker for meget.", lang="da"),
        line(text="Du skal stoppe med at drikke."),
        line(text="It's up to you.", context="I don't know."),
        line(text="ok"),
        line(text="Du er alkoholiker.", lang="da"),
    ]
    status, out, raw = run_text("\n".join(inputs) + "\n", coder)
    assert status == 0
    assert raw.count("\n") == len(inputs)
    assert [obj["primary"] for obj in out] == [
        "open_question", "persuade", "emphasize_autonomy", "other", "confront"]
    assert [obj["lang"] for obj in out] == ["da", "da", "en", "da", "da"]
    for obj in out:
        assert_coded(obj)


def test_output_is_coded_reply_to_json(coder: Coder) -> None:
    text, context = "Det lyder som om du er bange for at fejle.", "Jeg tør ikke søge job."
    _, out, _ = run_text(line(text=text, context=context) + "\n", coder)
    assert out == [coder.code(text, context).to_json()]


def test_lang_is_used_when_given(coder: Coder) -> None:
    _, out, _ = run_text(line(text="ok", lang="en") + "\n" + line(text="ok", lang="da") + "\n", coder)
    assert [obj["lang"] for obj in out] == ["en", "da"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("this is not json", "not valid JSON"),
        ('{"text": "unterminated', "not valid JSON"),
        ("[1, 2, 3]", "expected a JSON object, got an array"),
        ('"just a string"', "expected a JSON object, got a string"),
        ("42", "expected a JSON object, got a number"),
        ("null", "expected a JSON object, got null"),
        ("{}", 'missing "text"'),
        ('{"context": "hej"}', 'missing "text"'),
        ('{"text": 5}', '"text" must be a string, got a number'),
        ('{"text": null}', '"text" must be a string, got null'),
        ('{"text": ["a"]}', '"text" must be a string, got an array'),
        ('{"text": "hej", "context": 3}', '"context" must be a string'),
        ('{"text": "hej", "context": {"a": 1}}', '"context" must be a string'),
        ('{"text": "hej", "lang": "de"}', '"lang" must be one of da, en'),
        ('{"text": "hej", "lang": "DA"}', '"lang" must be one of da, en'),
        ('{"text": "hej", "lang": 1}', '"lang" must be one of da, en'),
        ('{"text": "hej", "lang": ""}', '"lang" must be one of da, en'),
        ("", "blank line"),
        ("   \t ", "blank line"),
        ("[" * 100_000, "not valid JSON"),
    ],
    ids=lambda value: value[:30] if isinstance(value, str) else value,
)
def test_malformed_line_gets_an_error_and_the_rest_go_through(coder: Coder, bad: str, message: str) -> None:
    text = "\n".join([line(text="Hvad tænker du?"), bad, line(text="You should stop.")]) + "\n"
    status, out, _ = run_text(text, coder)
    assert status == 0
    assert len(out) == 3
    assert_coded(out[0])
    assert set(out[1]) == {"error"} and message in str(out[1]["error"]), out[1]
    assert out[2]["primary"] == "persuade"


def test_blank_lines_keep_line_correspondence(coder: Coder) -> None:
    text = "\n" + line(text="Hvad tænker du?") + "\n\n\n" + line(text="ok") + "\n"
    _, out, _ = run_text(text, coder)
    assert ["error" in obj for obj in out] == [True, False, True, True, False]


def test_null_context_and_lang_count_as_absent(coder: Coder) -> None:
    _, out, _ = run_text('{"text": "Hvad tænker du?", "context": null, "lang": null}\n', coder)
    assert out[0]["primary"] == "open_question" and out[0]["lang"] == "da"


def test_extra_keys_are_ignored(coder: Coder) -> None:
    _, out, _ = run_text('{"text": "ok", "id": 7, "learner": "x"}\n', coder)
    assert_coded(out[0])


def test_empty_text_is_coded_as_other(coder: Coder) -> None:
    _, out, _ = run_text('{"text": ""}\n{"text": "   "}\n', coder)
    assert [obj["primary"] for obj in out] == ["other", "other"]


def test_unicode_passes_through_unescaped(coder: Coder) -> None:
    text = "Det er flot, at du har skåret ned – godt gået! 😀"
    _, out, raw = run_text(line(text=text, context="Jeg har drukket mindre i år.") + "\n", coder)
    assert out[0]["primary"] == "affirm"
    assert "\\u" not in raw  # ensure_ascii=False
    assert any("æ" in str(item["text"]) or "å" in str(item["text"]) for item in out[0]["evidence"])
    # Escaped input is decoded the same way.
    _, escaped, _ = run_text(json.dumps({"text": text}) + "\n", coder)
    assert escaped[0]["evidence"] == out[0]["evidence"]


def test_unicode_line_separators_inside_text_do_not_split_lines(coder: Coder) -> None:
    # U+2028 is a line break to str.splitlines() but not to JSON Lines.
    text = '{"text": "Hvad tænker du?\u2028Og hvad så?"}\n{"text": "ok"}\n'
    _, out, _ = run_text(text, coder)
    assert len(out) == 2 and out[0]["primary"] == "open_question"


def test_crlf_and_missing_final_newline(coder: Coder) -> None:
    _, out, _ = run_text(line(text="ok") + "\r\n" + line(text="Hvad tænker du?"), coder)
    assert [obj["primary"] for obj in out] == ["other", "open_question"]


def test_bad_utf8_is_one_error_line(coder: Coder) -> None:
    data = b"\n".join([line(text="ok").encode(), b'{"text": "\xff\xfe"}', line(text="Du skal stoppe.").encode()])
    status, out, _ = run_bytes(data, coder)
    assert status == 0
    assert out[0]["primary"] == "other"
    assert "not valid UTF-8" in str(out[1]["error"])
    assert out[2]["primary"] == "persuade"


def test_byte_order_mark_on_the_first_line(coder: Coder) -> None:
    _, out, _ = run_bytes(b"\xef\xbb\xbf" + line(text="ok").encode() + b"\n", coder)
    assert_coded(out[0])


def test_lone_surrogate_is_escaped_not_fatal(coder: Coder) -> None:
    _, out, _ = run_text('{"text": "Du er \\ud800 alkoholiker"}\n{"text": "ok"}\n', coder)
    assert out[0]["primary"] == "confront"
    assert out[1]["primary"] == "other"


def test_every_line_is_flushed(coder: Coder) -> None:
    class Recorder(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.flushed_at: list[int] = []

        def flush(self) -> None:
            self.flushed_at.append(self.getvalue().count("\n"))
            super().flush()

    out = Recorder()
    run_jsonl(io.StringIO("\n".join([line(text="a"), "oops", line(text="b")]) + "\n"), out, coder)
    assert out.flushed_at == [1, 2, 3]


def test_empty_input_gives_empty_output(coder: Coder) -> None:
    assert run_text("", coder)[:2] == (0, [])


def test_coder_failure_on_one_line_is_reported_in_band() -> None:
    class Broken(Coder):
        def code(self, text: str, context: str = "", lang: str | None = None):  # type: ignore[no-untyped-def]
            if text == "boom":
                raise RuntimeError("kaput")
            return super().code(text, context, lang)

    _, out, _ = run_text(line(text="boom") + "\n" + line(text="ok") + "\n", Broken())
    assert "kaput" in str(out[0]["error"])
    assert out[1]["primary"] == "other"


def test_parse_line_returns_the_fields() -> None:
    assert parse_line('{"text": "hej", "context": "x", "lang": "en"}') == ("hej", "x", "en")
    assert parse_line('{"text": "hej"}') == ("hej", "", None)


def _run_process(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(args, input=data, capture_output=True, cwd=ROOT, env=env, timeout=60, check=False)


RUNNER = "import sys; from bot.coder import Coder; from bot.coder.jsonl import run_jsonl; " \
         "sys.exit(run_jsonl(sys.stdin, sys.stdout, Coder()))"


def test_real_stdin_and_stdout() -> None:
    data = "\n".join([line(text="Hvad tænker du?"), "{bad", "", line(text="Du er alkoholiker.")]).encode() + b"\n"
    # Bad UTF-8, and a lone surrogate that stdout cannot encode: both cost one line, not the run.
    data += b'{"text": "\xff"}\n' + b'{"text": "Du er \\ud800 alkoholiker"}\n' + line(text="ok").encode()
    done = _run_process([sys.executable, "-c", RUNNER], data)
    assert done.returncode == 0, done.stderr
    out = [json.loads(row) for row in done.stdout.decode("utf-8").splitlines()]
    assert len(out) == 7
    assert out[0]["primary"] == "open_question" and "error" in out[1] and "error" in out[2]
    assert out[3]["primary"] == "confront" and "error" in out[4]
    assert out[5]["primary"] == "confront" and out[6]["primary"] == "other"


def test_mi_trainer_code_command() -> None:
    try:
        import bot.cli  # noqa: F401  - the lead wires the command; skip only while the CLI cannot be imported
    except ImportError as error:
        pytest.skip(f"bot.cli not importable yet: {error}")
    data = "\n".join([line(text="Det er dit valg."), "nope", line(text="Må jeg fortælle lidt?")]) + "\n"
    done = _run_process([sys.executable, "-m", "bot.cli", "code"], data.encode())
    assert done.returncode == 0, done.stderr
    out = [json.loads(row) for row in done.stdout.decode("utf-8").splitlines()]
    assert [obj.get("primary", "error") for obj in out] == ["emphasize_autonomy", "error", "ask_permission"]
