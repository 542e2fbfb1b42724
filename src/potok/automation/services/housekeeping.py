"""Keeping automation tidy: rules checked against their record types, old evaluations pruned.

Both run as the worker's periodic work. The check looks again only when a record type's fields or
statuses changed (a cheap fingerprint per run), so ten thousand rules cost nothing while nothing changes.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max

from potok.automation.models import RuleEvaluation, StartRule
from potok.core import clock

PRUNE_CHUNK = 5000
_last_fingerprint: tuple[object, ...] | None = None


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


def _fingerprint() -> tuple[object, ...]:
    from potok.documents.models import DocumentStatus, FieldDefinition

    fields = FieldDefinition.objects.aggregate(count=Count("id"), changed=Max("updated_at"))
    statuses = DocumentStatus.objects.aggregate(count=Count("id"), last=Max("id"))
    rules = StartRule.objects.filter(enabled=True).aggregate(count=Count("id"), changed=Max("updated_at"))
    return (
        fields["count"],
        fields["changed"],
        statuses["count"],
        statuses["last"],
        rules["count"],
        rules["changed"],
    )


def rules_check(*, force: bool = False) -> int:
    """Flag enabled rules whose record type no longer fits them; returns how many need attention."""
    from potok.automation.services.rules import rule_check_schema

    global _last_fingerprint
    fingerprint = _fingerprint()
    if not force and fingerprint == _last_fingerprint:
        return 0
    flagged = 0
    for rule in StartRule.objects.filter(enabled=True).iterator(chunk_size=500):
        if rule_check_schema(rule=rule):
            flagged += 1
    _last_fingerprint = fingerprint
    return flagged


def rules_check_periodically() -> int:
    rules_check()
    return 0  # checking is not "work done": the worker may sleep after it
