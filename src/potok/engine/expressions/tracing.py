"""Explained evaluation of a condition tree: every clause's value and result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from potok.engine.expressions.conditions import Clause, ClauseResult, read_condition_tree
from potok.engine.expressions.context import EvaluationContext
from potok.engine.expressions.errors import ExpressionError
from potok.engine.expressions.expression import Expression, FunctionTable, expression_from_tree
from potok.engine.expressions.values import describe


def evaluate_condition_tree_traced(
    tree: Mapping[str, Any],
    variables: Mapping[str, Any],
    *,
    context: EvaluationContext | None = None,
    functions: FunctionTable | None = None,
) -> tuple[bool, list[ClauseResult]]:
    """Evaluate a condition tree and report each clause, in tree order, root first.

    The result is what ``compile_condition_tree(tree).evaluate_condition(variables)`` gives.
    Every clause is evaluated for the report, but groups combine their clauses the way the
    compiled expression does: left to right, ``all`` stops at the first false clause and
    ``any`` at the first true one, and a failing clause before that point makes the group
    fail. When the root itself fails (its ``error`` is set) the result is ``False`` and the
    compiled expression would raise :class:`ExpressionError`. Malformed trees raise.

    Example::

        >>> ok, trace = evaluate_condition_tree_traced(
        ...     {"field": "client.segment", "op": "eq", "value": "VIP"}, {"client": {"segment": "SMB"}})
        >>> ok, trace[0].description, trace[0].value
        (False, "client.segment = 'VIP'", 'SMB')
    """
    root = read_condition_tree(tree, functions=functions)
    tracer = _Tracer(variables, context, functions)
    result, _ = tracer.visit(root)
    return result is True, [entry for entry in tracer.trace if entry is not None]


class _Tracer:
    def __init__(
        self, variables: Mapping[str, Any], context: EvaluationContext | None, functions: FunctionTable | None
    ) -> None:
        self.variables = variables
        self.context = context
        self.functions = functions
        self.trace: list[ClauseResult | None] = []

    def visit(self, clause: Clause) -> tuple[bool | None, str | None]:
        slot = len(self.trace)
        self.trace.append(None)
        if clause.kind in ("all", "any", "not"):
            outcomes = [(child, *self.visit(child)) for child in clause.children]
            result, error = _combine(clause.kind, outcomes)
            value: Any = None
        else:
            result, error = self.evaluate(clause)
            value = self.observe(clause)
        self.trace[slot] = ClauseResult(clause.path, clause.description, value, result, error, clause.id)
        return result, error

    def compile(self, clause: Clause) -> Expression:
        if clause.source is not None:
            return Expression(clause.source, clause.tree, functions=self.functions)
        return expression_from_tree(clause.tree, functions=self.functions)

    def evaluate(self, clause: Clause) -> tuple[bool | None, str | None]:
        try:
            value = self.compile(clause).evaluate(self.variables, context=self.context)
        except ExpressionError as error:
            return None, str(error)
        if value is None:
            return False, None
        if value is True or value is False:
            return value, None
        return None, f"a condition must be true or false, not {describe(value)}"

    def observe(self, clause: Clause) -> Any:
        values = []
        for node in clause.observed:
            try:
                values.append(expression_from_tree(node, functions=self.functions).evaluate(self.variables))
            except ExpressionError:
                values.append(None)
        if len(values) == 2:
            return {"old": values[0], "new": values[1]}
        return values[0] if values else None


def _combine(
    kind: str, outcomes: list[tuple[Clause, bool | None, str | None]]
) -> tuple[bool | None, str | None]:
    if kind == "not":
        _, result, error = outcomes[0]
        return (None, error) if result is None else (not result, None)
    stop_at = kind == "any"
    for child, result, _ in outcomes:
        if result is None:
            return None, f"clause {child.path} could not be evaluated"
        if result is stop_at:
            return stop_at, None
    return not stop_at, None
