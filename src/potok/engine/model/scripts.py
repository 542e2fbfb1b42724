"""Potok's script language: a list of assignments `name = expression`, built on compile_expression.

Statements are separated by `;` or new lines (outside strings and brackets); each one assigns the
value of an expression in Potok's expression language to a variable. Nothing else is allowed: no
loops, no calls into Python, no imports.
"""

from __future__ import annotations

import re

from potok.engine.errors import ScriptError
from potok.engine.expressions import ExpressionError, compile_expression
from potok.engine.model.specs import Assignment, Condition, Script

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OPENING = "([{"
_CLOSING = ")]}"
# `=` preceded by one of these is part of a comparison operator, not an assignment.
_COMPARISON_PREFIX = "=!<>"


def compile_script(source: str) -> Script:
    """Compile `total = amount * 2; flag = total > 10` into a Script.

    Raises ScriptError (with the 0-based position in `source`) when a statement is not an
    assignment or its expression does not compile.

    Example::

        compile_script("total = amount * 2").run({"amount": 3})  # {"total": 6}
    """
    assignments: list[Assignment] = []
    for start, end in _statements(source):
        statement = source[start:end]
        if not statement.strip():
            continue
        equals = _assignment_sign(statement)
        if equals is None:
            offset = start + len(statement) - len(statement.lstrip())
            raise ScriptError("expected an assignment `name = expression`", position=offset)
        target = statement[:equals].strip()
        if not _NAME.match(target):
            offset = start + len(statement[:equals]) - len(statement[:equals].lstrip())
            raise ScriptError(f"cannot assign to {target!r}: expected a variable name", position=offset)
        expression_text = statement[equals + 1 :]
        if not expression_text.strip():
            raise ScriptError(f"nothing is assigned to {target!r}", position=start + equals)
        try:
            compiled = compile_expression(expression_text.strip())
        except ExpressionError as error:
            lead = len(expression_text) - len(expression_text.lstrip())
            position = start + equals + 1 + lead + (error.position or 0)
            raise ScriptError(f"in the value of {target!r}: {error.message}", position=position) from error
        assignments.append(Assignment(target, Condition(expression_text.strip(), compiled)))
    if not assignments:
        raise ScriptError("the script is empty", position=0)
    return Script(source, tuple(assignments))


def _statements(source: str) -> list[tuple[int, int]]:
    """Split at `;` and new lines that are outside string literals and brackets."""
    spans: list[tuple[int, int]] = []
    depth = 0
    quote: str | None = None
    start = 0
    index = 0
    while index < len(source):
        char = source[index]
        if quote is not None:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(0, depth - 1)
        elif char in ";\n" and depth == 0:
            spans.append((start, index))
            start = index + 1
        index += 1
    spans.append((start, len(source)))
    return spans


def _assignment_sign(statement: str) -> int | None:
    """The index of the assignment `=` (not part of ==, !=, <=, >=), outside strings and brackets."""
    quote: str | None = None
    depth = 0
    for index, char in enumerate(statement):
        if quote is not None:
            if char == quote and statement[index - 1] != "\\":
                quote = None
            continue
        if char in "\"'":
            quote = char
        elif char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth -= 1
        elif char == "=" and depth == 0:
            before = statement[index - 1] if index else ""
            after = statement[index + 1] if index + 1 < len(statement) else ""
            if before in _COMPARISON_PREFIX or after in "=>":
                continue
            return index
    return None
