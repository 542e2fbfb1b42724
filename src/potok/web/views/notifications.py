"""Notification pages: the bell, the list, preferences; for administrators webhooks, dead letters, SMTP."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from potok.access.selectors import is_administrator
from potok.core.errors import Conflict, ValidationFailed
from potok.core.pagination import keyset_page
from potok.notifications import kinds
from potok.notifications import selectors as notification_selectors
from potok.notifications.mail import mail_settings
from potok.notifications.models import DeliveryStatus, EmailMode, MailSecurity
from potok.notifications.services import administration, inbox
from potok.web.views.errors import domain_errors

BELL_SIZE = 8
PAGE_SIZE = 30


def _require_administrator(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied


def styled(form: forms.Form) -> forms.Form:
    """Bootstrap classes on the form's widgets."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


def _form_errors(form: forms.Form, error: ValidationFailed) -> None:
    for field, field_messages in error.errors.items():
        name = field.split(".")[0]
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)


# -- the person's own notifications ---------------------------------------------------------------


@login_required
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell with the unread count and the latest notifications; loaded by htmx into the top bar."""
    latest = list(notification_selectors.notifications_of(request.user).order_by("-id")[:BELL_SIZE])
    return render(
        request,
        "web/notifications/_bell.html",
        {"unread": notification_selectors.unread_count(request.user), "latest": latest},
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    page = keyset_page(
        notification_selectors.notifications_of(request.user, unread_only=unread_only),
        order=("-id",),
        after=request.GET.get("after") or None,
        size=PAGE_SIZE,
    )
    params = request.GET.copy()
    if page.next_cursor:
        params["after"] = page.next_cursor
    labels = {kind.code: kind.label for kind in kinds.all_kinds()}
    return render(
        request,
        "web/notifications/list.html",
        {
            "items": [(n, labels.get(n.kind, n.kind)) for n in page.items],
            "unread_only": unread_only,
            "unread": notification_selectors.unread_count(request.user),
            "next_url": f"?{params.urlencode()}" if page.next_cursor else None,
        },
    )


@login_required
@domain_errors
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the notification's link, marking it read on the way."""
    notification = notification_selectors.notification_of(request.user, pk)
    inbox.notification_mark_read(actor=request.user, notification=notification)
    target = notification.link
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("web:notification_list")


@login_required
@require_POST
@domain_errors
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notification_selectors.notification_of(request.user, pk)
    if request.POST.get("unread"):
        inbox.notification_mark_unread(actor=request.user, notification=notification)
    else:
        inbox.notification_mark_read(actor=request.user, notification=notification)
    if request.headers.get("HX-Request"):
        labels = {kind.code: kind.label for kind in kinds.all_kinds()}
        response = render(
            request,
            "web/notifications/_item.html",
            {"notification": notification, "label": labels.get(notification.kind, notification.kind)},
        )
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect(request.POST.get("next") or "web:notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = inbox.notifications_mark_all_read(actor=request.user)
    if request.headers.get("HX-Request"):
        response = notification_bell(request)
        response["HX-Trigger"] = "notifications-changed"
        return response
    messages.success(request, _("Marked read: %(count)d.") % {"count": count})
    return redirect("web:notification_list")


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    preferences = notification_selectors.preferences_of(request.user)
    if request.method == "POST":
        try:
            for preference in preferences:
                code = preference.kind.code
                inbox.notification_preference_set(
                    actor=request.user,
                    user=request.user,
                    kind=code,
                    in_app=request.POST.get(f"{code}.in_app") == "on",
                    email=request.POST.get(f"{code}.email") == "on",
                    email_mode=request.POST.get(f"{code}.email_mode", EmailMode.IMMEDIATE),
                )
        except ValidationFailed as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("web:notification_preferences")
    return render(
        request,
        "web/notifications/preferences.html",
        {"preferences": preferences, "email_modes": EmailMode.choices, "has_email": bool(request.user.email)},  # type: ignore[union-attr]
    )


# -- administrators: webhooks -----------------------------------------------------------------------


def _event_type_choices() -> list[tuple[str, Any]]:
    return [("*", gettext_lazy("all events"))] + [
        (kind.code, f"{kind.code} — {kind.label}") for kind in kinds.for_webhooks()
    ]


class EndpointForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("title", "Name"), max_length=200)
    url = forms.CharField(label=gettext_lazy("URL"), max_length=1000, widget=forms.URLInput)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Event types"), choices=_event_type_choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=500, required=False)
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    form = styled(EndpointForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = administration.webhook_endpoint_create(actor=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The endpoint is added. Its signing secret is shown on its page."))
            return redirect("web:webhook_detail", pk=endpoint.pk)
    return render(
        request,
        "web/notifications/webhook_list.html",
        {
            "endpoints": notification_selectors.webhook_endpoints(),
            "form": form,
            "dead_count": notification_selectors.dead_letters().count(),
        },
    )


@login_required
@domain_errors
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request)
    endpoint = notification_selectors.webhook_endpoint(pk)
    initial = {
        "name": endpoint.name,
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
    }
    form = styled(EndpointForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            administration.webhook_endpoint_update(actor=request.user, endpoint=endpoint, **form.cleaned_data)
        except ValidationFailed as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect("web:webhook_detail", pk=endpoint.pk)
    page = keyset_page(
        notification_selectors.deliveries(endpoint=endpoint).prefetch_related("attempt_log"),
        order=("-id",),
        after=request.GET.get("after") or None,
        size=PAGE_SIZE,
    )
    from potok.audit.selectors import audit_events_for_record

    return render(
        request,
        "web/notifications/webhook_detail.html",
        {
            "endpoint": endpoint,
            "form": form,
            "deliveries": page.items,
            "next_url": f"?after={page.next_cursor}" if page.next_cursor else None,
            "audit_events": audit_events_for_record(entity_type="webhook_endpoint", record_id=endpoint.pk)[
                :30
            ],
        },
    )


@login_required
@require_POST
@domain_errors
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request)
    endpoint = notification_selectors.webhook_endpoint(pk)
    administration.webhook_send_test(actor=request.user, endpoint=endpoint)
    messages.info(
        request, _("A test event is queued; the worker sends it within seconds. Its attempts appear below.")
    )
    return redirect("web:webhook_detail", pk=endpoint.pk)


@login_required
@require_POST
@domain_errors
def webhook_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request)
    endpoint = notification_selectors.webhook_endpoint(pk)
    administration.webhook_endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
    messages.warning(request, _("A new signing secret is made; give it to the receiving system."))
    return redirect("web:webhook_detail", pk=endpoint.pk)


@login_required
@require_POST
@domain_errors
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request)
    endpoint = notification_selectors.webhook_endpoint(pk)
    try:
        administration.webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("web:webhook_detail", pk=endpoint.pk)
    messages.success(request, _("The endpoint is deleted."))
    return redirect("web:webhook_list")


@login_required
def dead_letters(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    page = keyset_page(
        notification_selectors.dead_letters(),
        order=("-id",),
        after=request.GET.get("after") or None,
        size=PAGE_SIZE,
    )
    return render(
        request,
        "web/notifications/dead_letters.html",
        {"deliveries": page.items, "next_url": f"?after={page.next_cursor}" if page.next_cursor else None},
    )


@login_required
@domain_errors
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request)
    item = notification_selectors.delivery(pk)
    return render(
        request,
        "web/notifications/delivery_detail.html",
        {"delivery": item, "attempts": notification_selectors.delivery_attempts(item)},
    )


@login_required
@require_POST
@domain_errors
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request)
    item = notification_selectors.delivery(pk)
    try:
        administration.delivery_resend(actor=request.user, delivery=item)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The delivery is queued again with a fresh schedule of retries."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("web:dead_letters")


# -- administrators: SMTP ------------------------------------------------------------------------------


class MailSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=gettext_lazy("Send through this SMTP server"), required=False)
    host = forms.CharField(label=gettext_lazy("SMTP server"), max_length=255, required=False)
    port = forms.IntegerField(label=gettext_lazy("Port"), min_value=1, max_value=65535, initial=587)
    security = forms.ChoiceField(label=gettext_lazy("Encryption"), choices=MailSecurity.choices)
    username = forms.CharField(label=gettext_lazy("Login"), max_length=255, required=False)
    password = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the stored password."),
    )
    timeout = forms.IntegerField(
        label=gettext_lazy("Timeout, seconds"), min_value=1, max_value=300, initial=20
    )
    from_email = forms.CharField(label=gettext_lazy("Sender address"), max_length=255, required=False)
    site_url = forms.CharField(
        label=gettext_lazy("Potok's address for links in emails"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("e.g. https://crm.example.ru"),
    )


@login_required
def mail_settings_page(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    config = mail_settings()
    initial = {
        field: getattr(config, field)
        for field in ("enabled", "host", "port", "security", "username", "timeout", "from_email", "site_url")
    }
    form = styled(MailSettingsForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["password"] = data["password"] or None
        try:
            administration.mail_settings_update(actor=request.user, **data)
        except ValidationFailed as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The mail settings are saved."))
            return redirect("web:mail_settings")
    from django.conf import settings

    return render(
        request,
        "web/notifications/mail_settings.html",
        {
            "form": form,
            "has_password": bool(config.password),
            "fallback_backend": settings.EMAIL_BACKEND,
            "statuses": DeliveryStatus,
        },
    )
