from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.lookups import TrigramSimilar
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NormalizedTextField(models.CharField):  # type: ignore[type-arg]
    """A lower-cased column kept by the services for searching; on PostgreSQL it carries a GIN trigram
    index (created in a migration) and the `trigram_similar` lookup (the `%` operator).

    The lookup is registered on this field only, so the project does not need django.contrib.postgres."""


NormalizedTextField.register_lookup(TrigramSimilar)


class CounterpartyKind(models.TextChoices):
    LEGAL = "legal", _("legal entity")
    ENTREPRENEUR = "entrepreneur", _("individual entrepreneur")
    PERSON = "person", _("private person")


class Counterparty(models.Model):
    """A client or supplier (контрагент). Written only by potok.clients.services."""

    kind = models.CharField(_("kind"), max_length=16, choices=CounterpartyKind.choices)
    name = models.CharField(_("name"), max_length=300)
    full_name = models.CharField(_("full name"), max_length=500, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True)
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    ogrn = models.CharField(_("ОГРН"), max_length=15, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    emails = models.JSONField(_("emails"), default=list, blank=True)
    legal_address = models.TextField(_("legal address"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counterparties",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counterparties",
    )
    comment = models.TextField(_("comment"), blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Optimistic locking: every update names the version it read; a stale one is a Conflict.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    # Kept by the services: the name without legal form and quotes (duplicates), everything searchable.
    name_normalized = NormalizedTextField(max_length=300, editable=False, default="")
    search_text = NormalizedTextField(max_length=2000, editable=False, default="")
    tag_keys = models.CharField(max_length=1000, editable=False, default="", blank=True)

    class Meta:
        verbose_name = _("counterparty")
        verbose_name_plural = _("counterparties")
        indexes = [
            models.Index(fields=["inn", "kpp"], name="counterparty_inn"),
            models.Index(fields=["name_normalized", "id"], name="counterparty_name_norm"),
            models.Index(fields=["name", "id"], name="counterparty_name"),
            models.Index(fields=["segment", "name", "id"], name="counterparty_segment"),
            models.Index(fields=["responsible", "name", "id"], name="counterparty_responsible"),
            models.Index(fields=["department", "name", "id"], name="counterparty_department"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class KeyKind(models.TextChoices):
    PHONE = "phone", _("phone")
    EMAIL = "email", _("email")


class CounterpartyKey(models.Model):
    """One normalised phone or email of a live counterparty, so "who else has +79161234567" is one indexed
    lookup at a million rows on every database (the phones themselves live in Counterparty.phones)."""

    counterparty = models.ForeignKey(Counterparty, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=8, choices=KeyKind.choices)
    value = models.CharField(max_length=254)

    class Meta:
        verbose_name = _("counterparty key")
        verbose_name_plural = _("counterparty keys")
        indexes = [models.Index(fields=["kind", "value"], name="counterparty_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


class Contact(models.Model):
    """A person at a counterparty, with consent to the processing of personal data (152-ФЗ)."""

    counterparty = models.ForeignKey(
        Counterparty, verbose_name=_("counterparty"), on_delete=models.PROTECT, related_name="contacts"
    )
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    first_name = models.CharField(_("first name"), max_length=150)
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    emails = models.JSONField(_("emails"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_purpose = models.CharField(_("purpose of processing"), max_length=500, blank=True)
    consent_source = models.CharField(_("source of consent"), max_length=200, blank=True)
    consent_withdrawn_on = models.DateField(_("consent withdrawn on"), null=True, blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    search_text = NormalizedTextField(max_length=1000, editable=False, default="")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["counterparty", "last_name", "id"], name="contact_by_counterparty"),
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)

    @property
    def has_consent(self) -> bool:
        return self.consent_given_on is not None and self.consent_withdrawn_on is None


class InteractionKind(models.TextChoices):
    CALL = "call", _("call")
    MEETING = "meeting", _("meeting")
    EMAIL = "email", _("email")
    NOTE = "note", _("note")


class Interaction(models.Model):
    """A call, meeting, email or note with a counterparty; its page shows them as a timeline."""

    counterparty = models.ForeignKey(
        Counterparty, verbose_name=_("counterparty"), on_delete=models.PROTECT, related_name="interactions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    subject = models.CharField(_("subject"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_interactions",
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("participants (staff)"), blank=True, related_name="+"
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("participants (contacts)"), blank=True, related_name="interactions"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(
                fields=["counterparty", "-occurred_at", "-id"],
                name="interaction_timeline",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["-occurred_at", "-id"], name="interaction_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"
