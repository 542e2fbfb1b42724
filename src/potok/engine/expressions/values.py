"""The value semantics of the language: types, equality, ordering and arithmetic.

Numbers are ``int`` and ``Decimal``; a ``float`` coming from a caller is read as the decimal
it prints as (``0.1`` is ``Decimal('0.1')``), so money math stays exact. Booleans are not
numbers. Null (``None``) compares unequal to everything but null, and every ordering with
null is false. Arithmetic with null gives null.
"""

from __future__ import annotations

import calendar
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any


class ValueProblem(ValueError):
    """A value of the wrong kind; the evaluator turns it into an ExpressionError.

    Example: ``order("<", "text", 3)`` raises ``ValueProblem("cannot compare text 'text' with number 3")``.
    """


@dataclass(frozen=True, slots=True)
class CalendarPeriod:
    """A duration counted in calendar months plus an exact remainder, e.g. ``duration('P1M2D')``.

    Example::

        >>> date(2026, 1, 31) + CalendarPeriod(months=1)
        datetime.date(2026, 2, 28)
    """

    months: int
    remainder: timedelta = timedelta(0)

    def __add__(self, other: object) -> Any:
        if isinstance(other, date):
            return add_months(other, self.months) + self.remainder
        if isinstance(other, CalendarPeriod):
            return CalendarPeriod(self.months + other.months, self.remainder + other.remainder)
        if isinstance(other, timedelta):
            return CalendarPeriod(self.months, self.remainder + other)
        return NotImplemented

    __radd__ = __add__

    def __neg__(self) -> CalendarPeriod:
        return CalendarPeriod(-self.months, -self.remainder)

    def __rsub__(self, other: object) -> Any:
        if isinstance(other, date):
            return add_months(other, -self.months) - self.remainder
        return NotImplemented


def add_months(value: date, months: int) -> Any:
    """Move ``value`` by whole months, clamping the day (31 January + 1 month = 28/29 February)."""
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def is_number(value: object) -> bool:
    """True for int, Decimal and float, false for booleans."""
    return isinstance(value, int | Decimal | float) and not isinstance(value, bool)


def to_decimal(value: int | float | Decimal) -> Decimal:
    """An exact Decimal for a number; floats are read as their shortest printed form."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def type_name(value: object) -> str:
    """The language's name for the type of ``value``, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, timedelta | CalendarPeriod):
        return "duration"
    if isinstance(value, Mapping):
        return "record"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


def show(value: object, limit: int = 40) -> str:
    """A short printable form of a value, for error messages and traces."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def equals(left: object, right: object) -> bool:
    """Equality without surprising coercions: 1 = 1.0 = Decimal('1'), but true != 1 and '1' != 1."""
    if left is None or right is None:
        return left is right
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if is_number(left) and is_number(right):
        if isinstance(left, float) or isinstance(right, float):
            return to_decimal(left) == to_decimal(right)  # type: ignore[arg-type]
        return left == right
    if isinstance(left, datetime) != isinstance(right, datetime):
        return False
    if isinstance(left, str | bytes) or isinstance(right, str | bytes):
        return left == right
    if isinstance(left, Sequence) and isinstance(right, Sequence):
        return len(left) == len(right) and all(equals(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(equals(left[key], right[key]) for key in left)
    try:
        return bool(left == right)
    except (TypeError, ValueError):
        return False


ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def order(symbol: str, left: Any, right: Any) -> bool:
    """Compare two values with ``<``, ``<=``, ``>`` or ``>=``; null on either side gives false."""
    compare = ORDERINGS[symbol]
    kind_left = type(left)
    if kind_left is type(right) and kind_left in (int, Decimal, str):
        return compare(left, right)
    if left is None or right is None:
        return False
    if is_number(left) and is_number(right):
        if isinstance(left, float) != isinstance(right, float):
            return compare(to_decimal(left), to_decimal(right))
        return compare(left, right)
    if _comparable(left, right):
        try:
            return compare(left, right)
        except TypeError as error:
            raise ValueProblem(f"cannot compare {describe(left)} with {describe(right)}: {error}") from None
    raise ValueProblem(f"cannot compare {describe(left)} with {describe(right)}")


def _comparable(left: object, right: object) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return True
    if isinstance(left, datetime) or isinstance(right, datetime):
        return isinstance(left, datetime) and isinstance(right, datetime)
    if isinstance(left, date) and isinstance(right, date):
        return True
    return isinstance(left, timedelta) and isinstance(right, timedelta)


def describe(value: object) -> str:
    """``text 'abc'`` — the type and a short form of a value."""
    if value is None:
        return "null"
    return f"{type_name(value)} {show(value)}"


def truth(value: object, what: str) -> bool:
    """The truth of a condition operand: booleans as they are, null as false, anything else is an error."""
    if value is True or value is False:
        return value
    if value is None:
        return False
    raise ValueProblem(f"{what} must be true or false, not {describe(value)}")


def contains(container: object, item: object) -> bool:
    """``item in container`` for lists, texts (substring) and records (key); null contains nothing."""
    if container is None:
        return False
    if isinstance(container, str):
        if item is None:
            return False
        if not isinstance(item, str):
            raise ValueProblem(f"cannot look for {describe(item)} in a text")
        return item in container
    if isinstance(container, Mapping):
        return item in container
    if isinstance(container, list | tuple | set | frozenset):
        return any(equals(item, element) for element in container)
    raise ValueProblem(f"cannot look inside {describe(container)}")


def add(left: Any, right: Any) -> Any:
    """``+``: numbers, text concatenation, dates and durations."""
    if left is None or right is None:
        return None
    if is_number(left) and is_number(right):
        if isinstance(left, float) or isinstance(right, float):
            return to_decimal(left) + to_decimal(right)
        return left + right
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    if _is_temporal_sum(left, right):
        return left + right
    raise ValueProblem(f"cannot add {describe(right)} to {describe(left)}")


def _is_temporal_sum(left: object, right: object) -> bool:
    durations = timedelta | CalendarPeriod
    if isinstance(left, durations) and isinstance(right, durations):
        return True
    return (isinstance(left, date) and isinstance(right, durations)) or (
        isinstance(right, date) and isinstance(left, durations)
    )


def subtract(left: Any, right: Any) -> Any:
    """``-``: numbers, date − duration, date − date and datetime − datetime (a duration)."""
    if left is None or right is None:
        return None
    if is_number(left) and is_number(right):
        if isinstance(left, float) or isinstance(right, float):
            return to_decimal(left) - to_decimal(right)
        return left - right
    if isinstance(left, date) and isinstance(right, timedelta | CalendarPeriod):
        return left - right
    if isinstance(left, timedelta) and isinstance(right, timedelta):
        return left - right
    if isinstance(left, date) and isinstance(right, date):
        if isinstance(left, datetime) != isinstance(right, datetime):
            raise ValueProblem(f"cannot subtract {describe(right)} from {describe(left)}")
        try:
            return left - right
        except TypeError as error:
            raise ValueProblem(f"cannot subtract {describe(right)} from {describe(left)}: {error}") from None
    raise ValueProblem(f"cannot subtract {describe(right)} from {describe(left)}")


def multiply(left: Any, right: Any) -> Any:
    """``*``: numbers, and a duration times a number."""
    if left is None or right is None:
        return None
    if is_number(left) and is_number(right):
        if isinstance(left, float) or isinstance(right, float):
            return to_decimal(left) * to_decimal(right)
        return left * right
    if isinstance(left, timedelta) and is_number(right):
        return left * (right if isinstance(right, int) else float(right))
    if isinstance(right, timedelta) and is_number(left):
        return right * (left if isinstance(left, int) else float(left))
    raise ValueProblem(f"cannot multiply {describe(left)} by {describe(right)}")


def divide(left: Any, right: Any) -> Any:
    """``/``: exact decimal division; a duration divided by a number or by a duration."""
    if left is None or right is None:
        return None
    if is_number(left) and is_number(right):
        if not right:
            raise ValueProblem("division by zero")
        try:
            return to_decimal(left) / to_decimal(right)
        except (DivisionByZero, InvalidOperation) as error:
            raise ValueProblem(f"cannot divide: {error}") from None
    if isinstance(left, timedelta) and isinstance(right, timedelta):
        if not right:
            raise ValueProblem("division by zero")
        return to_decimal(left / right)
    if isinstance(left, timedelta) and is_number(right):
        if not right:
            raise ValueProblem("division by zero")
        return left / float(right)
    raise ValueProblem(f"cannot divide {describe(left)} by {describe(right)}")


def remainder(left: Any, right: Any) -> Any:
    """``%``: the remainder of integer or decimal division."""
    if left is None or right is None:
        return None
    if is_number(left) and is_number(right):
        if not right:
            raise ValueProblem("division by zero")
        if isinstance(left, int) and isinstance(right, int):
            return left % right
        return to_decimal(left) % to_decimal(right)
    raise ValueProblem(f"cannot take the remainder of {describe(left)} by {describe(right)}")


def negate(value: Any) -> Any:
    """Unary minus for numbers and durations."""
    if value is None:
        return None
    if is_number(value):
        return -to_decimal(value) if isinstance(value, float) else -value
    if isinstance(value, timedelta | CalendarPeriod):
        return -value
    raise ValueProblem(f"cannot negate {describe(value)}")


ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "/": divide,
    "%": remainder,
}
