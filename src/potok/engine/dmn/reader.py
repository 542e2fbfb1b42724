"""Reads DMN XML into decisions, safely.

The XML parser resolves no entities, loads no DTD and touches no network; a DOCTYPE is
refused outright, and so is a file over :data:`MAX_DMN_BYTES`. Every problem is a
:class:`DmnError` that names the element.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from potok.engine.dmn.errors import DmnError
from potok.engine.dmn.model import Aggregation, Decision, DecisionTable, HitPolicy, Input, Output, Rule
from potok.engine.expressions import (
    Dialect,
    Expression,
    ExpressionError,
    UnaryTests,
    compile_expression,
    compile_unary_tests,
)
from potok.engine.expressions.expression import FunctionTable

MAX_DMN_BYTES = 10 * 1024 * 1024
DMN_NAMESPACES = frozenset(
    {
        "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
        "http://www.omg.org/spec/DMN/20180521/MODEL/",
        "https://www.omg.org/spec/DMN/20191111/MODEL/",
        "https://www.omg.org/spec/DMN/20211108/MODEL/",
        "https://www.omg.org/spec/DMN/20230324/MODEL/",
    }
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_dmn(data: bytes, *, source_name: str, functions: FunctionTable | None = None) -> list[Decision]:
    """Read the decisions of a DMN file, in document order, with required decisions linked.

    Entries are FEEL (the unary-test subset for input cells); an entry that is not, such as
    Python syntax, is refused with a message naming the rule and the cell.
    """
    if not isinstance(data, bytes):
        raise DmnError(f"{source_name}: DMN must be given as bytes")
    if len(data) > MAX_DMN_BYTES:
        raise DmnError(f"{source_name}: file is {len(data)} bytes; the limit is {MAX_DMN_BYTES}")
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise DmnError(f"{source_name}: DOCTYPE and entity declarations are not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise DmnError(f"{source_name}: not well-formed XML: {error}") from None
    if root.getroottree().docinfo.doctype:
        raise DmnError(f"{source_name}: DOCTYPE is not allowed")
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "definitions" or namespace not in DMN_NAMESPACES:
        raise DmnError(f"{source_name}: the root element is not DMN <definitions> (namespace {namespace!r})")
    return _Reader(source_name, namespace, functions).read(root)


class _Reader:
    def __init__(self, source_name: str, namespace: str, functions: FunctionTable | None) -> None:
        self.source_name = source_name
        self.namespace = namespace
        self.functions = functions

    def tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def fail(self, message: str, element: Any) -> DmnError:
        element_id = element.get("id") if element is not None else None
        return DmnError(f"{self.source_name}: {message}", element_id)

    def read(self, root: Any) -> list[Decision]:
        elements = root.findall(self.tag("decision"))
        seen: set[str] = set()
        for element in elements:
            identifier = element.get("id")
            if not identifier:
                raise self.fail("a decision has no id", element)
            if identifier in seen:
                raise self.fail(f"decision id {identifier!r} is used twice", element)
            seen.add(identifier)
        requirements = {element.get("id"): self.requirements(element, seen) for element in elements}
        built: dict[str, Decision] = {}
        for element in elements:
            self.build(element.get("id"), {e.get("id"): e for e in elements}, requirements, built, ())
        return [built[element.get("id")] for element in elements]

    def requirements(self, element: Any, known: set[str]) -> tuple[str, ...]:
        found = []
        for requirement in element.findall(
            f"{self.tag('informationRequirement')}/{self.tag('requiredDecision')}"
        ):
            href = (requirement.get("href") or "").lstrip("#")
            if href not in known:
                raise self.fail(f"required decision {href!r} is not in this file", element)
            found.append(href)
        return tuple(found)

    def build(
        self,
        identifier: str,
        elements: dict[str, Any],
        requirements: dict[str, tuple[str, ...]],
        built: dict[str, Decision],
        path: tuple[str, ...],
    ) -> Decision:
        if identifier in built:
            return built[identifier]
        if identifier in path:
            raise self.fail(
                f"decisions require each other in a cycle: {' → '.join((*path, identifier))}",
                elements[identifier],
            )
        required = tuple(
            self.build(needed, elements, requirements, built, (*path, identifier))
            for needed in requirements[identifier]
        )
        decision = self.decision(elements[identifier], required)
        built[identifier] = decision
        return decision

    def decision(self, element: Any, required: tuple[Decision, ...]) -> Decision:
        identifier, name = element.get("id"), element.get("name") or ""
        table = element.find(self.tag("decisionTable"))
        if table is not None:
            return Decision(identifier, name, table=self.table(table, name or identifier), required=required)
        literal = element.find(self.tag("literalExpression"))
        if literal is not None:
            variable = element.find(self.tag("variable"))
            key = (variable.get("name") if variable is not None else None) or name or identifier
            expression = self.expression(literal, f"decision '{name or identifier}'", literal)
            if expression is None:
                raise self.fail(f"decision '{name or identifier}' has an empty literal expression", literal)
            return Decision(identifier, name, literal=(key, expression), required=required)
        raise self.fail(
            f"decision '{name or identifier}' has neither a decision table nor a literal expression", element
        )

    def table(self, element: Any, decision: str) -> DecisionTable:
        policy_text = (element.get("hitPolicy") or "UNIQUE").strip().upper()
        try:
            policy = HitPolicy(policy_text)
        except ValueError:
            raise self.fail(f"decision '{decision}': unknown hit policy {policy_text!r}", element) from None
        aggregation = None
        if element.get("aggregation"):
            if policy is not HitPolicy.COLLECT:
                raise self.fail(f"decision '{decision}': aggregation needs hit policy COLLECT", element)
            try:
                aggregation = Aggregation(element.get("aggregation").strip().upper())
            except ValueError:
                raise self.fail(
                    f"decision '{decision}': unknown aggregation {element.get('aggregation')!r}", element
                ) from None
        inputs = tuple(
            self.input(column, index) for index, column in enumerate(element.findall(self.tag("input")))
        )
        outputs = self.outputs(element, decision)
        if aggregation is not None and len(outputs) != 1:
            raise self.fail(f"decision '{decision}': an aggregation needs exactly one output", element)
        if policy in (HitPolicy.PRIORITY, HitPolicy.OUTPUT_ORDER) and not any(
            column.priorities for column in outputs
        ):
            raise self.fail(
                f"decision '{decision}': hit policy {policy} needs output values to rank by", element
            )
        rules = tuple(
            self.rule(rule, number, inputs, outputs)
            for number, rule in enumerate(element.findall(self.tag("rule")), start=1)
        )
        return DecisionTable(element.get("id") or decision, policy, inputs, outputs, rules, aggregation)

    def input(self, element: Any, index: int) -> Input:
        label = element.get("label") or element.get("id") or f"input {index + 1}"
        expression_element = element.find(self.tag("inputExpression"))
        if expression_element is None:
            raise self.fail(f"input '{label}' has no inputExpression", element)
        expression = self.expression(expression_element, f"input '{label}'", expression_element)
        if expression is None:
            raise self.fail(
                f"input '{label}' has an empty inputExpression; name the value it tests", expression_element
            )
        return Input(element.get("id") or label, label, expression)

    def outputs(self, table: Any, decision: str) -> tuple[Output, ...]:
        elements = table.findall(self.tag("output"))
        if not elements:
            raise self.fail(f"decision '{decision}' has no output column", table)
        columns = []
        for index, element in enumerate(elements):
            key = element.get("name") or element.get("label") or element.get("id") or f"output {index + 1}"
            priorities: tuple[Any, ...] = ()
            values = element.find(self.tag("outputValues"))
            if values is not None:
                priorities = self.constants(values, f"output values of '{key}'")
            default = element.find(self.tag("defaultOutputEntry"))
            default_expression = None
            if default is not None:
                default_expression = self.expression(default, f"default of output '{key}'", default)
            columns.append(Output(element.get("id") or key, key, priorities, default_expression))
        keys = [column.key for column in columns]
        if len(set(keys)) != len(keys):
            raise self.fail(f"decision '{decision}': two outputs have the same name", table)
        return tuple(columns)

    def rule(self, element: Any, number: int, inputs: tuple[Input, ...], outputs: tuple[Output, ...]) -> Rule:
        identifier = element.get("id") or f"rule {number}"
        entries = element.findall(self.tag("inputEntry"))
        results = element.findall(self.tag("outputEntry"))
        if len(entries) != len(inputs) or len(results) != len(outputs):
            raise self.fail(
                f"rule {number} has {len(entries)} input and {len(results)} output cells; "
                f"the table has {len(inputs)} inputs and {len(outputs)} outputs",
                element,
            )
        where = f"rule {number} ({identifier})" if element.get("id") else f"rule {number}"
        tests = tuple(
            self.unary_tests(entry, where, column) for entry, column in zip(entries, inputs, strict=True)
        )
        values = tuple(
            self.expression(entry, f"{where}, output '{column.key}'", entry)
            for entry, column in zip(results, outputs, strict=True)
        )
        description = self.text(element.find(self.tag("description")))
        return Rule(identifier, number, tests, values, description)

    def unary_tests(self, element: Any, where: str, column: Input) -> UnaryTests:
        text = self.text(element.find(self.tag("text")))
        try:
            return compile_unary_tests(text, functions=self.functions)
        except ExpressionError as error:
            raise self.fail(f"{where}, input '{column.label}': {error} in {text!r}", element) from None

    def expression(self, element: Any, where: str, owner: Any) -> Expression | None:
        text_element = element.find(self.tag("text"))
        language = (element.get("expressionLanguage") or "").lower()
        if language and "feel" not in language:
            raise self.fail(f"{where}: expression language {language!r} is not supported; use FEEL", owner)
        text = self.text(text_element if text_element is not None else element)
        if not text.strip():
            return None
        try:
            return compile_expression(text, dialect=Dialect.FEEL, functions=self.functions)
        except ExpressionError as error:
            raise self.fail(f"{where}: {error} in {text!r}", owner) from None

    def constants(self, element: Any, where: str) -> tuple[Any, ...]:
        tests = self.unary_tests_of(element, where)
        values = []
        for test in tests.tests:
            if test.kind != "equal":
                raise self.fail(f"{where} must be a list of values", element)
            try:
                values.append(test.low.evaluate({}))
            except ExpressionError as error:
                raise self.fail(f"{where}: {error}", element) from None
        return tuple(values)

    def unary_tests_of(self, element: Any, where: str) -> UnaryTests:
        text = self.text(element.find(self.tag("text")))
        try:
            return compile_unary_tests(text, functions=self.functions)
        except ExpressionError as error:
            raise self.fail(f"{where}: {error}", element) from None

    @staticmethod
    def text(element: Any) -> str:
        if element is None:
            return ""
        return "".join(element.itertext())
