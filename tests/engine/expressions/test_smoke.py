from potok.engine.expressions import compile_expression


def test_a_simple_comparison_evaluates():
    # given
    expression = compile_expression("amount > 10000 and not (client.segment = 'VIP')")

    # when
    result = expression.evaluate({"amount": 20000, "client": {"segment": "SMB"}})

    # then
    assert result is True
    assert expression.variables_used() == frozenset({"amount", "client"})
