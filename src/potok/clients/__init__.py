"""Client base: counterparties, their contacts and interactions, duplicates and merging.

Other apps extend the merge through `MERGE_HOOKS` (see potok.clients.hooks)."""

from potok.clients.hooks import MERGE_HOOKS

__all__ = ["MERGE_HOOKS"]
