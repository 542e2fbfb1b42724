"""A parsed and compiled expression, ready to evaluate many times."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from potok.engine.expressions import nodes
from potok.engine.expressions.compiler import NO_LOCALS, Compiler, Scope
from potok.engine.expressions.context import DEFAULT_CONTEXT, EvaluationContext
from potok.engine.expressions.errors import ExpressionError
from potok.engine.expressions.functions import Function, registry
from potok.engine.expressions.parser import MAX_DEPTH, Dialect, parse
from potok.engine.expressions.unparse import to_source
from potok.engine.expressions.values import ValueProblem, truth

EMPTY: Mapping[str, Any] = {}
FunctionTable = Mapping[str, Function | Callable[..., Any]]


class Expression:
    """An expression parsed once and compiled into closures.

    Example::

        >>> expression = compile_expression("amount > 10000 and client.segment = 'VIP'")
        >>> expression.evaluate({"amount": 20000, "client": {"segment": "VIP"}})
        True
        >>> sorted(expression.variables_used())
        ['amount', 'client']
    """

    __slots__ = ("_run", "dialect", "source", "tree")

    def __init__(
        self,
        source: str,
        tree: nodes.Node,
        *,
        dialect: Dialect = Dialect.POTOK,
        functions: FunctionTable | None = None,
    ) -> None:
        self.source = source
        self.tree = tree
        self.dialect = dialect
        if nodes.depth(tree) > MAX_DEPTH:
            raise ExpressionError(f"expression is nested more than {MAX_DEPTH} levels deep", 0, source)
        self._run = Compiler(source, registry(functions)).compile(tree)

    def evaluate(
        self,
        variables: Mapping[str, Any] | None = None,
        *,
        strict: bool | None = None,
        context: EvaluationContext | None = None,
    ) -> Any:
        """The value of the expression; missing variables are null unless ``strict``."""
        active = context or DEFAULT_CONTEXT
        if variables is not None and type(variables) is not dict and not isinstance(variables, Mapping):
            raise ExpressionError(
                f"variables must be a mapping, not {type(variables).__name__}", 0, self.source
            )
        scope = Scope(
            EMPTY if variables is None else variables,
            active,
            active.strict if strict is None else strict,
            NO_LOCALS,
        )
        return self._run(scope)

    def evaluate_condition(
        self,
        variables: Mapping[str, Any] | None = None,
        *,
        strict: bool | None = None,
        context: EvaluationContext | None = None,
    ) -> bool:
        """Evaluate as a condition: true or false (null counts as false); any other value is an error."""
        value = self.evaluate(variables, strict=strict, context=context)
        try:
            return truth(value, "a condition")
        except ValueProblem as problem:
            raise ExpressionError(
                f"{problem} in `{self.to_source()}`", self.tree.position, self.source
            ) from None

    def evaluate_with_input(
        self,
        value: Any,
        variables: Mapping[str, Any] | None = None,
        *,
        context: EvaluationContext | None = None,
    ) -> Any:
        """Evaluate with ``?`` bound to ``value`` (FEEL unary tests use this)."""
        active = context or DEFAULT_CONTEXT
        scope = Scope(EMPTY if variables is None else variables, active, active.strict, {"?": value})
        return self._run(scope)

    def variables_used(self) -> frozenset[str]:
        """The root variable names the expression reads (lambda parameters excluded)."""
        return frozenset(path.split(".", 1)[0] for path in _paths(self.tree, frozenset()))

    def paths_used(self) -> frozenset[str]:
        """The longest dotted paths the expression reads, e.g. ``{'client.segment', 'amount'}``."""
        return frozenset(_paths(self.tree, frozenset()))

    def to_source(self) -> str:
        """The expression printed in Potok syntax; it parses back to an equal tree."""
        return to_source(self.tree)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and self.tree == other.tree

    def __hash__(self) -> int:
        return hash(self.tree)


def _paths(node: nodes.Node, parameters: frozenset[str]) -> set[str]:
    found: set[str] = set()
    stack: list[tuple[nodes.Node, frozenset[str]]] = [(node, parameters)]
    while stack:
        current, bound = stack.pop()
        path = nodes.dotted_path(current)
        if path is not None:
            if path.split(".", 1)[0] not in bound:
                found.add(path)
            continue
        if isinstance(current, nodes.Lambda):
            stack.append((current.body, bound | {current.parameter}))
            continue
        stack.extend((child, bound) for child in nodes.children(current))
    return found


def compile_expression(
    source: str,
    *,
    dialect: Dialect | str = Dialect.AUTO,
    functions: FunctionTable | None = None,
) -> Expression:
    """Parse and compile ``source``; raises :class:`ExpressionError` naming the position.

    ``dialect`` is ``'auto'`` (by prefix: ``${…}`` JUEL, ``= …`` FEEL, else Potok),
    ``'potok'``, ``'juel'`` or ``'feel'``. ``functions`` adds to (or overrides) the built-in
    function registry.
    """
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be a text, not {type(source).__name__}")
    tree, found = parse(source, Dialect(dialect))
    return Expression(source, tree, dialect=found, functions=functions)


def expression_from_tree(tree: nodes.Node, *, functions: FunctionTable | None = None) -> Expression:
    """An expression for a tree built in code; its ``source`` is the tree printed as Potok syntax."""
    return Expression(to_source(tree), tree, functions=functions)
