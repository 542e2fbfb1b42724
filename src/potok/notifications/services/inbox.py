"""A person's own side: reading notifications and choosing how to get them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.audit.services import audit_record
from potok.core import clock, context
from potok.core.errors import ValidationFailed
from potok.notifications import kinds
from potok.notifications.models import EmailMode, Notification, NotificationPreference
from potok.notifications.selectors import notifications_of


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (the row keeps when)."""
    if notification.recipient_id != actor.pk:
        raise ValidationFailed({"notification": _("This is somebody else's notification.")})
    if notification.read_at is None:
        notification.read_at = clock.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notification_mark_unread(*, actor: Any, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise ValidationFailed({"notification": _("This is somebody else's notification.")})
    notification.read_at = None
    Notification.objects.filter(pk=notification.pk).update(read_at=None)
    return notification


def notifications_mark_all_read(*, actor: Any) -> int:
    return notifications_of(actor, unread_only=True).update(read_at=clock.now())


@transaction.atomic
def notification_preference_set(
    *, actor: Any, user: Any, kind: str, in_app: bool, email: bool, email_mode: str = EmailMode.IMMEDIATE
) -> NotificationPreference:
    """How `user` gets notifications of `kind`: under the bell, by email, at once or in a digest."""
    errors = {}
    if not kinds.is_known(kind) or not kinds.get(kind).for_people:
        errors["kind"] = _("Unknown kind of notification %(kind)s.") % {"kind": kind}
    if email_mode not in EmailMode.values:
        errors["email_mode"] = _("Choose at once, hourly or daily.")
    if errors:
        raise ValidationFailed(errors)
    existing = NotificationPreference.objects.filter(user=user, kind=kind).first()
    old = (existing.in_app, existing.email, existing.email_mode) if existing else None
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"in_app": in_app, "email": email, "email_mode": email_mode}
    )
    new = (in_app, email, email_mode)
    if old != new:
        audit_record(
            actor=actor,
            entity_type="user",
            record_id=user.pk,
            action="notification_preference_changed",
            changes={kind: (" ".join(map(str, old)) if old else None, " ".join(map(str, new)))},
            origin=context.current().origin,
        )
    return preference
