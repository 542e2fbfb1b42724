"""The access matrix: every person of the demo × every listed entity type (built-in and user-defined
document types) × every action, through the web pages and the API.

The cases are generated, not listed: people come from the demo's staff table, entity types from the access
registry (documents from the document types in the database), and what each person may do is computed
from the access rules the demo wrote (role → entity type, action, scope) with a scope evaluator of this
module — not with the selectors under test. The checks:

- lists, searches and API pages hold exactly the records the read scope covers (plus task grants);
- exports hold exactly the records the export scope covers, or are refused;
- a guessed id of a record outside the read scope is 404 on every page and endpoint, like a missing one,
  and its name is nowhere in the answer; a record he may read but not change is 403 (the documented rule:
  potok.access.selectors.get_record);
- writes (create, update, delete) outside the rights are refused and change nothing;
- pickers (autocomplete) offer documents only within the read scope, directories as documented;
- attachments are handed out exactly to those who may read the document;
- a task's performer reads the task's document through the task grant, and may not change it.

The demo is built once for the module; each test rolls its own changes back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from potok.access import registry
from potok.access.models import SCOPE_ORDER, AccessRule, Action, RecordGrant, Scope
from potok.demo.company import PEOPLE

API = "/api/v1/"
GUESSES_PER_CASE = 2
DOCUMENTS = "documents"  # stands for every document type in the database


# --- what each entity type shows where -------------------------------------------------------------
@dataclass(frozen=True)
class Surface:
    """The pages and endpoints of one entity type. `name` is what identifies a record to a person (it must
    never appear in an answer about a record he may not read)."""

    name: Callable[[Any], str]
    api: str
    web_list: str
    web_read: str
    web_edit: str | None = None
    web_delete: str | None = None
    web_export: str | None = None
    api_export: str | None = None
    api_delete: bool = True
    patch: Callable[[Any], dict[str, Any]] = lambda record: {"version": record.version}
    create: Callable[[], dict[str, Any]] | None = None
    url_args: tuple[Any, ...] = ()


def _counterparty_body() -> dict[str, Any]:
    return {"name": "Матрица доступа, зонд"}


def _lead_body() -> dict[str, Any]:
    return {"title": "Матрица доступа, зонд"}


def _product_body() -> dict[str, Any]:
    return {"name": "Матрица доступа, зонд"}


def _deal_body() -> dict[str, Any]:
    from potok.sales.models import Pipeline

    pipeline = Pipeline.objects.order_by("pk").first()
    return {"title": "Матрица доступа, зонд", "pipeline_id": pipeline.pk if pipeline else 0}


def _with_counterparty(build: Callable[[int], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    def body() -> dict[str, Any]:
        from potok.clients.models import Counterparty

        first = Counterparty.objects.filter(deleted_at__isnull=True).order_by("pk").first()
        return build(first.pk if first else 0)

    return body


SURFACES: dict[str, Surface] = {
    "counterparty": Surface(
        name=lambda record: record.name,
        api="counterparties",
        web_list="web:counterparty_list",
        web_read="web:counterparty_detail",
        web_edit="web:counterparty_edit",
        web_delete="web:counterparty_delete",
        web_export="web:counterparty_export",
        api_export="counterparties/export",
        patch=lambda record: {"version": record.version, "name": record.name + " (зонд)"},
        create=_counterparty_body,
    ),
    "contact": Surface(
        name=lambda record: record.full_name,
        api="contacts",
        web_list="web:contact_list",
        web_read="web:contact_detail",
        web_export="web:contact_export",
        api_export="contacts/export",
        patch=lambda record: {"version": record.version, "position": "зонд"},
        create=_with_counterparty(lambda pk: {"counterparty_id": pk, "first_name": "Зонд"}),
    ),
    "interaction": Surface(
        name=lambda record: record.subject,
        api="interactions",
        web_list="web:interaction_list",
        web_read="web:interaction_edit",
        web_export="web:interaction_export",
        api_export="interactions/export",
        patch=lambda record: {"version": record.version, "outcome": "зонд"},
        create=_with_counterparty(
            lambda pk: {"counterparty_id": pk, "kind": "note", "subject": "Матрица доступа, зонд"}
        ),
    ),
    "deal": Surface(
        name=lambda record: record.title,
        api="deals",
        web_list="web:sales_deal_list",
        web_read="web:sales_deal_detail",
        web_edit="web:sales_deal_edit",
        web_delete="web:sales_deal_delete",
        web_export="web:sales_deal_export",
        patch=lambda record: {"version": record.version, "title": record.title + " (зонд)"},
        create=_deal_body,
    ),
    "lead": Surface(
        name=lambda record: record.title,
        api="leads",
        web_list="web:sales_lead_list",
        web_read="web:sales_lead_detail",
        web_edit="web:sales_lead_edit",
        api_delete=False,
        patch=lambda record: {"version": record.version, "need": "зонд"},
        create=_lead_body,
    ),
    "product": Surface(
        name=lambda record: record.name,
        api="products",
        web_list="web:sales_product_list",
        web_read="web:sales_product_edit",
        api_delete=False,
        patch=lambda record: {"version": record.version, "description": "зонд"},
        create=_product_body,
    ),
}


def document_surface(type_code: str) -> Surface:
    return Surface(
        name=lambda record: record.number,
        api=f"documents/{type_code}",
        web_list="web:document_list",
        web_read="web:document_detail",
        web_edit="web:document_edit",
        web_delete="web:document_delete",
        web_export="web:document_export",
        patch=lambda record: {"version": record.version, "values": {}},
        create=lambda: {"values": {}},
        url_args=(type_code,),
    )


def listed_entity_codes() -> list[str]:
    return sorted(entity.code for entity in registry.all_types() if entity.listed)


USERNAMES = [row[0] for row in PEOPLE]
ENTITY_CASES = [*listed_entity_codes(), DOCUMENTS]


# --- the demo, once per module ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def _demo_for_the_module(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from potok.demo.company import build_demo_company, demo_company_exists

    with django_db_blocker.unblock():
        if not demo_company_exists():
            build_demo_company(seed=2026, history=False)
        _attach_scans()
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
    _facts.cache_clear()


def _attach_scans() -> None:
    """Attachments to check: a file field on the investigation act, with a scan on every act."""
    from potok.documents.models import Document, DocumentType, FieldDefinition
    from potok.documents.services import document_update, field_create

    act = DocumentType.objects.get(code="investigation_act")
    if not FieldDefinition.objects.filter(document_type=act, code="scan").exists():
        field_create(actor=None, owner=act, code="scan", label_ru="Скан", label_en="Scan", field_type="file")
    for document in Document.objects.filter(document_type=act).order_by("pk"):
        document_update(
            actor=None,
            document=document,
            values={"scan": SimpleUploadedFile(f"act-{document.pk}.txt", b"scan", content_type="text/plain")},
            expected_version=None,
        )


@pytest.fixture
def demo(_demo_for_the_module, db):  # type: ignore[no-untyped-def]
    return None


def browser_of(username: str) -> Client:
    from potok.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def api_of(username: str) -> Client:
    from potok.accounts.models import User
    from potok.accounts.services import api_token_create

    token = api_token_create(actor=None, user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Bearer {token}"})


# --- what the rights give: the oracle --------------------------------------------------------------
@dataclass
class Rights:
    """A person's rights as the demo defined them: (entity type, action) → widest scope of his roles."""

    is_administrator: bool
    scopes: dict[tuple[str, str], str] = field(default_factory=dict)

    def scope(self, entity_type: str, action: str) -> str | None:
        return Scope.ALL if self.is_administrator else self.scopes.get((entity_type, action))


def rights_of(user: Any) -> Rights:
    # Rights come from roles held plainly; a role held for an addressing object only addresses tasks.
    plain = user.role_assignments.filter(object_type="")
    rights = Rights(is_administrator=plain.filter(role__is_administrator=True).exists() or user.is_superuser)
    for rule in AccessRule.objects.filter(role__in=plain.values("role")):
        key = (rule.entity_type, rule.action)
        held = rights.scopes.get(key)
        if held is None or SCOPE_ORDER.index(Scope(rule.scope)) > SCOPE_ORDER.index(Scope(held)):
            rights.scopes[key] = rule.scope
    return rights


def _follow(record: Any, path: str) -> Any:
    value = record
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _relation_of(model: Any, path: str) -> str | None:
    """The part of a field path that select_related can follow ("counterparty__responsible" → itself,
    "counterparty__name" → "counterparty", "id" → None)."""
    parts, followed = path.split("__"), []
    for part in parts:
        found = model._meta.get_field(part)
        if not found.is_relation:
            break
        followed.append(part)
        model = found.related_model
    return "__".join(followed) or None


@dataclass(frozen=True)
class RecordFacts:
    pk: int
    name: str
    owners: frozenset[Any]
    department_id: int | None
    department_path: str | None
    record: Any


@cache
def _facts(entity_code: str) -> tuple[RecordFacts, ...]:
    """Every record of the entity type (rights aside), with what the scopes look at."""
    entity = registry.get(entity_code)
    surface = surface_of(entity_code)
    queryset = entity.model._default_manager.all()
    if entity.base_filter is not None:
        queryset = queryset.filter(entity.base_filter())
    paths = [*entity.owner_fields, *([entity.department_field] if entity.department_field else [])]
    queryset = queryset.select_related(*filter(None, (_relation_of(entity.model, path) for path in paths)))
    facts = []
    for record in queryset.order_by("pk"):
        department = _follow(record, entity.department_field) if entity.department_field else None
        facts.append(
            RecordFacts(
                pk=record.pk,
                name=surface.name(record),
                owners=frozenset(_pk(_follow(record, path)) for path in entity.owner_fields),
                department_id=_pk(department),
                department_path=getattr(department, "path", None),
                record=record,
            )
        )
    return tuple(facts)


def covers(user: Any, scope: str | None, facts: RecordFacts) -> bool:
    """Does `scope` held by `user` cover the record? (own ⊂ department ⊂ department tree ⊂ all)"""
    if scope is None:
        return False
    if scope == Scope.ALL:
        return True
    own = user.pk in facts.owners
    department = user.department
    if scope == Scope.OWN or department is None or facts.department_id is None:
        return own
    if scope == Scope.DEPARTMENT:
        return own or facts.department_id == department.pk
    return own or (facts.department_path or "").startswith(department.path)


def expected(user: Any, entity_code: str, action: str) -> set[int]:
    scope = rights_of(user).scope(entity_code, action)
    found = {facts.pk for facts in _facts(entity_code) if covers(user, scope, facts)}
    if action == Action.READ:
        found |= set(
            RecordGrant.objects.filter(user=user, entity_type=entity_code).values_list("record_id", flat=True)
        )
    return found


def surface_of(entity_code: str) -> Surface:
    if entity_code.startswith("document."):
        return document_surface(entity_code.removeprefix("document."))
    return SURFACES[entity_code]


def entity_codes(case: str) -> list[str]:
    if case != DOCUMENTS:
        return [case]
    from potok.documents.models import DocumentType

    return [t.entity_type for t in DocumentType.objects.order_by("code")]


# --- reading answers --------------------------------------------------------------------------------
def api_ids(api: Client, path: str, **params: Any) -> set[int] | None:
    """Every id of an API list, page after page; None when the list is refused."""
    ids: set[int] = set()
    query: dict[str, Any] = {"limit": 200, **params}
    while True:
        response = api.get(API + path, query)
        if response.status_code in (403, 404):
            return None
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        body = response.json()
        ids |= {item["id"] for item in body["items"]}
        if not body.get("next_cursor"):
            return ids
        query["cursor"] = body["next_cursor"]


def linked_ids(html: str, surface: Surface) -> set[int]:
    """Ids of the records whose reading page the HTML links to."""
    sample = reverse(surface.web_read, args=[*surface.url_args, 987654321])
    pattern = re.escape(sample).replace("987654321", r"(\d+)")
    return {int(found) for found in re.findall(f'href="{pattern}"', html)}


def csv_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8-sig")
    dialect = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=dialect) if row][1:]


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return str(b"".join(response.streaming_content).decode("utf-8", "replace"))
    return str(response.content.decode("utf-8", "replace"))


def cases() -> Iterator[tuple[str, str]]:
    for username in USERNAMES:
        for case in ENTITY_CASES:
            yield username, case


CASES = list(cases())
CASE_IDS = [f"{username}-{case}" for username, case in CASES]


# --- the matrix ---------------------------------------------------------------------------------------
def test_every_listed_entity_type_and_every_demo_role_is_in_the_matrix(demo) -> None:  # type: ignore[no-untyped-def]
    from potok.accounts.models import Role

    missing = [code for code in listed_entity_codes() if code not in SURFACES]
    assert not missing, f"add the pages of {missing} to SURFACES"
    held = set(Role.objects.filter(assignments__user__username__in=USERNAMES).values_list("code", flat=True))
    with_rights = set(Role.objects.filter(access_rules__isnull=False).values_list("code", flat=True))
    assert with_rights <= held, f"roles with rights that no demo person holds: {with_rights - held}"


@pytest.mark.parametrize(("username", "case"), CASES, ids=CASE_IDS)
def test_reads_lists_searches_and_guessed_ids(demo, username, case) -> None:  # type: ignore[no-untyped-def]
    from potok.accounts.models import User

    user = User.objects.get(username=username)
    browser, api = browser_of(username), api_of(username)
    for entity_code in entity_codes(case):
        surface = surface_of(entity_code)
        readable = expected(user, entity_code, Action.READ)
        everything = {facts.pk: facts for facts in _facts(entity_code)}
        hidden = [facts for pk, facts in everything.items() if pk not in readable]

        # The API list holds exactly the readable records.
        listed = api_ids(api, surface.api)
        assert (listed or set()) == readable, (entity_code, "API list")

        # The web list shows only readable records.
        page = browser.get(reverse(surface.web_list, args=surface.url_args))
        assert page.status_code in (200, 403), (entity_code, page.status_code)
        shown = linked_ids(body_of(page), surface) if page.status_code == 200 else set()
        assert shown <= readable, (entity_code, "web list", shown - readable)
        if readable and page.status_code == 200:
            assert shown, (entity_code, "web list shows nothing of what he may read")

        # Searching for a record he may not read finds nothing of it.
        for facts in hidden[:GUESSES_PER_CASE]:
            found = api_ids(api, surface.api, q=facts.name)
            assert facts.pk not in (found or set()), (entity_code, "API search", facts.name)
            assert (found or set()) <= readable
            if facts is not hidden[0]:
                continue  # the web list searches as the API does; once per case is enough
            page = browser.get(reverse(surface.web_list, args=surface.url_args), {"q": facts.name})
            if page.status_code == 200:
                assert facts.pk not in linked_ids(body_of(page), surface), (entity_code, "web search")

        # A guessed id outside the scope is 404 like a missing one, and names nothing.
        missing_pk = max(everything, default=0) + 100_000
        for pk, name in [(f.pk, f.name) for f in hidden[:GUESSES_PER_CASE]] + [(missing_pk, "")]:
            for response in (
                browser.get(reverse(surface.web_read, args=[*surface.url_args, pk])),
                api.get(f"{API}{surface.api}/{pk}"),
            ):
                assert response.status_code == 404, (entity_code, pk, response.status_code)
                if name:
                    assert name not in body_of(response), (entity_code, pk, "the name leaks")
        # A record he may read opens.
        for pk in sorted(readable)[:2]:
            assert browser.get(reverse(surface.web_read, args=[*surface.url_args, pk])).status_code == 200
            assert api.get(f"{API}{surface.api}/{pk}").status_code == 200


@pytest.mark.parametrize(("username", "case"), CASES, ids=CASE_IDS)
def test_exports_hold_exactly_the_exportable_records(demo, username, case) -> None:  # type: ignore[no-untyped-def]
    from potok.accounts.models import User

    user = User.objects.get(username=username)
    browser, api = browser_of(username), api_of(username)
    for entity_code in entity_codes(case):
        surface = surface_of(entity_code)
        rights = rights_of(user)
        exportable = expected(user, entity_code, Action.EXPORT)
        names = {facts.pk: facts.name for facts in _facts(entity_code)}
        requests = []
        if surface.web_export:
            requests.append(("web", browser.get(reverse(surface.web_export, args=surface.url_args))))
        if surface.api_export:
            requests.append(("api", api.get(API + surface.api_export, {"format": "csv"})))
        for where, response in requests:
            if rights.scope(entity_code, Action.EXPORT) is None:
                assert response.status_code in (403, 404), (entity_code, where, response.status_code)
                continue
            assert response.status_code == 200, (entity_code, where, response.status_code)
            content = body_of(response).encode()
            rows = csv_rows(content)
            assert len(rows) == len(exportable), (entity_code, where, len(rows), len(exportable))
            cells = {cell for row in rows for cell in row}
            outside = {name for pk, name in names.items() if pk not in exportable}
            inside = {name for pk, name in names.items() if pk in exportable}
            leaked = {name for name in outside - inside if name and name in cells}
            assert not leaked, (entity_code, where, "exported outside the export scope", leaked)


def _state(entity_code: str, pk: int) -> tuple[Any, ...] | None:
    entity = registry.get(entity_code)
    queryset = entity.model._default_manager.filter(pk=pk)
    if entity.base_filter is not None:
        queryset = queryset.filter(entity.base_filter())
    record = queryset.first()
    return None if record is None else (getattr(record, "version", None), getattr(record, "updated_at", None))


def _count(entity_code: str) -> int:
    entity = registry.get(entity_code)
    queryset = entity.model._default_manager.all()
    if entity.base_filter is not None:
        queryset = queryset.filter(entity.base_filter())
    return queryset.count()


@pytest.mark.parametrize(("username", "case"), CASES, ids=CASE_IDS)
def test_writes_outside_the_rights_are_refused_and_change_nothing(demo, username, case) -> None:  # type: ignore[no-untyped-def]
    from potok.accounts.models import User

    user = User.objects.get(username=username)
    browser, api = browser_of(username), api_of(username)
    rights = rights_of(user)
    for entity_code in entity_codes(case):
        surface = surface_of(entity_code)
        readable = expected(user, entity_code, Action.READ)
        updatable = expected(user, entity_code, Action.UPDATE)
        deletable = expected(user, entity_code, Action.DELETE)
        records = _facts(entity_code)
        # One record per kind of answer: not readable, readable only, updatable.
        samples = {
            "hidden": [f for f in records if f.pk not in readable][:2],
            "read only": [f for f in records if f.pk in readable and f.pk not in updatable][:2],
            "updatable": [f for f in records if f.pk in updatable][:1],
        }
        for kind, chosen in samples.items():
            for facts in chosen:
                before = _state(entity_code, facts.pk)
                refused = 404 if kind == "hidden" else 403
                response = api.patch(
                    f"{API}{surface.api}/{facts.pk}",
                    surface.patch(facts.record),
                    content_type="application/json",
                )
                if kind == "updatable":
                    assert response.status_code not in (403, 404), (entity_code, facts.pk, "update refused")
                    continue
                assert response.status_code == refused, (entity_code, kind, facts.pk, response.status_code)
                assert _state(entity_code, facts.pk) == before, (entity_code, facts.pk, "changed")
                if surface.web_edit:
                    page = browser.get(reverse(surface.web_edit, args=[*surface.url_args, facts.pk]))
                    assert page.status_code == refused, (entity_code, "web edit", facts.pk, page.status_code)
                    if kind == "hidden":
                        assert facts.name not in body_of(page)
        # Deleting outside the delete scope is refused; the record stays.
        for facts in [f for f in records if f.pk not in deletable][:2]:
            refused = 404 if facts.pk not in readable else 403
            if surface.api_delete:
                response = api.delete(f"{API}{surface.api}/{facts.pk}")
                assert response.status_code == refused, (entity_code, "API delete", facts.pk)
            if surface.web_delete:
                response = browser.post(reverse(surface.web_delete, args=[*surface.url_args, facts.pk]))
                assert response.status_code == refused, (entity_code, "web delete", facts.pk)
            assert _state(entity_code, facts.pk) is not None, (entity_code, facts.pk, "deleted")
        # Creating without the right is refused and makes nothing.
        if surface.create is not None and rights.scope(entity_code, Action.CREATE) is None:
            count = _count(entity_code)
            response = api.post(API + surface.api, surface.create(), content_type="application/json")
            # 404 when the body names a record he may not read either (a contact of a hidden client).
            assert response.status_code in (403, 404), (entity_code, "API create", response.status_code)
            assert _count(entity_code) == count


@pytest.mark.parametrize("username", USERNAMES)
def test_pickers_offer_documents_only_within_the_read_scope(demo, username) -> None:  # type: ignore[no-untyped-def]
    from potok.accounts.models import User
    from potok.documents.models import DocumentType

    user = User.objects.get(username=username)
    browser = browser_of(username)
    for document_type in DocumentType.objects.order_by("code"):
        entity_code = document_type.entity_type
        readable = expected(user, entity_code, Action.READ)
        url = reverse("web:document_lookup", args=[entity_code])
        for facts in _facts(entity_code):
            response = browser.get(url, {"q": facts.name})
            assert response.status_code in (200, 403)
            offered = body_of(response)
            if facts.pk in readable:
                continue
            assert facts.name not in offered, (entity_code, "picker offers", facts.name)


@pytest.mark.parametrize("username", USERNAMES)
def test_the_client_picker_follows_its_documented_rule(demo, username) -> None:  # type: ignore[no-untyped-def]
    """Counterparty choices: within the read scope for those who may read counterparties; any client, by
    at least three typed characters and by name only, for those who register documents; else refused."""
    from potok.accounts.models import User

    user = User.objects.get(username=username)
    rights = rights_of(user)
    browser, api = browser_of(username), api_of(username)
    readable = expected(user, "counterparty", Action.READ)
    may_register = rights.is_administrator or any(
        action == Action.CREATE and code.startswith("document.") for code, action in rights.scopes
    )
    for facts in _facts("counterparty")[:5]:
        for response in (
            browser.get(reverse("web:counterparty_choices"), {"q": facts.name}),
            api.get(API + "counterparties/choices", {"q": facts.name}),
        ):
            if rights.scope("counterparty", Action.READ) is None and not may_register:
                assert response.status_code == 403
                continue
            assert response.status_code == 200
            body = response.json()
            ids = {row["id"] for row in (body["items"] if isinstance(body, dict) else body)}
            if rights.scope("counterparty", Action.READ) is not None:
                assert ids <= readable, ("choices outside the read scope", ids - readable)
            rows = body["items"] if isinstance(body, dict) else body
            assert all(set(row) == {"id", "name", "inn"} for row in rows)


@pytest.mark.parametrize("username", USERNAMES)
def test_attachments_go_to_exactly_those_who_may_read_the_document(demo, username) -> None:  # type: ignore[no-untyped-def]
    from potok.accounts.models import User
    from potok.documents.models import Document

    user = User.objects.get(username=username)
    browser, api = browser_of(username), api_of(username)
    readable = expected(user, "document.investigation_act", Action.READ)
    acts = Document.objects.filter(document_type__code="investigation_act").order_by("pk")
    assert acts.exists()
    for act in acts:
        web = browser.get(reverse("web:document_file", args=["investigation_act", act.pk, "scan"]))
        via_api = api.get(f"{API}documents/investigation_act/{act.pk}/files/scan")
        wanted = 200 if act.pk in readable else 404
        assert (web.status_code, via_api.status_code) == (wanted, wanted), (act.number, username)
        if wanted == 404:
            assert act.number not in body_of(web) and f"act-{act.pk}" not in body_of(web)


def test_a_performer_reads_the_document_of_his_task_and_no_more(demo) -> None:  # type: ignore[no-untyped-def]
    """The investigator chosen for a complaint (here a sales manager with no right on complaints) reads it
    through the task grant — page, API, list — may not change it, and loses it when the task moves on."""
    from potok.accounts.models import User
    from potok.documents.models import Document
    from potok.processes.models import Task
    from potok.processes.services.instances import process_start
    from potok.tasks.services import task_complete
    from potok.tasks.services.redirect import task_redirect

    complaint = Document.objects.filter(document_type__code="complaint").order_by("pk").first()
    assert complaint is not None
    sales1 = User.objects.get(username="sales1")
    assert rights_of(sales1).scope("document.complaint", Action.READ) is None
    head = User.objects.get(username="service_head")
    instance = process_start(
        actor=User.objects.get(username="reception"),
        process_key="complaint_review",
        entity_type=complaint.entity_type,
        record_id=complaint.pk,
    )
    assign = Task.objects.get(instance=instance, node_id="assign", state="open")
    task_complete(actor=head, task=assign, outcome="assigned", values={"investigator": sales1.pk})
    investigate = Task.objects.get(instance=instance, node_id="investigate", state="open")
    assert investigate.assignee == sales1

    browser, api = browser_of("sales1"), api_of("sales1")
    detail = reverse("web:document_detail", args=["complaint", complaint.pk])
    assert browser.get(detail).status_code == 200
    assert api.get(f"{API}documents/complaint/{complaint.pk}").status_code == 200
    assert api_ids(api, "documents/complaint") == {complaint.pk}
    version = Document.objects.get(pk=complaint.pk).version
    response = api.patch(
        f"{API}documents/complaint/{complaint.pk}",
        {"version": version, "values": {"subject": "Переписано исполнителем"}},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert browser.get(reverse("web:document_edit", args=["complaint", complaint.pk])).status_code == 403
    assert Document.objects.get(pk=complaint.pk).version == version

    admin = User.objects.get(username="admin")
    task_redirect(
        actor=admin, task=investigate, to_user=User.objects.get(username="investigator2"), reason="-"
    )
    assert browser.get(detail).status_code == 404
    assert api.get(f"{API}documents/complaint/{complaint.pk}").status_code == 404
    assert api_ids(api, "documents/complaint") == set()


@pytest.mark.parametrize("username", USERNAMES)
def test_confidential_fields_show_exactly_where_the_right_reaches(demo, username) -> None:  # type: ignore[no-untyped-def]
    """Every confidential field of every document type, filled on every document: the API and the page
    show it on exactly the readable documents the «see confidential fields» scope covers."""
    from potok.accounts.models import User
    from potok.documents.models import Document, DocumentType, FieldDefinition

    user = User.objects.get(username=username)
    browser, api = browser_of(username), api_of(username)
    fields = FieldDefinition.objects.filter(
        document_type__isnull=False, confidential=True, archived_at__isnull=True, field_type="string"
    )
    assert fields.exists(), "the demo marks a field confidential"
    for document_type in DocumentType.objects.filter(fields__in=fields).distinct():
        entity_code = document_type.entity_type
        codes = [f.code for f in fields if f.document_type_id == document_type.pk]
        for document in Document.objects.filter(document_type=document_type):
            document.data.update({code: f"секрет-{document.pk}-{code}" for code in codes})
            document.save(update_fields=["data"])
        readable = expected(user, entity_code, Action.READ)
        revealed = expected(user, entity_code, Action.CONFIDENTIAL) & readable
        for pk in sorted(readable)[:6]:
            values = api.get(f"{API}documents/{document_type.code}/{pk}").json()["values"]
            page = body_of(browser.get(reverse("web:document_detail", args=[document_type.code, pk])))
            for code in codes:
                secret = f"секрет-{pk}-{code}"
                assert (values.get(code) == secret) is (pk in revealed), (entity_code, pk, code, "API")
                assert (secret in page) is (pk in revealed), (entity_code, pk, code, "page")
