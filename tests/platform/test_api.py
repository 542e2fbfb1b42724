"""The REST API base: bearer tokens, OpenAPI, the same access rules, one error shape."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_document_is_published(demo_company) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Potok API"
    assert "/api/v1/me" in document["paths"]


def test_interactive_docs_are_served(demo_company) -> None:
    assert Client().get("/api/v1/docs").status_code == 200


def test_no_token_or_a_wrong_token_is_401_with_the_error_shape(demo_company) -> None:
    for headers in ({}, {"Authorization": "Bearer ptk_wrong"}):
        response = Client(headers=headers).get("/api/v1/me")
        assert response.status_code == 401
        assert set(response.json()) == {"message", "errors"}


def test_token_identifies_the_caller(api_as) -> None:
    assert api_as("lawyer").get("/api/v1/me").json()["username"] == "lawyer"


def test_api_obeys_the_same_scopes_as_the_ui(api_as, person) -> None:
    reception = api_as("reception")
    assert reception.get("/api/v1/users").json()["items"] == []
    assert reception.get(f"/api/v1/users/{person('director').pk}").status_code == 404
    director_view = api_as("director").get("/api/v1/users", {"limit": 4}).json()
    assert len(director_view["items"]) == 4 and director_view["next_cursor"]
    rest = (
        api_as("director").get("/api/v1/users", {"limit": 100, "cursor": director_view["next_cursor"]}).json()
    )
    assert len(director_view["items"]) + len(rest["items"]) == 10


def test_wrong_shapes_get_a_message_per_field(api_as) -> None:
    client = api_as("director")
    response = client.get("/api/v1/users", {"limit": "many"})
    assert response.status_code == 400
    assert "limit" in response.json()["errors"]

    response = client.get("/api/v1/users", {"limit": 10_000})
    assert response.status_code == 400
    assert response.json()["errors"]["limit"]

    response = client.get("/api/v1/users", {"cursor": "!!not-a-cursor"})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_roles_are_for_administrators(api_as) -> None:
    assert api_as("reception").get("/api/v1/roles").status_code == 403
    assert len(api_as("admin").get("/api/v1/roles").json()) >= 9
