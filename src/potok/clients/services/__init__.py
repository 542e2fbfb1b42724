"""The writers of the client base; adapters import them from here."""

from potok.clients.services.contacts import (
    contact_create,
    contact_delete,
    contact_update,
    contacts_create_many,
)
from potok.clients.services.counterparties import (
    counterparties_create_many,
    counterparty_create,
    counterparty_delete,
    counterparty_update,
)
from potok.clients.services.interactions import (
    interaction_create,
    interaction_delete,
    interaction_update,
    interactions_create_many,
)
from potok.clients.services.merge import counterparty_merge

__all__ = [
    "contact_create",
    "contact_delete",
    "contact_update",
    "contacts_create_many",
    "counterparties_create_many",
    "counterparty_create",
    "counterparty_delete",
    "counterparty_merge",
    "counterparty_update",
    "interaction_create",
    "interaction_delete",
    "interaction_update",
    "interactions_create_many",
]
