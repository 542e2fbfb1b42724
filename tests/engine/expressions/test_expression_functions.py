"""The function registry: texts, numbers, lists, dates and durations, caller extensions."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from potok.engine.expressions import (
    CalendarPeriod,
    EvaluationContext,
    ExpressionError,
    Function,
    compile_expression,
)

CLOCK = EvaluationContext(
    clock=lambda: datetime(2026, 3, 1, 22, 30, tzinfo=UTC),
    time_zone="Europe/Moscow",
)

VARIABLES = {
    "text": "  Hello World  ",
    "items": [{"amount": Decimal("10.50")}, {"amount": 3}, {"amount": None}],
    "numbers": [3, 1, 2],
    "born": date(1990, 6, 15),
}

CASES = [
    ("len('abc')", 3),
    ("count(numbers)", 3),
    ("len(missing)", 0),
    ("lower('ABC')", "abc"),
    ("upper('abc')", "ABC"),
    ("trim(text)", "Hello World"),
    ("lower(missing)", None),
    ("contains('abcdef', 'cd')", True),
    ("contains(numbers, 2)", True),
    ("contains(missing, 2)", False),
    ("starts_with('abc', 'ab')", True),
    ("ends_with('abc', 'bc')", True),
    ("substring('foobar', 3)", "obar"),
    ("substring('foobar', 3, 2)", "ob"),
    ("substring('foobar', -2)", "ar"),
    ("concat('a', 1, null, true, 2.50)", "a1true2.50"),
    ("replace('a-b-c', '-', '+')", "a+b+c"),
    ("matches('AB-123', '[A-Z]+-\\\\d+')", True),
    ("matches('xAB-123', '[A-Z]+-\\\\d+')", False),
    ("abs(-5)", 5),
    ("round(2.5)", 3),
    ("round(2.345, 2)", Decimal("2.35")),
    ("round(-2.5)", -3),
    ("floor(2.7)", 2),
    ("ceil(2.1)", 3),
    ("min(numbers)", 1),
    ("max(3, 9, 4)", 9),
    ("min([])", None),
    ("sum([1, 2.5])", Decimal("3.5")),
    ("number('12.5')", Decimal("12.5")),
    ("number('1 234,5')", Decimal("1234.5")),
    ("number('42')", 42),
    ("string(12.50)", "12.50"),
    ("string(true)", "true"),
    ("string(date('2026-01-31'))", "2026-01-31"),
    ("is_empty('  ')", True),
    ("is_empty([1])", False),
    ("coalesce(missing, 'fallback')", "fallback"),
    ("any(items, x -> x.amount > 10)", True),
    ("all(items, x -> x.amount > 1)", False),
    ("any([false, null])", False),
    ("all([])", True),
    ("sum(numbers) = 6", True),
    ("date('2026-01-31')", date(2026, 1, 31)),
    ("date(2026, 2, 28)", date(2026, 2, 28)),
    ("datetime('2026-01-31T10:00:00+03:00')", datetime(2026, 1, 31, 7, 0, tzinfo=UTC)),
    ("duration('P2D')", timedelta(days=2)),
    ("duration('PT4H30M')", timedelta(hours=4, minutes=30)),
    ("duration('P1W')", timedelta(weeks=1)),
    ("duration('-PT1S')", timedelta(seconds=-1)),
    ("duration('P1Y2M3D')", CalendarPeriod(14, timedelta(days=3))),
    ("now()", datetime(2026, 3, 1, 22, 30, tzinfo=UTC)),
    ("today()", date(2026, 3, 2)),
    ("years_between(born, date('2026-06-14'))", 35),
    ("years_between(born, date('2026-06-15'))", 36),
    ("months_between(date('2026-01-31'), date('2026-02-27'))", 0),
    ("months_between(date('2026-01-31'), date('2026-02-28'))", 1),
    ("months_between(date('2026-01-31'), date('2026-03-01'))", 1),
    ("days_between(date('2026-03-01'), date('2026-02-01'))", -28),
    ("today() - duration('P1D') < today()", True),
    ("date('2024-02-29') + duration('P1Y')", date(2025, 2, 28)),
    ("datetime('2026-03-01T10:00:00Z') + duration('PT4H') > now()", False),
    ("duration('PT4H') * 2 = duration('PT8H')", True),
    ("duration('P1D') > duration('PT23H')", True),
    ("year(born) + month(born) + day(born)", 1990 + 6 + 15),
    ("weekday(date('2026-01-31'))", 6),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_function_gives_expected_value(source, expected):
    # given
    expression = compile_expression(source)

    # when
    result = expression.evaluate(VARIABLES, context=CLOCK)

    # then
    assert result == expected


def test_caller_may_register_functions():
    # given
    def in_role(context, user, role):
        return role in context.extras["roles"].get(user, ())

    functions = {
        "double": lambda value: value * 2,
        "in_role": Function("in_role", in_role, 2, 2, uses_context=True),
    }
    expression = compile_expression("double(amount) > 10 and in_role(user, 'lawyer')", functions=functions)
    context = EvaluationContext(extras={"roles": {"darya": ("lawyer",)}})

    # when
    result = expression.evaluate({"amount": 6, "user": "darya"}, context=context)

    # then
    assert result is True


def test_a_failing_caller_function_becomes_an_expression_error():
    # given
    expression = compile_expression("boom(1)", functions={"boom": lambda value: {}[value]})

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate({})

    # then
    assert "in `boom(1)`" in str(caught.value)


def test_naive_datetime_text_is_read_in_the_context_time_zone():
    # given
    expression = compile_expression("datetime('2026-01-31T10:00:00')")

    # when
    result = expression.evaluate({}, context=CLOCK)

    # then
    assert result == datetime(2026, 1, 31, 7, 0, tzinfo=UTC)
    assert result.tzinfo is not None


def test_mixing_naive_and_aware_datetimes_is_an_error():
    # given
    expression = compile_expression("created > now()")

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate({"created": datetime(2026, 1, 1)}, context=CLOCK)

    # then
    assert "cannot compare" in str(caught.value)
