"""Condition trees: what a no-code condition builder produces, compiled to the expression AST.

A tree is a JSON-able dict. Groups: ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}``;
leaves: ``{"expr": "len(description) > 10"}`` or ``{"field": "client.segment", "op": "eq",
"value": "VIP"}``. Every node may carry an ``"id"``. A ``value`` may also be a reference:
``{"field": "other.path"}`` or ``{"expr": "today()"}``.

A plain ``field`` reads the variables' root, which holds the record's current values. The
previous and current values of a changed record are passed as the variables ``old`` and
``new`` (see :func:`change_variables`); the change operators read ``old.<field>`` and
``new.<field>``.

Operators on one value (null never matches an ordering; see ``values.order``):
``eq ne gt gte lt lte`` — compare with ``value``; ``in not_in`` — ``value`` is a list;
``contains not_contains starts_with ends_with matches`` — text (and, for ``contains``, list)
tests; ``is_empty is_not_empty`` — null, blank text or empty list (no ``value``);
``between`` — ``value`` is ``[low, high]``, both ends included.

Operators on a change (old → new):
``changed`` — old != new; ``changed_from v`` — old = v and new != v; ``changed_to v`` —
old != v and new = v; ``became_gt v`` (alias ``changed_to_gt``) — old is null or old <= v,
and new > v: the value crossed the threshold upwards on this change, so a rule fires once
and not on every later save; likewise ``became_gte`` (old < v, new >= v), ``became_lt``
(old >= v, new < v) and ``became_lte`` (old > v, new <= v).

Paths name clauses in errors and traces: the root is ``""``, the second clause of a root
``all`` is ``all[1]``, the first clause of the ``any`` inside it ``all[1].any[0]``, the
clause under a ``not`` ``…not``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from potok.engine.expressions import nodes
from potok.engine.expressions.errors import ExpressionError
from potok.engine.expressions.expression import Expression, FunctionTable, compile_expression
from potok.engine.expressions.lexer import TokenKind
from potok.engine.expressions.parser import Dialect, Parser
from potok.engine.expressions.unparse import literal, to_source

MAX_TREE_DEPTH = 32
MAX_CLAUSES = 1000
GROUPS = ("all", "any", "not", "expr")
LEAF_KEYS = frozenset({"field", "op", "value", "id"})
ORDERING = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
EQUALITY = {"eq": "==", "ne": "!="}
TEXT_FUNCTIONS = {"contains": "contains", "starts_with": "starts_with", "ends_with": "ends_with"}
TEXT_FUNCTIONS |= {"matches": "matches"}
# became_<op>: (what the old value must satisfy besides null, what the new value must satisfy)
CROSSINGS = {
    "gt": ("<=", ">"),
    "gte": ("<", ">="),
    "lt": (">=", "<"),
    "lte": (">", "<="),
}
SYMBOLS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
OPERATORS = frozenset(
    {*EQUALITY, *ORDERING, *TEXT_FUNCTIONS, "in", "not_in", "not_contains", "is_empty", "is_not_empty"}
    | {"between", "changed", "changed_from", "changed_to"}
    | {f"became_{name}" for name in CROSSINGS}
    | {f"changed_to_{name}" for name in CROSSINGS}
)


@dataclass(frozen=True, slots=True)
class ClauseResult:
    """One line of an explained evaluation.

    ``value`` is the left-hand value the clause saw (``{"old": …, "new": …}`` for change
    operators); ``result`` is None when the clause could not be evaluated, and ``error``
    says why.

    Example: ``ClauseResult("all[0]", "client.segment = 'VIP'", "SMB", False, None)``.
    """

    path: str
    description: str
    value: Any
    result: bool | None
    error: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Clause:
    """A read and checked tree node with its AST; the unit of compilation and tracing.

    Example: ``read_condition_tree({"field": "a", "op": "eq", "value": 1}).description == "a = 1"``.
    """

    path: str
    kind: str
    description: str
    tree: nodes.Node
    children: tuple[Clause, ...] = ()
    observed: tuple[nodes.Node, ...] = ()
    fields: frozenset[str] = frozenset()
    id: str | None = None
    source: str | None = None


def compile_condition_tree(tree: Mapping[str, Any], *, functions: FunctionTable | None = None) -> Expression:
    """Compile a condition tree to an :class:`Expression` with the same AST a typed expression gets.

    Example::

        >>> compile_condition_tree({"field": "amount", "op": "gt", "value": 100}).source
        'amount > 100'
    """
    clause = read_condition_tree(tree, functions=functions)
    return Expression(to_source(clause.tree), clause.tree, functions=functions)


def condition_tree_fields(tree: Mapping[str, Any]) -> set[str]:
    """The field paths a tree reads, e.g. ``{'client.segment', 'amount'}``, to check against a schema."""
    found: set[str] = set()
    stack = [read_condition_tree(tree)]
    while stack:
        clause = stack.pop()
        found |= clause.fields
        stack.extend(clause.children)
    return found


def read_condition_tree(tree: Mapping[str, Any], *, functions: FunctionTable | None = None) -> Clause:
    """Check a tree and build its clauses; errors name the clause's path."""
    return _Reader(functions).read(tree, "", 1)


def change_variables(
    old: Mapping[str, Any] | None, new: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Variables for a change event: the current values at the root, plus ``old`` and ``new``."""
    return {**new, **(extra or {}), "old": dict(old or {}), "new": dict(new)}


class _Reader:
    def __init__(self, functions: FunctionTable | None) -> None:
        self.functions = functions
        self.count = 0

    def read(self, tree: Any, path: str, level: int) -> Clause:
        self.count += 1
        if self.count > MAX_CLAUSES:
            raise ExpressionError(f"a condition may have at most {MAX_CLAUSES} clauses", path=path)
        if level > MAX_TREE_DEPTH:
            raise ExpressionError(f"conditions are nested more than {MAX_TREE_DEPTH} levels deep", path=path)
        if not isinstance(tree, Mapping):
            raise ExpressionError(f"a clause must be an object, not {type(tree).__name__}", path=path)
        identifier = tree.get("id")
        if identifier is not None and not isinstance(identifier, str | int):
            raise ExpressionError("'id' must be a text", path=path)
        identifier = None if identifier is None else str(identifier)
        kinds = [key for key in (*GROUPS, "field") if key in tree]
        if len(kinds) != 1:
            raise ExpressionError(
                "a clause must have exactly one of 'all', 'any', 'not', 'expr' or 'field'"
                + (
                    f", not {', '.join(kinds)}"
                    if kinds
                    else f"; found {', '.join(map(str, tree)) or 'nothing'}"
                ),
                path=path,
            )
        kind = kinds[0]
        allowed = LEAF_KEYS if kind == "field" else {kind, "id"}
        unknown = sorted(str(key) for key in tree if key not in allowed)
        if unknown:
            raise ExpressionError(f"unknown key {unknown[0]!r} in a '{kind}' clause", path=path)
        if kind in ("all", "any"):
            return self.read_group(kind, tree[kind], path, level, identifier)
        if kind == "not":
            child = self.read(tree["not"], _join(path, "not"), level + 1)
            description = f"not ({child.description})"
            return Clause(path, "not", description, nodes.Unary("not", child.tree), (child,), id=identifier)
        if kind == "expr":
            expression = self.parse_expression(tree["expr"], path)
            return Clause(
                path,
                "expr",
                expression.source.strip(),
                expression.tree,
                observed=(_left_side(expression.tree),),
                fields=expression.paths_used(),
                id=identifier,
                source=expression.source,
            )
        return self.read_leaf(tree, path, identifier)

    def read_group(self, kind: str, items: Any, path: str, level: int, identifier: str | None) -> Clause:
        if not isinstance(items, Sequence) or isinstance(items, str):
            raise ExpressionError(f"'{kind}' must be a list of clauses", path=path)
        children = tuple(
            self.read(item, _join(path, f"{kind}[{i}]"), level + 1) for i, item in enumerate(items)
        )
        tree: nodes.Node
        if not children:
            tree = nodes.Literal(kind == "all")
        elif len(children) == 1:
            tree = children[0].tree
        else:
            tree = nodes.Logical("and" if kind == "all" else "or", tuple(child.tree for child in children))
        noun = "condition" if len(children) == 1 else "conditions"
        description = f"{'all' if kind == 'all' else 'any'} of {len(children)} {noun}"
        return Clause(path, kind, description, tree, children, id=identifier)

    def parse_expression(self, source: Any, path: str) -> Expression:
        if not isinstance(source, str):
            raise ExpressionError(f"'expr' must be a text, not {type(source).__name__}", path=path)
        try:
            return compile_expression(source, functions=self.functions)
        except ExpressionError as error:
            raise error.with_path(path) from None

    def read_field(self, field: Any, path: str) -> nodes.Node:
        if not isinstance(field, str) or not field.strip():
            raise ExpressionError("'field' must be a non-empty text such as 'client.segment'", path=path)
        try:
            parser = Parser(field, Dialect.POTOK)
            node = parser.parse_expression(0)
            end = parser.peek()
        except ExpressionError as error:
            raise ExpressionError(f"invalid field {field!r}: {error.message}", path=path) from None
        if end.kind is not TokenKind.END or not _is_path(node):
            raise ExpressionError(
                f"invalid field {field!r}: expected a path such as 'client.segment'", path=path
            )
        return node

    def read_value(self, value: Any, path: str) -> nodes.Node:
        if isinstance(value, Mapping):
            if set(value) == {"field"}:
                return self.read_field(value["field"], path)
            if set(value) == {"expr"}:
                return self.parse_expression(value["expr"], path).tree
            raise ExpressionError("a value object must be {'field': …} or {'expr': …}", path=path)
        return _constant(value, path)

    def read_leaf(self, tree: Mapping[str, Any], path: str, identifier: str | None) -> Clause:
        field_text = tree["field"]
        field = self.read_field(field_text, path)
        operator = tree.get("op")
        if not isinstance(operator, str):
            raise ExpressionError("missing 'op' (the operator, e.g. 'eq')", path=path)
        if operator not in OPERATORS:
            raise ExpressionError(f"unknown operator {operator!r}", path=path)
        needs_value = operator not in ("is_empty", "is_not_empty", "changed")
        if needs_value and "value" not in tree:
            raise ExpressionError(f"operator '{operator}' needs a 'value'", path=path)
        if not needs_value and "value" in tree:
            raise ExpressionError(f"operator '{operator}' takes no 'value'", path=path)
        raw = tree.get("value")
        value = self.read_value(raw, path) if needs_value else nodes.Literal(None)
        fields = {to_source(field)}
        if isinstance(raw, Mapping) and "field" in raw:
            fields.add(str(raw["field"]).strip())
        elif isinstance(raw, Mapping):
            fields |= self.parse_expression(raw["expr"], path).paths_used()
        name = to_source(field)
        shown = _show_value(raw, value)
        node, description, observed = self.build(operator, field, value, name, shown, path)
        return Clause(
            path, "field", description, node, observed=observed, fields=frozenset(fields), id=identifier
        )

    def build(
        self, operator: str, field: nodes.Node, value: nodes.Node, name: str, shown: str, path: str
    ) -> tuple[nodes.Node, str, tuple[nodes.Node, ...]]:
        old, new = _rebase(field, "old"), _rebase(field, "new")
        change = (old, new)
        if operator in EQUALITY or operator in ORDERING:
            if operator in ORDERING:
                _require_scalar(value, operator, path)
            symbol = EQUALITY.get(operator) or ORDERING[operator]
            return nodes.Binary(symbol, field, value), f"{name} {SYMBOLS[operator]} {shown}", (field,)
        if operator in ("in", "not_in"):
            _require_list(value, operator, path)
            word = "in" if operator == "in" else "not in"
            return nodes.Binary(word, field, value), f"{name} {word} {shown}", (field,)
        if operator in TEXT_FUNCTIONS:
            call = nodes.Call(TEXT_FUNCTIONS[operator], (field, value))
            return call, f"{name} {operator.replace('_', ' ')} {shown}", (field,)
        if operator == "not_contains":
            call = nodes.Call("contains", (field, value))
            return nodes.Unary("not", call), f"{name} does not contain {shown}", (field,)
        if operator in ("is_empty", "is_not_empty"):
            call = nodes.Call("is_empty", (field,))
            if operator == "is_empty":
                return call, f"{name} is empty", (field,)
            return nodes.Unary("not", call), f"{name} is not empty", (field,)
        if operator == "between":
            low, high = _require_pair(value, path)
            return nodes.Between(field, low, high), f"{name} between {_show(low)} and {_show(high)}", (field,)
        if operator == "changed":
            return nodes.Binary("!=", old, new), f"{name} changed", change
        if operator == "changed_from":
            node = nodes.Logical("and", (nodes.Binary("==", old, value), nodes.Binary("!=", new, value)))
            return node, f"{name} changed from {shown}", change
        if operator == "changed_to":
            node = nodes.Logical("and", (nodes.Binary("!=", old, value), nodes.Binary("==", new, value)))
            return node, f"{name} changed to {shown}", change
        crossing = operator.rsplit("_", 1)[1]
        _require_scalar(value, operator, path)
        before, after = CROSSINGS[crossing]
        was = nodes.Logical("or", (nodes.IsNull(old), nodes.Binary(before, old, value)))
        node = nodes.Logical("and", (was, nodes.Binary(after, new, value)))
        return node, f"{name} became {SYMBOLS[crossing]} {shown}", change


def _left_side(node: nodes.Node) -> nodes.Node:
    """What an ``expr`` clause is about: the left side of a comparison, else the whole expression."""
    if isinstance(node, nodes.Binary) and node.operator in ("==", "!=", "<", "<=", ">", ">=", "in", "not in"):
        return node.left
    if isinstance(node, nodes.Between | nodes.IsNull):
        return node.operand
    return node


def _join(path: str, step: str) -> str:
    return f"{path}.{step}" if path else step


def _is_path(node: nodes.Node) -> bool:
    while isinstance(node, nodes.Attribute | nodes.Index):
        if isinstance(node, nodes.Index) and not isinstance(node.index, nodes.Literal):
            return False
        node = node.target
    return isinstance(node, nodes.Name)


def _rebase(node: nodes.Node, root: str) -> nodes.Node:
    """``client.segment`` → ``old.client.segment``."""
    if isinstance(node, nodes.Name):
        return nodes.Attribute(nodes.Name(root), node.name)
    if isinstance(node, nodes.Attribute):
        return nodes.Attribute(_rebase(node.target, root), node.name)
    if isinstance(node, nodes.Index):
        return nodes.Index(_rebase(node.target, root), node.index)
    raise TypeError(f"not a path: {node!r}")


def _constant(value: Any, path: str) -> nodes.Node:
    if value is None or isinstance(value, bool | int | str | Decimal):
        return nodes.Literal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ExpressionError(f"value {value!r} is not a finite number", path=path)
        return nodes.Literal(Decimal(repr(value)))
    if isinstance(value, datetime):
        return nodes.Call("datetime", (nodes.Literal(value.isoformat()),))
    if isinstance(value, date):
        return nodes.Call("date", (nodes.Literal(value.isoformat()),))
    if isinstance(value, list | tuple):
        return nodes.ListDisplay(tuple(_constant(item, path) for item in value))
    raise ExpressionError(f"bad value type {type(value).__name__}", path=path)


def _require_scalar(value: nodes.Node, operator: str, path: str) -> None:
    if isinstance(value, nodes.ListDisplay) or (isinstance(value, nodes.Literal) and value.value is None):
        raise ExpressionError(f"operator '{operator}' needs a single value, not a list or null", path=path)
    if isinstance(value, nodes.Literal) and isinstance(value.value, bool):
        raise ExpressionError(f"operator '{operator}' cannot compare with true or false", path=path)


def _require_list(value: nodes.Node, operator: str, path: str) -> None:
    if isinstance(value, nodes.Literal):
        raise ExpressionError(f"operator '{operator}' needs a list value, e.g. ['new', 'open']", path=path)


def _require_pair(value: nodes.Node, path: str) -> tuple[nodes.Node, nodes.Node]:
    if not isinstance(value, nodes.ListDisplay) or len(value.items) != 2:
        raise ExpressionError("operator 'between' needs a value [low, high]", path=path)
    for item in value.items:
        _require_scalar(item, "between", path)
    return value.items[0], value.items[1]


def _show(node: nodes.Node) -> str:
    return literal(node.value) if isinstance(node, nodes.Literal) else to_source(node)


def _show_value(raw: Any, node: nodes.Node) -> str:
    if isinstance(raw, Mapping) and "field" in raw:
        return str(raw["field"]).strip()
    if isinstance(raw, Mapping) and "expr" in raw:
        return str(raw["expr"]).strip()
    return _show(node)
