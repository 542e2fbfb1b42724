"""Security pages: the second-factor step at login, one's own security page (second factor, sessions,
e-mail), re-entering the password before sensitive changes, and for administrators the sessions and
second factors of other users. Also the page django-axes shows when a login is locked out."""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from functools import wraps
from typing import Any

import django_otp
import segno
from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from potok.access.selectors import is_administrator
from potok.accounts.models import User
from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.security import selectors, services
from potok.security.middleware import forget_second_factor_check
from potok.security.network import client_ip

REAUTHENTICATED_AT = "potok_reauthenticated_at"
PENDING_DEVICE = "potok_pending_device"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )


class ReauthenticateForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"class": "form-control", "autocomplete": "current-password", "autofocus": True}
        ),
    )
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=12,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("New e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "email"}),
    )


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _form_errors(form: forms.Form, error: ValidationFailed) -> None:
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def _require_administrator(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied


def recently_authenticated(request: HttpRequest) -> bool:
    at = request.session.get(REAUTHENTICATED_AT)
    limit = settings.POTOK_REAUTHENTICATION_MINUTES * 60
    return at is not None and clock.now().timestamp() - float(at) <= limit


def recent_authentication_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The person must have re-entered his password (and code) within POTOK_REAUTHENTICATION_MINUTES."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not recently_authenticated(request):
            target = request.get_full_path() if request.method == "GET" else reverse("web:security")
            return redirect(f"{reverse('web:security_reauthenticate')}?{urlencode({'next': target})}")
        return view(request, *args, **kwargs)

    return wrapper


def _qr_svg(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", border=2))


# -- the login page when django-axes locks out ----------------------------------------------------


def lockout_message(request: HttpRequest) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0
    return ngettext(
        "Too many failed attempts to log in with this login from your address. Logging in is blocked "
        "for %(minutes)d minute; try again later or ask an administrator.",
        "Too many failed attempts to log in with this login from your address. Logging in is blocked "
        "for %(minutes)d minutes; try again later or ask an administrator.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """What django-axes answers to a locked-out login: the same page with a clear message, status 429."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"message": message, "errors": {}}, status=429)
    if request.user.is_authenticated:
        again = ReauthenticateForm()
        again.add_error(None, message)
        return render(
            request,
            "registration/reauthenticate.html",
            {"form": again, "next": _next_url(request, reverse("web:security")), "has_device": False},
            status=429,
        )
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    form = AuthenticationForm(request, initial={"username": username})
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message, "next": _next_url(request, "")},
        status=429,
    )


# -- the second factor at login -------------------------------------------------------------------


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in: the code from the authenticator app."""
    next_url = _next_url(request, reverse("web:home"))
    device = selectors.confirmed_device(request.user)
    if device is None or request.user.is_verified():  # type: ignore[union-attr]
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.second_factor_verify(device=device, code=form.cleaned_data["code"]):
            django_otp.login(request, device)
            return redirect(next_url)
        services.second_factor_failed(user=request.user, ip_address=client_ip(request))  # type: ignore[arg-type]
        form.add_error("code", _("The code is wrong or has expired. Enter the current code from the app."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


# -- re-entering the password ---------------------------------------------------------------------


@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request, reverse("web:security"))
    device = selectors.confirmed_device(request.user)
    form = ReauthenticateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=request.user.get_username(), password=form.cleaned_data["password"]
        )
        if user is None or user.pk != request.user.pk:
            form.add_error("password", _("The password is wrong."))
        elif device is not None and not services.second_factor_verify(
            device=device, code=form.cleaned_data["code"] or ""
        ):
            form.add_error(
                "code", _("The code is wrong or has expired. Enter the current code from the app.")
            )
        else:
            request.session[REAUTHENTICATED_AT] = clock.now().timestamp()
            return redirect(next_url)
    return render(
        request,
        "registration/reauthenticate.html",
        {"form": form, "next": next_url, "has_device": device is not None},
    )


# -- one's own security page ----------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    current = request.session.session_key
    sessions = list(selectors.sessions_of(request.user))
    return render(
        request,
        "web/security/overview.html",
        {
            "device": selectors.confirmed_device(request.user),
            "second_factor_required": selectors.second_factor_required(request.user),
            "sessions": sessions,
            "current_key": current,
            "others": [entry for entry in sessions if entry.session_id != current],
            "is_administrator": is_administrator(request.user),
            "idle_minutes": settings.POTOK_SESSION_IDLE_MINUTES,
            "max_hours": settings.POTOK_SESSION_MAX_HOURS,
        },
    )


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up the second factor: a new key shown as a QR code and as text, confirmed by one code."""
    user: User = request.user  # type: ignore[assignment]
    existing = selectors.confirmed_device(user)
    next_url = _next_url(request, reverse("web:security"))
    if existing is not None and not recently_authenticated(request):
        # Replacing a working device asks for the password (and the current code) first.
        return redirect(
            f"{reverse('web:security_reauthenticate')}?{urlencode({'next': request.get_full_path()})}"
        )
    pending = TOTPDevice.objects.filter(
        pk=request.session.get(PENDING_DEVICE) or 0, user=user, confirmed=False
    ).first()
    form = CodeForm()
    if request.method == "POST" and request.POST.get("action") == "start":
        pending = services.second_factor_begin(user=user)
        request.session[PENDING_DEVICE] = pending.pk
        return redirect(f"{reverse('web:security_two_factor')}?{urlencode({'next': next_url})}")
    if request.method == "POST" and pending is not None:
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                device = services.second_factor_confirm(
                    actor=user, device=pending, code=form.cleaned_data["code"]
                )
            except ValidationFailed as error:
                _form_errors(form, error)
            else:
                request.session.pop(PENDING_DEVICE, None)
                django_otp.login(request, device)
                forget_second_factor_check(request)
                ended = services.sessions_end(
                    actor=user, user=user, keep_session_key=request.session.session_key
                )
                messages.success(request, _("Two-factor authentication is on."))
                if ended:
                    messages.info(
                        request,
                        ngettext(
                            "Your other session was ended; log in there again with a code.",
                            "Your %(count)d other sessions were ended; log in there again with a code.",
                            ended,
                        )
                        % {"count": ended},
                    )
                return redirect(next_url)
    context: dict[str, Any] = {
        "existing": existing,
        "pending": pending,
        "form": form,
        "next": next_url,
        "required": selectors.second_factor_required(user),
    }
    if pending is not None:
        # segno's own markup of path data: no text from the user or the URI ends up in it.
        context["qr_svg"] = mark_safe(_qr_svg(pending.config_url))  # noqa: S308
        secret = b32encode(pending.bin_key).decode()
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "web/security/two_factor.html", context)


@login_required
@require_POST
@recent_authentication_required
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    try:
        services.second_factor_remove(actor=request.user, user=request.user)  # type: ignore[arg-type]
    except ValidationFailed as error:
        for field_messages in error.errors.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        forget_second_factor_check(request)
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("web:security")


@login_required
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.session_end(actor=request.user, entry_id=pk)  # type: ignore[arg-type]
    except ValidationFailed:
        messages.info(request, _("This session has ended already."))
    else:
        messages.success(request, _("The session was ended."))
    return redirect("web:security")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    count = services.sessions_end(
        actor=request.user,
        user=request.user,  # type: ignore[arg-type]
        keep_session_key=request.session.session_key,
    )
    messages.success(
        request,
        ngettext("%(count)d session was ended.", "%(count)d sessions were ended.", count) % {"count": count},
    )
    return redirect("web:security")


@login_required
@recent_authentication_required
def email_change(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.email_change(
                actor=request.user,  # type: ignore[arg-type]
                user=request.user,  # type: ignore[arg-type]
                email=form.cleaned_data["email"],
            )
        except ValidationFailed as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Your e-mail address was changed."))
            return redirect("web:security")
    return render(request, "web/security/email_change.html", {"form": form})


# -- administrators -------------------------------------------------------------------------------


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    users = list(selectors.users_with_sessions())
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    return render(request, "web/security/user_list.html", {"users": users, "with_device": with_device})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request)
    person = get_object_or_404(User, pk=pk)
    return render(
        request,
        "web/security/user_detail.html",
        {
            "person": person,
            "sessions": list(selectors.sessions_of(person)),
            "device": selectors.confirmed_device(person),
        },
    )


@login_required
@require_POST
def user_sessions_end(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request)
    person = get_object_or_404(User, pk=pk)
    keep = request.session.session_key if person.pk == request.user.pk else None
    count = services.sessions_end(actor=request.user, user=person, keep_session_key=keep)
    messages.success(
        request,
        ngettext(
            "%(count)d session of %(user)s was ended.", "%(count)d sessions of %(user)s were ended.", count
        )
        % {"count": count, "user": person.display_name},
    )
    return redirect("web:security_user", pk=person.pk)


@login_required
@require_POST
def user_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request)
    person = get_object_or_404(User, pk=pk)
    if person.pk == request.user.pk:
        raise PermissionDenied
    services.second_factor_remove(actor=request.user, user=person)  # type: ignore[arg-type]
    services.sessions_end(actor=request.user, user=person)
    messages.success(
        request,
        _(
            "The second factor of %(user)s was removed and the sessions were ended; the next login sets up a new one."
        )
        % {"user": person.display_name},
    )
    return redirect("web:security_user", pk=person.pk)
