"""A condition tree as a database query, for dry runs, retroactive starts and scheduled runs.

The predicate (potok.automation.conditions, over a record view) is the definition; this compiler writes
the same test in SQL where it can, and the property tests prove that both agree on SQLite and
PostgreSQL. Every clause compiles to a test that is TRUE or FALSE for every row, never NULL (a null
value gets the answer the expression language gives for null), so NOT and OR mean in SQL what they mean
in the language.

Where a clause cannot be written in SQL (an arbitrary expression, a regular expression, a date-time
kept in JSON), the compiler still gives a superset (rows that may match) and the caller evaluates the
predicate over those rows in batches; `CompiledQuery.notes` says which clauses fell back and why.

Existing records have no "before": change operators read the old values as null, as if the record had
just been created (`changed_to 'closed'` is `= 'closed'`, `became_gt 100000` is `> 100000`).

Where values are:
- columns of the type's model (counterparty.segment, deal.stage__code, foreign keys by id);
- a document's JSON `data` (`KeyTextTransform`, cast to the field's type), or, for indexed single-valued
  fields, the `DocumentIndexValue` side table (an EXISTS on its indexed columns);
- a referenced record's field (`client.segment`): the reference is tested against a subquery of the
  target records that satisfy the clause.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection as default_connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    DecimalField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Collate, Left, Length, Right, StrIndex, Trim

from potok.automation.conditions import CompiledCondition, Evaluated, variables_for
from potok.automation.records import RecordViews, View
from potok.automation.schema import NUMBER_TYPES, EntitySchema, FieldSpec, SchemaCache
from potok.engine.expressions import (
    ExpressionError,
    change_variables,
    compile_condition_tree,
    compile_expression,
)

NOTHING = Q(pk__in=[])
EVERYTHING = Q(pk__isnull=False)
INDEXABLE = frozenset({"integer", "decimal", "money", "date", "choice", "reference"})
INDEX_COLUMN = {
    "integer": "value_number",
    "decimal": "value_number",
    "money": "value_number",
    "reference": "value_number",
    "date": "value_date",
    "choice": "value_text",
}


class NotCompilable(Exception):
    """This clause has no SQL form; the message says why (shown to the administrator)."""


@dataclass
class Parts:
    """A clause in SQL: exactly (or None), and a superset / subset of the rows it matches."""

    exact: Q | None
    superset: Q | None  # None: every row may match
    subset: Q | None  # None: no row is known to match


@dataclass
class CompiledQuery:
    exact: Q | None
    superset: Q | None
    annotations: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.exact is not None


class JsonListHas(Func):
    """`data -> key` is a JSON list holding `value` (a multiple choice, tags): TRUE or FALSE, never NULL."""

    output_field = BooleanField()

    def __init__(self, column: str, key: str | None, value: str) -> None:
        super().__init__(F(column))
        self.key = key
        self.value = value

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        path = f'$."{self.key}"' if self.key else "$"
        # `column` is Django's own compiled column reference; every value goes in as a parameter.
        sql = (
            f"(CASE WHEN json_type({column}, %s) = 'array' THEN EXISTS "  # noqa: S608
            f"(SELECT 1 FROM json_each({column}, %s) AS potok_each WHERE potok_each.value = %s) ELSE 0 END)"
        )
        return sql, [*params, path, *params, path, self.value]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        import json

        column, params = compiler.compile(self.source_expressions[0])
        target = f"({column} -> %s)" if self.key else column
        key_params = [self.key] if self.key else []
        sql = f"COALESCE(jsonb_typeof({target}) = 'array' AND {target} @> %s::jsonb, false)"
        return sql, [*params, *key_params, *params, *key_params, json.dumps([self.value])]


class JsonListEmpty(Func):
    """`data -> key` is missing, null or an empty list."""

    output_field = BooleanField()

    def __init__(self, column: str, key: str | None) -> None:
        super().__init__(F(column))
        self.key = key

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        path = f'$."{self.key}"' if self.key else "$"
        sql = f"COALESCE(json_type({column}, %s) IN ('null') OR json_array_length({column}, %s) = 0, 1)"
        return sql, [*params, path, *params, path]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        target = f"({column} -> %s)" if self.key else column
        key_params = [self.key] if self.key else []
        sql = (
            f"COALESCE(jsonb_typeof({target}) = 'null' OR "
            f"(jsonb_typeof({target}) = 'array' AND jsonb_array_length({target}) = 0), true)"
        )
        return sql, [*params, *key_params, *params, *key_params, *params, *key_params]


def compile_query(
    tree: Mapping[str, Any] | None, schema: EntitySchema, *, vendor: str | None = None
) -> CompiledQuery:
    """The condition as SQL over the schema's model (see the module's docstring)."""
    compiler = _Compiler(schema, vendor or default_connection.vendor, SchemaCache(), "potok_")
    if not tree:
        return CompiledQuery(EVERYTHING, EVERYTHING, {})
    parts = compiler.node(tree, "")
    return CompiledQuery(parts.exact, parts.superset, compiler.annotations, compiler.notes)


class _Compiler:
    def __init__(self, schema: EntitySchema, vendor: str, schemas: SchemaCache, prefix: str) -> None:
        self.schema = schema
        self.vendor = vendor
        self.schemas = schemas
        self.prefix = prefix
        self.annotations: dict[str, Any] = {}
        self.notes: list[str] = []
        self._counter = itertools.count()

    # -- groups ------------------------------------------------------------------------------------------

    def node(self, tree: Mapping[str, Any], path: str) -> Parts:
        if "all" in tree or "any" in tree:
            kind = "all" if "all" in tree else "any"
            children = [
                self.node(item, _join(path, f"{kind}[{index}]")) for index, item in enumerate(tree[kind])
            ]
            return _all(children) if kind == "all" else _any(children)
        if "not" in tree:
            child = self.node(tree["not"], _join(path, "not"))
            return Parts(
                exact=~child.exact if child.exact is not None else None,
                superset=~child.subset if child.subset is not None else None,
                subset=~child.superset if child.superset is not None else None,
            )
        try:
            if "expr" in tree:
                raise NotCompilable("an expression is evaluated in Python")
            q = self.leaf(tree)
        except NotCompilable as reason:
            where = path or "the condition"
            self.notes.append(f"{where}: {reason}")
            return Parts(None, None, None)
        return Parts(q, q, q)

    # -- leaves ------------------------------------------------------------------------------------------

    def leaf(self, leaf: Mapping[str, Any]) -> Q:
        field_path = str(leaf["field"]).strip()
        operator = str(leaf["op"])
        steps = field_path.split(".")
        if steps[0] == "old" and len(steps) > 1:
            return self.constant(leaf, {"old": None})
        if steps[0] == "new" and len(steps) > 1:
            steps = steps[1:]
        if steps[0] == "event":
            raise NotCompilable("an existing record has no event")
        spec = self.schema.field(steps[0])
        if spec is None:
            raise NotCompilable(f"no field {steps[0]!r}")
        value = self.value(leaf)
        if len(steps) == 2:
            return self.through_reference(spec, steps[1], leaf)
        if len(steps) > 2:
            raise NotCompilable("too deep a path")
        return self.test(spec, operator, value)

    def constant(self, leaf: Mapping[str, Any], variables: Mapping[str, Any]) -> Q:
        try:
            result = compile_condition_tree(dict(leaf)).evaluate_condition(
                change_variables(None, {}) | dict(variables)
            )
        except ExpressionError as error:
            raise NotCompilable(str(error)) from None
        return EVERYTHING if result else NOTHING

    def value(self, leaf: Mapping[str, Any]) -> Any:
        if "value" not in leaf:
            return None
        raw = leaf["value"]
        if isinstance(raw, Mapping) and "field" in raw:
            raise NotCompilable("a comparison with another field is evaluated in Python")
        if isinstance(raw, Mapping) and "expr" in raw:
            expression = compile_expression(str(raw["expr"]))
            if expression.paths_used():
                raise NotCompilable("a value that reads the record is evaluated in Python")
            from potok.automation.conditions import evaluation_context

            return expression.evaluate({}, context=evaluation_context())
        if isinstance(raw, float):
            return Decimal(repr(raw))
        if isinstance(raw, list):
            return [Decimal(repr(item)) if isinstance(item, float) else item for item in raw]
        return raw

    def through_reference(self, spec: FieldSpec, sub_field: str, leaf: Mapping[str, Any]) -> Q:
        if not spec.is_reference or spec.target.startswith("@"):
            raise NotCompilable(f"{spec.code!r} is not a reference with a fixed type")
        target = self.schemas.get(spec.target)
        if target is None or target.model is None:
            raise NotCompilable(f"{spec.target!r} has no table")
        target_spec = target.field(sub_field)
        if target_spec is None:
            raise NotCompilable(f"{spec.target!r} has no field {sub_field!r}")
        inner = _Compiler(target, self.vendor, self.schemas, f"{self.prefix}{spec.code}_")
        inner_leaf = dict(leaf)
        inner_leaf["field"] = sub_field
        inner_q = inner.leaf(inner_leaf)
        if inner.notes:
            raise NotCompilable("; ".join(inner.notes))
        # Null reference (or one to a record that is gone): the clause sees null.
        matches_null = self.constant(inner_leaf, {sub_field: None}) is EVERYTHING
        targets = target.model._default_manager.all()
        if target.document_type_id is not None:
            targets = targets.filter(document_type_id=target.document_type_id)
        matching = targets.annotate(**inner.annotations).filter(inner_q).values("pk")
        reference = self.expression(spec)
        not_null = Q(**{f"{reference}__isnull": False})
        found = not_null & Q(**{f"{reference}__in": Subquery(matching)})
        if not matches_null:
            return found
        dangling = Q(**{f"{reference}__isnull": True}) | (
            not_null & ~Q(**{f"{reference}__in": Subquery(targets.values("pk"))})
        )
        return found | dangling

    # -- where a field's value is ------------------------------------------------------------------------

    def annotate(self, expression: Any) -> str:
        name = f"{self.prefix}{next(self._counter)}"
        self.annotations[name] = expression
        return name

    def expression(self, spec: FieldSpec) -> str:
        """The name (a column path or an annotation) the field's value is compared through."""
        if spec.column:
            return spec.column
        if spec.json_column and spec.json_key:
            text = KeyTextTransform(spec.json_key, spec.json_column)
            kind = spec.type
            if spec.is_reference:
                return self.annotate(Cast(text, BigIntegerField()))
            if kind in ("integer", "decimal", "money"):
                # Integers too: a comparison with 0.5 must not round the 0.5 to an integer.
                return self.annotate(Cast(text, DecimalField(max_digits=30, decimal_places=6)))
            if kind in ("string", "text", "choice", "date", "file", "boolean"):
                # Cast: a bare key transform would take JSON lookups (`__in`, `__gt` parse their values).
                return self.annotate(Cast(text, TextField()))
            raise NotCompilable(f"a {kind} kept in JSON is compared in Python")
        raise NotCompilable(f"{spec.code!r} is computed, not stored")

    # -- one test ------------------------------------------------------------------------------------------

    def test(self, spec: FieldSpec, operator: str, value: Any) -> Q:
        kind = spec.type
        if operator == "matches":
            raise NotCompilable("regular expressions differ between databases")
        if operator in ("changed", "changed_from", "changed_to") or operator.startswith(
            ("became_", "changed_to_")
        ):
            return self.change(spec, operator, value)
        if kind == "list" or (kind == "choice" and spec.multiple):
            return self.list_test(spec, operator, value)
        if kind == "datetime" and not spec.column:
            raise NotCompilable("a date-time kept in JSON is compared in Python")
        if spec.indexed and kind in INDEXABLE and not spec.multiple and operator in _INDEX_OPERATORS:
            return self.index_test(spec, operator, value)
        name = self.expression(spec)
        sql_value = self.sql_value(spec, value, operator)
        if spec.type == "integer" and spec.column and _fractional(value):
            # An integer column would round a fractional value before comparing (1 >= 0.5 is not 1 >= 0).
            name = self.annotate(Cast(F(name), DecimalField(max_digits=30, decimal_places=6)))
        null = Q(**{f"{name}__isnull": True})
        not_null = ~null
        if operator == "eq":
            return null if value is None else not_null & Q(**{name: sql_value})
        if operator == "ne":
            return not_null if value is None else null | (not_null & ~Q(**{name: sql_value}))
        if operator in ("gt", "gte", "lt", "lte"):
            return not_null & Q(**{f"{self.ordered(spec, name)}__{operator}": sql_value})
        if operator == "between":
            low, high = sql_value
            ordered = self.ordered(spec, name)
            return not_null & Q(**{f"{ordered}__gte": low}) & Q(**{f"{ordered}__lte": high})
        if operator in ("in", "not_in"):
            items = [item for item in sql_value if item is not None]
            has_null = any(item is None for item in value)
            inside = not_null & Q(**{f"{name}__in": items}) if items else NOTHING
            if has_null:
                inside = inside | null
            return inside if operator == "in" else ~inside
        if operator in ("contains", "not_contains", "starts_with", "ends_with"):
            if kind not in ("string", "text"):
                raise NotCompilable(f"{operator} on a {kind}")
            found = self.text_test(name, operator.replace("not_", ""), value) & not_null
            return ~found if operator == "not_contains" else found
        if operator in ("is_empty", "is_not_empty"):
            empty = null
            if kind in ("string", "text"):
                trimmed = self.annotate(Trim(F(name)))
                empty = null | Q(**{trimmed: ""})
            return empty if operator == "is_empty" else ~empty
        raise NotCompilable(f"the operator {operator!r}")

    def change(self, spec: FieldSpec, operator: str, value: Any) -> Q:
        """Existing records: the old value is null (see the module's docstring)."""
        if operator == "changed":
            return self.test(spec, "ne", None)
        if operator == "changed_from":
            return self.test(spec, "ne", None) if value is None else NOTHING
        if operator == "changed_to":
            return NOTHING if value is None else self.test(spec, "eq", value)
        crossing = operator.rsplit("_", 1)[1]
        return self.test(spec, crossing, value)

    def ordered(self, spec: FieldSpec, name: str) -> str:
        """Texts compare by code point in the language; PostgreSQL's default collation does not."""
        if spec.type in ("string", "text", "choice") and self.vendor == "postgresql":
            return self.annotate(Collate(F(name), "C"))
        return name

    def text_test(self, name: str, operator: str, value: Any) -> Q:
        if not isinstance(value, str):
            raise NotCompilable(f"{operator} needs a text")
        if value == "":
            return EVERYTHING
        if operator == "contains":
            position = self.annotate(StrIndex(F(name), Value(value)))
            return Q(**{f"{position}__gt": 0})
        length = len(value)
        part = self.annotate(Left(F(name), length) if operator == "starts_with" else Right(F(name), length))
        same_length = self.annotate(Length(F(name)))
        return Q(**{f"{same_length}__gte": length}) & Q(**{part: value})

    def list_test(self, spec: FieldSpec, operator: str, value: Any) -> Q:
        column, key = self.json_location(spec)
        if operator in ("contains", "not_contains"):
            if not isinstance(value, str):
                raise NotCompilable("list membership of a non-text value")
            name = self.annotate(JsonListHas(column, key, value))
            found = Q(**{name: True})
            return ~found if operator == "not_contains" else found
        if operator in ("is_empty", "is_not_empty"):
            name = self.annotate(JsonListEmpty(column, key))
            empty = Q(**{name: True})
            return empty if operator == "is_empty" else ~empty
        raise NotCompilable(f"{operator} on a list")

    def json_location(self, spec: FieldSpec) -> tuple[str, str | None]:
        if spec.json_column and spec.json_key:
            return spec.json_column, spec.json_key
        if spec.column and "__" not in spec.column:
            return spec.column, None
        raise NotCompilable(f"{spec.code!r} is not a stored list")

    def index_test(self, spec: FieldSpec, operator: str, value: Any) -> Q:
        from potok.documents.models import DocumentIndexValue

        column = INDEX_COLUMN[spec.type]
        rows = DocumentIndexValue.objects.filter(document=OuterRef("pk"), field_code=spec.json_key)
        sql_value = self.index_value(spec, value)

        def having(**lookup: Any) -> Q:
            return Q(Exists(rows.filter(**lookup)))

        present = having()
        if operator == "eq":
            return ~present if value is None else having(**{column: sql_value})
        if operator == "ne":
            return present if value is None else ~having(**{column: sql_value})
        if operator in ("gt", "gte", "lt", "lte"):
            return having(**{f"{column}__{operator}": sql_value})
        if operator == "between":
            return having(**{f"{column}__gte": sql_value[0], f"{column}__lte": sql_value[1]})
        if operator in ("in", "not_in"):
            items = [item for item in sql_value if item is not None]
            inside = having(**{f"{column}__in": items}) if items else NOTHING
            if any(item is None for item in value):
                inside = inside | ~present
            return inside if operator == "in" else ~inside
        if operator == "is_empty":
            return ~present
        if operator == "is_not_empty":
            return present
        raise NotCompilable(f"the operator {operator!r} on an indexed field")

    # -- values --------------------------------------------------------------------------------------------

    def sql_value(self, spec: FieldSpec, value: Any, operator: str) -> Any:
        if operator in ("in", "not_in", "between"):
            if not isinstance(value, list):
                raise NotCompilable("a list value expected")
            return [None if item is None else self.scalar(spec, item) for item in value]
        if value is None:
            return None
        return self.scalar(spec, value)

    def scalar(self, spec: FieldSpec, value: Any) -> Any:
        kind = "reference" if spec.is_reference else spec.type
        if isinstance(value, bool) != (kind == "boolean"):
            raise NotCompilable("the value's type does not fit the field")
        if kind in NUMBER_TYPES or kind == "reference":
            if not isinstance(value, int | Decimal):
                raise NotCompilable("a number expected")
            return value
        if kind == "date":
            if isinstance(value, datetime) or not isinstance(value, date):
                raise NotCompilable("a date expected")
            return value if spec.column else value.isoformat()
        if kind == "datetime":
            if not isinstance(value, datetime):
                raise NotCompilable("a date and time expected")
            return value
        if kind == "boolean":
            if spec.column:
                return value
            return "true" if value else "false"  # KeyTextTransform gives JSON booleans as text on both
        if not isinstance(value, str):
            raise NotCompilable("a text expected")
        return value

    def index_value(self, spec: FieldSpec, value: Any) -> Any:
        if isinstance(value, list):
            return [None if item is None else self.scalar(spec, item) for item in value]
        if value is None:
            return None
        scalar = self.scalar(spec, value)
        if spec.type == "date":
            return value
        return scalar


_INDEX_OPERATORS = frozenset(
    {"eq", "ne", "gt", "gte", "lt", "lte", "between", "in", "not_in", "is_empty", "is_not_empty"}
)


def _fractional(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(isinstance(item, Decimal) and item != item.to_integral_value() for item in values)


def _join(path: str, step: str) -> str:
    return f"{path}.{step}" if path else step


def _and(items: Sequence[Q]) -> Q:
    result = items[0]
    for item in items[1:]:
        result &= item
    return result


def _or(items: Sequence[Q]) -> Q:
    result = items[0]
    for item in items[1:]:
        result |= item
    return result


def _all(children: list[Parts]) -> Parts:
    if not children:
        return Parts(EVERYTHING, EVERYTHING, EVERYTHING)
    exact = _and([c.exact for c in children]) if all(c.exact is not None for c in children) else None  # type: ignore[misc]
    supersets = [c.superset for c in children if c.superset is not None]
    subset = _and([c.subset for c in children]) if all(c.subset is not None for c in children) else None  # type: ignore[misc]
    return Parts(exact, _and(supersets) if supersets else None, subset)


def _any(children: list[Parts]) -> Parts:
    if not children:
        return Parts(NOTHING, NOTHING, NOTHING)
    exact = _or([c.exact for c in children]) if all(c.exact is not None for c in children) else None  # type: ignore[misc]
    superset = _or([c.superset for c in children]) if all(c.superset is not None for c in children) else None  # type: ignore[misc]
    subsets = [c.subset for c in children if c.subset is not None]
    return Parts(exact, superset, _or(subsets) if subsets else None)


# -- records matching a condition ------------------------------------------------------------------------


@dataclass
class Match:
    record: Any
    view: View
    evaluated: Evaluated | None


@dataclass
class MatchPlan:
    """How matching records are found, for the administrator: in SQL, or SQL plus Python."""

    query: CompiledQuery
    queryset: Any

    @property
    def complete(self) -> bool:
        return self.query.complete

    def describe(self) -> str:
        if self.query.complete:
            return "The whole condition was evaluated by the database."
        notes = "; ".join(self.query.notes)
        return f"Part of the condition is evaluated in Python over the candidate records ({notes})."


def plan(tree: Mapping[str, Any] | None, schema: EntitySchema) -> MatchPlan:
    query = compile_query(tree, schema)
    queryset = schema.queryset().annotate(**query.annotations)
    if query.exact is not None:
        queryset = queryset.filter(query.exact)
    elif query.superset is not None:
        queryset = queryset.filter(query.superset)
    return MatchPlan(query, queryset)


def matching_records(
    condition: CompiledCondition,
    schema: EntitySchema,
    *,
    after: int = 0,
    batch: int = 500,
    views: RecordViews | None = None,
    evaluate_all: bool = False,
) -> Iterator[Match]:
    """Records that match, in id order after `after`: SQL where it can, the predicate over candidates
    where it cannot (and on every row when `evaluate_all`, for the trace)."""
    current = plan(condition.tree, schema)
    views = views or RecordViews()
    last = after
    while True:
        rows = list(current.queryset.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        last = rows[-1].pk
        record_views = views.from_records(schema, rows)
        for record, view in zip(rows, record_views, strict=True):
            if current.complete and not evaluate_all:
                yield Match(record, view, None)
                continue
            evaluated = condition.evaluate(variables_for(None, view))
            if evaluated.result:
                yield Match(record, view, evaluated)
