"""What the process pages share: the administrator check, the diagram data handed to the browser and the
strings the scripts show (translated here, so no text is written in JavaScript)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from potok.access.selectors import can, is_administrator
from potok.core.errors import ValidationFailed
from potok.web.views.errors import domain_errors


def administrators_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Process administration (monitor, designer, operations) is for administrators only."""

    @login_required
    @wraps(view)
    @domain_errors
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_administrator(request.user):
            raise PermissionDenied("process administration")
        return view(request, *args, **kwargs)

    return wrapper


def may_view_processes(user: Any) -> bool:
    """Administrators, and roles with the right to read process instances ("view processes"), see the
    monitor; operations on instances stay with administrators."""
    return is_administrator(user) or can(user, "process_instance", "read")


def process_viewers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The monitor's read-only pages: for those who may view processes."""

    @login_required
    @wraps(view)
    @domain_errors
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_view_processes(request.user):
            raise PermissionDenied("process monitor")
        return view(request, *args, **kwargs)

    return wrapper


def error_messages(error: ValidationFailed) -> list[str]:
    return [str(message) for messages in error.errors.values() for message in messages]


def has_diagram(xml: str) -> bool:
    """A file without BPMNDI (written by hand or by another engine) has nothing for bpmn-js to draw."""
    return "BPMNDiagram" in xml and "BPMNPlane" in xml


def viewer_strings() -> dict[str, str]:
    """Texts the diagram scripts show, in the user's language."""
    return {
        "load_failed": _("The diagram could not be drawn: %(error)s"),
        "passed": _("passed"),
        "waiting": _("waiting"),
        "median": _("median"),
        "p90": _("90%"),
        "no_data": _("no instances yet"),
        "seconds": _("%(n)s s"),
        "minutes": _("%(n)s min"),
        "hours": _("%(n)s h"),
        "days": _("%(n)s d"),
        "picked": _("Picked on the diagram: %(name)s"),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        "fit": _("Fit the diagram"),
    }


RECORD_PAGES = {
    "counterparty": "web:counterparty_detail",
    "contact": "web:contact_detail",
    "deal": "web:sales_deal_detail",
    "lead": "web:sales_lead_detail",
}


def record_url(entity_type: str, record_id: int | None) -> str:
    """The page of the record a process works on, when the web interface has one."""
    if not entity_type or record_id is None:
        return ""
    try:
        if entity_type.startswith("document."):
            return reverse("web:document_detail", args=[entity_type.removeprefix("document."), record_id])
        if entity_type in RECORD_PAGES:
            return reverse(RECORD_PAGES[entity_type], args=[record_id])
    except NoReverseMatch:
        return ""
    return ""


def human_duration(seconds: float | None) -> str:
    """A time spent, short and readable: 45 s, 12 min, 3.5 h, 2.1 d."""
    if seconds is None:
        return "—"

    def rounded(value: float) -> str:
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")

    if seconds < 60:
        return _("%(n)s s") % {"n": rounded(seconds)}
    if seconds < 3600:
        return _("%(n)s min") % {"n": rounded(seconds / 60)}
    if seconds < 86400:
        return _("%(n)s h") % {"n": rounded(seconds / 3600)}
    return _("%(n)s d") % {"n": rounded(seconds / 86400)}
