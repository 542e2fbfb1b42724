"""Property tests: printing and re-parsing keeps the tree; traced and compiled trees agree."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from potok.engine.expressions import (
    ExpressionError,
    compile_condition_tree,
    compile_expression,
    evaluate_condition_tree_traced,
    nodes,
    to_source,
)
from potok.engine.expressions.parser import KEYWORDS, parse

LETTERS = "abcxyzжэ"
identifiers = st.text(alphabet=LETTERS + "_0123456789", min_size=1, max_size=6).filter(
    lambda name: name[0] in LETTERS and name not in KEYWORDS
)
numbers = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9),
)
texts = st.text(max_size=8)
literals = st.one_of(st.none(), st.booleans(), numbers, texts).map(nodes.Literal)
names = identifiers.map(nodes.Name)


def _extend(children: st.SearchStrategy[nodes.Node]) -> st.SearchStrategy[nodes.Node]:
    not_a_number = children.filter(
        lambda node: not (isinstance(node, nodes.Literal) and isinstance(node.value, int | Decimal))
    )
    operators = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "in", "not in"])
    return st.one_of(
        st.builds(nodes.Attribute, children, identifiers),
        st.builds(nodes.Index, children, children),
        st.builds(nodes.Unary, st.just("not"), children),
        st.builds(nodes.Unary, st.just("-"), not_a_number),
        st.builds(nodes.Binary, operators, children, children),
        st.builds(
            nodes.Logical,
            st.sampled_from(["and", "or"]),
            st.lists(children, min_size=2, max_size=3).map(tuple),
        ),
        st.builds(nodes.IsNull, children, st.booleans()),
        st.builds(nodes.Between, children, children, children),
        st.builds(nodes.Conditional, children, children, children),
        st.builds(nodes.ListDisplay, st.lists(children, max_size=3).map(tuple)),
        st.builds(
            nodes.Call,
            identifiers,
            st.lists(st.one_of(children, st.builds(nodes.Lambda, identifiers, children)), max_size=3).map(
                tuple
            ),
        ),
    )


trees = st.recursive(st.one_of(literals, names), _extend, max_leaves=12)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], database=None, deadline=None)
@given(trees)
def test_printed_tree_parses_back_to_the_same_tree(tree):
    # given
    printed = to_source(tree)

    # when
    parsed = parse(printed)[0]

    # then
    assert parsed == tree, printed


FIELDS = ["a", "b", "c.d", "items[0]"]
SCALARS = st.one_of(
    st.none(), st.integers(-5, 5), st.decimals(-5, 5, places=1), st.sampled_from(["x", "y", ""])
)
ORDERED = st.one_of(st.integers(-5, 5), st.decimals(-5, 5, places=1), st.sampled_from(["x", "y"]))


def leaves() -> st.SearchStrategy[dict]:
    field = st.sampled_from(FIELDS)
    return st.one_of(
        st.builds(
            lambda f, o, v: {"field": f, "op": o, "value": v}, field, st.sampled_from(["eq", "ne"]), SCALARS
        ),
        st.builds(
            lambda f, o, v: {"field": f, "op": o, "value": v},
            field,
            st.sampled_from(["gt", "gte", "lt", "lte", "became_gt", "became_lte", "changed_to_gte"]),
            ORDERED,
        ),
        st.builds(
            lambda f, o, v: {"field": f, "op": o, "value": v},
            field,
            st.sampled_from(["in", "not_in"]),
            st.lists(SCALARS, max_size=3),
        ),
        st.builds(
            lambda f, o, v: {"field": f, "op": o, "value": v},
            field,
            st.sampled_from(["contains", "starts_with", "changed_from", "changed_to"]),
            st.sampled_from(["x", "y", ""]),
        ),
        st.builds(
            lambda f, o: {"field": f, "op": o},
            field,
            st.sampled_from(["is_empty", "is_not_empty", "changed"]),
        ),
        st.builds(
            lambda f, v: {"field": f, "op": "between", "value": sorted(v)},
            field,
            st.lists(st.integers(-5, 5), min_size=2, max_size=2),
        ),
        st.sampled_from([{"expr": "a > b"}, {"expr": "len(a) > 0"}, {"expr": "= c.d = null"}]),
    )


condition_trees = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda items: {"all": items}),
        st.lists(children, max_size=4).map(lambda items: {"any": items}),
        children.map(lambda child: {"not": child}),
    ),
    max_leaves=10,
)
field_values = st.one_of(SCALARS, st.lists(SCALARS, max_size=2))


def record_strategy() -> st.SearchStrategy[dict]:
    values = st.fixed_dictionaries(
        {},
        optional={
            "a": field_values,
            "b": field_values,
            "c": st.fixed_dictionaries({"d": field_values}),
            "items": st.lists(field_values, max_size=2),
        },
    )
    return st.builds(lambda new, old: {**new, "new": new, "old": old}, values, values)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], database=None, deadline=None)
@given(condition_trees, record_strategy())
def test_compiled_and_traced_evaluation_agree(tree, variables):
    # given
    expression = compile_condition_tree(tree)

    # when
    try:
        compiled: bool | None = expression.evaluate(variables)
    except ExpressionError:
        compiled = None
    traced, trace = evaluate_condition_tree_traced(tree, variables)

    # then
    if compiled is None:
        assert traced is False
        assert trace[0].error is not None
    else:
        assert traced is compiled
        assert trace[0].error is None
        assert trace[0].result is compiled


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], database=None, deadline=None)
@given(condition_trees)
def test_compiled_tree_source_parses_back_to_the_same_tree(tree):
    # given
    expression = compile_condition_tree(tree)

    # when
    reparsed = compile_expression(expression.source)

    # then
    assert reparsed.tree == expression.tree
