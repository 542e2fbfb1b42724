"""Property tests: a condition compiled to a database query selects exactly the records the predicate (the
expression language over record views) accepts — on SQLite and on PostgreSQL, for documents (values in
JSON, indexed values in the side table, references to counterparties) and for counterparties (columns,
JSON lists, a reference to users). Where the compiler falls back to Python it must still give a superset,
and the full pipeline (query + predicate over the candidates) must give the same records."""

from __future__ import annotations

import os
import random
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from potok.automation.conditions import CompiledCondition, variables_for
from potok.automation.querying import compile_query, matching_records
from potok.automation.records import RecordViews
from potok.automation.schema import schema_for

pytestmark = pytest.mark.django_db

# More examples for a long hunt: POTOK_HYPOTHESIS_EXAMPLES=5000.
EXAMPLES = int(os.environ.get("POTOK_HYPOTHESIS_EXAMPLES", "250"))

TEXTS = ["", " ", "a", "ab", "b", "Ab", "ba", "абв", "a b", "Z"]
INTEGERS = [-2, 0, 1, 3, 100]
MONEY = [
    Decimal("0"),
    Decimal("0.50"),
    Decimal("1"),
    Decimal("2.25"),
    Decimal("100000"),
    Decimal("100000.01"),
]
DATES = [date(2026, 1, day) for day in (1, 2, 3, 5)]
CHOICES = ["a", "b", "c"]
MULTI = ["x", "y", "z"]
SEGMENTS = ["", "VIP", "SMB", "vip"]
TAGS = ["VIP", "опт", "new"]


def _options(values: list[str]) -> list[dict[str, str]]:
    return [{"value": value, "label_ru": value, "label_en": value} for value in values]


@pytest.fixture
def world(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A document type with a field of each kind and 60 documents of seeded random values (None often)."""
    from potok.accounts.services import user_create
    from potok.clients.services.counterparties import counterparty_create
    from potok.documents.services import document_create, document_type_create, field_create

    document_type = document_type_create(actor=None, code="prop", name_ru="Проба", name_en="Probe")
    fields = [
        ("s", "string", {}, False),
        ("t", "text", {}, False),
        ("n", "integer", {}, True),
        ("i", "integer", {}, False),
        ("m", "money", {}, True),
        ("d", "decimal", {}, False),
        ("dt", "date", {}, False),
        ("di", "date", {}, True),
        ("b", "boolean", {}, False),
        ("c", "choice", {"options": _options(CHOICES)}, True),
        ("cm", "choice", {"options": _options(MULTI), "multiple": True}, False),
        ("r", "reference", {"target": "counterparty"}, True),
    ]
    for code, kind, extra, indexed in fields:
        field_create(
            actor=None,
            owner=document_type,
            code=code,
            label_ru=code,
            label_en=code,
            field_type=kind,
            settings=extra,
            indexed=indexed,
        )
    rng = random.Random(2026)
    users = [user_create(actor=None, username=f"u{n}", password=None) for n in range(2)]
    clients = [
        counterparty_create(
            actor=None,
            fields={
                "kind": "legal",
                "name": rng.choice(TEXTS[2:]) + str(n),
                "segment": rng.choice(SEGMENTS),
                "tags": rng.sample(TAGS, rng.randint(0, 2)),
                "responsible": rng.choice([None, *users]),
            },
        )
        for n in range(8)
    ]

    def maybe(values: list[Any]) -> Any:
        return None if rng.random() < 0.25 else rng.choice(values)

    for _ in range(60):
        values = {
            "s": maybe(TEXTS[2:]),
            "t": maybe(TEXTS[2:]),
            "n": maybe(INTEGERS),
            "i": maybe(INTEGERS),
            "m": maybe(MONEY),
            "d": maybe(MONEY),
            "dt": maybe(DATES),
            "di": maybe(DATES),
            "b": maybe([True, False]),
            "c": maybe(CHOICES),
            "cm": None if rng.random() < 0.25 else rng.sample(MULTI, rng.randint(0, 2)),
            "r": maybe([client.pk for client in clients]),
        }
        document_create(
            actor=None,
            document_type=document_type,
            values={code: value for code, value in values.items() if value is not None},
        )
    return {"clients": [client.pk for client in clients]}


# -- conditions -----------------------------------------------------------------------------------------------

TYPES = {
    "s": "string",
    "t": "string",
    "n": "number",
    "i": "number",
    "m": "number",
    "d": "number",
    "dt": "date",
    "di": "date",
    "b": "boolean",
    "c": "choice",
    "cm": "multi",
    "status": "choice",
    "number": "string",
}
OPERATORS = {
    "string": ["eq", "ne", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with", "gt", "lte",
               "is_empty", "is_not_empty", "changed", "changed_to", "matches"],
    "number": ["eq", "ne", "gt", "gte", "lt", "lte", "between", "in", "not_in", "is_empty", "is_not_empty",
               "became_gt", "changed_from"],
    "date": ["eq", "ne", "gt", "lte", "between", "is_empty", "is_not_empty"],
    "boolean": ["eq", "ne"],
    "choice": ["eq", "ne", "in", "not_in", "is_empty", "is_not_empty", "changed_to"],
    "multi": ["contains", "not_contains", "is_empty", "is_not_empty"],
}  # fmt: skip
VALUES = {
    "string": st.sampled_from(TEXTS),
    "number": st.sampled_from([*INTEGERS, *MONEY]),
    "date": st.sampled_from(DATES).map(lambda day: {"expr": f"date('{day.isoformat()}')"}),
    "boolean": st.booleans(),
    "choice": st.sampled_from([*CHOICES, "registered", "new"]),
    "multi": st.sampled_from(MULTI),
}


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


@st.composite
def leaf(draw: Any, types: dict[str, str]) -> dict[str, Any]:
    field = draw(st.sampled_from(sorted(types)))
    kind = types[field]
    operator = draw(st.sampled_from(OPERATORS[kind]))
    node: dict[str, Any] = {"field": field, "op": operator}
    if operator in ("is_empty", "is_not_empty", "changed"):
        return node
    if operator == "between":
        low, high = sorted(draw(st.lists(st.sampled_from([*INTEGERS, *MONEY]), min_size=2, max_size=2)))
        if kind == "number":
            node["value"] = [_number(low), _number(high)]
        else:
            first, last = sorted(draw(st.lists(st.sampled_from(DATES), min_size=2, max_size=2)))
            node["value"] = {"expr": f"[date('{first.isoformat()}'), date('{last.isoformat()}')]"}
        return node
    if operator in ("in", "not_in"):
        values = draw(st.lists(VALUES[kind], min_size=1, max_size=3))
        if draw(st.booleans()) and kind != "number":
            values.append(None)
        node["value"] = [_number(value) for value in values]
        return node
    if operator == "matches":
        node["value"] = draw(st.sampled_from(["a.*", "[аб].*", "Z"]))
        return node
    if operator in ("eq", "ne") and draw(st.integers(0, 9)) == 0:
        node["value"] = None
        return node
    value = draw(VALUES[kind])
    node["value"] = _number(value)
    return node


@st.composite
def reference_leaf(draw: Any) -> dict[str, Any]:
    options: list[dict[str, Any]] = [
        {
            "field": "r.segment",
            "op": draw(st.sampled_from(["eq", "ne", "in", "is_empty"])),
            "value": draw(st.sampled_from(SEGMENTS)),
        },
        {
            "field": "r.tags",
            "op": draw(st.sampled_from(["contains", "not_contains"])),
            "value": draw(st.sampled_from(TAGS)),
        },
        {"field": "r.responsible", "op": draw(st.sampled_from(["is_empty", "is_not_empty"]))},
        {"field": "r.name", "op": "starts_with", "value": draw(st.sampled_from(["a", "b", "аб"]))},
        {"field": "r.is_vip", "op": "eq", "value": True},
        {"field": "r", "op": draw(st.sampled_from(["is_empty", "is_not_empty"]))},
    ]
    chosen = draw(st.sampled_from(options))
    if chosen["op"] == "in":
        chosen["value"] = [chosen["value"], "SMB"]
    if chosen["op"] == "is_empty":
        chosen.pop("value", None)
    return chosen


def trees(leaves: Any) -> Any:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, min_size=0, max_size=3).map(lambda items: {"all": items}),
            st.lists(children, min_size=1, max_size=3).map(lambda items: {"any": items}),
            children.map(lambda child: {"not": child}),
            st.just({"expr": "len(s) > 1"}),
        ),
        max_leaves=6,
    )


DOCUMENT_LEAVES = st.one_of(leaf(TYPES), reference_leaf())
COUNTERPARTY_TYPES = {"name": "string", "segment": "string", "inn": "string", "kind": "choice"}
COUNTERPARTY_LEAVES = st.one_of(
    leaf(COUNTERPARTY_TYPES),
    st.fixed_dictionaries(
        {
            "field": st.just("tags"),
            "op": st.sampled_from(["contains", "not_contains"]),
            "value": st.sampled_from(TAGS),
        }
    ),
    st.fixed_dictionaries({"field": st.just("tags"), "op": st.sampled_from(["is_empty", "is_not_empty"])}),
    st.fixed_dictionaries(
        {"field": st.just("responsible"), "op": st.sampled_from(["is_empty", "is_not_empty"])}
    ),
    st.fixed_dictionaries(
        {
            "field": st.just("responsible.username"),
            "op": st.just("eq"),
            "value": st.sampled_from(["u0", "u1"]),
        }
    ),
    st.fixed_dictionaries({"field": st.just("is_vip"), "op": st.just("eq"), "value": st.booleans()}),
)


def check_agreement(entity_type: str, tree: dict[str, Any], views: dict[int, dict[str, Any]]) -> bool:
    """Assert that the query and the predicate agree; returns whether the query was the whole condition."""
    schema = schema_for(entity_type)
    condition = CompiledCondition.compile(tree)
    expected = set()
    for pk, view in views.items():
        evaluated = condition.evaluate(variables_for(None, view))
        assert evaluated.error is None, (tree, view, evaluated.error)
        if evaluated.result:
            expected.add(pk)
    query = compile_query(tree, schema)
    base = schema.queryset().annotate(**query.annotations)
    if query.exact is not None:
        found = set(base.filter(query.exact).values_list("pk", flat=True))
        assert found == expected, (tree, found ^ expected)
    if query.superset is not None:
        candidates = set(base.filter(query.superset).values_list("pk", flat=True))
        assert expected <= candidates, (tree, expected - candidates)
    pipeline = {match.record.pk for match in matching_records(condition, schema)}
    assert pipeline == expected, (tree, pipeline ^ expected)
    return query.exact is not None


def _views(entity_type: str) -> dict[int, dict[str, Any]]:
    schema = schema_for(entity_type)
    records = list(schema.queryset().order_by("pk"))
    return dict(zip([r.pk for r in records], RecordViews().from_records(schema, records), strict=True))


def test_document_conditions_compile_to_queries_that_agree(world) -> None:
    views = _views("document.prop")
    assert len(views) == 60
    complete: list[bool] = []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(tree=trees(DOCUMENT_LEAVES))
    def agree(tree: dict[str, Any]) -> None:
        complete.append(check_agreement("document.prop", tree, views))

    agree()
    # both paths were exercised: conditions wholly in SQL, and SQL plus Python
    assert sum(complete) > 50 and complete.count(False) > 10


def test_counterparty_conditions_compile_to_queries_that_agree(world) -> None:
    views = _views("counterparty")

    @settings(
        max_examples=EXAMPLES * 3 // 5, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(tree=trees(COUNTERPARTY_LEAVES))
    def agree(tree: dict[str, Any]) -> None:
        check_agreement("counterparty", tree, views)

    agree()


def test_every_leaf_kind_compiles_or_says_why(world) -> None:
    """The compiler takes the whole condition to SQL for the kinds of clauses it knows, and names the
    clause it could not."""
    schema = schema_for("document.prop")
    exact = [
        {"field": "m", "op": "gt", "value": 100000},
        {"field": "d", "op": "between", "value": [0, 2]},
        {"field": "s", "op": "starts_with", "value": "a"},
        {"field": "cm", "op": "contains", "value": "x"},
        {"field": "r.segment", "op": "eq", "value": "VIP"},
        {"field": "di", "op": "lte", "value": {"expr": "date('2026-01-02')"}},
        {"field": "c", "op": "changed_to", "value": "a"},
    ]
    for tree in exact:
        assert compile_query(tree, schema).complete, tree
    fallback = compile_query(
        {"all": [{"field": "m", "op": "gt", "value": 1}, {"expr": "len(s) > 1"}]}, schema
    )
    assert not fallback.complete and fallback.superset is not None
    assert fallback.notes == ["all[1]: an expression is evaluated in Python"]
