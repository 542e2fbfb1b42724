"""Decision tables: unary tests, hit policies, aggregations, defaults, required decisions."""

from datetime import date
from decimal import Decimal

import pytest
from dmn_builder import NAMESPACE, document, table_xml

from potok.engine.dmn import Decision, DmnError, HitPolicy, parse_dmn

DISCOUNTS = [
    (['"VIP"', ">= 100000"], ["0.15", '"big VIP"']),
    (['"VIP"', "< 100000"], ["0.10", '"VIP"']),
    (['"SMB", "Retail"', "[10000..100000]"], ["0.05", '"mid"']),
    (['not("VIP")', "-"], ["0", '"none"']),
]


def single(xml: str) -> Decision:
    return parse_dmn(document(xml), source_name="test.dmn")[0]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"segment": "VIP", "amount": 150000}, {"discount": Decimal("0.15"), "label": "big VIP"}),
        ({"segment": "VIP", "amount": 99999}, {"discount": Decimal("0.10"), "label": "VIP"}),
        ({"segment": "Partner", "amount": 5}, {"discount": 0, "label": "none"}),
    ],
)
def test_unique_table_returns_the_one_matching_rule(variables, expected):
    # given
    decision = single(table_xml(["segment", "amount"], ["discount", "label"], DISCOUNTS))

    # when
    result = decision.evaluate(variables)

    # then
    assert result == expected


def test_unique_table_refuses_two_matches():
    # given: an SMB with 50 000 matches rules 3 and 4
    decision = single(table_xml(["segment", "amount"], ["discount", "label"], DISCOUNTS))

    # when
    with pytest.raises(DmnError) as caught:
        decision.evaluate({"segment": "SMB", "amount": 50000})

    # then
    assert "rules 3 (r3), 4 (r4) all match" in str(caught.value)


def test_first_takes_the_first_match_and_none_when_nothing_matches():
    # given
    decision = single(
        table_xml(["amount"], ["size"], [([">= 10"], ['"big"']), ([">= 0"], ['"small"'])], hit_policy="FIRST")
    )

    # when
    results = [decision.evaluate({"amount": value}) for value in (15, 5, -1)]

    # then
    assert results == [{"size": "big"}, {"size": "small"}, None]


def test_default_output_applies_when_no_rule_matches():
    # given
    decision = single(
        table_xml(["amount"], ["size"], [([">= 10"], ['"big"'])], defaults={"size": '"unknown"'})
    )

    # when
    result = decision.evaluate({"amount": 1})

    # then
    assert result == {"size": "unknown"}


def test_priority_picks_by_output_value_order():
    # given
    decision = single(
        table_xml(
            ["amount", "vip"],
            ["level"],
            [([">= 0", "-"], ['"low"']), ([">= 1000", "-"], ['"high"']), (["-", "true"], ['"medium"'])],
            hit_policy="PRIORITY",
            output_values={"level": '"high","medium","low"'},
        )
    )

    # when
    results = [
        decision.evaluate(variables)
        for variables in ({"amount": 5, "vip": True}, {"amount": 5000, "vip": True})
    ]

    # then
    assert results == [{"level": "medium"}, {"level": "high"}]


def test_output_order_sorts_all_matches_by_priority():
    # given
    decision = single(
        table_xml(
            ["amount"],
            ["level"],
            [([">= 0"], ['"low"']), ([">= 1000"], ['"high"'])],
            hit_policy="OUTPUT ORDER",
            output_values={"level": '"high","low"'},
        )
    )

    # when
    result = decision.evaluate({"amount": 5000})

    # then
    assert result == [{"level": "high"}, {"level": "low"}]


def test_any_accepts_agreeing_rules_and_refuses_disagreeing_ones():
    # given
    decision = single(
        table_xml(
            ["a"],
            ["ok"],
            [([">= 1"], ["true"]), ([">= 2"], ["true"]), ([">= 3"], ["false"])],
            hit_policy="ANY",
        )
    )

    # when
    agreeing = decision.evaluate({"a": 2})
    with pytest.raises(DmnError) as caught:
        decision.evaluate({"a": 3})

    # then
    assert agreeing == {"ok": True}
    assert "give different outputs" in str(caught.value)


RULES = [([">= 1"], ["10"]), ([">= 2"], ["20"]), ([">= 3"], ["null"]), ([">= 4"], ["5.5"])]


@pytest.mark.parametrize(
    ("hit_policy", "aggregation", "expected"),
    [
        ("COLLECT", None, [{"points": 10}, {"points": 20}, {"points": None}, {"points": Decimal("5.5")}]),
        ("RULE ORDER", None, [{"points": 10}, {"points": 20}, {"points": None}, {"points": Decimal("5.5")}]),
        ("COLLECT", "SUM", {"points": Decimal("35.5")}),
        ("COLLECT", "MIN", {"points": Decimal("5.5")}),
        ("COLLECT", "MAX", {"points": 20}),
        ("COLLECT", "COUNT", {"points": 3}),
    ],
)
def test_multi_hit_policies_and_aggregations(hit_policy, aggregation, expected):
    # given
    decision = single(table_xml(["a"], ["points"], RULES, hit_policy=hit_policy, aggregation=aggregation))

    # when
    result = decision.evaluate({"a": 4})

    # then
    assert result == expected


def test_collect_without_matches():
    # given
    counting = single(table_xml(["a"], ["points"], RULES, hit_policy="COLLECT", aggregation="COUNT"))
    summing = single(table_xml(["a"], ["points"], RULES, hit_policy="COLLECT", aggregation="SUM"))
    listing = single(table_xml(["a"], ["points"], RULES, hit_policy="COLLECT"))

    # when
    results = [decision.evaluate({"a": 0}) for decision in (counting, summing, listing)]

    # then
    assert results == [{"points": 0}, {"points": None}, []]


@pytest.mark.parametrize(
    ("cell", "value", "expected"),
    [
        ("-", "anything", True),
        ("", None, True),
        ('"a"', "a", True),
        ("'a'", "a", True),
        ('"a","b"', "c", False),
        ('not("a","b")', "c", True),
        ('not("a","b")', "a", False),
        ("> 5", 5, False),
        ("<= 5", 5, True),
        ("[1..10]", 10, True),
        ("[1..10)", 10, False),
        ("(1..10]", 1, False),
        ("]1..10]", 1, False),
        ("]1..10[", 5, True),
        ("[1..10], > 100", 101, True),
        ("null", None, True),
        ("null", 0, False),
        ("> 5", None, False),
        ('<= date("2026-01-31")', date(2026, 1, 31), True),
        ('< date("2026-01-31")', date(2026, 1, 31), False),
        ('[date("2026-01-01")..date("2026-12-31")]', date(2026, 6, 1), True),
        ("? > 5 and ? < 10", 7, True),
        ("limit", 3, True),
        ("> limit", 4, True),
        ("[1, 2, 3]", 2, True),
        ("true", True, True),
        ("(1 + 2) * 3", 9, True),
    ],
)
def test_input_entry_unary_tests(cell, value, expected):
    # given
    decision = single(table_xml(["x"], ["hit"], [([cell], ["true"])], hit_policy="FIRST"))

    # when
    result = decision.evaluate({"x": value, "limit": 3})

    # then
    assert (result == {"hit": True}) is expected


def test_outputs_are_feel_expressions_over_the_variables():
    # given
    decision = single(table_xml(["amount"], ["fee"], [(["> 0"], ["amount * 0.02 + 10"])]))

    # when
    result = decision.evaluate({"amount": Decimal("1000.50")})

    # then
    assert result == {"fee": Decimal("30.0100")}


def test_required_decisions_feed_their_results_in_by_name():
    # given
    requirement = '<informationRequirement id="req"><requiredDecision href="#risk"/></informationRequirement>'
    risk = table_xml(
        ["amount"],
        ["level"],
        [(["> 100000"], ['"high"']), (["<= 100000"], ['"low"'])],
        decision_id="risk",
        name="risk",
    )
    route = table_xml(
        ["risk"],
        ["approver"],
        [(['"high"'], ['"director"']), (['"low"'], ['"head"'])],
        decision_id="route",
        name="route",
        extra=requirement,
    )

    # when
    decisions = parse_dmn(document(route, risk), source_name="chain.dmn")
    result = decisions[0].evaluate({"amount": 150000})

    # then
    assert [decision.id for decision in decisions] == ["route", "risk"]
    assert decisions[0].required[0].id == "risk"
    assert result == {"approver": "director"}


def test_literal_expression_decision():
    # given
    xml = '<decision id="total" name="total"><variable name="total"/><literalExpression><text>price * quantity</text></literalExpression></decision>'

    # when
    decision = single(xml)

    # then
    assert decision.evaluate({"price": Decimal("2.50"), "quantity": 4}) == {"total": Decimal("10.00")}
    assert decision.table is None


def test_hit_policy_is_parsed():
    # given
    # when
    decision = single(table_xml(["a"], ["b"], [], hit_policy="RULE ORDER"))

    # then
    assert decision.table is not None
    assert decision.table.hit_policy is HitPolicy.RULE_ORDER
    assert decision.evaluate({"a": 1}) == []


def test_evaluation_errors_name_the_rule():
    # given
    decision = single(table_xml(["name"], ["x"], [(["> 3"], ["1"])]))

    # when
    with pytest.raises(DmnError) as caught:
        decision.evaluate({"name": "text"})

    # then
    assert "rule 1, input 'name'" in str(caught.value)
    assert caught.value.element_id == "r1"


def test_namespace_of_dmn_1_1_is_accepted():
    # given
    data = document(table_xml(["a"], ["b"], [(["1"], ["2"])])).replace(
        NAMESPACE.encode(), b"http://www.omg.org/spec/DMN/20151101/dmn.xsd"
    )

    # when
    decisions = parse_dmn(data, source_name="old.dmn")

    # then
    assert decisions[0].evaluate({"a": 1}) == {"b": 2}
