"""Variables a rule hands to the process it starts, taken from the record.

A mapping is a list of `{"target": "amount", "source": "claimed_amount"}` (a field path of the record
view, `client.segment` included) or `{"target": "vip", "expr": "client.segment = 'VIP'"}` (Potok's
expression language). Every start also gets `entity_type`, `record_id` and `started_by_rule`.

A process may declare the variables it takes, at the process level of its BPMN:
`<bpmn:extensionElements><potok:variable name="amount"/></bpmn:extensionElements>`; a mapping to a
variable such a process does not declare is refused when the rule is saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from potok.automation.conditions import confidential_problem, field_problem
from potok.automation.records import read_path
from potok.automation.schema import EntitySchema
from potok.core.errors import ValidationFailed
from potok.engine.expressions import EvaluationContext, Expression, ExpressionError, compile_expression

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
STANDARD_VARIABLES = ("entity_type", "record_id", "started_by_rule")


@dataclass(frozen=True)
class MappingEntry:
    target: str
    source: str | None
    expression: Expression | None

    def value(self, variables: Mapping[str, Any], context: EvaluationContext | None) -> Any:
        if self.expression is not None:
            return self.expression.evaluate(variables, context=context)
        return read_path(variables, self.source or "")


class MappingError(Exception):
    """A mapping that failed for one record (the rule then raises an incident)."""


@dataclass(frozen=True)
class CompiledMapping:
    entries: tuple[MappingEntry, ...]

    def variables(
        self, view: Mapping[str, Any], *, extra: Mapping[str, Any], context: EvaluationContext | None = None
    ) -> dict[str, Any]:
        result = dict(extra)
        for entry in self.entries:
            try:
                result[entry.target] = entry.value(view, context)
            except ExpressionError as error:
                raise MappingError(f"variable {entry.target!r}: {error}") from None
        return result


def compile_mapping(raw: Any) -> CompiledMapping:
    """Compile without checks (a saved rule was checked when it was saved)."""
    entries = []
    for item in raw or ():
        expression = compile_expression(item["expr"]) if item.get("expr") else None
        entries.append(MappingEntry(str(item["target"]), item.get("source"), expression))
    return CompiledMapping(tuple(entries))


def check_mapping(
    raw: Any,
    schema: EntitySchema | None,
    *,
    declared: Sequence[str] | None,
    field_name: str = "variable_mapping",
) -> tuple[list[dict[str, str]], CompiledMapping]:
    """The mapping cleaned and compiled; ValidationFailed naming the entry (`variable_mapping[2].expr`)."""
    if raw in (None, ""):
        raw = []
    if not isinstance(raw, list):
        raise ValidationFailed({field_name: "The variables must be a list of {target, source or expr}."})
    errors: dict[str, str] = {}
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"{field_name}[{index}]"
        if not isinstance(item, Mapping):
            errors[where] = "Each variable must be an object {target, source} or {target, expr}."
            continue
        target = str(item.get("target") or "").strip()
        source = str(item.get("source") or "").strip()
        expr = str(item.get("expr") or "").strip()
        if not IDENTIFIER.match(target):
            errors[f"{where}.target"] = (
                f"{target!r} is not a variable name: use Latin letters, digits and _, starting with a letter."
            )
            continue
        if target in seen:
            errors[f"{where}.target"] = f"The variable {target!r} is mapped twice."
            continue
        seen.add(target)
        if target in STANDARD_VARIABLES:
            errors[f"{where}.target"] = f"{target!r} is set by Potok itself."
            continue
        if declared is not None and target not in declared:
            known = ", ".join(sorted(declared)) or "none"
            errors[f"{where}.target"] = (
                f"The process does not declare a variable {target!r}; it declares: {known}."
            )
            continue
        if bool(source) == bool(expr):
            errors[where] = "Give either a field (source) or an expression (expr)."
            continue
        if source:
            problem = (
                field_problem(schema, source) or confidential_problem(schema, source)
                if schema is not None
                else None
            )
            if problem:
                errors[f"{where}.source"] = problem
                continue
            cleaned.append({"target": target, "source": source})
        else:
            try:
                expression = compile_expression(expr)
            except ExpressionError as error:
                errors[f"{where}.expr"] = str(error)
                continue
            if schema is not None:
                for path in sorted(expression.paths_used()):
                    problem = field_problem(schema, path) or confidential_problem(schema, path)
                    if problem:
                        errors[f"{where}.expr"] = problem
                        break
                else:
                    cleaned.append({"target": target, "expr": expr})
            else:
                cleaned.append({"target": target, "expr": expr})
    if errors:
        raise ValidationFailed(errors)
    return cleaned, compile_mapping(cleaned)


def declared_variables(process: Any) -> list[str] | None:
    """The variables a process declares (`potok:variable` at process level), None when it declares none."""
    items = process.extensions.get("variable", []) if process is not None else []
    names = [str(item.get("name")) for item in items if isinstance(item, Mapping) and item.get("name")]
    return names or None
