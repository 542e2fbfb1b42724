"""An administrator's side: webhook endpoints, the SMTP settings, re-sending dead letters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.audit.services import audit_record
from potok.core import clock, context
from potok.core.errors import Conflict, ValidationFailed
from potok.core.events import emit_domain_event
from potok.core.models import EventKind
from potok.notifications import kinds, lock_objects, outgoing
from potok.notifications.models import Delivery, DeliveryStatus, MailSecurity, MailSettings, WebhookEndpoint
from potok.notifications.signing import is_valid_secret, new_secret

ENDPOINT = "webhook_endpoint"


def _record(
    *, actor: Any, endpoint: WebhookEndpoint, action: str, changes: dict[str, tuple[Any, Any]], kind: str
) -> None:
    audit_record(
        actor=actor,
        entity_type=ENDPOINT,
        record_id=endpoint.pk,
        action=action,
        changes=changes,
        origin=context.current().origin,
    )
    emit_domain_event(
        entity_type=ENDPOINT,
        record_id=endpoint.pk,
        kind=kind,
        changes=changes,
        snapshot={"name": endpoint.name, "url": endpoint.url, "enabled": endpoint.enabled},
        actor=actor,
    )


def check_endpoint(*, name: str, url: str, event_types: Iterable[str], secret: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Enter a name.")
    problem = outgoing.check_url(url.strip())
    if problem or len(url) > 1000:
        errors["url"] = _("Enter an http:// or https:// address (%(problem)s).") % {
            "problem": problem or "too long"
        }
    known = {kind.code for kind in kinds.for_webhooks()}
    unknown = [code for code in event_types if code != "*" and code not in known]
    if unknown:
        errors["event_types"] = _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}
    elif not list(event_types):
        errors["event_types"] = _("Choose at least one event type.")
    if secret is not None and not is_valid_secret(secret):
        errors["secret"] = _("A secret looks like whsec_ followed by base64 of at least 24 bytes.")
    return errors


@transaction.atomic
def webhook_endpoint_create(
    *,
    actor: Any,
    name: str,
    url: str,
    event_types: Iterable[str],
    enabled: bool = True,
    description: str = "",
    secret: str | None = None,
) -> WebhookEndpoint:
    event_types = list(dict.fromkeys(event_types))
    errors = check_endpoint(name=name, url=url, event_types=event_types, secret=secret)
    if errors:
        raise ValidationFailed(errors)
    endpoint = WebhookEndpoint.objects.create(
        name=name.strip(),
        url=url.strip(),
        secret=secret or new_secret(),
        event_types=event_types,
        enabled=enabled,
        description=description.strip()[:500],
    )
    _record(
        actor=actor,
        endpoint=endpoint,
        action="created",
        changes={"url": (None, endpoint.url), "event_types": (None, event_types)},
        kind=EventKind.CREATED,
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: Any,
    endpoint: WebhookEndpoint,
    name: str | None = None,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    enabled: bool | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    new_types = list(dict.fromkeys(event_types)) if event_types is not None else endpoint.event_types
    errors = check_endpoint(
        name=name if name is not None else endpoint.name,
        url=url if url is not None else endpoint.url,
        event_types=new_types,
        secret=None,
    )
    if errors:
        raise ValidationFailed(errors)
    changes: dict[str, tuple[Any, Any]] = {}
    for field, value in (
        ("name", name.strip() if name is not None else None),
        ("url", url.strip() if url is not None else None),
        ("event_types", new_types if event_types is not None else None),
        ("enabled", enabled),
        ("description", description.strip()[:500] if description is not None else None),
    ):
        if value is not None and getattr(endpoint, field) != value:
            changes[field] = (getattr(endpoint, field), value)
            setattr(endpoint, field, value)
    if changes:
        endpoint.save()
        _record(actor=actor, endpoint=endpoint, action="updated", changes=changes, kind=EventKind.UPDATED)
        if endpoint.enabled and "enabled" in changes:
            _queue_endpoint(endpoint)
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor: Any, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new signing secret; messages not yet sent are signed with it."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    _record(
        actor=actor,
        endpoint=endpoint,
        action="secret_rotated",
        changes={"secret": ("…", "…")},
        kind=EventKind.UPDATED,
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: Any, endpoint: WebhookEndpoint) -> None:
    if Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.SENDING).exists():
        raise Conflict(_("A message is being sent to this endpoint right now; try again in a minute."))
    _record(
        actor=actor,
        endpoint=endpoint,
        action="deleted",
        changes={"url": (endpoint.url, None)},
        kind=EventKind.DELETED,
    )
    endpoint.delete()


def _queue_endpoint(endpoint: WebhookEndpoint) -> None:
    from potok.notifications.tasks import queue_sending

    endpoint_id = endpoint.pk
    transaction.on_commit(lambda: queue_sending(endpoints=[endpoint_id]), robust=True)


@transaction.atomic
def webhook_send_test(*, actor: Any, endpoint: WebhookEndpoint) -> Delivery:
    """A "webhook.test" message to this endpoint alone, sent by the worker like any other."""
    from potok.notifications.services.notify import webhook_deliveries_for

    delivery = webhook_deliveries_for(
        event_type=kinds.TEST_EVENT,
        endpoints=[endpoint],
        data={"message": "Potok test event", "endpoint": endpoint.name, "by": getattr(actor, "username", "")},
    )[0]
    audit_record(
        actor=actor,
        entity_type=ENDPOINT,
        record_id=endpoint.pk,
        action="test_sent",
        changes={"message": (None, delivery.message.message_id if delivery.message else "")},
        origin=context.current().origin,
    )
    return delivery


@transaction.atomic
def delivery_resend(*, actor: Any, delivery: Delivery) -> Delivery:
    """Put a dead letter back in line with a fresh schedule of retries (the same webhook-id, so a receiver
    that got it after all can tell)."""
    if not lock_objects.can_move(delivery.status, DeliveryStatus.PENDING):
        raise Conflict(_("Only deliveries that failed for good can be re-sent."))
    now = clock.now()
    changed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING,
        queued_at=now,
        next_attempt_at=now,
        attempts_before_round=delivery.attempts,
        enqueued_at=None,
        last_error="",
    )
    if not changed:
        raise Conflict(_("The delivery changed meanwhile; reload the page."))
    delivery.refresh_from_db()
    audit_record(
        actor=actor,
        entity_type="delivery",
        record_id=delivery.pk,
        action="resent",
        changes={"status": (DeliveryStatus.DEAD, DeliveryStatus.PENDING)},
        origin=context.current().origin,
    )
    from potok.notifications.tasks import queue_sending

    emails = [delivery.pk] if delivery.channel == "email" and not delivery.batch_key else []
    digests = (
        [(delivery.recipient_id, delivery.batch_key)] if delivery.batch_key and delivery.recipient_id else []
    )
    endpoints = [delivery.endpoint_id] if delivery.endpoint_id else []
    transaction.on_commit(
        lambda: queue_sending(emails=emails, endpoints=endpoints, digests=digests),
        robust=True,
    )
    return delivery


@transaction.atomic
def mail_settings_update(
    *,
    actor: Any,
    enabled: bool,
    host: str,
    port: int,
    username: str,
    password: str | None,
    security: str,
    timeout: int,
    from_email: str,
    site_url: str,
) -> MailSettings:
    """The SMTP server Potok sends through. `password` None keeps the stored one."""
    errors: dict[str, str] = {}
    if enabled and not host.strip():
        errors["host"] = _("Enter the SMTP server to use these settings.")
    if not 1 <= port <= 65535:
        errors["port"] = _("A port is a number from 1 to 65535.")
    if security not in MailSecurity.values:
        errors["security"] = _("Unknown kind of encryption.")
    if not 1 <= timeout <= 300:
        errors["timeout"] = _("Use a timeout from 1 to 300 seconds.")
    if site_url and outgoing.check_url(site_url.strip()):
        errors["site_url"] = _("Enter an http:// or https:// address.")
    if errors:
        raise ValidationFailed(errors)
    config, _created = MailSettings.objects.select_for_update().get_or_create(pk=1)
    before = {
        f: getattr(config, f)
        for f in ("enabled", "host", "port", "username", "security", "timeout", "from_email", "site_url")
    }
    config.enabled, config.host, config.port = enabled, host.strip(), port
    config.username, config.security, config.timeout = username.strip(), security, timeout
    config.from_email, config.site_url = from_email.strip(), site_url.strip().rstrip("/")
    password_changed = password is not None and password != config.password
    if password is not None:
        config.password = password
    config.updated_at = clock.now()
    config.save()
    changes: dict[str, tuple[Any, Any]] = {
        f: (old, getattr(config, f)) for f, old in before.items() if old != getattr(config, f)
    }
    if password_changed:
        changes["password"] = ("…", "…")
    if changes:
        audit_record(
            actor=actor,
            entity_type="mail_settings",
            record_id=1,
            action="updated",
            changes=changes,
            origin=context.current().origin,
        )
    return config
