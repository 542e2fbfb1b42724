"""Built-in service-task actions: change the process's document, create a linked document, notify people,
publish a webhook event. Registered on the runtime's ACTIONS at start-up.

In a BPMN file:

    <bpmn:serviceTask id="close" name="Закрыть претензию">
      <bpmn:extensionElements>
        <potok:action name="documents.set_status">
          <potok:parameter name="status">'closed'</potok:parameter>
        </potok:action>
      </bpmn:extensionElements>
    </bpmn:serviceTask>

Parameters are expressions of Potok's language evaluated on the process variables ('text' in quotes).
Each action runs inside the step's transaction, as the process (origin "process"), so what it changes
emits domain events like any other save, and a failure becomes an incident of that step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from potok.core.context import acting, current
from potok.engine.runtime.actions import ActionContext, ActionError

# What each action may change, for the automation's cycle check and the designer's parameter hints.
DECLARED: dict[str, dict[str, Any]] = {
    "documents.set_status": {"parameters": ["status", "comment"], "changes": "record"},
    "documents.set_fields": {"parameters": ["<field code>…"], "changes": "record"},
    "documents.create": {"parameters": ["type", "link", "<field code>…"], "changes": "document:type"},
    "notify": {"parameters": ["to", "title", "body"], "changes": None},
    "webhook": {"parameters": ["event", "<key>…"], "changes": None},
}


def _record(context: ActionContext) -> Any:
    from potok.documents.models import Document
    from potok.processes.models import ProcessInstance
    from potok.processes.services.instances import STARTING_RECORD

    instance = (
        ProcessInstance.objects.filter(pk=context.instance_id).values("entity_type", "record_id").first()
    )
    starting = STARTING_RECORD.get()
    if instance is None and starting is not None:
        # The instance is being started: its row is written when its first steps are done.
        instance = {"entity_type": starting[0], "record_id": starting[1]}
    if not instance or not instance["entity_type"].startswith("document.") or instance["record_id"] is None:
        raise ActionError("no_document", "the process has no document to change")
    document = Document.objects.select_related("document_type").filter(pk=instance["record_id"]).first()
    if document is None:
        raise ActionError("no_document", f"the document {instance['record_id']} does not exist any more")
    return document


def _as_process() -> Any:
    return acting(origin="process", depth=current().depth)


def set_status(context: ActionContext) -> Mapping[str, Any]:
    from potok.documents.services.documents import document_set_status

    status = str(context.parameters.get("status") or "")
    if not status:
        raise ActionError("bad_parameters", "documents.set_status needs the parameter 'status'")
    document = _record(context)
    with _as_process():
        document_set_status(
            actor=None, document=document, status=status, comment=str(context.parameters.get("comment") or "")
        )
    return {}


def set_fields(context: ActionContext) -> Mapping[str, Any]:
    from potok.documents.services.documents import document_update

    document = _record(context)
    with _as_process():
        document_update(actor=None, document=document, values=dict(context.parameters), expected_version=None)
    return {}


def create_document(context: ActionContext) -> Mapping[str, Any]:
    from potok.documents.models import DocumentType
    from potok.documents.services.documents import document_create

    parameters = dict(context.parameters)
    type_code = str(parameters.pop("type", "") or "")
    link = str(parameters.pop("link", "") or "")
    document_type = DocumentType.objects.filter(code=type_code).first()
    if document_type is None:
        raise ActionError("bad_parameters", f"documents.create: there is no document type {type_code!r}")
    if link:
        parameters[link] = _record(context).pk
    with _as_process():
        created = document_create(actor=None, document_type=document_type, values=parameters)
    return {f"{type_code}_id": created.pk, f"{type_code}_number": created.number}


def notify_people(context: ActionContext) -> Mapping[str, Any]:
    from potok.accounts.models import Role, User
    from potok.accounts.selectors import role_holders
    from potok.notifications.services.notify import notify

    targets = context.parameters.get("to")
    names = targets if isinstance(targets, list | tuple) else [targets]
    recipients: list[User] = []
    for name in (str(n) for n in names if n):
        role = Role.objects.filter(code=name).first()
        if role is not None:
            recipients.extend(role_holders(role))
            continue
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise ActionError("bad_parameters", f"notify: nobody is called {name!r} (a login or a role code)")
        recipients.append(user)
    if recipients:
        notify(
            recipients=recipients,
            kind="process.notice",
            title=str(context.parameters.get("title") or ""),
            body=str(context.parameters.get("body") or ""),
            link=f"/processes/instances/{context.instance_id}/",
            data={"instance": context.instance_id, "node": context.node_id},
        )
    return {}


def publish_webhook(context: ActionContext) -> Mapping[str, Any]:
    from potok.notifications.services.notify import webhook_publish

    parameters = dict(context.parameters)
    event = str(parameters.pop("event", "") or "process.event")
    webhook_publish(
        event_type=event,
        data={
            "instance": context.instance_id,
            "process": context.process_id,
            "business_key": context.business_key,
            **parameters,
        },
    )
    return {}


def register_builtin_actions() -> None:
    from potok.notifications import kinds
    from potok.processes.runtime import ACTIONS

    kinds.register(
        kinds.NotificationKind(
            "process.notice",
            _("A message from a process"),
            _("A process step sends a notice to people or roles."),
        )
    )
    ACTIONS.add("documents.set_status", set_status)
    ACTIONS.add("documents.set_fields", set_fields)
    ACTIONS.add("documents.create", create_document)
    ACTIONS.add("notify", notify_people)
    ACTIONS.add("webhook", publish_webhook)
