"""Parse untrusted XML: size limit before parsing, no DTD, no entities, no network, an element limit."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from potok.engine.errors import BpmnError

_FORBIDDEN_MARKERS = ("<!DOCTYPE", "<!ENTITY")


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Limits on an uploaded file. Example: `read_bpmn(data, source_name="x", limits=ReadLimits(1 << 20))`."""

    max_bytes: int = 10 * 1024 * 1024
    max_elements: int = 200_000


def parse_safely(data: bytes, *, source_name: str, limits: ReadLimits) -> etree._ElementTree:
    """Parse `data` or raise BpmnError; nothing in the file can make the parser fetch or expand anything.

    Example::

        tree = parse_safely(b"<definitions/>", source_name="x.bpmn", limits=ReadLimits())
    """
    if len(data) > limits.max_bytes:
        raise BpmnError(
            f"the file is {len(data):,} bytes, more than the limit of {limits.max_bytes:,}",
            source_name=source_name,
        )
    _reject_declarations(data, source_name)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else None
        message = str(error.msg) if error.msg else str(error)
        raise BpmnError(f"not well-formed XML: {message}", line=line, source_name=source_name) from error
    if tree.docinfo.doctype:
        raise BpmnError("DOCTYPE declarations are not allowed", source_name=source_name)
    for count, _ in enumerate(tree.iter(), start=1):
        if count > limits.max_elements:
            raise BpmnError(
                f"the file has more than {limits.max_elements:,} XML elements", source_name=source_name
            )
    return tree


def _reject_declarations(data: bytes, source_name: str) -> None:
    """Refuse DOCTYPE and ENTITY declarations outright, in any of the encodings XML allows."""
    for marker in _FORBIDDEN_MARKERS:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
            position = data.find(marker.encode(encoding))
            if position >= 0:
                line = data.count(b"\n", 0, position) + 1 if encoding == "utf-8" else None
                kind = "DOCTYPE" if "DOCTYPE" in marker else "ENTITY"
                raise BpmnError(
                    f"{kind} declarations are not allowed (they can fetch files or expand without limit)",
                    line=line,
                    source_name=source_name,
                )
