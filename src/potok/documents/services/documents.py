"""Creating, changing, moving through statuses and deleting documents.

Each call validates first (nothing is written when a value is bad), then writes the document, its derived
rows, one audit row and exactly one domain event on the document — all in one transaction. A document that
gains a reference to another document also emits `linked` on that one (`unlinked` when it loses it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from potok.access.models import Action
from potok.access.selectors import can, visible_records
from potok.audit.models import AuditEvent
from potok.audit.services import audit_record
from potok.core import clock, context
from potok.core.errors import Conflict, PermissionDenied, ValidationFailed
from potok.core.events import emit_domain_event
from potok.core.models import EventKind
from potok.documents.confidential import hidden_codes
from potok.documents.derived import rebuild_index, rebuild_references, reference_targets, search_text_for
from potok.documents.entities import type_code_of
from potok.documents.fieldtypes import PendingUpload, ValueContext
from potok.documents.lock_objects import counter_for_update, document_for_update
from potok.documents.models import (
    Document,
    DocumentReference,
    DocumentStatus,
    DocumentType,
    FieldDefinition,
    FieldType,
)
from potok.documents.services.files import _Written, discard_files, files_removed_on_error, store_upload
from potok.documents.snapshots import document_snapshot
from potok.documents.validation import clean_values, value_changes

UNSET: Any = object()


def _require(actor: Any, document_type: DocumentType, action: str, document: Document | None = None) -> None:
    """Services refuse what the actor may not do; no actor (a process, the system) may do anything."""
    if actor is None:
        return
    entity_type = document_type.entity_type
    if document is None:
        allowed = can(actor, entity_type, action)
    else:
        allowed = visible_records(actor, entity_type, action).filter(pk=document.pk).exists()
    if not allowed:
        raise PermissionDenied(f"{action} {entity_type} {document.pk if document else ''}".strip())


def _definitions(document_type: DocumentType) -> list[FieldDefinition]:
    return list(FieldDefinition.objects.filter(document_type=document_type).order_by("position", "id"))


def _split(definitions: Iterable[FieldDefinition]) -> tuple[list[FieldDefinition], list[FieldDefinition]]:
    definitions = list(definitions)
    return [d for d in definitions if not d.is_archived], [d for d in definitions if d.is_archived]


def _refuse_hidden(values: Mapping[str, Any], hidden: set[str]) -> None:
    """A value for a confidential field the actor may not see is refused (it would overwrite what he cannot
    read); a field he was not shown and did not send keeps its stored value."""
    errors = {code: _("You may not change this confidential field.") for code in values if code in hidden}
    if errors:
        raise ValidationFailed(errors)


def number_take(document_type: DocumentType) -> str:
    """The next number of the type in the current year: «ПР-2026-00042». The counter row stays locked
    until the transaction ends, so numbers are neither repeated nor skipped (a rollback returns it)."""
    year = timezone.localdate(clock.now()).year
    counter = counter_for_update(document_type, year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    sequence = f"{counter.last_value:0{document_type.number_digits}d}"
    return (
        f"{document_type.number_prefix}-{year}-{sequence}"
        if document_type.number_prefix
        else f"{year}-{sequence}"
    )


def _store_files(
    *,
    actor: Any,
    document: Document,
    definitions: list[FieldDefinition],
    cleaned: dict[str, Any],
    written: _Written,
) -> list[int]:
    """Write pending uploads into storage, replacing them in `cleaned`; returns ids of replaced files."""
    replaced = []
    for definition in definitions:
        if definition.field_type != FieldType.FILE or definition.code not in cleaned:
            continue
        code, value = definition.code, cleaned[definition.code]
        old = document.data.get(code)
        old_id = int(old["id"]) if isinstance(old, dict) and old.get("id") else None
        if isinstance(value, PendingUpload):
            cleaned[code] = store_upload(
                actor=actor,
                upload=value,
                entity_type=document.document_type.entity_type,
                record_id=document.pk,
                field_code=code,
                written=written,
            )
        elif value is not None and old_id is not None and value.get("id") == old_id:
            cleaned[code] = old
            continue
        elif value is not None:
            raise ValidationFailed({code: _("Upload a file.")})
        if old_id is not None:
            replaced.append(old_id)
    return replaced


def _apply(data: dict[str, Any], cleaned: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(data)
    for code, value in cleaned.items():
        if value is None or value == []:
            result.pop(code, None)
        else:
            result[code] = value
    return result


def _audit(
    actor: Any, document: Document, action: str, changes: Mapping[str, tuple[Any, Any]], message: str = ""
) -> None:
    audit_record(
        actor=actor,
        entity_type=document.document_type.entity_type,
        record_id=document.pk,
        action=action,
        changes=changes,
        origin=context.current().origin,
        message=message,
    )


def _emit_links(
    actor: Any, document: Document, added: Iterable[tuple[str, int]], removed: Iterable[tuple[str, int]]
) -> None:
    """`linked` / `unlinked` on each document that `document` started or stopped referring to."""
    for kind, targets in ((EventKind.LINKED, added), (EventKind.UNLINKED, removed)):
        for target_type, target_id in sorted(targets):
            if type_code_of(target_type) is None:
                continue
            target = Document.objects.select_related("document_type").filter(pk=target_id).first()
            emit_domain_event(
                entity_type=target_type,
                record_id=target_id,
                kind=kind,
                snapshot=document_snapshot(target) if target is not None else None,
                related_entity_type=document.document_type.entity_type,
                related_record_id=document.pk,
                actor=actor,
            )


@transaction.atomic
def document_create(
    *,
    actor: Any,
    document_type: DocumentType,
    values: Mapping[str, Any],
    responsible: Any = None,
    department: Any = UNSET,
) -> Document:
    """A new document in the type's initial status, numbered, with `values` (field code → raw value).

    Empty fields take their defaults; unknown, archived, missing required and ill-typed fields are
    refused together, each under its code."""
    _require(actor, document_type, Action.CREATE)
    if document_type.archived_at is not None:
        raise ValidationFailed(
            {"document_type": _("The document type «%(name)s» is archived.") % {"name": document_type.name}}
        )
    definitions = _definitions(document_type)
    hidden = hidden_codes(actor, document_type.entity_type, definitions)
    _refuse_hidden(values, hidden)
    active, archived = _split(d for d in definitions if d.code not in hidden)
    value_context = ValueContext(actor=actor, owner_code=document_type.entity_type, now=clock.now())
    cleaned = clean_values(active, values, partial=False, context=value_context, archived=archived)
    initial = DocumentStatus.objects.filter(document_type=document_type, is_initial=True).first()
    if initial is None:
        raise ValidationFailed({"status": _("The document type has no initial status.")})
    now = clock.now()
    if department is UNSET:
        department = getattr(actor, "department", None)
    with files_removed_on_error() as written:
        document = Document.objects.create(
            document_type=document_type,
            number=number_take(document_type),
            status=initial.code,
            data={},
            author=actor if getattr(actor, "pk", None) else None,
            responsible=responsible,
            department=department,
            created_at=now,
            updated_at=now,
            version=1,
        )
        _store_files(
            actor=actor, document=document, definitions=definitions, cleaned=cleaned, written=written
        )
        document.data = _apply({}, cleaned)
        document.search_text = search_text_for(document, definitions)
        document.save(update_fields=["data", "search_text"])
        rebuild_index(document, definitions)
        added, _removed = rebuild_references(document, definitions, None)
        changes: dict[str, tuple[Any, Any]] = {
            "number": (None, document.number),
            "status": (None, document.status),
        }
        changes.update({code: (None, value) for code, value in document.data.items()})
        if responsible is not None:
            changes["responsible"] = (None, responsible)
        _audit(actor, document, "created", changes)
        emit_domain_event(
            entity_type=document_type.entity_type,
            record_id=document.pk,
            kind=EventKind.CREATED,
            changes=changes,
            snapshot=document_snapshot(document),
            actor=actor,
        )
        _emit_links(actor, document, added, ())
    return document


def _conflict(document: Document) -> Conflict:
    last = (
        AuditEvent.objects.filter(entity_type=document.document_type.entity_type, record_id=str(document.pk))
        .select_related("actor")
        .order_by("-occurred_at", "-id")
        .first()
    )
    if last is None:
        return Conflict(
            _("The document was changed after you opened it; reload it and apply your changes again.")
        )
    return Conflict(
        _(
            "%(who)s changed the document at %(when)s, after you opened it; reload it and apply your changes again."
        )
        % {
            "who": last.actor or _("someone"),
            "when": formats.date_format(timezone.localtime(last.occurred_at), "SHORT_DATETIME_FORMAT"),
        }
    )


def _locked(document: Document, expected_version: int | None) -> Document:
    locked = document_for_update(document)
    if expected_version is not None and locked.version != expected_version:
        raise _conflict(locked)
    return locked


@transaction.atomic
def document_update(
    *,
    actor: Any,
    document: Document,
    values: Mapping[str, Any],
    expected_version: int | None,
    partial: bool = True,
    responsible: Any = UNSET,
) -> Document:
    """Change field values. `expected_version` is the version the user read: a save over a newer one is a
    Conflict, never a lost update (None: no check, for processes). `partial` changes only the fields given;
    otherwise every active field is taken from `values`. Nothing changed → nothing written."""
    locked = _locked(document, expected_version)
    _require(actor, locked.document_type, Action.UPDATE, locked)
    return _change_values(actor=actor, locked=locked, values=values, partial=partial, responsible=responsible)


def _change_values(
    *,
    actor: Any,
    locked: Document,
    values: Mapping[str, Any],
    partial: bool,
    responsible: Any = UNSET,
    picker: Any = UNSET,
) -> Document:
    document_type = locked.document_type
    definitions = _definitions(document_type)
    # A person's edit leaves alone what he may not see; a consequence of something else (a merge) does not.
    hidden = (
        hidden_codes(actor, document_type.entity_type, definitions, locked.pk) if picker is UNSET else set()
    )
    _refuse_hidden(values, hidden)
    active, archived = _split(d for d in definitions if d.code not in hidden)
    value_context = ValueContext(
        actor=actor if picker is UNSET else picker,
        owner_code=document_type.entity_type,
        now=clock.now(),
        held=dict(locked.data),
    )
    cleaned = clean_values(
        active, values, partial=partial, context=value_context, existing=locked.data, archived=archived
    )
    with files_removed_on_error() as written:
        replaced = _store_files(
            actor=actor, document=locked, definitions=definitions, cleaned=cleaned, written=written
        )
        before = dict(locked.data)
        changes = value_changes(before, cleaned)
        if responsible is not UNSET and getattr(responsible, "pk", None) != locked.responsible_id:
            changes["responsible"] = (locked.responsible, responsible)
            locked.responsible = responsible
        if not changes:
            return locked
        locked.data = _apply(before, {code: cleaned[code] for code in changes if code in cleaned})
        locked.version += 1
        locked.updated_at = clock.now()
        locked.search_text = search_text_for(locked, definitions)
        locked.save(update_fields=["data", "version", "updated_at", "search_text", "responsible"])
        rebuild_index(locked, definitions, codes=list(changes))
        added, removed = rebuild_references(locked, definitions, before)
        if replaced:
            discard_files(replaced)
        _audit(actor, locked, "changed", changes)
        emit_domain_event(
            entity_type=document_type.entity_type,
            record_id=locked.pk,
            kind=EventKind.UPDATED,
            changes=changes,
            snapshot=document_snapshot(locked),
            actor=actor,
        )
        _emit_links(actor, locked, added, removed)
    return locked


@transaction.atomic
def documents_repoint_references(*, actor: Any, target_type: str, old_id: int, new_id: int) -> int:
    """Make every document that refers to record `old_id` of `target_type` refer to `new_id` instead (two
    counterparties merged); each document changed records its event. Returns how many changed."""
    links = DocumentReference.objects.filter(target_type=target_type, target_id=old_id)
    codes_by_document: dict[int, set[str]] = {}
    for source_id, field_code in links.values_list("source_id", "field_code"):
        codes_by_document.setdefault(source_id, set()).add(field_code)
    for document in Document.objects.filter(pk__in=list(codes_by_document)).order_by("pk"):
        locked = document_for_update(document)
        values = dict.fromkeys(sorted(codes_by_document[document.pk]), new_id)
        # A consequence of the merge, not an edit: the merging user need not have rights on the documents.
        _change_values(actor=actor, locked=locked, values=values, partial=True, picker=None)
    return len(codes_by_document)


def move_documents_to_survivor(*, actor: Any, survivor: Any, merged: Any) -> None:
    """potok.clients' merge hook: documents of the merged counterparty now name the survivor."""
    documents_repoint_references(
        actor=actor, target_type="counterparty", old_id=merged.pk, new_id=survivor.pk
    )


@transaction.atomic
def document_set_status(
    *, actor: Any, document: Document, status: str, expected_version: int | None = None, comment: str = ""
) -> Document:
    """Move the document to `status`, if its current status leads there."""
    locked = _locked(document, expected_version)
    document_type = locked.document_type
    _require(actor, document_type, Action.UPDATE, locked)
    statuses = {s.code: s for s in DocumentStatus.objects.filter(document_type=document_type)}
    if status not in statuses:
        raise ValidationFailed({"status": _("There is no status %(code)s.") % {"code": status}})
    current = statuses.get(locked.status)
    allowed = current.next_statuses if current else []
    if status not in allowed:
        names = ", ".join(statuses[code].label for code in allowed if code in statuses) or _("none")
        raise ValidationFailed(
            {
                "status": _(
                    "A document in «%(current)s» cannot move to «%(target)s»; it may move to: %(allowed)s."
                )
                % {
                    "current": current.label if current else locked.status,
                    "target": statuses[status].label,
                    "allowed": names,
                }
            }
        )
    changes = {"status": (locked.status, status)}
    locked.status = status
    locked.version += 1
    locked.updated_at = clock.now()
    locked.search_text = search_text_for(locked, _definitions(document_type))
    locked.save(update_fields=["status", "version", "updated_at", "search_text"])
    _audit(actor, locked, "status_changed", changes, message=comment[:500])
    emit_domain_event(
        entity_type=document_type.entity_type,
        record_id=locked.pk,
        kind=EventKind.UPDATED,
        changes=changes,
        snapshot=document_snapshot(locked),
        actor=actor,
    )
    return locked


@transaction.atomic
def document_delete(*, actor: Any, document: Document, expected_version: int | None = None) -> None:
    """Delete a document no other document refers to; its files go after the commit."""
    locked = _locked(document, expected_version)
    document_type = locked.document_type
    _require(actor, document_type, Action.DELETE, locked)
    referring = DocumentReference.objects.filter(target_type=document_type.entity_type, target_id=locked.pk)
    count = referring.values("source").distinct().count()
    if count:
        raise Conflict(
            _("%(count)s other documents refer to %(number)s; it cannot be deleted while they do.")
            % {"count": count, "number": locked.number}
        )
    definitions = _definitions(document_type)
    snapshot = document_snapshot(locked)
    file_ids = [
        int(value["id"])
        for definition in definitions
        if definition.field_type == FieldType.FILE
        and isinstance(value := locked.data.get(definition.code), dict)
        and value.get("id")
    ]
    removed = {
        (target_type, target_id)
        for _code, target_type, target_id in reference_targets(locked.data, definitions)
    }
    pk = locked.pk
    _audit(
        actor, locked, "deleted", {code: (value, None) for code, value in snapshot.items() if code != "id"}
    )
    emit_domain_event(
        entity_type=document_type.entity_type,
        record_id=pk,
        kind=EventKind.DELETED,
        changes={"number": (locked.number, None)},
        snapshot=snapshot,
        actor=actor,
    )
    _emit_links(actor, locked, (), removed)
    if file_ids:
        discard_files(file_ids)
    locked.delete()
