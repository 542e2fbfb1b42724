"""The list of a document type's documents: a ListSpec built from the type's fields, with search over the
normalised search text, status and indexed-field filters, sorting and keyset pages; the same query feeds the
CSV / XLSX export."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from potok.documents import confidential, selectors
from potok.documents.fieldtypes import kind_of
from potok.documents.fieldtypes.choice import ChoiceKind
from potok.documents.models import Document, DocumentStatus, DocumentType, FieldDefinition, FieldType
from potok.web.lists import Column, Filter, ListSpec

SORTS = selectors.DOCUMENT_SORTS
SORT_LABELS = {
    "newest": _("newest first"),
    "oldest": _("oldest first"),
    "number": _("by number"),
    "changed": _("recently changed"),
}


@dataclass(frozen=True)
class RangeFilter:
    """A pair of «from» / «to» inputs for an indexed number, money or date field."""

    definition: FieldDefinition
    low: str
    high: str
    input_type: str

    @property
    def code(self) -> str:
        return self.definition.code


def list_columns(definitions: list[FieldDefinition], statuses: dict[str, DocumentStatus]) -> list[Column]:
    columns = [
        Column("number", _("Number"), link=True),
        Column("status", _("Status"), render=lambda d: statuses.get(d.status, d.status)),
    ]
    for definition in definitions:
        if not definition.in_list:
            continue
        columns.append(Column(f"data.{definition.code}", definition.label, render=_renderer(definition)))
    columns.append(
        Column(
            "created_at",
            _("Created"),
            render=lambda d: formats.date_format(timezone.localtime(d.created_at), "SHORT_DATE_FORMAT"),
        )
    )
    columns.append(Column("author", _("Author")))
    return columns


def _renderer(definition: FieldDefinition) -> Any:
    if definition.field_type == FieldType.REFERENCE:
        # Filled for the whole page at once by `fill_reference_cells`.
        return lambda document: ""
    kind = kind_of(definition)
    return lambda document: kind.display(definition, document.data.get(definition.code))


def choice_filters(definitions: list[FieldDefinition]) -> list[Filter]:
    filters = []
    for definition in definitions:
        if not definition.indexed:
            continue
        if definition.field_type == FieldType.CHOICE:
            kind = kind_of(definition)
            assert isinstance(kind, ChoiceKind)
            filters.append(
                Filter(
                    f"f.{definition.code}",
                    definition.label,
                    choices=partial(kind.choices, definition),
                    apply=lambda queryset, value: queryset,  # applied with the others by apply_filters
                )
            )
        elif definition.field_type == FieldType.BOOLEAN:
            filters.append(
                Filter(
                    f"f.{definition.code}",
                    definition.label,
                    choices=lambda: [("true", _("yes")), ("false", _("no"))],
                    apply=lambda queryset, value: queryset,
                )
            )
    return filters


def range_filters(definitions: list[FieldDefinition], request: HttpRequest) -> list[RangeFilter]:
    found = []
    for definition in definitions:
        if not definition.indexed:
            continue
        if definition.field_type in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY):
            input_type = "number"
        elif definition.field_type in (FieldType.DATE, FieldType.DATETIME):
            input_type = "date"
        else:
            continue
        found.append(
            RangeFilter(
                definition=definition,
                low=request.GET.get(f"f.{definition.code}.gte", ""),
                high=request.GET.get(f"f.{definition.code}.lte", ""),
                input_type=input_type,
            )
        )
    return found


def hidden_columns(user: Any, document_type: DocumentType) -> set[str]:
    """Confidential fields left out of the list altogether: those of a user who sees them on no record."""
    definitions = selectors.field_definitions(document_type)
    if confidential.sees_any(user, document_type.entity_type):
        return set()
    return confidential.confidential_codes(definitions)


def mask_confidential_cells(
    context: dict[str, Any], definitions: list[FieldDefinition], user: Any, document_type: DocumentType
) -> None:
    """Empty the confidential cells of the rows whose confidential fields the user does not see."""
    columns = {f"data.{code}" for code in confidential.confidential_codes(definitions)}
    if not columns or not context.get("rows"):
        return
    seen = confidential.revealed(
        user, document_type.entity_type, [row["object"].pk for row in context["rows"]]
    )
    for row in context["rows"]:
        if row["object"].pk not in seen:
            row["cells"] = [
                (column, "" if column.name in columns else value) for column, value in row["cells"]
            ]


def without_fields(spec: ListSpec, hidden: set[str]) -> ListSpec:
    """The list less the columns and filters of `hidden` fields (confidential ones the user may not see)."""
    if not hidden:
        return spec
    names = {f"data.{code}" for code in hidden} | {f"f.{code}" for code in hidden}
    return replace(
        spec,
        columns=[column for column in spec.columns if column.name not in names],
        filters=[item for item in spec.filters if item.name not in names],
    )


def document_list_spec(document_type: DocumentType) -> ListSpec:
    definitions = selectors.field_definitions(document_type)
    statuses = {status.code: status for status in selectors.statuses_of(document_type)}
    return ListSpec(
        columns=list_columns(definitions, statuses),
        search_fields=[],  # searched through the normalised search_text by `filtered_documents`
        sorts=SORTS,
        sort_labels=SORT_LABELS,
        default_sort="newest",
        filters=[
            Filter(
                "status",
                _("Status"),
                choices=lambda: [(code, status.label) for code, status in statuses.items()],
                apply=lambda queryset, value: queryset,
            ),
            *choice_filters(definitions),
        ],
    )


def filtered_documents(
    request: HttpRequest, queryset: QuerySet[Document], document_type: DocumentType
) -> QuerySet[Document]:
    """The documents of the query string: search words, statuses, indexed-field filters (ValidationFailed
    naming a bad filter)."""
    queryset = selectors.search(queryset, request.GET.get("q", ""))
    return selectors.apply_filters(
        queryset,
        document_type,
        selectors.parse_filters(request.GET),
        user=request.user,
        statuses=request.GET.getlist("status"),
    )


def fill_reference_cells(context: dict[str, Any], definitions: list[FieldDefinition]) -> None:
    """Write the names of referenced records into the page's cells, one query per target."""
    references = [d for d in definitions if d.in_list and d.field_type == FieldType.REFERENCE]
    if not references or not context["rows"]:
        return
    labels = selectors.reference_labels_for(references, [row["object"].data for row in context["rows"]])
    by_column = {f"data.{d.code}": d for d in references}
    for row in context["rows"]:
        cells = []
        for column, value in row["cells"]:
            definition = by_column.get(column.name)
            if definition is not None:
                value = kind_of(definition).display(
                    definition, row["object"].data.get(definition.code), labels.get(definition.code)
                )
            cells.append((column, value))
        row["cells"] = cells
