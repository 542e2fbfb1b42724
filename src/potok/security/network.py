"""The client's address, the same way for login throttling, the API throttle and the sessions list."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind POTOK_PROXY_COUNT trusted proxies the address the outermost one saw.

    Only the entries the trusted proxies appended are believed: a client can put anything at the front
    of X-Forwarded-For, but not behind what the proxies add.
    """
    proxies = getattr(settings, "POTOK_PROXY_COUNT", 0)
    candidate = request.META.get("REMOTE_ADDR")
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    if not candidate:
        return None
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
