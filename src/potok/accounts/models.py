from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A node of the company's department tree. `path` ("/1/4/9/") makes subtree queries one indexed LIKE."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        "accounts.User",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    path = models.CharField(max_length=500, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in to Potok. Department and position place him in the organisation."""

    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.username


class AddressingKind(models.TextChoices):
    NONE = "none", _("held plainly")
    DEPARTMENT = "department", _("for a department")
    COUNTERPARTY = "counterparty", _("for a counterparty")
    ANY = "any", _("for any object")


class Role(models.Model):
    """A business role (head of department, service specialist, lawyer…).

    Held plainly or for an addressing object — the 1C:Документооборот model: "head of department" for
    department X. The owner receives tasks addressed to the role while nobody holds it.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    addressing = models.CharField(
        _("addressing"), max_length=16, choices=AddressingKind.choices, default=AddressingKind.NONE
    )
    owner = models.ForeignKey(
        User,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_roles",
        help_text=_("Receives the tasks of this role while nobody holds it."),
    )
    is_administrator = models.BooleanField(_("administrator"), default=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ru if (get_language() or "ru").startswith("ru") else self.name_en


class RoleAssignment(models.Model):
    """User U holds role R — plainly (object empty) or for one addressing object."""

    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    object_type = models.CharField(_("object type"), max_length=64, blank=True, default="")
    object_id = models.CharField(_("object"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "user", "object_type", "object_id"], name="unique_role_assignment"
            )
        ]
        indexes = [models.Index(fields=["role", "object_type", "object_id"], name="role_for_object")]

    def __str__(self) -> str:
        scope = f" ({self.object_type} {self.object_id})" if self.object_type else ""
        return f"{self.user} — {self.role}{scope}"


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("leave")
    SICK = "sick", _("sick leave")
    TRIP = "trip", _("business trip")
    OTHER = "other", _("other")


class Absence(models.Model):
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(_("kind"), max_length=16, choices=AbsenceKind.choices, default=AbsenceKind.LEAVE)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} {self.starts_on}–{self.ends_on}"


class SubstitutionScope(models.TextChoices):
    ALL = "all", _("all tasks")
    PROCESSES = "processes", _("tasks of listed processes")


class Substitution(models.Model):
    """While `absent` is away in [starts_on, ends_on], tasks addressed to him go to `deputy`."""

    absent = models.ForeignKey(
        User, verbose_name=_("absent person"), on_delete=models.CASCADE, related_name="deputies"
    )
    deputy = models.ForeignKey(
        User, verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="substitutions"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    scope = models.CharField(
        _("scope"), max_length=16, choices=SubstitutionScope.choices, default=SubstitutionScope.ALL
    )
    process_ids = models.JSONField(_("processes"), default=list, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("substitution")
        verbose_name_plural = _("substitutions")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="substitution_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(absent=models.F("deputy")), name="substitution_deputy_is_other"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.absent} → {self.deputy} {self.starts_on}–{self.ends_on}"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="cli")
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"
