"""Personal data pages (152-ФЗ): what Potok holds about a person, its JSON export and erasure on request.
Views parse input, call potok.privacy, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import can, is_administrator
from potok.audit.models import AuditEvent
from potok.core.errors import PermissionDenied, ValidationFailed
from potok.privacy.apps import PERSONAL_DATA
from potok.privacy.erasure import ERASE_ACTION, person_erase, running_instances
from potok.privacy.export import EXPORT_ACTION, collect, person_export
from potok.privacy.subjects import SUBJECT_TYPES, subject_get
from potok.web.views.errors import domain_errors

SECTIONS = [
    ("contacts", gettext_lazy("contact records")),
    ("consents", gettext_lazy("consents")),
    ("interactions", gettext_lazy("interactions")),
    ("documents", gettext_lazy("documents referencing the person")),
    ("documents_mentioning", gettext_lazy("documents mentioning the person")),
    ("files", gettext_lazy("files")),
    ("leads", gettext_lazy("leads")),
    ("deals", gettext_lazy("deals")),
    ("processes", gettext_lazy("processes")),
    ("audit", gettext_lazy("audit entries")),
    ("events", gettext_lazy("change events")),
]


def _check_type(entity_type: str) -> None:
    if entity_type not in SUBJECT_TYPES:
        raise Http404(entity_type)


def _require_officer(user: Any) -> None:
    if not (can(user, PERSONAL_DATA, Action.EXPORT) or can(user, PERSONAL_DATA, Action.DELETE)):
        raise PermissionDenied("personal data")


@login_required
@domain_errors
def person_page(request: HttpRequest, entity_type: str, pk: int) -> HttpResponse:
    _check_type(entity_type)
    _require_officer(request.user)
    try:
        subject = subject_get(entity_type=entity_type, record_id=pk)
    except ValidationFailed as error:
        messages.error(request, " ".join(text for texts in error.errors.values() for text in texts))
        return redirect("web:counterparty_detail", pk=pk)
    summary = collect(subject)["summary"]
    return render(
        request,
        "web/privacy/person.html",
        {
            "subject": subject,
            "sections": [(label, summary.get(key, 0)) for key, label in SECTIONS],
            "running": running_instances(subject).count(),
            "may_export": can(request.user, PERSONAL_DATA, Action.EXPORT),
            "may_erase": can(request.user, PERSONAL_DATA, Action.DELETE),
            "may_force": is_administrator(request.user),
            "requests": AuditEvent.objects.filter(
                entity_type=subject.entity_type,
                record_id=str(subject.record_id),
                action__in=[EXPORT_ACTION, ERASE_ACTION],
            )
            .select_related("actor")
            .order_by("-occurred_at", "-id")[:50],
            "errors": {},
        },
    )


@login_required
@require_POST
@domain_errors
def person_export_download(request: HttpRequest, entity_type: str, pk: int) -> HttpResponse:
    _check_type(entity_type)
    data = person_export(
        actor=request.user, entity_type=entity_type, record_id=pk, reason=request.POST.get("reason", "")
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="personal-data-{entity_type}-{pk}.json"'
    return response


@login_required
@require_POST
@domain_errors
def person_erasure(request: HttpRequest, entity_type: str, pk: int) -> HttpResponse:
    _check_type(entity_type)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm: an erasure cannot be undone."))
        return redirect("web:personal_data", entity_type=entity_type, pk=pk)
    try:
        report = person_erase(
            actor=request.user,
            entity_type=entity_type,
            record_id=pk,
            reason=request.POST.get("reason", ""),
            force=request.POST.get("force") == "yes",
        )
    except ValidationFailed as error:
        for field, texts in error.errors.items():
            for text in texts:
                messages.error(request, text if field == "__all__" else f"{_field_label(field)}: {text}")
        return redirect("web:personal_data", entity_type=entity_type, pk=pk)
    if report.already_erased and not report.changed:
        messages.info(request, _("The data of this person were already erased; nothing was left to change."))
    else:
        messages.success(
            request,
            _("The personal data are erased: %(count)d records changed. The person is now «%(name)s».")
            % {"count": report.total, "name": report.placeholder},
        )
    return redirect("web:personal_data", entity_type=entity_type, pk=pk)


def _field_label(field: str) -> str:
    return {"reason": _("Request or reason"), "force": _("Running processes")}.get(field, field)
