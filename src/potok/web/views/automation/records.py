"""Automation on record pages and around them: the panel a record page includes (processes to start by
hand; for administrators the rules evaluated for the record), the manual start, the "why" screen and the
rule incidents."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import get_record, is_administrator
from potok.automation import selectors
from potok.automation.models import ManualStartState, Outcome
from potok.automation.services import incidents, manual
from potok.core.errors import DomainError, NotFound, ValidationFailed
from potok.core.pagination import keyset_page
from potok.web.views.errors import domain_errors


def instance_url(instance_id: str) -> str:
    """The process instance's page, when the process pages are installed."""
    for name in ("web:process_instance", "web:process_instance_detail"):
        try:
            return reverse(name, args=[instance_id])
        except NoReverseMatch:
            continue
    return ""


def _record_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(f"record {value}") from None


@login_required
@domain_errors
def record_panel(request: HttpRequest) -> HttpResponse:
    """Loaded by htmx into a record page (web/automation/_record_rules.html)."""
    entity_type = request.GET.get("entity_type", "")
    record_id = _record_id(request.GET.get("record_id"))
    get_record(request.user, entity_type, record_id, Action.READ)
    administrator = is_administrator(request.user)
    return render(
        request,
        "web/automation/_record_panel.html",
        {
            "entity_type": entity_type,
            "record_id": record_id,
            "processes": manual.startable_processes(entity_type)
            if manual.may_start_by_hand(request.user, entity_type, record_id)
            else [],
            "evaluations": selectors.record_evaluations(
                request.user, entity_type=entity_type, record_id=record_id
            ),
            "administrator": administrator,
            "next": request.GET.get("next", ""),
        },
    )


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("web:home")


@login_required
@require_POST
@domain_errors
def start_from_record(request: HttpRequest) -> HttpResponse:
    entity_type = request.POST.get("entity_type", "")
    record_id = _record_id(request.POST.get("record_id"))
    background = request.POST.get("background", "on") == "on"
    try:
        started = manual.manual_start_request(
            actor=request.user,
            entity_type=entity_type,
            record_id=record_id,
            process_key=request.POST.get("process", ""),
            background=background,
        )
    except ValidationFailed as error:
        messages.error(request, "; ".join(" ".join(m) for m in error.errors.values()))
        return redirect(_back(request))
    status_url = reverse("web:manual_start_detail", args=[started.pk])
    if started.state == ManualStartState.STARTED:
        link = instance_url(started.process_instance_id) or status_url
        messages.success(
            request, format_html('{} <a href="{}">{}</a>', _("The process has started."), link, _("Open"))
        )
    else:
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("The process is starting in the background."),
                status_url,
                _("Follow it"),
            ),
        )
    return redirect(_back(request))


@login_required
@domain_errors
def manual_start_detail(request: HttpRequest, pk: int) -> HttpResponse:
    started = selectors.manual_start(request.user, pk)
    return render(
        request,
        "web/automation/manual_start.html",
        {
            "started": started,
            "instance_url": instance_url(started.process_instance_id) if started.process_instance_id else "",
        },
    )


@login_required
@domain_errors
def why(request: HttpRequest) -> HttpResponse:
    """«Why didn't rule R start for record X?» — its evaluations for the record, or the reasons there are none."""
    if not is_administrator(request.user):
        raise PermissionDenied
    rule_id = request.GET.get("rule") or ""
    entity_type = request.GET.get("entity_type", "")
    record = request.GET.get("record") or ""
    outcome = request.GET.get("outcome") or None
    rule = selectors.rule(request.user, rule_id) if rule_id else None
    found = selectors.evaluations(
        request.user,
        rule_id=rule.pk if rule else None,
        entity_type=entity_type or None,
        record_id=_record_id(record) if record else None,
        outcome=outcome,
    )
    page = keyset_page(found, order=("-id",), after=request.GET.get("after") or None, size=50)
    explanation: list[dict[str, Any]] = []
    if rule is not None and record and entity_type and not page.items:
        explanation = selectors.explain_absence(
            request.user, rule, entity_type=entity_type, record_id=_record_id(record)
        )
    params = request.GET.copy()
    if page.next_cursor:
        params["after"] = page.next_cursor
    return render(
        request,
        "web/automation/why.html",
        {
            "rule": rule,
            "rules": list(selectors.rules(request.user)[:500]),
            "entity_type": entity_type,
            "record": record,
            "outcome": outcome or "",
            "outcomes": Outcome.choices,
            "evaluations": page.items,
            "explanation": explanation,
            "next_url": f"?{params.urlencode()}" if page.next_cursor else None,
        },
    )


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    state = request.GET.get("state", "open")
    page = keyset_page(
        selectors.incidents(request.user, state=state or None),
        order=("-id",),
        after=request.GET.get("after") or None,
        size=50,
    )
    params = request.GET.copy()
    if page.next_cursor:
        params["after"] = page.next_cursor
    return render(
        request,
        "web/automation/incident_list.html",
        {
            "incidents": page.items,
            "state": state,
            "next_url": f"?{params.urlencode()}" if page.next_cursor else None,
        },
    )


@login_required
@require_POST
@domain_errors
def incident_retry(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident(request.user, pk)
    try:
        retried = incidents.incident_retry(actor=request.user, incident=incident)
    except ValidationFailed as error:
        messages.error(request, "; ".join(" ".join(m) for m in error.errors.values()))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if retried.state == "resolved":
            messages.success(request, _("Retried: the incident is resolved."))
        else:
            messages.warning(
                request, _("Retried, but it failed again: %(message)s") % {"message": retried.message}
            )
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("web:rule_incident_list")
