"""Erasure of a person's data on request (152-ФЗ, art. 21): their values are replaced by a placeholder
everywhere Potok keeps them; records accounting needs (deals, documents, the counterparty of an
entrepreneur) stay, but no longer identify the person.

What happens to each place is in docs/personal-data.md. The audit keeps one row saying that an
erasure happened (who, when, on which request) and none of the erased values: the older audit rows and
domain events of the person's records are rewritten like everything else.

A person whose records have running processes is refused unless an administrator forces it: the process
would go on with placeholders where it expects a phone or a name, which someone should decide knowingly.

Example:
    >>> report = person_erase(actor=officer, entity_type="contact", record_id=17, reason="request 12")
    >>> report.changed["audit"]
    4
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from potok.access.models import Action
from potok.access.selectors import is_administrator, require
from potok.audit.models import AuditEvent
from potok.audit.services import audit_record
from potok.clients.models import Contact, Counterparty, CounterpartyKey
from potok.clients.services.counterparties import derive_columns
from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.core.models import DomainEvent
from potok.documents.models import Document, DocumentIndexValue, StoredFile
from potok.notifications.models import Notification, WebhookMessage
from potok.privacy import places
from potok.privacy.apps import PERSONAL_DATA
from potok.privacy.export import acting_origin
from potok.privacy.scrub import Needles, candidates, scrub_text, scrub_value
from potok.privacy.subjects import Subject, subject_get
from potok.processes.models import Execution, ProcessInstance, Task
from potok.sales.models import Lead
from potok.tasks.models import TaskComment, TaskEvent

ERASE_ACTION = "personal_data_erased"
RUNNING_STATES = ("running", "suspended")
# Keys of own audit rows and event snapshots whose values are personal whatever they hold.
PERSONAL_KEYS = frozenset({"custom_fields", "comment", "consent_source", "birth_date", "passport"})


OTHER_COPIES: list[tuple[str, list[str]]] = [
    ("processes.OperationLog", ["details"]),
    ("processes.Incident", ["message", "params"]),
    ("processes.Job", ["last_error"]),
    ("automation.RuleIncident", ["message", "payload"]),
    ("automation.RuleTimer", ["payload", "last_error"]),
    ("automation.RuleEvaluation", ["error"]),
    ("notifications.Delivery", ["last_error"]),
    ("imports.ImportRow", ["values", "messages"]),
    ("imports.ImportJob", ["message"]),
]


@dataclass
class ErasureReport:
    entity_type: str
    record_id: int
    placeholder: str
    already_erased: bool = False
    running_processes: int = 0
    changed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.changed.values())


def placeholder_for(subject: Subject) -> str:
    # Stored data speak the installation's language, not the language of the officer's browser.
    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased person #%(id)s") % {"id": subject.record_id}


def running_instances(subject: Subject) -> QuerySet[ProcessInstance]:
    return places.instances_of(subject).filter(state__in=RUNNING_STATES)


def was_erased(subject: Subject) -> bool:
    return AuditEvent.objects.filter(
        entity_type=subject.entity_type, record_id=str(subject.record_id), action=ERASE_ACTION
    ).exists()


def check_erasure(*, actor: Any, subject: Subject, reason: str, force: bool) -> None:
    """Refuse, naming the field, what must not go ahead; changes nothing."""
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = _("Say on which request or for what reason the data are erased.")
    if force and not is_administrator(actor):
        errors["force"] = _(
            "Only an administrator may erase the data of a person whose processes are running."
        )
    elif not force and not was_erased(subject):
        running = running_instances(subject).count()
        if running:
            errors["force"] = ngettext(
                "%(count)d process about this person is still running. Finish or cancel it first, or let "
                "an administrator erase the data anyway (the process goes on with the placeholder).",
                "%(count)d processes about this person are still running. Finish or cancel them first, or "
                "let an administrator erase the data anyway (the processes go on with the placeholder).",
                running,
            ) % {"count": running}
    if errors:
        raise ValidationFailed(errors)


class _Eraser:
    def __init__(self, subject: Subject, placeholder: str):
        self.subject = subject
        self.placeholder = placeholder
        self.everywhere = subject.needles
        self.own = subject.needles.for_own_rows()
        self.changed: dict[str, int] = {}

    def count(self, place: str, number: int) -> None:
        if number:
            self.changed[place] = self.changed.get(place, 0) + number

    def rewrite(
        self,
        place: str,
        rows: Iterable[Model],
        fields: Iterable[str],
        needles: Needles,
        extra: Callable[[Model], bool] | None = None,
    ) -> None:
        """Scrub the needles out of `fields` of each row, saving only the rows that changed (by an UPDATE,
        never `save()`: audit rows refuse to be saved twice, and nothing here is a user's edit)."""
        names = list(fields)
        done: set[Any] = set()
        for row in rows:
            if row.pk in done:
                continue
            done.add(row.pk)
            changed = extra(row) if extra is not None else False
            for name in names:
                value = getattr(row, name)
                if name == "body" and isinstance(row, WebhookMessage):
                    new, did = self._scrub_json_text(value, needles)
                else:
                    new, did = scrub_value(value, needles, self.placeholder)
                if did:
                    setattr(row, name, new)
                    changed = True
            if changed:
                type(row)._default_manager.filter(pk=row.pk).update(
                    **{name: getattr(row, name) for name in names}
                )
                self.count(place, 1)

    def _scrub_json_text(self, text: str, needles: Needles) -> tuple[str, bool]:
        try:
            data = json.loads(text)
        except ValueError:
            return scrub_text(text, needles, self.placeholder)
        new, did = scrub_value(data, needles, self.placeholder)
        return (json.dumps(new, ensure_ascii=False) if did else text), did

    def _blank_personal_keys(self, mapping: Any, *, pairs: bool) -> bool:
        if not isinstance(mapping, dict):
            return False
        changed = False
        # A change of one custom field is recorded as "custom_fields.<code>": personal like the whole object.
        keys = {key for key in mapping if key in PERSONAL_KEYS or str(key).startswith("custom_fields.")}
        for key in keys:
            blank: Any = [None, None] if pairs else None
            if mapping[key] not in (blank, [None, None], None, "", {}, []):
                mapping[key] = blank
                changed = True
        return changed

    # -- the person's own records ---------------------------------------------------------------

    def contacts(self) -> None:
        today = clock.now().date()
        for contact in Contact.objects.select_for_update().filter(
            pk__in=[c.pk for c in self.subject.contacts]
        ):
            values: dict[str, Any] = {
                "last_name": "",
                "first_name": self.placeholder,
                "middle_name": "",
                "position": "",
                "phones": [],
                "emails": [],
                "comment": "",
                "custom_fields": {},
                "search_text": "",
                "consent_source": scrub_text(contact.consent_source, self.own, self.placeholder)[0],
                "consent_withdrawn_on": contact.consent_withdrawn_on
                or (today if contact.consent_given_on else None),
                "deleted_at": contact.deleted_at or clock.now(),
            }
            if any(getattr(contact, name) != value for name, value in values.items()):
                Contact.objects.filter(pk=contact.pk).update(**values, version=contact.version + 1)
                self.count("contacts", 1)

    def counterparty(self) -> None:
        if self.subject.counterparty is None:
            return
        counterparty = Counterparty.objects.select_for_update().get(pk=self.subject.counterparty.pk)
        values: dict[str, Any] = {
            "name": self.placeholder,
            "full_name": "",
            "inn": "",
            "ogrn": "",
            "phones": [],
            "emails": [],
            "legal_address": "",
            "postal_address": "",
            "comment": "",
            "custom_fields": {},
        }
        if any(getattr(counterparty, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(counterparty, name, value)
            derive_columns(counterparty)
            values.update(
                name_normalized=counterparty.name_normalized,
                search_text=counterparty.search_text,
                version=counterparty.version + 1,
            )
            Counterparty.objects.filter(pk=counterparty.pk).update(**values)
            self.count("counterparty", 1)
        self.count("search_keys", CounterpartyKey.objects.filter(counterparty=counterparty).delete()[0])

    def files(self) -> None:
        stored = list(places.files_of(self.subject))
        for item in stored:
            # The bytes go once the rows are gone for good; a rollback keeps both.
            transaction.on_commit(partial(item.file.storage.delete, str(item.file.name)))
        StoredFile.objects.filter(pk__in=[item.pk for item in stored]).delete()
        self.count("files", len(stored))

    def interactions(self) -> None:
        self.rewrite(
            "interactions",
            places.interactions_of(self.subject),
            ["subject", "description", "outcome"],
            self.own,
        )

    def leads(self) -> None:
        contact_ids = [contact.pk for contact in self.subject.contacts]
        linked = Lead.objects.filter(contact_id__in=contact_ids)
        if self.subject.counterparty is not None:
            linked = linked | Lead.objects.filter(counterparty=self.subject.counterparty)

        def clear(lead: Model) -> bool:
            changed = False
            for name in ("contact_name", "phone", "email") + (("inn",) if self.subject.counterparty else ()):
                if getattr(lead, name):
                    setattr(lead, name, "")
                    changed = True
            return changed

        fields = ["title", "company_name", "contact_name", "phone", "email", "inn", "need", "comment"]
        self.rewrite("leads", linked.distinct(), fields, self.own, extra=clear)
        self.rewrite(
            "leads", candidates(Lead.objects.all(), fields, self.everywhere), fields, self.everywhere
        )

    # -- copies elsewhere -----------------------------------------------------------------------

    def documents(self) -> None:
        referencing = places.documents_referencing(self.subject)
        self.rewrite("documents", referencing, ["data", "search_text"], self.own)
        self.rewrite(
            "documents",
            candidates(Document.objects.all(), ["data", "search_text"], self.everywhere),
            ["data", "search_text"],
            self.everywhere,
        )
        self.rewrite(
            "document_index",
            candidates(DocumentIndexValue.objects.all(), ["value_text"], self.everywhere),
            ["value_text"],
            self.everywhere,
        )

    def processes(self) -> None:
        instances = list(places.instances_of(self.subject))
        ids = [instance.pk for instance in instances]
        self.rewrite("process_variables", instances, ["variables"], self.own)
        self.rewrite(
            "process_variables",
            candidates(ProcessInstance.objects.exclude(pk__in=ids), ["variables"], self.everywhere),
            ["variables"],
            self.everywhere,
        )
        self.rewrite(
            "process_variables",
            candidates(Execution.objects.filter(variables__isnull=False), ["variables"], self.everywhere),
            ["variables"],
            self.everywhere,
        )
        self.rewrite("tasks", Task.objects.filter(instance_id__in=ids), ["data"], self.own)
        self.rewrite(
            "tasks",
            candidates(Task.objects.filter(data__isnull=False), ["data"], self.everywhere),
            ["data"],
            self.everywhere,
        )
        self.rewrite(
            "task_comments", TaskComment.objects.filter(task__instance_id__in=ids), ["text"], self.own
        )
        self.rewrite(
            "task_comments",
            candidates(TaskComment.objects.all(), ["text"], self.everywhere),
            ["text"],
            self.everywhere,
        )
        self.rewrite(
            "task_events",
            candidates(TaskEvent.objects.all(), ["reason", "details"], self.everywhere),
            ["reason", "details"],
            self.everywhere,
        )

    def audit(self) -> None:
        own = places.own_audit(self.subject).exclude(action=ERASE_ACTION)
        self.rewrite(
            "audit",
            own,
            ["changes", "message"],
            self.own,
            extra=lambda row: self._blank_personal_keys(row.changes, pairs=True),  # type: ignore[attr-defined]
        )
        self.rewrite(
            "audit",
            candidates(
                AuditEvent.objects.exclude(action=ERASE_ACTION), ["changes", "message"], self.everywhere
            ),
            ["changes", "message"],
            self.everywhere,
        )

    def events(self) -> None:
        def blank(row: Model) -> bool:
            first = self._blank_personal_keys(row.changes, pairs=True)  # type: ignore[attr-defined]
            return self._blank_personal_keys(row.snapshot, pairs=False) or first  # type: ignore[attr-defined]

        self.rewrite(
            "domain_events", places.own_events(self.subject), ["changes", "snapshot"], self.own, extra=blank
        )
        self.rewrite(
            "domain_events",
            candidates(DomainEvent.objects.all(), ["changes", "snapshot"], self.everywhere),
            ["changes", "snapshot"],
            self.everywhere,
        )

    def notifications(self) -> None:
        self.rewrite(
            "notifications",
            candidates(Notification.objects.all(), ["title", "body", "data"], self.everywhere),
            ["title", "body", "data"],
            self.everywhere,
        )
        self.rewrite(
            "webhook_messages",
            candidates(WebhookMessage.objects.all(), ["body"], self.everywhere),
            ["body"],
            self.everywhere,
        )

    def evaluations(self) -> None:
        from potok.automation.models import RuleEvaluation

        self.rewrite(
            "rule_evaluations",
            candidates(RuleEvaluation.objects.all(), ["trace", "reason"], self.everywhere),
            ["trace", "reason"],
            self.everywhere,
        )

    def other_copies(self) -> None:
        """Error messages and payloads that may quote a value: incidents, failed jobs and deliveries,
        rule timers, the administrators' operation log (variables set by hand), imported rows."""
        for label, fields in OTHER_COPIES:
            model = apps.get_model(label)
            self.rewrite(
                "other",
                candidates(model._default_manager.all(), fields, self.everywhere),
                fields,
                self.everywhere,
            )

    def run(self) -> dict[str, int]:
        # Copies first, while the needles can still be found; the person's own records last.
        for step in (
            self.documents,
            self.processes,
            self.audit,
            self.events,
            self.notifications,
            self.evaluations,
            self.other_copies,
            self.interactions,
            self.leads,
            self.files,
            self.counterparty,
            self.contacts,
        ):
            step()
        return self.changed


@transaction.atomic
def person_erase(
    *, actor: Any, entity_type: str, record_id: Any, reason: str, force: bool = False
) -> ErasureReport:
    """Replace the person's data by a placeholder everywhere; idempotent (a second call changes nothing
    and writes no second audit row)."""
    require(actor, PERSONAL_DATA, Action.DELETE)
    subject = subject_get(entity_type=entity_type, record_id=record_id)
    check_erasure(actor=actor, subject=subject, reason=reason, force=force)
    report = ErasureReport(
        entity_type=subject.entity_type,
        record_id=subject.record_id,
        placeholder=placeholder_for(subject),
        already_erased=was_erased(subject),
        running_processes=running_instances(subject).count(),
    )
    # The request's wording may name the person; the audit keeps it without the name.
    request = scrub_text(reason.strip(), subject.needles.for_own_rows(), report.placeholder)[0][:500]
    report.changed = _Eraser(subject, report.placeholder).run()
    if report.already_erased and not report.changed:
        return report
    audit_record(
        actor=actor,
        entity_type=subject.entity_type,
        record_id=subject.record_id,
        action=ERASE_ACTION,
        origin=acting_origin(),
        changes={
            "request": (None, request),
            "forced": (None, bool(force and report.running_processes)),
            "places": (None, dict(sorted(report.changed.items()))),
        },
        message=request,
    )
    return report
