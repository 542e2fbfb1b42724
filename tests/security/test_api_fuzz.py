"""Hostile and broken input against the whole REST API: schemathesis generates valid and invalid
requests for every operation in the live OpenAPI document. No request may end in a 500, and every error
answer has the documented shape {"message": str, "errors": {field: [str, ...]}}.

POTOK_FUZZ_EXAMPLES sets the examples per operation and mode (default 3, about two minutes in CI).
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("POTOK_FUZZ_EXAMPLES", "3"))
# Operations known to answer some input with a 500, owned by other teams: (method, path) → reason.
# Their failures are reported (like a non-strict xfail) but do not fail the run; any other operation does.
KNOWN_SERVER_ERRORS: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/process-instances/start-from-record"): (
        "automation: an unknown entity_type ('') reaches access.registry.get and raises KeyError "
        "(potok/automation/services/manual.py manual_start_request → access.selectors.get_record)"
    ),
}


@dataclass
class Findings:
    server_errors: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    bad_shapes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    requests: int = 0


def error_shape_problem(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return f"not JSON: {response.text[:200]!r}"
    if not isinstance(body, dict) or set(body) != {"message", "errors"}:
        return f"keys {sorted(body) if isinstance(body, dict) else type(body).__name__}"
    if not isinstance(body["message"], str) or not isinstance(body["errors"], dict):
        return "message is not text or errors is not an object"
    for name, messages in body["errors"].items():
        if not isinstance(name, str) or not isinstance(messages, list):
            return f"errors[{name!r}] is not a list"
        if not all(isinstance(message, str) for message in messages):
            return f"errors[{name!r}] holds a non-text message"
    return None


def describe(case: Any, response: Any) -> str:
    return f"{case.method} {case.formatted_path} query={case.query!r} body={str(case.body)[:300]!r} → {response.status_code}: {response.text[:500]}"


def fuzz_operation(operation: Any, token: str, base_url: str, findings: Findings) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode

    key = (operation.method.upper(), operation.path)
    headers = {"Authorization": f"Bearer {token}"}
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        try:
            strategy = operation.as_strategy(generation_mode=mode)
        except Exception:  # noqa: S112 - an operation schemathesis cannot generate for in this mode
            continue

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            case.headers = {**(case.headers or {}), **headers}
            response = case.call(base_url=base_url, timeout=30)
            findings.requests += 1
            if response.status_code >= 500:
                findings.server_errors.setdefault(key, []).append(describe(case, response))
            elif response.status_code >= 400:
                problem = error_shape_problem(response)
                if problem:
                    findings.bad_shapes.setdefault(key, []).append(f"{problem}: {describe(case, response)}")

        try:
            run()
        except Exception:
            findings.server_errors.setdefault(key, []).append(traceback.format_exc(limit=3))


@override_settings(POTOK_API_AUTH_FAILURE_LIMIT=10**6)
def test_no_operation_answers_hostile_input_with_a_500_or_a_shapeless_error(
    live_server, demo_company
) -> None:
    import schemathesis

    from potok.accounts.models import User
    from potok.accounts.services import api_token_create

    token = api_token_create(actor=None, user=User.objects.get(username="admin"), name="fuzz")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    findings = Findings()
    started = time.monotonic()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fuzz_operation(operation, token, live_server.url, findings)
    elapsed = time.monotonic() - started
    print(f"fuzzed {operations} operations with {findings.requests} requests in {elapsed:.0f} s")

    unexpected = {
        key: cases for key, cases in findings.server_errors.items() if key not in KNOWN_SERVER_ERRORS
    }
    for key, cases in findings.server_errors.items():
        if key in KNOWN_SERVER_ERRORS:
            print(f"known 500 ({KNOWN_SERVER_ERRORS[key]}): {key}: {cases[0]}")
    report = "\n".join(f"{key}: {cases[0]}" for key, cases in {**unexpected, **findings.bad_shapes}.items())
    assert operations > 20 and findings.requests > operations
    assert not unexpected and not findings.bad_shapes, report
