"""Condition trees from the no-code builder: compilation, tracing, field lists and errors."""

from datetime import date
from decimal import Decimal

import pytest

from potok.engine.expressions import (
    ClauseResult,
    ExpressionError,
    change_variables,
    compile_condition_tree,
    compile_expression,
    condition_tree_fields,
    evaluate_condition_tree_traced,
)

TREE = {
    "all": [
        {"field": "client.segment", "op": "eq", "value": "VIP"},
        {
            "any": [
                {"field": "amount", "op": "gt", "value": 100000},
                {"not": {"field": "status", "op": "in", "value": ["closed"]}},
            ]
        },
        {"field": "amount", "op": "changed_to_gt", "value": 100000},
        {"expr": "len(description) > 10"},
    ]
}


def complaint(old_amount, new_amount, segment="VIP", status="new"):
    current = {
        "amount": new_amount,
        "client": {"segment": segment},
        "status": status,
        "description": "a long description",
    }
    return change_variables({"amount": old_amount} if old_amount is not None else None, current)


def test_tree_compiles_to_the_same_ast_as_the_typed_expression():
    # given
    typed = compile_expression(
        "client.segment = 'VIP' and (amount > 100000 or not (status in ['closed']))"
        " and ((old.amount is null or old.amount <= 100000) and new.amount > 100000)"
        " and len(description) > 10"
    )

    # when
    compiled = compile_condition_tree(TREE)

    # then
    assert compiled.tree == typed.tree
    assert compile_expression(compiled.source).tree == compiled.tree


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (complaint(90000, 150000), True),
        (complaint(None, 150000), True),
        (complaint(150000, 160000), False),
        (complaint(90000, 150000, segment="SMB"), False),
        (complaint(150000, 90000), False),
    ],
)
def test_threshold_crossing_fires_once(variables, expected):
    # given
    expression = compile_condition_tree(TREE)

    # when
    result = expression.evaluate_condition(variables)

    # then
    assert result is expected
    assert evaluate_condition_tree_traced(TREE, variables)[0] is expected


def test_trace_reports_every_clause_with_its_value():
    # given
    variables = complaint(90000, 150000, segment="SMB")

    # when
    result, trace = evaluate_condition_tree_traced(TREE, variables)

    # then
    assert result is False
    assert trace == [
        ClauseResult("", "all of 4 conditions", None, False),
        ClauseResult("all[0]", "client.segment = 'VIP'", "SMB", False),
        ClauseResult("all[1]", "any of 2 conditions", None, True),
        ClauseResult("all[1].any[0]", "amount > 100000", 150000, True),
        ClauseResult("all[1].any[1]", "not (status in ['closed'])", None, True),
        ClauseResult("all[1].any[1].not", "status in ['closed']", "new", False),
        ClauseResult("all[2]", "amount became > 100000", {"old": 90000, "new": 150000}, True),
        ClauseResult("all[3]", "len(description) > 10", 18, True),
    ]


def test_trace_records_a_failing_clause_and_short_circuits_like_the_compiled_form():
    # given
    tree = {"any": [{"field": "amount", "op": "gt", "value": 5}, {"expr": "name > 3", "id": "c2"}]}

    # when
    early_true = evaluate_condition_tree_traced(tree, {"amount": 10, "name": "x"})
    failing = evaluate_condition_tree_traced(tree, {"amount": 1, "name": "x"})

    # then
    assert early_true[0] is True
    assert compile_condition_tree(tree).evaluate({"amount": 10, "name": "x"}) is True
    assert early_true[1][2].error is not None and early_true[1][2].id == "c2"
    assert failing[0] is False
    assert failing[1][0].error == "clause any[1] could not be evaluated"
    assert "cannot compare text 'x' with number 3" in (failing[1][2].error or "")
    with pytest.raises(ExpressionError):
        compile_condition_tree(tree).evaluate({"amount": 1, "name": "x"})


OPERATOR_CASES = [
    ({"field": "a", "op": "eq", "value": 1}, {"a": 1}, True),
    ({"field": "a", "op": "ne", "value": 1}, {"a": 1}, False),
    ({"field": "a", "op": "gte", "value": 1.5}, {"a": Decimal("1.5")}, True),
    ({"field": "a", "op": "lt", "value": 2}, {"a": None}, False),
    ({"field": "a", "op": "lte", "value": 2}, {"a": 2}, True),
    ({"field": "a", "op": "in", "value": ["x", "y"]}, {"a": "y"}, True),
    ({"field": "a", "op": "not_in", "value": ["x", "y"]}, {"a": "z"}, True),
    ({"field": "a", "op": "contains", "value": "bc"}, {"a": "abcd"}, True),
    ({"field": "a", "op": "not_contains", "value": "bc"}, {"a": "abcd"}, False),
    ({"field": "a", "op": "starts_with", "value": "ab"}, {"a": "abcd"}, True),
    ({"field": "a", "op": "ends_with", "value": "cd"}, {"a": "abcd"}, True),
    ({"field": "a", "op": "matches", "value": "[a-d]+"}, {"a": "abcd"}, True),
    ({"field": "a", "op": "is_empty"}, {"a": ""}, True),
    ({"field": "a", "op": "is_empty"}, {}, True),
    ({"field": "a", "op": "is_not_empty"}, {"a": [1]}, True),
    ({"field": "a", "op": "between", "value": [1, 10]}, {"a": 10}, True),
    ({"field": "a", "op": "between", "value": [1, 10]}, {"a": 11}, False),
    ({"field": "due", "op": "lt", "value": date(2026, 2, 1)}, {"due": date(2026, 1, 31)}, True),
    ({"field": "due", "op": "lt", "value": {"expr": "today()"}}, {"due": date(2000, 1, 1)}, True),
    ({"field": "a", "op": "gt", "value": {"field": "b"}}, {"a": 2, "b": 1}, True),
    ({"field": "items[0].x", "op": "eq", "value": 1}, {"items": [{"x": 1}]}, True),
    ({"field": "s", "op": "changed"}, change_variables({"s": "new"}, {"s": "open"}), True),
    ({"field": "s", "op": "changed"}, change_variables({"s": "new"}, {"s": "new"}), False),
    (
        {"field": "s", "op": "changed_from", "value": "new"},
        change_variables({"s": "new"}, {"s": "open"}),
        True,
    ),
    (
        {"field": "s", "op": "changed_to", "value": "open"},
        change_variables({"s": "new"}, {"s": "open"}),
        True,
    ),
    (
        {"field": "s", "op": "changed_to", "value": "open"},
        change_variables({"s": "open"}, {"s": "open"}),
        False,
    ),
    ({"field": "n", "op": "became_gte", "value": 5}, change_variables({"n": 4}, {"n": 5}), True),
    ({"field": "n", "op": "became_lt", "value": 5}, change_variables({"n": 5}, {"n": 4}), True),
    ({"field": "n", "op": "became_lt", "value": 5}, change_variables(None, {"n": 4}), True),
    ({"field": "n", "op": "became_lte", "value": 5}, change_variables({"n": 5}, {"n": 4}), False),
    ({"all": []}, {}, True),
    ({"any": []}, {}, False),
    ({"all": [{"expr": "= a > 1"}]}, {"a": 2}, True),
]


@pytest.mark.parametrize(("tree", "variables", "expected"), OPERATOR_CASES)
def test_operator_semantics(tree, variables, expected):
    # given
    expression = compile_condition_tree(tree)

    # when
    result = expression.evaluate_condition(variables)
    traced, _ = evaluate_condition_tree_traced(tree, variables)

    # then
    assert result is expected
    assert traced is expected


TREE_ERRORS = [
    (
        {"all": [{"field": "a", "op": "eq", "value": 1}, {"any": [{"field": "b", "op": "gtt", "value": 1}]}]},
        "all[1].any[0]: unknown operator 'gtt'",
    ),
    ({"all": [{"op": "eq", "value": 1}]}, "all[0]: a clause must have exactly one of"),
    ({"any": [{"field": "a", "value": 1}]}, "any[0]: missing 'op'"),
    ({"field": "a", "op": "in", "value": "x"}, "operator 'in' needs a list value"),
    ({"field": "a", "op": "gt", "value": [1]}, "operator 'gt' needs a single value"),
    ({"field": "a", "op": "eq", "value": {"x": 1}}, "a value object must be"),
    ({"field": "a", "op": "eq", "value": object()}, "bad value type object"),
    ({"field": "a", "op": "eq"}, "operator 'eq' needs a 'value'"),
    ({"field": "a", "op": "is_empty", "value": 1}, "operator 'is_empty' takes no 'value'"),
    ({"field": "a", "op": "between", "value": [1]}, "needs a value [low, high]"),
    ({"not": {"expr": "(a > 1))"}}, "not: unexpected ')' at position 7"),
    ({"all": [{"expr": "__import__('os')"}]}, "all[0]: names starting with '_' are not allowed"),
    ({"field": "a.__class__", "op": "eq", "value": 1}, "invalid field 'a.__class__'"),
    ({"field": "a + 1", "op": "eq", "value": 1}, "invalid field 'a + 1'"),
    ({"field": "a", "op": "eq", "value": 1, "colour": "red"}, "unknown key 'colour'"),
    ({"all": "nope"}, "'all' must be a list of clauses"),
    ({"all": [1]}, "all[0]: a clause must be an object"),
    ({"field": "a", "op": "eq", "value": float("nan")}, "is not a finite number"),
]


@pytest.mark.parametrize(("tree", "message"), TREE_ERRORS)
def test_malformed_tree_names_the_clause_path(tree, message):
    # given
    # when
    with pytest.raises(ExpressionError) as caught:
        compile_condition_tree(tree)

    # then
    assert message in str(caught.value)


def test_too_deep_trees_are_refused():
    # given
    tree: dict = {"field": "a", "op": "eq", "value": 1}
    for _ in range(100):
        tree = {"not": tree}

    # when
    with pytest.raises(ExpressionError) as caught:
        compile_condition_tree(tree)

    # then
    assert "nested more than" in str(caught.value)


def test_fields_read_by_a_tree():
    # given
    tree = {
        "all": [
            *TREE["all"],
            {"field": "due", "op": "lt", "value": {"field": "deadline"}},
            {"field": "x", "op": "eq", "value": {"expr": "y.z + 1"}},
        ]
    }

    # when
    fields = condition_tree_fields(tree)

    # then
    assert fields == {"client.segment", "amount", "status", "description", "due", "deadline", "x", "y.z"}
