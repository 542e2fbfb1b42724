"""The demo company's processes: the BPMN files of potok/demo/bpmn/, published on load through the same
services the designer uses, each startable by hand from the records it belongs to."""

from __future__ import annotations

from pathlib import Path

from potok.demo.company import DemoCompany
from potok.processes.models import ProcessDefinition
from potok.processes.services.definitions import process_publish_file

FOLDER = Path(__file__).resolve().parent / "bpmn"

# process key → record types a person may start it from by hand.
MANUAL_START = {
    "complaint_review": ["document.complaint"],
    "complaint_review_vip": ["document.complaint"],
    "legal_review": ["document.complaint"],
    "overdue_complaint_control": ["document.complaint"],
    "client_distribution": ["counterparty"],
    "deal_handover": ["deal"],
    "compensation_payment": ["document.complaint"],
}


def build(company: DemoCompany) -> str:
    admin = company.users["admin"]
    published = []
    for path in sorted(FOLDER.glob("*.bpmn")):
        for version in process_publish_file(actor=admin, data=path.read_bytes(), source_name=path.name):
            published.append(version.definition.key)
    for key, entity_types in MANUAL_START.items():
        ProcessDefinition.objects.filter(key=key).update(manual_start_entity_types=entity_types)
    return f"Processes published: {', '.join(sorted(published))}."
