"""Message catalogues: every text a learner sees comes from `bot/locales/<domain>.<lang>.yaml`.

Keys are namespaced by the file's domain: `coach.da.yaml` holding `feedback: {title: ...}` gives
the key `coach.feedback.title`. Placeholders use `str.format` fields: `"{name} sagde"`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

LANGUAGES: tuple[str, ...] = ("da", "en")
DEFAULT_LANGUAGE = "da"
_LOCALES = Path(__file__).with_name("locales")


class MissingMessage(KeyError):
    """A catalogue key that exists in no language: a programming error, caught by tests."""


def _flatten(prefix: str, value: object, into: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, into)
    else:
        into[prefix] = str(value)


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """All messages for `lang`, flattened to dotted keys. Read once per process."""
    messages: dict[str, str] = {}
    for path in sorted(_LOCALES.glob(f"*.{lang}.yaml")):
        domain = path.name.split(".", 1)[0]
        _flatten(domain, yaml.safe_load(path.read_text(encoding="utf-8")) or {}, messages)
    return messages


def text(lang: str, key: str, /, **fields: object) -> str:
    """The message `key` in `lang` (falling back to Danish, then English), with fields filled in."""
    for candidate in (lang, DEFAULT_LANGUAGE, "en"):
        template = catalogue(candidate).get(key)
        if template is not None:
            return template.format(**fields) if fields else template
    raise MissingMessage(key)


class Messages:
    """`text` bound to one language: `Messages("da")("coach.feedback.title")`."""

    __slots__ = ("lang",)

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, /, **fields: object) -> str:
        return text(self.lang, key, **fields)
