"""Reading automation: rules, their versions, evaluations, incidents, applications — and the answer to
"why didn't rule R start for record X?" when there is no evaluation to show.

Rules, evaluations and incidents are for administrators (`require_administrator`); what a record page
shows to others (the processes one may start by hand) goes through potok.access.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from potok.access.selectors import is_administrator
from potok.automation.models import (
    ManualStart,
    RuleApplication,
    RuleEvaluation,
    RuleEvent,
    RuleIncident,
    RuleTimer,
    RuleVersion,
    StartRule,
    TimerKind,
)
from potok.automation.ruleset import DOMAIN_KINDS, compile_rule
from potok.automation.schema import SchemaCache
from potok.core.errors import NotFound, PermissionDenied
from potok.core.models import DomainEvent

EXPLAIN_EVENTS = 50


def require_administrator(user: Any) -> None:
    if not is_administrator(user):
        raise PermissionDenied("start rules")


def rules(
    user: Any,
    *,
    entity_type: str | None = None,
    enabled: bool | None = None,
    needs_attention: bool | None = None,
    search: str = "",
) -> QuerySet[StartRule]:
    require_administrator(user)
    queryset = StartRule.objects.all()
    if entity_type:
        queryset = queryset.filter(entity_type=entity_type)
    if enabled is not None:
        queryset = queryset.filter(enabled=enabled)
    if needs_attention is not None:
        queryset = queryset.filter(needs_attention=needs_attention)
    if search:
        queryset = queryset.filter(name__icontains=search)
    return queryset.order_by("entity_type", "-priority", "id")


def rule(user: Any, pk: Any) -> StartRule:
    require_administrator(user)
    try:
        return StartRule.objects.get(pk=int(pk))
    except (StartRule.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"start rule {pk}") from None


def versions(user: Any, rule_object: StartRule) -> QuerySet[RuleVersion]:
    require_administrator(user)
    return RuleVersion.objects.filter(rule=rule_object).select_related("created_by").order_by("-number")


def version(user: Any, rule_object: StartRule, number: int) -> RuleVersion:
    require_administrator(user)
    found = RuleVersion.objects.filter(rule=rule_object, number=number).first()
    if found is None:
        raise NotFound(f"version {number} of rule {rule_object.pk}")
    return found


def evaluations(
    user: Any,
    *,
    rule_id: int | None = None,
    entity_type: str | None = None,
    record_id: int | None = None,
    outcome: str | None = None,
) -> QuerySet[RuleEvaluation]:
    require_administrator(user)
    queryset = RuleEvaluation.objects.select_related("rule", "rule_version")
    if rule_id is not None:
        queryset = queryset.filter(rule_id=rule_id)
    if entity_type:
        queryset = queryset.filter(entity_type=entity_type)
    if record_id is not None:
        queryset = queryset.filter(record_id=record_id)
    if outcome:
        queryset = queryset.filter(outcome__in=outcome.split(","))
    return queryset


def incidents(user: Any, *, state: str | None = "open", rule_id: int | None = None) -> QuerySet[RuleIncident]:
    require_administrator(user)
    queryset = RuleIncident.objects.select_related("rule", "rule_version")
    if state:
        queryset = queryset.filter(state=state)
    if rule_id is not None:
        queryset = queryset.filter(rule_id=rule_id)
    return queryset


def incident(user: Any, pk: Any) -> RuleIncident:
    require_administrator(user)
    try:
        return RuleIncident.objects.get(pk=int(pk))
    except (RuleIncident.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"rule incident {pk}") from None


def applications(user: Any, rule_object: StartRule) -> QuerySet[RuleApplication]:
    require_administrator(user)
    return RuleApplication.objects.filter(rule=rule_object).order_by("-id")


def application(user: Any, pk: Any) -> RuleApplication:
    require_administrator(user)
    try:
        return RuleApplication.objects.select_related("rule").get(pk=int(pk))
    except (RuleApplication.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"rule application {pk}") from None


def manual_start(user: Any, pk: Any) -> ManualStart:
    """A manual start request: its requester or an administrator may look at it."""
    try:
        found = ManualStart.objects.get(pk=int(pk))
    except (ManualStart.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"manual start {pk}") from None
    if found.requested_by_id != getattr(user, "pk", None) and not is_administrator(user):
        raise NotFound(f"manual start {pk}")
    return found


def pending_timers(rule_object: StartRule, *, entity_type: str, record_id: int) -> list[RuleTimer]:
    return list(RuleTimer.objects.filter(rule=rule_object, entity_type=entity_type, record_id=record_id))


# -- why not --------------------------------------------------------------------------------------------------


def explain_absence(
    user: Any, rule_object: StartRule, *, entity_type: str, record_id: int
) -> list[dict[str, Any]]:
    """For each recorded change of the record, why the rule did not evaluate it (when it did, the
    evaluation itself is the answer). The first item answers for the record as a whole."""
    require_administrator(user)
    reasons: list[dict[str, Any]] = []
    if rule_object.entity_type != entity_type:
        reasons.append(
            {
                "event_id": None,
                "reason": f"The rule is about records of type {rule_object.entity_type or '(none)'}; "
                f"this record is of type {entity_type}.",
            }
        )
        return reasons
    for timer in pending_timers(rule_object, entity_type=entity_type, record_id=record_id):
        what = "the end of the debounce window" if timer.kind == TimerKind.DEBOUNCE else "its moment"
        reasons.append(
            {
                "event_id": None,
                "reason": f"The rule waits for {what}: it will look at the record at {timer.due_at.isoformat()}.",
            }
        )
    events = list(
        DomainEvent.objects.filter(entity_type=entity_type, record_id=record_id).order_by("-id")[
            :EXPLAIN_EVENTS
        ]
    )
    if not events:
        reasons.append(
            {
                "event_id": None,
                "reason": "No change of this record is recorded (it may have been loaded without events, or "
                "its events were removed); apply the rule to existing records to start it for this one.",
            }
        )
        return reasons
    history = list(RuleVersion.objects.filter(rule=rule_object).order_by("number"))
    evaluated = set(
        RuleEvaluation.objects.filter(rule=rule_object, entity_type=entity_type, record_id=record_id)
        .exclude(event_id=None)
        .values_list("event_id", flat=True)
    )
    schemas = SchemaCache()
    for event in events:
        if event.pk in evaluated:
            continue
        reasons.append(
            {
                "event_id": event.pk,
                "occurred_at": event.occurred_at,
                "kind": event.kind,
                "reason": _why_not(rule_object, event, history, schemas),
            }
        )
    return reasons


def _version_at(history: Iterable[RuleVersion], moment: Any) -> RuleVersion | None:
    found = None
    for item in history:
        if item.created_at <= moment:
            found = item
    return found


def _why_not(
    rule_object: StartRule, event: DomainEvent, history: list[RuleVersion], schemas: SchemaCache
) -> str:
    if event.dispatched_at is None:
        return "The change is not dispatched yet (the worker will get to it)."
    in_force = _version_at(history, event.occurred_at)
    if in_force is None:
        first = history[0].created_at.isoformat() if history else "later"
        return f"The rule did not exist yet: it was created at {first}, after this change."
    if not in_force.definition.get("enabled"):
        return f"The rule was disabled then (version {in_force.number})."
    if rule_object.enabled_since and rule_object.enabled_since > event.occurred_at and rule_object.enabled:
        return f"The rule was enabled at {rule_object.enabled_since.isoformat()}, after this change."
    definition = in_force.definition
    event_name = str(definition.get("event"))
    kinds = DOMAIN_KINDS.get(event_name, frozenset())
    if event.kind not in kinds:
        return (
            f"The rule listens to “{RuleEvent(event_name).label}”; this change was “{event.kind}”."
            if event_name in RuleEvent.values
            else "The rule listens to another event."
        )
    if event_name == RuleEvent.TIME:
        return "A time rule looks at the record at its moment, not at its changes; this change only (re)set the timer."
    shadow = StartRule(
        pk=rule_object.pk, version=in_force.number, **{k: v for k, v in definition.items() if k != "enabled"}
    )
    compiled = compile_rule(shadow, in_force.pk)
    schema = schemas.get(event.entity_type)
    if not compiled.hears(event, schema):
        options = definition.get("options") or {}
        changed = ", ".join(sorted(event.changes or {})) or "nothing"
        if event_name == RuleEvent.UPDATED:
            return f"The rule listens to changes of {', '.join(options.get('fields') or [])}; this change touched {changed}."
        if event_name in (RuleEvent.FIELD_CHANGED, RuleEvent.STATUS_CHANGED):
            field = options.get("field") or "status"
            return (
                f"The rule listens to {field} changing"
                f"{' from ' + str(options.get('from')) if options.get('from') else ''}"
                f"{' to ' + str(options.get('to')) if options.get('to') else ''}; this change touched {changed}."
            )
        if event_name in (RuleEvent.LINKED, RuleEvent.UNLINKED):
            return (
                f"The rule listens to linked records of type {options.get('related_entity_type')}; "
                f"this one was {event.related_entity_type}."
            )
        return "The change does not concern the rule."
    if definition.get("trigger_mode") == "debounce":
        return "The rule waits for a pause in saves (debounce); it looks at the record after the last one."
    return "The rule should have been evaluated for this change; see the rule's incidents (its evaluation may have failed, or been pruned)."


def record_evaluations(
    user: Any, *, entity_type: str, record_id: int, limit: int = 30
) -> list[RuleEvaluation]:
    """The latest rule evaluations for one record (the record page's panel; administrators only)."""
    if not is_administrator(user):
        return []
    return list(
        RuleEvaluation.objects.filter(entity_type=entity_type, record_id=record_id)
        .select_related("rule", "rule_version")
        .order_by("-id")[:limit]
    )
