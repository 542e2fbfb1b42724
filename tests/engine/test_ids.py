"""The engine's ids: unique, valid UUID values, and in creation order, so that new rows land at the right
edge of their indexes."""

from __future__ import annotations

import os
import uuid
from unittest import mock

from potok.engine.runtime import IdFactory


def test_ids_of_one_factory_are_unique_uuid_values_in_order() -> None:
    new_id = IdFactory()
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert ids == sorted(ids)
    assert all(uuid.UUID(value).hex == value for value in ids)


def test_a_later_factory_makes_greater_ids() -> None:
    with mock.patch("potok.engine.runtime.engine.time.time", return_value=1_800_000_000):
        earlier = IdFactory()
    with mock.patch("potok.engine.runtime.engine.time.time", return_value=1_800_000_001):
        later = IdFactory()
    first = [earlier() for _ in range(10)]
    assert later() > max(first)


def test_two_factories_of_the_same_second_do_not_collide() -> None:
    with mock.patch("potok.engine.runtime.engine.time.time", return_value=1_800_000_000):
        factories = [IdFactory() for _ in range(50)]
    ids = [factory() for factory in factories for _ in range(3)]
    assert len(set(ids)) == len(ids)


def test_the_process_shares_one_factory_and_a_forked_child_gets_its_own() -> None:
    shared = IdFactory.shared()
    assert IdFactory.shared() is shared
    parent_id = shared()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read)
        os.write(write, IdFactory.shared()().encode())
        os._exit(0)
    os.close(write)
    child_id = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(child, 0)
    assert len(child_id) == 32
    assert child_id[:16] != parent_id[:16]
    assert IdFactory.shared() is shared
