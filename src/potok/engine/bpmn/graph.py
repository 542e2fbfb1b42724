"""Graph facts precomputed for the executor: what can reach an inclusive join, link targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def upstream_of(
    join_id: str,
    incoming_sources: Mapping[str, Iterable[str]],
) -> frozenset[str]:
    """Every node (of the join's scope) with a path to `join_id` that does not pass through it.

    `incoming_sources` maps a node to the nodes that lead into it: sequence-flow sources, plus the
    attached activity for a boundary event and the link throws for a link catch. A token on one of
    these nodes can still arrive at the join, so the join waits for it.

    Example::

        upstream_of("join", {"join": ["a", "b"], "a": ["split"], "b": ["split"], "split": []})
        # frozenset({"a", "b", "split"})
    """
    seen: set[str] = set()
    pending = [source for source in incoming_sources.get(join_id, ()) if source != join_id]
    while pending:
        node_id = pending.pop()
        if node_id in seen or node_id == join_id:
            continue
        seen.add(node_id)
        pending.extend(incoming_sources.get(node_id, ()))
    return frozenset(seen)


def reachable_from(starts: Iterable[str], successors: Mapping[str, Iterable[str]]) -> set[str]:
    """Nodes reachable from `starts` following `successors` (starts included)."""
    seen: set[str] = set()
    pending = list(starts)
    while pending:
        node_id = pending.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        pending.extend(successors.get(node_id, ()))
    return seen
