"""Malformed and hostile DMN is refused with a message that names the element."""

import pytest
from dmn_builder import document, table_xml

from potok.engine.dmn import MAX_DMN_BYTES, DmnError, parse_dmn

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"><decision id="d" name="&lol2;"/></definitions>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"><decision id="d" name="&secret;"/></definitions>"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BILLION_LAUGHS, "DOCTYPE and entity declarations are not allowed"),
        (EXTERNAL_ENTITY, "DOCTYPE and entity declarations are not allowed"),
        (b"<definitions", "not well-formed XML"),
        (
            b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'/>",
            "not DMN <definitions>",
        ),
        (b" " * (MAX_DMN_BYTES + 1), "the limit is"),
    ],
)
def test_hostile_or_broken_files_are_refused(data, message):
    # given
    # when
    with pytest.raises(DmnError) as caught:
        parse_dmn(data, source_name="bad.dmn")

    # then
    assert message in str(caught.value)
    assert str(caught.value).startswith("bad.dmn: ")


@pytest.mark.parametrize(
    ("xml", "message", "element_id"),
    [
        (
            table_xml(["a"], ["b"], [(["x.lower()"], ["1"])]),
            "rule 1 (r1), input 'a': method calls are not supported",
            "r1_i0",
        ),
        (table_xml(["a"], ["b"], [(["== 'x' and True"], ["1"])]), "rule 1 (r1), input 'a'", "r1_i0"),
        (table_xml(["a"], ["b"], [(["1"], ["'x' if a else 'y'"])]), "rule 1 (r1), output 'b'", "r1_o0"),
        (
            table_xml(["a"], ["b"], [(["1"], ["__import__('os')"])]),
            "names starting with '_' are not allowed",
            "r1_o0",
        ),
        (table_xml(["a"], ["b"], [(["1", "2"], ["1"])]), "rule 1 has 2 input and 1 output cells", "r1"),
        (
            table_xml(["a"], ["b"], [], hit_policy="SOMETIMES"),
            "unknown hit policy 'SOMETIMES'",
            "decision_table",
        ),
        (
            table_xml(["a"], ["b"], [], hit_policy="FIRST", aggregation="SUM"),
            "aggregation needs hit policy COLLECT",
            "decision_table",
        ),
        (
            table_xml(["a"], ["b"], [], hit_policy="PRIORITY"),
            "needs output values to rank by",
            "decision_table",
        ),
        (
            table_xml(["a"], ["b", "c"], [], hit_policy="COLLECT", aggregation="SUM"),
            "exactly one output",
            "decision_table",
        ),
        (table_xml([""], ["b"], []), "has an empty inputExpression", "in0_e"),
        (
            table_xml(
                ["a"],
                ["b"],
                [],
                extra='<informationRequirement><requiredDecision href="#nowhere"/></informationRequirement>',
            ),
            "required decision 'nowhere' is not in this file",
            "decision",
        ),
        (
            '<decision id="lonely" name="Lonely"/>',
            "neither a decision table nor a literal expression",
            "lonely",
        ),
    ],
)
def test_invalid_tables_name_the_element(xml, message, element_id):
    # given
    data = document(xml)

    # when
    with pytest.raises(DmnError) as caught:
        parse_dmn(data, source_name="bad.dmn")

    # then
    assert message in str(caught.value)
    assert caught.value.element_id == element_id


def test_cycles_of_required_decisions_are_refused():
    # given
    def needs(other: str) -> str:
        return f'<informationRequirement><requiredDecision href="#{other}"/></informationRequirement>'

    first = table_xml(["a"], ["b"], [], decision_id="one", extra=needs("two"))
    second = table_xml(["a"], ["b"], [], decision_id="two", extra=needs("one"))

    # when
    with pytest.raises(DmnError) as caught:
        parse_dmn(document(first, second), source_name="cycle.dmn")

    # then
    assert "cycle: one → two → one" in str(caught.value)


def test_non_feel_expression_language_is_refused():
    # given
    xml = table_xml(["a"], ["b"], []).replace(
        '<inputExpression id="in0_e">', '<inputExpression id="in0_e" expressionLanguage="python">'
    )

    # when
    with pytest.raises(DmnError) as caught:
        parse_dmn(document(xml), source_name="python.dmn")

    # then
    assert "expression language 'python' is not supported" in str(caught.value)
