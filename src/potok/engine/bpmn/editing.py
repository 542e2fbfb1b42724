"""Edit a model through its XML tree, so the writer keeps everything else exactly as it was."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from lxml import etree

from potok.engine.bpmn.namespaces import BPMN, POTOK, XSI, Element, tag
from potok.engine.bpmn.reader import definitions_from_tree
from potok.engine.errors import BpmnError
from potok.engine.model.process import Definitions


class DefinitionsEditor:
    """Collects edits on a copy of the tree; `commit()` returns new Definitions read from it.

    The original Definitions is never changed (published versions are immutable).

    Example::

        edited = (
            DefinitionsEditor(definitions)
            .rename("register", "Register the complaint")
            .set_condition("f_big", "amount > 50000")
            .set_potok_extensions("register", {"deadline": [{"duration": "2 working days"}]})
            .commit()
        )
        write_bpmn(edited)  # the diagram is untouched, the edits are in
    """

    def __init__(self, definitions: Definitions) -> None:
        self._source_name = definitions.source_name
        self._tree: etree._ElementTree = copy.deepcopy(definitions.xml)
        self._index = {
            str(element.get("id")): element
            for element in self._tree.getroot().iter()
            if isinstance(element.tag, str) and element.get("id") is not None
        }

    def _element(self, element_id: str) -> Element:
        element = self._index.get(element_id)
        if element is None:
            raise BpmnError("no such element", element_id=element_id, source_name=self._source_name)
        return element

    def rename(self, element_id: str, name: str) -> DefinitionsEditor:
        """Set the `name` attribute of any element with an id."""
        self._element(element_id).set("name", name)
        return self

    def set_condition(self, flow_id: str, condition: str | None) -> DefinitionsEditor:
        """Set (or, with None, remove) a sequence flow's conditionExpression."""
        flow = self._element(flow_id)
        if flow.tag != tag("sequenceFlow"):
            raise BpmnError(
                "only a sequence flow has a condition", element_id=flow_id, source_name=self._source_name
            )
        existing = flow.find(tag("conditionExpression"))
        if condition is None:
            if existing is not None:
                flow.remove(existing)
            return self
        if existing is None:
            existing = etree.SubElement(flow, tag("conditionExpression"))
            prefix = _prefix_of(flow, BPMN)
            existing.set(f"{{{XSI}}}type", f"{prefix}:tFormalExpression" if prefix else "tFormalExpression")
        for item in list(existing):
            existing.remove(item)
        existing.text = condition
        return self

    def set_default_flow(self, node_id: str, flow_id: str | None) -> DefinitionsEditor:
        node = self._element(node_id)
        if flow_id is None:
            node.attrib.pop("default", None)
        else:
            node.set("default", flow_id)
        return self

    def set_documentation(self, element_id: str, text: str) -> DefinitionsEditor:
        element = self._element(element_id)
        for item in element.findall(tag("documentation")):
            element.remove(item)
        documentation = etree.Element(tag("documentation"))
        documentation.text = text
        element.insert(0, documentation)
        return self

    def set_potok_attribute(self, element_id: str, name: str, value: str | None) -> DefinitionsEditor:
        """Set `potok:name` on an element (e.g. potok:binding="pinned"), or remove it with None."""
        self._ensure_potok_namespace()
        element = self._element(element_id)
        if value is None:
            element.attrib.pop(f"{{{POTOK}}}{name}", None)
        else:
            element.set(f"{{{POTOK}}}{name}", value)
        return self

    def set_potok_extensions(self, element_id: str, extensions: Mapping[str, Any]) -> DefinitionsEditor:
        """Replace the element's Potok extension elements with `extensions` (the shape `node.extensions` has)."""
        self._ensure_potok_namespace()
        element = self._element(element_id)
        holder = element.find(tag("extensionElements"))
        if holder is None:
            holder = etree.Element(tag("extensionElements"))
            documentation = element.findall(tag("documentation"))
            element.insert(len(documentation), holder)
        for item in list(holder):
            if isinstance(item.tag, str) and etree.QName(item).namespace == POTOK:
                holder.remove(item)
        for name, items in extensions.items():
            for item in items if isinstance(items, list) else [items]:
                holder.append(_build(name, item))
        if len(holder) == 0:
            element.remove(holder)
        return self

    def commit(self) -> Definitions:
        """Read the edited tree into new Definitions (raises BpmnError if an edit broke the file)."""
        tree = copy.deepcopy(self._tree)
        return definitions_from_tree(tree, source_name=self._source_name)

    def _ensure_potok_namespace(self) -> None:
        root = self._tree.getroot()
        if POTOK in root.nsmap.values():
            return
        nsmap = dict(root.nsmap)
        prefix = "potok"
        while prefix in nsmap:
            prefix += "_"
        nsmap[prefix] = POTOK
        new_root = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
        new_root.text = root.text
        new_root.tail = root.tail
        for item in list(root):
            new_root.append(item)
        self._tree._setroot(new_root)
        self._index = {
            str(element.get("id")): element
            for element in new_root.iter()
            if isinstance(element.tag, str) and element.get("id") is not None
        }


def _prefix_of(element: Element, namespace: str) -> str | None:
    for prefix, uri in element.nsmap.items():
        if uri == namespace:
            return None if prefix is None else str(prefix)
    return None


def _build(name: str, value: Any) -> Element:
    element = etree.Element(f"{{{POTOK}}}{name}")
    if isinstance(value, str | int | float | bool):
        element.text = str(value)
        return element
    if not isinstance(value, Mapping):
        raise TypeError(
            f"potok:{name}: expected a dict, a list of dicts or a plain value, got {type(value).__name__}"
        )
    for key, item in value.items():
        if key == "text":
            element.text = str(item)
        elif isinstance(item, list):
            for entry in item:
                element.append(_build(key, entry))
        elif isinstance(item, Mapping):
            element.append(_build(key, item))
        else:
            element.set(key, "true" if item is True else "false" if item is False else str(item))
    return element
