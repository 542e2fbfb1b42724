"""Oversized requests are refused with a clear message before anything is read or stored."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from potok.imports.models import ImportJob


@override_settings(POTOK_MAX_REQUEST_MB=1)
def test_an_oversized_upload_is_refused_and_nothing_is_stored(api_as) -> None:
    client = api_as("admin")
    before = ImportJob.objects.count()
    big = SimpleUploadedFile("clients.csv", b"name;inn\n" + b"x" * (2 * 1024 * 1024), content_type="text/csv")
    response = client.post("/api/v1/imports", {"file": big, "entity_type": "counterparty"})
    assert response.status_code == 413
    body = response.json()
    assert set(body) == {"message", "errors"} and "1 MB" in body["message"]
    assert ImportJob.objects.count() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_an_oversized_json_body_gets_the_api_error_shape(api_as) -> None:
    client = api_as("admin")
    payload = json.dumps({"name": "x" * 5000, "kind": "company"})
    response = client.post("/api/v1/counterparties", payload, content_type="application/json")
    assert response.status_code == 413
    assert set(response.json()) == {"message", "errors"}


@override_settings(POTOK_MAX_REQUEST_MB=1)
def test_an_oversized_form_in_the_web_interface_is_refused(client_as) -> None:
    response = client_as("admin").post(
        "/clients/counterparties/new/", {"name": "x" * (2 * 1024 * 1024)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert (
        "1 МБ" in response.content.decode() or "1 MB" in response.content.decode()
    )  # before the language is known
