"""Retrying a rule incident after the administrator fixed its cause.

A retry evaluates the rule again — as it is now, its newest version — for the same record and the same
occasion (the outbox event, the timer's moment, the webhook's body), with the same exactly-once key, so
a retry never starts a second process for an occasion that already has one. An administrator's retry
goes past the depth limit: he has looked at the loop and decided.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from potok.audit.services import audit_record
from potok.automation.dispatch import dispatch_one
from potok.automation.evaluation import Evaluator, Occasion
from potok.automation.models import IncidentState, Outcome, RuleIncident, Trigger
from potok.automation.records import RecordViews
from potok.automation.ruleset import current_rules
from potok.automation.starting import Journal
from potok.core import clock
from potok.core.errors import NotFound, ValidationFailed
from potok.core.models import DomainEvent


@transaction.atomic
def incident_retry(*, actor: Any, incident: RuleIncident) -> RuleIncident:
    locked = RuleIncident.objects.select_for_update().filter(pk=incident.pk).first()
    if locked is None:
        raise NotFound(f"rule incident {incident.pk}")
    if locked.state != IncidentState.OPEN:
        raise ValidationFailed({"state": "The incident is resolved already."})
    rules = current_rules()
    rule = rules.get(locked.rule_id) if locked.rule_id else None
    if locked.rule_id and rule is None:
        raise ValidationFailed({"rule": "The rule is disabled; enable it (after the fix) and retry."})
    evaluator = Evaluator(Journal(), RecordViews())
    if locked.event_id is not None:
        event = DomainEvent.objects.filter(pk=locked.event_id).first()
        if event is None:
            raise ValidationFailed({"event": "The event is no longer kept; the incident cannot be retried."})
        dispatch_one(
            event,
            rules,
            evaluator,
            only_rule=locked.rule_id,
            ignore_depth=True,
            trigger=Trigger.RETRY,
            retry=True,
        )
    else:
        if rule is None:
            raise ValidationFailed({"rule": "Nothing to retry."})
        occasion = _occasion(locked, evaluator)
        if occasion is None:
            _resolve(locked, actor, "the record no longer exists")
            return locked
        evaluator.run(rule, occasion)
    outcomes = list(evaluator.journal.outcomes)
    evaluator.journal.flush()
    locked.refresh_from_db()
    if (
        locked.state == IncidentState.OPEN
        and Outcome.ERRORED not in outcomes
        and Outcome.REFUSED not in outcomes
    ):
        _resolve(
            locked, actor, "retried: " + (", ".join(outcomes) or "the rule does not apply to this event now")
        )
    audit_record(
        actor=actor,
        entity_type="rule_incident",
        record_id=locked.pk,
        action="retried",
        changes={"state": (IncidentState.OPEN, locked.state)},
        message=", ".join(outcomes),
    )
    return locked


def _occasion(incident: RuleIncident, evaluator: Evaluator) -> Occasion | None:
    payload = incident.payload or {}
    if incident.record_id:
        views = evaluator.views.load(incident.entity_type, [incident.record_id])
        view = views.get(incident.record_id)
        if view is None:
            return None
    else:
        view = dict(payload.get("body") or {})
    old = None
    if payload.get("timer") == "debounce" and payload.get("old") is not None:
        old = evaluator.views.from_snapshots(incident.entity_type, [payload["old"]])[0]
    elif payload.get("timer") == "time":
        old = view
    return Occasion(
        trigger=Trigger.RETRY,
        entity_type=incident.entity_type,
        record_id=incident.record_id,
        event_key=incident.event_key,
        new=view,
        old=old,
        event={"kind": "retry"},
        ignore_depth=True,
        payload=payload,
    )


def _resolve(incident: RuleIncident, actor: Any, note: str) -> None:
    RuleIncident.objects.filter(pk=incident.pk).update(
        state=IncidentState.RESOLVED,
        resolved_at=clock.now(),
        resolved_by=actor if getattr(actor, "pk", None) else None,
        message=f"{incident.message}\n— {note}"[:10000],
    )
    incident.refresh_from_db()
