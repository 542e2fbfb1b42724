"""Document pages under /documents/<type>/: list, export, create (with values from the query string),
page, edit with optimistic locking, status changes, delete, file downloads and the reference picker."""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import can, is_administrator
from potok.audit.selectors import audit_events_for_record
from potok.core import clock
from potok.core.errors import Conflict, PermissionDenied, ValidationFailed
from potok.documents import selectors, services
from potok.documents.confidential import hidden_codes
from potok.documents.forms import (
    add_errors,
    default_initial,
    initial_values,
    raw_from_query,
    raw_values,
    values_form_class,
)
from potok.documents.models import Document, DocumentType, FieldType
from potok.web.views.documents import export
from potok.web.views.documents.common import form_options, int_or_none, messages_of, streaming_domain_errors
from potok.web.views.documents.history import shown_history
from potok.web.views.documents.listing import (
    document_list_spec,
    fill_reference_cells,
    filtered_documents,
    hidden_columns,
    mask_confidential_cells,
    range_filters,
    without_fields,
)
from potok.web.views.errors import domain_errors

# Served as a download only, and never as something a browser would run.
UNSAFE_CONTENT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/javascript",
    "application/javascript",
)


def _type(code: str) -> DocumentType:
    return selectors.document_type_get(code)


@login_required
@domain_errors
def document_list(request: HttpRequest, code: str) -> HttpResponse:
    document_type = _type(code)
    user = request.user
    if not can(user, document_type.entity_type, Action.READ):
        # An empty list, not an error, for someone without the right (as other lists do).
        queryset = Document.objects.none()
    else:
        queryset = selectors.documents_of(user, document_type)
    hidden = hidden_columns(user, document_type)
    spec = without_fields(document_list_spec(document_type), hidden)
    definitions = [d for d in selectors.field_definitions(document_type) if d.code not in hidden]
    filter_errors: list[str] = []
    try:
        queryset = filtered_documents(request, queryset, document_type)
    except ValidationFailed as error:
        filter_errors = [message for messages_ in error.errors.values() for message in messages_]
        queryset = queryset.none()
    try:
        context = spec.context(request, queryset)
    except ValidationFailed as error:
        filter_errors += [message for messages_ in error.errors.values() for message in messages_]
        context = spec.context(_without_cursor(request), queryset.none())
    fill_reference_cells(context, definitions)
    mask_confidential_cells(context, definitions, user, document_type)
    params = request.GET.copy()
    params.pop("after", None)
    statuses = selectors.statuses_of(document_type)
    context.update(
        document_type=document_type,
        title=document_type.name,
        range_filters=range_filters(definitions, request),
        filter_errors=filter_errors,
        status_colors={status.code: status.color for status in statuses},
        create_url=reverse("web:document_create", args=[code])
        if document_type.archived_at is None and can(user, document_type.entity_type, Action.CREATE)
        else None,
        export_query=params.urlencode(),
        may_export=can(user, document_type.entity_type, Action.EXPORT),
    )
    template = (
        "web/documents/_rows.html"
        if request.headers.get("HX-Request")
        else "web/documents/document_list.html"
    )
    return render(request, template, context)


def _without_cursor(request: HttpRequest) -> HttpRequest:
    params = request.GET.copy()
    params.pop("after", None)
    request.GET = params  # type: ignore[assignment]
    return request


@login_required
@streaming_domain_errors
def document_export(request: HttpRequest, code: str) -> HttpResponseBase:
    document_type = _type(code)
    if not can(request.user, document_type.entity_type, Action.EXPORT):
        raise PermissionDenied(f"export {document_type.entity_type}")
    queryset = selectors.documents_of(request.user, document_type, Action.EXPORT)
    try:
        queryset = filtered_documents(request, queryset, document_type)
    except ValidationFailed as error:
        return HttpResponse("; ".join(messages_of(error)), status=400, content_type="text/plain")
    spec = document_list_spec(document_type)
    sort = request.GET.get("sort", spec.default_sort)
    queryset = queryset.order_by(*spec.sorts.get(sort, spec.sorts[spec.default_sort]))[: export.EXPORT_LIMIT]
    filename = f"{document_type.code}"
    if request.GET.get("format") == "xlsx":
        return export.xlsx_response(document_type, queryset, filename, user=request.user)
    return export.csv_response(document_type, queryset, filename, user=request.user)


def _values_form(
    document_type: DocumentType,
    user: Any,
    *,
    data: Any = None,
    files: Any = None,
    initial: Any = None,
    document: Document | None = None,
) -> Any:
    definitions = _form_definitions(document_type, user, document)
    form_class = values_form_class(
        definitions, options=form_options(user, held=document.data if document is not None else None)
    )
    form = form_class(data, files, initial=initial)
    if document is not None:
        # A file field shows the file it holds, with a box to remove it.
        seen = selectors.values_seen_by(user, document)
        for value in selectors.shown_values(definitions, seen, include_empty=False):
            if value.definition.field_type == FieldType.FILE:
                form.fields[value.definition.code].current = value.text  # type: ignore[attr-defined]
    return definitions, form


def _form_definitions(document_type: DocumentType, user: Any, document: Document | None) -> list[Any]:
    """The fields a form shows: not the confidential ones the user may not see (a save keeps them)."""
    definitions = selectors.field_definitions(document_type)
    hidden = hidden_codes(user, document_type.entity_type, definitions, document.pk if document else None)
    return [d for d in definitions if d.code not in hidden]


@login_required
@domain_errors
def document_create(request: HttpRequest, code: str) -> HttpResponse:
    document_type = selectors.document_type_get(code, include_archived=False)
    if not can(request.user, document_type.entity_type, Action.CREATE):
        raise PermissionDenied(f"create {document_type.entity_type}")
    if request.method == "POST":
        definitions, form = _values_form(document_type, request.user, data=request.POST, files=request.FILES)
        form.is_valid()
        try:
            document = services.document_create(
                actor=request.user,
                document_type=document_type,
                values=raw_values(definitions, request.POST, request.FILES),
            )
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(number)s is registered.") % {"number": document.number})
            return redirect("web:document_detail", code=code, pk=document.pk)
    else:
        definitions = _form_definitions(document_type, request.user, None)
        # Defaults, then values given in the query string (?complaint=42); the service checks them on save.
        initial = {
            **default_initial(definitions, now=clock.now()),
            **raw_from_query(definitions, request.GET),
        }
        _definitions, form = _values_form(document_type, request.user, initial=initial)
    return render(
        request,
        "web/documents/document_form.html",
        {"document_type": document_type, "form": form, "document": None},
    )


@login_required
@domain_errors
def document_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    document_type = _type(code)
    user = request.user
    document = selectors.document_get(user, document_type, pk)
    hidden = selectors.hidden_fields(user, document)
    definitions = [
        d for d in selectors.field_definitions(document_type, include_archived=True) if d.code not in hidden
    ]
    shown = selectors.shown_values([d for d in definitions if not d.is_archived], document.data)
    archived = selectors.shown_values(
        [d for d in definitions if d.is_archived], document.data, include_empty=False
    )
    may_update = selectors.documents_of(user, document_type, Action.UPDATE).filter(pk=document.pk).exists()
    may_delete = selectors.documents_of(user, document_type, Action.DELETE).filter(pk=document.pk).exists()
    status = next((s for s in selectors.statuses_of(document_type) if s.code == document.status), None)
    return render(
        request,
        "web/documents/document_detail.html",
        {
            "document_type": document_type,
            "document": document,
            "status": status,
            "values": [(value, _link(value, user)) for value in shown],
            "archived_values": archived if is_administrator(user) else [],
            "next_statuses": selectors.allowed_next_statuses(document) if may_update else [],
            "may_update": may_update,
            "may_delete": may_delete,
            "referencing": list(selectors.documents_referencing(document, user=user)[:50]),
            "referenced": selectors.documents_referenced_by(document, user=user),
            "create_linked": _create_linked(user, document),
            "audit_events": shown_history(
                document_type,
                audit_events_for_record(entity_type=document_type.entity_type, record_id=document.pk)[:100],
                hidden=hidden,
            ),
        },
    )


def _link(value: selectors.ShownValue, user: Any) -> str | None:
    """Where a value leads: a file to its download, a referenced document to its page."""
    definition, stored = value.definition, value.stored
    if stored in (None, ""):
        return None
    if definition.field_type == FieldType.FILE:
        return "file"
    if definition.field_type == FieldType.REFERENCE:
        target = str(definition.settings.get("target", ""))
        if target.startswith("document."):
            return reverse("web:document_detail", args=[target.removeprefix("document."), stored])
    return None


def _create_linked(user: Any, document: Document) -> list[dict[str, Any]]:
    """Documents the user may create with a reference to this one filled in (an act for a complaint)."""
    offers = []
    for document_type in selectors.document_types_for(user, Action.CREATE):
        for definition in selectors.field_definitions(document_type):
            if (
                definition.field_type == FieldType.REFERENCE
                and definition.settings.get("target") == document.entity_type
            ):
                url = reverse("web:document_create", args=[document_type.code])
                offers.append(
                    {"label": document_type.name, "url": f"{url}?{urlencode({definition.code: document.pk})}"}
                )
                break
    return offers


@login_required
@domain_errors
def document_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    document_type = _type(code)
    document = selectors.document_get(request.user, document_type, pk, Action.UPDATE)
    conflict = None
    if request.method == "POST":
        definitions, form = _values_form(
            document_type, request.user, data=request.POST, files=request.FILES, document=document
        )
        form.is_valid()
        try:
            services.document_update(
                actor=request.user,
                document=document,
                values=raw_values(definitions, request.POST, request.FILES),
                expected_version=int_or_none(request.POST.get("version")) or 0,
                partial=False,
            )
        except ValidationFailed as error:
            add_errors(form, error)
        except Conflict as error:
            conflict = str(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:document_detail", code=code, pk=pk)
        version = request.POST.get("version")
    else:
        definitions = _form_definitions(document_type, request.user, document)
        _definitions, form = _values_form(
            document_type, request.user, initial=initial_values(definitions, document.data), document=document
        )
        version = str(document.version)
    return render(
        request,
        "web/documents/document_form.html",
        {
            "document_type": document_type,
            "form": form,
            "document": document,
            "version": version,
            "conflict": conflict,
        },
    )


@login_required
@require_POST
@domain_errors
def document_status(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    document_type = _type(code)
    document = selectors.document_get(request.user, document_type, pk, Action.UPDATE)
    try:
        services.document_set_status(
            actor=request.user,
            document=document,
            status=request.POST.get("status", ""),
            expected_version=int_or_none(request.POST.get("version")),
            comment=request.POST.get("comment", ""),
        )
    except (ValidationFailed, Conflict) as error:
        text = "; ".join(messages_of(error)) if isinstance(error, ValidationFailed) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, _("The status is changed."))
    return redirect("web:document_detail", code=code, pk=pk)


@login_required
@require_POST
@domain_errors
def document_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    document_type = _type(code)
    document = selectors.document_get(request.user, document_type, pk, Action.DELETE)
    try:
        services.document_delete(
            actor=request.user, document=document, expected_version=int_or_none(request.POST.get("version"))
        )
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("web:document_detail", code=code, pk=pk)
    messages.success(request, _("%(number)s is deleted.") % {"number": document.number})
    return redirect("web:document_list", code=code)


@login_required
@streaming_domain_errors
def document_file(request: HttpRequest, code: str, pk: int, field_code: str) -> HttpResponseBase:
    """A file of a document, only for someone who may read the document; always as an attachment."""
    document_type = _type(code)
    stored = selectors.document_file(request.user, document_type, pk, field_code)
    content_type = (
        stored.content_type or mimetypes.guess_type(stored.original_name)[0] or "application/octet-stream"
    )
    if content_type.split(";")[0].strip().lower() in UNSAFE_CONTENT_TYPES:
        content_type = "application/octet-stream"
    response = FileResponse(
        stored.file.open("rb"), as_attachment=True, filename=stored.original_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def reference_lookup(request: HttpRequest, target: str) -> HttpResponse:
    """Options for a reference field's picker (htmx): id, name and a detail line, nothing more."""
    field = request.GET.get("field", "")[:64]
    query = request.GET.get(f"{field}__search", "") or request.GET.get("q", "")
    hint = ""
    try:
        options = selectors.lookup(request.user, target, query)
    except ValidationFailed as error:
        options = []
        hint = "; ".join(messages_of(error))
    except PermissionDenied as error:
        raise DjangoPermissionDenied from error
    return render(
        request,
        "web/documents/_lookup_options.html",
        {"options": options, "field": field, "hint": hint, "query": query},
    )
