"""A tiny, safe expression language for transition conditions (never `eval`).

Grammar::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" expr ")" | comparison
    comparison := operand OP operand          OP is one of < <= > >= == !=
    operand    := VARIABLE | INTEGER

Variables are the client's rulers (importance, confidence, readiness, rapport, each 0-10)
and `turn`, the number of learner replies so far. Example: ``rapport >= 6 and readiness > 4``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

RULERS: tuple[str, ...] = ("importance", "confidence", "readiness", "rapport")
"""The client's variables, each an integer 0-10, set per scenario and moved by transition effects."""

CONDITION_VARIABLES: tuple[str, ...] = (*RULERS, "turn")
"""What a condition may read: the rulers and the turn counter."""

RULER_MIN, RULER_MAX = 0, 10

MAX_NESTING = 16
"""Deepest nesting of parentheses and `not`; the parser is recursive and must not overflow the stack."""


class ConditionError(ValueError):
    """A condition that does not parse, or names an unknown variable."""


@dataclass(frozen=True, slots=True)
class Comparison:
    left: str | int
    op: str
    right: str | int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Condition, ...]


Condition = Comparison | Not | BoolOp

_TOKEN = re.compile(r"\s*(?:(?P<num>-?\d+)|(?P<op><=|>=|==|!=|<|>)|(?P<paren>[()])|(?P<word>[A-Za-z_]\w*))")
_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            column = len(text) - len(text[pos:].lstrip()) + 1  # of the character, not the blanks before it
            raise ConditionError(f"unexpected character {text[column - 1]!r} at column {column}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ConditionError("condition ends too early")
        self.pos += 1
        return token

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionError("condition is empty")
        node = self.expr()
        leftover = self.peek()
        if leftover is not None:
            raise ConditionError(f"unexpected {leftover[1]!r}")
        return node

    def expr(self) -> Condition:
        return self._joined("or", self.and_expr)

    def and_expr(self) -> Condition:
        return self._joined("and", self.not_expr)

    def _joined(self, word: str, parse_operand: Callable[[], Condition]) -> Condition:
        parts = [parse_operand()]
        while self.peek() == ("word", word):
            self.take()
            parts.append(parse_operand())
        return parts[0] if len(parts) == 1 else BoolOp(word, tuple(parts))

    def not_expr(self) -> Condition:
        token = self.peek()
        if token in (("word", "not"), ("paren", "(")):
            self.take()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise ConditionError(f"condition is nested more than {MAX_NESTING} levels deep")
            if token == ("word", "not"):
                node: Condition = Not(self.not_expr())
            else:
                node = self.expr()
                if self.peek() != ("paren", ")"):
                    raise ConditionError("missing ')'")
                self.take()
            self.depth -= 1
            return node
        left = self.operand()
        kind, op = self.take()
        if kind != "op":
            raise ConditionError(f"expected a comparison (<, <=, >, >=, ==, !=) after {left!r}, got {op!r}")
        return Comparison(left, op, self.operand())

    def operand(self) -> str | int:
        kind, value = self.take()
        if kind == "num":
            return int(value)
        if kind == "word" and value not in ("and", "or", "not"):
            if value not in CONDITION_VARIABLES:
                raise ConditionError(
                    f"unknown variable {value!r} (known: {', '.join(CONDITION_VARIABLES)})"
                )
            return value
        raise ConditionError(f"expected a variable or a number, got {value!r}")


def parse_condition(text: str) -> Condition:
    """Parse `text` into a condition tree; raises ConditionError with a readable reason."""
    return _Parser(text).parse()


def _value(operand: str | int, variables: Mapping[str, int]) -> int:
    return operand if isinstance(operand, int) else variables[operand]


def evaluate(condition: Condition, variables: Mapping[str, int]) -> bool:
    """Evaluate a parsed condition against the client's variables (and `turn`)."""
    if isinstance(condition, Comparison):
        return bool(_COMPARE[condition.op](_value(condition.left, variables), _value(condition.right, variables)))
    if isinstance(condition, Not):
        return not evaluate(condition.operand, variables)
    if condition.op == "and":
        return all(evaluate(part, variables) for part in condition.operands)
    return any(evaluate(part, variables) for part in condition.operands)


def render(condition: Condition) -> str:
    """The condition as text again (for diagrams and messages)."""
    if isinstance(condition, Comparison):
        return f"{condition.left} {condition.op} {condition.right}"
    if isinstance(condition, Not):
        return f"not ({render(condition.operand)})"
    return f" {condition.op} ".join(
        f"({render(part)})" if isinstance(part, BoolOp) else render(part) for part in condition.operands
    )
