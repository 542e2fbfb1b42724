"""The sales entity types for access rules and start rules.

Deleted deals and leads are left out of every access-checked queryset by `base_filter`."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from potok.access import registry


def register() -> None:
    from potok.clients.hooks import MERGE_HOOKS
    from potok.sales.merge import move_sales_to_survivor
    from potok.sales.models import Deal, Lead, Product

    registry.register(
        registry.EntityType(
            code="deal",
            label=_("Deals"),
            model=Deal,
            owner_fields=("responsible",),
            department_field="department",
            base_filter=lambda: Q(deleted_at__isnull=True),
        )
    )
    registry.register(
        registry.EntityType(
            code="lead",
            label=_("Leads"),
            model=Lead,
            owner_fields=("responsible",),
            department_field="department",
            base_filter=lambda: Q(deleted_at__isnull=True),
        )
    )
    registry.register(registry.EntityType(code="product", label=_("Products and services"), model=Product))
    if move_sales_to_survivor not in MERGE_HOOKS:
        MERGE_HOOKS.append(move_sales_to_survivor)
