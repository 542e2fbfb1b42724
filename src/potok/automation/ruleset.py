"""The enabled rules, compiled once and indexed by (record type, event kind), kept per worker process.

The dispatcher asks for the rules of one event's (type, kind) only, so the cost of an event does not
grow with rules on other types. The cache is checked against `RulesState.generation` (one row, bumped by
every rule change in the same transaction) once per batch. A change does not compile every rule again:
one query reads each enabled rule's stamp (its current version row, `updated_at`, `enabled_since` and
priority), and only the rules whose stamp differs from the cached one are read in full and compiled; the
others keep their compiled form. Every change made by the services gives the rule a new version row, so
its stamp changes; a change written around them must change one of the stamp's columns too (or call
`forget_cache`). A compiled rule depends on the rule's own columns only, not on its record type's schema
(that is read per evaluation, and the housekeeping flags rules a changed type no longer fits).

Example:
    >>> rules = current_rules()
    >>> [rule.name for rule in rules.for_event("document.complaint", "created")]
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from potok.automation.conditions import CompiledCondition
from potok.automation.mapping import CompiledMapping, compile_mapping
from potok.automation.models import RuleEvent, RulesState, RuleVersion, StartRule, TriggerMode
from potok.automation.records import typed_value
from potok.automation.schema import EntitySchema
from potok.engine.expressions import ExpressionError

# Which outbox kinds each rule event listens to (time rules keep their timers up to date from them).
DOMAIN_KINDS: dict[str, frozenset[str]] = {
    RuleEvent.CREATED: frozenset({"created"}),
    RuleEvent.UPDATED: frozenset({"updated"}),
    RuleEvent.FIELD_CHANGED: frozenset({"updated"}),
    RuleEvent.STATUS_CHANGED: frozenset({"updated"}),
    RuleEvent.DELETED: frozenset({"deleted"}),
    RuleEvent.LINKED: frozenset({"linked"}),
    RuleEvent.UNLINKED: frozenset({"unlinked"}),
    RuleEvent.TASK_COMPLETED: frozenset({"updated"}),
    RuleEvent.TASK_OVERDUE: frozenset({"updated"}),
    RuleEvent.TIME: frozenset({"created", "updated", "deleted"}),
    RuleEvent.SCHEDULE: frozenset(),
    RuleEvent.WEBHOOK: frozenset(),
}


@dataclass
class CompiledRule:
    id: int
    version_id: int
    version: int
    name: str
    entity_type: str
    event: str
    options: Mapping[str, Any]
    trigger_mode: str
    debounce_seconds: int
    process_key: str
    process_version: int | None
    priority: int
    stop_after_match: bool
    enabled_since: datetime | None
    condition: CompiledCondition
    mapping: CompiledMapping
    mapping_sources: tuple[str, ...] = ()
    # Set when the saved rule no longer compiles (it then raises incidents instead of starting).
    problem: str | None = None

    @property
    def version_key(self) -> str | None:
        return f"{self.process_key}:{self.process_version}" if self.process_version else None

    @property
    def kinds(self) -> frozenset[str]:
        return DOMAIN_KINDS.get(self.event, frozenset())

    def hears(self, event: Any, schema: EntitySchema | None) -> bool:
        """Does this outbox event concern the rule at all (before its condition is looked at)?"""
        changes: Mapping[str, Any] = event.changes or {}
        options = self.options
        if self.event in (RuleEvent.CREATED, RuleEvent.DELETED):
            return True
        if self.event == RuleEvent.UPDATED:
            fields = options.get("fields") or []
            return bool(changes) and (
                not fields or any(change_key(schema, name) in changes for name in fields)
            )
        if self.event in (RuleEvent.FIELD_CHANGED, RuleEvent.STATUS_CHANGED):
            name = options.get("field") or (schema.status_field if schema else None) or "status"
            key = change_key(schema, name)
            if key not in changes:
                return False
            old, new = changes[key][0], changes[key][1]
            spec = schema.field(name) if schema else None
            return _among(spec, old, options.get("from")) and _among(spec, new, options.get("to"))
        if self.event in (RuleEvent.LINKED, RuleEvent.UNLINKED):
            related = options.get("related_entity_type") or ""
            return not related or related == event.related_entity_type
        if self.event in (RuleEvent.TASK_COMPLETED, RuleEvent.TASK_OVERDUE):
            # The tasks layer's shape (potok.tasks.events): snapshot "process" and "node".
            snapshot = event.snapshot or {}
            for option, key in (("process_key", "process"), ("node_id", "node")):
                wanted = options.get(option)
                if wanted and snapshot.get(key) != wanted:
                    return False
            if self.event == RuleEvent.TASK_COMPLETED:
                return "state" in changes and changes["state"][1] == "completed"
            return "overdue" in changes and changes["overdue"][1] is True
        return False

    def describe_event(self) -> str:
        return str(RuleEvent(self.event).label)

    @property
    def debounced(self) -> bool:
        return self.trigger_mode == TriggerMode.DEBOUNCE


def change_key(schema: EntitySchema | None, name: str) -> str:
    """The key an event's changes name field `name` by: a custom field of a counterparty, contact or deal
    changes as "custom_fields.<code>" (potok.core.recording); any other field by its code."""
    spec = schema.field(name) if schema else None
    if spec is not None and spec.json_column == "custom_fields" and spec.snapshot_key:
        return spec.snapshot_key
    return name


def _among(spec: Any, value: Any, wanted: Any) -> bool:
    if not wanted:
        return True
    options = wanted if isinstance(wanted, list) else [wanted]
    if spec is None:
        return str(value) in {str(option) for option in options}
    typed = typed_value(spec, value)
    return any(typed == typed_value(spec, option) for option in options)


def compile_rule(rule: StartRule, version_id: int) -> CompiledRule:
    problem = None
    try:
        condition = CompiledCondition.compile(rule.condition)
    except ExpressionError as error:
        condition, problem = CompiledCondition.compile(None), f"the condition does not compile: {error}"
    try:
        mapping = compile_mapping(rule.variable_mapping)
    except (ExpressionError, KeyError, TypeError) as error:
        mapping, problem = CompiledMapping(()), f"the variables do not compile: {error}"
    sources = tuple(
        str(item.get("source"))
        for item in rule.variable_mapping or ()
        if isinstance(item, dict) and item.get("source")
    )
    return CompiledRule(
        id=rule.pk,
        version_id=version_id,
        version=rule.version,
        name=rule.name,
        entity_type=rule.entity_type,
        event=rule.event,
        options=dict(rule.options or {}),
        trigger_mode=rule.trigger_mode,
        debounce_seconds=rule.debounce_seconds,
        process_key=rule.process_key,
        process_version=rule.process_version,
        priority=rule.priority,
        stop_after_match=rule.stop_after_match,
        enabled_since=rule.enabled_since,
        condition=condition,
        mapping=mapping,
        mapping_sources=sources,
        problem=problem,
    )


# What a rule is compiled from, as far as a reload needs to know (see `rule_stamps`).
Stamp = tuple[int, Any, Any, int]


@dataclass
class RuleSet:
    generation: str
    by_id: dict[int, CompiledRule] = field(default_factory=dict)
    index: dict[tuple[str, str], list[CompiledRule]] = field(default_factory=dict)
    # Each compiled rule's stamp: a reload keeps the rules whose stamp is still the same.
    stamps: dict[int, Stamp] = field(default_factory=dict)

    def for_event(self, entity_type: str, kind: str) -> list[CompiledRule]:
        return self.index.get((entity_type, kind), [])

    def get(self, rule_id: int) -> CompiledRule | None:
        return self.by_id.get(rule_id)


# Up to this many changed rules are read by id; more, and every enabled rule is read with one query.
CHUNK = 500


def rule_stamps() -> dict[int, Stamp]:
    """Each enabled rule with a current version: (version row id, updated_at, enabled_since, priority)."""
    rows = RuleVersion.objects.filter(rule__enabled=True, number=F("rule__version")).values_list(
        "rule_id", "pk", "rule__updated_at", "rule__enabled_since", "rule__priority"
    )
    return {
        rule_id: (version_id, updated, since, priority)
        for rule_id, version_id, updated, since, priority in rows
    }


def load_rules(generation: str, previous: RuleSet | None = None) -> RuleSet:
    """The enabled rules, compiling only those not in `previous` with the same stamp."""
    stamps = rule_stamps()
    kept: dict[int, CompiledRule] = {}
    if previous is not None:
        kept = {
            rule_id: compiled
            for rule_id, compiled in previous.by_id.items()
            if previous.stamps.get(rule_id) == stamps.get(rule_id)
        }
    changed = sorted(rule_id for rule_id in stamps if rule_id not in kept)
    result = RuleSet(generation)
    compiled_now: dict[int, CompiledRule] = {}
    enabled = StartRule.objects.filter(enabled=True)
    if len(changed) > CHUNK:  # the first load, or most rules changed: one query for all
        wanted = set(changed)
        parts = [rule for rule in enabled.iterator(chunk_size=2000) if rule.pk in wanted]
    else:
        parts = list(enabled.filter(pk__in=changed))
    for rule in parts:
        # A rule changed again since its stamp was read keeps that older stamp: its change bumped the
        # generation, so the next reload sees the difference and compiles it once more.
        compiled_now[rule.pk] = compile_rule(rule, stamps[rule.pk][0])
    for rule_id, compiled in sorted(
        {**kept, **compiled_now}.items(), key=lambda item: (-item[1].priority, item[0])
    ):
        result.by_id[rule_id] = compiled
        result.stamps[rule_id] = stamps[rule_id]
        for kind in compiled.kinds:
            result.index.setdefault((compiled.entity_type, kind), []).append(compiled)
    return result


_lock = threading.Lock()
_cached: RuleSet | None = None


def current_generation() -> str:
    # Plain SQL: it is asked in every save that writes domain events, and building the ORM query would
    # cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation, token FROM {RulesState._meta.db_table} WHERE id = 1")  # noqa: S608 (the model's own table)
        state = cursor.fetchone()
    return f"{state[0]}:{state[1]}" if state else "none"


def current_rules() -> RuleSet:
    """The enabled rules as of now: one cheap query when nothing changed, a reload when something did."""
    global _cached
    generation = current_generation()
    with _lock:
        cached = _cached
    if cached is not None and cached.generation == generation:
        return cached
    fresh = load_rules(generation, cached)
    with _lock:
        _cached = fresh
    return fresh


_listened: tuple[str, frozenset[tuple[str, str]]] | None = None


def listened_kinds() -> frozenset[tuple[str, str]]:
    """The (record type, outbox kind) pairs some enabled rule listens to, as of now: the generation read
    (one small query) and, only when it changed, one query over the enabled rules. No rule is compiled, so
    a web process's saves never wait for the rules to compile (a worker compiles them to dispatch)."""
    global _listened
    generation = current_generation()
    with _lock:
        listened = _listened
    if listened is not None and listened[0] == generation:
        return listened[1]
    pairs = frozenset(
        (entity_type, kind)
        for entity_type, event in StartRule.objects.filter(enabled=True)
        .values_list("entity_type", "event")
        .distinct()
        for kind in DOMAIN_KINDS.get(event, frozenset())
    )
    with _lock:
        _listened = (generation, pairs)
    return pairs


def bump_generation() -> None:
    """Called in the transaction of every rule change: every worker reloads its rules on its next batch."""
    token = uuid.uuid4().hex
    updated = RulesState.objects.filter(pk=1).update(generation=F("generation") + 1, token=token)
    if not updated:
        with transaction.atomic():
            state, _created = RulesState.objects.select_for_update().get_or_create(pk=1)
            state.generation += 1
            state.token = token
            state.save(update_fields=["generation", "token"])


def forget_cache() -> None:
    global _cached, _listened
    with _lock:
        _cached = None
        _listened = None
