"""`mi-trainer code`: JSON Lines in, JSON Lines out — one output line per input line, in order.

Input, one object per line: {"text": "...", "context": "...", "lang": "da"} (context and lang
optional; null counts as absent). Output: `CodedReply.to_json()`, or {"error": "..."} for a line that
cannot be coded (blank, not JSON, not an object, text missing or not a string, context not a string,
lang not "da"/"en", not UTF-8). A bad line never stops the rest: the i-th output line always answers
the i-th input line, and each is flushed at once so the command can sit in a pipe.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from bot.coder.coder import Coder
from bot.coder.lexicon import LANGUAGES

MAX_LINE_CHARS = 1_000_000
"""A longer line is refused before parsing (the coder reads only the first few thousand characters)."""


class LineError(ValueError):
    """One input line that cannot be coded; the message goes into {"error": ...}."""


def parse_line(line: str) -> tuple[str, str, str | None]:
    """(text, context, lang) from one input line, or LineError saying what is wrong with it."""
    if not line.strip():
        raise LineError("blank line: expected a JSON object")
    if len(line) > MAX_LINE_CHARS:
        raise LineError(f"line too long: more than {MAX_LINE_CHARS} characters")
    try:
        data: Any = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise LineError(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise LineError(f"expected a JSON object, got {_json_type(data)}")
    if "text" not in data:
        raise LineError('missing "text"')
    text = data["text"]
    if not isinstance(text, str):
        raise LineError(f'"text" must be a string, got {_json_type(text)}')
    context = data.get("context")
    if context is None:
        context = ""
    elif not isinstance(context, str):
        raise LineError(f'"context" must be a string, got {_json_type(context)}')
    lang = data.get("lang")
    if lang is not None and lang not in LANGUAGES:
        shown = json.dumps(lang, ensure_ascii=False)[:40]
        raise LineError(f'"lang" must be one of {", ".join(LANGUAGES)} (or left out), got {shown}')
    return text, context, lang


def code_line(line: str, coder: Coder) -> dict[str, object]:
    """The output object for one input line: the coded reply, or {"error": ...}."""
    try:
        text, context, lang = parse_line(line)
    except LineError as error:
        return {"error": str(error)}
    try:
        return coder.code(text, context, lang).to_json()
    except Exception as error:
        return {"error": f"could not code this line: {type(error).__name__}: {error}"}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _lines(stdin: TextIO) -> Iterator[str | LineError]:
    """Input lines; read as bytes when possible so one line of bad UTF-8 is one error, not a crash."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:
        for line in stdin:
            yield line.rstrip("\r\n")
        return
    first = True
    for raw in buffer:
        if first and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte-order mark from Windows editors is not part of the first object
        first = False
        try:
            yield raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as error:
            yield LineError(f"line is not valid UTF-8: {error.reason} at byte {error.start}")


def _write(stdout: TextIO, payload: dict[str, object]) -> None:
    try:
        line = json.dumps(payload, ensure_ascii=False)
        stdout.write(line + "\n")
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800" in the input) cannot be written as UTF-8: escape that line.
        stdout.write(json.dumps(payload, ensure_ascii=True) + "\n")
    stdout.flush()


def run_jsonl(stdin: TextIO, stdout: TextIO, coder: Coder) -> int:
    """Code every line of `stdin` onto `stdout`. Returns 0: bad lines are reported in-band, per line."""
    for item in _lines(stdin):
        payload: dict[str, object] = {"error": str(item)} if isinstance(item, LineError) else code_line(item, coder)
        _write(stdout, payload)
    return 0
