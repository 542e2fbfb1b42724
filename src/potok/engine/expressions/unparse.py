"""Print a tree back as Potok syntax that parses to an equal tree.

Parentheses are added only where precedence needs them; a nested ``and``/``or`` group of the
same operator keeps its parentheses so that the tree shape survives a round trip.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from potok.engine.expressions import nodes
from potok.engine.expressions.lexer import ESCAPES
from potok.engine.expressions.parser import (
    ADD,
    AND,
    COMPARE,
    MULTIPLY,
    NOT,
    OR,
    POSTFIX,
    TERNARY,
    UNARY,
)

ATOM = POSTFIX + 1
QUOTE_ESCAPES = {value: "\\" + key for key, value in ESCAPES.items() if key not in ('"', "/")}


def to_source(node: nodes.Node) -> str:
    """Potok syntax for ``node``.

    Example::

        >>> to_source(nodes.Binary('>', nodes.Name('amount'), nodes.Literal(10000)))
        'amount > 10000'
    """
    return _print(node)


def precedence(node: nodes.Node) -> int:
    """How tightly ``node`` binds when printed; a child that binds looser gets parentheses."""
    match node:
        case nodes.Conditional() | nodes.Lambda():
            return TERNARY
        case nodes.Logical(operator="or"):
            return OR
        case nodes.Logical():
            return AND
        case nodes.Unary(operator="not"):
            return NOT
        case nodes.Binary(operator=operator) if operator in ("+", "-"):
            return ADD
        case nodes.Binary(operator=operator) if operator in ("*", "/", "%"):
            return MULTIPLY
        case nodes.Binary() | nodes.IsNull() | nodes.Between():
            return COMPARE
        case nodes.Unary():
            return UNARY
        case nodes.Literal(value=value) if _is_negative(value):
            return UNARY
    return ATOM


def _is_negative(value: object) -> bool:
    if isinstance(value, Decimal):
        return value.is_signed()
    return isinstance(value, int) and not isinstance(value, bool) and value < 0


def _wrap(node: nodes.Node, minimum: int) -> str:
    text = _print(node)
    return f"({text})" if precedence(node) < minimum else text


def _print(node: nodes.Node) -> str:
    match node:
        case nodes.Literal(value=value):
            return literal(value)
        case nodes.ListDisplay(items=items):
            return "[" + ", ".join(_print(item) for item in items) + "]"
        case nodes.Name(name=name):
            return name
        case nodes.Placeholder():
            return "?"
        case nodes.Attribute(target=target, name=name):
            return f"{_wrap(target, POSTFIX)}.{name}"
        case nodes.Index(target=target, index=index):
            return f"{_wrap(target, POSTFIX)}[{_print(index)}]"
        case nodes.Unary(operator="not", operand=operand):
            # "not (a in b)" reads better than the equivalent "not a in b".
            return f"not {_wrap(operand, COMPARE + 1)}"
        case nodes.Unary(operand=operand):
            text = _wrap(operand, UNARY)
            return f"-{text}" if not text.startswith("-") else f"-({text})"
        case nodes.Binary(operator=operator, left=left, right=right):
            level = precedence(node)
            if level == COMPARE:
                return f"{_wrap(left, COMPARE + 1)} {operator} {_wrap(right, COMPARE + 1)}"
            return f"{_wrap(left, level)} {operator} {_wrap(right, level + 1)}"
        case nodes.Logical(operator=operator, operands=operands):
            level = precedence(node)
            parts = []
            for operand in operands:
                text = _print(operand)
                if precedence(operand) <= level:
                    text = f"({text})"
                parts.append(text)
            return f" {operator} ".join(parts)
        case nodes.IsNull(operand=operand, negated=negated):
            return f"{_wrap(operand, COMPARE + 1)} is {'not ' if negated else ''}null"
        case nodes.Between(operand=operand, low=low, high=high):
            inner = COMPARE + 1
            return f"{_wrap(operand, inner)} between {_wrap(low, inner)} and {_wrap(high, inner)}"
        case nodes.Conditional(condition=condition, when_true=when_true, when_false=when_false):
            return f"if {_print(condition)} then {_print(when_true)} else {_print(when_false)}"
        case nodes.Lambda(parameter=parameter, body=body):
            return f"{parameter} -> {_print(body)}"
        case nodes.Call(function=function, arguments=arguments):
            return f"{function}(" + ", ".join(_print(argument) for argument in arguments) + ")"
    raise TypeError(f"not an expression node: {node!r}")


def literal(value: object) -> str:
    """Source text for a constant; dates and durations print as calls of date(), duration() …."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    if isinstance(value, float):
        return literal(Decimal(repr(value)))
    if isinstance(value, str):
        return "'" + "".join(QUOTE_ESCAPES.get(char, char) for char in value) + "'"
    if isinstance(value, datetime):
        return f"datetime('{value.isoformat()}')"
    if isinstance(value, date):
        return f"date('{value.isoformat()}')"
    if isinstance(value, timedelta):
        return f"duration('{iso_duration(value)}')"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as a literal")


def iso_duration(value: timedelta) -> str:
    """ISO 8601 text for a timedelta, e.g. ``P2DT4H``."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    days = value.days
    seconds = value.seconds
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = f"{sign}P{days}D" if days else f"{sign}P"
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or value.microseconds:
        fraction = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
        clock += f"{seconds}{fraction}S"
    if clock:
        text += "T" + clock
    return text if text not in ("P", "-P") else "PT0S"
