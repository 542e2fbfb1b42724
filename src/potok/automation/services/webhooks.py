"""Starting processes from an inbound webhook: `POST /api/v1/start-rules/{id}/webhook`.

The caller proves it knows the rule's secret either as `Authorization: Bearer <secret>` or by signing the
raw body: `X-Potok-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>`. The JSON body is
what the rule's condition and variable mapping read (`{"order": {"amount": 5}}` → `order.amount`). An
`Idempotency-Key` header makes repeated deliveries start one process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from potok.automation.evaluation import Decision, Evaluator, Occasion
from potok.automation.models import NO_RECORD, RuleEvent, StartRule, Trigger
from potok.automation.records import RecordViews
from potok.automation.ruleset import current_rules
from potok.automation.starting import Journal
from potok.core.errors import NotFound, PermissionDenied, ValidationFailed

MAX_BODY = 256 * 1024


def signature_of(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def authenticated(rule: StartRule, body: bytes, headers: Mapping[str, str]) -> bool:
    secret = rule.webhook_secret
    if not secret:
        return False
    authorization = headers.get("Authorization", "")
    if authorization.startswith("Bearer ") and hmac.compare_digest(authorization[7:].strip(), secret):
        return True
    signature = headers.get("X-Potok-Signature", "")
    return bool(signature) and hmac.compare_digest(signature.strip(), signature_of(secret, body))


def webhook_receive(*, rule_id: int, body: bytes, headers: Mapping[str, str]) -> Decision:
    """Check the caller, read the body, evaluate the rule and start its process (exactly once per key)."""
    rule = StartRule.objects.filter(pk=rule_id, event=RuleEvent.WEBHOOK).first()
    if rule is None:
        raise NotFound(f"webhook {rule_id}")
    if not authenticated(rule, body, headers):
        raise PermissionDenied("webhook secret")
    if not rule.enabled:
        raise ValidationFailed({"rule": "The rule is disabled."})
    if len(body) > MAX_BODY:
        raise ValidationFailed({"body": f"The body is larger than {MAX_BODY // 1024} KB."})
    try:
        payload: Any = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationFailed({"body": f"The body is not JSON: {error}"}) from None
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": "The body must be a JSON object."})
    key = (headers.get("Idempotency-Key") or "").strip()[:100] or uuid.uuid4().hex
    compiled = current_rules().get(rule.pk)
    if compiled is None:
        raise ValidationFailed({"rule": "The rule is disabled."})
    with transaction.atomic():
        evaluator = Evaluator(Journal(), RecordViews())
        decision = evaluator.run(
            compiled,
            Occasion(
                trigger=Trigger.WEBHOOK,
                entity_type="",
                record_id=NO_RECORD,
                event_key=f"webhook:{key}",
                new=payload,
                event={"kind": "webhook"},
                payload={"body": payload},
            ),
        )
        evaluator.journal.flush()
    return decision
