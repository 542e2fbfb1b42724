"""Compiles a tree once into nested Python closures, so evaluation is a few function calls.

Each closure takes a :class:`Scope`. Errors raised while evaluating name the sub-expression
(printed back as source) and its position.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from potok.engine.expressions import nodes
from potok.engine.expressions.context import EvaluationContext
from potok.engine.expressions.errors import ExpressionError
from potok.engine.expressions.functions import Function
from potok.engine.expressions.unparse import to_source
from potok.engine.expressions.values import (
    ARITHMETIC,
    ValueProblem,
    contains,
    describe,
    equals,
    negate,
    order,
    truth,
)

MISSING: Any = object()
NO_LOCALS: dict[str, Any] = {}


class Scope:
    """The state one evaluation reads: variables, context, strictness and lambda parameters.

    Example: ``Scope({"amount": 5}, DEFAULT_CONTEXT, strict=False, local_values={})``.
    """

    __slots__ = ("context", "locals", "strict", "variables")

    def __init__(
        self,
        variables: Mapping[str, Any],
        context: EvaluationContext,
        strict: bool,
        local_values: dict[str, Any],
    ) -> None:
        self.variables = variables
        self.context = context
        self.strict = strict
        self.locals = local_values


Compiled = Callable[[Scope], Any]


class Compiler:
    """Turns one tree into a closure; ``source`` is used in error messages.

    Example::

        run = Compiler("a + 1", BUILTINS).compile(nodes.Binary("+", nodes.Name("a"), nodes.Literal(1)))
        run(Scope({"a": 2}, DEFAULT_CONTEXT, False, {}))  # 3
    """

    def __init__(self, source: str, functions: Mapping[str, Function]) -> None:
        self.source = source
        self.functions = functions
        self.parameters: frozenset[str] = frozenset()

    def error(self, node: nodes.Node, message: str) -> ExpressionError:
        return ExpressionError(f"{message} in `{to_source(node)}`", node.position, self.source)

    def compile(self, node: nodes.Node) -> Compiled:
        match node:
            case nodes.Literal(value=value):
                return lambda scope: value
            case nodes.ListDisplay(items=items):
                parts = [self.compile(item) for item in items]
                return lambda scope: [part(scope) for part in parts]
            case nodes.Name():
                return self.compile_name(node)
            case nodes.Placeholder():
                return lambda scope: scope.locals.get("?")
            case nodes.Attribute():
                return self.compile_attribute(node)
            case nodes.Index():
                return self.compile_index(node)
            case nodes.Unary():
                return self.compile_unary(node)
            case nodes.Binary():
                return self.compile_binary(node)
            case nodes.Logical():
                return self.compile_logical(node)
            case nodes.IsNull(operand=operand, negated=negated):
                value = self.compile(operand)
                if negated:
                    return lambda scope: value(scope) is not None
                return lambda scope: value(scope) is None
            case nodes.Between():
                return self.compile_between(node)
            case nodes.Conditional():
                return self.compile_conditional(node)
            case nodes.Call():
                return self.compile_call(node)
            case nodes.Lambda():
                raise self.error(node, "a function 'x -> …' may only be an argument of any() or all()")
        raise TypeError(f"not an expression node: {node!r}")

    def compile_name(self, node: nodes.Name) -> Compiled:
        name = node.name
        if name in self.parameters:
            return lambda scope: scope.locals[name]

        def load(scope: Scope) -> Any:
            value = scope.variables.get(name, MISSING)
            if value is MISSING:
                if scope.strict:
                    raise ExpressionError(f"unknown variable '{name}'", node.position, self.source)
                return None
            return value

        return load

    def compile_attribute(self, node: nodes.Attribute) -> Compiled:
        target = self.compile(node.target)
        name = node.name

        def load(scope: Scope) -> Any:
            owner = target(scope)
            if type(owner) is dict or isinstance(owner, Mapping):
                value = owner.get(name, MISSING)
            elif owner is None:
                if scope.strict:
                    raise self.error(node, f"cannot read '{name}' of null")
                return None
            elif scope.context.resolver is not None and not name.startswith("_"):
                try:
                    value = scope.context.resolver(owner, name)
                except LookupError:
                    value = MISSING
            else:
                raise self.error(node, f"cannot read '{name}' of {describe(owner)}")
            if value is MISSING:
                if scope.strict:
                    raise self.error(node, f"unknown field '{name}'")
                return None
            return value

        return load

    def compile_index(self, node: nodes.Index) -> Compiled:
        target = self.compile(node.target)
        index = self.compile(node.index)

        def load(scope: Scope) -> Any:
            owner = target(scope)
            key = index(scope)
            if owner is None:
                if scope.strict:
                    raise self.error(node, "cannot index null")
                return None
            if isinstance(owner, Mapping):
                value = owner.get(key, MISSING)
            elif isinstance(owner, list | tuple | str):
                if isinstance(key, Decimal) and key == key.to_integral_value():
                    key = int(key)
                if not isinstance(key, int) or isinstance(key, bool):
                    raise self.error(node, f"a list index must be a whole number, not {describe(key)}")
                value = owner[key] if -len(owner) <= key < len(owner) else MISSING
            else:
                raise self.error(node, f"cannot index {describe(owner)}")
            if value is MISSING:
                if scope.strict:
                    raise self.error(node, f"no item {describe(key)}")
                return None
            return value

        return load

    def compile_unary(self, node: nodes.Unary) -> Compiled:
        operand = self.compile(node.operand)
        if node.operator == "not":

            def invert(scope: Scope) -> bool:
                value = operand(scope)
                if value is True:
                    return False
                if value is False or value is None:
                    return True
                raise self.error(node, f"'not' needs true or false, not {describe(value)}")

            return invert

        def minus(scope: Scope) -> Any:
            try:
                return negate(operand(scope))
            except ValueProblem as problem:
                raise self.error(node, str(problem)) from None

        return minus

    def compile_binary(self, node: nodes.Binary) -> Compiled:
        left = self.compile(node.left)
        right = self.compile(node.right)
        operator = node.operator
        if operator in ("==", "!="):
            wanted = operator == "=="

            def equality(scope: Scope) -> bool:
                a, b = left(scope), right(scope)
                if type(a) is type(b) and type(a) in (int, str, Decimal):
                    return (a == b) is wanted
                return equals(a, b) is wanted

            return equality
        if operator in ("in", "not in"):
            wanted = operator == "in"

            def membership(scope: Scope) -> bool:
                try:
                    return contains(right(scope), left(scope)) is wanted
                except ValueProblem as problem:
                    raise self.error(node, str(problem)) from None

            return membership
        if operator in ("<", "<=", ">", ">="):

            def comparison(scope: Scope) -> bool:
                try:
                    return order(operator, left(scope), right(scope))
                except ValueProblem as problem:
                    raise self.error(node, str(problem)) from None

            return comparison
        arithmetic = ARITHMETIC[operator]

        def calculate(scope: Scope) -> Any:
            try:
                return arithmetic(left(scope), right(scope))
            except ValueProblem as problem:
                raise self.error(node, str(problem)) from None

        return calculate

    def compile_logical(self, node: nodes.Logical) -> Compiled:
        operands = [(self.compile(operand), operand) for operand in node.operands]
        stop_at = node.operator == "or"

        def combine(scope: Scope) -> bool:
            for operand, operand_node in operands:
                value = operand(scope)
                if value is None:
                    value = False
                elif value is not True and value is not False:
                    raise self.error(
                        operand_node,
                        f"each side of '{node.operator}' must be true or false, not {describe(value)}",
                    )
                if value is stop_at:
                    return stop_at
            return not stop_at

        return combine

    def compile_between(self, node: nodes.Between) -> Compiled:
        operand, low, high = self.compile(node.operand), self.compile(node.low), self.compile(node.high)

        def between(scope: Scope) -> bool:
            value = operand(scope)
            try:
                return order(">=", value, low(scope)) and order("<=", value, high(scope))
            except ValueProblem as problem:
                raise self.error(node, str(problem)) from None

        return between

    def compile_conditional(self, node: nodes.Conditional) -> Compiled:
        condition = self.compile(node.condition)
        when_true, when_false = self.compile(node.when_true), self.compile(node.when_false)

        def choose(scope: Scope) -> Any:
            try:
                chosen = truth(condition(scope), "the condition of 'if'")
            except ValueProblem as problem:
                raise self.error(node.condition, str(problem)) from None
            return when_true(scope) if chosen else when_false(scope)

        return choose

    def compile_call(self, node: nodes.Call) -> Compiled:
        function = self.functions.get(node.function)
        if function is None:
            raise ExpressionError(f"unknown function '{node.function}'", node.position, self.source)
        count = len(node.arguments)
        if count < function.min_arguments or (
            function.max_arguments is not None and count > function.max_arguments
        ):
            expected = (
                f"{function.min_arguments}"
                if function.min_arguments == function.max_arguments
                else f"{function.min_arguments} to {function.max_arguments or 'any number of'}"
            )
            raise ExpressionError(
                f"{node.function}() takes {expected} arguments, not {count}", node.position, self.source
            )
        arguments = [self.compile_argument(argument, function) for argument in node.arguments]
        implementation = function.implementation
        uses_context = function.uses_context

        def call(scope: Scope) -> Any:
            values = [argument(scope) for argument in arguments]
            try:
                if uses_context:
                    return implementation(scope.context, *values)
                return implementation(*values)
            except ExpressionError:
                raise
            except (ValueError, TypeError, ArithmeticError, LookupError) as problem:
                raise self.error(node, str(problem)) from None

        return call

    def compile_argument(self, node: nodes.Node, function: Function) -> Compiled:
        if not isinstance(node, nodes.Lambda):
            return self.compile(node)
        if not function.takes_functions:
            raise self.error(node, f"{function.name}() does not take a function 'x -> …'")
        outer = self.parameters
        self.parameters = outer | {node.parameter}
        try:
            body = self.compile(node.body)
        finally:
            self.parameters = outer
        parameter = node.parameter

        def make(scope: Scope) -> Callable[[Any], Any]:
            def apply(item: Any) -> Any:
                inner = Scope(scope.variables, scope.context, scope.strict, {**scope.locals, parameter: item})
                return body(inner)

            return apply

        return make
