"""One rule, one record, one occasion: evaluate, decide, start, write it all down.

Shared by the dispatcher (outbox events), the timers (time after a date, debounce), retroactive
applications and incident retries, so every path gives the same outcomes with the same reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from potok.automation.conditions import field_problem, problems_of, variables_for
from potok.automation.models import Outcome, TriggerMode
from potok.automation.records import RecordViews, View
from potok.automation.ruleset import CompiledRule
from potok.automation.schema import EntitySchema, SchemaCache
from potok.automation.starting import (
    Journal,
    StartResult,
    flag_rule,
    max_depth,
    raise_incident,
    resolve_incidents,
    start_for,
)


@dataclass
class Occasion:
    """What the rule is evaluated for."""

    trigger: str
    entity_type: str
    record_id: int
    event_key: str
    new: View | None
    old: View | None = None
    event: Mapping[str, Any] = field(default_factory=dict)
    event_id: int | None = None
    depth: int = 0
    # "only when it starts to match": compare with the values before the change.
    compare_with_old: bool = False
    # The record the started process works on, when it is not the evaluated one (task events).
    process_entity_type: str | None = None
    process_record_id: int | None = None
    # An administrator's retry goes past the depth limit: he decided.
    ignore_depth: bool = False
    payload: Mapping[str, Any] = field(default_factory=dict)
    _variables: dict[str, Any] | None = None

    def variables(self) -> dict[str, Any]:
        """What the condition reads; built once, shared by every rule evaluated for this occasion."""
        if self._variables is None:
            self._variables = variables_for(self.old, self.new or {}, self.event)
        return self._variables


@dataclass
class Decision:
    outcome: str
    matched: bool
    instance_id: str = ""


# Rule problems found against a schema fingerprint, kept between units of work in this process.
_problems: dict[tuple[object, ...], dict[tuple[int, int], str | None]] = {}


class Evaluator:
    """Evaluates rules for a unit of work, checking each rule against its type's schema once."""

    def __init__(self, journal: Journal | None = None, views: RecordViews | None = None) -> None:
        self.journal = journal or Journal()
        self.views = views or RecordViews()
        fingerprint = self.views.schemas.fingerprint
        if fingerprint is not None:
            if fingerprint not in _problems:
                _problems.clear()
                _problems[fingerprint] = {}
            self._problems = _problems[fingerprint]
        else:
            self._problems = {}
        self._with_incidents: set[int] | None = None

    @property
    def schemas(self) -> SchemaCache:
        return self.views.schemas

    def problem_of(self, rule: CompiledRule) -> str | None:
        """Why the rule cannot run as saved (a field gone from its type), checked once per schema state."""
        key = (rule.id, rule.version_id)
        if key not in self._problems:
            self._problems[key] = self._check(rule)
        return self._problems[key]

    def _check(self, rule: CompiledRule) -> str | None:
        if rule.problem:
            return rule.problem
        if not rule.entity_type:
            return None
        schema = self.schemas.get(rule.entity_type)
        if schema is None:
            return f"the record type {rule.entity_type!r} no longer exists"
        problems = problems_of(rule.condition, schema)
        for source in rule.mapping_sources:
            problem = field_problem(schema, source, self.schemas)
            if problem:
                problems.append(f"variables: {problem}")
        for key in ("field", "date_field"):
            name = rule.options.get(key)
            if name and name != "created" and schema.field(name) is None:
                problems.append(f"event: «{schema.label}» has no field {name!r}")
        for name in rule.options.get("fields") or ():
            if schema.field(name) is None:
                problems.append(f"event: «{schema.label}» has no field {name!r}")
        return "; ".join(problems) or None

    def schema(self, entity_type: str) -> EntitySchema | None:
        return self.schemas.get(entity_type)

    def rules_with_incidents(self) -> set[int]:
        """Rules with open incidents (read once per unit of work): a start resolves the record's incident."""
        if self._with_incidents is None:
            from potok.automation.models import IncidentState, RuleIncident

            self._with_incidents = set(
                RuleIncident.objects.filter(state=IncidentState.OPEN)
                .exclude(rule=None)
                .values_list("rule_id", flat=True)
            )
        return self._with_incidents

    def _incident(self, rule: CompiledRule, **fields: Any) -> None:
        raise_incident(rule, **fields)
        if self._with_incidents is not None:
            self._with_incidents.add(rule.id)

    def run(self, rule: CompiledRule, occasion: Occasion) -> Decision:
        judged = self.judge(rule, occasion)
        if isinstance(judged, Decision):
            return judged
        result = start_for(
            rule,
            entity_type=occasion.process_entity_type or occasion.entity_type,
            record_id=occasion.process_record_id
            if occasion.process_record_id is not None
            else occasion.record_id,
            event_key=occasion.event_key,
            view=occasion.new or {},
            variables=occasion.variables(),
            depth=occasion.depth,
            journal=self.journal,
        )
        return self.conclude(rule, occasion, judged, result)

    def judge(self, rule: CompiledRule, occasion: Occasion) -> Decision | ToStart:
        """Everything before the start: a decision written down, or `ToStart` with the trace so far."""
        journal = self.journal
        common = _common(occasion)
        incident = _incident_fields(occasion)
        problem = self.problem_of(rule)
        if problem:
            flag_rule(rule.id, problem)
            journal.evaluation(
                rule,
                outcome=Outcome.ERRORED,
                error=problem,
                reason="the rule no longer fits its record type",
                **common,
            )
            self._incident(rule, kind="rule", message=problem, **incident)
            return Decision(Outcome.ERRORED, False)
        if occasion.depth >= max_depth() and not occasion.ignore_depth:
            reason = (
                f"refused: this change was made by processes started by rules {occasion.depth} times in a row "
                f"(the limit is {max_depth()}); a loop of rules is likely"
            )
            journal.evaluation(rule, outcome=Outcome.REFUSED, reason=reason, **common)
            self._incident(rule, kind="depth", message=reason, **incident)
            return Decision(Outcome.REFUSED, False)
        variables = occasion.variables()
        evaluated = rule.condition.evaluate(variables)
        if evaluated.result is None:
            error = evaluated.error or "the condition could not be evaluated"
            journal.evaluation(rule, outcome=Outcome.ERRORED, trace=evaluated.trace, error=error, **common)
            self._incident(rule, kind="condition", message=error, **incident)
            return Decision(Outcome.ERRORED, False)
        if not evaluated.result:
            journal.evaluation(rule, outcome=Outcome.NOT_MATCHED, trace=evaluated.trace, **common)
            return Decision(Outcome.NOT_MATCHED, False)
        trace = evaluated.trace
        if (
            occasion.compare_with_old
            and rule.trigger_mode == TriggerMode.BECOMES_TRUE
            and occasion.old is not None
        ):
            before = rule.condition.evaluate(variables_for(occasion.old, occasion.old, occasion.event))
            trace = trace + [{**entry, "before": True} for entry in before.trace]
            if before.result:
                journal.evaluation(
                    rule,
                    outcome=Outcome.SKIPPED,
                    trace=trace,
                    reason="the record matched already before this change (the rule starts only when it begins to match)",
                    **common,
                )
                return Decision(Outcome.SKIPPED, True)
        return ToStart(trace)

    def conclude(
        self, rule: CompiledRule, occasion: Occasion, judged: ToStart, result: StartResult
    ) -> Decision:
        """Write down how the start went; a start resolves the occasion's open incident, if it has one."""
        journal = self.journal
        common = _common(occasion)
        trace = judged.trace
        if result.instance_id:
            journal.evaluation(
                rule, outcome=Outcome.MATCHED, trace=trace, instance_id=result.instance_id, **common
            )
            if rule.id in self.rules_with_incidents():
                resolve_incidents(
                    rule.id,
                    entity_type=occasion.entity_type,
                    record_id=occasion.record_id,
                    event_key=occasion.event_key,
                    actor=None,
                )
            return Decision(Outcome.MATCHED, True, result.instance_id)
        if result.already:
            journal.evaluation(
                rule,
                outcome=Outcome.SKIPPED,
                trace=trace,
                reason="a process was started by this rule version for this record and event already",
                **common,
            )
            return Decision(Outcome.SKIPPED, True)
        journal.evaluation(rule, outcome=Outcome.ERRORED, trace=trace, error=result.error, **common)
        self._incident(rule, kind=result.kind, message=result.error, **_incident_fields(occasion))
        return Decision(Outcome.ERRORED, True)


@dataclass
class ToStart:
    """The rule matched: its process is to be started (the trace is written with the outcome)."""

    trace: list[dict[str, Any]]


def _common(occasion: Occasion) -> dict[str, Any]:
    return {
        "trigger": occasion.trigger,
        "entity_type": occasion.entity_type,
        "record_id": occasion.record_id,
        "event_id": occasion.event_id,
        "event_key": occasion.event_key,
        "depth": occasion.depth,
    }


def _incident_fields(occasion: Occasion) -> dict[str, Any]:
    return {
        "trigger": occasion.trigger,
        "entity_type": occasion.entity_type,
        "record_id": occasion.record_id,
        "event_id": occasion.event_id,
        "event_key": occasion.event_key,
        "payload": occasion.payload,
    }
