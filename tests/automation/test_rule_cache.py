"""The worker's compiled rules after a rule changes: the changed rule is compiled again and used by the
next dispatch; the others keep their compiled form (an edit among thousands does not stall a worker)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from potok.automation import ruleset
from potok.automation.models import Outcome, RuleEvaluation, RuleVersion
from potok.automation.services import rule_create, rule_delete, rule_set_enabled, rule_update
from tests.automation.conftest import started

pytestmark = pytest.mark.django_db


@pytest.fixture
def compiled(monkeypatch: Any) -> Iterator[list[int]]:
    """The ids of the rules compiled for the worker's rule set, in order."""
    seen: list[int] = []
    original = ruleset.compile_rule

    def counting(rule: Any, version_id: int) -> Any:
        seen.append(rule.pk)
        return original(rule, version_id)

    monkeypatch.setattr(ruleset, "compile_rule", counting)
    yield seen


def _rules(admin: Any, count: int) -> list[Any]:
    return [
        rule_create(
            actor=admin,
            data={
                "name": f"High claim {number}",
                "entity_type": "document.complaint",
                "event": "created",
                "condition": {"field": "claimed_amount", "op": "gt", "value": 1_000_000 + number},
                "process_key": "complaint_review",
                "priority": number % 5,
                "enabled": True,
            },
        )
        for number in range(count)
    ]


def test_editing_one_rule_among_many_compiles_only_that_rule_and_the_next_dispatch_uses_it(
    admin: Any, s2_processes: Any, make_complaint: Any, worker: Any, compiled: list[int]
) -> None:
    # given thirty enabled rules, compiled by the worker once
    rules = _rules(admin, 30)
    before = ruleset.current_rules()
    assert sorted(compiled) == sorted(rule.pk for rule in rules)
    compiled.clear()
    # when an administrator changes one rule's condition so that a small claim matches
    edited = rule_update(
        actor=admin,
        rule=rules[7],
        data={"condition": {"field": "claimed_amount", "op": "gt", "value": 10}},
    )
    complaint = make_complaint(claimed_amount="500")
    worker()
    # then only that rule was compiled again, the others are the very objects compiled before
    assert compiled == [edited.pk]
    after = ruleset.current_rules()
    assert after.generation != before.generation
    assert all(after.get(rule.pk) is before.get(rule.pk) for rule in rules if rule.pk != edited.pk)
    # and its new version decided the complaint: one process, the evaluation names the new version
    current = RuleVersion.objects.get(rule=edited, number=edited.version)
    evaluation = RuleEvaluation.objects.get(rule=edited, record_id=complaint.pk)
    assert evaluation.outcome == Outcome.MATCHED and evaluation.rule_version_id == current.pk
    assert started("complaint_review", record_id=complaint.pk) == 1
    assert RuleEvaluation.objects.filter(record_id=complaint.pk, outcome=Outcome.NOT_MATCHED).count() == 29


def test_disabling_enabling_deleting_and_reprioritising_keep_the_index_right(
    admin: Any, s2_processes: Any, complaint_type: Any, compiled: list[int]
) -> None:
    rules = _rules(admin, 6)
    ruleset.current_rules()
    compiled.clear()

    def listed() -> list[int]:
        return [rule.id for rule in ruleset.current_rules().for_event("document.complaint", "created")]

    def expected(present: list[Any]) -> list[int]:
        return [rule.pk for rule in sorted(present, key=lambda rule: (-rule.priority, rule.pk))]

    # a disabled rule leaves the index without compiling anything
    rule_set_enabled(actor=admin, rule=rules[0], enabled=False)
    assert listed() == expected(rules[1:]) and compiled == []
    # enabled again, it alone is compiled
    rule_set_enabled(actor=admin, rule=rules[0], enabled=True)
    assert listed() == expected(rules) and compiled == [rules[0].pk]
    # a deleted rule is gone; a new priority moves a rule to its place, compiling only it
    rule_delete(actor=admin, rule=rules[1])
    moved = rule_update(actor=admin, rule=rules[2], data={"priority": 100})
    present = [rules[0], moved, *rules[3:]]
    for rule in present:
        rule.refresh_from_db()
    assert listed() == expected(present) and listed()[0] == moved.pk
    assert compiled == [rules[0].pk, moved.pk]


def test_the_periodic_check_looks_again_at_an_edited_rule_only_and_at_every_rule_after_a_type_change(
    admin: Any, s2_processes: Any, complaint_type: Any, monkeypatch: Any
) -> None:
    from potok.automation.services import housekeeping
    from potok.automation.services import rules as rule_services
    from potok.documents.services import field_create

    rules = _rules(admin, 12)
    checked: list[int] = []
    original = rule_services.rule_check_schema

    def counting(*, rule: Any) -> str | None:
        checked.append(rule.pk)
        return original(rule=rule)

    monkeypatch.setattr(rule_services, "rule_check_schema", counting)
    housekeeping.rules_check(force=True)
    assert sorted(checked) == sorted(rule.pk for rule in rules)
    checked.clear()
    assert housekeeping.rules_check() == 0 and checked == []
    # when one rule is edited, the next check looks at it (and at most the one changed just before it)
    edited = rule_update(actor=admin, rule=rules[3], data={"priority": 50})
    housekeeping.rules_check()
    assert edited.pk in checked and len(checked) <= 2
    checked.clear()
    # when the record type gains a field, every rule is looked at again
    field_create(actor=None, owner=complaint_type, code="extra_note", label_ru="Заметка", field_type="text")
    housekeeping.rules_check()
    assert sorted(checked) == sorted(rule.pk for rule in rules)
