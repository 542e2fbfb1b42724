"""Write a Definitions back to BPMN XML: the kept tree is serialized, so nothing we don't execute is lost."""

from __future__ import annotations

from lxml import etree

from potok.engine.model.process import Definitions


def write_bpmn(definitions: Definitions) -> bytes:
    """Serialize the definitions' XML tree (with any edits made through DefinitionsEditor).

    BPMNDI shapes and edges, documentation, other vendors' extension elements and attributes,
    unknown attributes, comments and namespace declarations all come back as they were read.

    Example::

        data = write_bpmn(read_bpmn(original, source_name="x.bpmn"))
        read_bpmn(data, source_name="x.bpmn").fingerprint() == read_bpmn(original, ...).fingerprint()
    """
    tree: etree._ElementTree = definitions.xml
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
