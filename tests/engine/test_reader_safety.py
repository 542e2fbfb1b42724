"""Hostile input: entities, entity expansion, huge files, too many elements, Python, call cycles."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from potok.engine import BpmnError, DefinitionError, Engine, MemoryStore, read_bpmn, validate_definitions
from potok.engine.bpmn import ReadLimits, read_bpmn_file
from tests.engine.support import MODELS

PROCESS = """<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>"""
DEFINITIONS = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
    'targetNamespace="x">{body}</bpmn:definitions>'
)


def _bpmn(body: str = PROCESS, prolog: str = "") -> bytes:
    return (prolog + DEFINITIONS.format(body=body)).encode()


def test_external_entities_are_refused_before_parsing() -> None:
    prolog = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    data = _bpmn(PROCESS.replace('id="s"', 'id="s" name="&xxe;"'), prolog)
    with pytest.raises(BpmnError, match="DOCTYPE declarations are not allowed"):
        read_bpmn(data, source_name="xxe.bpmn")


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    data = _bpmn(PROCESS.replace('id="s"', 'id="s" name="&lol9;"'), f"<!DOCTYPE d [{entities}]>")
    started = time.perf_counter()
    with pytest.raises(BpmnError, match="not allowed"):
        read_bpmn(data, source_name="laughs.bpmn")
    assert time.perf_counter() - started < 1


def test_a_doctype_in_utf16_is_refused_too() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d []>'.encode("utf-16-le")
    with pytest.raises(BpmnError, match="DOCTYPE"):
        read_bpmn(data, source_name="utf16.bpmn")


def test_a_100_megabyte_file_is_refused_by_size_before_parsing(tmp_path: Path) -> None:
    # given a 100 MB file (a valid start, then padding)
    path = tmp_path / "huge.bpmn"
    with path.open("wb") as file:
        file.write(_bpmn()[:-20])
        chunk = b"<!-- padding -->" * 65536
        while file.tell() < 100 * 1024 * 1024:
            file.write(chunk)
    # then both readers refuse it quickly, naming the size
    started = time.perf_counter()
    with pytest.raises(BpmnError, match="more than the limit of 10,485,760"):
        read_bpmn_file(path)
    assert time.perf_counter() - started < 0.5
    data = path.read_bytes()
    started = time.perf_counter()
    with pytest.raises(BpmnError, match="bytes, more than the limit"):
        read_bpmn(data, source_name="huge.bpmn")
    assert time.perf_counter() - started < 0.5


def test_too_many_elements_are_refused() -> None:
    body = "".join(f'<bpmn:task id="t{i}"/>' for i in range(200))
    data = _bpmn(f'<bpmn:process id="p">{body}</bpmn:process>')
    with pytest.raises(BpmnError, match="more than 100 XML elements"):
        read_bpmn(data, source_name="many.bpmn", limits=ReadLimits(max_elements=100))


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(BpmnError) as caught:
        read_bpmn(
            b'<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="x">\n<oops>\n', source_name="bad.bpmn"
        )
    assert caught.value.line is not None
    assert "bad.bpmn" in str(caught.value)


def test_a_file_that_is_not_bpmn_is_refused() -> None:
    with pytest.raises(BpmnError, match=r"expected BPMN 2\.0 <definitions>"):
        read_bpmn(b"<html><body/></html>", source_name="page.html")


def test_python_scripts_are_refused_naming_the_script_task() -> None:
    body = (
        '<bpmn:process id="p"><bpmn:scriptTask id="calc" name="Calculate" scriptFormat="python">'
        "<bpmn:script>import os; os.system('rm -rf /')</bpmn:script></bpmn:scriptTask></bpmn:process>"
    )
    with pytest.raises(BpmnError) as caught:
        read_bpmn(_bpmn(body), source_name="script.bpmn")
    message = str(caught.value)
    assert "script task 'calc'" in message
    assert "Python scripts are not executed by Potok; write it in Potok's expression language" in message
    assert caught.value.element_id == "calc"


def test_an_undeclared_script_that_looks_like_python_is_refused() -> None:
    body = (
        '<bpmn:process id="p"><bpmn:scriptTask id="calc"><bpmn:script>for x in items:\n    total += x'
        "</bpmn:script></bpmn:scriptTask></bpmn:process>"
    )
    with pytest.raises(BpmnError, match="script task 'calc': Python scripts are not executed"):
        read_bpmn(_bpmn(body), source_name="script.bpmn")


def test_a_potok_script_is_an_assignment_list() -> None:
    body = (
        '<bpmn:process id="p"><bpmn:scriptTask id="calc" scriptFormat="potok">'
        "<bpmn:script>total = amount * 2; flag = total &gt; 10\nnote = 'a; b = c'</bpmn:script>"
        "</bpmn:scriptTask></bpmn:process>"
    )
    node = read_bpmn(_bpmn(body), source_name="script.bpmn").processes["p"].nodes["calc"]
    script = node.script  # type: ignore[attr-defined]
    assert [a.target for a in script.assignments] == ["total", "flag", "note"]
    assert script.run({"amount": 6}) == {"total": 12, "flag": True, "note": "a; b = c"}


def test_a_broken_potok_script_is_a_problem_with_its_position() -> None:
    body = (
        '<bpmn:process id="p"><bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="calc"/>'
        '<bpmn:scriptTask id="calc" scriptFormat="potok"><bpmn:script>total = amount *</bpmn:script>'
        "</bpmn:scriptTask></bpmn:process>"
    )
    problems = validate_definitions(read_bpmn(_bpmn(body), source_name="script.bpmn"))
    (problem,) = [p for p in problems if p.element_id == "calc"]
    assert "position" in problem.message


def test_a_dunder_import_condition_is_rejected_and_nothing_runs(tmp_path: Path) -> None:
    definitions = read_bpmn((MODELS / "hostile_condition.bpmn").read_bytes(), source_name="hostile.bpmn")
    (problem,) = validate_definitions(definitions)
    assert problem.element_id == "f_evil"
    assert "__import__" in problem.message and "position 0" in problem.message
    with pytest.raises(DefinitionError):
        Engine(MemoryStore()).start(definitions.process("hostile"))
    assert not Path("/tmp/potok-pwned").exists()


def _caller(process_id: str, calls: str) -> bytes:
    return _bpmn(
        f'<bpmn:process id="{process_id}" isExecutable="true"><bpmn:startEvent id="{process_id}_s"/>'
        f'<bpmn:sequenceFlow id="{process_id}_f" sourceRef="{process_id}_s" targetRef="{process_id}_call"/>'
        f'<bpmn:callActivity id="{process_id}_call" calledElement="{calls}"/></bpmn:process>'
    )


def test_call_activity_cycles_are_found_across_files() -> None:
    # given A calls B, B calls C, C calls A (three files)
    files = [
        read_bpmn(_caller("a", "b"), source_name="a.bpmn"),
        read_bpmn(_caller("b", "c"), source_name="b.bpmn"),
        read_bpmn(_caller("c", "a"), source_name="c.bpmn"),
    ]
    # then each file alone is fine, and together they are a cycle naming every call activity
    assert all(not validate_definitions(file) for file in files)
    problems = validate_definitions(files)
    assert sorted(p.element_id for p in problems) == ["a_call", "b_call", "c_call"]
    assert "a → b → c → a" in problems[0].message
    assert {p.source_name for p in problems} == {"a.bpmn", "b.bpmn", "c.bpmn"}


def test_a_call_to_an_unknown_process_is_a_problem_when_checking_a_set() -> None:
    problems = validate_definitions(
        [read_bpmn(_caller("a", "nowhere"), source_name="a.bpmn")], known_process_ids=["x"]
    )
    assert [p.element_id for p in problems] == ["a_call"]
    assert "'nowhere'" in problems[0].message


def test_duplicate_ids_are_refused() -> None:
    body = '<bpmn:process id="p"><bpmn:task id="t"/><bpmn:task id="t"/></bpmn:process>'
    with pytest.raises(BpmnError, match="the id is used twice"):
        read_bpmn(_bpmn(body), source_name="twice.bpmn")
