"""FEEL unary tests, the cells of a DMN decision table's input columns.

Supported: ``-`` (anything; an empty cell too), ``null``, literals and expressions (the input
equals the value; a list value means "is one of"), ``< 5``, ``<= date("2026-01-01")``, ``> x``,
``>= 1``, intervals ``[1..10]``, ``(1..10]``, ``]1..10[``, lists of tests ``"a", "b"``
(any of them), ``not("a", "b")`` (none of them), and boolean expressions over the input
written ``?`` (``? > 5 and ? < 10``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from potok.engine.expressions import nodes
from potok.engine.expressions.context import EvaluationContext
from potok.engine.expressions.errors import ExpressionError
from potok.engine.expressions.expression import Expression, FunctionTable
from potok.engine.expressions.lexer import TokenKind
from potok.engine.expressions.parser import COMPARE, Dialect, Parser, check_size
from potok.engine.expressions.values import ValueProblem, contains, equals, order, truth


@dataclass(frozen=True, slots=True)
class UnaryTest:
    """One positive test: ``kind`` is ``compare`` (with ``operator``), ``interval``, ``equal`` or ``boolean``.

    Example: ``< 5`` is ``UnaryTest('compare', operator='<', low=<5>)``.
    """

    kind: str
    low: Expression
    high: Expression | None = None
    operator: str = ""
    low_closed: bool = True
    high_closed: bool = True

    def matches(self, value: Any, variables: Mapping[str, Any], context: EvaluationContext | None) -> bool:
        """Whether the input ``value`` passes this test."""
        first = self.low.evaluate_with_input(value, variables, context=context)
        try:
            if self.kind == "compare":
                return order(self.operator, value, first)
            if self.kind == "equal":
                if isinstance(first, list | tuple):
                    return contains(first, value)
                return equals(value, first)
            if self.kind == "boolean":
                return truth(first, "a unary test")
            assert self.high is not None
            second = self.high.evaluate_with_input(value, variables, context=context)
            return order(">=" if self.low_closed else ">", value, first) and order(
                "<=" if self.high_closed else "<", value, second
            )
        except ValueProblem as problem:
            raise ExpressionError(
                f"{problem} in `{self.low.source}`", self.low.tree.position, self.low.source
            ) from None


@dataclass(frozen=True, slots=True)
class UnaryTests:
    """A parsed cell: passes when any test passes (or, ``negated``, when none does); no tests = ``-``.

    Example::

        >>> compile_unary_tests('[1..10], > 100').matches(5)
        True
    """

    source: str
    tests: tuple[UnaryTest, ...]
    negated: bool = False

    @property
    def matches_anything(self) -> bool:
        """True for ``-`` or an empty cell."""
        return not self.tests and not self.negated

    def matches(
        self,
        value: Any,
        variables: Mapping[str, Any] | None = None,
        *,
        context: EvaluationContext | None = None,
    ) -> bool:
        """Whether the input ``value`` passes the cell."""
        if not self.tests:
            return not self.negated
        scope = variables or {}
        passed = any(test.matches(value, scope, context) for test in self.tests)
        return passed is not self.negated


def compile_unary_tests(source: str, *, functions: FunctionTable | None = None) -> UnaryTests:
    """Parse a DMN input entry; raises :class:`ExpressionError` naming the position."""
    if not isinstance(source, str):
        raise ExpressionError(f"a unary test must be a text, not {type(source).__name__}")
    check_size(source)
    stripped = source.strip()
    if stripped in ("", "-"):
        return UnaryTests(source, ())
    begin = len(source) - len(source.lstrip())
    if stripped.startswith("=") and not stripped.startswith("=="):
        raise ExpressionError(
            "a unary test does not start with '='; write the value alone, e.g. 1", begin, source
        )
    parser = Parser(source, Dialect.FEEL, begin, len(source.rstrip()), allow_placeholder=True)
    reader = _Reader(parser, source, functions)
    negated = False
    if parser.at_keyword("not") and parser.peek(1).text == "(" and parser.peek(1).kind is TokenKind.OPERATOR:
        parser.advance()
        parser.advance()
        negated = True
    tests = [reader.positive()]
    while parser.at_operator(","):
        parser.advance()
        tests.append(reader.positive())
    if negated:
        parser.expect_operator(")", " to close 'not('")
    if parser.peek().kind is not TokenKind.END:
        parser.fail(f"unexpected {parser.peek().describe()}", parser.peek())
    return UnaryTests(source, tuple(tests), negated)


class _Reader:
    def __init__(self, parser: Parser, source: str, functions: FunctionTable | None) -> None:
        self.parser = parser
        self.source = source
        self.functions = functions

    def compile(self, tree: nodes.Node) -> Expression:
        return Expression(self.source, tree, dialect=Dialect.FEEL, functions=self.functions)

    def positive(self) -> UnaryTest:
        parser = self.parser
        token = parser.peek()
        if token.kind is TokenKind.OPERATOR and token.text in ("<", "<=", ">", ">="):
            parser.advance()
            return UnaryTest("compare", self.compile(parser.parse_expression(COMPARE)), operator=token.text)
        if token.kind is TokenKind.OPERATOR and token.text in ("[", "(", "]"):
            interval = self.interval()
            if interval is not None:
                return interval
        tree = parser.parse_expression(0)
        kind = "boolean" if _uses_input(tree) else "equal"
        return UnaryTest(kind, self.compile(tree))

    def interval(self) -> UnaryTest | None:
        parser = self.parser
        start = parser.index
        opening = parser.advance()
        low = parser.parse_expression(COMPARE)
        if not parser.at_operator(".."):
            if opening.text == "]":
                parser.fail("expected '..' in an interval such as ']1..10]'", parser.peek())
            parser.index = start
            parser.nesting = 0
            return None
        parser.advance()
        parser.bracket_ends_expression = True
        try:
            high = parser.parse_expression(COMPARE)
        finally:
            parser.bracket_ends_expression = False
        closing = parser.advance()
        if closing.kind is not TokenKind.OPERATOR or closing.text not in ("]", ")", "["):
            parser.fail(f"expected ']' or ')' to close the interval but found {closing.describe()}", closing)
        return UnaryTest(
            "interval",
            self.compile(low),
            self.compile(high),
            low_closed=opening.text == "[",
            high_closed=closing.text == "]",
        )


def _uses_input(tree: nodes.Node) -> bool:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.Placeholder):
            return True
        stack.extend(nodes.children(node))
    return False
