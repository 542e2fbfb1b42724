"""Fixtures for sending: a clock the test moves, a real HTTP server on 127.0.0.1 that can be made to fail,
and a worker pass that runs the queued tasks as `potok worker` would."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from potok.core import clock

MOSCOW = ZoneInfo("Europe/Moscow")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        clock.freeze(start)

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        clock.freeze(self.now)
        return self.now


@pytest.fixture
def frozen_clock(settings) -> Iterator[Clock]:  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = "Europe/Moscow"
    yield Clock(datetime(2026, 5, 6, 10, 0, tzinfo=MOSCOW))
    clock.freeze(None)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    at: datetime

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """What the server got; `status` is what it answers (set 503 to make it fail)."""

    url: str = ""
    status: int = 204
    received: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    redirect_to: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def message_ids(self) -> list[str]:
        return [item.headers["webhook-id"] for item in self.received]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    state = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            item = Received(
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length).decode(),
                clock.now(),
            )
            with state.lock:
                if state.redirect_to:
                    self.send_response(307)
                    self.send_header("Location", state.redirect_to)
                    self.end_headers()
                    return
                ok = 200 <= state.status < 300
                (state.received if ok else state.refused).append(item)
                self.send_response(state.status)
                self.end_headers()
                if not ok:
                    self.wfile.write(b"Service Unavailable: maintenance until noon")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/potok"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def run_worker() -> int:
    """Run every task that is ready now, as `potok worker` does, until none is left."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.finished().count()
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()
    return DBTaskResult.objects.finished().count() - before


def work(sweeps: int = 1) -> None:
    """What a worker does over time: sweep, then run what is queued."""
    from potok.notifications.services.sweeping import sweep

    for _ in range(sweeps):
        sweep()
        run_worker()


def verify_with_reference_library(secret: str, item: Received) -> Any:
    """Check the signature with the Standard Webhooks reference implementation, its clock set to the test's
    (the library refuses timestamps more than five minutes from its own now)."""
    from unittest import mock

    import standardwebhooks.webhooks as reference

    class ReferenceClock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
            return item.at.astimezone(tz)

    with mock.patch.object(reference, "datetime", ReferenceClock):
        return reference.Webhook(secret).verify(item.body, item.headers)
