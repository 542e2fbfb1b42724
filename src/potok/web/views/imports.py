"""The import wizard: upload → column mapping → preview (per-row status and reasons) → import with a
progress bar (htmx polling the job row) → report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import can
from potok.core.errors import Conflict, ValidationFailed
from potok.imports import registry, selectors, services
from potok.imports.models import JobStatus, RowStatus
from potok.imports.reading import DELIMITERS, ENCODINGS, MAX_FILE_BYTES
from potok.web.views.clients import add_errors, styled
from potok.web.views.errors import domain_errors

ROWS_PER_PAGE = 100


def importable_choices(user: Any) -> list[tuple[str, str]]:
    return [
        (item.code, str(item.label)) for item in registry.all_types() if can(user, item.code, Action.CREATE)
    ]


class UploadForm(forms.Form):
    entity_type = forms.ChoiceField(label=gettext_lazy("What to import"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV or XLSX with a header row, up to %(limit)d MB.")
        % {"limit": MAX_FILE_BYTES // 1024 // 1024},
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"),
        required=False,
        choices=[("", gettext_lazy("detect automatically")), *ENCODINGS.items()],
    )
    delimiter = forms.ChoiceField(
        label=gettext_lazy("Delimiter"),
        required=False,
        choices=[("", gettext_lazy("detect automatically")), *DELIMITERS.items()],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["entity_type"].choices = importable_choices(user)  # type: ignore[attr-defined]
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.xlsx"


@login_required
@domain_errors
def import_list(request: HttpRequest) -> HttpResponse:
    choices = importable_choices(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            form.add_error(
                "file",
                _("The file is %(size)s MB; the limit is %(limit)d MB. Split it into smaller files.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_FILE_BYTES // 1024 // 1024},
            )
        else:
            try:
                job = services.import_upload(
                    actor=request.user,
                    entity_type=form.cleaned_data["entity_type"],
                    file_name=upload.name,
                    content=upload.read(),
                    encoding=form.cleaned_data["encoding"],
                    delimiter=form.cleaned_data["delimiter"],
                )
            except ValidationFailed as error:
                add_errors(form, error)
            else:
                return redirect("web:import_detail", pk=job.pk)
    return render(
        request,
        "web/imports/list.html",
        {
            "form": styled(form) if choices else None,
            "jobs": selectors.jobs_visible(request.user).order_by("-id")[:50],
        },
    )


def _mapping_rows(job: Any) -> list[dict[str, Any]]:
    return [
        {"index": str(index), "header": header, "field": job.mapping.get(str(index), "")}
        for index, header in enumerate(job.headers)
    ]


@login_required
@domain_errors
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(request.user, pk)
    importable = registry.get(job.entity_type)
    context: dict[str, Any] = {
        "job": job,
        "importable": importable,
        "fields": importable.fields,
        "mapping_rows": _mapping_rows(job),
        "errors": {},
    }
    if request.method == "POST":
        mapping = {
            key.removeprefix("column_"): str(value)
            for key, value in request.POST.items()
            if key.startswith("column_")
        }
        try:
            services.import_preview(actor=request.user, job=job, mapping=mapping)
        except ValidationFailed as error:
            context["errors"] = error.errors
            job.mapping = {key: value for key, value in mapping.items() if value}
            context["mapping_rows"] = _mapping_rows(job)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("web:import_detail", pk=job.pk)
        else:
            return redirect("web:import_detail", pk=job.pk)
    if job.status in (JobStatus.PREVIEWED, JobStatus.DONE):
        status = request.GET.get("status", "")
        rows = selectors.job_rows(job, status=status if status in RowStatus.values else "")
        page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        labels = _value_labels(job)
        context.update(
            rows_page=page,
            row_items=[
                {"row": row, "cells": [row.values.get(key, "") for key, _label in labels]} for row in page
            ],
            status_filter=status,
            counts=[(key, RowStatus(key).label, value) for key, value in sorted(job.counts.items())],
            value_labels=labels,
        )
    # On SQLite the running import holds the only write lock, so a cancel could not be recorded.
    cancellable = {JobStatus.UPLOADED, JobStatus.PREVIEWED, JobStatus.QUEUED, JobStatus.ANALYSING}
    if connection.vendor == "postgresql":
        cancellable.add(JobStatus.RUNNING)
    context["may_cancel"] = job.status in cancellable
    return render(request, "web/imports/detail.html", context)


def _value_labels(job: Any) -> list[tuple[str, Any]]:
    labels = {item.name: item.label for item in registry.get(job.entity_type).fields}
    keys = (
        ["name", "inn", "kpp", "phones", "emails"]
        if job.entity_type == "counterparty"
        else ["name", "counterparty", "phones", "emails"]
    )
    fallback = {"counterparty": gettext_lazy("Counterparty"), "name": pgettext_lazy("title", "Name")}
    return [(key, labels.get(key) or fallback.get(key, key)) for key in keys]


@login_required
@domain_errors
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx while the job runs; once it ends it tells the page to reload."""
    job = selectors.job_get(request.user, pk)
    response = render(request, "web/imports/_progress.html", {"job": job})
    if not job.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
@domain_errors
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(request.user, pk)
    try:
        services.import_start(actor=request.user, job=job)
    except Conflict as error:
        messages.error(request, str(error))
    return redirect("web:import_detail", pk=job.pk)


@login_required
@require_POST
@domain_errors
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(request.user, pk)
    try:
        services.import_cancel(actor=request.user, job=job)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.info(request, _("The import is cancelled; nothing of it is kept."))
    return redirect("web:import_detail", pk=job.pk)
