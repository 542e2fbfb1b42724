"""Read, validate, edit and write BPMN 2.0 files safely.

Example::

    definitions = read_bpmn(data, source_name="complaint.bpmn")
    problems = validate_definitions(definitions)
    data_again = write_bpmn(definitions)
"""

from potok.engine.bpmn.editing import DefinitionsEditor
from potok.engine.bpmn.reader import definitions_from_tree, read_bpmn, read_bpmn_file
from potok.engine.bpmn.safe_xml import ReadLimits
from potok.engine.bpmn.validation import validate_definitions, validate_process
from potok.engine.bpmn.writer import write_bpmn

__all__ = [
    "DefinitionsEditor",
    "ReadLimits",
    "definitions_from_tree",
    "read_bpmn",
    "read_bpmn_file",
    "validate_definitions",
    "validate_process",
    "write_bpmn",
]
