"""Deals: creating and changing them, moving them between stages under the stage requirements, and
keeping the stage history.

A move is one unit of work: the deal row (version + 1), the closed and the opened stage-history rows,
one audit row and ONE domain event `deal updated` whose changes hold {"stage": [old code, new code]}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.clients.models import Contact, Counterparty
from potok.core import clock
from potok.core.errors import Conflict, NotFound, ValidationFailed
from potok.core.models import EventKind
from potok.documents.custom_fields import apply_custom_values, check_custom_values, without_uploads
from potok.sales import validation
from potok.sales.lock_objects import deal_for_update
from potok.sales.models import (
    Currency,
    Deal,
    DealLine,
    Lead,
    LossReason,
    Pipeline,
    PriceList,
    SalesDocumentKind,
    Stage,
    StageKind,
    StageVisit,
)
from potok.sales.services.common import creation_changes, deal_snapshot, diff, record_change

ENTITY = "deal"
DEAL_FIELDS = (
    "title",
    "pipeline",
    "stage",
    "counterparty",
    "contacts",
    "amount",
    "currency",
    "vat_included",
    "price_list",
    "expected_close_date",
    "responsible",
    "description",
    "custom_fields",
)
UPDATABLE_FIELDS = tuple(field for field in DEAL_FIELDS if field not in ("pipeline", "stage"))


def requirement_labels() -> dict[str, str]:
    return {
        "counterparty": _("Counterparty"),
        "contacts": _("Contacts"),
        "amount": _("Amount"),
        "expected_close_date": _("Expected close date"),
        "description": _("Description"),
        "lines": _("Products and services"),
        "quote": _("Quote issued"),
        "invoice": _("Invoice issued"),
    }


def check_deal(fields: Mapping[str, Any], *, current: Deal | None = None) -> dict[str, Any]:
    allowed = DEAL_FIELDS if current is None else UPDATABLE_FIELDS
    errors = validation.unknown_fields(fields, allowed)
    if errors:
        raise ValidationFailed(errors)
    creating = current is None
    cleaned: dict[str, Any] = {}
    if "title" in fields or creating:
        cleaned["title"] = validation.text("title", fields.get("title"), errors, limit=300, required=True)
    if creating:
        pipeline = fields.get("pipeline")
        if not isinstance(pipeline, Pipeline) or not pipeline.is_active:
            errors["pipeline"] = _("Choose the pipeline.")
        else:
            stage = fields.get("stage")
            if stage is None:
                stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("order", "id").first()
            if not isinstance(stage, Stage) or stage.pipeline_id != pipeline.pk:
                errors["stage"] = _("Choose a stage of this pipeline.")
            elif stage.kind != StageKind.OPEN:
                errors["stage"] = _("A new deal starts at an open stage.")
            cleaned["pipeline"], cleaned["stage"] = pipeline, stage
    if "counterparty" in fields or creating:
        counterparty = fields.get("counterparty")
        if counterparty is not None and (
            not isinstance(counterparty, Counterparty) or counterparty.deleted_at
        ):
            errors["counterparty"] = _("Choose a counterparty of the client base.")
        cleaned["counterparty"] = counterparty
    if "contacts" in fields:
        contacts = list(fields.get("contacts") or [])
        owner = cleaned.get("counterparty", current.counterparty if current else None)
        if any(
            not isinstance(contact, Contact)
            or contact.deleted_at
            or owner is None
            or contact.counterparty_id != owner.pk
            for contact in contacts
        ):
            errors["contacts"] = _("Contacts must be people of the deal's counterparty.")
        cleaned["contacts"] = contacts
    if "amount" in fields or creating:
        amount = validation.decimal("amount", fields.get("amount") or 0, errors)
        if (
            current is not None
            and "amount" not in errors
            and current.lines.exists()
            and amount != current.amount
        ):
            errors["amount"] = _("The amount is the sum of the deal's lines: change the lines instead.")
        cleaned["amount"] = amount
    if "currency" in fields or creating:
        currency = str(fields.get("currency") or Currency.RUB).upper()
        if currency not in Currency.values:
            errors["currency"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Currency.values)}
        cleaned["currency"] = currency
    if "vat_included" in fields or creating:
        cleaned["vat_included"] = bool(fields.get("vat_included", True))
    if "price_list" in fields:
        price_list = fields.get("price_list")
        if price_list is not None and not isinstance(price_list, PriceList):
            errors["price_list"] = _("Choose a price list.")
        cleaned["price_list"] = price_list
    if "expected_close_date" in fields:
        cleaned["expected_close_date"] = validation.date(
            "expected_close_date", fields.get("expected_close_date"), errors
        )
    if "responsible" in fields or creating:
        responsible = fields.get("responsible")
        if responsible is not None and not getattr(responsible, "is_active", False):
            errors["responsible"] = _("Choose an active user.")
        cleaned["responsible"] = responsible
    if "description" in fields:
        cleaned["description"] = validation.text(
            "description", fields.get("description"), errors, limit=10000
        )
    if "custom_fields" in fields or creating:
        # Checked against the field definitions by the services (check_custom_values), with the actor.
        custom = fields.get("custom_fields") or {}
        if not isinstance(custom, Mapping):
            errors["custom_fields"] = _("Custom fields are an object of names and values.")
        cleaned["custom_fields"] = custom
    if errors:
        raise ValidationFailed(errors)
    return cleaned


@transaction.atomic
def deal_create(*, actor: Any, fields: Mapping[str, Any], lead: Lead | None = None) -> Deal:
    """A new deal at the given (or the first open) stage of its pipeline; the stage history starts."""
    fields = dict(fields)
    if "responsible" not in fields and getattr(actor, "pk", None):
        fields["responsible"] = actor
    cleaned = check_deal(fields)
    custom = check_custom_values(ENTITY, cleaned["custom_fields"], actor=actor)
    cleaned["custom_fields"], uploads = without_uploads(custom)
    contacts = cleaned.pop("contacts", [])
    now = clock.now()
    responsible = cleaned.get("responsible")
    deal = Deal.objects.create(
        **cleaned,
        department=getattr(responsible, "department", None),
        stage_entered_at=now,
        created_at=now,
        updated_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if uploads:
        deal.custom_fields = apply_custom_values(
            actor=actor, entity_code=ENTITY, record_id=deal.pk, stored=deal.custom_fields, cleaned=uploads
        )
        deal.save(update_fields=["custom_fields"])
    if contacts:
        deal.contacts.set(contacts)
    StageVisit.objects.create(
        deal=deal, pipeline=deal.pipeline, stage=deal.stage, entered_at=now, entered_by=_user(actor)
    )
    snapshot = deal_snapshot(deal)
    snapshot["contacts"] = sorted(contact.pk for contact in contacts)
    snapshot["lead"] = lead.pk if lead else None
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=deal.pk,
        kind=EventKind.CREATED,
        changes=creation_changes(snapshot),
        snapshot=snapshot,
        related_entity_type="lead" if lead else "",
        related_record_id=lead.pk if lead else None,
    )
    return deal


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def locked_deal(deal: Deal, expected_version: int | None) -> Deal:
    locked = deal_for_update(deal.pk)
    if locked is None:
        raise NotFound(f"{ENTITY} {deal.pk}")
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _(
                "The deal was changed by someone else meanwhile (version %(current)d, you had %(yours)d); "
                "reload it and try again."
            )
            % {"current": locked.version, "yours": expected_version}
        )
    return locked


def save_and_record(
    *, actor: Any, deal: Deal, before: dict[str, Any], extra: Mapping[str, tuple[Any, Any]] | None = None
) -> Deal:
    """Bump the version and write the row, the audit row and the event — when something changed."""
    after = deal_snapshot(deal)
    changes = {**diff(before, after), **(extra or {})}
    if not changes:
        return deal
    deal.version += 1
    deal.updated_at = clock.now()
    deal.save()
    after["version"] = deal.version
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=deal.pk,
        kind=EventKind.UPDATED,
        changes=changes,
        snapshot=after,
    )
    return deal


@transaction.atomic
def deal_update(*, actor: Any, deal: Deal, expected_version: int | None, fields: Mapping[str, Any]) -> Deal:
    """Change the given fields (not the stage: that is `deal_move`). A stale version is a Conflict."""
    locked = locked_deal(deal, expected_version)
    cleaned = check_deal(fields, current=locked)
    if "custom_fields" in cleaned:
        # A PATCH of custom fields: the codes given change, the others keep their stored values.
        custom = check_custom_values(
            ENTITY, cleaned["custom_fields"], actor=actor, record_pk=locked.pk, stored=locked.custom_fields
        )
        cleaned["custom_fields"] = apply_custom_values(
            actor=actor, entity_code=ENTITY, record_id=locked.pk, stored=locked.custom_fields, cleaned=custom
        )
    before = deal_snapshot(locked)
    extra: dict[str, tuple[Any, Any]] = {}
    if "contacts" in cleaned:
        old = sorted(locked.contacts.values_list("pk", flat=True))
        new = sorted(contact.pk for contact in cleaned.pop("contacts"))
        if old != new:
            locked.contacts.set(new)
            extra["contacts"] = (old, new)
    if (
        "counterparty" in cleaned
        and cleaned["counterparty"] != locked.counterparty
        and "contacts" not in fields
    ):
        # Contacts belong to the counterparty: a deal that changes hands keeps none of the old one's people.
        old = sorted(locked.contacts.values_list("pk", flat=True))
        if old:
            locked.contacts.clear()
            extra["contacts"] = (old, [])
    vat_changed = "vat_included" in cleaned and cleaned["vat_included"] != locked.vat_included
    for field, value in cleaned.items():
        setattr(locked, field, value)
    if "responsible" in cleaned:
        locked.department = getattr(locked.responsible, "department", None)
    if vat_changed:
        from potok.sales.services.lines import recompute_lines

        recompute_lines(locked)
    return save_and_record(actor=actor, deal=locked, before=before, extra=extra)


def unmet_requirements(deal: Deal, stage: Stage) -> dict[str, list[str]]:
    """What the deal lacks to leave `stage`: a message per required field and per unticked item."""
    labels = requirement_labels()
    problems: dict[str, list[str]] = {}
    for field in stage.required_fields:
        if not _is_filled(deal, field):
            problems.setdefault(field, []).append(
                _("Fill in «%(field)s» before the deal leaves the stage «%(stage)s».")
                % {"field": labels.get(field, field), "stage": stage.name}
            )
    ticked = set(deal.checklist.get(str(stage.pk), []))
    for item in stage.checklist:
        if item["code"] not in ticked:
            problems.setdefault("checklist", []).append(
                _("Tick «%(item)s» at the stage «%(stage)s» first.")
                % {"item": item["text"], "stage": stage.name}
            )
    return problems


def _is_filled(deal: Deal, field: str) -> bool:
    if field == "contacts":
        return deal.contacts.exists()
    if field == "lines":
        return deal.lines.exists()
    if field in (SalesDocumentKind.QUOTE, SalesDocumentKind.INVOICE):
        return deal.documents.filter(kind=field).exists()
    if field == "amount":
        return bool(deal.amount and deal.amount > 0)
    return bool(getattr(deal, field, None))


def check_move(deal: Deal, target: Stage, *, loss_reason: LossReason | None) -> None:
    """Refuse a move the sales method does not allow, with a message per field.

    Forward (to a later open stage or to «won»), every stage passed must have its requirements met — the
    one being left and any skipped. Back, and to «lost», a deal may always go; «lost» needs a reason."""
    if target.pipeline_id != deal.pipeline_id:
        raise ValidationFailed({"stage": _("Choose a stage of the deal's own pipeline.")})
    if target.kind == StageKind.LOST:
        if loss_reason is None:
            raise ValidationFailed({"loss_reason": _("Say why the deal was lost: choose a reason.")})
        if not loss_reason.is_active:
            raise ValidationFailed({"loss_reason": _("This reason is no longer in use.")})
        return
    current = deal.stage
    if target.kind == StageKind.OPEN and target.order <= current.order and current.kind == StageKind.OPEN:
        return
    start = current.order if current.kind == StageKind.OPEN else -1
    passed = Stage.objects.filter(
        pipeline_id=deal.pipeline_id, kind=StageKind.OPEN, order__gte=start, order__lt=target.order
    ).order_by("order", "id")
    problems: dict[str, list[str]] = {}
    for stage in passed:
        for field, messages in unmet_requirements(deal, stage).items():
            problems.setdefault(field, []).extend(messages)
    if target.kind == StageKind.WON and not (deal.amount and deal.amount > 0):
        problems.setdefault("amount", []).append(_("A won deal needs its amount."))
    if problems:
        raise ValidationFailed(problems)


@transaction.atomic
def deal_move(
    *,
    actor: Any,
    deal: Deal,
    stage: Stage,
    expected_version: int | None,
    loss_reason: LossReason | None = None,
    loss_comment: str = "",
) -> Deal:
    """Move the deal to `stage`: checked against the stage requirements, the stage history closed and
    opened, and one `updated` event with {"stage": [old, new]} written."""
    locked = locked_deal(deal, expected_version)
    if stage.pk == locked.stage_id:
        return locked
    check_move(locked, stage, loss_reason=loss_reason)
    errors: dict[str, str] = {}
    comment = validation.text("loss_comment", loss_comment, errors, limit=500)
    if errors:
        raise ValidationFailed(errors)
    before = deal_snapshot(locked)
    now = clock.now()
    StageVisit.objects.filter(deal=locked, left_at__isnull=True).update(left_at=now, left_by=_user(actor))
    StageVisit.objects.create(
        deal=locked, pipeline_id=locked.pipeline_id, stage=stage, entered_at=now, entered_by=_user(actor)
    )
    locked.stage = stage
    locked.stage_entered_at = now
    locked.closed_at = now if stage.kind != StageKind.OPEN else None
    if stage.kind == StageKind.LOST:
        locked.loss_reason, locked.loss_comment = loss_reason, comment
    else:
        locked.loss_reason, locked.loss_comment = None, ""
    return save_and_record(actor=actor, deal=locked, before=before)


@transaction.atomic
def deal_checklist_tick(*, actor: Any, deal: Deal, stage: Stage, item_code: str, done: bool) -> Deal:
    """Tick (or untick) an item of a stage's checklist for this deal. Idempotent, so no version is asked."""
    locked = locked_deal(deal, None)
    if stage.pipeline_id != locked.pipeline_id:
        raise ValidationFailed({"stage": _("Choose a stage of the deal's own pipeline.")})
    if item_code not in {item["code"] for item in stage.checklist}:
        raise ValidationFailed({"item": _("This stage has no such checklist item.")})
    key = str(stage.pk)
    ticked = list(locked.checklist.get(key, []))
    if done and item_code not in ticked:
        ticked.append(item_code)
    elif not done and item_code in ticked:
        ticked.remove(item_code)
    else:
        return locked
    old = dict(locked.checklist)
    locked.checklist = {**locked.checklist, key: ticked}
    return save_and_record(
        actor=actor, deal=locked, before=deal_snapshot(locked), extra={"checklist": (old, locked.checklist)}
    )


@transaction.atomic
def deal_delete(*, actor: Any, deal: Deal, expected_version: int | None = None) -> None:
    """Delete softly: the row stays for documents, the history and the reports of past periods."""
    locked = locked_deal(deal, expected_version)
    snapshot = deal_snapshot(locked)
    locked.deleted_at = clock.now()
    locked.version += 1
    locked.save(update_fields=["deleted_at", "version"])
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=locked.pk,
        kind=EventKind.DELETED,
        changes={"deleted_at": (None, locked.deleted_at)},
        snapshot=snapshot,
    )
    deal.deleted_at, deal.version = locked.deleted_at, locked.version


def deals_move_to_counterparty(*, actor: Any, source: Counterparty, target: Counterparty) -> None:
    """The merge hook of the client base: deals and leads of `source` now belong to `target`."""
    for deal in (
        Deal.objects.select_for_update(of=("self",))
        .filter(counterparty=source)
        .select_related("pipeline", "stage", "responsible", "department", "counterparty", "loss_reason")
    ):
        before = deal_snapshot(deal)
        deal.counterparty = target
        save_and_record(actor=actor, deal=deal, before=before)
    Lead.objects.filter(counterparty=source).update(counterparty=target)


def deal_lines(deal: Deal) -> list[DealLine]:
    return list(deal.lines.select_related("vat_rate", "product"))
