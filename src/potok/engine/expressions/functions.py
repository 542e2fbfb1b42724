"""The fixed registry of functions an expression may call.

There are no user-defined functions in the language; a caller may add Python functions to
the registry it compiles with (``compile_expression(source, functions=...)``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from potok.engine.expressions import temporal
from potok.engine.expressions.context import EvaluationContext
from potok.engine.expressions.values import (
    ValueProblem,
    describe,
    equals,
    is_number,
    order,
    to_decimal,
    truth,
)
from potok.engine.expressions.values import add as add_values
from potok.engine.expressions.values import contains as contains_value

MAX_MATCH_INPUT = 10_000
MAX_PATTERN = 500
MAX_TEXT_RESULT = 1_000_000


@dataclass(frozen=True, slots=True)
class Function:
    """One callable of the language.

    ``implementation`` gets the evaluated arguments (and, with ``uses_context``, the
    :class:`EvaluationContext` first). With ``takes_functions`` an argument may be a
    one-parameter lambda ``x -> …``, passed in as a Python callable.

    Example::

        compile_expression("double(x)", functions={"double": Function("double", lambda value: value * 2, 1, 1)})
    """

    name: str
    implementation: Callable[..., Any]
    min_arguments: int = 0
    max_arguments: int | None = None
    uses_context: bool = False
    takes_functions: bool = False


def _text(value: Any, function: str) -> str:
    if not isinstance(value, str):
        raise ValueProblem(f"{function}() expects a text, not {describe(value)}")
    return value


def _length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | tuple | Mapping | set | frozenset):
        return len(value)
    raise ValueProblem(f"has no length: {describe(value)}")


def _lower(value: Any) -> str | None:
    return None if value is None else _text(value, "lower").lower()


def _upper(value: Any) -> str | None:
    return None if value is None else _text(value, "upper").upper()


def _trim(value: Any) -> str | None:
    return None if value is None else _text(value, "trim").strip()


def _contains(container: Any, item: Any) -> bool:
    return contains_value(container, item)


def _starts_with(value: Any, prefix: Any) -> bool:
    if value is None or prefix is None:
        return False
    return _text(value, "starts_with").startswith(_text(prefix, "starts_with"))


def _ends_with(value: Any, suffix: Any) -> bool:
    if value is None or suffix is None:
        return False
    return _text(value, "ends_with").endswith(_text(suffix, "ends_with"))


def _substring(value: Any, start: Any, length: Any = None) -> str | None:
    """1-based like FEEL and SQL; a negative start counts from the end."""
    if value is None:
        return None
    text = _text(value, "substring")
    if not isinstance(start, int) or isinstance(start, bool):
        raise ValueProblem(f"substring() expects a whole number as start, not {describe(start)}")
    begin = start - 1 if start > 0 else max(len(text) + start, 0)
    if length is None:
        return text[begin:]
    if not isinstance(length, int) or isinstance(length, bool) or length < 0:
        raise ValueProblem(f"substring() expects a whole non-negative length, not {describe(length)}")
    return text[begin : begin + length]


def _concat(*values: Any) -> str:
    result = "".join("" if value is None else _string(value) or "" for value in values)
    return _limit(result)


def _limit(text: str) -> str:
    if len(text) > MAX_TEXT_RESULT:
        raise ValueProblem(f"result is longer than {MAX_TEXT_RESULT} characters")
    return text


def _replace(value: Any, old: Any, new: Any) -> str | None:
    """Plain text replacement (not a regular expression)."""
    if value is None:
        return None
    text = _text(value, "replace")
    old_text, new_text = _text(old, "replace"), _text(new, "replace")
    if not old_text:
        raise ValueProblem("replace() cannot replace an empty text")
    if len(new_text) > len(old_text) and len(text) // len(old_text) * len(new_text) > MAX_TEXT_RESULT:
        raise ValueProblem(f"result would be longer than {MAX_TEXT_RESULT} characters")
    return _limit(text.replace(old_text, new_text))


# A group that holds a quantifier and is itself quantified, such as (a+)+ or (\w*)*: the
# classic shape of catastrophic backtracking. Refused rather than risk a stuck worker.
NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*(?<!\\)[+*}](?:[^()\\]|\\.)*\)[+*{]")


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    if NESTED_QUANTIFIER.search(pattern):
        raise ValueProblem(
            f"pattern {pattern!r} repeats a repeated group, which can take forever; simplify it"
        )
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueProblem(f"invalid pattern {pattern!r}: {error}") from None


def _matches(value: Any, pattern: Any) -> bool:
    """The whole text matches the pattern; inputs and patterns are capped to keep it cheap."""
    if value is None:
        return False
    text, regex = _text(value, "matches"), _text(pattern, "matches")
    if len(text) > MAX_MATCH_INPUT:
        raise ValueProblem(f"matches() accepts texts up to {MAX_MATCH_INPUT} characters")
    if len(regex) > MAX_PATTERN:
        raise ValueProblem(f"matches() accepts patterns up to {MAX_PATTERN} characters")
    return _pattern(regex).fullmatch(text) is not None


def _number_argument(value: Any, function: str) -> int | Decimal:
    if not is_number(value):
        raise ValueProblem(f"{function}() expects a number, not {describe(value)}")
    return to_decimal(value) if isinstance(value, float) else value


def _abs(value: Any) -> Any:
    return None if value is None else abs(_number_argument(value, "abs"))


def _round(value: Any, digits: Any = 0) -> Any:
    """Half away from zero (2.5 → 3), the way people round money; not banker's rounding."""
    if value is None:
        return None
    number = to_decimal(_number_argument(value, "round"))
    if not isinstance(digits, int) or isinstance(digits, bool) or not -20 <= digits <= 20:
        raise ValueProblem(f"round() expects a whole number of digits, not {describe(digits)}")
    rounded = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(rounded) if digits <= 0 else rounded


def _floor(value: Any) -> int | None:
    return None if value is None else math.floor(_number_argument(value, "floor"))


def _ceil(value: Any) -> int | None:
    return None if value is None else math.ceil(_number_argument(value, "ceil"))


def _items(values: tuple[Any, ...]) -> list[Any]:
    if len(values) == 1 and isinstance(values[0], list | tuple):
        return [item for item in values[0] if item is not None]
    return [item for item in values if item is not None]


def _extreme(values: tuple[Any, ...], symbol: str) -> Any:
    items = _items(values)
    if not items:
        return None
    best = items[0]
    for item in items[1:]:
        if order(symbol, item, best):
            best = item
    return best


def _min(*values: Any) -> Any:
    return _extreme(values, "<")


def _max(*values: Any) -> Any:
    return _extreme(values, ">")


def _sum(*values: Any) -> Any:
    total: Any = 0
    for item in _items(values):
        total = add_values(total, item)
    return total


def _number(value: Any) -> int | Decimal | None:
    if value is None:
        return None
    if is_number(value):
        return _number_argument(value, "number")
    text = _text(value, "number").strip().replace(" ", "").replace("\u00a0", "")
    if len(text) > 60:
        raise ValueProblem("number() accepts texts up to 60 characters")
    try:
        return int(text) if re.fullmatch(r"[-+]?\d+", text) else Decimal(text.replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValueProblem(f"{value!r} is not a number") from None


def _string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | Mapping | set | frozenset):
        return len(value) == 0
    return False


def _coalesce(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def _check_each(items: Any, test: Callable[[Any], Any] | None, function: str) -> Iterable[bool]:
    if items is None:
        return []
    if not isinstance(items, list | tuple):
        raise ValueProblem(f"{function}() expects a list, not {describe(items)}")
    if test is None:
        return (truth(item, f"an item of {function}()") for item in items)
    if not callable(test):
        raise ValueProblem(f"{function}() expects a function such as 'x -> x > 1' as second argument")
    return (truth(test(item), f"the condition of {function}()") for item in items)


def _any(items: Any, test: Callable[[Any], Any] | None = None) -> bool:
    return any(_check_each(items, test, "any"))


def _all(items: Any, test: Callable[[Any], Any] | None = None) -> bool:
    return all(_check_each(items, test, "all"))


def _date(*values: Any) -> date | None:
    if len(values) == 3:
        year, month, day = values
        if not all(isinstance(part, int) and not isinstance(part, bool) for part in values):
            raise ValueProblem("date(year, month, day) expects whole numbers")
        try:
            return date(year, month, day)
        except ValueError as error:
            raise ValueProblem(str(error)) from None
    if len(values) != 1:
        raise ValueProblem("date() takes a text or year, month, day")
    return None if values[0] is None else temporal.parse_date(values[0])


def _datetime(context: EvaluationContext, value: Any) -> datetime | None:
    return None if value is None else temporal.parse_datetime(value, context.zone)


def _duration(value: Any) -> Any:
    return None if value is None else temporal.parse_duration(_text(value, "duration"))


def _part(name: str) -> Callable[[Any], int | None]:
    def extract(value: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, date):
            raise ValueProblem(f"{name}() expects a date, not {describe(value)}")
        return int(getattr(value, name))

    return extract


def _weekday(value: Any) -> int | None:
    """1 = Monday … 7 = Sunday (ISO)."""
    if value is None:
        return None
    if not isinstance(value, date):
        raise ValueProblem(f"weekday() expects a date, not {describe(value)}")
    return value.isoweekday()


def _now(context: EvaluationContext) -> datetime:
    return context.now()


def _today(context: EvaluationContext) -> date:
    return context.today()


def _equal(left: Any, right: Any) -> bool:
    return equals(left, right)


def _f(name: str, implementation: Callable[..., Any], low: int, high: int | None, **flags: bool) -> Function:
    return Function(name, implementation, low, high, **flags)


BUILTINS: dict[str, Function] = {
    function.name: function
    for function in (
        _f("len", _length, 1, 1),
        _f("count", _length, 1, 1),
        _f("lower", _lower, 1, 1),
        _f("upper", _upper, 1, 1),
        _f("trim", _trim, 1, 1),
        _f("contains", _contains, 2, 2),
        _f("starts_with", _starts_with, 2, 2),
        _f("ends_with", _ends_with, 2, 2),
        _f("substring", _substring, 2, 3),
        _f("concat", _concat, 0, None),
        _f("replace", _replace, 3, 3),
        _f("matches", _matches, 2, 2),
        _f("abs", _abs, 1, 1),
        _f("round", _round, 1, 2),
        _f("floor", _floor, 1, 1),
        _f("ceil", _ceil, 1, 1),
        _f("min", _min, 1, None),
        _f("max", _max, 1, None),
        _f("sum", _sum, 1, None),
        _f("number", _number, 1, 1),
        _f("string", _string, 1, 1),
        _f("is_empty", _is_empty, 1, 1),
        _f("coalesce", _coalesce, 1, None),
        _f("any", _any, 1, 2, takes_functions=True),
        _f("all", _all, 1, 2, takes_functions=True),
        _f("date", _date, 1, 3),
        _f("datetime", _datetime, 1, 1, uses_context=True),
        _f("duration", _duration, 1, 1),
        _f("now", _now, 0, 0, uses_context=True),
        _f("today", _today, 0, 0, uses_context=True),
        _f("years_between", temporal.years_between, 2, 2),
        _f("months_between", temporal.months_between, 2, 2),
        _f("days_between", temporal.days_between, 2, 2),
        _f("year", _part("year"), 1, 1),
        _f("month", _part("month"), 1, 1),
        _f("day", _part("day"), 1, 1),
        _f("weekday", _weekday, 1, 1),
        _f("equals", _equal, 2, 2),
    )
}


def registry(extra: Mapping[str, Function | Callable[..., Any]] | None = None) -> Mapping[str, Function]:
    """The built-in functions, plus (overriding) the caller's; plain callables take any arguments."""
    if not extra:
        return BUILTINS
    combined = dict(BUILTINS)
    for name, function in extra.items():
        if name.startswith("_") or not name.isidentifier():
            raise ValueError(f"invalid function name {name!r}")
        combined[name] = function if isinstance(function, Function) else Function(name, function)
    return combined
