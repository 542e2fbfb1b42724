"""Request-level protection.

RequestGuardMiddleware (early): refuses bodies over POTOK_MAX_REQUEST_MB before they are read,
throttles an address whose API requests keep failing authentication, and sends Permissions-Policy.

SessionSecurityMiddleware (after authentication): ends sessions that were idle or open too long, keeps
the sessions registry, and holds a person who has a second factor (or must have one) at the code page
until he has passed it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from potok.core import clock
from potok.security import selectors, services
from potok.security.network import client_ip

API_PREFIX = "/api/"
STATE_KEY = "potok_security"
# The registry's "last seen" and the idle clock move at most once a minute: one write, not one per request.
SEEN_PRECISION_SECONDS = 60
# How long a "no second factor needed" answer is trusted before it is asked again.
FACTOR_CHECK_SECONDS = 300


def api_error(message: str, status: int) -> JsonResponse:
    """The REST API's error shape (see potok.api.router)."""
    return JsonResponse({"message": message, "errors": {}}, status=status)


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.guard(request)
        # Features no page of Potok uses stay off, so that injected content cannot ask for them either.
        if getattr(settings, "PERMISSIONS_POLICY", "") and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response

    def guard(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith(API_PREFIX)
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size > settings.POTOK_MAX_REQUEST_MB * 1024 * 1024:
            return self.too_large(is_api)
        if not is_api:
            return self.get_response(request)
        address = client_ip(request)
        if selectors.api_authentication_blocked(address):
            refusal = api_error(
                "Too many failed authentications from your address; try again later.", status=429
            )
            refusal["Retry-After"] = str(settings.POTOK_API_AUTH_COOLOFF_MINUTES * 60)
            return refusal
        response = self.get_response(request)
        if response.status_code == 401:
            services.api_authentication_failed(ip_address=address)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Django's own limits (DATA_UPLOAD_MAX_MEMORY_SIZE, …) end in a bare 400; the API answers in its shape.
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            return api_error(
                "The request body is too large: at most "
                f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)} MB of fields.",
                status=413,
            )
        if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
            return api_error("The request has too many fields or files.", status=413)
        return None

    @staticmethod
    def too_large(is_api: bool) -> HttpResponse:
        limit = settings.POTOK_MAX_REQUEST_MB
        if is_api:
            return api_error(f"The request is too large: at most {limit} MB.", status=413)
        message = ngettext(
            "The request is too large: at most %(limit)d MB may be sent at once.",
            "The request is too large: at most %(limit)d MB may be sent at once.",
            limit,
        ) % {"limit": limit}
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith((API_PREFIX, settings.STATIC_URL)) or not hasattr(request, "session"):
            return self.get_response(request)
        if request.user.is_authenticated:
            ended = self.end_if_timed_out(request)
            if ended is not None:
                return ended
            self.remember(request)
            held = self.second_factor_gate(request)
            if held is not None:
                return held
        response = self.get_response(request)
        if request.user.is_authenticated:
            self.remember(request)  # a login during this request is registered at once
        return response

    # -- timeouts ---------------------------------------------------------------------------------

    def end_if_timed_out(self, request: HttpRequest) -> HttpResponse | None:
        state: dict[str, Any] | None = request.session.get(STATE_KEY)
        if not state:
            return None
        now = clock.now().timestamp()
        idle_minutes = settings.POTOK_SESSION_IDLE_MINUTES
        max_hours = settings.POTOK_SESSION_MAX_HOURS
        if now - state.get("seen", now) > idle_minutes * 60:
            message = ngettext(
                "You were logged out after %(count)d minute without activity. Please log in again.",
                "You were logged out after %(count)d minutes without activity. Please log in again.",
                idle_minutes,
            ) % {"count": idle_minutes}
        elif now - state.get("started", now) > max_hours * 3600:
            message = ngettext(
                "A session lasts at most %(count)d hour. Please log in again.",
                "A session lasts at most %(count)d hours. Please log in again.",
                max_hours,
            ) % {"count": max_hours}
        else:
            return None
        logout(request)
        messages.info(request, message)
        return redirect_to(request, resolve_url(settings.LOGIN_URL), with_next=True)

    # -- the registry -----------------------------------------------------------------------------

    def remember(self, request: HttpRequest) -> None:
        session = request.session
        key = session.session_key
        if not key:
            return
        now = clock.now()
        state: dict[str, Any] | None = session.get(STATE_KEY)
        if state is None or state.get("key") != key or state.get("user") != request.user.pk:
            same_person = state is not None and state.get("user") == request.user.pk
            started = state["started"] if same_person and state else now.timestamp()
            session[STATE_KEY] = {
                "key": key,
                "user": request.user.pk,
                "started": started,
                "seen": now.timestamp(),
            }
            services.session_register(
                user=request.user,  # type: ignore[arg-type]
                session_key=key,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                started_at=datetime.fromtimestamp(started, tz=UTC),
            )
        elif now.timestamp() - state.get("seen", 0) >= SEEN_PRECISION_SECONDS:
            state["seen"] = now.timestamp()
            session.modified = True
            services.session_seen(session_key=key, at=now)

    # -- the second factor ------------------------------------------------------------------------

    def second_factor_gate(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if getattr(user, "is_verified", lambda: False)():
            return None
        state: dict[str, Any] = request.session.get(STATE_KEY) or {}
        now = clock.now().timestamp()
        if state.get("factor_checked_until", 0) > now:
            return None
        path = request.path
        always_open = (reverse("web:logout"), reverse("set_language"))
        if selectors.has_second_factor(user):
            if path in always_open or path == reverse("web:security_verify"):
                return None
            return redirect_to(request, reverse("web:security_verify"), with_next=True)
        if selectors.second_factor_required(user):
            if path in always_open or path.startswith(reverse("web:security_two_factor")):
                return None
            messages.warning(
                request,
                _("Administrators must use a second factor. Set it up now to continue."),
            )
            return redirect_to(request, reverse("web:security_two_factor"), with_next=True)
        state["factor_checked_until"] = now + FACTOR_CHECK_SECONDS
        request.session[STATE_KEY] = state
        return None


def forget_second_factor_check(request: HttpRequest) -> None:
    """After enrolling or removing a device the gate asks again on the next request."""
    state = request.session.get(STATE_KEY)
    if state and "factor_checked_until" in state:
        del state["factor_checked_until"]
        request.session.modified = True


def redirect_to(request: HttpRequest, url: str, *, with_next: bool) -> HttpResponse:
    if with_next and request.method == "GET":
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        # htmx follows this header with a full page load instead of swapping the page into a fragment.
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
