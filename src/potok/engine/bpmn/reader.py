"""The safe BPMN reader: bytes → Definitions (model + the parsed tree for a faithful write-back)."""

from __future__ import annotations

import os

from lxml import etree

from potok.engine.bpmn.compiling import Compiler
from potok.engine.bpmn.diagram import read_diagram
from potok.engine.bpmn.namespaces import BPMN, tag
from potok.engine.bpmn.node_parsers import Catalog, local_name
from potok.engine.bpmn.process_builder import ProcessBuilder
from potok.engine.bpmn.safe_xml import ReadLimits, parse_safely
from potok.engine.errors import BpmnError
from potok.engine.model.process import Definitions, ProcessDefinition
from potok.engine.model.specs import ItemSpec

DEFAULT_LIMITS = ReadLimits()


def read_bpmn(data: bytes, *, source_name: str, limits: ReadLimits = DEFAULT_LIMITS) -> Definitions:
    """Read a BPMN 2.0 file safely, or raise BpmnError naming the element (id, tag, line).

    Refused outright: files over the size limit (before parsing), DOCTYPE/ENTITY declarations,
    more elements than the limit, XML that is not well-formed, a root other than BPMN
    `definitions`, duplicate ids, Python script tasks. Everything else is read; problems that
    only matter for execution are reported by `validate_definitions`.

    Example::

        with open("complaint_review.bpmn", "rb") as file:
            definitions = read_bpmn(file.read(), source_name="complaint_review.bpmn")
        definitions.processes["complaint_review"].nodes["register"].name  # "Register"
    """
    tree = parse_safely(data, source_name=source_name, limits=limits)
    return definitions_from_tree(tree, source_name=source_name)


def read_bpmn_file(path: str | os.PathLike[str], *, limits: ReadLimits = DEFAULT_LIMITS) -> Definitions:
    """Read a BPMN file from disk; a file over the size limit is refused before it is even read.

    Example::

        definitions = read_bpmn_file("processes/complaint_review.bpmn")
    """
    name = os.fspath(path)
    size = os.stat(name).st_size
    if size > limits.max_bytes:
        raise BpmnError(
            f"the file is {size:,} bytes, more than the limit of {limits.max_bytes:,}",
            source_name=os.path.basename(name),
        )
    with open(name, "rb") as file:
        data = file.read(limits.max_bytes + 1)
    return read_bpmn(data, source_name=os.path.basename(name), limits=limits)


def definitions_from_tree(tree: etree._ElementTree, *, source_name: str) -> Definitions:
    """Build the model from an already (safely) parsed tree; the tree is kept, not copied."""
    root = tree.getroot()
    if root.tag != tag("definitions"):
        raise BpmnError(
            f"the root element is <{etree.QName(root).localname}>, expected BPMN 2.0 <definitions> "
            f"in namespace {BPMN}",
            line=root.sourceline,
            source_name=source_name,
        )
    _check_unique_ids(root, source_name)
    catalog = _catalog(root)
    compiler = Compiler(source_name)
    processes: dict[str, ProcessDefinition] = {}
    for element in root.iterchildren(tag("process")):
        process = ProcessBuilder(element, catalog, compiler, source_name=source_name).build()
        processes[process.id] = process.with_version(process.fingerprint()[:16])
    participants: dict[str, str] = {}
    for collaboration in root.iterchildren(tag("collaboration")):
        for participant in collaboration.iterchildren(tag("participant")):
            ref = participant.get("processRef")
            if ref and participant.get("id"):
                participants[str(participant.get("id"))] = str(ref)
    return Definitions(
        id=str(root.get("id") or ""),
        target_namespace=str(root.get("targetNamespace") or ""),
        processes=processes,
        messages=catalog.messages,
        signals=catalog.signals,
        errors=catalog.errors,
        escalations=catalog.escalations,
        participants=participants,
        diagram=read_diagram(root),
        source_name=source_name,
        xml=tree,
    )


def _catalog(root: etree._Element) -> Catalog:
    catalog = Catalog()
    for item in root:
        local = local_name(item)
        item_id = item.get("id")
        if not item_id:
            continue
        name = str(item.get("name") or item_id)
        if local == "message":
            catalog.messages[item_id] = ItemSpec(item_id, name)
        elif local == "signal":
            catalog.signals[item_id] = ItemSpec(item_id, name)
        elif local == "error":
            catalog.errors[item_id] = ItemSpec(item_id, name, item.get("errorCode"))
        elif local == "escalation":
            catalog.escalations[item_id] = ItemSpec(item_id, name, item.get("escalationCode"))
    return catalog


def _check_unique_ids(root: etree._Element, source_name: str) -> None:
    seen: dict[str, int | None] = {}
    for element in root.iter():
        if local_name(element) is None:
            continue
        element_id = element.get("id")
        if element_id is None:
            continue
        if element_id in seen:
            first = seen[element_id]
            raise BpmnError(
                f"the id is used twice (first on line {first})",
                element_id=element_id,
                tag=etree.QName(element).localname,
                line=element.sourceline,
                source_name=source_name,
            )
        seen[element_id] = element.sourceline
