"""Client-base pages: counterparty list and page (timeline, duplicates, merge), forms, contacts,
interactions, exports and the client picker. Views parse input, call potok.clients, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import can, require, visible_records
from potok.accounts.models import Department, User
from potok.audit.selectors import audit_events_for_record
from potok.clients import duplicates, selectors, services
from potok.clients.models import Contact, Counterparty, CounterpartyKind, Interaction, InteractionKind
from potok.clients.selectors import CounterpartyFilters
from potok.core import clock
from potok.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from potok.documents.custom_fields import mask_custom_history
from potok.web.lists import Column, Filter, ListSpec
from potok.web.views.custom_values import add_service_errors as add_custom_service_errors
from potok.web.views.custom_values import custom_form, custom_values, custom_values_block
from potok.web.views.errors import domain_errors
from potok.web.views.list_exports import export_response, export_urls


def styled(form: forms.Form) -> forms.Form:
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form


def add_errors(form: forms.Form, error: ValidationFailed) -> None:
    for field, texts in error.errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def add_service_errors(form: forms.Form, values_form: forms.Form, error: ValidationFailed) -> None:
    """A service's errors: those naming custom_fields.<code> next to that custom field, others on `form`."""
    add_custom_service_errors(form, values_form, error, add_errors)


def _local(moment: Any) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# -- counterparty list ----------------------------------------------------------------------------


def _no_op(queryset: Any, value: str) -> Any:
    return queryset  # the selector has applied the filter already


def _responsible_choices() -> list[tuple[str, Any]]:
    return [("0", _("nobody"))] + [
        (str(user.pk), user.display_name)
        for user in User.objects.filter(is_active=True, counterparties__isnull=False).distinct()
    ]


COUNTERPARTY_LIST = ListSpec(
    columns=[
        Column("name", pgettext_lazy("counterparty", "Name"), link=True),
        Column("inn", gettext_lazy("ИНН")),
        Column("phones", gettext_lazy("Phone"), render=lambda c: c.phones[0] if c.phones else ""),
        Column("segment", gettext_lazy("Segment")),
        Column("tags", gettext_lazy("Tags"), render=lambda c: ", ".join(c.tags)),
        Column("responsible", gettext_lazy("Responsible manager")),
    ],
    search_fields=[],
    sorts=selectors.COUNTERPARTY_SORTS,
    sort_labels={
        "name": gettext_lazy("by name"),
        "-name": gettext_lazy("by name, Я→А"),
        "newest": gettext_lazy("newest first"),
        "oldest": gettext_lazy("oldest first"),
    },
    default_sort="name",
    filters=[
        Filter(
            "segment",
            gettext_lazy("Segment"),
            choices=lambda: [(s, s) for s in selectors.segments()],
            apply=_no_op,
        ),
        Filter("tag", gettext_lazy("Tag"), choices=lambda: [(t, t) for t in selectors.tags()], apply=_no_op),
        Filter(
            "responsible", gettext_lazy("Responsible manager"), choices=_responsible_choices, apply=_no_op
        ),
    ],
)


def _counterparty_filters(request: HttpRequest) -> CounterpartyFilters:
    responsible = request.GET.get("responsible", "")
    return CounterpartyFilters(
        q=request.GET.get("q", "").strip()[:200],
        segment=request.GET.get("segment", ""),
        tag=request.GET.get("tag", ""),
        responsible=_int(responsible) if responsible else None,
        department=_int(request.GET.get("department")),
        kind=request.GET.get("kind", ""),
    )


@login_required
@domain_errors
def counterparty_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "counterparty", Action.READ)
    queryset = selectors.counterparty_list(request.user, _counterparty_filters(request))
    context = COUNTERPARTY_LIST.context(request, queryset)
    query = request.GET.copy()
    query.pop("after", None)
    context.update(
        title=_("Counterparties"),
        detail_url_name="web:counterparty_detail",
        create_url=reverse("web:counterparty_create")
        if can(request.user, "counterparty", Action.CREATE)
        else None,
        export_urls=export_urls(request, "web:counterparty_export", "counterparty"),
    )
    template = "web/_list_rows.html" if request.headers.get("HX-Request") else "web/clients/list.html"
    return render(request, template, context)


@login_required
@domain_errors
def counterparty_export(request: HttpRequest) -> HttpResponse:
    queryset = selectors.counterparty_list(request.user, _counterparty_filters(request))
    sort = request.GET.get("sort", "name")
    return export_response(
        request, "counterparty", queryset.order_by(*selectors.COUNTERPARTY_SORTS.get(sort, ("name", "id")))
    )


@login_required
def counterparty_choices(request: HttpRequest) -> HttpResponse:
    """The client picker (JSON): id, name and ИНН; see selectors.counterparty_choices for who may use it."""
    try:
        rows = selectors.counterparty_choices(request.user, request.GET.get("q", ""))
    except ValidationFailed as error:
        return JsonResponse({"message": str(error), "errors": error.errors}, status=400)
    except PermissionDenied:
        return JsonResponse({"message": _("You may not do this."), "errors": {}}, status=403)
    return JsonResponse({"items": rows})


# -- counterparty form ----------------------------------------------------------------------------


class CounterpartyForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CounterpartyKind.choices)
    name = forms.CharField(label=pgettext_lazy("counterparty", "Name"), max_length=300)
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=500, required=False)
    inn = forms.CharField(label=gettext_lazy("ИНН"), max_length=20, required=False)
    kpp = forms.CharField(label=gettext_lazy("КПП"), max_length=20, required=False)
    ogrn = forms.CharField(label=gettext_lazy("ОГРН"), max_length=20, required=False)
    phones = forms.CharField(
        label=gettext_lazy("Phones"),
        required=False,
        help_text=gettext_lazy("Separate several with commas; 8 (916) 123-45-67 is understood."),
    )
    emails = forms.CharField(label=gettext_lazy("Emails"), required=False)
    legal_address = forms.CharField(
        label=gettext_lazy("Legal address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    postal_address = forms.CharField(
        label=gettext_lazy("Postal address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    segment = forms.CharField(label=gettext_lazy("Segment"), max_length=64, required=False)
    tags = forms.CharField(
        label=gettext_lazy("Tags"), required=False, help_text=gettext_lazy("Separate with commas, e.g. VIP.")
    )
    responsible = forms.ModelChoiceField(
        label=gettext_lazy("Responsible manager"),
        queryset=User.objects.filter(is_active=True),
        required=False,
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"), queryset=Department.objects.all(), required=False
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def service_fields(self) -> dict[str, Any]:
        data = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        return data


def _initial(counterparty: Counterparty) -> dict[str, Any]:
    return {
        "kind": counterparty.kind,
        "name": counterparty.name,
        "full_name": counterparty.full_name,
        "inn": counterparty.inn,
        "kpp": counterparty.kpp,
        "ogrn": counterparty.ogrn,
        "phones": ", ".join(counterparty.phones),
        "emails": ", ".join(counterparty.emails),
        "legal_address": counterparty.legal_address,
        "postal_address": counterparty.postal_address,
        "segment": counterparty.segment,
        "tags": ", ".join(counterparty.tags),
        "responsible": counterparty.responsible_id,
        "department": counterparty.department_id,
        "comment": counterparty.comment,
        "version": counterparty.version,
    }


@login_required
@domain_errors
def counterparty_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "counterparty", Action.CREATE)
    candidates: list[duplicates.Candidate] = []
    if request.method == "POST":
        form = CounterpartyForm(request.POST)
        values_form = custom_form(request.user, "counterparty", data=request.POST, files=request.FILES)
        valid, custom = custom_values(request.user, "counterparty", None, values_form)
        if form.is_valid() and valid:
            fields = {**form.service_fields(), **custom}
            if not request.POST.get("confirm_duplicates"):
                candidates = duplicates.find_duplicates_for(
                    fields, among=selectors.counterparties_visible(request.user)
                )
            if not candidates:
                try:
                    counterparty = services.counterparty_create(actor=request.user, fields=fields)
                except ValidationFailed as error:
                    add_service_errors(form, values_form, error)
                else:
                    messages.success(request, _("The counterparty is saved."))
                    return redirect("web:counterparty_detail", pk=counterparty.pk)
    else:
        form = CounterpartyForm(initial={"kind": CounterpartyKind.LEGAL, "responsible": request.user.pk})
        values_form = custom_form(request.user, "counterparty")
    return render(
        request,
        "web/clients/counterparty_form.html",
        {
            "form": styled(form),
            "values_form": values_form,
            "title": _("New counterparty"),
            "candidates": candidates,
        },
    )


@login_required
@domain_errors
def counterparty_edit(request: HttpRequest, pk: int) -> HttpResponse:
    counterparty = selectors.counterparty_get(request.user, pk, Action.UPDATE)
    if request.method == "POST":
        form = CounterpartyForm(request.POST)
        values_form = custom_form(
            request.user, "counterparty", counterparty, data=request.POST, files=request.FILES
        )
        valid, custom = custom_values(request.user, "counterparty", counterparty, values_form)
        if form.is_valid() and valid:
            try:
                services.counterparty_update(
                    actor=request.user,
                    counterparty=counterparty,
                    expected_version=form.cleaned_data.get("version"),
                    fields={**form.service_fields(), **custom},
                )
            except ValidationFailed as error:
                add_service_errors(form, values_form, error)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The counterparty is saved."))
                return redirect("web:counterparty_detail", pk=counterparty.pk)
    else:
        form = CounterpartyForm(initial=_initial(counterparty))
        values_form = custom_form(request.user, "counterparty", counterparty)
    return render(
        request,
        "web/clients/counterparty_form.html",
        {
            "form": styled(form),
            "values_form": values_form,
            "title": counterparty.name,
            "counterparty": counterparty,
        },
    )


@login_required
@require_POST
@domain_errors
def counterparty_delete(request: HttpRequest, pk: int) -> HttpResponse:
    counterparty = selectors.counterparty_get(request.user, pk, Action.DELETE)
    try:
        services.counterparty_delete(
            actor=request.user, counterparty=counterparty, expected_version=_int(request.POST.get("version"))
        )
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("web:counterparty_detail", pk=pk)
    messages.success(request, _("The counterparty is deleted."))
    return redirect("web:counterparty_list")


# -- counterparty page ----------------------------------------------------------------------------


@login_required
@domain_errors
def counterparty_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        counterparty = selectors.counterparty_get(request.user, pk)
    except NotFound:
        survivor = selectors.merged_survivor(request.user, pk)
        if survivor is None:
            raise
        messages.info(request, _("This counterparty was merged into %(name)s.") % {"name": survivor.name})
        return redirect("web:counterparty_detail", pk=survivor.pk)
    user = request.user
    page = selectors.timeline(user, counterparty)
    candidates = duplicates.find_duplicates_for(
        {
            "name": counterparty.name,
            "inn": counterparty.inn,
            "kpp": counterparty.kpp,
            "phones": counterparty.phones,
            "emails": counterparty.emails,
        },
        among=selectors.counterparties_visible(user),
        exclude_id=counterparty.pk,
    )
    may_update = visible_records(user, "counterparty", Action.UPDATE).filter(pk=counterparty.pk).exists()
    deletable = set(
        visible_records(user, "counterparty", Action.DELETE)
        .filter(pk__in=[c.counterparty.pk for c in candidates] + [counterparty.pk])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "web/clients/counterparty_detail.html",
        {
            "counterparty": counterparty,
            "custom_values": custom_values_block(user, "counterparty", counterparty),
            "contacts": selectors.contact_list(user, counterparty=counterparty.pk).order_by(
                "last_name", "first_name", "id"
            )[:100],
            "interactions": page.items,
            "next_cursor": page.next_cursor,
            "candidates": candidates,
            "mergeable": deletable if may_update else set(),
            "may_update": may_update,
            "may_delete": counterparty.pk in deletable,
            "may_add_contact": selectors.may_create_child(user, "contact", counterparty),
            "may_add_interaction": selectors.may_create_child(user, "interaction", counterparty),
            "audit_events": mask_custom_history(
                user,
                "counterparty",
                counterparty.pk,
                audit_events_for_record(entity_type="counterparty", record_id=counterparty.pk)[:50],
            ),
        },
    )


@login_required
@domain_errors
def counterparty_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The next page of the timeline, for the «load more» button (htmx)."""
    counterparty = selectors.counterparty_get(request.user, pk)
    page = selectors.timeline(request.user, counterparty, after=request.GET.get("after") or None)
    return render(
        request,
        "web/clients/_timeline.html",
        {"counterparty": counterparty, "interactions": page.items, "next_cursor": page.next_cursor},
    )


@login_required
@require_POST
@domain_errors
def counterparty_merge(request: HttpRequest, pk: int) -> HttpResponse:
    survivor = selectors.counterparty_get(request.user, pk, Action.UPDATE)
    merged = selectors.counterparty_get(request.user, request.POST.get("merged"), Action.DELETE)
    try:
        services.counterparty_merge(actor=request.user, survivor=survivor, merged=merged)
    except (ValidationFailed, Conflict) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(merged)s is merged into this counterparty.") % {"merged": merged.name})
    return redirect("web:counterparty_detail", pk=survivor.pk)


# -- contacts -------------------------------------------------------------------------------------


CONTACT_LIST = ListSpec(
    columns=[
        Column("full_name", pgettext_lazy("person", "Name"), link=True),
        Column("position", gettext_lazy("Position")),
        Column("counterparty", gettext_lazy("Counterparty")),
        Column("phones", gettext_lazy("Phone"), render=lambda c: c.phones[0] if c.phones else ""),
        Column("emails", gettext_lazy("Email"), render=lambda c: c.emails[0] if c.emails else ""),
        Column("consent", gettext_lazy("Consent"), render=lambda c: _("yes") if c.has_consent else _("no")),
    ],
    search_fields=[],
    sorts={"name": ("last_name", "first_name", "id"), "newest": ("-id",)},
    sort_labels={"name": gettext_lazy("by name"), "newest": gettext_lazy("newest first")},
    default_sort="name",
)


@login_required
@domain_errors
def contact_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "contact", Action.READ)
    queryset = selectors.contact_list(
        request.user, q=request.GET.get("q", ""), counterparty=_int(request.GET.get("counterparty"))
    )
    context = CONTACT_LIST.context(request, queryset)
    context.update(
        title=_("Contacts"),
        detail_url_name="web:contact_detail",
        export_urls=export_urls(request, "web:contact_export", "contact"),
    )
    template = "web/_list_rows.html" if request.headers.get("HX-Request") else "web/clients/list.html"
    return render(request, template, context)


@login_required
@domain_errors
def contact_export(request: HttpRequest) -> HttpResponse:
    queryset = selectors.contact_list(
        request.user, q=request.GET.get("q", ""), counterparty=_int(request.GET.get("counterparty"))
    )
    return export_response(request, "contact", queryset.order_by("last_name", "first_name", "id"))


class ContactForm(forms.Form):
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    middle_name = forms.CharField(label=gettext_lazy("Middle name"), max_length=150, required=False)
    position = forms.CharField(label=gettext_lazy("Position"), max_length=200, required=False)
    phones = forms.CharField(label=gettext_lazy("Phones"), required=False)
    emails = forms.CharField(label=gettext_lazy("Emails"), required=False)
    consent_given_on = forms.DateField(
        label=gettext_lazy("Consent given on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    consent_purpose = forms.CharField(
        label=gettext_lazy("Purpose of processing"), max_length=500, required=False
    )
    consent_source = forms.CharField(label=gettext_lazy("Source of consent"), max_length=200, required=False)
    consent_withdrawn_on = forms.DateField(
        label=gettext_lazy("Consent withdrawn on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def service_fields(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


@login_required
@domain_errors
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    counterparty = selectors.counterparty_get(request.user, pk)
    if not selectors.may_create_child(request.user, "contact", counterparty):
        raise PermissionDenied("create contact")
    form = ContactForm(request.POST or None)
    values_form = custom_form(request.user, "contact", data=request.POST or None, files=request.FILES or None)
    if request.method == "POST":
        valid, custom = custom_values(request.user, "contact", None, values_form)
        if form.is_valid() and valid:
            try:
                services.contact_create(
                    actor=request.user,
                    counterparty=counterparty,
                    fields={**form.service_fields(), **custom},
                )
            except ValidationFailed as error:
                add_service_errors(form, values_form, error)
            else:
                messages.success(request, _("The contact is saved."))
                return redirect("web:counterparty_detail", pk=counterparty.pk)
    return render(
        request,
        "web/clients/contact_form.html",
        {
            "form": styled(form),
            "values_form": values_form,
            "counterparty": counterparty,
            "title": _("New contact"),
        },
    )


@login_required
@domain_errors
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(request.user, pk)
    may_update = visible_records(request.user, "contact", Action.UPDATE).filter(pk=contact.pk).exists()
    if request.method == "POST":
        if not may_update:
            raise PermissionDenied("update contact")
        form = ContactForm(request.POST)
        values_form = custom_form(request.user, "contact", contact, data=request.POST, files=request.FILES)
        valid, custom = custom_values(request.user, "contact", contact, values_form)
        if form.is_valid() and valid:
            try:
                services.contact_update(
                    actor=request.user,
                    contact=contact,
                    expected_version=form.cleaned_data.get("version"),
                    fields={**form.service_fields(), **custom},
                )
            except ValidationFailed as error:
                add_service_errors(form, values_form, error)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The contact is saved."))
                return redirect("web:contact_detail", pk=contact.pk)
    else:
        form = ContactForm(
            initial={
                **{
                    name: getattr(contact, name)
                    for name in ContactForm.base_fields
                    if name not in ("phones", "emails")
                },
                "phones": ", ".join(contact.phones),
                "emails": ", ".join(contact.emails),
            }
        )
        values_form = custom_form(request.user, "contact", contact)
    return render(
        request,
        "web/clients/contact_form.html",
        {
            "form": styled(form),
            "values_form": values_form,
            "custom_values": custom_values_block(request.user, "contact", contact),
            "contact": contact,
            "counterparty": contact.counterparty,
            "title": contact.full_name,
            "may_update": may_update,
            "audit_events": mask_custom_history(
                request.user,
                "contact",
                contact.pk,
                audit_events_for_record(entity_type="contact", record_id=contact.pk)[:50],
            ),
        },
    )


# -- interactions ---------------------------------------------------------------------------------


INTERACTION_LIST = ListSpec(
    columns=[
        Column("occurred_at", gettext_lazy("When"), render=lambda i: _local(i.occurred_at)),
        Column("kind", gettext_lazy("Kind"), render=lambda i: i.get_kind_display()),
        Column("subject", gettext_lazy("Subject"), link=True),
        Column("counterparty", gettext_lazy("Counterparty")),
        Column("outcome", gettext_lazy("Outcome")),
        Column("author", gettext_lazy("Author")),
    ],
    search_fields=[],
    sorts={"newest": selectors.TIMELINE_ORDER},
    sort_labels={"newest": gettext_lazy("newest first")},
    default_sort="newest",
    filters=[
        Filter("kind", gettext_lazy("Kind"), choices=lambda: list(InteractionKind.choices), apply=_no_op)
    ],
)


@login_required
@domain_errors
def interaction_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "interaction", Action.READ)
    queryset = selectors.interaction_list(
        request.user,
        counterparty=_int(request.GET.get("counterparty")),
        kind=request.GET.get("kind", ""),
        q=request.GET.get("q", ""),
    )
    context = INTERACTION_LIST.context(request, queryset)
    context.update(
        title=_("Interactions"),
        detail_url_name="web:interaction_edit",
        export_urls=export_urls(request, "web:interaction_export", "interaction"),
    )
    template = "web/_list_rows.html" if request.headers.get("HX-Request") else "web/clients/list.html"
    return render(request, template, context)


@login_required
@domain_errors
def interaction_export(request: HttpRequest) -> HttpResponse:
    queryset = selectors.interaction_list(
        request.user,
        counterparty=_int(request.GET.get("counterparty")),
        kind=request.GET.get("kind", ""),
        q=request.GET.get("q", ""),
    )
    return export_response(request, "interaction", queryset.order_by(*selectors.TIMELINE_ORDER))


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=InteractionKind.choices)
    occurred_at = forms.DateTimeField(
        label=gettext_lazy("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(label=gettext_lazy("Outcome"), max_length=500, required=False)
    users = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Participants (staff)"),
        queryset=User.objects.filter(is_active=True),
        required=False,
    )
    contacts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Participants (contacts)"), queryset=Contact.objects.none(), required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, counterparty: Counterparty, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = Contact.objects.filter(  # type: ignore[attr-defined]
            counterparty=counterparty, deleted_at__isnull=True
        )

    def service_fields(self) -> dict[str, Any]:
        data = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        data["users"], data["contacts"] = list(data["users"]), list(data["contacts"])
        return data


@login_required
@domain_errors
def interaction_create(request: HttpRequest, pk: int) -> HttpResponse:
    counterparty = selectors.counterparty_get(request.user, pk)
    if not selectors.may_create_child(request.user, "interaction", counterparty):
        raise PermissionDenied("create interaction")

    form = InteractionForm(
        request.POST or None,
        counterparty=counterparty,
        initial={"occurred_at": clock.now(), "users": [request.user.pk], "kind": InteractionKind.CALL},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.interaction_create(
                actor=request.user, counterparty=counterparty, fields=form.service_fields()
            )
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The interaction is saved."))
            return redirect("web:counterparty_detail", pk=counterparty.pk)
    return render(
        request,
        "web/clients/interaction_form.html",
        {"form": styled(form), "counterparty": counterparty, "title": _("New interaction")},
    )


@login_required
@domain_errors
def interaction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    interaction: Interaction = selectors.interaction_get(request.user, pk)
    may_update = (
        visible_records(request.user, "interaction", Action.UPDATE).filter(pk=interaction.pk).exists()
    )
    counterparty = interaction.counterparty
    if request.method == "POST":
        if not may_update:
            raise PermissionDenied("update interaction")
        form = InteractionForm(request.POST, counterparty=counterparty)
        if form.is_valid():
            try:
                services.interaction_update(
                    actor=request.user,
                    interaction=interaction,
                    expected_version=form.cleaned_data.get("version"),
                    fields=form.service_fields(),
                )
            except ValidationFailed as error:
                add_errors(form, error)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The interaction is saved."))
                return redirect("web:counterparty_detail", pk=counterparty.pk)
    else:
        form = InteractionForm(
            counterparty=counterparty,
            initial={
                "kind": interaction.kind,
                "occurred_at": interaction.occurred_at,
                "subject": interaction.subject,
                "description": interaction.description,
                "outcome": interaction.outcome,
                "users": [user.pk for user in interaction.users.all()],
                "contacts": [contact.pk for contact in interaction.contacts.all()],
                "version": interaction.version,
            },
        )
    return render(
        request,
        "web/clients/interaction_form.html",
        {
            "form": styled(form),
            "counterparty": counterparty,
            "interaction": interaction,
            "title": str(interaction),
            "may_update": may_update,
            "audit_events": audit_events_for_record(entity_type="interaction", record_id=interaction.pk)[:50],
        },
    )
