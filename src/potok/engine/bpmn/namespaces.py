"""XML namespaces the reader knows, and the prefixes used to name other vendors' attributes."""

from __future__ import annotations

from typing import Any, TypeAlias

# lxml ships no type information: elements are typed loosely, values read from them are str()-ed.
Element: TypeAlias = Any

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
POTOK = "https://potok.dev/schema/bpmn/1.0"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"

# Well-known vendor namespaces get a stable prefix whatever the file calls them.
KNOWN_PREFIXES = {
    POTOK: "potok",
    CAMUNDA: "camunda",
    ZEEBE: "zeebe",
    SPIFF: "spiffworkflow",
    "http://camunda.org/schema/modeler/1.0": "modeler",
    "http://activiti.org/bpmn": "activiti",
    "http://flowable.org/bpmn": "flowable",
    "http://www.signavio.com": "signavio",
    "http://bpmn.io/schema/bpmn/biocolor/1.0": "bioc",
    "http://www.omg.org/spec/BPMN/non-normative/color/1.0": "color",
    XSI: "xsi",
}


def tag(local: str) -> str:
    """The Clark name of a BPMN model element: tag("userTask") == "{…MODEL}userTask"."""
    return f"{{{BPMN}}}{local}"
