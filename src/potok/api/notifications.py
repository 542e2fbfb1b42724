"""API of notifications: the caller's notifications and preferences; for administrators webhook endpoints,
deliveries with their attempts, and re-sending dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from potok.access.selectors import is_administrator
from potok.api.pagination import PageOut, page_of
from potok.core.errors import PermissionDenied
from potok.notifications import kinds, selectors
from potok.notifications.models import DeliveryStatus, EmailMode
from potok.notifications.services import administration, inbox

router = Router(tags=["notifications"])


def _require_administrator(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied("webhooks")


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    read: bool

    @staticmethod
    def resolve_read(notification: Any) -> bool:
        return notification.read_at is not None


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


class PreferenceOut(Schema):
    kind: str
    label: str
    description: str
    in_app: bool
    email: bool
    email_mode: str
    chosen: bool


class PreferenceIn(Schema):
    in_app: bool = True
    email: bool = True
    email_mode: str = EmailMode.IMMEDIATE


class KindOut(Schema):
    code: str
    label: str
    description: str
    for_people: bool
    for_webhooks: bool


class EndpointOut(Schema):
    id: int
    name: str
    url: str
    event_types: list[str]
    enabled: bool
    description: str
    created_at: datetime


class EndpointWithSecretOut(EndpointOut):
    secret: str


class EndpointIn(Schema):
    name: str
    url: str
    event_types: list[str]
    enabled: bool = True
    description: str = ""
    secret: str | None = None


class EndpointPatch(Schema):
    name: str | None = None
    url: str | None = None
    event_types: list[str] | None = None
    enabled: bool | None = None
    description: str | None = None


class AttemptOut(Schema):
    number: int
    started_at: datetime
    duration_ms: int
    succeeded: bool
    status_code: int | None
    error: str
    response_excerpt: str


class DeliveryOut(Schema):
    id: int
    channel: str
    status: str
    endpoint_id: int | None
    recipient_id: int | None
    notification_id: int | None
    message_id: str | None
    event_type: str | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str

    @staticmethod
    def resolve_message_id(delivery: Any) -> str | None:
        return delivery.message.message_id if delivery.message_id else None

    @staticmethod
    def resolve_event_type(delivery: Any) -> str | None:
        if delivery.message_id:
            return str(delivery.message.event_type)
        return delivery.notification.kind if delivery.notification_id else None

    @staticmethod
    def resolve_next_attempt_at(delivery: Any) -> datetime | None:
        open_statuses = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
        return delivery.next_attempt_at if delivery.status in open_statuses else None


class DeliveryDetailOut(DeliveryOut):
    body: str | None
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_body(delivery: Any) -> str | None:
        return delivery.message.body if delivery.message_id else None

    @staticmethod
    def resolve_attempt_log(delivery: Any) -> list[Any]:
        return list(selectors.delivery_attempts(delivery))


# -- the caller's own -------------------------------------------------------------------------------


@router.get("notifications", response=PageOut[NotificationOut], summary="My notifications, newest first")
def notifications(
    request: HttpRequest, unread: bool = False, cursor: str | None = None, limit: int = 50
) -> Any:
    return page_of(
        selectors.notifications_of(request.user, unread_only=unread),
        order=("-id",),
        cursor=cursor,
        limit=limit,
    )


@router.get("notifications/unread-count", response=UnreadOut, summary="How many of mine are unread")
def unread_count(request: HttpRequest) -> Any:
    return {"unread": selectors.unread_count(request.user)}


@router.post("notifications/read-all", response=MarkedOut, summary="Mark all of mine read")
def read_all(request: HttpRequest) -> Any:
    return {"marked": inbox.notifications_mark_all_read(actor=request.user)}


@router.post("notifications/{notification_id}/read", response=NotificationOut, summary="Mark one read")
def read(request: HttpRequest, notification_id: int) -> Any:
    notification = selectors.notification_of(request.user, notification_id)
    return inbox.notification_mark_read(actor=request.user, notification=notification)


@router.post("notifications/{notification_id}/unread", response=NotificationOut, summary="Mark one unread")
def unread(request: HttpRequest, notification_id: int) -> Any:
    notification = selectors.notification_of(request.user, notification_id)
    return inbox.notification_mark_unread(actor=request.user, notification=notification)


@router.get("notification-kinds", response=list[KindOut], summary="Kinds of notifications and webhook events")
def notification_kinds(request: HttpRequest) -> Any:
    return [
        {
            "code": kind.code,
            "label": str(kind.label),
            "description": str(kind.description),
            "for_people": kind.for_people,
            "for_webhooks": kind.for_webhooks,
        }
        for kind in kinds.all_kinds()
    ]


def _preference_out(preference: selectors.Preference) -> dict[str, Any]:
    return {
        "kind": preference.kind.code,
        "label": str(preference.kind.label),
        "description": str(preference.kind.description),
        "in_app": preference.in_app,
        "email": preference.email,
        "email_mode": preference.email_mode,
        "chosen": preference.chosen,
    }


@router.get("notification-preferences", response=list[PreferenceOut], summary="How I get each kind")
def preferences(request: HttpRequest) -> Any:
    return [_preference_out(p) for p in selectors.preferences_of(request.user)]


@router.put("notification-preferences/{kind}", response=PreferenceOut, summary="Choose how I get a kind")
def set_preference(request: HttpRequest, kind: str, payload: PreferenceIn) -> Any:
    inbox.notification_preference_set(
        actor=request.user,
        user=request.user,
        kind=kind,
        in_app=payload.in_app,
        email=payload.email,
        email_mode=payload.email_mode,
    )
    return next(_preference_out(p) for p in selectors.preferences_of(request.user) if p.kind.code == kind)


# -- administrators ----------------------------------------------------------------------------------


@router.get("webhook-endpoints", response=list[EndpointOut], summary="Webhook endpoints (administrators)")
def endpoints(request: HttpRequest) -> Any:
    _require_administrator(request)
    return selectors.webhook_endpoints()


@router.post(
    "webhook-endpoints",
    response={201: EndpointWithSecretOut},
    summary="Add a webhook endpoint (administrators)",
)
def create_endpoint(request: HttpRequest, payload: EndpointIn) -> Any:
    _require_administrator(request)
    return Status(201, administration.webhook_endpoint_create(actor=request.user, **payload.model_dump()))


@router.get(
    "webhook-endpoints/{endpoint_id}", response=EndpointWithSecretOut, summary="One endpoint with its secret"
)
def endpoint(request: HttpRequest, endpoint_id: int) -> Any:
    _require_administrator(request)
    return selectors.webhook_endpoint(endpoint_id)


@router.patch("webhook-endpoints/{endpoint_id}", response=EndpointOut, summary="Change an endpoint")
def update_endpoint(request: HttpRequest, endpoint_id: int, payload: EndpointPatch) -> Any:
    _require_administrator(request)
    return administration.webhook_endpoint_update(
        actor=request.user, endpoint=selectors.webhook_endpoint(endpoint_id), **payload.model_dump()
    )


@router.post(
    "webhook-endpoints/{endpoint_id}/rotate-secret",
    response=EndpointWithSecretOut,
    summary="A new signing secret",
)
def rotate_secret(request: HttpRequest, endpoint_id: int) -> Any:
    _require_administrator(request)
    return administration.webhook_endpoint_rotate_secret(
        actor=request.user, endpoint=selectors.webhook_endpoint(endpoint_id)
    )


@router.post("webhook-endpoints/{endpoint_id}/test", response={202: DeliveryOut}, summary="Send a test event")
def send_test_event(request: HttpRequest, endpoint_id: int) -> Any:
    _require_administrator(request)
    endpoint = selectors.webhook_endpoint(endpoint_id)
    return Status(202, administration.webhook_send_test(actor=request.user, endpoint=endpoint))


@router.delete("webhook-endpoints/{endpoint_id}", response={204: None}, summary="Delete an endpoint")
def delete_endpoint(request: HttpRequest, endpoint_id: int) -> Any:
    _require_administrator(request)
    administration.webhook_endpoint_delete(
        actor=request.user, endpoint=selectors.webhook_endpoint(endpoint_id)
    )
    return Status(204, None)


@router.get(
    "deliveries", response=PageOut[DeliveryOut], summary="Deliveries; status=dead for the dead letters"
)
def deliveries(
    request: HttpRequest,
    status: str | None = None,
    endpoint_id: int | None = None,
    channel: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    _require_administrator(request)
    endpoint = selectors.webhook_endpoint(endpoint_id) if endpoint_id is not None else None
    return page_of(
        selectors.deliveries(status=status, endpoint=endpoint, channel=channel),
        order=("-id",),
        cursor=cursor,
        limit=limit,
    )


@router.get("deliveries/{delivery_id}", response=DeliveryDetailOut, summary="A delivery with its attempts")
def delivery(request: HttpRequest, delivery_id: int) -> Any:
    _require_administrator(request)
    return selectors.delivery(delivery_id)


@router.post("deliveries/{delivery_id}/resend", response=DeliveryOut, summary="Re-send a dead letter")
def resend(request: HttpRequest, delivery_id: int) -> Any:
    _require_administrator(request)
    return administration.delivery_resend(actor=request.user, delivery=selectors.delivery(delivery_id))
