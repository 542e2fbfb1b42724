from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    WEB = "web", _("web interface")
    API = "api", _("REST API")
    IMPORT = "import", _("import")
    PROCESS = "process", _("process")
    SYSTEM = "system", _("system")
    CLI = "cli", _("command line")


class AuditEvent(models.Model):
    """One state change. Rows are only ever inserted; `save()` refuses to update an existing row."""

    occurred_at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.SYSTEM)
    entity_type = models.CharField(_("entity type"), max_length=64)
    record_id = models.CharField(_("record"), max_length=64)
    action = models.CharField(_("action"), max_length=64)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["entity_type", "record_id", "-occurred_at"], name="audit_by_record")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.entity_type}#{self.record_id} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are not editable.")
        super().save(*args, **kwargs)
