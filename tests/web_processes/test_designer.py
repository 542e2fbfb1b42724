"""The designer's endpoints: validation names the elements, saving makes a new version (publishing only
without errors), texts typed in the side panel are checked with the position of a mistake."""

from __future__ import annotations

import pytest

from potok.processes.models import ProcessDefinition, ProcessVersion
from tests.web_processes.bpmn import BROKEN, review_process

pytestmark = pytest.mark.django_db


def test_validation_lists_every_problem_with_its_element_id(client_as) -> None:
    response = client_as("admin").post("/process-designer/validate/", {"xml": BROKEN.decode()})
    body = response.json()
    assert response.status_code == 200 and body["valid"] is False
    by_element = {problem["element_id"]: problem for problem in body["problems"]}
    assert by_element["choose"]["severity"] == "error" and "f_a" in by_element["choose"]["message"]
    assert by_element["orphan"]["severity"] == "error"
    assert by_element["silent"]["severity"] == "warning"
    assert all(problem["line"] for problem in body["problems"])


def test_user_task_declarations_are_checked_too(client_as) -> None:
    xml = review_process("approval").replace(b'kind="user" user="admin"', b'kind="nobody"')
    body = client_as("admin").post("/process-designer/validate/", {"xml": xml.decode()}).json()
    assert body["valid"] is False
    assert [p["element_id"] for p in body["problems"] if "potok:performer" in p["message"]] == ["review"]


def test_a_file_that_is_not_bpmn_is_one_error(client_as) -> None:
    body = client_as("admin").post("/process-designer/validate/", {"xml": "<html/>"}).json()
    assert body["valid"] is False and len(body["problems"]) == 1


def test_saving_makes_draft_versions_and_publishing_refuses_errors(client_as) -> None:
    admin = client_as("admin")
    saved = admin.post(
        "/process-designer/save/", {"xml": review_process("approval").decode(), "comment": "first"}
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["versions"] == [{"key": "approval", "number": 1, "status": "draft"}]
    assert saved.json()["url"] == "/process-designer/edit/approval/?version=1"
    published = admin.post(
        "/process-designer/save/", {"xml": review_process("approval").decode(), "publish": "1"}
    )
    assert published.json()["versions"] == [{"key": "approval", "number": 2, "status": "published"}]

    refused = admin.post("/process-designer/save/", {"xml": BROKEN.decode(), "publish": "1"})
    assert refused.status_code == 400 and refused.json()["ok"] is False
    assert any(problem["element_id"] == "choose" for problem in refused.json()["problems"])
    assert not ProcessDefinition.objects.filter(key="broken").exists()
    # a draft may keep its problems
    assert admin.post("/process-designer/save/", {"xml": BROKEN.decode()}).status_code == 200
    assert ProcessVersion.objects.get(definition__key="broken").status == "draft"


@pytest.mark.parametrize(
    ("kind", "text", "ok", "position"),
    [
        ("expression", "amount > 10000", True, None),
        ("expression", "amount >", False, 8),
        ("expression", "(a > 1))", False, 7),
        ("duration", "2 working days", True, None),
        ("duration", "2 рабочих дня", True, None),
        ("duration", "two days", False, None),
        ("calendar_duration", "PT4H", True, None),
        ("calendar_duration", "1 working day", False, None),
        ("timeDuration", "2 working days", True, None),
        ("timeDate", "2026-12-01T09:00:00Z", True, None),
        ("timeDate", "tomorrow at noon", False, None),
        ("timeCycle", "R3/PT1H", True, None),
    ],
)
def test_texts_typed_in_the_panel_are_checked(client_as, kind, text, ok, position) -> None:
    body = client_as("admin").post("/process-designer/check/", {"kind": kind, "text": text}).json()
    assert body["ok"] is ok, body
    if not ok:
        assert body["message"] and body["position"] == position


def test_the_panel_is_given_the_vocabulary_choices_and_registered_actions(client_as) -> None:
    from potok.processes.runtime import ACTIONS

    def send(context):  # type: ignore[no-untyped-def]
        return None

    send.parameters = [("to", "whom"), "subject"]  # type: ignore[attr-defined]
    ACTIONS.add("tests.mail.send", send)
    try:
        config = client_as("admin").get("/process-designer/new/").context["config"]
    finally:
        vars(ACTIONS)["_actions"].pop("tests.mail.send", None)
    assert [section["element"] for section in config["sections"]["UserTask"]] == [
        "performer",
        "deadline",
        "reminder",
        "escalation",
        "field",
        "outcome",
        "requires",
        "priority",
    ]
    assert "admin" in [code for code, _label in config["choices"]["users"]]
    action = next(item for item in config["actions"] if item["name"] == "tests.mail.send")
    assert action["parameters"] == [{"name": "to", "help": "whom"}, {"name": "subject", "help": ""}]
    assert 'id="process_' in config["xml"] and 'isExecutable="true"' in config["xml"]


def test_a_condition_tree_from_the_builder_compiles_to_the_engine_expression(client_as, published) -> None:  # type: ignore[no-untyped-def]
    import json

    from potok.engine.expressions import compile_expression

    admin = client_as("admin")
    tree = {
        "any": [
            {"field": "amount", "op": "gt", "value": 10000},
            {"not": {"field": "vip", "op": "eq", "value": True}},
        ]
    }
    body = admin.post("/process-designer/condition/", {"tree": json.dumps(tree)}).json()
    assert body["ok"] is True
    # the text parses back to an expression that decides as the tree does
    expression = compile_expression(body["expression"])
    assert expression.evaluate({"amount": 20000, "vip": True}) is True
    assert expression.evaluate({"amount": 5, "vip": True}) is False
    assert admin.post("/process-designer/condition/", {"tree": "{}"}).json() == {"ok": True, "expression": ""}

    # a broken tree is refused with a message naming the clause; non-JSON too
    broken = admin.post(
        "/process-designer/condition/", {"tree": json.dumps({"all": [{"field": "amount", "op": "??"}]})}
    )
    assert broken.status_code == 400 and "all[0]" in broken.json()["message"]
    assert admin.post("/process-designer/condition/", {"tree": "{"}).status_code == 400
    assert (
        client_as("reception").post("/process-designer/condition/", {"tree": json.dumps(tree)}).status_code
        == 403
    )

    # the designer offers the fields of the record a process is started from by hand
    published("approval")
    ProcessDefinition.objects.filter(key="approval").update(manual_start_entity_types=["document.complaint"])
    config = admin.get("/process-designer/edit/approval/").context["config"]
    [record] = config["condition"]["record_fields"]
    assert record["code"] == "record" and record["fields"]
    assert config["condition"]["labels"]["add_condition"]
