"""The sessions registry and the failed-token counters. Second-factor devices are django-otp's
TOTPDevice rows; login failures are django-axes' AccessAttempt rows."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """One logged-in browser: who, from where, since when, last seen when.

    It hangs on Django's session row, so that ending a session (deleting that row, by logout, by the
    owner, by an administrator or by expiry) removes its entry too.
    """

    # The key is a password in all but name: pages and URLs name a registry entry by its id, never by it.
    session = models.OneToOneField(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="security_sessions",
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("logged in at"))
    last_seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "last_seen_at"], name="user_session_by_user")]

    def __str__(self) -> str:
        return f"{self.user} {self.ip_address or ''} {self.created_at:%Y-%m-%d %H:%M}"


class ApiAuthFailure(models.Model):
    """Failed API authentications from one address within the current cool-off window."""

    ip_address = models.CharField(_("address"), max_length=64, unique=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    last_failure_at = models.DateTimeField(_("last failure at"))

    class Meta:
        verbose_name = _("failed API authentication")
        verbose_name_plural = _("failed API authentications")

    def __str__(self) -> str:
        return f"{self.ip_address}: {self.failures}"
