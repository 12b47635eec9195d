"""Read YAML safely into plain data that remembers where everything came from (line numbers).

Only the node tree is composed (with a `SafeLoader` subclass); it is then walked here, so no YAML
constructor ever runs. On top of PyYAML's safe loading this reader:

- resolves scalars by the YAML 1.2 core schema: only true/false are booleans, so `on:`,
  `language: no` or `yes` stay words, and `1:30` or `2024-01-01` stay text;
- reads mapping keys as text, and reports a duplicate key at the line of the second one;
- rejects anchors and aliases (which also defuses "billion laughs" bombs), any tag beyond the
  plain ones (e.g. `!!python/object`), and nesting deeper than `MAX_DEPTH`.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_DEPTH = 32
"""Deepest nesting accepted; a scenario needs about 6 levels, the Python stack would give out at ~1000."""

_TAG_PREFIX = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG_PREFIX + name for name in ("str", "int", "float", "bool", "null"))
_ALLOWED_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TAG_PREFIX + "seq", _TAG_PREFIX + "map"})


class SourceMap(dict[str, Any]):
    """A YAML mapping (keys always text) with the line of the mapping and of each key."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}


class SourceList(list[Any]):
    """A YAML sequence with the line of the sequence and of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class Issue(NamedTuple):
    """A problem found while reading, at a 1-based line."""

    line: int
    message: str


class YamlSourceError(Exception):
    """The text cannot be read as YAML at all (syntax, alias, too deep): one issue, nothing to validate."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.issue = Issue(line, message)


class _Loader(yaml.SafeLoader):
    """Composes nodes only; resolves plain scalars like YAML 1.2's core schema; no anchors, no aliases."""

    # A fresh table: add_implicit_resolver below must not inherit SafeLoader's YAML 1.1 rules.
    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level table

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in the stubs
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.AliasEvent):
            raise YamlSourceError(line, "aliases are not supported (*name); write the value out in full")
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            raise YamlSourceError(line, "anchors are not supported (&name); write the value out in full")
        if self._depth >= MAX_DEPTH:
            raise YamlSourceError(line, f"the YAML is nested deeper than {MAX_DEPTH} levels")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _show_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG_PREFIX) if tag.startswith(_TAG_PREFIX) else tag


def _scalar(node: ScalarNode, issues: list[Issue]) -> Any:
    text = node.value
    try:
        if node.tag == _INT:
            return int(text)
        if node.tag == _FLOAT:
            special = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
            return special[text.lower()] if text.lower() in special else float(text)
    except ValueError:
        issues.append(Issue(_line(node), f"{text!r} is not a valid {_show_tag(node.tag)}"))
        return text
    if node.tag == _BOOL:
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        issues.append(Issue(_line(node), f"{text!r} is not a valid !!bool (only true and false are)"))
        return text
    if node.tag == _NULL:
        return None
    return text  # a string, or a rejected tag's raw text (already reported)


def _convert(node: Node, issues: list[Issue]) -> Any:
    if node.tag not in _ALLOWED_TAGS:
        # Reported, then read as if untagged so the rest of the file is still checked.
        issues.append(Issue(_line(node), f"tag {_show_tag(node.tag)} is not supported (plain YAML only)"))
    if isinstance(node, ScalarNode):
        return _scalar(node, issues)
    if isinstance(node, SequenceNode):
        items = SourceList(_line(node))
        for item in node.value:
            items.append(_convert(item, issues))
            items.item_lines.append(_line(item))
        return items
    assert isinstance(node, MappingNode)
    mapping = SourceMap(_line(node))
    for key_node, value_node in node.value:
        line = _line(key_node)
        if not isinstance(key_node, ScalarNode):
            issues.append(Issue(line, "a key must be a plain word or text, not a list or mapping"))
            continue
        if key_node.tag not in _ALLOWED_TAGS:
            issues.append(Issue(line, f"tag {_show_tag(key_node.tag)} is not supported (plain YAML only)"))
        # Keys are names (fields, states, codes): always their text, so `no:` or `1:` stay as written.
        key = key_node.value
        if key in mapping:
            issues.append(Issue(line, f"duplicate key {key!r} (first at line {mapping.key_lines[key]})"))
            continue
        mapping[key] = _convert(value_node, issues)
        mapping.key_lines[key] = line
    return mapping


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _compose_python(text: str) -> Node | None:
    loader = _Loader(text)  # the reader checks for control characters right here
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


if yaml.__with_libyaml__:
    from yaml._yaml import CParser
    from yaml.constructor import SafeConstructor
    from yaml.resolver import Resolver

    class _FastLoader(CParser, SafeConstructor, Resolver):
        """libyaml's parser with `_Loader`'s resolver table: the same nodes, ~5x faster to compose."""

        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    def _plain_and_shallow(text: str) -> bool:
        """No control characters, anchors, aliases or deep nesting: safe for libyaml's composer.

        libyaml composes recursively in C, so depth is checked first on its flat event stream.
        """
        if yaml.reader.Reader.NON_PRINTABLE.search(text):
            return False
        depth = 0
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):  # events only: no resolving
            if isinstance(event, yaml.AliasEvent) or (isinstance(event, yaml.NodeEvent) and event.anchor):
                return False
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return False
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return True

    def _compose(text: str) -> Node | None:
        """Compose with libyaml when the text is ordinary; otherwise (and on any YAML error) with the
        Python loader, whose messages and checks are the ones instructors see."""
        try:
            if _plain_and_shallow(text):
                loader = _FastLoader(text)
                try:
                    node: Node | None = loader.get_single_node()
                    return node
                finally:
                    loader.dispose()
        except yaml.YAMLError:
            pass
        return _compose_python(text)

else:  # pragma: no cover - PyYAML built without libyaml
    _compose = _compose_python


def read_yaml(text: str) -> tuple[Any, list[Issue]]:
    """Plain data (SourceMap / SourceList / scalars; None for an empty document) and the issues found.

    Raises YamlSourceError when the text is not readable YAML at all.
    """
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = error.problem or error.context or "invalid YAML"
        if error.context and error.problem and error.problem.startswith("but "):
            message = f"{error.context}, {error.problem}"  # PyYAML splits "expected X, but found Y"
        elif error.context and error.problem and error.context_mark is not None:
            message = f"{message} ({error.context} at line {error.context_mark.line + 1})"
        raise YamlSourceError(mark.line + 1 if mark else 1, f"YAML syntax error: {message}") from None
    except yaml.reader.ReaderError as error:
        # Raised for control characters; it carries a character position, not a mark.
        raise YamlSourceError(
            _line_at(text, error.position), f"character {chr(error.character)!r} is not allowed in YAML"
        ) from None
    except yaml.YAMLError as error:
        raise YamlSourceError(1, f"YAML error: {error}") from None
    if node is None:
        return None, []
    issues: list[Issue] = []
    return _convert(node, issues), issues


__all__ = ["MAX_DEPTH", "Issue", "SourceList", "SourceMap", "YamlSourceError", "read_yaml"]
