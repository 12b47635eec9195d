"""Texts for Telegram: catalogue messages with HTML-escaped fields, and splitting at 4,096 characters.

Every learner-visible text comes from `bot/locales/telegram.<lang>.yaml` (keys `telegram.*`). The
templates are Telegram HTML; every field filled in is escaped unless it is marked `Html` (already
rendered from escaped parts), so a learner's name or reply can never break the formatting.
"""

from __future__ import annotations

import html
import re

from bot.i18n import LANGUAGES, text

TELEGRAM_LIMIT = 4096
"""Telegram's maximum message length (characters after entity parsing)."""


class Html(str):
    """Text that is already valid Telegram HTML: inserted into templates as it is."""

    __slots__ = ()


def escape(value: object) -> Html:
    return Html(html.escape(str(value), quote=False))


class Texts:
    """The `telegram.*` catalogue in one language: `Texts("da")("start.welcome", name=...)`."""

    __slots__ = ("lang",)

    def __init__(self, lang: str | None) -> None:
        self.lang = lang if lang in LANGUAGES else "da"

    def __call__(self, key: str, /, **fields: object) -> Html:
        safe = {name: value if isinstance(value, Html) else escape(value) for name, value in fields.items()}
        return Html(text(self.lang, f"telegram.{key}", **safe))

    def plain(self, key: str, /, **fields: object) -> str:
        """A catalogue text with no HTML in it (button labels, callback answers)."""
        return text(self.lang, f"telegram.{key}", **fields)


def join(parts: list[Html] | tuple[Html, ...], separator: str = "\n") -> Html:
    return Html(separator.join(parts))


def _units(value: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); never less than the characters."""
    return len(value.encode("utf-16-le")) // 2


_ATOM = re.compile(r"<[^<>]*>|&[#A-Za-z0-9]+;|\n|[^\S\n]+|[^\s<&]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^<>]*>")


def _atoms(value: str, limit: int) -> list[str]:
    atoms: list[str] = []
    for atom in _ATOM.findall(value):
        while _units(atom) > limit:  # a "word" longer than a message: cut it hard
            atoms.append(atom[: limit // 2])
            atom = atom[limit // 2 :]
        atoms.append(atom)
    return atoms


def split_message(value: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` units, at line breaks where possible,
    else at spaces; tags open at a cut are closed and reopened, entities are never cut."""
    if _units(value) <= limit:
        return [value]
    budget = limit - 64  # room for closing the tags open at a cut
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    stack: list[tuple[str, str]] = []  # (name, opening tag) open at the end of `current`
    opened_at_start: list[tuple[str, str]] = []
    last_break: int | None = None  # index in `current` just after the last newline
    stack_at_break: list[tuple[str, str]] = []

    def flush(upto: int, open_tags: list[tuple[str, str]]) -> None:
        nonlocal current, size, last_break, opened_at_start
        body = "".join(current[:upto]).rstrip("\n ")
        closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
        prefix = "".join(tag for _, tag in opened_at_start)
        if body:
            chunks.append(prefix + body + closing)
        rest = current[upto:]
        opened_at_start = list(open_tags)
        while rest and rest[0] in ("\n", " "):
            rest = rest[1:]
        current = rest
        size = sum(_units(a) for a in current) + sum(_units(tag) for _, tag in opened_at_start)
        last_break = None

    for atom in _atoms(value, budget // 2):
        if size + _units(atom) > budget and current:
            if last_break is not None and last_break > len(current) // 3:
                flush(last_break, stack_at_break)
                # re-walk the remaining atoms to know what is open at their end
                stack = list(opened_at_start)
                for rest_atom in current:
                    _track(rest_atom, stack)
            if size + _units(atom) > budget and current:
                flush(len(current), stack)
        current.append(atom)
        size += _units(atom)
        _track(atom, stack)
        if atom == "\n":
            last_break = len(current)
            stack_at_break = list(stack)
    if current:
        flush(len(current), stack)
    return [chunk for chunk in chunks if chunk.strip()]


def _track(atom: str, stack: list[tuple[str, str]]) -> None:
    match = _TAG.fullmatch(atom)
    if match is None:
        return
    closing, name = match.group(1), match.group(2).lower()
    if closing:
        for index in range(len(stack) - 1, -1, -1):
            if stack[index][0] == name:
                del stack[index:]
                break
    else:
        stack.append((name, atom))


__all__ = ["TELEGRAM_LIMIT", "Html", "Texts", "escape", "join", "split_message"]
