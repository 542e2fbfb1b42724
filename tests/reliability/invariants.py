"""The invariants the scale-out harness checks in the database after the load, in SQL.

Each check returns a `Check`: its name, whether it held, what was counted and, when it failed, examples
of the rows that broke it. The checks read only; they are run after the cluster has gone quiet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.reliability.world import DOCUMENT_TYPE, PROCESS_KEY, TIMER_NODE, WEBHOOK_NODE

ENTITY = f"document.{DOCUMENT_TYPE}"
EXAMPLES = 5


@dataclass
class Check:
    name: str
    held: bool
    counted: dict[str, int] = field(default_factory=dict)
    broken: list[Any] = field(default_factory=list)

    def line(self) -> str:
        counts = ", ".join(f"{key} {value}" for key, value in self.counted.items())
        verdict = "held" if self.held else f"BROKEN, e.g. {self.broken[:EXAMPLES]}"
        return f"{self.name}: {verdict} ({counts})"


Query = Callable[..., list[tuple[Any, ...]]]


def documents_once(rows: Query, acknowledged: dict[str, bool], unacknowledged: dict[str, bool]) -> Check:
    """Every acknowledged create made exactly one document; a create whose answer was lost made at most one;
    nothing else was made."""
    found: dict[str, int] = {}
    for marker, count in rows(
        "SELECT d.data->>'marker', count(*) FROM documents_document d JOIN documents_documenttype t "
        "ON t.id = d.document_type_id WHERE t.code = %s GROUP BY 1",
        [DOCUMENT_TYPE],
    ):
        found[marker] = count
    broken = [("acknowledged", m, found.get(m, 0)) for m in acknowledged if found.get(m, 0) != 1]
    broken += [("unacknowledged", m, found[m]) for m in unacknowledged if found.get(m, 0) > 1]
    known = acknowledged.keys() | unacknowledged.keys()
    broken += [("unknown marker", m, n) for m, n in found.items() if m not in known]
    return Check(
        "every acknowledged create made exactly one document, a lost answer at most one",
        not broken,
        {
            "acknowledged": len(acknowledged),
            "answer lost": len(unacknowledged),
            "of those made": sum(1 for m in unacknowledged if found.get(m)),
            "documents": sum(found.values()),
        },
        broken,
    )


def starts_once(rows: Query) -> Check:
    """Each qualifying document started exactly one instance (one start row); the others none. A missing
    start is acceptable only as an open rule incident for that record (an administrator sees it)."""
    result = rows(
        "SELECT d.id, (d.data->>'vip')::boolean, "
        " (SELECT count(*) FROM processes_processinstance i WHERE i.entity_type = %s AND i.record_id = d.id), "
        " (SELECT count(*) FROM automation_rulestart s WHERE s.entity_type = %s AND s.record_id = d.id), "
        " (SELECT count(*) FROM automation_ruleincident r WHERE r.entity_type = %s AND r.record_id = d.id "
        "  AND r.state = 'open') "
        "FROM documents_document d JOIN documents_documenttype t ON t.id = d.document_type_id "
        "WHERE t.code = %s",
        [ENTITY, ENTITY, ENTITY, DOCUMENT_TYPE],
    )
    broken = []
    incidents = 0
    for document_id, vip, instances, starts, open_incidents in result:
        if vip and instances == 0 and starts == 0 and open_incidents:
            incidents += 1
            continue
        expected = 1 if vip else 0
        if instances != expected or starts != expected:
            broken.append({"document": document_id, "vip": vip, "instances": instances, "starts": starts})
    qualifying = sum(1 for row in result if row[1])
    return Check(
        "each qualifying document started exactly one process, the others none",
        not broken,
        {"documents": len(result), "qualifying": qualifying, "missing as an incident": incidents},
        broken,
    )


def timers_once(rows: Query) -> Check:
    """The timer of each instance fired at most once, and never both fired and still waiting; after
    quiescence no timer is overdue unless parked on an incident."""
    result = rows(
        "SELECT i.id, "
        " (SELECT count(*) FROM processes_historyentry h WHERE h.instance_id = i.id AND h.node_id = %s), "
        " (SELECT count(*) FROM processes_job j WHERE j.instance_id = i.id AND j.node_id = %s), "
        " (SELECT count(*) FROM processes_job j WHERE j.instance_id = i.id AND j.node_id = %s "
        "  AND j.due_at < now() - interval '30 seconds' "
        "  AND (j.locked_until IS NULL OR j.locked_until < now() + interval '1 day')) "
        "FROM processes_processinstance i WHERE i.process_id = %s",
        [TIMER_NODE, TIMER_NODE, TIMER_NODE, PROCESS_KEY],
    )
    broken = [
        {"instance": instance, "fired": fired, "waiting": waiting, "overdue": overdue}
        for instance, fired, waiting, overdue in result
        if fired > 1 or waiting > 1 or (fired and waiting) or overdue
    ]
    return Check(
        "every timer fired at most once, none fired twice or left overdue",
        not broken,
        {"fired": sum(r[1] for r in result), "waiting": sum(r[2] for r in result)},
        broken,
    )


def completions_once(rows: Query, acknowledged: set[str]) -> Check:
    """Every completed task moved its instance exactly once: one history row for its node, one next step;
    every completion the client saw acknowledged is completed in the database."""
    result = rows(
        "SELECT t.id, t.node_id, t.state, "
        " (SELECT count(*) FROM processes_historyentry h WHERE h.instance_id = t.instance_id "
        "  AND h.node_id = t.node_id AND h.execution_id = t.execution_id), "
        " (SELECT count(*) FROM processes_task o WHERE o.instance_id = t.instance_id AND o.node_id = t.node_id) "
        "FROM processes_task t WHERE t.process_id = %s",
        [PROCESS_KEY],
    )
    states = {task_id: state for task_id, _, state, _, _ in result}
    broken: list[Any] = [
        {"task": task_id, "node": node, "state": state, "history": history, "tasks at node": same_node}
        for task_id, node, state, history, same_node in result
        if same_node != 1 or (state == "completed") != (history == 1) or history > 1
    ]
    broken += [
        {"acknowledged": t, "state": states.get(t)} for t in acknowledged if states.get(t) != "completed"
    ]
    moves = rows(
        "SELECT i.id, "
        " (SELECT count(*) FROM processes_historyentry h WHERE h.instance_id = i.id AND h.node_id = 'review'), "
        " (SELECT count(*) FROM processes_historyentry h WHERE h.instance_id = i.id AND h.node_id = %s) "
        "   + (SELECT count(*) FROM processes_job j WHERE j.instance_id = i.id AND j.node_id = %s), "
        " (SELECT count(*) FROM processes_historyentry h WHERE h.instance_id = i.id AND h.node_id = %s), "
        " (SELECT count(*) FROM processes_historyentry h WHERE h.instance_id = i.id AND h.node_id = %s), "
        " (SELECT count(*) FROM processes_task t WHERE t.instance_id = i.id AND t.node_id = 'confirm'), "
        " (SELECT count(*) FROM processes_historyentry h WHERE h.instance_id = i.id AND h.node_id = 'confirm'), "
        " (SELECT count(*) FROM processes_historyentry h WHERE h.instance_id = i.id AND h.node_id = 'end'), "
        " i.state "
        "FROM processes_processinstance i WHERE i.process_id = %s",
        [TIMER_NODE, TIMER_NODE, TIMER_NODE, WEBHOOK_NODE, PROCESS_KEY],
    )
    for instance, review, timer, fired, announced, confirm_tasks, confirmed, ended, state in moves:
        # Each step follows its predecessor exactly once: review → timer → webhook → confirmation → end.
        path_ok = (
            timer == review
            and announced == fired
            and confirm_tasks == announced
            and ended == confirmed
            and (state == "completed") == (ended == 1)
        )
        if not path_ok:
            broken.append(
                {
                    "instance": instance,
                    "review": review,
                    "timer": timer,
                    "webhook": announced,
                    "confirm tasks": confirm_tasks,
                    "end": ended,
                    "state": state,
                }
            )
    return Check(
        "every completed task moved its instance exactly once",
        not broken,
        {
            "tasks completed": sum(1 for r in result if r[2] == "completed"),
            "acknowledged": len(acknowledged),
            "instances completed": sum(1 for r in moves if r[8] == "completed"),
        },
        broken,
    )


def nothing_stuck(rows: Query) -> Check:
    """Every running instance waits for a reason: an open task, a timer, or an open incident."""
    result = rows(
        "SELECT i.id, "
        " (SELECT count(*) FROM processes_task t WHERE t.instance_id = i.id AND t.state = 'open'), "
        " (SELECT count(*) FROM processes_job j WHERE j.instance_id = i.id), "
        " (SELECT count(*) FROM processes_incident n WHERE n.instance_id = i.id AND n.state = 'open') "
        "FROM processes_processinstance i WHERE i.process_id = %s AND i.state NOT IN ('completed', 'terminated', 'cancelled')",
        [PROCESS_KEY],
    )
    broken = [{"instance": r[0]} for r in result if not (r[1] or r[2] or r[3])]
    return Check(
        "no running instance is stuck without a reason",
        not broken,
        {
            "running": len(result),
            "at a task": sum(1 for r in result if r[1]),
            "at a timer": sum(1 for r in result if r[2]),
            "with an incident": sum(1 for r in result if r[3]),
        },
        broken,
    )


def webhooks_accounted(rows: Query, received: dict[str, int]) -> Check:
    """Every instance past the webhook step published exactly one message with one delivery to the endpoint;
    each delivery is sent (and the endpoint has it), or waiting for a retry, or given up with the
    administrators told — never lost."""
    result = rows(
        "SELECT i.id, m.message_id, d.status, d.next_attempt_at, d.lease_expires_at < now(), "
        " (SELECT count(*) FROM notifications_notification n WHERE n.kind = 'delivery.dead' "
        "  AND n.data->'deliveries' @> to_jsonb(d.id)) "
        "FROM processes_processinstance i "
        "JOIN processes_historyentry h ON h.instance_id = i.id AND h.node_id = %s "
        "LEFT JOIN notifications_webhookmessage m ON (m.body::jsonb)->'data'->>'instance' = i.id "
        "LEFT JOIN notifications_delivery d ON d.message_id = m.id "
        "WHERE i.process_id = %s",
        [WEBHOOK_NODE, PROCESS_KEY],
    )
    per_instance: dict[str, int] = {}
    broken: list[Any] = []
    statuses: dict[str, int] = {}
    for instance, message_id, status, next_attempt_at, lease_expired, dead_notices in result:
        per_instance[instance] = per_instance.get(instance, 0) + 1
        statuses[status or "none"] = statuses.get(status or "none", 0) + 1
        accounted = (
            (status == "sent" and received.get(message_id, 0) >= 1)
            or (status in ("failed", "pending") and next_attempt_at is not None)
            or (status == "sending" and not lease_expired)
            or (status == "dead" and dead_notices > 0)
        )
        if not accounted:
            broken.append({"instance": instance, "message": message_id, "status": status})
    broken += [{"instance": i, "deliveries": n} for i, n in per_instance.items() if n != 1]
    # Why an endpoint may see a message twice (webhooks are at-least-once; receivers dedupe by webhook-id):
    # an attempt that failed after the request had left — a timeout, a cut connection, a killed worker.
    retried, timed_out = rows(
        "SELECT (SELECT count(*) FROM notifications_delivery WHERE attempts > 1), "
        " (SELECT count(*) FROM notifications_deliveryattempt WHERE error ILIKE '%%timed out%%')"
    )[0]
    return Check(
        "every webhook is sent, retried or an administrator's dead letter — none lost",
        not broken,
        {
            **{f"deliveries {name}": count for name, count in sorted(statuses.items())},
            "received by the endpoint": len(received),
            "received more than once": sum(1 for n in received.values() if n > 1),
            "deliveries tried more than once": retried,
            "attempts timed out": timed_out,
        },
        broken,
    )
