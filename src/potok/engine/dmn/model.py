"""Decisions and decision tables, and how each hit policy picks the result."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from potok.engine.dmn.errors import DmnError
from potok.engine.expressions import EvaluationContext, Expression, ExpressionError, UnaryTests
from potok.engine.expressions.values import ValueProblem, add, equals, order, show

Result = dict[str, Any] | list[dict[str, Any]] | None


class HitPolicy(enum.StrEnum):
    """How a decision table combines matching rules (DMN 1.3, section 8.2.11).

    Example: ``HitPolicy("RULE ORDER") is HitPolicy.RULE_ORDER``.
    """

    UNIQUE = "UNIQUE"
    FIRST = "FIRST"
    PRIORITY = "PRIORITY"
    ANY = "ANY"
    COLLECT = "COLLECT"
    RULE_ORDER = "RULE ORDER"
    OUTPUT_ORDER = "OUTPUT ORDER"

    @property
    def is_single(self) -> bool:
        """True when the table returns one rule's outputs (a dict) rather than a list."""
        return self in (HitPolicy.UNIQUE, HitPolicy.FIRST, HitPolicy.PRIORITY, HitPolicy.ANY)


class Aggregation(enum.StrEnum):
    """The aggregation of a COLLECT table with a single output, e.g. ``hitPolicy="COLLECT" aggregation="SUM"``."""

    SUM = "SUM"
    MIN = "MIN"
    MAX = "MAX"
    COUNT = "COUNT"


@dataclass(frozen=True, slots=True)
class Input:
    """An input column: its expression is evaluated once per evaluation.

    Example: ``Input("input_1", "Amount", compile_expression("amount", dialect="feel"))``.
    """

    id: str
    label: str
    expression: Expression


@dataclass(frozen=True, slots=True)
class Output:
    """An output column; ``key`` names it in results (its name, else label, else id).

    ``priorities`` are the allowed output values in priority order (PRIORITY and OUTPUT
    ORDER tables need them); ``default`` is used by single-hit tables when no rule matches.

    Example: ``Output("out1", "level", priorities=("high", "medium", "low"))``.
    """

    id: str
    key: str
    priorities: tuple[Any, ...] = ()
    default: Expression | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A row: one unary-test cell per input, one expression (or None for empty) per output.

    Example: ``Rule("r1", 1, (compile_unary_tests('> 5'),), (compile_expression('"big"'),))``.
    """

    id: str
    number: int
    tests: tuple[UnaryTests, ...]
    outputs: tuple[Expression | None, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class DecisionTable:
    """A decision table.

    Example::

        decision.table.evaluate({"amount": 5})  # {'category': 'small'}
    """

    id: str
    hit_policy: HitPolicy
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    rules: tuple[Rule, ...]
    aggregation: Aggregation | None = None

    def evaluate(self, variables: Mapping[str, Any], context: EvaluationContext | None = None) -> Result:
        """The result under this table's hit policy."""
        values = []
        for column in self.inputs:
            try:
                values.append(column.expression.evaluate(variables, context=context))
            except ExpressionError as error:
                raise DmnError(f"input '{column.label}': {error}", column.id) from None
        matched = [rule for rule in self.rules if self._matches(rule, values, variables, context)]
        policy = self.hit_policy
        if policy is HitPolicy.UNIQUE and len(matched) > 1:
            numbers = ", ".join(f"{rule.number} ({rule.id})" for rule in matched)
            raise DmnError(f"hit policy UNIQUE, but rules {numbers} all match", self.id)
        if policy.is_single:
            if not matched:
                return self._defaults(variables, context)
            if policy is HitPolicy.PRIORITY:
                return self._sorted(matched, variables, context)[0]
            first = self._outputs(matched[0], variables, context)
            if policy is HitPolicy.ANY:
                for rule in matched[1:]:
                    other = self._outputs(rule, variables, context)
                    if not equals(other, first):
                        raise DmnError(
                            f"hit policy ANY, but rules {matched[0].number} and {rule.number} give different outputs",
                            self.id,
                        )
            return first
        if policy is HitPolicy.OUTPUT_ORDER:
            return self._sorted(matched, variables, context)
        results = [self._outputs(rule, variables, context) for rule in matched]
        if policy is HitPolicy.COLLECT and self.aggregation is not None:
            key = self.outputs[0].key
            return {key: self._aggregate([result[key] for result in results])}
        return results

    def _matches(
        self, rule: Rule, values: list[Any], variables: Mapping[str, Any], context: EvaluationContext | None
    ) -> bool:
        for column, test, value in zip(self.inputs, rule.tests, values, strict=True):
            try:
                if not test.matches(value, variables, context=context):
                    return False
            except ExpressionError as error:
                raise DmnError(f"rule {rule.number}, input '{column.label}': {error}", rule.id) from None
        return True

    def _outputs(
        self, rule: Rule, variables: Mapping[str, Any], context: EvaluationContext | None
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for column, expression in zip(self.outputs, rule.outputs, strict=True):
            try:
                result[column.key] = (
                    None if expression is None else expression.evaluate(variables, context=context)
                )
            except ExpressionError as error:
                raise DmnError(f"rule {rule.number}, output '{column.key}': {error}", rule.id) from None
        return result

    def _defaults(
        self, variables: Mapping[str, Any], context: EvaluationContext | None
    ) -> dict[str, Any] | None:
        if all(column.default is None for column in self.outputs):
            return None
        result: dict[str, Any] = {}
        for column in self.outputs:
            try:
                result[column.key] = (
                    None if column.default is None else column.default.evaluate(variables, context=context)
                )
            except ExpressionError as error:
                raise DmnError(f"default of output '{column.key}': {error}", column.id) from None
        return result

    def _sorted(
        self, matched: list[Rule], variables: Mapping[str, Any], context: EvaluationContext | None
    ) -> list[dict[str, Any]]:
        results = [self._outputs(rule, variables, context) for rule in matched]

        def rank(result: dict[str, Any]) -> tuple[int, ...]:
            ranks = []
            for column in self.outputs:
                if not column.priorities:
                    continue
                position = _index(column.priorities, result[column.key])
                if position is None:
                    raise DmnError(
                        f"output '{column.key}' value {show(result[column.key])} is not among its output values",
                        column.id,
                    )
                ranks.append(position)
            return tuple(ranks)

        return sorted(results, key=rank)

    def _aggregate(self, values: list[Any]) -> Any:
        present = [value for value in values if value is not None]
        if self.aggregation is Aggregation.COUNT:
            return len(present)
        if not present:
            return None
        try:
            if self.aggregation is Aggregation.SUM:
                total = present[0]
                for value in present[1:]:
                    total = add(total, value)
                return total
            symbol = "<" if self.aggregation is Aggregation.MIN else ">"
            best = present[0]
            for value in present[1:]:
                if order(symbol, value, best):
                    best = value
            return best
        except ValueProblem as problem:
            raise DmnError(f"cannot aggregate with {self.aggregation}: {problem}", self.id) from None


def _index(values: tuple[Any, ...], value: Any) -> int | None:
    return next((position for position, candidate in enumerate(values) if equals(candidate, value)), None)


@dataclass(frozen=True, slots=True)
class Decision:
    """A DMN decision: a decision table or a literal expression, after its required decisions.

    ``evaluate`` returns a dict of outputs (or None when no rule matched) for UNIQUE, FIRST,
    PRIORITY and ANY tables, a list of dicts for COLLECT, RULE ORDER and OUTPUT ORDER, and a
    one-key dict for COLLECT with an aggregation and for a literal expression. The results
    of required decisions are passed in as variables named after those decisions.

    Example::

        decision = parse_dmn(data, source_name="discounts.dmn")[0]
        decision.evaluate({"segment": "VIP", "amount": 150000})  # {'discount': Decimal('0.10')}
    """

    id: str
    name: str
    table: DecisionTable | None = None
    literal: tuple[str, Expression] | None = None
    required: tuple[Decision, ...] = field(default=())

    def evaluate(self, variables: Mapping[str, Any], *, context: EvaluationContext | None = None) -> Result:
        """Evaluate the required decisions, then this one."""
        scope = dict(variables)
        for requirement in self.required:
            scope[requirement.name or requirement.id] = _as_variable(
                requirement.evaluate(scope, context=context)
            )
        if self.table is not None:
            return self.table.evaluate(scope, context)
        if self.literal is not None:
            key, expression = self.literal
            try:
                return {key: expression.evaluate(scope, context=context)}
            except ExpressionError as error:
                raise DmnError(f"decision '{self.name or self.id}': {error}", self.id) from None
        raise DmnError(
            f"decision '{self.name or self.id}' has neither a decision table nor a literal expression",
            self.id,
        )


def _as_variable(result: Result) -> Any:
    """A single-output single result is passed on as its value; anything else as it is."""
    if isinstance(result, dict) and len(result) == 1:
        return next(iter(result.values()))
    return result


Evaluator = Callable[[Mapping[str, Any]], Result]
