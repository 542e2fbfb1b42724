"""The client base's entity types for access rules and start rules.

Deleted (and merged) records are left out of every access-checked queryset by `base_filter`; contacts and
interactions are scoped through their counterparty's responsible manager and department."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from potok.access import registry


def register() -> None:
    from potok.clients.models import Contact, Counterparty, Interaction

    registry.register(
        registry.EntityType(
            code="counterparty",
            label=_("Counterparties"),
            model=Counterparty,
            owner_fields=("responsible",),
            department_field="department",
            base_filter=lambda: Q(deleted_at__isnull=True),
        )
    )
    registry.register(
        registry.EntityType(
            code="contact",
            label=_("Contacts"),
            model=Contact,
            owner_fields=("counterparty__responsible",),
            department_field="counterparty__department",
            base_filter=lambda: Q(deleted_at__isnull=True, counterparty__deleted_at__isnull=True),
        )
    )
    registry.register(
        registry.EntityType(
            code="interaction",
            label=_("Interactions"),
            model=Interaction,
            # The author of a call or note owns it as much as the client's responsible manager does.
            owner_fields=("counterparty__responsible", "author"),
            department_field="counterparty__department",
            base_filter=lambda: Q(deleted_at__isnull=True),
        )
    )
