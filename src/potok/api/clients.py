"""API of the client base: counterparties, contacts, interactions; duplicates, merge, picker, export.

Thin: parse, call the selectors and services of potok.clients, shape the answer. Updates name the
`version` they read; a stale one is 409."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from potok.access.models import Action
from potok.access.selectors import require
from potok.accounts.models import Department, User
from potok.api.exports import export_response
from potok.api.pagination import PageOut, page_of
from potok.clients import duplicates, selectors, services
from potok.clients.selectors import CounterpartyFilters
from potok.core.errors import PermissionDenied, ValidationFailed
from potok.documents.custom_fields import custom_values_seen

router = Router(tags=["clients"])


def _custom_seen(record: Any, context: Any, entity_code: str) -> dict[str, Any]:
    """The record's custom values less the confidential ones the caller may not see (left out)."""
    request = (context or {}).get("request")
    if request is None:
        return dict(record.custom_fields)
    return custom_values_seen(request.user, entity_code, record.pk, record.custom_fields)


class CounterpartyOut(Schema):
    id: int
    kind: str
    name: str
    full_name: str
    inn: str
    kpp: str
    ogrn: str
    phones: list[str]
    emails: list[str]
    legal_address: str
    postal_address: str
    segment: str
    tags: list[str]
    responsible_id: int | None
    department_id: int | None
    comment: str
    custom_fields: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_custom_fields(counterparty: Any, context: Any = None) -> dict[str, Any]:
        return _custom_seen(counterparty, context, "counterparty")


class CounterpartyIn(Schema):
    kind: str = "legal"
    name: str
    full_name: str = ""
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    phones: list[str] = []
    emails: list[str] = []
    legal_address: str = ""
    postal_address: str = ""
    segment: str = ""
    tags: list[str] = []
    responsible_id: int | None = None
    department_id: int | None = None
    comment: str = ""
    custom_fields: dict[str, Any] = {}


class CounterpartyPatch(Schema):
    version: int
    kind: str | None = None
    name: str | None = None
    full_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    phones: list[str] | None = None
    emails: list[str] | None = None
    legal_address: str | None = None
    postal_address: str | None = None
    segment: str | None = None
    tags: list[str] | None = None
    responsible_id: int | None = None
    department_id: int | None = None
    comment: str | None = None
    custom_fields: dict[str, Any] | None = None


class DuplicateQuery(Schema):
    name: str = ""
    inn: str = ""
    kpp: str = ""
    phones: list[str] = []
    emails: list[str] = []


class DuplicateOut(Schema):
    id: int
    name: str
    inn: str
    reasons: list[str]


class MergeIn(Schema):
    merged_id: int
    version: int | None = None
    merged_version: int | None = None


class ChoiceOut(Schema):
    id: int
    name: str
    inn: str


class ContactOut(Schema):
    id: int
    counterparty_id: int
    last_name: str
    first_name: str
    middle_name: str
    position: str
    phones: list[str]
    emails: list[str]
    comment: str
    consent_given_on: dt.date | None
    consent_purpose: str
    consent_source: str
    consent_withdrawn_on: dt.date | None
    custom_fields: dict[str, Any]
    version: int

    @staticmethod
    def resolve_custom_fields(contact: Any, context: Any = None) -> dict[str, Any]:
        return _custom_seen(contact, context, "contact")


class ContactIn(Schema):
    counterparty_id: int
    last_name: str = ""
    first_name: str
    middle_name: str = ""
    position: str = ""
    phones: list[str] = []
    emails: list[str] = []
    comment: str = ""
    consent_given_on: dt.date | None = None
    consent_purpose: str = ""
    consent_source: str = ""
    custom_fields: dict[str, Any] = {}


class ContactPatch(Schema):
    version: int
    counterparty_id: int | None = None
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    position: str | None = None
    phones: list[str] | None = None
    emails: list[str] | None = None
    comment: str | None = None
    consent_given_on: dt.date | None = None
    consent_purpose: str | None = None
    consent_source: str | None = None
    consent_withdrawn_on: dt.date | None = None
    custom_fields: dict[str, Any] | None = None


class InteractionOut(Schema):
    id: int
    counterparty_id: int
    kind: str
    occurred_at: dt.datetime
    subject: str
    description: str
    outcome: str
    author_id: int | None
    user_ids: list[int]
    contact_ids: list[int]
    version: int

    @staticmethod
    def resolve_user_ids(interaction: Any) -> list[int]:
        return sorted(user.pk for user in interaction.users.all())

    @staticmethod
    def resolve_contact_ids(interaction: Any) -> list[int]:
        return sorted(contact.pk for contact in interaction.contacts.all())


class InteractionIn(Schema):
    counterparty_id: int
    kind: str
    occurred_at: dt.datetime | None = None
    subject: str
    description: str = ""
    outcome: str = ""
    user_ids: list[int] = []
    contact_ids: list[int] = []


class InteractionPatch(Schema):
    version: int
    kind: str | None = None
    occurred_at: dt.datetime | None = None
    subject: str | None = None
    description: str | None = None
    outcome: str | None = None
    user_ids: list[int] | None = None
    contact_ids: list[int] | None = None


def _people(data: dict[str, Any]) -> dict[str, Any]:
    """Ids of the payload turned into records; an unknown id is a field error."""
    if "responsible_id" in data:
        pk = data.pop("responsible_id")
        user = User.objects.filter(pk=pk).first() if pk is not None else None
        if pk is not None and user is None:
            raise ValidationFailed({"responsible_id": "No such user."})
        data["responsible"] = user
    if "department_id" in data:
        pk = data.pop("department_id")
        department = Department.objects.filter(pk=pk).first() if pk is not None else None
        if pk is not None and department is None:
            raise ValidationFailed({"department_id": "No such department."})
        data["department"] = department
    return data


def _patch_fields(payload: Schema) -> tuple[int, dict[str, Any]]:
    data = payload.dict(exclude_unset=True)
    return data.pop("version"), data


def _filters(
    q: str, segment: str, tag: str, responsible: int | None, department: int | None, kind: str
) -> CounterpartyFilters:
    return CounterpartyFilters(
        q=q, segment=segment, tag=tag, responsible=responsible, department=department, kind=kind
    )


@router.get("counterparties", response=PageOut[CounterpartyOut], summary="Counterparties the caller may see")
def counterparty_list(
    request: HttpRequest,
    q: str = "",
    segment: str = "",
    tag: str = "",
    responsible: int | None = None,
    department: int | None = None,
    kind: str = "",
    sort: str = "name",
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    if sort not in selectors.COUNTERPARTY_SORTS:
        raise ValidationFailed({"sort": f"Use one of {', '.join(selectors.COUNTERPARTY_SORTS)}."})
    queryset = selectors.counterparty_list(
        request.user, _filters(q, segment, tag, responsible, department, kind)
    )
    return page_of(queryset, order=selectors.COUNTERPARTY_SORTS[sort], cursor=cursor, limit=limit)


@router.get("counterparties/export", summary="The filtered counterparty list as CSV or XLSX")
def counterparty_export(
    request: HttpRequest,
    format: str = "csv",
    q: str = "",
    segment: str = "",
    tag: str = "",
    responsible: int | None = None,
    department: int | None = None,
    kind: str = "",
) -> HttpResponse:
    queryset = selectors.counterparty_list(
        request.user, _filters(q, segment, tag, responsible, department, kind)
    )
    return export_response(request.user, "counterparty", queryset.order_by("name", "id"), format)


@router.get("counterparties/choices", response=list[ChoiceOut], summary="The client picker: id, name, ИНН")
def counterparty_choices(request: HttpRequest, q: str = "", limit: int = 20) -> Any:
    return selectors.counterparty_choices(request.user, q, limit=limit)


@router.post(
    "counterparties/duplicates", response=list[DuplicateOut], summary="Possible duplicates of given values"
)
def counterparty_duplicates_check(request: HttpRequest, payload: DuplicateQuery) -> Any:
    require(request.user, "counterparty", Action.READ)
    return _duplicates(request.user, payload.dict())


def _duplicates(user: Any, values: dict[str, Any], exclude_id: int | None = None) -> list[dict[str, Any]]:
    found = duplicates.find_duplicates_for(
        values, among=selectors.counterparties_visible(user), exclude_id=exclude_id
    )
    return [
        {
            "id": c.counterparty.pk,
            "name": c.counterparty.name,
            "inn": c.counterparty.inn,
            "reasons": c.reasons,
        }
        for c in found
    ]


@router.post("counterparties", response={201: CounterpartyOut}, summary="Create a counterparty")
def counterparty_create(request: HttpRequest, payload: CounterpartyIn) -> Any:
    require(request.user, "counterparty", Action.CREATE)
    return Status(201, services.counterparty_create(actor=request.user, fields=_people(payload.dict())))


@router.get("counterparties/{counterparty_id}", response=CounterpartyOut, summary="One counterparty")
def counterparty_detail(request: HttpRequest, counterparty_id: int) -> Any:
    return selectors.counterparty_get(request.user, counterparty_id)


@router.patch("counterparties/{counterparty_id}", response=CounterpartyOut, summary="Change a counterparty")
def counterparty_update(request: HttpRequest, counterparty_id: int, payload: CounterpartyPatch) -> Any:
    counterparty = selectors.counterparty_get(request.user, counterparty_id, Action.UPDATE)
    version, fields = _patch_fields(payload)
    return services.counterparty_update(
        actor=request.user, counterparty=counterparty, expected_version=version, fields=_people(fields)
    )


@router.delete("counterparties/{counterparty_id}", response={204: None}, summary="Delete a counterparty")
def counterparty_delete(request: HttpRequest, counterparty_id: int, version: int | None = None) -> Any:
    counterparty = selectors.counterparty_get(request.user, counterparty_id, Action.DELETE)
    services.counterparty_delete(actor=request.user, counterparty=counterparty, expected_version=version)
    return Status(204, None)


@router.get(
    "counterparties/{counterparty_id}/duplicates", response=list[DuplicateOut], summary="Possible duplicates"
)
def counterparty_duplicates(request: HttpRequest, counterparty_id: int) -> Any:
    counterparty = selectors.counterparty_get(request.user, counterparty_id)
    values = {
        "name": counterparty.name,
        "inn": counterparty.inn,
        "kpp": counterparty.kpp,
        "phones": counterparty.phones,
        "emails": counterparty.emails,
    }
    return _duplicates(request.user, values, exclude_id=counterparty.pk)


@router.post(
    "counterparties/{counterparty_id}/merge",
    response=CounterpartyOut,
    summary="Merge a duplicate into this one",
)
def counterparty_merge(request: HttpRequest, counterparty_id: int, payload: MergeIn) -> Any:
    survivor = selectors.counterparty_get(request.user, counterparty_id, Action.UPDATE)
    merged = selectors.counterparty_get(request.user, payload.merged_id, Action.DELETE)
    return services.counterparty_merge(
        actor=request.user,
        survivor=survivor,
        merged=merged,
        survivor_version=payload.version,
        merged_version=payload.merged_version,
    )


@router.get(
    "counterparties/{counterparty_id}/timeline",
    response=PageOut[InteractionOut],
    summary="Interactions, newest first",
)
def counterparty_timeline(
    request: HttpRequest, counterparty_id: int, cursor: str | None = None, limit: int = 20
) -> Any:
    counterparty = selectors.counterparty_get(request.user, counterparty_id)
    if not 1 <= limit <= 200:
        raise ValidationFailed({"limit": "Use a limit from 1 to 200."})
    page = selectors.timeline(request.user, counterparty, after=cursor, size=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


def _counterparty_for_child(user: Any, entity_type: str, counterparty_id: int) -> Any:
    counterparty = selectors.counterparty_get(user, counterparty_id)
    if not selectors.may_create_child(user, entity_type, counterparty):
        raise PermissionDenied(f"create {entity_type}")
    return counterparty


@router.get("contacts", response=PageOut[ContactOut], summary="Contacts the caller may see")
def contact_list(
    request: HttpRequest,
    q: str = "",
    counterparty: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    queryset = selectors.contact_list(request.user, q=q, counterparty=counterparty)
    return page_of(queryset, order=("last_name", "first_name", "id"), cursor=cursor, limit=limit)


@router.get("contacts/export", summary="The filtered contact list as CSV or XLSX")
def contact_export(
    request: HttpRequest, format: str = "csv", q: str = "", counterparty: int | None = None
) -> HttpResponse:
    queryset = selectors.contact_list(request.user, q=q, counterparty=counterparty)
    return export_response(
        request.user, "contact", queryset.order_by("last_name", "first_name", "id"), format
    )


@router.post("contacts", response={201: ContactOut}, summary="Create a contact")
def contact_create(request: HttpRequest, payload: ContactIn) -> Any:
    data = payload.dict()
    counterparty = _counterparty_for_child(request.user, "contact", data.pop("counterparty_id"))
    return Status(201, services.contact_create(actor=request.user, counterparty=counterparty, fields=data))


@router.get("contacts/{contact_id}", response=ContactOut, summary="One contact")
def contact_detail(request: HttpRequest, contact_id: int) -> Any:
    return selectors.contact_get(request.user, contact_id)


@router.patch("contacts/{contact_id}", response=ContactOut, summary="Change a contact")
def contact_update(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Any:
    contact = selectors.contact_get(request.user, contact_id, Action.UPDATE)
    version, fields = _patch_fields(payload)
    if "counterparty_id" in fields:
        fields["counterparty"] = _counterparty_for_child(
            request.user, "contact", fields.pop("counterparty_id")
        )
    return services.contact_update(
        actor=request.user, contact=contact, expected_version=version, fields=fields
    )


@router.delete("contacts/{contact_id}", response={204: None}, summary="Delete a contact")
def contact_delete(request: HttpRequest, contact_id: int, version: int | None = None) -> Any:
    contact = selectors.contact_get(request.user, contact_id, Action.DELETE)
    services.contact_delete(actor=request.user, contact=contact, expected_version=version)
    return Status(204, None)


def _participants(data: dict[str, Any], counterparty_id: int) -> dict[str, Any]:
    from potok.clients.models import Contact

    if "user_ids" in data:
        ids = data.pop("user_ids") or []
        users = list(User.objects.filter(pk__in=ids, is_active=True))
        if len(users) != len(set(ids)):
            raise ValidationFailed({"user_ids": "Unknown or inactive users."})
        data["users"] = users
    if "contact_ids" in data:
        ids = data.pop("contact_ids") or []
        contacts = list(
            Contact.objects.filter(pk__in=ids, counterparty_id=counterparty_id, deleted_at__isnull=True)
        )
        if len(contacts) != len(set(ids)):
            raise ValidationFailed({"contact_ids": "Participants must be contacts of this counterparty."})
        data["contacts"] = contacts
    return data


@router.get(
    "interactions", response=PageOut[InteractionOut], summary="Interactions the caller may see, newest first"
)
def interaction_list(
    request: HttpRequest,
    counterparty: int | None = None,
    kind: str = "",
    q: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    queryset = selectors.interaction_list(
        request.user, counterparty=counterparty, kind=kind, q=q
    ).prefetch_related("users", "contacts")
    return page_of(queryset, order=selectors.TIMELINE_ORDER, cursor=cursor, limit=limit)


@router.get("interactions/export", summary="The filtered interaction list as CSV or XLSX")
def interaction_export(
    request: HttpRequest, format: str = "csv", counterparty: int | None = None, kind: str = "", q: str = ""
) -> HttpResponse:
    queryset = selectors.interaction_list(request.user, counterparty=counterparty, kind=kind, q=q)
    return export_response(request.user, "interaction", queryset.order_by(*selectors.TIMELINE_ORDER), format)


@router.post("interactions", response={201: InteractionOut}, summary="Record an interaction")
def interaction_create(request: HttpRequest, payload: InteractionIn) -> Any:
    data = payload.dict()
    counterparty = _counterparty_for_child(request.user, "interaction", data.pop("counterparty_id"))
    if data.get("occurred_at") is None:
        data.pop("occurred_at")
    fields = _participants(data, counterparty.pk)
    return Status(
        201, services.interaction_create(actor=request.user, counterparty=counterparty, fields=fields)
    )


@router.get("interactions/{interaction_id}", response=InteractionOut, summary="One interaction")
def interaction_detail(request: HttpRequest, interaction_id: int) -> Any:
    return selectors.interaction_get(request.user, interaction_id)


@router.patch("interactions/{interaction_id}", response=InteractionOut, summary="Change an interaction")
def interaction_update(request: HttpRequest, interaction_id: int, payload: InteractionPatch) -> Any:
    interaction = selectors.interaction_get(request.user, interaction_id, Action.UPDATE)
    version, fields = _patch_fields(payload)
    fields = _participants(fields, interaction.counterparty_id)
    return services.interaction_update(
        actor=request.user, interaction=interaction, expected_version=version, fields=fields
    )


@router.delete("interactions/{interaction_id}", response={204: None}, summary="Delete an interaction")
def interaction_delete(request: HttpRequest, interaction_id: int, version: int | None = None) -> Any:
    interaction = selectors.interaction_get(request.user, interaction_id, Action.DELETE)
    services.interaction_delete(actor=request.user, interaction=interaction, expected_version=version)
    return Status(204, None)
