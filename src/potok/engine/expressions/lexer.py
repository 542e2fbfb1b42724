"""Turns expression text into tokens.

Names that start with an underscore are refused here, before any parsing, so that probes
such as ``__import__('os')`` or ``x.__class__`` fail with a message about the name itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from potok.engine.expressions.errors import ExpressionError

MAX_NUMBER_LENGTH = 60

# Longest first, so that "<=" wins over "<".
OPERATORS = (
    "==",
    "!=",
    "<>",
    "<=",
    ">=",
    "&&",
    "||",
    "->",
    "..",
    "=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "!",
    "?",
    ":",
)

ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r", "/": "/"}


class TokenKind(enum.Enum):
    """What a token is, e.g. ``TokenKind.NAME`` for ``amount``."""

    NUMBER = "number"
    STRING = "text"
    NAME = "name"
    OPERATOR = "operator"
    END = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    """One token; ``value`` is the decoded literal for numbers and texts.

    Example: ``Token(TokenKind.NUMBER, '10.5', Decimal('10.5'), 4)``.
    """

    kind: TokenKind
    text: str
    value: Any
    position: int

    def describe(self) -> str:
        """How to name this token in an error message."""
        if self.kind is TokenKind.END:
            return "end of expression"
        if self.kind is TokenKind.STRING:
            return f"text {self.text}"
        return f"'{self.text}'"


def tokenize(source: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Split ``source[start:end]`` into tokens; positions stay relative to the whole ``source``."""
    stop = len(source) if end is None else end
    tokens: list[Token] = []
    index = start
    while index < stop:
        char = source[index]
        if char.isspace():
            index += 1
        elif char.isdigit():
            index = _read_number(source, index, stop, tokens)
        elif char in "'\"":
            index = _read_string(source, index, stop, tokens)
        elif char.isalpha() or char == "_":
            index = _read_name(source, index, stop, tokens)
        else:
            for operator in OPERATORS:
                if source.startswith(operator, index) and index + len(operator) <= stop:
                    tokens.append(Token(TokenKind.OPERATOR, operator, None, index))
                    index += len(operator)
                    break
            else:
                raise ExpressionError(f"unexpected character {char!r}", index, source)
    tokens.append(Token(TokenKind.END, "", None, stop))
    return tokens


def _read_number(source: str, index: int, stop: int, tokens: list[Token]) -> int:
    begin = index
    while index < stop and source[index].isdigit():
        index += 1
    is_decimal = False
    if index + 1 < stop and source[index] == "." and source[index + 1].isdigit():
        is_decimal = True
        index += 1
        while index < stop and source[index].isdigit():
            index += 1
    text = source[begin:index]
    if len(text) > MAX_NUMBER_LENGTH:
        raise ExpressionError(f"number is longer than {MAX_NUMBER_LENGTH} digits", begin, source)
    if index < stop and (source[index].isalpha() or source[index] == "_"):
        raise ExpressionError(f"unexpected {source[index]!r} after number {text}", index, source)
    if not text.isascii():
        raise ExpressionError(f"number {text!r} must be written with the digits 0-9", begin, source)
    try:
        value: Any = Decimal(text) if is_decimal else int(text)
    except (InvalidOperation, ValueError) as error:
        raise ExpressionError(f"invalid number {text!r}", begin, source) from error
    tokens.append(Token(TokenKind.NUMBER, text, value, begin))
    return index


def _read_string(source: str, index: int, stop: int, tokens: list[Token]) -> int:
    begin = index
    quote = source[index]
    index += 1
    parts: list[str] = []
    while True:
        if index >= stop:
            raise ExpressionError("text is not closed: missing " + quote, begin, source)
        char = source[index]
        if char == quote:
            index += 1
            break
        if char == "\\":
            if index + 1 >= stop:
                raise ExpressionError("text is not closed: missing " + quote, begin, source)
            code = source[index + 1]
            if code == "u":
                digits = source[index + 2 : index + 6]
                if len(digits) != 4 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    raise ExpressionError("expected four hex digits after \\u", index, source)
                parts.append(chr(int(digits, 16)))
                index += 6
                continue
            if code not in ESCAPES:
                raise ExpressionError(f"unknown escape '\\{code}'", index, source)
            parts.append(ESCAPES[code])
            index += 2
            continue
        parts.append(char)
        index += 1
    tokens.append(Token(TokenKind.STRING, source[begin:index], "".join(parts), begin))
    return index


def _read_name(source: str, index: int, stop: int, tokens: list[Token]) -> int:
    begin = index
    while index < stop and (source[index].isalnum() or source[index] == "_"):
        index += 1
    text = source[begin:index]
    if text.startswith("_"):
        raise ExpressionError(f"names starting with '_' are not allowed: {text!r}", begin, source)
    tokens.append(Token(TokenKind.NAME, text, text, begin))
    return index
