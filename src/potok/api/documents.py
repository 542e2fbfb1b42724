"""API of user-defined documents: `/document-types` (the designer, for administrators) and
`/documents/{type_code}` (documents of any type, within the caller's rights). No code per type.

Thin: parse, call potok.documents' selectors and services, shape the answer. Field values travel in
`values` (field code → value, as the field type stores it); updates name the `version` they read and a stale
one is 409; errors name the field (`values` keys are field codes)."""

from __future__ import annotations

import datetime as dt
import mimetypes
from typing import Any

from django.db import transaction
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from potok.access.models import Action
from potok.access.selectors import can, is_administrator
from potok.api.pagination import PageOut, page_of
from potok.core.errors import PermissionDenied, ValidationFailed
from potok.documents import selectors, services
from potok.documents.models import Document, DocumentStatus, DocumentType, FieldDefinition

router = Router(tags=["documents"])


class Strict(Schema):
    """Bodies refuse keys they do not know, so a typo is an error, not a silently ignored value."""

    model_config = ConfigDict(extra="forbid")


# --- schemas ---------------------------------------------------------------------------------------


class StatusIn(Strict):
    code: str
    label_ru: str
    label_en: str = ""
    is_initial: bool = False
    is_final: bool = False
    color: str = "secondary"
    next_statuses: list[str] = []


class StatusPatch(Strict):
    label_ru: str | None = None
    label_en: str | None = None
    is_initial: bool | None = None
    is_final: bool | None = None
    color: str | None = None
    next_statuses: list[str] | None = None


class StatusOut(Schema):
    code: str
    label_ru: str
    label_en: str
    position: int
    is_initial: bool
    is_final: bool
    color: str
    next_statuses: list[str]


class FieldIn(Strict):
    code: str
    label_ru: str
    label_en: str = ""
    field_type: str
    required: bool = False
    default: Any = None
    settings: dict[str, Any] = {}
    help_ru: str = ""
    help_en: str = ""
    confidential: bool = False
    indexed: bool = False
    in_list: bool = False


class FieldPatch(Strict):
    label_ru: str | None = None
    label_en: str | None = None
    field_type: str | None = None
    required: bool | None = None
    default: Any = None
    settings: dict[str, Any] | None = None
    help_ru: str | None = None
    help_en: str | None = None
    confidential: bool | None = None
    indexed: bool | None = None
    in_list: bool | None = None


class FieldOut(Schema):
    code: str
    label_ru: str
    label_en: str
    field_type: str
    required: bool
    default: Any
    settings: dict[str, Any]
    help_ru: str
    help_en: str
    position: int
    confidential: bool
    indexed: bool
    in_list: bool
    archived: bool

    @staticmethod
    def resolve_archived(definition: FieldDefinition) -> bool:
        return definition.is_archived


class DocumentTypeIn(Strict):
    code: str
    name_ru: str
    name_en: str
    description: str = ""
    number_prefix: str = ""
    number_digits: int = 5
    statuses: list[StatusIn] | None = None
    fields: list[FieldIn] = []


class DocumentTypePatch(Strict):
    name_ru: str | None = None
    name_en: str | None = None
    description: str | None = None
    number_prefix: str | None = None
    number_digits: int | None = None


class DocumentTypeOut(Schema):
    code: str
    name_ru: str
    name_en: str
    description: str
    number_prefix: str
    number_digits: int
    archived: bool
    statuses: list[StatusOut]
    fields: list[FieldOut]

    @staticmethod
    def resolve_archived(document_type: DocumentType) -> bool:
        return document_type.archived_at is not None

    @staticmethod
    def resolve_statuses(document_type: DocumentType) -> list[DocumentStatus]:
        return selectors.statuses_of(document_type)

    @staticmethod
    def resolve_fields(document_type: DocumentType) -> list[FieldDefinition]:
        return selectors.field_definitions(document_type, include_archived=True)


class DocumentIn(Strict):
    values: dict[str, Any] = {}


class DocumentPatch(Strict):
    version: int
    values: dict[str, Any] = {}


class StatusChangeIn(Strict):
    status: str
    version: int | None = None
    comment: str = ""


class DocumentOut(Schema):
    id: int
    document_type: str
    number: str
    status: str
    values: dict[str, Any]
    author_id: int | None
    responsible_id: int | None
    department_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_document_type(document: Document) -> str:
        return document.document_type.code

    @staticmethod
    def resolve_values(document: Document, context: Any = None) -> dict[str, Any]:
        """The values, less the confidential fields the caller may not see (left out, not blanked)."""
        request = (context or {}).get("request")
        if request is None:
            return dict(document.data)
        return selectors.values_seen_by(request.user, document)


class DocumentSummary(Schema):
    id: int
    document_type: str
    number: str
    status: str

    @staticmethod
    def resolve_document_type(document: Document) -> str:
        return document.document_type.code


class LinksOut(Schema):
    referencing: list[DocumentSummary]
    referenced: list[DocumentSummary]


# --- document types --------------------------------------------------------------------------------


def _administrator(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied("document types")


def _readable_type(request: HttpRequest, code: str) -> DocumentType:
    document_type = selectors.document_type_get(code)
    entity = document_type.entity_type
    if not (
        is_administrator(request.user)
        or can(request.user, entity, Action.READ)
        or can(request.user, entity, Action.CREATE)
    ):
        raise PermissionDenied(f"document type {code}")
    return document_type


@router.get("document-types", response=list[DocumentTypeOut], summary="Document types the caller may use")
def document_types(request: HttpRequest) -> Any:
    if is_administrator(request.user):
        return list(selectors.document_types(include_archived=True))
    readable = {t.pk: t for t in selectors.document_types_for(request.user, Action.READ)}
    readable.update({t.pk: t for t in selectors.document_types_for(request.user, Action.CREATE)})
    return sorted(readable.values(), key=lambda t: (t.name_ru, t.pk))


@router.post(
    "document-types", response={201: DocumentTypeOut}, summary="Define a document type (administrators)"
)
def document_type_create(request: HttpRequest, body: DocumentTypeIn) -> Any:
    _administrator(request)
    with transaction.atomic():
        document_type = services.document_type_create(
            actor=request.user,
            code=body.code,
            name_ru=body.name_ru,
            name_en=body.name_en,
            description=body.description,
            number_prefix=body.number_prefix,
            number_digits=body.number_digits,
            statuses=[status.model_dump() for status in body.statuses] if body.statuses is not None else None,
        )
        for index, field in enumerate(body.fields):
            try:
                services.field_create(actor=request.user, owner=document_type, **field.model_dump())
            except ValidationFailed as error:
                raise ValidationFailed(
                    {f"fields.{index}.{key}": messages for key, messages in error.errors.items()}
                ) from error
    return Status(201, document_type)


@router.get(
    "document-types/{code}", response=DocumentTypeOut, summary="One document type with fields and statuses"
)
def document_type(request: HttpRequest, code: str) -> Any:
    return _readable_type(request, code)


@router.patch(
    "document-types/{code}", response=DocumentTypeOut, summary="Rename or renumber a type (administrators)"
)
def document_type_update(request: HttpRequest, code: str, body: DocumentTypePatch) -> Any:
    _administrator(request)
    document_type = selectors.document_type_get(code)
    changes = body.model_dump(exclude_unset=True)
    return services.document_type_update(actor=request.user, document_type=document_type, **changes)


@router.delete("document-types/{code}", response={204: None}, summary="Archive a type; its documents stay")
def document_type_archive(request: HttpRequest, code: str) -> Any:
    _administrator(request)
    services.document_type_set_archived(
        actor=request.user, document_type=selectors.document_type_get(code), archived=True
    )
    return Status(204, None)


@router.post("document-types/{code}/restore", response=DocumentTypeOut, summary="Bring an archived type back")
def document_type_restore(request: HttpRequest, code: str) -> Any:
    _administrator(request)
    return services.document_type_set_archived(
        actor=request.user, document_type=selectors.document_type_get(code), archived=False
    )


@router.post("document-types/{code}/fields", response={201: FieldOut}, summary="Add a field (administrators)")
def field_create(request: HttpRequest, code: str, body: FieldIn) -> Any:
    _administrator(request)
    document_type = selectors.document_type_get(code)
    return Status(201, services.field_create(actor=request.user, owner=document_type, **body.model_dump()))


@router.patch(
    "document-types/{code}/fields/{field_code}",
    response=FieldOut,
    summary="Change a field; a type change converts stored values or is refused with their count",
)
def field_update(request: HttpRequest, code: str, field_code: str, body: FieldPatch) -> Any:
    _administrator(request)
    definition = selectors.field_definition_get(selectors.document_type_get(code), field_code)
    return services.field_update(
        actor=request.user, definition=definition, **body.model_dump(exclude_unset=True)
    )


@router.delete(
    "document-types/{code}/fields/{field_code}",
    response={204: None},
    summary="Archive a field; values are kept",
)
def field_archive(request: HttpRequest, code: str, field_code: str) -> Any:
    _administrator(request)
    definition = selectors.field_definition_get(selectors.document_type_get(code), field_code)
    services.field_set_archived(actor=request.user, definition=definition, archived=True)
    return Status(204, None)


@router.post(
    "document-types/{code}/fields/{field_code}/restore", response=FieldOut, summary="Restore a field"
)
def field_restore(request: HttpRequest, code: str, field_code: str) -> Any:
    _administrator(request)
    definition = selectors.field_definition_get(selectors.document_type_get(code), field_code)
    return services.field_set_archived(actor=request.user, definition=definition, archived=False)


@router.post(
    "document-types/{code}/statuses", response={201: StatusOut}, summary="Add a status (administrators)"
)
def status_create(request: HttpRequest, code: str, body: StatusIn) -> Any:
    _administrator(request)
    document_type = selectors.document_type_get(code)
    return Status(
        201,
        services.document_status_create(actor=request.user, document_type=document_type, **body.model_dump()),
    )


@router.patch("document-types/{code}/statuses/{status_code}", response=StatusOut, summary="Change a status")
def status_update(request: HttpRequest, code: str, status_code: str, body: StatusPatch) -> Any:
    _administrator(request)
    status = selectors.status_get(selectors.document_type_get(code), status_code)
    changes = {key: value for key, value in body.model_dump(exclude_unset=True).items() if value is not None}
    return services.document_status_update(actor=request.user, status=status, **changes)


@router.delete(
    "document-types/{code}/statuses/{status_code}", response={204: None}, summary="Remove an unused status"
)
def status_delete(request: HttpRequest, code: str, status_code: str) -> Any:
    _administrator(request)
    services.document_status_delete(
        actor=request.user, status=selectors.status_get(selectors.document_type_get(code), status_code)
    )
    return Status(204, None)


# --- documents -------------------------------------------------------------------------------------


@router.get(
    "documents/{type_code}", response=PageOut[DocumentOut], summary="Documents of a type the caller may read"
)
def documents(
    request: HttpRequest,
    type_code: str,
    q: str = "",
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    """Filters: `status` (repeatable), `f.<field>=value` (repeatable: any of them), `f.<field>.gte=` and
    `f.<field>.lte=` on indexed fields; `q` searches the number and the values."""
    document_type = selectors.document_type_get(type_code)
    if sort not in selectors.DOCUMENT_SORTS:
        raise ValidationFailed({"sort": f"Use one of: {', '.join(selectors.DOCUMENT_SORTS)}."})
    queryset = selectors.search(selectors.documents_of(request.user, document_type), q)
    queryset = selectors.apply_filters(
        queryset,
        document_type,
        selectors.parse_filters(request.GET),
        user=request.user,
        statuses=request.GET.getlist("status"),
    )
    return page_of(queryset, order=selectors.DOCUMENT_SORTS[sort], cursor=cursor, limit=limit)


@router.post("documents/{type_code}", response={201: DocumentOut}, summary="Create a document")
def document_create(request: HttpRequest, type_code: str, body: DocumentIn) -> Any:
    document_type = selectors.document_type_get(type_code, include_archived=False)
    if not can(request.user, document_type.entity_type, Action.CREATE):
        raise PermissionDenied(f"create {document_type.entity_type}")
    document = services.document_create(actor=request.user, document_type=document_type, values=body.values)
    return Status(201, document)


@router.get("documents/{type_code}/{document_id}", response=DocumentOut, summary="One document")
def document(request: HttpRequest, type_code: str, document_id: int) -> Any:
    return selectors.document_get(request.user, selectors.document_type_get(type_code), document_id)


@router.patch(
    "documents/{type_code}/{document_id}",
    response=DocumentOut,
    summary="Change values (names the version read)",
)
def document_update(request: HttpRequest, type_code: str, document_id: int, body: DocumentPatch) -> Any:
    document_type = selectors.document_type_get(type_code)
    document = selectors.document_get(request.user, document_type, document_id, Action.UPDATE)
    return services.document_update(
        actor=request.user, document=document, values=body.values, expected_version=body.version, partial=True
    )


@router.delete("documents/{type_code}/{document_id}", response={204: None}, summary="Delete a document")
def document_delete(
    request: HttpRequest, type_code: str, document_id: int, version: int | None = None
) -> Any:
    document_type = selectors.document_type_get(type_code)
    document = selectors.document_get(request.user, document_type, document_id, Action.DELETE)
    services.document_delete(actor=request.user, document=document, expected_version=version)
    return Status(204, None)


@router.post(
    "documents/{type_code}/{document_id}/status", response=DocumentOut, summary="Move to another status"
)
def document_status(request: HttpRequest, type_code: str, document_id: int, body: StatusChangeIn) -> Any:
    document_type = selectors.document_type_get(type_code)
    document = selectors.document_get(request.user, document_type, document_id, Action.UPDATE)
    return services.document_set_status(
        actor=request.user,
        document=document,
        status=body.status,
        expected_version=body.version,
        comment=body.comment,
    )


@router.get("documents/{type_code}/{document_id}/links", response=LinksOut, summary="Linked documents")
def document_links(request: HttpRequest, type_code: str, document_id: int) -> Any:
    document = selectors.document_get(request.user, selectors.document_type_get(type_code), document_id)
    return {
        "referencing": list(selectors.documents_referencing(document, user=request.user)[:200]),
        "referenced": selectors.documents_referenced_by(document, user=request.user),
    }


@router.post(
    "documents/{type_code}/{document_id}/files/{field_code}",
    response=DocumentOut,
    summary="Upload the file of a file field (multipart: file, version)",
)
def document_file_upload(
    request: HttpRequest,
    type_code: str,
    document_id: int,
    field_code: str,
    file: File[UploadedFile],
    version: Form[int | None] = None,
) -> Any:
    document_type = selectors.document_type_get(type_code)
    document = selectors.document_get(request.user, document_type, document_id, Action.UPDATE)
    return services.document_update(
        actor=request.user,
        document=document,
        values={field_code: file},
        expected_version=version,
        partial=True,
    )


@router.get(
    "documents/{type_code}/{document_id}/files/{field_code}", summary="Download the file of a file field"
)
def document_file_download(request: HttpRequest, type_code: str, document_id: int, field_code: str) -> Any:
    stored = selectors.document_file(
        request.user, selectors.document_type_get(type_code), document_id, field_code
    )
    content_type = (
        stored.content_type or mimetypes.guess_type(stored.original_name)[0] or "application/octet-stream"
    )
    if content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml", "image/svg+xml"):
        content_type = "application/octet-stream"
    response = FileResponse(
        stored.file.open("rb"), as_attachment=True, filename=stored.original_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
