"""DMN decision tables: a safe reader and an evaluator with every DMN 1.3 hit policy.

Example::

    decisions = parse_dmn(Path("discounts.dmn").read_bytes(), source_name="discounts.dmn")
    decisions[0].evaluate({"segment": "VIP"})
"""

from potok.engine.dmn.errors import DmnError
from potok.engine.dmn.model import Aggregation, Decision, DecisionTable, HitPolicy, Input, Output, Rule
from potok.engine.dmn.reader import MAX_DMN_BYTES, parse_dmn

__all__ = [
    "MAX_DMN_BYTES",
    "Aggregation",
    "Decision",
    "DecisionTable",
    "DmnError",
    "HitPolicy",
    "Input",
    "Output",
    "Rule",
    "parse_dmn",
]
