"""The language as a table: source, variables, expected value."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from potok.engine.expressions import ExpressionError, compile_expression

RECORD = {
    "amount": 20000,
    "price": Decimal("19.99"),
    "ratio": 0.1,
    "name": "Северный ветер",
    "status": "new",
    "empty_text": "",
    "nothing": None,
    "flag": True,
    "items": [{"amount": 3}, {"amount": 7}],
    "tags": ["vip", "b2b"],
    "client": {"segment": "VIP", "address": {"city": "Москва"}, "manager": None},
    "due": date(2026, 1, 31),
    "created": datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
}

CASES = [
    # literals
    ("null", None),
    ("true", True),
    ("false", False),
    ("42", 42),
    ("1.50", Decimal("1.50")),
    ("'it\\'s'", "it's"),
    ('"double \\"quoted\\""', 'double "quoted"'),
    ("'line\\nbreak'", "line\nbreak"),
    ("'\\u0416'", "Ж"),
    ("[1, 'a', null]", [1, "a", None]),
    ("[]", []),
    # variables and paths
    ("amount", 20000),
    ("client.segment", "VIP"),
    ("client.address.city", "Москва"),
    ("client.manager.name", None),
    ("missing", None),
    ("missing.deeper.still", None),
    ("items[0].amount", 3),
    ("items[-1].amount", 7),
    ("items[5]", None),
    ("client['segment']", "VIP"),
    ("tags[1]", "b2b"),
    # arithmetic, exact decimals
    ("amount + 1", 20001),
    ("price * 3", Decimal("59.97")),
    ("0.1 + 0.2 = 0.3", True),
    ("ratio + 0.2 = 0.3", True),
    ("7 / 2", Decimal("3.5")),
    ("7 % 3", 1),
    ("-amount", -20000),
    ("- -5", 5),
    ("2 + 3 * 4", 14),
    ("(2 + 3) * 4", 20),
    ("10 - 4 - 3", 3),
    ("nothing + 1", None),
    ("'a' + 'b'", "ab"),
    # comparisons
    ("amount > 10000", True),
    ("amount >= 20000", True),
    ("amount < 10000", False),
    ("amount <= 19999", False),
    ("amount = 20000", True),
    ("amount == 20000", True),
    ("amount != 20000", False),
    ("amount <> 1", True),
    ("1 = 1.0", True),
    ("true = 1", False),
    ("'1' = 1", False),
    ("status = 'new'", True),
    ("'abc' < 'abd'", True),
    ("nothing > 1", False),
    ("nothing < 1", False),
    ("nothing = null", True),
    ("nothing != null", False),
    ("missing == null", True),
    ("amount == null", False),
    ("nothing is null", True),
    ("amount is not null", True),
    ("client.segment is null", False),
    ("tags = ['vip', 'b2b']", True),
    # logic
    ("true and false", False),
    ("true or false", True),
    ("not false", True),
    ("not nothing", True),
    ("nothing and true", False),
    ("nothing or true", True),
    ("true && !false", True),
    ("false || true", True),
    ("not amount > 30000", True),
    ("amount > 1 and amount < 30000 and status = 'new'", True),
    ("false and missing.x > 'text'", False),
    ("true or 1 > 'a'", True),
    # membership
    ("status in ['new', 'open']", True),
    ("status not in ['new', 'open']", False),
    ("'vip' in tags", True),
    ("'ветер' in name", True),
    ("'segment' in client", True),
    ("1 in nothing", False),
    ("1.0 in [1, 2]", True),
    # between, conditional
    ("amount between 10000 and 30000", True),
    ("amount between 1 and 5 or flag", True),
    ("nothing between 1 and 5", False),
    ("if amount > 10000 then 'big' else 'small'", "big"),
    ("if nothing then 1 else 2", 2),
    # dates
    ("due > date('2026-01-01')", True),
    ("due + duration('P1D')", date(2026, 2, 1)),
    ("due + duration('P1M')", date(2026, 2, 28)),
    ("due - date('2026-01-01')", timedelta(days=30)),
    ("created - datetime('2026-01-09T09:00:00Z')", timedelta(days=1)),
    ("created - datetime('2026-01-09T12:00:00')", timedelta(hours=21)),
    ("created > datetime('2026-01-10T11:59:00+03:00')", True),
    ("days_between(date('2026-01-01'), due)", 30),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_expression_evaluates_to_expected_value(source, expected):
    # given
    expression = compile_expression(source)

    # when
    result = expression.evaluate(RECORD)

    # then
    assert result == expected
    assert type(result) is type(expected) or isinstance(expected, Decimal | int)


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_printed_expression_evaluates_the_same(source, expected):
    # given
    expression = compile_expression(source)

    # when
    reprinted = compile_expression(expression.to_source())

    # then
    assert reprinted.tree == expression.tree
    assert reprinted.evaluate(RECORD) == expected


def test_variables_and_paths_used_name_what_is_read():
    # given
    expression = compile_expression(
        "client.segment = 'VIP' and any(items, x -> x.amount > limit) and len(tags) > 0"
    )

    # when
    variables = expression.variables_used()
    paths = expression.paths_used()

    # then
    assert variables == frozenset({"client", "items", "limit", "tags"})
    assert paths == frozenset({"client.segment", "items", "limit", "tags"})


def test_strict_evaluation_refuses_unknown_variables():
    # given
    expression = compile_expression("client.region = 'north'")

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate(RECORD, strict=True)

    # then
    assert "unknown field 'region'" in str(caught.value)
    assert expression.evaluate(RECORD) is False


def test_strict_evaluation_refuses_unknown_root_variable():
    # given
    expression = compile_expression("amount > 1 and colour = 'red'")

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate({"amount": 5}, strict=True)

    # then
    assert "unknown variable 'colour'" in str(caught.value)
    assert caught.value.position == 15


def test_objects_are_read_only_through_an_explicit_resolver():
    # given
    from potok.engine.expressions import EvaluationContext

    class Client:
        segment = "VIP"
        secret = "never"

    def resolver(owner, name):
        if isinstance(owner, Client) and name == "segment":
            return owner.segment
        raise LookupError(name)

    expression = compile_expression("client.segment = 'VIP' and client.secret = null")

    # when
    without_resolver = pytest.raises(ExpressionError, match="cannot read 'segment' of Client")
    with without_resolver:
        expression.evaluate({"client": Client()})
    result = expression.evaluate({"client": Client()}, context=EvaluationContext(resolver=resolver))

    # then
    assert result is True


def test_evaluate_condition_requires_a_boolean():
    # given
    expression = compile_expression("amount")

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate_condition({"amount": 5})

    # then
    assert "must be true or false" in str(caught.value)
    assert compile_expression("missing").evaluate_condition({}) is False


def test_compiled_comparison_is_fast():
    # given
    import time

    expression = compile_expression("amount > 10000")
    variables = {"amount": 20000}

    # when
    started = time.perf_counter()
    for _ in range(20000):
        expression.evaluate(variables)
    per_call = (time.perf_counter() - started) / 20000

    # then: a few microseconds at most, even on a busy machine
    assert per_call < 20e-6


def test_variables_must_be_a_mapping():
    # given
    expression = compile_expression("a = 1")

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate([("a", 1)])  # type: ignore[arg-type]

    # then
    assert "variables must be a mapping, not list" in str(caught.value)
