from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    DELETED = "deleted", _("deleted")
    LINKED = "linked", _("linked record added")
    UNLINKED = "unlinked", _("linked record removed")


class DomainEvent(models.Model):
    """The outbox: one row per create / update / delete of any entity, written in the same transaction
    as the change itself, so automation sees every committed change and none that rolled back.

    `changes` maps each changed field to [old, new]; `snapshot` holds the record's values after the change
    (before it, for a delete) so rules can be evaluated even when the record is gone.
    """

    occurred_at = models.DateTimeField(_("when"))
    entity_type = models.CharField(_("entity type"), max_length=64)
    record_id = models.BigIntegerField(_("record"))
    kind = models.CharField(_("event"), max_length=16, choices=EventKind.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)
    related_entity_type = models.CharField(max_length=64, blank=True, default="")
    related_record_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    origin = models.CharField(_("origin"), max_length=16, default="system")
    # How many automatic starts led to this change; automation refuses to go deeper than a limit.
    depth = models.PositiveSmallIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        indexes = [
            models.Index(fields=["entity_type", "record_id", "id"], name="event_by_record"),
            models.Index(
                fields=["id"], name="event_not_dispatched", condition=models.Q(dispatched_at__isnull=True)
            ),
            # Most events are the system's or a process's: only events with a person are indexed by them.
            models.Index(fields=["actor"], name="event_by_actor", condition=models.Q(actor__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.entity_type}#{self.record_id} {self.kind}"
