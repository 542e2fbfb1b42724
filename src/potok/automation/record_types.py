"""The record types rules know: the built-in ones declared next to their apps' snapshot functions, the
user-defined documents read from their field definitions, and any other registered entity type read
from its model. See potok.automation.schema for what a schema is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from potok.access import registry
from potok.automation.schema import TASK_ENTITY, EntitySchema, FieldSpec


def _spec(code: str, label: Any, kind: str, **extra: Any) -> FieldSpec:
    extra.setdefault("column", code)
    return FieldSpec(code=code, label=label, type=kind, **extra)


def _fields(*specs: FieldSpec, custom: Sequence[FieldSpec] = ()) -> dict[str, FieldSpec]:
    """The fields by code; custom fields after the built-in ones, one whose code a built-in field has is
    left out (the built-in one keeps its name in rules)."""
    fields = {spec.code: spec for spec in specs}
    for spec in custom:
        fields.setdefault(spec.code, spec)
    return fields


def custom_specs(entity_code: str) -> list[FieldSpec]:
    """The custom fields an administrator defined for a built-in type (counterparty, contact, deal), as
    rule fields named by their code: their values are read from the snapshot's "custom_fields" and from
    the model's `custom_fields` column, and a change of one is recorded as "custom_fields.<code>"."""
    from potok.documents.custom_fields import custom_field_definitions

    return [
        _definition_spec(
            definition, json_column="custom_fields", snapshot_key=f"custom_fields.{definition.code}"
        )
        for definition in custom_field_definitions(entity_code)
    ]


def _definition_spec(definition: Any, *, json_column: str, snapshot_key: str | None = None) -> FieldSpec:
    """A rule field for a field definition (a document's field or a built-in type's custom field)."""
    from potok.documents.fieldtypes.choice import option_label

    kind = DOCUMENT_TYPES.get(definition.field_type, "string")
    settings = definition.settings or {}
    choices: tuple[tuple[str, Any], ...] = ()
    if kind == "choice":
        choices = tuple((option["value"], option_label(option)) for option in settings.get("options", []))
    return FieldSpec(
        code=definition.code,
        label=definition.label,
        type=kind,
        target=str(settings.get("target", "")) if kind == "reference" else "",
        multiple=bool(settings.get("multiple")) if kind == "choice" else False,
        choices=choices,
        json_column=json_column,
        json_key=definition.code,
        indexed=definition.indexed if json_column == "data" else False,
        snapshot_key=snapshot_key,
        confidential=bool(definition.confidential),
    )


# -- built-in record types ------------------------------------------------------------------------------


def _counterparty_schema() -> EntitySchema:
    from potok.clients.models import CounterpartyKind
    from potok.clients.services.common import counterparty_snapshot

    entity = registry.get("counterparty")
    return EntitySchema(
        code="counterparty",
        label=entity.label,
        model=entity.model,
        base_filter=entity.base_filter,
        snapshot=counterparty_snapshot,
        created_column="created_at",
        related=("responsible", "department"),
        fields=_fields(
            _spec("id", _("id"), "integer"),
            _spec("kind", _("kind"), "choice", choices=tuple(CounterpartyKind.choices)),
            _spec("name", _("name"), "string"),
            _spec("full_name", _("full name"), "string"),
            _spec("inn", _("ИНН"), "string"),
            _spec("kpp", _("КПП"), "string"),
            _spec("ogrn", _("ОГРН"), "string"),
            _spec("phones", _("phones"), "list"),
            _spec("emails", _("emails"), "list"),
            _spec("legal_address", _("legal address"), "text"),
            _spec("postal_address", _("postal address"), "text"),
            _spec("segment", _("segment"), "string"),
            _spec("tags", _("tags"), "list"),
            _spec("is_vip", _("VIP (segment or tag)"), "boolean", column=None),
            _spec("responsible", _("responsible manager"), "user", target="user"),
            _spec("department", _("department"), "department", target="department"),
            _spec("comment", _("comment"), "text"),
            custom=custom_specs("counterparty"),
        ),
    )


def _contact_schema() -> EntitySchema:
    from potok.clients.services.common import contact_snapshot

    entity = registry.get("contact")
    return EntitySchema(
        code="contact",
        label=entity.label,
        model=entity.model,
        base_filter=entity.base_filter,
        snapshot=contact_snapshot,
        created_column="created_at",
        fields=_fields(
            _spec("id", _("id"), "integer"),
            _spec("counterparty", _("counterparty"), "reference", target="counterparty"),
            _spec("last_name", _("last name"), "string"),
            _spec("first_name", _("first name"), "string"),
            _spec("middle_name", _("middle name"), "string"),
            _spec("position", _("position"), "string"),
            _spec("phones", _("phones"), "list"),
            _spec("emails", _("emails"), "list"),
            _spec("consent_given_on", _("consent given on"), "date"),
            _spec("consent_withdrawn_on", _("consent withdrawn on"), "date"),
            custom=custom_specs("contact"),
        ),
    )


def _interaction_schema() -> EntitySchema:
    from potok.clients.models import InteractionKind
    from potok.clients.services.common import interaction_snapshot

    entity = registry.get("interaction")

    def snapshot(interaction: Any) -> dict[str, Any]:
        return interaction_snapshot(
            interaction, users=list(interaction.users.all()), contacts=list(interaction.contacts.all())
        )

    return EntitySchema(
        code="interaction",
        label=entity.label,
        model=entity.model,
        base_filter=entity.base_filter,
        snapshot=snapshot,
        created_column="created_at",
        fields=_fields(
            _spec("id", _("id"), "integer"),
            _spec("counterparty", _("counterparty"), "reference", target="counterparty"),
            _spec("kind", _("kind"), "choice", choices=tuple(InteractionKind.choices)),
            _spec("occurred_at", _("when"), "datetime"),
            _spec("subject", _("subject"), "string"),
            _spec("description", _("description"), "text"),
            _spec("outcome", _("outcome"), "string"),
            _spec("author", _("author"), "user", target="user"),
        ),
    )


def _deal_schema() -> EntitySchema:
    from potok.sales.models import Currency, Stage, StageKind
    from potok.sales.services.common import deal_snapshot

    entity = registry.get("deal")
    stages: dict[str, str] = {}
    for code, name in Stage.objects.order_by("pipeline_id", "order").values_list("code", "name"):
        stages.setdefault(code, name)
    pipelines = tuple(
        (code, name)
        for code, name in entity.model._meta.get_field("pipeline").related_model._default_manager.values_list(  # type: ignore[union-attr]
            "code", "name"
        )
    )
    return EntitySchema(
        code="deal",
        label=entity.label,
        model=entity.model,
        base_filter=entity.base_filter,
        snapshot=deal_snapshot,
        status_field="stage",
        created_column="created_at",
        related=("pipeline", "stage", "counterparty", "responsible", "department", "loss_reason"),
        fields=_fields(
            _spec("id", _("id"), "integer"),
            _spec("title", _("title"), "string"),
            _spec("pipeline", _("pipeline"), "choice", choices=pipelines, column="pipeline__code"),
            _spec("stage", _("stage"), "choice", choices=tuple(stages.items()), column="stage__code"),
            _spec("stage_name", _("stage name"), "string", column="stage__name"),
            _spec(
                "stage_kind",
                _("stage kind"),
                "choice",
                choices=tuple(StageKind.choices),
                column="stage__kind",
            ),
            _spec("probability", _("probability, %"), "integer", column="stage__probability"),
            _spec("stage_entered_at", _("in the stage since"), "datetime"),
            _spec("counterparty", _("counterparty"), "reference", target="counterparty"),
            _spec("amount", _("amount"), "money"),
            _spec("currency", _("currency"), "choice", choices=tuple(Currency.choices)),
            _spec("vat_included", _("VAT included in prices"), "boolean"),
            _spec("expected_close_date", _("expected close date"), "date"),
            _spec("responsible", _("responsible manager"), "user", target="user"),
            _spec("department", _("department"), "department", target="department"),
            _spec("description", _("description"), "text"),
            _spec("loss_reason", _("loss reason"), "string", column="loss_reason__name"),
            _spec("closed_at", _("closed"), "datetime"),
            custom=custom_specs("deal"),
        ),
    )


def _user_schema() -> EntitySchema:
    from potok.accounts.models import User

    def snapshot(user: Any) -> dict[str, Any]:
        return user_view(user)

    return EntitySchema(
        code="user",
        label=_("Users"),
        model=User,
        snapshot=snapshot,
        related=("department",),
        fields=_fields(
            _spec("id", _("id"), "integer"),
            _spec("username", _("login"), "string"),
            _spec("name", _("name"), "string", column=None),
            _spec("email", _("email"), "string"),
            _spec("department", _("department"), "department", target="department"),
        ),
    )


def _department_schema() -> EntitySchema:
    from potok.accounts.models import Department

    def snapshot(department: Any) -> dict[str, Any]:
        return department_view(department)

    return EntitySchema(
        code="department",
        label=_("Departments"),
        model=Department,
        snapshot=snapshot,
        fields=_fields(
            _spec("id", _("id"), "integer"),
            _spec("name", _("name"), "string"),
            _spec("code", _("code"), "string"),
        ),
    )


def _task_schema() -> EntitySchema:
    """Tasks are announced by the tasks layer as domain events of type "task" (potok.tasks.events)."""
    return EntitySchema(
        code=TASK_ENTITY,
        label=_("Tasks of processes"),
        model=None,
        fields=_fields(
            _spec("task_id", _("task"), "string", column=None),
            _spec("name", _("task name"), "string", column=None),
            _spec("process", _("process"), "string", column=None),
            _spec("node", _("step of the process"), "string", column=None),
            _spec("outcome", _("outcome"), "string", column=None),
            _spec("assignee", _("performer"), "user", target="user", column=None),
            _spec("entity_type", _("record type"), "string", column=None),
            _spec("record_id", _("record"), "integer", column=None),
            _spec(
                "record",
                _("the record of the task"),
                "reference",
                target="@entity_type",
                column=None,
                snapshot_key="record_id",
            ),
        ),
    )


BUILTIN: dict[str, Callable[[], EntitySchema]] = {
    "counterparty": _counterparty_schema,
    "contact": _contact_schema,
    "interaction": _interaction_schema,
    "deal": _deal_schema,
    "user": _user_schema,
    "department": _department_schema,
    TASK_ENTITY: _task_schema,
}


def user_view(user: Any) -> dict[str, Any]:
    name = getattr(user, "display_name", None) or user.get_full_name() or user.username
    return {
        "id": user.pk,
        "username": user.username,
        "name": str(name),
        "email": user.email,
        "department": user.department_id,
    }


def department_view(department: Any) -> dict[str, Any]:
    return {"id": department.pk, "name": department.name, "code": getattr(department, "code", "")}


# -- documents ------------------------------------------------------------------------------------------

DOCUMENT_TYPES = {
    "string": "string",
    "text": "text",
    "integer": "integer",
    "decimal": "decimal",
    "money": "money",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
    "choice": "choice",
    "reference": "reference",
    "file": "file",
}


def document_schema(code: str) -> EntitySchema | None:
    from potok.documents.entities import type_code_of
    from potok.documents.models import Document, DocumentStatus, DocumentType, FieldDefinition
    from potok.documents.snapshots import document_snapshot

    type_code = type_code_of(code)
    document_type = DocumentType.objects.filter(code=type_code).first() if type_code else None
    if document_type is None:
        return None
    statuses = tuple(
        (status.code, status.label) for status in DocumentStatus.objects.filter(document_type=document_type)
    )
    specs = [
        _spec("id", _("id"), "integer"),
        _spec("number", _("number"), "string"),
        _spec("status", _("status"), "choice", choices=statuses),
        _spec("author", _("author"), "user", target="user"),
        _spec("responsible", _("responsible"), "user", target="user"),
        _spec("department", _("department"), "department", target="department"),
        _spec("created_at", _("created"), "datetime"),
        _spec("version", _("version"), "integer"),
    ]
    taken = {spec.code for spec in specs}
    definitions = FieldDefinition.objects.filter(document_type=document_type, archived_at__isnull=True)
    for definition in definitions.order_by("position", "id"):
        if definition.code in taken:
            continue
        specs.append(_definition_spec(definition, json_column="data"))
    return EntitySchema(
        code=code,
        label=document_type.name,
        model=Document,
        base_filter=lambda: Q(document_type_id=document_type.pk),
        snapshot=document_snapshot,
        status_field="status",
        created_column="created_at",
        related=("document_type",),
        document_type_id=document_type.pk,
        fields=_fields(*specs),
    )


# -- generic ---------------------------------------------------------------------------------------------

_MODEL_TYPES: list[tuple[type[models.Field[Any, Any]], str]] = [
    (models.BooleanField, "boolean"),
    (models.DateTimeField, "datetime"),
    (models.DateField, "date"),
    (models.DecimalField, "decimal"),
    (models.IntegerField, "integer"),
    (models.FloatField, "decimal"),
    (models.TextField, "text"),
    (models.CharField, "string"),
    (models.JSONField, "list"),
]


def generic_schema(code: str) -> EntitySchema | None:
    try:
        entity = registry.get(code)
    except KeyError:
        return None
    specs = []
    for model_field in entity.model._meta.concrete_fields:
        name = model_field.name
        if isinstance(model_field, models.ForeignKey):
            target = _target_code(model_field.related_model)
            if target:
                specs.append(_spec(name, model_field.verbose_name, "reference", target=target))
            continue
        for field_class, kind in _MODEL_TYPES:
            if isinstance(model_field, field_class):
                choices = tuple(model_field.choices or ())
                specs.append(
                    _spec(name, model_field.verbose_name, "choice" if choices else kind, choices=choices)
                )
                break
    has_created = any(spec.code == "created_at" for spec in specs)
    return EntitySchema(
        code=code,
        label=entity.label,
        model=entity.model,
        base_filter=entity.base_filter,
        snapshot=_generic_snapshot,
        status_field="status" if any(spec.code == "status" for spec in specs) else None,
        created_column="created_at" if has_created else None,
        fields=_fields(*specs),
    )


def _generic_snapshot(record: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for model_field in record._meta.concrete_fields:
        if isinstance(model_field, models.ForeignKey):
            values[model_field.name] = getattr(record, model_field.attname)
        else:
            values[model_field.name] = getattr(record, model_field.name)
    return values


def _target_code(model: Any) -> str:
    candidates = [entity.code for entity in registry.all_types() if entity.model is model]
    preferred = [code for code in candidates if code in BUILTIN]
    return (preferred or candidates or [""])[0]
