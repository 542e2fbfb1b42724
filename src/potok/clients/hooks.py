"""Extension points of the client base that other apps fill in from their AppConfig.ready().

MERGE_HOOKS: when two counterparties are merged, each hook is called inside the merge's transaction
after contacts and interactions have moved, as `hook(actor=..., survivor=..., merged=...)`, to move what
its app keeps about the merged counterparty (documents, processes, deals) to the survivor. A hook that
raises cancels the whole merge.

Example (in potok.documents.apps):
    >>> from potok.clients import MERGE_HOOKS
    >>> MERGE_HOOKS.append(move_documents_to_survivor)
"""

from __future__ import annotations

from typing import Any, Protocol


class MergeHook(Protocol):
    def __call__(self, *, actor: Any, survivor: Any, merged: Any) -> None: ...


MERGE_HOOKS: list[MergeHook] = []
