"""Generic list pages: search, filters, sorting and keyset pagination over an access-checked queryset.

Example:
    >>> spec = ListSpec(columns=[Column("username", _("Login"))], search_fields=["username"],
    ...                 sorts={"name": ("last_name", "id")}, default_sort="name")
    >>> context = spec.context(request, queryset)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from potok.core.pagination import keyset_page


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    render: Callable[[Any], Any] | None = None
    link: bool = False

    def value(self, row: Any) -> Any:
        if self.render is not None:
            return self.render(row)
        value: Any = row
        for part in self.name.split("."):
            value = getattr(value, part, None)
            if callable(value):
                value = value()
        return "" if value is None else value


@dataclass(frozen=True)
class Filter:
    name: str
    label: Any
    choices: Callable[[], list[tuple[str, Any]]]
    apply: Callable[[QuerySet[Any], str], QuerySet[Any]]


@dataclass(frozen=True)
class ListSpec:
    columns: list[Column]
    search_fields: list[str]
    sorts: dict[str, tuple[str, ...]]
    default_sort: str
    sort_labels: dict[str, Any] = field(default_factory=dict)
    filters: list[Filter] = field(default_factory=list)
    page_size: int = 50

    def context(self, request: HttpRequest, queryset: QuerySet[Any]) -> dict[str, Any]:
        query = request.GET.get("q", "").strip()[:200]
        if query and self.search_fields:
            condition = Q()
            for name in self.search_fields:
                condition |= Q(**{f"{name}__icontains": query})
            queryset = queryset.filter(condition)
        active_filters = {}
        for spec in self.filters:
            value = request.GET.get(spec.name, "")
            if value:
                queryset = spec.apply(queryset, value)
                active_filters[spec.name] = value
        sort = request.GET.get("sort", self.default_sort)
        if sort not in self.sorts:
            sort = self.default_sort
        page = keyset_page(
            queryset, order=self.sorts[sort], after=request.GET.get("after") or None, size=self.page_size
        )
        rows = [{"object": row, "cells": [(c, c.value(row)) for c in self.columns]} for row in page.items]
        params = request.GET.copy()
        params.pop("after", None)
        next_params = params.copy()
        if page.next_cursor:
            next_params["after"] = page.next_cursor
        return {
            "columns": self.columns,
            "rows": rows,
            "query": query,
            "sort": sort,
            "sort_options": [(key, self.sort_labels.get(key, key)) for key in self.sorts],
            "filters": [
                {
                    "name": f.name,
                    "label": f.label,
                    "choices": f.choices(),
                    "value": active_filters.get(f.name, ""),
                }
                for f in self.filters
            ],
            "next_url": f"?{next_params.urlencode()}" if page.next_cursor else None,
            "first_url": f"?{params.urlencode()}" if request.GET.get("after") else None,
        }
