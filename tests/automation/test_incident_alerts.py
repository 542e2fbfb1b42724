"""A start rule that fails tells the administrators (the `process.incident` notification kind) — once per
rule while it has open incidents, so one broken rule meeting many records does not bury them."""

from __future__ import annotations

import pytest

from potok.automation.models import RuleIncident
from potok.automation.services import rule_create
from potok.notifications import kinds
from potok.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_failing_rule_is_told_once_while_its_incidents_are_open(
    admin, s2_processes, complaint_type, make_complaint, worker
):
    from potok.documents.models import FieldDefinition
    from potok.documents.services import field_set_archived

    rule = rule_create(
        actor=admin,
        data={
            "name": "Серьёзные претензии",
            "entity_type": "document.complaint",
            "event": "created",
            "process_key": "complaint_review",
            "enabled": True,
            "condition": {"field": "severity", "op": "eq", "value": "high"},
        },
    )
    # the field under the enabled rule is archived: every complaint's evaluation becomes an incident
    field_set_archived(
        actor=admin,
        definition=FieldDefinition.objects.get(document_type=complaint_type, code="severity"),
        archived=True,
    )
    make_complaint()
    make_complaint()
    worker()

    assert RuleIncident.objects.filter(rule=rule, state="open").count() == 2
    told = Notification.objects.filter(kind=kinds.PROCESS_INCIDENT)
    assert list(told.values_list("recipient", flat=True)) == [admin.pk]
    notice = told.get()
    assert "Серьёзные претензии" in notice.title and notice.link == "/settings/rule-incidents/"
    assert notice.data["rule_id"] == rule.pk

    # once they are resolved, the next failure is news again
    RuleIncident.objects.filter(rule=rule).update(state="resolved")
    make_complaint()
    worker()
    assert told.count() == 2
