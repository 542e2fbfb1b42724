"""Writing start rules: every save checked first, then written with a new immutable version, an audit
row and a bump of the rules' generation (so every worker reloads its compiled rules).

Checks name the field (and, inside a condition, the clause): a field the record type does not have, an
operator that does not fit the field's type, an expression that does not parse (with its position), a
process that is not published, a variable the process does not declare, a schedule that does not parse,
and a loop of enabled rules (shown rule by rule).

Example:
    >>> rule = rule_create(actor=admin, data={
    ...     "name": "VIP complaints", "entity_type": "document.complaint", "event": "created",
    ...     "condition": {"field": "client.segment", "op": "eq", "value": "VIP"},
    ...     "process_key": "complaint_review_vip", "priority": 10, "stop_after_match": True,
    ...     "enabled": True})
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from potok.audit.services import audit_record
from potok.automation.conditions import check_condition
from potok.automation.cron import CronError, parse_cron, zone_of
from potok.automation.effects import RuleNode, describe_cycle, find_cycle, process_effects
from potok.automation.mapping import check_mapping, declared_variables
from potok.automation.models import RuleEvent, RuleTimer, RuleVersion, StartRule, TimerKind, TriggerMode
from potok.automation.ruleset import DOMAIN_KINDS, bump_generation
from potok.automation.schema import TASK_ENTITY, EntitySchema, checked_schema
from potok.automation.timing import UNITS
from potok.core import clock
from potok.core.context import current
from potok.core.errors import ValidationFailed
from potok.core.events import emit_domain_event

ENTITY = "start_rule"
EDITABLE = (
    "name",
    "description",
    "entity_type",
    "event",
    "options",
    "condition",
    "trigger_mode",
    "debounce_seconds",
    "process_key",
    "process_version",
    "variable_mapping",
    "priority",
    "stop_after_match",
)
RECORD_EVENTS = frozenset(
    {
        RuleEvent.CREATED,
        RuleEvent.UPDATED,
        RuleEvent.FIELD_CHANGED,
        RuleEvent.STATUS_CHANGED,
        RuleEvent.DELETED,
        RuleEvent.LINKED,
        RuleEvent.UNLINKED,
        RuleEvent.TIME,
    }
)
CHANGE_EVENTS = frozenset(
    {RuleEvent.CREATED, RuleEvent.UPDATED, RuleEvent.FIELD_CHANGED, RuleEvent.STATUS_CHANGED}
)
MAX_DEBOUNCE = 7 * 24 * 3600


# -- checks -----------------------------------------------------------------------------------------------


def published_process(key: str, version: int | None) -> Any:
    """The engine's model of the process a rule starts (None when there is no such published version)."""
    from potok.processes.definitions import DatabaseDefinitions

    return DatabaseDefinitions().get(key, f"{key}:{version}" if version else None)


def check_rule(data: Mapping[str, Any], *, current: StartRule | None = None) -> dict[str, Any]:
    """The rule's editable values, cleaned; ValidationFailed naming each bad one."""
    values = {name: getattr(current, name) for name in EDITABLE} if current is not None else {}
    values.update({name: data[name] for name in EDITABLE if name in data})
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    name = str(values.get("name") or "").strip()
    if not name:
        fail("name", "Name the rule.")
    elif len(name) > 200:
        fail("name", "At most 200 characters.")
    event = str(values.get("event") or "")
    if event not in RuleEvent.values:
        fail("event", f"Choose one of: {', '.join(RuleEvent.values)}.")
        raise ValidationFailed(errors)
    entity_type = str(values.get("entity_type") or "").strip()
    if event in (RuleEvent.TASK_COMPLETED, RuleEvent.TASK_OVERDUE):
        entity_type = TASK_ENTITY
    schema: EntitySchema | None = None
    if event in RECORD_EVENTS or entity_type:
        if not entity_type:
            fail("entity_type", "Choose the record type the rule is about.")
        else:
            try:
                schema = checked_schema(entity_type)
            except ValidationFailed as error:
                errors.update(error.errors)
    if event == RuleEvent.WEBHOOK and entity_type:
        fail("entity_type", "A webhook rule is about the request's body, not a record type; leave it empty.")
    options = _check_options(event, values.get("options") or {}, schema, fail)
    condition = values.get("condition") or {}
    try:
        check_condition(condition, schema if event != RuleEvent.WEBHOOK else None)
    except ValidationFailed as error:
        for field, messages in error.errors.items():
            errors.setdefault(field, []).extend(messages)
    mode = str(values.get("trigger_mode") or TriggerMode.EVERY_TIME)
    if mode not in TriggerMode.values:
        fail("trigger_mode", f"Choose one of: {', '.join(TriggerMode.values)}.")
    elif mode != TriggerMode.EVERY_TIME and event not in CHANGE_EVENTS:
        fail(
            "trigger_mode",
            "Only rules on a creation or a change can start on becoming true or after a series of saves.",
        )
    debounce = _int(values.get("debounce_seconds", 60), "debounce_seconds", fail)
    if debounce is not None and not 1 <= debounce <= MAX_DEBOUNCE:
        fail("debounce_seconds", f"From 1 second to {MAX_DEBOUNCE} seconds (a week).")
    process_key = str(values.get("process_key") or "").strip()
    process_version = values.get("process_version")
    if process_version in ("", None):
        process_version = None
    else:
        process_version = _int(process_version, "process_version", fail)
    process = None
    if not process_key:
        fail("process_key", "Choose the process to start.")
    else:
        process = published_process(process_key, process_version)
        if process is None:
            if process_version:
                fail(
                    "process_version",
                    f"The process {process_key!r} has no published version {process_version}.",
                )
            else:
                fail("process_key", f"There is no published process {process_key!r}.")
    mapping: list[dict[str, str]] = []
    try:
        mapping, _compiled = check_mapping(
            values.get("variable_mapping") or [],
            schema if event != RuleEvent.WEBHOOK else None,
            declared=declared_variables(process),
        )
    except ValidationFailed as error:
        errors.update(error.errors)
    priority = _int(values.get("priority", 0), "priority", fail)
    if errors:
        raise ValidationFailed(errors)
    return {
        "name": name,
        "description": str(values.get("description") or ""),
        "entity_type": entity_type,
        "event": event,
        "options": options,
        "condition": condition,
        "trigger_mode": mode,
        "debounce_seconds": debounce or 60,
        "process_key": process_key,
        "process_version": process_version,
        "variable_mapping": mapping,
        "priority": priority or 0,
        "stop_after_match": bool(values.get("stop_after_match")),
    }


def _int(value: Any, field: str, fail: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        fail(field, "Enter a whole number.")
        return None


def _check_options(event: str, raw: Any, schema: EntitySchema | None, fail: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        fail("options", "The event settings must be an object.")
        return {}
    options: dict[str, Any] = {}

    def known(name: str, field: str) -> None:
        if schema is not None and schema.field(name) is None:
            fail(field, f"«{schema.label}» has no field {name!r}.")

    if event == RuleEvent.UPDATED:
        fields = raw.get("fields") or []
        if isinstance(fields, str):
            fields = [item.strip() for item in fields.split(",") if item.strip()]
        for name in fields:
            known(str(name), "options.fields")
        options["fields"] = [str(name) for name in fields]
    elif event in (RuleEvent.FIELD_CHANGED, RuleEvent.STATUS_CHANGED):
        field = str(raw.get("field") or "").strip()
        if event == RuleEvent.STATUS_CHANGED and not field:
            field = (schema.status_field if schema else "") or ""
            if not field:
                fail("options.field", "This record type has no status; use “field changed” instead.")
        if not field and event == RuleEvent.FIELD_CHANGED:
            fail("options.field", "Choose the field.")
        elif field:
            known(field, "options.field")
            options["field"] = field
        for key in ("from", "to"):
            wanted = raw.get(key)
            if wanted in (None, "", []):
                continue
            options[key] = wanted if isinstance(wanted, list) else [wanted]
    elif event in (RuleEvent.LINKED, RuleEvent.UNLINKED):
        related = str(raw.get("related_entity_type") or "").strip()
        if related:
            options["related_entity_type"] = related
    elif event in (RuleEvent.TASK_COMPLETED, RuleEvent.TASK_OVERDUE):
        for key in ("process_key", "node_id"):
            if raw.get(key):
                options[key] = str(raw[key]).strip()
    elif event == RuleEvent.TIME:
        date_field = str(raw.get("date_field") or "created").strip()
        if date_field == "created":
            if schema is not None and not schema.created_column:
                fail(
                    "options.date_field",
                    f"«{schema.label}» does not keep when records are created; choose a date field.",
                )
        elif schema is not None:
            spec = schema.field(date_field)
            if spec is None:
                fail("options.date_field", f"«{schema.label}» has no field {date_field!r}.")
            elif spec.type not in ("date", "datetime"):
                fail("options.date_field", f"{date_field!r} is not a date.")
        options["date_field"] = date_field
        amount = _int(raw.get("amount", 0), "options.amount", fail)
        if amount is not None and not 0 <= amount <= 100000:
            fail("options.amount", "From 0 to 100 000.")
        options["amount"] = amount or 0
        unit = str(raw.get("unit") or "days")
        if unit not in UNITS:
            fail("options.unit", f"Choose one of: {', '.join(UNITS)}.")
        options["unit"] = unit
        direction = str(raw.get("direction") or "after")
        if direction not in ("after", "before"):
            fail("options.direction", "Choose after or before.")
        options["direction"] = direction
    elif event == RuleEvent.SCHEDULE:
        cron = str(raw.get("cron") or "").strip()
        zone = str(raw.get("time_zone") or "").strip() or _company_zone()
        try:
            parse_cron(cron)
        except CronError as error:
            fail("options.cron", str(error))
        try:
            zone_of(zone)
        except CronError as error:
            fail("options.time_zone", str(error))
        options.update({"cron": cron, "time_zone": zone})
    return options


def _company_zone() -> str:
    from django.conf import settings

    return str(settings.TIME_ZONE)


# -- loops ------------------------------------------------------------------------------------------------


def _node(rule: StartRule | Mapping[str, Any], processes: dict[tuple[str, int | None], Any]) -> RuleNode:
    get = rule.get if isinstance(rule, Mapping) else lambda name, default=None: getattr(rule, name, default)
    key, version = str(get("process_key")), get("process_version")
    if (key, version) not in processes:
        processes[(key, version)] = published_process(key, version)
    process = processes[(key, version)]
    entity_type = str(get("entity_type") or "")
    kinds = DOMAIN_KINDS.get(str(get("event")), frozenset())
    if get("event") == RuleEvent.TIME:
        kinds = frozenset()  # a time rule starts from its timer, not from a change
    effects = frozenset(process_effects(process, entity_type)) if process is not None else frozenset()
    return RuleNode(getattr(rule, "pk", None), str(get("name")), entity_type, kinds, effects)


def check_no_cycle(values: Mapping[str, Any], rule: StartRule | None) -> None:
    """Refuse a rule that closes a loop of enabled rules (see potok.automation.effects)."""
    processes: dict[tuple[str, int | None], Any] = {}
    others = StartRule.objects.filter(enabled=True)
    if rule is not None and rule.pk:
        others = others.exclude(pk=rule.pk)
    candidate = _node({**values, "pk": getattr(rule, "pk", None)}, processes)
    nodes = [_node(other, processes) for other in others] + [candidate]
    cycle = find_cycle(nodes, candidate)
    if cycle:
        raise ValidationFailed(
            {
                "process_key": (
                    "These enabled rules could start each other's processes in a loop: "
                    f"{describe_cycle(cycle)}. Change a condition or a process, or disable one of them."
                )
            }
        )


# -- writes -----------------------------------------------------------------------------------------------


def _definition(rule: StartRule) -> dict[str, Any]:
    definition = {name: getattr(rule, name) for name in EDITABLE}
    definition["enabled"] = rule.enabled
    return definition


def _record(
    actor: Any, rule: StartRule, action: str, kind: str, changes: Mapping[str, tuple[Any, Any]]
) -> None:
    """One audit row and one domain event per change, like every other writer of Potok."""
    audit_record(
        actor=actor,
        entity_type=ENTITY,
        record_id=rule.pk,
        action=action,
        changes=changes,
        origin=current().origin,
    )
    emit_domain_event(
        entity_type=ENTITY,
        record_id=rule.pk,
        kind=kind,
        changes=changes,
        snapshot=_definition(rule),
        actor=actor,
    )


def _new_version(actor: Any, rule: StartRule, comment: str = "") -> RuleVersion:
    rule.version += 1
    rule.updated_at = clock.now()
    rule.save(update_fields=["version", "updated_at"])
    return RuleVersion.objects.create(
        rule=rule,
        number=rule.version,
        definition=_definition(rule),
        comment=comment[:300],
        created_at=clock.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _after_change(rule: StartRule, *, timing_changed: bool) -> None:
    """Keep the rule's timers in step with it (in the same transaction)."""
    from potok.automation import tasks, timers

    bump_generation()
    if not rule.enabled:
        RuleTimer.objects.filter(rule=rule).delete()
        return
    if rule.event == RuleEvent.SCHEDULE:
        timers.schedule_next_tick(rule.pk)
    else:
        RuleTimer.objects.filter(rule=rule, kind=TimerKind.SCHEDULE).delete()
    if rule.event != RuleEvent.TIME:
        RuleTimer.objects.filter(rule=rule, kind=TimerKind.TIME).delete()
    elif timing_changed:
        RuleTimer.objects.filter(rule=rule, kind=TimerKind.TIME).delete()
        tasks.schedule_rule_timers.enqueue(rule.pk)
    if rule.trigger_mode != TriggerMode.DEBOUNCE:
        RuleTimer.objects.filter(rule=rule, kind=TimerKind.DEBOUNCE).delete()


@transaction.atomic
def rule_create(*, actor: Any, data: Mapping[str, Any]) -> StartRule:
    values = check_rule(data)
    enabled = bool(data.get("enabled"))
    if enabled:
        check_no_cycle(values, None)
    now = clock.now()
    rule = StartRule.objects.create(
        **values,
        enabled=enabled,
        enabled_since=now if enabled else None,
        webhook_secret=secrets.token_urlsafe(32) if values["event"] == RuleEvent.WEBHOOK else "",
        created_at=now,
        updated_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _new_version(actor, rule, str(data.get("comment") or ""))
    _record(
        actor,
        rule,
        "created",
        "created",
        {name: (None, value) for name, value in _definition(rule).items() if value not in (None, "", [], {})},
    )
    _after_change(rule, timing_changed=True)
    return rule


@transaction.atomic
def rule_update(*, actor: Any, rule: StartRule, data: Mapping[str, Any], comment: str = "") -> StartRule:
    """Change a rule: a new version; evaluations already made keep pointing at the old one."""
    locked = StartRule.objects.select_for_update().get(pk=rule.pk)
    values = check_rule(data, current=locked)
    enabled = bool(data["enabled"]) if "enabled" in data else locked.enabled
    if enabled:
        check_no_cycle(values, locked)
    before = _definition(locked)
    for name, value in values.items():
        setattr(locked, name, value)
    if enabled and not locked.enabled:
        locked.enabled_since = clock.now()
    locked.enabled = enabled
    if locked.event == RuleEvent.WEBHOOK and not locked.webhook_secret:
        locked.webhook_secret = secrets.token_urlsafe(32)
    after = _definition(locked)
    changes = {name: (before[name], after[name]) for name in after if before[name] != after[name]}
    if not changes:
        return locked
    locked.needs_attention = False
    locked.attention_reason = ""
    locked.save()
    _new_version(actor, locked, comment)
    _record(actor, locked, "changed", "updated", changes)
    timing = {"event", "options", "entity_type", "enabled"}
    _after_change(locked, timing_changed=bool(timing & set(changes)))
    return locked


@transaction.atomic
def rule_set_enabled(*, actor: Any, rule: StartRule, enabled: bool) -> StartRule:
    """Enable (checked again, and only for changes from now on) or disable a rule."""
    locked = StartRule.objects.select_for_update().get(pk=rule.pk)
    if locked.enabled == enabled:
        return locked
    if enabled:
        values = check_rule({}, current=locked)
        check_no_cycle(values, locked)
        locked.enabled_since = clock.now()
        locked.needs_attention = False
        locked.attention_reason = ""
    locked.enabled = enabled
    locked.save(update_fields=["enabled", "enabled_since", "needs_attention", "attention_reason"])
    _new_version(actor, locked, "enabled" if enabled else "disabled")
    _record(
        actor, locked, "enabled" if enabled else "disabled", "updated", {"enabled": (not enabled, enabled)}
    )
    _after_change(locked, timing_changed=True)
    return locked


@transaction.atomic
def rule_delete(*, actor: Any, rule: StartRule) -> None:
    """Delete a rule with its history of evaluations (the processes it started keep running)."""
    _record(
        actor,
        rule,
        "deleted",
        "deleted",
        {name: (value, None) for name, value in _definition(rule).items() if value not in (None, "", [], {})},
    )
    StartRule.objects.filter(pk=rule.pk).delete()
    bump_generation()


@transaction.atomic
def rule_rotate_webhook_secret(*, actor: Any, rule: StartRule) -> StartRule:
    if rule.event != RuleEvent.WEBHOOK:
        raise ValidationFailed({"event": "Only webhook rules have a secret."})
    rule.webhook_secret = secrets.token_urlsafe(32)
    rule.save(update_fields=["webhook_secret"])
    audit_record(actor=actor, entity_type=ENTITY, record_id=rule.pk, action="webhook_secret_rotated")
    return rule


def rule_check_schema(*, rule: StartRule) -> str | None:
    """Flag (or clear) a rule whose record type changed under it; returns what is wrong."""
    try:
        check_rule({}, current=rule)
    except ValidationFailed as error:
        problem = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.errors.items())
        StartRule.objects.filter(pk=rule.pk).update(needs_attention=True, attention_reason=problem[:2000])
        return problem
    if rule.needs_attention:
        StartRule.objects.filter(pk=rule.pk).update(needs_attention=False, attention_reason="")
    return None
