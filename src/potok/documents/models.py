"""User-defined document types, their statuses and fields, and the documents themselves.

A document type is data, not code: an administrator defines its numbering, statuses and fields, and every
document of it keeps its field values in one JSON column (`Document.data`, field code → stored value).
Fields marked "indexed" are copied into `DocumentIndexValue` so lists and rules filter on them with an
index; reference fields are copied into `DocumentReference` so a record finds the documents that point
to it. Field definitions also serve built-in entities (counterparty, contact…) as their custom fields.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ENTITY_PREFIX = "document."


def _in_russian() -> bool:
    return (get_language() or "ru").startswith("ru")


class DocumentType(models.Model):
    """A kind of document (a customer complaint, an investigation act), defined by an administrator."""

    code = models.SlugField(
        _("code"), max_length=48, unique=True, help_text=_("Latin letters, digits and _; cannot be changed.")
    )
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    number_prefix = models.CharField(_("number prefix"), max_length=16, blank=True)
    number_digits = models.PositiveSmallIntegerField(_("digits of the number"), default=5)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["name_ru", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ru if _in_russian() else self.name_en

    @property
    def entity_type(self) -> str:
        """The code access rules, audit and domain events use for documents of this type."""
        return ENTITY_PREFIX + self.code


class StatusColor(models.TextChoices):
    GREY = "secondary", _("grey")
    BLUE = "primary", _("blue")
    GREEN = "success", _("green")
    YELLOW = "warning", _("yellow")
    RED = "danger", _("red")


class DocumentStatus(models.Model):
    """One status of a document type; `next_statuses` lists the codes a document may move to from it."""

    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.CASCADE, related_name="statuses"
    )
    code = models.SlugField(_("code"), max_length=48)
    label_ru = models.CharField(_("label (Russian)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_initial = models.BooleanField(_("initial"), default=False)
    is_final = models.BooleanField(_("final"), default=False)
    color = models.CharField(
        _("colour"), max_length=16, choices=StatusColor.choices, default=StatusColor.GREY
    )
    next_statuses = models.JSONField(_("next statuses"), default=list, blank=True)

    class Meta:
        verbose_name = _("document status")
        verbose_name_plural = _("document statuses")
        ordering = ["document_type", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["document_type", "code"], name="document_status_code_unique"),
            models.UniqueConstraint(
                fields=["document_type"], condition=Q(is_initial=True), name="one_initial_status_per_type"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_ru if _in_russian() else self.label_en


class FieldType(models.TextChoices):
    STRING = "string", _("string")
    TEXT = "text", _("text")
    INTEGER = "integer", _("integer")
    DECIMAL = "decimal", _("decimal number")
    MONEY = "money", _("money")
    DATE = "date", _("date")
    DATETIME = "datetime", _("date and time")
    BOOLEAN = "boolean", _("yes / no")
    CHOICE = "choice", _("choice")
    REFERENCE = "reference", _("reference")
    FILE = "file", _("file")


class FieldDefinition(models.Model):
    """A field of a document type, or a custom field of a built-in entity (`entity_code`).

    Type-specific settings live in `settings`: min / max, max_length, regex, decimal_places, currency,
    options (for a choice: [{"value", "label_ru", "label_en"}]) and multiple, target (for a reference:
    "counterparty", "contact", "user", "department" or "document.<code>"), max_size (for a file).
    An archived field is hidden from forms; the values documents hold for it are kept.
    """

    document_type = models.ForeignKey(
        DocumentType,
        verbose_name=_("document type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fields",
    )
    entity_code = models.CharField(_("built-in entity"), max_length=64, blank=True, default="")
    code = models.SlugField(_("code"), max_length=48)
    label_ru = models.CharField(_("label (Russian)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    help_ru = models.CharField(_("help text (Russian)"), max_length=500, blank=True)
    help_en = models.CharField(_("help text (English)"), max_length=500, blank=True)
    field_type = models.CharField(_("type"), max_length=16, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    default = models.JSONField(_("default"), null=True, blank=True)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("Shown only to people with the right to see it.")
    )
    indexed = models.BooleanField(
        _("indexed"), default=False, help_text=_("Lists and rules can filter on it quickly.")
    )
    in_list = models.BooleanField(_("shown in lists"), default=False)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(document_type__isnull=False) & Q(entity_code=""))
                | (Q(document_type__isnull=True) & ~Q(entity_code="")),
                name="field_belongs_to_a_type_or_an_entity",
            ),
            models.UniqueConstraint(
                fields=["document_type", "code"],
                condition=Q(document_type__isnull=False),
                name="field_code_unique_per_type",
            ),
            models.UniqueConstraint(
                fields=["entity_code", "code"],
                condition=Q(document_type__isnull=True),
                name="field_code_unique_per_entity",
            ),
        ]
        indexes = [models.Index(fields=["entity_code", "position"], name="custom_fields_of_entity")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_ru if _in_russian() else self.label_en

    @property
    def help_text(self) -> str:
        return self.help_ru if _in_russian() else self.help_en

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def owner_code(self) -> str:
        """The entity these values belong to: "document.<code>" or a built-in entity code."""
        return self.document_type.entity_type if self.document_type_id else self.entity_code  # type: ignore[union-attr]


class NumberCounter(models.Model):
    """The last number given to a document of a type in a year; locked while a number is taken."""

    document_type = models.ForeignKey(DocumentType, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        constraints = [
            models.UniqueConstraint(fields=["document_type", "year"], name="one_counter_per_type_and_year")
        ]

    def __str__(self) -> str:
        return f"{self.document_type_id}/{self.year}: {self.last_value}"


class Document(models.Model):
    """One document of a user-defined type; field values in `data` (code → JSON value)."""

    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT, related_name="documents"
    )
    number = models.CharField(_("number"), max_length=64)
    status = models.CharField(_("status"), max_length=48)
    data = models.JSONField(_("values"), default=dict, blank=True)
    # Lower-cased, ё → е, single-spaced text of the number and the searchable values.
    search_text = models.TextField(blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["document_type", "number"], name="document_number_unique")
        ]
        indexes = [
            models.Index(fields=["document_type", "-created_at", "-id"], name="document_newest"),
            models.Index(fields=["document_type", "status"], name="document_by_status"),
            models.Index(fields=["document_type", "author"], name="document_by_author"),
            models.Index(fields=["document_type", "responsible"], name="document_by_responsible"),
            models.Index(fields=["document_type", "department"], name="document_by_department"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def entity_type(self) -> str:
        return self.document_type.entity_type


class DocumentIndexValue(models.Model):
    """A copy of an indexed field's value, in the column its type compares in (one row per value)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="index_values")
    document_type = models.ForeignKey(DocumentType, on_delete=models.CASCADE, related_name="+")
    field_code = models.CharField(max_length=48)
    value_text = models.CharField(max_length=255, null=True, blank=True)
    value_number = models.DecimalField(max_digits=30, decimal_places=6, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("indexed value")
        verbose_name_plural = _("indexed values")
        indexes = [
            models.Index(fields=["document_type", "field_code", "value_text"], name="index_by_text"),
            models.Index(fields=["document_type", "field_code", "value_number"], name="index_by_number"),
            models.Index(fields=["document_type", "field_code", "value_date"], name="index_by_date"),
            models.Index(fields=["document", "field_code"], name="index_of_document"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}.{self.field_code}"


class DocumentReference(models.Model):
    """Document `source` points, through its field `field_code`, at record `target_id` of `target_type`."""

    source = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="references")
    field_code = models.CharField(max_length=48)
    target_type = models.CharField(max_length=64)
    target_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("document reference")
        verbose_name_plural = _("document references")
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="reference_to_target"),
            models.Index(fields=["source", "field_code"], name="reference_from_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}.{self.field_code} → {self.target_type}#{self.target_id}"


def stored_file_path(instance: StoredFile, filename: str) -> str:
    # A random name, never the uploaded one: no path tricks, nothing guessable under MEDIA_ROOT.
    return f"documents/{instance.uploaded_at:%Y/%m}/{instance.token}"


class StoredFile(models.Model):
    """A file held in a file field of a document (or of a built-in entity's custom field).

    Kept under MEDIA_ROOT by Django's storage under a random name; handed out only by an access-checked
    view, never through a public URL.
    """

    entity_type = models.CharField(max_length=64)
    record_id = models.BigIntegerField()
    field_code = models.CharField(max_length=48)
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(max_length=200, upload_to=stored_file_path)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        indexes = [models.Index(fields=["entity_type", "record_id", "field_code"], name="file_of_record")]

    def __str__(self) -> str:
        return self.original_name
