"""Builds small DMN documents for tests."""

from xml.sax.saxutils import escape

NAMESPACE = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def table_xml(
    inputs: list[str],
    outputs: list[str],
    rules: list[tuple[list[str], list[str]]],
    *,
    hit_policy: str = "UNIQUE",
    aggregation: str | None = None,
    output_values: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
    decision_id: str = "decision",
    name: str = "Decision",
    extra: str = "",
) -> str:
    attributes = f' hitPolicy="{hit_policy}"' + (f' aggregation="{aggregation}"' if aggregation else "")
    parts = [
        f'<decision id="{decision_id}" name="{name}">{extra}<decisionTable id="{decision_id}_table"{attributes}>'
    ]
    for index, expression in enumerate(inputs):
        parts.append(
            f'<input id="in{index}" label="{escape(expression)}"><inputExpression id="in{index}_e">'
            f"<text>{escape(expression)}</text></inputExpression></input>"
        )
    for index, output in enumerate(outputs):
        values = (output_values or {}).get(output)
        default = (defaults or {}).get(output)
        inner = ""
        if values:
            inner += f"<outputValues><text>{escape(values)}</text></outputValues>"
        if default:
            inner += f"<defaultOutputEntry><text>{escape(default)}</text></defaultOutputEntry>"
        parts.append(f'<output id="out{index}" name="{output}">{inner}</output>')
    for number, (tests, results) in enumerate(rules, start=1):
        parts.append(f'<rule id="r{number}">')
        parts.extend(
            f'<inputEntry id="r{number}_i{i}"><text>{escape(test)}</text></inputEntry>'
            for i, test in enumerate(tests)
        )
        parts.extend(
            f'<outputEntry id="r{number}_o{i}"><text>{escape(result)}</text></outputEntry>'
            for i, result in enumerate(results)
        )
        parts.append("</rule>")
    parts.append("</decisionTable></decision>")
    return "".join(parts)


def document(*decisions: str) -> bytes:
    body = "".join(decisions)
    return f'<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="{NAMESPACE}" id="d" name="d">{body}</definitions>'.encode()
