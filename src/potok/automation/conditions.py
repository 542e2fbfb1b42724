"""A rule's condition: checked against the record type's schema when the rule is saved, compiled once,
then evaluated per record with the trace of every clause.

The tree is the engine's condition tree (see potok.engine.expressions.conditions). Evaluation gives the
same result and the same trace as `evaluate_condition_tree_traced`, but reads and compiles the tree once
per rule instead of once per record, because a dispatcher evaluates the same rules thousands of times.

Variables of an evaluation: the record's view at the root, `old` and `new` (the values before and after
the change; see `change_variables`), and `event` (kind, origin, changed fields, related record).

Example:
    >>> condition = CompiledCondition.compile({"field": "client.segment", "op": "eq", "value": "VIP"})
    >>> condition.evaluate(change_variables(None, view))
    Evaluated(result=True, error=None, trace=[{...}])
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from potok.audit.services import audit_value
from potok.automation.schema import EntitySchema
from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.engine.expressions import (
    EvaluationContext,
    Expression,
    ExpressionError,
    change_variables,
    condition_tree_fields,
    expression_from_tree,
)
from potok.engine.expressions.conditions import Clause, read_condition_tree
from potok.engine.expressions.values import describe

__all__ = ["CompiledCondition", "Evaluated", "change_variables", "check_condition", "evaluation_context"]

# Root names a condition may read besides the record's fields.
EXTRA_ROOTS = frozenset({"old", "new", "event"})
EVENT_FIELDS = frozenset({"kind", "origin", "actor", "changed", "related_entity_type", "related_record_id"})


def evaluation_context() -> EvaluationContext:
    """Potok's clock and the company's time zone (so `today()` is the company's today)."""
    return EvaluationContext(clock=clock.now, time_zone=settings.TIME_ZONE)


def is_empty_condition(tree: Any) -> bool:
    return not tree


@dataclass
class Evaluated:
    """`result` is None when the condition could not be evaluated (`error` says why)."""

    result: bool | None
    error: str | None
    trace: list[dict[str, Any]]


@dataclass
class CompiledCondition:
    tree: Mapping[str, Any]
    root: Clause | None
    expression: Expression | None
    fields: frozenset[str]
    _compiled: dict[int, Expression] = field(default_factory=dict)
    _observed: dict[int, list[Expression]] = field(default_factory=dict)

    @classmethod
    def compile(cls, tree: Mapping[str, Any] | None) -> CompiledCondition:
        """Read and compile a tree; ExpressionError (naming the clause) when it is malformed."""
        if is_empty_condition(tree):
            return cls({}, None, None, frozenset())
        assert tree is not None
        root = read_condition_tree(tree)
        compiled = cls(tree, root, expression_from_tree(root.tree), frozenset(condition_tree_fields(tree)))
        stack = [root]
        while stack:
            clause = stack.pop()
            if clause.kind in ("all", "any", "not"):
                stack.extend(clause.children)
                continue
            if clause.source is not None:
                compiled._compiled[id(clause)] = Expression(clause.source, clause.tree)
            else:
                compiled._compiled[id(clause)] = expression_from_tree(clause.tree)
            compiled._observed[id(clause)] = [expression_from_tree(node) for node in clause.observed]
        return compiled

    def evaluate(self, variables: Mapping[str, Any], context: EvaluationContext | None = None) -> Evaluated:
        """The result and each clause's value, root first (the explain trace, JSON-ready)."""
        if self.root is None:
            return Evaluated(True, None, [])
        context = context or evaluation_context()
        trace: list[dict[str, Any] | None] = []
        result, error = self._visit(self.root, variables, context, trace)
        entries = [entry for entry in trace if entry is not None]
        if result is None:
            return Evaluated(None, error or "the condition could not be evaluated", entries)
        return Evaluated(result, None, entries)

    def matches(self, variables: Mapping[str, Any], context: EvaluationContext | None = None) -> bool:
        """Just the result; ExpressionError when it cannot be evaluated."""
        if self.expression is None:
            return True
        return self.expression.evaluate_condition(variables, context=context or evaluation_context())

    # -- the tracer (the engine's rules: left to right, `all` stops at false, `any` at true) -----------

    def _visit(
        self,
        clause: Clause,
        variables: Mapping[str, Any],
        context: EvaluationContext,
        trace: list[dict[str, Any] | None],
    ) -> tuple[bool | None, str | None]:
        slot = len(trace)
        trace.append(None)
        value: Any = None
        if clause.kind in ("all", "any", "not"):
            outcomes = [(child, *self._visit(child, variables, context, trace)) for child in clause.children]
            result, error = _combine(clause.kind, outcomes)
        else:
            result, error = self._leaf(clause, variables, context)
            value = self._observe(clause, variables)
        trace[slot] = {
            "path": clause.path,
            "description": clause.description,
            "value": _json(value),
            "result": result,
            "error": error,
            "id": clause.id,
        }
        return result, error

    def _leaf(
        self, clause: Clause, variables: Mapping[str, Any], context: EvaluationContext
    ) -> tuple[bool | None, str | None]:
        try:
            value = self._compiled[id(clause)].evaluate(variables, context=context)
        except ExpressionError as error:
            return None, str(error)
        if value is None:
            return False, None
        if value is True or value is False:
            return value, None
        return None, f"a condition must be true or false, not {describe(value)}"

    def _observe(self, clause: Clause, variables: Mapping[str, Any]) -> Any:
        values = []
        for expression in self._observed[id(clause)]:
            try:
                values.append(expression.evaluate(variables))
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
    for child, result, _error in outcomes:
        if result is None:
            return None, f"clause {child.path} could not be evaluated"
        if result is stop_at:
            return stop_at, None
    return not stop_at, None


def _json(value: Any) -> Any:
    value = audit_value(value)
    if isinstance(value, dict) and len(value) > 12:
        # A whole referenced record in a trace line says little; its id and name say enough.
        return {key: value[key] for key in ("id", "name", "number") if key in value}
    return value


# -- checks at save time -----------------------------------------------------------------------------------


def iter_leaves(tree: Any, path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(clause path, leaf) for every `field` leaf, with the engine's path names (`all[1].not`)."""
    if not isinstance(tree, Mapping):
        return
    for kind in ("all", "any"):
        if kind in tree and isinstance(tree[kind], list):
            for index, item in enumerate(tree[kind]):
                yield from iter_leaves(item, _join(path, f"{kind}[{index}]"))
            return
    if "not" in tree:
        yield from iter_leaves(tree["not"], _join(path, "not"))
        return
    if "field" in tree:
        yield path, tree


def _join(path: str, step: str) -> str:
    return f"{path}.{step}" if path else step


def field_problem(schema: EntitySchema, path: str, schemas: Any = None) -> str | None:
    """Why `path` names no field of the schema (None when it does): `client.segment`, `old.amount`…"""
    from potok.automation.schema import SchemaCache

    steps = path.split(".")
    if steps[0] in ("old", "new") and len(steps) > 1:
        steps = steps[1:]
    if steps[0] == "event":
        if len(steps) == 1 or steps[1] in EVENT_FIELDS:
            return None
        return f"the event has no {steps[1]!r}; it has {', '.join(sorted(EVENT_FIELDS))}"
    spec = schema.field(steps[0])
    if spec is None:
        return f"«{schema.label}» has no field {steps[0]!r}"
    if len(steps) == 1:
        return None
    if not spec.is_reference:
        if spec.type in ("file", "list"):
            return None
        return f"{steps[0]!r} is not a reference, so it has no {steps[1]!r}"
    if spec.target.startswith("@"):
        return None  # the target's type is known only per record
    target = (schemas or SchemaCache()).get(spec.target)
    if target is None:
        return f"{steps[0]!r} refers to {spec.target!r}, which is not a record type"
    if target.field(steps[1]) is None:
        return f"«{target.label}» (the {steps[0]!r} of the record) has no field {steps[1]!r}"
    if len(steps) > 2:
        return f"{'.'.join(steps[:2])!r} is as deep as a condition may look (one reference)"
    return None


def leaf_spec(schema: EntitySchema, field_path: str, schemas: Any = None) -> Any:
    """The FieldSpec a leaf's field path ends on (None for `event.*` and dynamic targets)."""
    from potok.automation.schema import SchemaCache

    steps = field_path.split(".")
    if steps[0] in ("old", "new") and len(steps) > 1:
        steps = steps[1:]
    spec = schema.field(steps[0])
    if spec is None or len(steps) == 1:
        return spec
    if not spec.is_reference or spec.target.startswith("@"):
        return None
    target = (schemas or SchemaCache()).get(spec.target)
    return target.field(steps[1]) if target is not None else None


def confidential_problem(schema: EntitySchema, path: str, schemas: Any = None) -> str | None:
    """Why the value at `path` must not leave the record (None when it may): a confidential field on the
    way. For what a rule copies into a process, whose variables everyone who reads the process sees."""
    from django.utils.translation import gettext

    steps = path.split(".")
    if steps[0] in ("old", "new") and len(steps) > 1:
        steps = steps[1:]
    if steps[0] == "event":
        return None
    for spec in (schema.field(steps[0]), leaf_spec(schema, ".".join(steps), schemas)):
        if spec is not None and spec.confidential:
            return gettext(
                "«%(field)s» is confidential, and a process variable is shown to everyone who reads the "
                "process: leave it out (the task's form shows the record's fields to those who may see them)."
            ) % {"field": spec.label}
    return None


def check_condition(
    tree: Any, schema: EntitySchema | None, *, field_name: str = "condition"
) -> CompiledCondition:
    """Compile and check a condition; ValidationFailed naming the clause and the field otherwise."""
    if is_empty_condition(tree):
        return CompiledCondition.compile(None)
    if not isinstance(tree, Mapping):
        raise ValidationFailed({field_name: "The condition must be an object (a condition tree)."})
    try:
        compiled = CompiledCondition.compile(tree)
    except ExpressionError as error:
        raise ValidationFailed({field_name: str(error)}) from None
    if schema is None:
        return compiled
    problems = problems_of(compiled, schema)
    if problems:
        raise ValidationFailed({field_name: problems})
    return compiled


def problems_of(compiled: CompiledCondition, schema: EntitySchema) -> list[str]:
    """What in the condition the schema does not allow (missing fields, operators of another type)."""
    from potok.automation.schema import SchemaCache

    schemas = SchemaCache()
    problems = []
    leaf_fields: set[str] = set()
    for path, leaf in iter_leaves(compiled.tree):
        name = str(leaf.get("field", "")).strip()
        leaf_fields.add(name)
        where = f"{path}: " if path else ""
        problem = field_problem(schema, name, schemas)
        if problem:
            problems.append(f"{where}{problem}")
            continue
        spec = leaf_spec(schema, name, schemas)
        operator = leaf.get("op")
        if spec is not None and operator not in spec.operators:
            problems.append(
                f"{where}the operator {operator!r} does not apply to {name!r} ({spec.operator_type}); "
                f"use one of {', '.join(spec.operators)}"
            )
    for name in sorted(compiled.fields - leaf_fields):
        problem = field_problem(schema, name, schemas)
        if problem and name.split(".")[0] not in ("now", "today"):
            problems.append(f"expression: {problem}")
    return problems


def event_variables(event: Any) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "origin": event.origin,
        "actor": event.actor_id,
        "changed": sorted(event.changes or {}),
        "related_entity_type": event.related_entity_type,
        "related_record_id": event.related_record_id,
    }


def variables_for(
    old: Mapping[str, Any] | None, new: Mapping[str, Any], event: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return change_variables(old, new, {"event": dict(event or {})})
