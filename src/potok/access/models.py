from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("create")
    READ = "read", _("read")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    # Not a change of the record: seeing the values of its fields marked confidential (documents and the
    # custom fields of built-in entities); without it they are left out of every page, file and answer.
    CONFIDENTIAL = "confidential", _("see confidential fields")


class Scope(models.TextChoices):
    """Which records of an entity type a rule covers, from the narrowest to the widest."""

    OWN = "own", _("own records")
    DEPARTMENT = "department", _("records of own department")
    DEPARTMENT_TREE = "department_tree", _("records of own department and its subdepartments")
    ALL = "all", _("all records")


SCOPE_ORDER = [Scope.OWN, Scope.DEPARTMENT, Scope.DEPARTMENT_TREE, Scope.ALL]


class AccessRule(models.Model):
    """Holders of `role` may perform `action` on records of `entity_type` within `scope`."""

    role = models.ForeignKey(
        "accounts.Role", verbose_name=_("role"), on_delete=models.CASCADE, related_name="access_rules"
    )
    entity_type = models.CharField(_("entity type"), max_length=64)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.OWN)

    class Meta:
        verbose_name = _("access rule")
        verbose_name_plural = _("access rules")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "entity_type", "action"], name="one_rule_per_role_entity_action"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.action} {self.entity_type} ({self.scope})"


class RecordGrant(models.Model):
    """Read access to one record that comes from somewhere else — a task whose document it is.

    Created when the task is addressed to the user; deleted when the task is reassigned or completed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="record_grants")
    entity_type = models.CharField(max_length=64)
    record_id = models.BigIntegerField()
    source = models.CharField(max_length=32)
    source_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("record grant")
        verbose_name_plural = _("record grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "entity_type", "record_id", "source", "source_id"], name="unique_record_grant"
            )
        ]
        indexes = [
            models.Index(fields=["user", "entity_type", "record_id"], name="grant_by_user_record"),
            models.Index(fields=["source", "source_id"], name="grant_by_source"),
        ]

    def __str__(self) -> str:
        return f"{self.user} reads {self.entity_type}#{self.record_id} ({self.source} {self.source_id})"
