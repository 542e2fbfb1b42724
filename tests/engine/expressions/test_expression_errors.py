"""Bad and hostile input gives a clean ExpressionError that names the position."""

import pytest

from potok.engine.expressions import ExpressionError, compile_expression

PARSE_ERRORS = [
    ("(a > 1))", 7, "unexpected ')'"),
    ("a >", 3, "expected an expression but found end of expression"),
    ("a > > 1", 4, "expected an expression but found '>'"),
    ("(a > 1", 6, "expected ')' to close '('"),
    ("'open", 0, "text is not closed"),
    ("a $ b", 2, "unexpected character '$'"),
    ("a < b < c", 6, "comparisons cannot be chained"),
    ("a is 5", 5, "expected 'null' after 'is'"),
    ("a between 1 or 2", 12, "expected 'and' in 'between … and …'"),
    ("if a then b", 11, "expected 'else'"),
    ("foo(1)", 0, "unknown function 'foo'"),
    ("len(1, 2)", 0, "len() takes 1 arguments, not 2"),
    ("client.name()", 7, "method calls are not supported"),
    ("'x'(1)", 3, "only named functions can be called"),
    ("x -> x", 0, "may only be an argument of any() or all()"),
    ("len(x -> x)", 4, "len() does not take a function"),
    ("'\\q'", 1, "unknown escape"),
    ("12abc", 2, "unexpected 'a' after number 12"),
    ("", 0, "the text is empty"),
    ("   ", 3, "the text is empty"),
    ("a and", 5, "expected an expression"),
    ("[1, 2", 5, "expected ']' to close the list"),
    ("a.1", 2, "expected a field name after '.'"),
    ("then", 0, "keyword 'then'"),
]


@pytest.mark.parametrize(("source", "position", "message"), PARSE_ERRORS)
def test_parse_error_names_position_and_expectation(source, position, message):
    # given
    # when
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)

    # then
    assert caught.value.position == position
    assert message in str(caught.value)
    assert f"at position {position}" in str(caught.value)


def test_error_reports_line_and_column():
    # given
    source = "amount > 1 and\n  status = = 'x'"

    # when
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)

    # then
    assert (caught.value.line, caught.value.column) == (2, 12)
    assert caught.value.source == source


EVALUATION_ERRORS = [
    ("name > 3", {"name": "text"}, "cannot compare text 'text' with number 3 in `name > 3`", 5),
    ("amount / 0", {"amount": 5}, "division by zero in `amount / 0`", 7),
    ("1 + 'a'", {}, "cannot add text 'a' to number 1", 2),
    ("amount and true", {"amount": 1}, "each side of 'and' must be true or false", 0),
    ("not name", {"name": "x"}, "'not' needs true or false", 0),
    ("upper(5)", {}, "upper() expects a text", 0),
    ("date('31.01.2026')", {}, "is not a date", 0),
    ("duration('2 days')", {}, "is not an ISO 8601 duration", 0),
    ("items['a']", {"items": [1]}, "a list index must be a whole number", 5),
    ("5.x", {}, "cannot read 'x' of number 5", 2),
    ("number('abc')", {}, "'abc' is not a number", 0),
]


@pytest.mark.parametrize(("source", "variables", "message", "position"), EVALUATION_ERRORS)
def test_evaluation_error_names_the_sub_expression(source, variables, message, position):
    # given
    expression = compile_expression(source)

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate(variables)

    # then
    assert message in str(caught.value)
    assert caught.value.position == position


HOSTILE = [
    ("__import__('os')", "names starting with '_' are not allowed: '__import__'"),
    ("().__class__", "names starting with '_' are not allowed: '__class__'"),
    ("a.__dict__", "names starting with '_' are not allowed: '__dict__'"),
    ("x.__class__.__bases__[0].__subclasses__()", "'__class__'"),
    ("_private", "names starting with '_' are not allowed"),
    ("any(items, _x -> _x)", "'_x'"),
    ("${ __import__('os').system('ls') }", "'__import__'"),
    ("= ().__class__", "'__class__'"),
    ("eval('1')", "unknown function 'eval'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("getattr(a, 'b')", "unknown function 'getattr'"),
]


@pytest.mark.parametrize(("source", "message"), HOSTILE)
def test_hostile_input_is_refused_at_parse_time(source, message):
    # given
    # when
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)

    # then
    assert message in str(caught.value)
    assert caught.value.position is not None


def test_ten_thousand_open_parentheses_fail_cleanly():
    # given
    source = "(" * 10_000 + "1" + ")" * 10_000

    # when
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)

    # then
    assert "nested more than" in str(caught.value)


@pytest.mark.parametrize(
    "source",
    [
        "not " * 5000 + "true",
        "-" * 5000 + "1",
        "!" * 5000 + "true",
        "[" * 5000 + "]" * 5000,
        "f(" * 5000 + ")" * 5000,
        " + ".join(["a"] * 5000),
        " and ".join(["a = 1"] * 1000) + " or b",
        "a" + ".b" * 5000,
        "a" + "[0]" * 5000,
        "if a then " * 3000 + "1" + " else 2" * 3000,
    ],
)
def test_deep_or_long_chains_fail_cleanly_not_with_recursion_error(source):
    # given
    # when
    try:
        expression = compile_expression(source)
        expression.evaluate({})
        expression.to_source()
    except ExpressionError as error:
        # then
        assert "nested more than" in str(error) or "unknown function" in str(error)


def test_one_megabyte_source_is_rejected_by_size():
    # given
    source = "a = '" + "x" * 1_000_000 + "'"

    # when
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)

    # then
    assert "the limit is" in str(caught.value)


def test_non_text_source_is_rejected():
    # given
    # when
    with pytest.raises(ExpressionError):
        compile_expression(42)  # type: ignore[arg-type]
    # then: nothing else happens


def test_huge_numbers_are_rejected():
    # given
    source = "1" * 5000

    # when
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)

    # then
    assert "longer than" in str(caught.value)


def test_regular_expressions_are_capped():
    # given
    expression = compile_expression("matches(text, '[a-z]+b')")

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate({"text": "a" * 20_000})

    # then
    assert "up to" in str(caught.value)
    assert expression.evaluate({"text": "aaab"}) is True


@pytest.mark.parametrize("pattern", ["(a+)+b", "(\\\\w*)*x", "(x{1,9})+"])
def test_patterns_prone_to_catastrophic_backtracking_are_refused(pattern):
    # given
    expression = compile_expression(f"matches(text, '{pattern}')")

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate({"text": "a" * 40})

    # then
    assert "repeats a repeated group" in str(caught.value)


def test_text_results_are_capped():
    # given
    expression = compile_expression("replace(text, 'a', big)")

    # when
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate({"text": "a" * 10_000, "big": "b" * 1000})

    # then
    assert "longer than" in str(caught.value)
