"""The DMN files of SpiffWorkflow's test suite: which we read, which we refuse, and why.

The files belong to another project and are read in place from ``../shared/corpora``.
"""

from pathlib import Path

import pytest

from potok.engine.dmn import DmnError, parse_dmn

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpora" / "bpmn" / "spiffworkflow"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"SpiffWorkflow corpus not found at {CORPUS}")

EXPECTED = {
    "camunda/data/dmn/test_integer_decision_multi.dmn": ("ok", "IntegerDecisionStringOutputTable"),
    "spiff/data/dmn/business_rules.dmn": ("ok", "decision_1"),
    # "= 1" is not a FEEL unary test (SpiffWorkflow keeps this file as an invalid example).
    "camunda/data/dmn/invalid_decision.dmn": (
        "refused",
        "rule 1 (row-484867957-5), input 'Spam is Decimal?'",
    ),
    # The input column has no expression, so there is nothing to test the cells against.
    "camunda/data/dmn/test_integer_decision.dmn": ("refused", "input 'x' has an empty inputExpression"),
    "bpmn/data/call_activity_nested/level2c.dmn": ("refused", "input 'Input_1' has an empty inputExpression"),
}


def read(relative: str):
    path = CORPUS / relative
    return parse_dmn(path.read_bytes(), source_name=relative)


def test_every_dmn_file_of_the_corpus_has_an_expectation():
    # given
    found = {str(path.relative_to(CORPUS)) for path in CORPUS.rglob("*.dmn")}

    # when
    missing = found - EXPECTED.keys()

    # then
    assert missing == set()


@pytest.mark.parametrize(("relative", "expectation"), sorted(EXPECTED.items()))
def test_corpus_file_is_read_or_refused_as_expected(relative, expectation):
    # given
    outcome, detail = expectation

    # when
    if outcome == "ok":
        decisions = read(relative)
        # then
        assert [decision.id for decision in decisions] == [detail]
    else:
        with pytest.raises(DmnError) as caught:
            read(relative)
        # then
        assert detail in str(caught.value)


@pytest.mark.parametrize(
    ("x", "expected"),
    [(3, {"item.y": "A"}), (4, {"item.y": "B"}), (5, {"item.y": "C"}), (9, {"item.y": "D"}), (1, None)],
)
def test_integer_decision_multi_evaluates(x, expected):
    # given: the input expression is item['x'], the output is named "item.y"
    decision = read("camunda/data/dmn/test_integer_decision_multi.dmn")[0]

    # when
    result = decision.evaluate({"item": {"x": x}})

    # then
    assert result == expected


def test_business_rules_empty_cell_matches_anything_so_unique_can_conflict():
    # given: rule 3 has an empty input cell, which matches every question
    decision = read("spiff/data/dmn/business_rules.dmn")[0]

    # when
    fallback = decision.evaluate({"question": "Z"})
    with pytest.raises(DmnError) as caught:
        decision.evaluate({"question": "X"})

    # then: the default hit policy is UNIQUE, and for "X" rules 1 and 3 both match
    assert fallback == {"answer": "Something is wrog"}
    assert "rules 1 (DecisionRule_0q751jh), 3 (DecisionRule_1m4213a) all match" in str(caught.value)
