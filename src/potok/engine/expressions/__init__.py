"""Potok's expression language: a safe lexer, parser and compiled evaluator.

Used for gateway conditions, start-rule conditions, variable mappings and DMN entries. No
Python ``eval``; names starting with ``_`` are refused; only registered functions exist.

    >>> compile_expression("amount > 10000").evaluate({"amount": 20000})
    True
"""

from potok.engine.expressions.conditions import (
    ClauseResult,
    change_variables,
    compile_condition_tree,
    condition_tree_fields,
)
from potok.engine.expressions.context import EvaluationContext
from potok.engine.expressions.errors import ExpressionError
from potok.engine.expressions.expression import Expression, compile_expression, expression_from_tree
from potok.engine.expressions.functions import BUILTINS, Function
from potok.engine.expressions.parser import Dialect
from potok.engine.expressions.tracing import evaluate_condition_tree_traced
from potok.engine.expressions.unary_tests import UnaryTests, compile_unary_tests
from potok.engine.expressions.unparse import to_source
from potok.engine.expressions.values import CalendarPeriod

__all__ = [
    "BUILTINS",
    "CalendarPeriod",
    "ClauseResult",
    "Dialect",
    "EvaluationContext",
    "Expression",
    "ExpressionError",
    "Function",
    "UnaryTests",
    "change_variables",
    "compile_condition_tree",
    "compile_expression",
    "compile_unary_tests",
    "condition_tree_fields",
    "evaluate_condition_tree_traced",
    "expression_from_tree",
    "to_source",
]
