"""Extension elements and vendor attributes, converted generically to plain dicts and lists.

Potok's own elements (namespace https://potok.dev/schema/bpmn/1.0) become `node.extensions`;
elements and attributes of other vendors (Camunda, Zeebe, SpiffWorkflow, …) are kept as
`vendor_extensions` / `vendor_attributes` under `prefix:name` keys so later layers can read
camunda:assignee or zeebe:taskDefinition without touching XML.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from potok.engine.bpmn.namespaces import BPMN, KNOWN_PREFIXES, POTOK, Element


def prefixed(element: Element, qualified: str) -> str:
    """`{ns}local` → `prefix:local` using a stable prefix for known vendors, else the file's prefix."""
    if not qualified.startswith("{"):
        return qualified
    namespace, local = qualified[1:].split("}", 1)
    prefix = KNOWN_PREFIXES.get(namespace)
    if prefix is None:
        for candidate, uri in element.nsmap.items():
            if uri == namespace and candidate:
                prefix = candidate
                break
    return f"{prefix}:{local}" if prefix else qualified


def convert(element: Element) -> dict[str, Any]:
    """An element as a dict: attributes (str), `text` when there is some, children as lists by name.

    Example::

        <potok:form><potok:field name="amount" required="true"/></potok:form>
        → {"field": [{"name": "amount", "required": "true"}]}
    """
    result: dict[str, Any] = {}
    for name, value in element.attrib.items():
        result[_local_or_prefixed(element, str(name))] = str(value)
    text = (element.text or "").strip()
    if text:
        result["text"] = text
    for child in element:
        if not isinstance(child.tag, str):
            continue
        key = _child_key(element, child)
        result.setdefault(key, [])
        if not isinstance(result[key], list):
            # An attribute and a child element share a name: keep both, the attribute under "@name".
            result["@" + key] = result[key]
            result[key] = []
        result[key].append(convert(child))
    return result


def _local_or_prefixed(element: Element, qualified: str) -> str:
    return qualified if not qualified.startswith("{") else prefixed(element, qualified)


def _child_key(parent: Element, child: Element) -> str:
    namespace = etree.QName(child).namespace
    if namespace == etree.QName(parent).namespace or namespace == POTOK:
        return str(etree.QName(child).localname)
    return prefixed(child, str(child.tag))


def read_extensions(element: Element) -> tuple[dict[str, Any], dict[str, Any]]:
    """Potok extensions and other vendors' extension elements of a BPMN element's extensionElements."""
    potok: dict[str, Any] = {}
    vendor: dict[str, Any] = {}
    for holder in element.iterchildren(f"{{{BPMN}}}extensionElements"):
        for child in holder:
            if not isinstance(child.tag, str):
                continue
            qname = etree.QName(child)
            if qname.namespace == POTOK:
                potok.setdefault(qname.localname, []).append(convert(child))
            else:
                vendor.setdefault(prefixed(child, str(child.tag)), []).append(convert(child))
    return potok, vendor


def vendor_attributes(element: Element) -> dict[str, str]:
    """Attributes in a namespace other than none (BPMN attributes are unqualified): `camunda:assignee`…"""
    result: dict[str, str] = {}
    for name, value in element.attrib.items():
        qualified = str(name)
        if qualified.startswith("{"):
            result[prefixed(element, qualified)] = str(value)
    return result
