"""Camunda 7 JUEL (``${…}``) and Camunda 8 FEEL (``= …``) subsets, detected by prefix."""

import pytest

from potok.engine.expressions import Dialect, ExpressionError, compile_expression

VARIABLES = {"amount": 20000, "approved": False, "name": "Anna", "comment": "", "items": []}

CASES = [
    ("${ amount > 10000 }", Dialect.JUEL, True),
    ("#{amount > 10000}", Dialect.JUEL, True),
    ("${amount gt 10000 && !approved}", Dialect.JUEL, True),
    ("${amount lt 10000 || approved}", Dialect.JUEL, False),
    ("${amount eq 20000 and name ne 'Bob'}", Dialect.JUEL, True),
    ("${amount ge 20000 and amount le 20000}", Dialect.JUEL, True),
    ("${empty comment}", Dialect.JUEL, True),
    ("${empty items}", Dialect.JUEL, True),
    ("${not empty name}", Dialect.JUEL, True),
    ("${approved == false}", Dialect.JUEL, True),
    ("${amount > 100 ? 'big' : 'small'}", Dialect.JUEL, "big"),
    ("${amount div 1000}", Dialect.JUEL, 20),
    ("${amount mod 7}", Dialect.JUEL, 20000 % 7),
    ("= amount > 10000", Dialect.FEEL, True),
    ("=amount > 10000 and not(approved)", Dialect.FEEL, True),
    ("= name + ' Petrova'", Dialect.FEEL, "Anna Petrova"),
    ('= if amount > 10 then "big" else "small"', Dialect.FEEL, "big"),
    ("= missing = null", Dialect.FEEL, True),
    ("= amount between 1 and 30000", Dialect.FEEL, True),
    ("amount > 10000", Dialect.POTOK, True),
]


@pytest.mark.parametrize(("source", "dialect", "expected"), CASES)
def test_dialect_is_detected_by_prefix_and_evaluated(source, dialect, expected):
    # given
    expression = compile_expression(source)

    # when
    result = expression.evaluate(VARIABLES)

    # then
    assert expression.dialect is dialect
    assert result == expected


def test_juel_keywords_are_ordinary_names_in_potok_syntax():
    # given
    expression = compile_expression("gt + eq")

    # when
    result = expression.evaluate({"gt": 1, "eq": 2})

    # then
    assert result == 3


@pytest.mark.parametrize(
    ("source", "position", "message"),
    [
        ("${amount > 10000", 0, "'${' is not closed"),
        ("${execution.getVariable('x')}", 12, "method calls are not supported"),
        ("${amount >}", 10, "expected an expression"),
        ("= amount >> 1", 10, "expected an expression"),
        ("= x instance of string", 4, "unexpected 'instance'"),
        ("${a} and ${b}", 3, "unexpected character '}'"),
    ],
)
def test_what_a_dialect_cannot_express_is_an_error_with_position(source, position, message):
    # given
    # when
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)

    # then
    assert message in str(caught.value)
    assert caught.value.position == position


def test_dialect_can_be_forced():
    # given
    # when
    juel = compile_expression("amount gt 5", dialect="juel")
    feel = compile_expression("amount > 5", dialect="feel")

    # then
    assert juel.evaluate({"amount": 6}) is True
    assert feel.dialect is Dialect.FEEL


def test_dialects_print_as_potok_syntax():
    # given
    expression = compile_expression("${amount gt 10000 && !approved}")

    # when
    printed = expression.to_source()

    # then
    assert printed == "amount > 10000 and not approved"
