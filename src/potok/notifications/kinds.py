"""The kinds of notifications, an extensible registry: each app registers the kinds it sends from its
`AppConfig.ready()`; people choose per kind how they get them, webhook endpoints choose kinds to receive.

Example:
    >>> register(NotificationKind("deal.won", _("A deal of mine is won"), email_mode=EmailMode.DAILY))
    >>> notify(recipients=[manager], kind="deal.won", title=..., link=...)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from potok.notifications.models import EmailMode


@dataclass(frozen=True)
class NotificationKind:
    code: str
    label: Any
    description: Any = ""
    # The defaults for a person who has not chosen otherwise.
    in_app: bool = True
    email: bool = True
    email_mode: str = EmailMode.IMMEDIATE
    # People get it (False: an event for webhooks only, e.g. "counterparty.created").
    for_people: bool = True
    # Webhook endpoints may subscribe to it.
    for_webhooks: bool = True


_kinds: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    _kinds[kind.code] = kind
    return kind


def get(code: str) -> NotificationKind:
    return _kinds[code]


def is_known(code: str) -> bool:
    return code in _kinds


def all_kinds() -> list[NotificationKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.code)


def for_people() -> list[NotificationKind]:
    return [kind for kind in all_kinds() if kind.for_people]


def for_webhooks() -> list[NotificationKind]:
    return [kind for kind in all_kinds() if kind.for_webhooks]


TASK_ASSIGNED = "task.assigned"
TASK_OVERDUE = "task.overdue"
TASK_ESCALATED = "task.escalated"
MENTION = "mention"
PROCESS_INCIDENT = "process.incident"
DELIVERY_FAILED = "delivery.dead"
TEST_EVENT = "webhook.test"


def register_builtin() -> None:
    register(
        NotificationKind(
            TASK_ASSIGNED,
            _("A task is assigned to me"),
            _("A new task in my inbox, or one redirected to me."),
        )
    )
    register(
        NotificationKind(TASK_OVERDUE, _("My task is overdue"), _("The deadline of my task has passed."))
    )
    register(
        NotificationKind(
            TASK_ESCALATED,
            _("Escalation"),
            _("A task of someone I am responsible for is overdue and was escalated to me."),
        )
    )
    register(NotificationKind(MENTION, _("Mention"), _("Someone mentioned me in a comment.")))
    register(
        NotificationKind(
            PROCESS_INCIDENT,
            _("Process incident"),
            _("A start rule or a process step failed and waits for an administrator."),
        )
    )
    register(
        NotificationKind(
            DELIVERY_FAILED,
            _("Undelivered email or webhook"),
            _("An email or a webhook call failed after every retry and is in the dead-letter list."),
            email=False,
            for_webhooks=False,
        )
    )
    register(
        NotificationKind(
            TEST_EVENT,
            _("Test event"),
            _("Sent from the webhook page to check an endpoint."),
            for_people=False,
        )
    )
