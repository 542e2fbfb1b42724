"""Posting a webhook with the standard library: a timeout, http/https only, no redirect to another host.

Example:
    >>> outcome = post("https://hooks.example.ru/potok", body=b"{}", headers={}, timeout=10)
    >>> outcome.succeeded, outcome.status_code
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import IO, Any
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
EXCERPT_BYTES = 2000
EXCERPT_CHARACTERS = 500
USER_AGENT = "Potok-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    status_code: int | None
    duration_ms: int
    error: str
    response_excerpt: str


class RedirectRefused(urllib.error.URLError):
    pass


class SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow 307/308 to the same scheme, host and port, keeping the POST and its body; refuse others."""

    max_redirections = 3

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Message, newurl: str
    ) -> urllib.request.Request | None:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if code not in (307, 308) or (old.scheme, old.netloc) != (new.scheme, new.netloc):
            raise RedirectRefused(f"redirect {code} to {newurl} not followed (update the endpoint's URL)")
        return urllib.request.Request(  # noqa: S310 - same scheme and host as the checked URL
            newurl, data=req.data, headers=dict(req.header_items()), method=req.get_method()
        )


def check_url(url: str) -> str | None:
    """None for a URL that may be called, else the reason it may not."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        return "only http and https addresses are allowed"
    if not parts.hostname:
        return "the address has no host"
    if parts.username or parts.password:
        return "put credentials in the signing secret, not in the address"
    return None


def _excerpt(stream: Any) -> str:
    try:
        data = stream.read(EXCERPT_BYTES) if stream is not None else b""
    except (OSError, ValueError):
        return ""
    return data.decode("utf-8", errors="replace")[:EXCERPT_CHARACTERS]


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    problem = check_url(url)
    if problem:
        return Outcome(False, None, 0, problem, "")
    request = urllib.request.Request(  # noqa: S310 - check_url allowed only http and https
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
    )
    opener = urllib.request.build_opener(SameHostRedirects())
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
            excerpt = _excerpt(response)
        elapsed = int((time.monotonic() - started) * 1000)
        ok = 200 <= status < 300
        return Outcome(ok, status, elapsed, "" if ok else f"HTTP {status}", excerpt)
    except urllib.error.HTTPError as error:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(False, error.code, elapsed, f"HTTP {error.code} {error.reason}", _excerpt(error))
    except RedirectRefused as error:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(False, None, elapsed, str(error.reason), "")
    except (urllib.error.URLError, OSError, ValueError) as error:
        elapsed = int((time.monotonic() - started) * 1000)
        reason = getattr(error, "reason", error)
        return Outcome(False, None, elapsed, f"{type(error).__name__}: {reason}", "")
