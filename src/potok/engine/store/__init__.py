"""Persistence: the Store port the executor talks to, and an in-memory implementation.

Example::

    from potok.engine.store import MemoryStore, Store
    store: Store = MemoryStore()
"""

from potok.engine.store.memory import MemoryStore
from potok.engine.store.port import Store

__all__ = ["MemoryStore", "Store"]
