"""Changing access rules and task-granted access."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from potok.access import registry
from potok.access.models import AccessRule, Action, RecordGrant, Scope
from potok.audit.services import audit_record
from potok.core.errors import ValidationFailed


@transaction.atomic
def access_rule_set(
    *, actor: Any, role: Any, entity_type: str, action: str, scope: str | None
) -> AccessRule | None:
    """Give `role` the right to `action` on `entity_type` within `scope`; scope None takes the right away."""
    errors = {}
    try:
        registry.get(entity_type)
    except KeyError:
        errors["entity_type"] = f"Unknown entity type {entity_type!r}."
    if action not in Action.values:
        errors["action"] = f"Unknown action {action!r}; use one of {', '.join(Action.values)}."
    if scope is not None and scope not in Scope.values:
        errors["scope"] = f"Unknown scope {scope!r}; use one of {', '.join(Scope.values)}."
    if errors:
        raise ValidationFailed(errors)
    existing = AccessRule.objects.filter(role=role, entity_type=entity_type, action=action).first()
    old_scope = existing.scope if existing else None
    if scope is None:
        if existing:
            existing.delete()
        rule = None
    elif existing:
        existing.scope = scope
        existing.save(update_fields=["scope"])
        rule = existing
    else:
        rule = AccessRule.objects.create(role=role, entity_type=entity_type, action=action, scope=scope)
    if old_scope != scope:
        audit_record(
            actor=actor,
            entity_type="role",
            record_id=role.pk,
            action="access_changed",
            changes={f"{entity_type}.{action}": (old_scope, scope)},
        )
    return rule


def record_grant_give(*, user: Any, entity_type: str, record_id: Any, source: str, source_id: Any) -> None:
    RecordGrant.objects.get_or_create(
        user=user, entity_type=entity_type, record_id=int(record_id), source=source, source_id=str(source_id)
    )


def record_grant_revoke(*, source: str, source_id: Any, user: Any | None = None) -> int:
    grants = RecordGrant.objects.filter(source=source, source_id=str(source_id))
    if user is not None:
        grants = grants.filter(user=user)
    deleted, _ = grants.delete()
    return deleted
