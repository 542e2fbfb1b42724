"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The secret is shown as ``whsec_<base64 of the key>``; a message is signed as
``v1,<base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))>``.

Example:
    >>> secret = new_secret()
    >>> headers = signed_headers(secret=secret, message_id="msg_1", timestamp=1767225600, body='{"a":1}')
    >>> headers["webhook-signature"].startswith("v1,")
    True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4))


def is_valid_secret(secret: str) -> bool:
    try:
        return secret.startswith(SECRET_PREFIX) and len(secret_key(secret)) >= 24
    except ValueError:
        return False


def signature(*, secret: str, message_id: str, timestamp: int, body: str) -> str:
    digest = hmac.new(
        secret_key(secret), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256
    ).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(*, secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret=secret, message_id=message_id, timestamp=timestamp, body=body),
    }
