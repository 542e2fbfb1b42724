"""Writes of notifications. Other apps call `notify` (people, and the webhooks subscribed to the kind) and
`webhook_publish` (webhooks only)."""

from potok.notifications.services.notify import notify, webhook_publish

__all__ = ["notify", "webhook_publish"]
