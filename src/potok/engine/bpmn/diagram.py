"""Read BPMNDI shapes and edges (ids, bounds, waypoints) so tests can check a round trip kept them."""

from __future__ import annotations

from lxml import etree

from potok.engine.bpmn.namespaces import BPMNDI, DC, DI
from potok.engine.model.process import Bounds, DiagramElement


def _number(value: str | None) -> float:
    try:
        return float(value) if value is not None else 0.0
    except ValueError:
        return 0.0


def read_diagram(root: etree._Element) -> tuple[DiagramElement, ...]:
    """Every BPMNShape and BPMNEdge of the file, in document order.

    Example::

        [element.id for element in read_diagram(tree.getroot())][:2]  # ["start_di", "f_start_di"]
    """
    result: list[DiagramElement] = []
    for element in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge"):
        bounds_element = element.find(f"{{{DC}}}Bounds")
        bounds = None
        if bounds_element is not None:
            bounds = Bounds(
                _number(bounds_element.get("x")),
                _number(bounds_element.get("y")),
                _number(bounds_element.get("width")),
                _number(bounds_element.get("height")),
            )
        waypoints = tuple(
            (_number(point.get("x")), _number(point.get("y")))
            for point in element.iterchildren(f"{{{DI}}}waypoint")
        )
        result.append(
            DiagramElement(
                id=str(element.get("id") or ""),
                element_ref=str(element.get("bpmnElement") or ""),
                bounds=bounds,
                waypoints=waypoints,
            )
        )
    return tuple(result)
