"""The REST API root: /api/v1/, bearer tokens, one error shape for every failure.

Error bodies: {"message": "...", "errors": {"field": ["message", ...]}}.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from potok.api.auth import BearerToken
from potok.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

api = NinjaAPI(
    title="Potok API",
    version="1",
    description="The REST API of Potok. Authenticate with `Authorization: Bearer <token>`; "
    "a token is printed by `potok token USERNAME`.",
    auth=BearerToken(),
    urls_namespace="api-v1",
)


def error_body(message: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"message": message, "errors": errors or {}}


@api.exception_handler(ValidationFailed)
def on_validation_failed(request: HttpRequest, error: ValidationFailed) -> HttpResponse:
    return api.create_response(
        request, error_body("The request has invalid values.", error.errors), status=400
    )


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        location = [
            str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "payload")
        ]
        errors.setdefault(".".join(location) or "__all__", []).append(str(item.get("msg", "invalid value")))
    return api.create_response(request, error_body("The request has invalid values.", errors), status=400)


@api.exception_handler(NotFound)
def on_not_found(request: HttpRequest, error: NotFound) -> HttpResponse:
    return api.create_response(request, error_body("Not found."), status=404)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(request, error_body("You may not do this."), status=403)


@api.exception_handler(Conflict)
def on_conflict(request: HttpRequest, error: Conflict) -> HttpResponse:
    return api.create_response(request, error_body(str(error) or "The record changed meanwhile."), status=409)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, error_body("Authentication required: send Authorization: Bearer <token>."), status=401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return api.create_response(request, error_body(str(error)), status=error.status_code)


from potok.api import (  # noqa: E402
    automation,
    calendars,
    clients,
    documents,
    imports,
    notifications,
    organisation,
    privacy,
    processes,
    sales,
    tasks,
)

# One router per domain, so that each grows without touching the others.
# automation before processes: its process-instances/start-from-record must win over process-instances/{id}.
for module in (
    organisation,
    clients,
    documents,
    imports,
    calendars,
    notifications,
    sales,
    automation,
    processes,
    tasks,
    privacy,
):
    api.add_router("/", module.router)
