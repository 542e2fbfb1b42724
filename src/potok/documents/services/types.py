"""The administrator's designer: document types, their numbering and statuses.

Fields (of document types and of built-in entities) are in `potok.documents.services.fields`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.audit.services import audit_record
from potok.core import clock, context
from potok.core.errors import ValidationFailed
from potok.documents.models import Document, DocumentStatus, DocumentType, StatusColor

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
PREFIX_PATTERN = re.compile(r"^[^\s/\\]{0,16}$")
TYPE_AUDIT = "document_type"
UNSET: Any = object()


def check_code(code: str, errors: dict[str, str], *, key: str = "code") -> None:
    if not CODE_PATTERN.match(code or ""):
        errors[key] = _("Use 1–48 lower-case Latin letters, digits and _, starting with a letter.")


def _audit(
    actor: Any, document_type: DocumentType, action: str, changes: Mapping[str, tuple[Any, Any]]
) -> None:
    audit_record(
        actor=actor,
        entity_type=TYPE_AUDIT,
        record_id=document_type.pk,
        action=action,
        changes=changes,
        origin=context.current().origin,
    )


def _check_names(name_ru: str, name_en: str, errors: dict[str, str]) -> None:
    if not name_ru.strip():
        errors["name_ru"] = _("Enter the name in Russian.")
    if not name_en.strip():
        errors["name_en"] = _("Enter the name in English.")


def _check_numbering(prefix: str, digits: int, errors: dict[str, str]) -> None:
    if not PREFIX_PATTERN.match(prefix):
        errors["number_prefix"] = _("At most 16 characters, without spaces or slashes.")
    if not 1 <= digits <= 9:
        errors["number_digits"] = _("Use from 1 to 9 digits.")


@transaction.atomic
def document_type_create(
    *,
    actor: Any,
    code: str,
    name_ru: str,
    name_en: str,
    description: str = "",
    number_prefix: str = "",
    number_digits: int = 5,
    statuses: Sequence[Mapping[str, Any]] | None = None,
) -> DocumentType:
    """A new document type with its statuses (by default one initial status «Новый»)."""
    errors: dict[str, str] = {}
    code = (code or "").strip()
    check_code(code, errors)
    if "code" not in errors and DocumentType.objects.filter(code=code).exists():
        errors["code"] = _("A document type with the code %(code)s exists already.") % {"code": code}
    _check_names(name_ru, name_en, errors)
    number_prefix = (number_prefix or "").strip()
    _check_numbering(number_prefix, number_digits, errors)
    status_rows = list(
        statuses or [{"code": "new", "label_ru": "Новый", "label_en": "New", "is_initial": True}]
    )
    errors.update(_check_status_list(status_rows))
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    document_type = DocumentType.objects.create(
        code=code,
        name_ru=name_ru.strip(),
        name_en=name_en.strip(),
        description=description.strip(),
        number_prefix=number_prefix,
        number_digits=number_digits,
        created_at=now,
        updated_at=now,
    )
    for position, row in enumerate(status_rows, start=1):
        DocumentStatus.objects.create(
            document_type=document_type,
            code=row["code"],
            label_ru=row["label_ru"].strip(),
            label_en=(row.get("label_en") or row["label_ru"]).strip(),
            position=position,
            is_initial=bool(row.get("is_initial")),
            is_final=bool(row.get("is_final")),
            color=row.get("color") or StatusColor.GREY,
            next_statuses=list(row.get("next_statuses") or []),
        )
    _audit(
        actor,
        document_type,
        "created",
        {
            "code": (None, code),
            "name_ru": (None, document_type.name_ru),
            "numbering": (None, f"{number_prefix}-YYYY-{'N' * number_digits}"),
            "statuses": (None, [row["code"] for row in status_rows]),
        },
    )
    return document_type


def _check_status_list(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    codes = [str(row.get("code", "")) for row in rows]
    for row in rows:
        check_code(str(row.get("code", "")), errors, key="statuses")
        if not str(row.get("label_ru", "")).strip():
            errors["statuses"] = _("Every status needs a Russian label.")
    if len(set(codes)) != len(codes):
        errors["statuses"] = _("Status codes must differ.")
    initial = [row for row in rows if row.get("is_initial")]
    if len(initial) != 1:
        errors["statuses"] = _("Mark exactly one status as initial.")
    for row in rows:
        unknown = set(row.get("next_statuses") or []) - set(codes)
        if unknown:
            errors["statuses"] = _("Status %(code)s leads to unknown statuses: %(unknown)s.") % {
                "code": row.get("code"),
                "unknown": ", ".join(sorted(unknown)),
            }
        if row.get("is_final") and row.get("next_statuses"):
            errors["statuses"] = _("A final status leads nowhere; %(code)s lists next statuses.") % {
                "code": row.get("code")
            }
        if row.get("is_final") and row.get("is_initial"):
            errors["statuses"] = _("A status cannot be both initial and final.")
        if row.get("color") and row["color"] not in StatusColor.values:
            errors["statuses"] = _("Unknown colour %(color)s.") % {"color": row["color"]}
    return errors


@transaction.atomic
def document_type_update(
    *,
    actor: Any,
    document_type: DocumentType,
    name_ru: str = UNSET,
    name_en: str = UNSET,
    description: str = UNSET,
    number_prefix: str = UNSET,
    number_digits: int = UNSET,
) -> DocumentType:
    """Rename or renumber a type; its code never changes. New numbering applies to new documents only."""
    given: dict[str, Any] = {
        key: value
        for key, value in {
            "name_ru": name_ru,
            "name_en": name_en,
            "description": description,
            "number_prefix": number_prefix,
            "number_digits": number_digits,
        }.items()
        if value is not UNSET
    }
    for key in ("name_ru", "name_en", "description", "number_prefix"):
        if key in given:
            given[key] = (given[key] or "").strip()
    errors: dict[str, str] = {}
    _check_names(
        given.get("name_ru", document_type.name_ru), given.get("name_en", document_type.name_en), errors
    )
    _check_numbering(
        given.get("number_prefix", document_type.number_prefix),
        given.get("number_digits", document_type.number_digits),
        errors,
    )
    if errors:
        raise ValidationFailed(errors)
    changes = {
        key: (getattr(document_type, key), value)
        for key, value in given.items()
        if getattr(document_type, key) != value
    }
    if not changes:
        return document_type
    for key, (_old, new) in changes.items():
        setattr(document_type, key, new)
    document_type.updated_at = clock.now()
    document_type.save(update_fields=[*changes, "updated_at"])
    _audit(actor, document_type, "changed", changes)
    return document_type


@transaction.atomic
def document_type_set_archived(*, actor: Any, document_type: DocumentType, archived: bool) -> DocumentType:
    """Archive a type (no new documents; existing ones stay readable) or bring it back."""
    if (document_type.archived_at is not None) == archived:
        return document_type
    old = document_type.archived_at
    document_type.archived_at = clock.now() if archived else None
    document_type.save(update_fields=["archived_at"])
    _audit(
        actor,
        document_type,
        "archived" if archived else "restored",
        {"archived_at": (old, document_type.archived_at)},
    )
    return document_type


def _status_or_error(document_type: DocumentType, code: str) -> DocumentStatus:
    status = DocumentStatus.objects.filter(document_type=document_type, code=code).first()
    if status is None:
        raise ValidationFailed({"status": _("There is no status %(code)s.") % {"code": code}})
    return status


def _check_next(
    document_type: DocumentType, code: str, next_statuses: Iterable[str], is_final: bool
) -> list[str]:
    known = set(DocumentStatus.objects.filter(document_type=document_type).values_list("code", flat=True)) | {
        code
    }
    targets = [str(item) for item in next_statuses if str(item)]
    unknown = sorted(set(targets) - known)
    errors: dict[str, str] = {}
    if unknown:
        errors["next_statuses"] = _("Unknown statuses: %(codes)s.") % {"codes": ", ".join(unknown)}
    if code in targets:
        errors["next_statuses"] = _("A status cannot lead to itself.")
    if is_final and targets:
        errors["next_statuses"] = _("A final status leads nowhere.")
    if errors:
        raise ValidationFailed(errors)
    return list(dict.fromkeys(targets))


@transaction.atomic
def document_status_create(
    *,
    actor: Any,
    document_type: DocumentType,
    code: str,
    label_ru: str,
    label_en: str = "",
    is_initial: bool = False,
    is_final: bool = False,
    color: str = StatusColor.GREY,
    next_statuses: Iterable[str] = (),
    leads_from: Iterable[str] = (),
) -> DocumentStatus:
    """A new status; `leads_from` adds it to the next statuses of those listed."""
    errors: dict[str, str] = {}
    code = (code or "").strip()
    check_code(code, errors)
    if (
        "code" not in errors
        and DocumentStatus.objects.filter(document_type=document_type, code=code).exists()
    ):
        errors["code"] = _("The status %(code)s exists already.") % {"code": code}
    if not label_ru.strip():
        errors["label_ru"] = _("Enter the label in Russian.")
    if is_initial and is_final:
        errors["is_final"] = _("A status cannot be both initial and final.")
    if color not in StatusColor.values:
        errors["color"] = _("Unknown colour %(color)s.") % {"color": color}
    if errors:
        raise ValidationFailed(errors)
    targets = _check_next(document_type, code, next_statuses, is_final)
    sources = list(DocumentStatus.objects.filter(document_type=document_type, code__in=list(leads_from)))
    if is_initial:
        DocumentStatus.objects.filter(document_type=document_type, is_initial=True).update(is_initial=False)
    last = DocumentStatus.objects.filter(document_type=document_type).order_by("-position").first()
    status = DocumentStatus.objects.create(
        document_type=document_type,
        code=code,
        label_ru=label_ru.strip(),
        label_en=(label_en or label_ru).strip(),
        position=(last.position + 1) if last else 1,
        is_initial=is_initial,
        is_final=is_final,
        color=color,
        next_statuses=targets,
    )
    for source in sources:
        if source.is_final:
            raise ValidationFailed({"leads_from": _("A final status leads nowhere.")})
        if code not in source.next_statuses:
            source.next_statuses = [*source.next_statuses, code]
            source.save(update_fields=["next_statuses"])
    _audit(actor, document_type, "status_added", {f"status.{code}": (None, status.label_ru)})
    return status


@transaction.atomic
def document_status_update(
    *,
    actor: Any,
    status: DocumentStatus,
    label_ru: str = UNSET,
    label_en: str = UNSET,
    is_initial: bool = UNSET,
    is_final: bool = UNSET,
    color: str = UNSET,
    next_statuses: Iterable[str] = UNSET,
) -> DocumentStatus:
    """Relabel a status or change where it leads; its code never changes (documents hold it)."""
    document_type = status.document_type
    new: dict[str, Any] = {
        "label_ru": status.label_ru if label_ru is UNSET else label_ru.strip(),
        "label_en": status.label_en if label_en is UNSET else (label_en or label_ru or "").strip(),
        "is_initial": status.is_initial if is_initial is UNSET else bool(is_initial),
        "is_final": status.is_final if is_final is UNSET else bool(is_final),
        "color": status.color if color is UNSET else color,
    }
    errors: dict[str, str] = {}
    if not new["label_ru"]:
        errors["label_ru"] = _("Enter the label in Russian.")
    if new["is_initial"] and new["is_final"]:
        errors["is_final"] = _("A status cannot be both initial and final.")
    if status.is_initial and not new["is_initial"]:
        errors["is_initial"] = _("Mark another status as initial instead; a type needs one.")
    if new["color"] not in StatusColor.values:
        errors["color"] = _("Unknown colour %(color)s.") % {"color": new["color"]}
    if errors:
        raise ValidationFailed(errors)
    targets = _check_next(
        document_type,
        status.code,
        status.next_statuses if next_statuses is UNSET else next_statuses,
        new["is_final"],
    )
    changes: dict[str, tuple[Any, Any]] = {
        key: (getattr(status, key), value) for key, value in new.items() if getattr(status, key) != value
    }
    if targets != status.next_statuses:
        changes["next_statuses"] = (status.next_statuses, targets)
    if not changes:
        return status
    if new["is_initial"] and not status.is_initial:
        DocumentStatus.objects.filter(document_type=document_type, is_initial=True).update(is_initial=False)
    for key, (_old, value) in changes.items():
        setattr(status, key, value)
    status.save()
    _audit(
        actor,
        document_type,
        "status_changed",
        {f"status.{status.code}.{key}": pair for key, pair in changes.items()},
    )
    return status


@transaction.atomic
def document_status_delete(*, actor: Any, status: DocumentStatus) -> None:
    """Remove a status no document is in; the others stop leading to it."""
    document_type = status.document_type
    if status.is_initial:
        raise ValidationFailed(
            {"status": _("The initial status cannot be removed; mark another one initial first.")}
        )
    in_use = Document.objects.filter(document_type=document_type, status=status.code).count()
    if in_use:
        raise ValidationFailed(
            {"status": _("%(count)s documents are in this status; move them first.") % {"count": in_use}}
        )
    for other in DocumentStatus.objects.filter(document_type=document_type).exclude(pk=status.pk):
        if status.code in other.next_statuses:
            other.next_statuses = [code for code in other.next_statuses if code != status.code]
            other.save(update_fields=["next_statuses"])
    status.delete()
    _audit(actor, document_type, "status_removed", {f"status.{status.code}": (status.label_ru, None)})


@transaction.atomic
def document_statuses_reorder(*, actor: Any, document_type: DocumentType, codes: Sequence[str]) -> None:
    statuses = {status.code: status for status in DocumentStatus.objects.filter(document_type=document_type)}
    if sorted(codes) != sorted(statuses):
        raise ValidationFailed({"order": _("List every status exactly once.")})
    old = sorted(statuses, key=lambda code: statuses[code].position)
    for position, code in enumerate(codes, start=1):
        if statuses[code].position != position:
            statuses[code].position = position
            statuses[code].save(update_fields=["position"])
    if old != list(codes):
        _audit(actor, document_type, "statuses_reordered", {"statuses": (old, list(codes))})
