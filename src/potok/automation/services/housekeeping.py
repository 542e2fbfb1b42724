"""Keeping automation tidy: rules checked against their record types, old evaluations pruned.

Both run as the worker's periodic work. The check looks again only when a record type's fields or
statuses changed, or a rule did (cheap fingerprints per run), so ten thousand rules cost nothing while
nothing changes, and an edited rule costs the check of that rule alone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q

from potok.automation.models import RuleEvaluation, StartRule
from potok.core import clock

PRUNE_CHUNK = 5000
# What the periodic check saw last: the record types' fingerprint, and the enabled rules' (count, newest
# change, newest id).
_last_schema: tuple[object, ...] | None = None
_last_rules: tuple[Any, Any, Any] | None = None


def retention() -> timedelta:
    return timedelta(days=int(getattr(settings, "POTOK_EVALUATION_RETENTION_DAYS", 90)))


def evaluations_prune(*, limit: int = PRUNE_CHUNK) -> int:
    """Delete evaluations older than the retention (POTOK_EVALUATION_RETENTION_DAYS, 90 by default; 0 keeps
    them forever, like every retention setting)."""
    if retention() <= timedelta(0):
        return 0
    cutoff = clock.now() - retention()
    ids = list(
        RuleEvaluation.objects.filter(evaluated_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    if not ids:
        return 0
    RuleEvaluation.objects.filter(pk__in=ids).delete()
    return len(ids)


def evaluations_prune_periodically() -> int:
    return evaluations_prune()


def _schema_fingerprint() -> tuple[object, ...]:
    from potok.documents.models import DocumentStatus, FieldDefinition

    fields = FieldDefinition.objects.aggregate(count=Count("id"), changed=Max("updated_at"))
    statuses = DocumentStatus.objects.aggregate(count=Count("id"), last=Max("id"))
    return (fields["count"], fields["changed"], statuses["count"], statuses["last"])


def _rules_fingerprint() -> tuple[Any, Any, Any]:
    rules = StartRule.objects.filter(enabled=True).aggregate(
        count=Count("id"), changed=Max("updated_at"), newest=Max("id")
    )
    return (rules["count"], rules["changed"], rules["newest"])


def rules_check(*, force: bool = False) -> int:
    """Flag enabled rules whose record type no longer fits them; returns how many of the rules it looked at
    need attention. After a change of the record types' fields or statuses every enabled rule is checked;
    after a change of rules alone, only the rules changed or added since the last look (each was checked
    when it was saved, so ten thousand rules are not checked again because one was edited)."""
    from potok.automation.services.rules import rule_check_schema

    global _last_schema, _last_rules
    schema, rules = _schema_fingerprint(), _rules_fingerprint()
    if not force and schema == _last_schema and rules == _last_rules:
        return 0
    candidates = StartRule.objects.filter(enabled=True)
    if not force and schema == _last_schema and _last_rules is not None:
        _count, changed, newest = _last_rules
        since = Q(id__gt=newest or 0)
        if changed is not None:
            since |= Q(updated_at__gte=changed)
        candidates = candidates.filter(since)
    flagged = 0
    for rule in candidates.iterator(chunk_size=500):
        if rule_check_schema(rule=rule):
            flagged += 1
    _last_schema, _last_rules = schema, rules
    return flagged


def rules_check_periodically() -> int:
    rules_check()
    return 0  # checking is not "work done": the worker may sleep after it
