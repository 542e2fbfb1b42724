"""The writers of automation, one module per use case, re-exported here."""

from potok.automation.services.rules import (
    rule_create,
    rule_delete,
    rule_rotate_webhook_secret,
    rule_set_enabled,
    rule_update,
)

__all__ = ["rule_create", "rule_delete", "rule_rotate_webhook_secret", "rule_set_enabled", "rule_update"]
