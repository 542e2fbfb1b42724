"""Every corpus file reads (or is rejected with a precise message); read → write → read keeps the
model and the diagram."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from potok.engine import BpmnError, read_bpmn, validate_definitions, write_bpmn
from tests.engine.support import CORPORA, corpus

BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"

# Files of the interchange corpora that the reader refuses, with the words the message must contain.
# Empty: every MIWG file, every bpmn.io export and every Camunda QA file is read.
EXPECTED_REJECTS: dict[str, str] = {}

INTERCHANGE_FOLDERS = ("miwg", "miwg/bpmn.io-exports", "camunda7-qa")


def _files(*folders: str) -> list[str]:
    found: list[str] = []
    for folder in folders:
        path = CORPORA / folder
        if path.is_dir():
            found.extend(
                str(file.relative_to(CORPORA))
                for file in sorted(path.iterdir())
                if file.suffix == ".bpmn" or file.name.endswith(".bpmn20.xml")
            )
    return found


def _raw_diagram(data: bytes) -> list[tuple[str, tuple[str, ...]]]:
    """Shapes and edges straight from the XML, independent of the reader: (id, bounds/waypoints)."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    result = []
    for element in root.iter(f"{BPMNDI}BPMNShape", f"{BPMNDI}BPMNEdge"):
        bounds = element.find(f"{DC}Bounds")
        values: tuple[str, ...] = ()
        if bounds is not None:
            values = tuple(bounds.get(name) or "" for name in ("x", "y", "width", "height"))
        values += tuple(
            f"{point.get('x')},{point.get('y')}"
            for point in element
            if etree.QName(point).localname == "waypoint"
        )
        result.append((element.get("id") or "", values))
    return result


@pytest.mark.parametrize("relative", _files(*INTERCHANGE_FOLDERS) or ["(absent)"])
def test_interchange_files_read_and_round_trip(relative: str) -> None:
    if relative == "(absent)":
        corpus("miwg")
    data = (CORPORA / relative).read_bytes()
    if relative in EXPECTED_REJECTS:
        with pytest.raises(BpmnError, match=EXPECTED_REJECTS[relative]):
            read_bpmn(data, source_name=relative)
        return
    # given a file drawn in another tool
    first = read_bpmn(data, source_name=relative)
    # when it is written back and read again
    written = write_bpmn(first)
    second = read_bpmn(written, source_name=relative)
    # then the model is the same, and so is every diagram shape and edge (ids and bounds)
    assert second.fingerprint() == first.fingerprint()
    assert _raw_diagram(written) == _raw_diagram(data)
    assert [(e.id, e.bounds, e.waypoints) for e in second.diagram] == [
        (e.id, e.bounds, e.waypoints) for e in first.diagram
    ]
    # and validation runs on it without crashing (problems are allowed: many are descriptive models)
    for problem in validate_definitions(second):
        assert problem.message


# Deliberately invalid SpiffWorkflow models: the element each rejection must name.
INVALID_WORKFLOWS: dict[str, str] = {
    # an intermediate catch event drawn on top of a call activity, connected to nothing
    "Disconnected-Boundary-Event.bpmn20.xml": "sid-84C7CE67-D0B6-486A-B097-486DA924FF9D",
    "No-Start-Event.bpmn20.xml": "sid-669ddebf-4196-41ee-8b04-bcc90bc5f983",
    # the call activity does not say what it calls
    "Subprocess-Not-Found.bpmn20.xml": "sid-617B0E1F-42DB-4D40-9B4C-ED631BF6E43A",
    # a business rule task without a decision
    "Unsupported-Task.bpmn20.xml": "sid-75EEAB28-3B69-4282-B91A-0F3C97931834",
    "non-executable-process.bpmn": "Process_14di7kj",
}


def test_every_invalid_workflow_is_listed() -> None:
    folder = corpus("spiffworkflow/bpmn/data/Invalid-Workflows")
    assert sorted(path.name for path in folder.iterdir()) == sorted(INVALID_WORKFLOWS)


@pytest.mark.parametrize("name", sorted(INVALID_WORKFLOWS))
def test_invalid_workflows_are_rejected_naming_the_element(name: str) -> None:
    path = corpus("spiffworkflow/bpmn/data/Invalid-Workflows") / name
    element_id = INVALID_WORKFLOWS[name]
    try:
        definitions = read_bpmn(path.read_bytes(), source_name=name)
    except BpmnError as error:
        assert element_id in str(error)
        return
    errors = [problem for problem in validate_definitions(definitions) if problem.severity == "error"]
    assert errors, f"{name} was accepted"
    named = [problem for problem in errors if problem.element_id == element_id]
    assert named, [str(problem) for problem in errors]
    assert element_id in named[0].message
    assert named[0].line is not None


def _spiff_files() -> list[Path]:
    folder = CORPORA / "spiffworkflow"
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.rglob("*") if path.suffix == ".bpmn" or path.name.endswith(".bpmn20.xml")
    )


@pytest.mark.parametrize("path", _spiff_files() or [Path("(absent)")], ids=lambda p: p.name)
def test_spiffworkflow_files_read_or_are_refused_precisely(path: Path) -> None:
    if path.name == "(absent)":
        corpus("spiffworkflow")
    relative = str(path.relative_to(CORPORA))
    try:
        definitions = read_bpmn(path.read_bytes(), source_name=relative)
    except BpmnError as error:
        # Python scripts and duplicate ids are the only reasons to refuse a well-formed file
        text = str(error)
        assert error.element_id and error.element_id in text and error.line is not None
        assert "Python scripts are not executed" in text or "is used twice" in text or "scriptFormat" in text
        return
    again = read_bpmn(write_bpmn(definitions), source_name=relative)
    assert again.fingerprint() == definitions.fingerprint()
