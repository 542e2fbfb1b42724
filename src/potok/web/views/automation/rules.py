"""Start-rule pages for administrators: the list, the editor, the rule's page (versions, evaluations with
filters, test on a record, dry run, application to existing records, incidents)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potok.access.selectors import is_administrator
from potok.audit.selectors import audit_events_for_record
from potok.automation import selectors
from potok.automation.models import Outcome, RuleEvent
from potok.automation.schema import SchemaCache, schema_for
from potok.automation.services import applications, rules
from potok.core.errors import DomainError, ValidationFailed
from potok.core.pagination import keyset_page
from potok.web.views.automation.forms import RuleForm
from potok.web.views.errors import domain_errors

PAGE_SIZE = 30


def _require_administrator(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied


def builder_schema(entity_type: str) -> dict[str, Any]:
    """The fields the condition builder offers: the record's own, then each reference's, one level."""
    try:
        schema = schema_for(entity_type)
    except KeyError:
        return {"code": entity_type, "label": entity_type, "fields": []}
    described = schema.describe()
    schemas = SchemaCache()
    for field in described["fields"]:
        target = field.get("target") or ""
        if target and not target.startswith("@"):
            found = schemas.get(target)
            if found is not None:
                field["fields"] = [spec.describe() for spec in found.fields.values()]
    return described


def builder_labels() -> dict[str, str]:
    """The condition builder's words, translated here so the script holds none."""
    return {
        "all": _("all of"),
        "any": _("any of"),
        "not": _("NOT"),
        "add_condition": _("Condition"),
        "add_group": _("Group"),
        "add_expression": _("Expression"),
        "remove": _("Remove"),
        "negate": _("Negate"),
        "field": _("Field"),
        "operator": _("Operator"),
        "value": _("Value"),
        "low": _("from"),
        "high": _("to"),
        "expression": _("An expression in Potok's language, e.g. len(description) > 100"),
        "always": _("No condition: every record matches."),
        "json": _("Show as JSON"),
        "choose_type": _("Choose the record type to see its fields."),
        "yes": _("yes"),
        "no": _("no"),
        "list_hint": _("values separated by commas"),
        "eq": _("="),
        "ne": _("≠"),
        "gt": _(">"),
        "gte": _("≥"),
        "lt": _("<"),
        "lte": _("≤"),
        "between": _("between"),
        "in": _("is one of"),
        "not_in": _("is none of"),
        "contains": _("contains"),
        "not_contains": _("does not contain"),
        "starts_with": _("starts with"),
        "ends_with": _("ends with"),
        "matches": _("matches the pattern"),
        "is_empty": _("is empty"),
        "is_not_empty": _("is not empty"),
        "changed": _("changed"),
        "changed_from": _("changed from"),
        "changed_to": _("changed to"),
        "became_gt": _("became >"),
        "became_gte": _("became ≥"),
        "became_lt": _("became <"),
        "became_lte": _("became ≤"),
    }


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    entity_type = request.GET.get("entity_type") or None
    state = request.GET.get("state", "")
    found = selectors.rules(
        request.user,
        entity_type=entity_type,
        enabled={"enabled": True, "disabled": False}.get(state),
        needs_attention=True if state == "attention" else None,
        search=request.GET.get("q", "").strip(),
    )
    open_incidents = selectors.incidents(request.user).count()
    return render(
        request,
        "web/automation/rule_list.html",
        {
            "rules": list(found[:500]),
            "entity_type": entity_type or "",
            "state": state,
            "q": request.GET.get("q", ""),
            "entity_types": dict(_entity_types()),
            "open_incidents": open_incidents,
        },
    )


def _entity_types() -> list[tuple[str, str]]:
    from potok.automation.schema import rule_entity_types

    return rule_entity_types()


@login_required
def rule_schema(request: HttpRequest) -> JsonResponse:
    _require_administrator(request)
    return JsonResponse(builder_schema(request.GET.get("entity_type", "")))


def _edit(request: HttpRequest, rule: Any) -> HttpResponse:
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                data = form.rule_data()
                if rule is None:
                    data["comment"] = form.cleaned_data.get("comment", "")
                    saved = rules.rule_create(actor=request.user, data=data)
                    messages.success(request, _("The rule «%(name)s» is saved.") % {"name": saved.name})
                else:
                    saved = rules.rule_update(
                        actor=request.user, rule=rule, data=data, comment=form.cleaned_data.get("comment", "")
                    )
                    messages.success(request, _("Saved as version %(n)s.") % {"n": saved.version})
                return redirect("web:start_rule_detail", pk=saved.pk)
            except ValidationFailed as error:
                form.add_domain_errors(error)
    else:
        form = RuleForm(
            initial=RuleForm.initial_for(rule) if rule is not None else {"trigger_mode": "every_time"}
        )
    entity_type = form["entity_type"].value() or ""
    return render(
        request,
        "web/automation/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "schema": builder_schema(entity_type) if entity_type else {"fields": []},
            "labels": builder_labels(),
        },
    )


@login_required
def rule_new(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    return _edit(request, None)


@login_required
@domain_errors
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, selectors.rule(request.user, pk))


@login_required
@domain_errors
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    outcome = request.GET.get("outcome", "")
    page = keyset_page(
        selectors.evaluations(request.user, rule_id=rule.pk, outcome=outcome or None),
        order=("-id",),
        after=request.GET.get("after") or None,
        size=PAGE_SIZE,
    )
    params = request.GET.copy()
    if page.next_cursor:
        params["after"] = page.next_cursor
    counts = {
        value: selectors.evaluations(request.user, rule_id=rule.pk, outcome=value).count()
        for value in Outcome.values
    }
    return render(
        request,
        "web/automation/rule_detail.html",
        {
            "rule": rule,
            "versions": list(selectors.versions(request.user, rule)[:20]),
            "evaluations": page.items,
            "next_url": f"?{params.urlencode()}" if page.next_cursor else None,
            "outcome": outcome,
            "outcomes": Outcome.choices,
            "counts": counts,
            "incidents": list(selectors.incidents(request.user, rule_id=rule.pk)[:20]),
            "applications": list(selectors.applications(request.user, rule)[:10]),
            "audit_events": audit_events_for_record(entity_type="start_rule", record_id=rule.pk)[:30],
            "webhook_url": request.build_absolute_uri(f"/api/v1/start-rules/{rule.pk}/webhook")
            if rule.event == RuleEvent.WEBHOOK
            else "",
        },
    )


@login_required
@domain_errors
def rule_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    version = selectors.version(request.user, rule, number)
    return render(
        request,
        "web/automation/version_detail.html",
        {
            "rule": rule,
            "version": version,
            "definition": json.dumps(version.definition, ensure_ascii=False, indent=2, default=str),
        },
    )


@login_required
@require_POST
@domain_errors
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    try:
        rules.rule_set_enabled(actor=request.user, rule=rule, enabled=not rule.enabled)
        messages.success(request, _("The rule is disabled.") if rule.enabled else _("The rule is enabled."))
    except ValidationFailed as error:
        for field, field_messages in error.errors.items():
            messages.error(request, f"{field}: {' '.join(field_messages)}")
    return redirect("web:start_rule_detail", pk=rule.pk)


@login_required
@require_POST
@domain_errors
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    rules.rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("The rule «%(name)s» is deleted.") % {"name": rule.name})
    return redirect("web:start_rule_list")


@login_required
@require_POST
@domain_errors
def rule_test(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    context: dict[str, Any] = {"rule": rule}
    try:
        context["result"] = applications.rule_test(
            actor=request.user,
            rule=rule,
            record_id=int(request.POST.get("record_id") or 0),
            as_created=request.POST.get("as") != "unchanged",
        )
    except (DomainError, ValueError) as error:
        context["error"] = (
            str(error)
            if not isinstance(error, ValidationFailed)
            else "; ".join(" ".join(m) for m in error.errors.values())
        )
    return render(request, "web/automation/_test_result.html", context)


@login_required
@require_POST
@domain_errors
def rule_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    context: dict[str, Any] = {"rule": rule}
    try:
        context["result"] = applications.rule_dry_run(actor=request.user, rule=rule)
    except ValidationFailed as error:
        context["error"] = "; ".join(" ".join(m) for m in error.errors.values())
    return render(request, "web/automation/_dry_run.html", context)


@login_required
@require_POST
@domain_errors
def rule_apply(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    try:
        application = applications.rule_apply(actor=request.user, rule=rule)
        messages.success(
            request,
            _("Applying the rule to existing records in the background (operation %(id)s).")
            % {"id": application.pk},
        )
    except ValidationFailed as error:
        messages.error(request, "; ".join(" ".join(m) for m in error.errors.values()))
    return redirect("web:start_rule_detail", pk=rule.pk)


@login_required
@domain_errors
def application_progress(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application(request.user, pk)
    return render(request, "web/automation/_application.html", {"application": application})
