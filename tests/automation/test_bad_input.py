"""Bad input is refused when a rule is saved, naming the field (and the clause or the position); a record
type that changes under an enabled rule flags the rule and turns its evaluations into incidents — never
silent skips; a rule set that could start processes in a loop is refused with the loop shown; the depth
limit stops what the static check cannot see."""

from __future__ import annotations

from typing import Any

import pytest

from potok.automation.models import IncidentState, Outcome, RuleEvaluation, RuleIncident, RuleStart, StartRule
from potok.automation.services import rule_create, rule_set_enabled, rule_update
from potok.core.errors import ValidationFailed
from tests.automation.conftest import publish, started

pytestmark = pytest.mark.django_db

COMPLAINT = "document.complaint"


def base(**data: Any) -> dict[str, Any]:
    return {
        "name": "Rule",
        "entity_type": COMPLAINT,
        "event": "created",
        "process_key": "complaint_review",
        "enabled": True,
        **data,
    }


def refused(admin: Any, **data: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        rule_create(actor=admin, data=base(**data))
    assert not StartRule.objects.exists()
    return caught.value.errors


def test_a_condition_on_a_field_the_type_does_not_have_names_the_clause_and_field(
    admin, s2_processes, complaint_type
):
    errors = refused(
        admin,
        condition={
            "all": [
                {"field": "severity", "op": "eq", "value": "high"},
                {"field": "amount", "op": "gt", "value": 1},
            ]
        },
    )
    assert errors["condition"] == ["all[1]: «Претензия клиента» has no field 'amount'"]


def test_a_condition_on_a_missing_field_of_a_linked_record(admin, s2_processes, complaint_type):
    errors = refused(admin, condition={"field": "client.segmnt", "op": "eq", "value": "VIP"})
    assert "segmnt" in errors["condition"][0] and "client" in errors["condition"][0]


def test_an_expression_that_does_not_parse_names_the_position(admin, s2_processes, complaint_type):
    errors = refused(admin, condition={"any": [{"expr": "claimed_amount > (1000"}]})
    assert errors["condition"][0].startswith("any[0]:") and "position" in errors["condition"][0]


def test_an_operator_that_does_not_fit_the_type(admin, s2_processes, complaint_type):
    errors = refused(admin, condition={"field": "claimed_amount", "op": "starts_with", "value": "1"})
    assert "starts_with" in errors["condition"][0] and "claimed_amount" in errors["condition"][0]


def test_a_missing_process_and_a_missing_version(admin, s2_processes, complaint_type):
    assert "no_such" in refused(admin, process_key="no_such")["process_key"][0]
    assert "version 7" in refused(admin, process_version=7)["process_version"][0]


def test_a_mapping_to_a_variable_the_process_does_not_declare(admin, complaint_type):
    publish("declared", "Declared", variables=("complaint_id", "amount"))
    errors = refused(
        admin,
        process_key="declared",
        variable_mapping=[
            {"target": "complaint_id", "source": "id"},
            {"target": "amonut", "source": "claimed_amount"},
            {"target": "amount", "source": "claimed_amout"},
        ],
    )
    assert (
        "amonut" in errors["variable_mapping[1].target"][0]
        and "complaint_id" in errors["variable_mapping[1].target"][0]
    )
    assert "claimed_amout" in errors["variable_mapping[2].source"][0]


def test_a_mapping_expression_that_does_not_parse(admin, s2_processes, complaint_type):
    errors = refused(admin, variable_mapping=[{"target": "x", "expr": "claimed_amount *"}])
    assert "position" in errors["variable_mapping[0].expr"][0]


def test_event_settings_are_checked(admin, s2_processes, complaint_type):
    assert "nope" in refused(admin, event="updated", options={"fields": ["nope"]})["options.fields"][0]
    assert refused(admin, event="time", options={"date_field": "subject"})["options.date_field"]
    assert refused(admin, event="schedule", entity_type="", options={"cron": "61 * * * *"})["options.cron"]
    assert refused(
        admin, event="schedule", entity_type="", options={"cron": "0 9 * * *", "time_zone": "Mars/Base"}
    )["options.time_zone"]
    assert refused(admin, event="deleted", trigger_mode="becomes_true")["trigger_mode"]


def test_an_archived_field_flags_the_rule_and_its_evaluations_become_incidents(
    admin, s2_processes, complaint_type, make_complaint, worker
):
    from potok.automation.services.housekeeping import rules_check
    from potok.documents.models import FieldDefinition
    from potok.documents.services import field_set_archived

    rule = rule_create(actor=admin, data=base(condition={"field": "severity", "op": "eq", "value": "high"}))
    # when the administrator archives the field under the enabled rule
    field_set_archived(
        actor=admin,
        definition=FieldDefinition.objects.get(document_type=complaint_type, code="severity"),
        archived=True,
    )
    complaint = make_complaint()
    worker()
    # then the record's evaluation is an error with an incident, and the rule says it needs attention
    rule.refresh_from_db()
    assert rule.needs_attention and "severity" in rule.attention_reason
    evaluation = RuleEvaluation.objects.get(rule=rule, record_id=complaint.pk)
    assert evaluation.outcome == Outcome.ERRORED
    incident = RuleIncident.objects.get(rule=rule, record_id=complaint.pk)
    assert incident.kind == "rule" and incident.state == IncidentState.OPEN
    assert started("complaint_review") == 0
    # the periodic check flags rules as soon as the type changes, without waiting for a record
    other = StartRule.objects.create(
        **{**base(name="Other", condition={"field": "severity", "op": "is_empty"}), "enabled": True},
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )
    assert rules_check(force=True) >= 1
    other.refresh_from_db()
    assert other.needs_attention
    # and enabling a rule that does not fit its type is refused
    rule_set_enabled(actor=admin, rule=rule, enabled=False)
    with pytest.raises(ValidationFailed):
        rule_set_enabled(actor=admin, rule=rule, enabled=True)


def test_rules_that_would_start_each_other_in_a_loop_are_refused(admin, complaint_type):
    from potok.documents.services import document_type_create

    document_type_create(actor=None, code="task_card", name_ru="Карточка", name_en="Card")
    creates_card = '<potok:action name="documents.create"><potok:parameter name="type">\'task_card\'</potok:parameter></potok:action>'
    creates_complaint = '<potok:action name="documents.create"><potok:parameter name="type">\'complaint\'</potok:parameter></potok:action>'
    publish("make_card", "Make a card", service=creates_card)
    publish("make_complaint", "Make a complaint", service=creates_complaint)
    rule_create(actor=admin, data=base(name="Complaint makes a card", process_key="make_card"))
    with pytest.raises(ValidationFailed) as caught:
        rule_create(
            actor=admin,
            data=base(
                name="Card makes a complaint", entity_type="document.task_card", process_key="make_complaint"
            ),
        )
    message = caught.value.errors["process_key"][0]
    assert (
        "«Card makes a complaint» (document.task_card) → «Complaint makes a card» (document.complaint)"
        in message
    )
    # a disabled rule closes no loop
    rule_create(
        actor=admin,
        data=base(
            name="Card makes a complaint",
            entity_type="document.task_card",
            process_key="make_complaint",
            enabled=False,
        ),
    )


def test_a_rule_whose_process_changes_its_own_records_is_refused(admin, complaint_type):
    sets_fields = '<potok:action name="documents.set_fields"><potok:parameter name="severity">\'high\'</potok:parameter></potok:action>'
    publish("escalate", "Escalate", service=sets_fields)
    with pytest.raises(ValidationFailed) as caught:
        rule_create(actor=admin, data=base(name="Self", event="updated", process_key="escalate"))
    assert "«Self»" in caught.value.errors["process_key"][0]
    # on creation it cannot loop: set_fields causes changes, not creations
    rule_create(actor=admin, data=base(name="On create", event="created", process_key="escalate"))


def test_the_depth_limit_refuses_and_raises_an_incident(
    admin, s2_processes, complaint_type, make_complaint, worker
):
    from potok.core.context import acting

    rule = rule_create(actor=admin, data=base())
    with acting(origin="process", depth=5):
        complaint = make_complaint()
    worker()
    evaluation = RuleEvaluation.objects.get(rule=rule, record_id=complaint.pk)
    assert evaluation.outcome == Outcome.REFUSED and "limit is 5" in evaluation.reason
    incident = RuleIncident.objects.get(rule=rule)
    assert incident.kind == "depth"
    assert not RuleStart.objects.exists()
    # an administrator's retry goes past the limit, once
    from potok.automation.services.incidents import incident_retry

    incident_retry(actor=admin, incident=incident)
    incident_retry_twice = RuleIncident.objects.get(pk=incident.pk)
    assert incident_retry_twice.state == IncidentState.RESOLVED
    assert started("complaint_review") == 1


def test_a_rule_started_process_runs_one_level_deeper(
    admin, s2_processes, complaint_type, make_complaint, worker
):
    from potok.processes.models import ProcessInstance

    rule_create(actor=admin, data=base())
    make_complaint()
    worker()
    instance = ProcessInstance.objects.get(process_id="complaint_review")
    assert instance.start_reason.startswith("rule «Rule» v1")


def test_editing_a_rule_keeps_old_evaluations_on_their_version(
    admin, s2_processes, complaint_type, make_complaint, worker
):
    rule = rule_create(actor=admin, data=base(condition={"field": "severity", "op": "eq", "value": "high"}))
    make_complaint(severity="high")
    worker()
    rule_update(
        actor=admin,
        rule=rule,
        data={"condition": {"field": "severity", "op": "eq", "value": "low"}},
        comment="low ones",
    )
    make_complaint(severity="low")
    worker()
    versions = list(
        RuleEvaluation.objects.filter(rule=rule).order_by("id").values_list("rule_version__number", "outcome")
    )
    assert versions == [(1, Outcome.MATCHED), (2, Outcome.MATCHED)]
    assert list(rule.versions.order_by("number").values_list("number", "comment")) == [
        (1, ""),
        (2, "low ones"),
    ]
    starts = list(RuleStart.objects.order_by("id").values_list("rule_version__number", flat=True))
    assert starts == [1, 2]


def test_a_mapping_that_would_copy_a_confidential_field_into_the_process_is_refused(
    admin, s2_processes, complaint_type
):
    # given the complaint's claimed amount is confidential (process variables are shown to every reader
    # of the process, confidential or not)
    from potok.documents.models import FieldDefinition

    amount = FieldDefinition.objects.get(document_type=complaint_type, code="claimed_amount")
    amount.confidential = True
    amount.save()
    # then neither the field itself nor an expression over it may become a variable
    errors = refused(admin, variable_mapping=[{"target": "amount", "source": "claimed_amount"}])
    assert "конфиденциально" in errors["variable_mapping[0].source"][0]  # the test language is Russian
    assert amount.label in errors["variable_mapping[0].source"][0]
    errors = refused(
        admin,
        variable_mapping=[
            {"target": "subject", "source": "subject"},
            {"target": "doubled", "expr": "claimed_amount * 2"},
        ],
    )
    assert list(errors) == ["variable_mapping[1].expr"]
    assert "конфиденциально" in errors["variable_mapping[1].expr"][0]
    # and a condition may still test it (the condition's value does not leave the record)
    rule_create(
        actor=admin,
        data=base(
            condition={"field": "claimed_amount", "op": "gt", "value": 1000},
            variable_mapping=[{"target": "subject", "source": "subject"}],
        ),
    )
