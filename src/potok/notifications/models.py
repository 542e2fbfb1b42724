"""Notifications to people (in the app and by email) and to other systems (signed webhooks).

`Notification` is what a person sees under the bell. A `Delivery` is one message to send through one
channel — an email to a person, a webhook call to an endpoint — with its own state, so that sending
survives a worker that dies half way; each try is a `DeliveryAttempt`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # False when the person receives this kind by email only: kept for the email, not shown under the bell.
    in_app = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=Q(read_at__isnull=True, in_app=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("at once")
    HOURLY = "hourly", _("hourly digest")
    DAILY = "daily", _("daily digest")


class NotificationPreference(models.Model):
    """A person's choice for one kind of notification; kinds without a row use the kind's defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=64)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by email"), default=True)
    email_mode = models.CharField(
        _("email"), max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"


class WebhookEndpoint(models.Model):
    """An address that receives the chosen event types as Standard Webhooks (signed POSTs)."""

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=1000)
    # "whsec_" + base64 of 32 random bytes, as Standard Webhooks libraries expect it.
    secret = models.CharField(_("signing secret"), max_length=200)
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def subscribes_to(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class WebhookMessage(models.Model):
    """One event sent to webhooks; its body is serialised once so every retry signs the same bytes."""

    message_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(_("event type"), max_length=64)
    body = models.TextField()
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")

    def __str__(self) -> str:
        return f"{self.message_id} {self.event_type}"


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    WEBHOOK = "webhook", _("webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("gave up")


# The only moves a delivery makes (see potok.notifications.lock_objects, which makes them).
DELIVERY_TRANSITIONS: dict[str, frozenset[str]] = {
    DeliveryStatus.PENDING: frozenset({DeliveryStatus.SENDING}),
    DeliveryStatus.SENDING: frozenset({DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.DEAD}),
    DeliveryStatus.FAILED: frozenset({DeliveryStatus.SENDING}),
    DeliveryStatus.DEAD: frozenset({DeliveryStatus.PENDING}),  # re-sent by an administrator
    DeliveryStatus.SENT: frozenset(),
}
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED)
CLAIMABLE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class Delivery(models.Model):
    """One message through one channel: an email to a person (alone, or in a digest with others of the same
    `batch_key`), or one webhook message to one endpoint. Webhooks reach an endpoint in the order their
    deliveries were created."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    batch_key = models.CharField(max_length=64, blank=True)
    message = models.ForeignKey(
        WebhookMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    created_at = models.DateTimeField(_("created"))
    # The start of the current round of retries (creation, or an administrator's re-send).
    queued_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Attempts made before the current round; the retry schedule counts from here.
    attempts_before_round = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # While sending: who holds it and until when; a lease that runs out means the worker died.
    claim_token = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When a task to send it was last put in the queue (so the sweeper does not queue it twice).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_open_due",
                condition=Q(status__in=["pending", "sending", "failed"]),
            ),
            models.Index(fields=["endpoint", "id"], name="delivery_endpoint_order"),
            models.Index(fields=["recipient", "batch_key"], name="delivery_digest"),
            models.Index(fields=["status", "-id"], name="delivery_by_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(channel="email") & Q(recipient__isnull=False))
                | (Q(channel="webhook") & Q(endpoint__isnull=False) & Q(message__isnull=False)),
                name="delivery_has_its_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} {self.status}"


class DeliveryAttempt(models.Model):
    """One try to send a delivery: the delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    finished = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "number", "id"]
        # One row per attempt number: two workers can never both make attempt N of a delivery.
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="one_row_per_attempt")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"


class MailSecurity(models.TextChoices):
    NONE = "none", _("none")
    STARTTLS = "starttls", _("STARTTLS")
    SSL = "ssl", _("SSL/TLS")


class MailSettings(models.Model):
    """The SMTP server set by an administrator (one row). Off: the installation's EMAIL_BACKEND is used."""

    enabled = models.BooleanField(_("use these settings"), default=False)
    host = models.CharField(_("SMTP server"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("port"), default=587)
    username = models.CharField(_("login"), max_length=255, blank=True)
    password = models.CharField(_("password"), max_length=255, blank=True)
    security = models.CharField(
        _("encryption"), max_length=16, choices=MailSecurity.choices, default=MailSecurity.STARTTLS
    )
    timeout = models.PositiveIntegerField(_("timeout, seconds"), default=20)
    from_email = models.CharField(_("sender address"), max_length=255, blank=True)
    site_url = models.CharField(
        _("Potok's address"),
        max_length=255,
        blank=True,
        help_text=_("Used for links in emails, e.g. https://crm.example.ru"),
    )
    updated_at = models.DateTimeField(_("changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("mail settings")
        verbose_name_plural = _("mail settings")

    def __str__(self) -> str:
        return self.host or "—"


class SweeperState(models.Model):
    """One row: the chain of sweeper tasks now alive (its token) and when it runs next."""

    token = models.CharField(max_length=64, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery sweeper")
        verbose_name_plural = _("delivery sweeper")

    def __str__(self) -> str:
        return f"sweeper {self.token} {self.next_run_at}"
