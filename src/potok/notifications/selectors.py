"""Reads: a person's notifications and preferences, webhook endpoints, deliveries and the dead letters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from potok.accounts.models import User
from potok.core import memo
from potok.core.errors import NotFound
from potok.notifications import kinds
from potok.notifications.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)


def notifications_of(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(recipient_id=user.pk, in_app=True)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def unread_count(user: Any) -> int:
    return notifications_of(user, unread_only=True).count()


def notification_of(user: Any, notification_id: Any) -> Notification:
    """One of the user's own notifications; anybody else's is NotFound."""
    try:
        return notifications_of(user).get(pk=int(notification_id))
    except (Notification.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound(f"notification {notification_id}") from error


@dataclass(frozen=True)
class Preference:
    kind: kinds.NotificationKind
    in_app: bool
    email: bool
    email_mode: str
    chosen: bool  # False: the kind's defaults


def preference_for(kind: kinds.NotificationKind, row: NotificationPreference | None) -> Preference:
    if row is None:
        return Preference(kind, kind.in_app, kind.email, kind.email_mode, chosen=False)
    return Preference(kind, row.in_app, row.email, row.email_mode, chosen=True)


def preferences_of(user: Any) -> list[Preference]:
    rows = {row.kind: row for row in NotificationPreference.objects.filter(user_id=user.pk)}
    return [preference_for(kind, rows.get(kind.code)) for kind in kinds.for_people()]


def preferences_for_people(users: Iterable[Any], kind: kinds.NotificationKind) -> dict[int, Preference]:
    ids = [user.pk for user in users]

    def read() -> dict[int, Preference]:
        rows = {
            row.user_id: row for row in NotificationPreference.objects.filter(user_id__in=ids, kind=kind.code)
        }
        return {user_id: preference_for(kind, rows.get(user_id)) for user_id in ids}

    # A batch of process starts tells the same few people about hundreds of tasks: once per batch.
    return memo.once(f"notifications.preferences:{kind.code}:{','.join(map(str, ids))}", read)


def administrators() -> QuerySet[User]:
    return (
        User.objects.filter(
            Q(is_superuser=True) | Q(role_assignments__role__is_administrator=True), is_active=True
        )
        .distinct()
        .order_by("id")
    )


def administrator_list() -> list[User]:
    """`administrators()` as a list: their ids with one fixed statement, then the people, if any. Processes
    ask for it inside their steps (a task nobody can take, an incident), where building the ORM query with its
    join cost more than running it."""
    from django.db import connection

    from potok.accounts.models import Role, RoleAssignment

    users, assignments, roles = User._meta.db_table, RoleAssignment._meta.db_table, Role._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id FROM {users} u WHERE u.is_active AND (u.is_superuser OR u.id IN ("  # noqa: S608
            f"SELECT a.user_id FROM {assignments} a JOIN {roles} r ON r.id = a.role_id "
            "WHERE r.is_administrator))"
        )
        ids = [row[0] for row in cursor.fetchall()]
    return list(User.objects.filter(pk__in=ids).order_by("id")) if ids else []


def webhook_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.annotate(
        dead_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DEAD)),
        waiting_count=Count(
            "deliveries",
            filter=Q(
                deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING]
            ),
        ),
    ).order_by("name", "id")


def webhook_endpoint(endpoint_id: Any) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.get(pk=int(endpoint_id))
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound(f"webhook endpoint {endpoint_id}") from error


def deliveries(
    *, status: str | None = None, endpoint: WebhookEndpoint | None = None, channel: str | None = None
) -> QuerySet[Delivery]:
    queryset = Delivery.objects.select_related("endpoint", "message", "recipient", "notification")
    if status:
        queryset = queryset.filter(status=status)
    if endpoint is not None:
        queryset = queryset.filter(endpoint=endpoint)
    if channel:
        queryset = queryset.filter(channel=channel)
    return queryset


def dead_letters() -> QuerySet[Delivery]:
    return deliveries(status=DeliveryStatus.DEAD)


def delivery(delivery_id: Any) -> Delivery:
    try:
        return deliveries().get(pk=int(delivery_id))
    except (Delivery.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound(f"delivery {delivery_id}") from error


def delivery_attempts(item: Delivery) -> QuerySet[DeliveryAttempt]:
    return item.attempt_log.order_by("number", "id")
