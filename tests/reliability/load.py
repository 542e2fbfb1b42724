"""The concurrent clients of the scale-out harness: real HTTP on loopback, round-robin over the web processes,
each with its own API token.

Creators create requests (some qualify for the start rule, some do not). A create whose answer was lost (the
web process was killed, the database connection was cut) is looked up by its client marker before it is sent
again, so a retried create never makes a second document; the marker is what the client saw acknowledged.
Reviewers list their queue, claim tasks concurrently (the slower one is told it was taken) and complete them.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

DOCUMENTS = "/api/v1/documents/harness_request"
REQUEST_TIMEOUT = 60.0
ATTEMPTS = 40  # a request is tried this many times over every web process before the client gives up


class Unreachable(Exception):
    """No web process answered (all connection attempts failed)."""


@dataclass
class Answer:
    status: int
    body: Any


@dataclass
class Tally:
    """What the clients did and saw; shared by all client threads (under the lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    # marker -> qualifies (vip): creates answered 201, or found by their marker after a lost answer
    acknowledged: dict[str, bool] = field(default_factory=dict)
    # marker -> qualifies: creates sent whose outcome the client never learned
    unacknowledged: dict[str, bool] = field(default_factory=dict)
    created_late: int = 0  # lost answers whose document the lookup found
    claims: int = 0
    claim_conflicts: int = 0
    completed: set[str] = field(default_factory=set)
    gave_up: int = 0

    def answered(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1

    def refused(self) -> None:
        with self.lock:
            self.connection_errors += 1

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


class Api:
    """One client's connection to the cluster: each request goes to the next web process in turn; on a
    connection error (a killed process) the next one is tried."""

    def __init__(self, urls: list[tuple[str, int]], token: str, tally: Tally, *, start: int = 0) -> None:
        self.urls = urls
        self.token = token
        self.tally = tally
        self.turn = start
        self.connections: dict[int, http.client.HTTPConnection] = {}
        self.down_until: dict[int, float] = {}

    def _connection(self, index: int) -> http.client.HTTPConnection:
        if index not in self.connections:
            host, port = self.urls[index]
            self.connections[index] = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        return self.connections[index]

    def _drop(self, index: int) -> None:
        connection = self.connections.pop(index, None)
        if connection is not None:
            connection.close()

    def _next(self) -> int:
        """The next web process in turn, skipping for a moment one that just refused (as a load balancer's
        health check would); when all did, the next anyway."""
        now = time.monotonic()
        for _ in range(len(self.urls)):
            index = self.turn % len(self.urls)
            self.turn += 1
            if self.down_until.get(index, 0.0) <= now:
                return index
        return self.turn % len(self.urls)

    def once(self, method: str, path: str, payload: Any = None) -> Answer:
        """One request to the next web process; raises OSError / HTTPException when the connection fails."""
        index = self._next()
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            connection = self._connection(index)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self._drop(index)
            self.down_until[index] = time.monotonic() + 1.0
            self.tally.refused()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self._drop(index)
        self.tally.answered(response.status)
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw[:500].decode(errors="replace")
        return Answer(response.status, decoded)

    def call(self, method: str, path: str, payload: Any = None, *, retry_on_5xx: bool = True) -> Answer:
        """A safe-to-repeat request: retried on connection errors (and 5xx) over the web processes."""
        last: Answer | None = None
        for attempt in range(ATTEMPTS):
            try:
                last = self.once(method, path, payload)
            except (OSError, http.client.HTTPException):
                time.sleep(min(0.05 * (attempt + 1), 1.0))
                continue
            if last.status >= 500 and retry_on_5xx:
                time.sleep(min(0.05 * (attempt + 1), 1.0))
                continue
            return last
        if last is not None:
            return last
        raise Unreachable(f"{method} {path}")

    def close(self) -> None:
        for index in list(self.connections):
            self._drop(index)


class Creator(threading.Thread):
    def __init__(self, number: int, api: Api, stop: threading.Event, *, vip_share: float, seed: int) -> None:
        super().__init__(name=f"creator-{number}", daemon=True)
        self.number = number
        self.api = api
        self.stop = stop
        self.vip_share = vip_share
        self.random = random.Random(seed)
        self.errors: list[str] = []

    def run(self) -> None:
        made = 0
        try:
            while not self.stop.is_set():
                made += 1
                self.create(f"c{self.number}-{made}-{uuid.uuid4().hex[:12]}")
        except Exception as error:  # reported by the harness; the thread must not die silently
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            self.api.close()

    def create(self, marker: str) -> None:
        tally = self.api.tally
        vip = self.random.random() < self.vip_share
        values = {"subject": f"Заявка {marker}", "marker": marker, "vip": vip}
        for _ in range(ATTEMPTS):
            try:
                answer = self.api.once("POST", DOCUMENTS, {"values": values})
            except (OSError, http.client.HTTPException):
                answer = None
            if answer is not None and answer.status == 201:
                with tally.lock:
                    tally.acknowledged[marker] = vip
                    tally.unacknowledged.pop(marker, None)
                return
            if answer is not None and answer.status < 500:
                raise AssertionError(f"create {marker}: HTTP {answer.status} {answer.body}")
            # The answer was lost or an error: did the document get made? Look before sending it again.
            with tally.lock:
                tally.unacknowledged[marker] = vip
            time.sleep(0.1)
            found = self.api.call("GET", f"{DOCUMENTS}?{urlencode({'f.marker': marker})}")
            if found.status == 200 and found.body["items"]:
                with tally.lock:
                    tally.acknowledged[marker] = vip
                    tally.unacknowledged.pop(marker, None)
                    tally.created_late += 1
                return
        with tally.lock:
            tally.gave_up += 1


class Reviewer(threading.Thread):
    """Completes its own tasks, then takes some from the shared queue: several reviewers race for the same
    tasks, as people do."""

    def __init__(self, number: int, api: Api, stop: threading.Event, *, seed: int) -> None:
        super().__init__(name=f"reviewer-{number}", daemon=True)
        self.api = api
        self.stop = stop
        self.random = random.Random(seed)
        self.errors: list[str] = []
        self.idle_rounds = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                worked = self.complete_mine() + self.claim_some()
                self.idle_rounds = 0 if worked else self.idle_rounds + 1
                if not worked:
                    time.sleep(0.3)
        except Exception as error:  # reported by the harness
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            self.api.close()

    def complete_mine(self) -> int:
        page = self.api.call("GET", "/api/v1/tasks?queue=mine&limit=20")
        if page.status != 200:
            return 0
        done = 0
        for task in page.body["items"]:
            if self.stop.is_set():
                break
            done += self.complete(task["id"])
        return done

    def claim_some(self) -> int:
        page = self.api.call("GET", "/api/v1/tasks?queue=claimable&limit=10")
        if page.status != 200 or not page.body["items"]:
            return 0
        tasks = page.body["items"]
        chosen = self.random.sample(tasks, k=min(len(tasks), 3))
        done = 0
        for task in chosen:
            if self.stop.is_set():
                break
            answer = self.api.call("POST", f"/api/v1/tasks/{task['id']}/claim")
            with self.api.tally.lock:
                if answer.status == 200:
                    self.api.tally.claims += 1
                else:
                    self.api.tally.claim_conflicts += 1
            if answer.status == 200:
                done += self.complete(task["id"])
        return done

    def complete(self, task_id: str) -> int:
        # Completing twice is refused (the task is no longer open), so a retry after a lost answer is safe.
        answer = self.api.call("POST", f"/api/v1/tasks/{task_id}/complete", {})
        if answer.status == 200:
            with self.api.tally.lock:
                self.api.tally.completed.add(task_id)
            return 1
        return 0
