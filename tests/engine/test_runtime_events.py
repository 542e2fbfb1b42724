"""Events: boundary timers and escalations, errors, event subprocesses, messages, signals, terminate,
links, conditional events, event-based gateways, timer kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from potok.engine import (
    ActionContext,
    ActionError,
    ActionRegistry,
    InstanceStatus,
    JobKind,
    MessageNotCorrelated,
)
from potok.engine.calendar import BusinessCalendar, five_day_week
from tests.engine.support import Harness


def test_interrupting_boundary_timer_takes_the_task_away() -> None:
    # given a review with a one-hour deadline
    given = Harness("boundary_timer.bpmn")
    instance = given.start("boundary_timer", {"reminders": 0})
    assert given.tasks(instance) == ["approve", "review"]
    jobs = {job.node_id: job for job in given.store.instance_jobs(instance.id)}
    assert jobs["review_late"].due_at == given.clock.now + timedelta(hours=1)
    # when the hour passes
    given.clock.advance(hours=1)
    given.fire_due()
    # then the review is interrupted and goes to the head of department
    assert given.tasks(instance) == ["approve", "escalated"]
    assert given.outcomes(instance)["review"] == "interrupted"


def test_non_interrupting_cycle_timer_reminds_twice_and_keeps_the_task() -> None:
    given = Harness("boundary_timer.bpmn")
    instance = given.start("boundary_timer", {"reminders": 0})
    # when 10 minutes pass three times (the cycle is R2/PT10M)
    for _ in range(3):
        given.clock.advance(minutes=10)
        given.fire_due()
    # then the reminder ran twice, and "approve" is still open
    assert given.refresh(instance).variables["reminders"] == 2
    assert "approve" in given.tasks(instance)
    assert [job.node_id for job in given.store.instance_jobs(instance.id)] == ["review_late"]
    # and completing everything ends the instance (no timer left behind)
    given.complete(instance, "approve")
    given.complete(instance, "review")
    assert given.refresh(instance).state is InstanceStatus.COMPLETED
    assert given.store.instance_jobs(instance.id) == []


def test_non_interrupting_escalation_informs_the_boss_and_work_goes_on() -> None:
    given = Harness("boundary_escalation.bpmn")
    instance = given.start("boundary_escalation")
    given.complete(instance, "check", {"escalate": "soft"})
    assert given.tasks(instance) == ["finish", "notify_boss"]
    assert given.refresh(instance).variables["escalation_code"] == "soft"
    given.complete(instance, "finish")
    given.complete(instance, "notify_boss")
    assert given.refresh(instance).state is InstanceStatus.COMPLETED


def test_interrupting_escalation_end_event_hands_over_to_the_director() -> None:
    given = Harness("boundary_escalation.bpmn")
    instance = given.start("boundary_escalation")
    given.complete(instance, "check", {"escalate": "hard"})
    assert given.tasks(instance) == ["handle_hard"]
    assert given.outcomes(instance)["sub"] == "interrupted"
    given.complete(instance, "handle_hard")
    assert given.refresh(instance).state is InstanceStatus.COMPLETED


def test_error_end_event_is_caught_by_the_boundary_of_its_subprocess() -> None:
    given = Harness("error_boundary.bpmn")
    instance = given.start("error_boundary")
    given.complete(instance, "collect", {"documents_complete": False})
    assert given.tasks(instance) == ["request_documents"]
    assert given.refresh(instance).variables["error_code"] == "E42"
    assert "sub_end" not in given.history(instance)


def test_an_action_error_is_caught_by_the_boundary_on_the_service_task() -> None:
    actions = ActionRegistry()

    @actions.register("payments.charge")
    def charge(context: ActionContext) -> None:
        raise ActionError("card_declined", "the bank said no")

    given = Harness("error_boundary.bpmn", actions=actions)
    instance = given.start("error_boundary")
    given.complete(instance, "collect", {"documents_complete": True, "amount": 10})
    assert given.tasks(instance) == ["call_client"]


def test_an_uncaught_error_is_an_incident() -> None:
    given = Harness("error_boundary.bpmn")
    instance = given.start("uncaught_error")
    (incident,) = given.store.open_incidents(instance.id)
    assert incident.node_id == "u_fail"
    assert "E42" in incident.message
    assert given.refresh(instance).state is InstanceStatus.RUNNING


def test_interrupting_event_subprocess_replaces_the_work() -> None:
    given = Harness("event_subprocess.bpmn")
    instance = given.start("event_subprocess", business_key="order-1")
    given.engine.correlate_message("cancel_request", "order-1", {"reason": "changed my mind"})
    assert given.tasks(instance) == ["handle_cancel"]
    assert given.outcomes(instance)["work"] == "interrupted"
    # the other event subprocess no longer listens
    with pytest.raises(MessageNotCorrelated):
        given.engine.correlate_message("note", "order-1")
    given.complete(instance, "handle_cancel")
    done = given.refresh(instance)
    assert done.state is InstanceStatus.COMPLETED
    assert done.variables["reason"] == "changed my mind"


def test_non_interrupting_event_subprocess_runs_beside_the_work_every_time() -> None:
    given = Harness("event_subprocess.bpmn")
    instance = given.start("event_subprocess", business_key="order-2")
    given.engine.correlate_message("note", "order-2")
    given.engine.correlate_message("note", "order-2")
    assert given.tasks(instance) == ["read_note", "read_note", "work"]
    given.complete(instance, "work")
    # the process waits for the notes being read before it completes
    assert given.refresh(instance).state is InstanceStatus.RUNNING
    given.complete(instance, "read_note")
    given.complete(instance, "read_note")
    assert given.refresh(instance).state is InstanceStatus.COMPLETED


def test_messages_start_an_instance_and_correlate_by_key() -> None:
    given = Harness("messages.bpmn")
    # when two orders arrive by message
    first = given.engine.correlate_message("new_order", "A-1", {"order_id": "A-1"})
    second = given.engine.correlate_message("new_order", "A-2", {"order_id": "A-2"})
    assert first.id != second.id
    assert given.tasks(first) == ["wait_payment"]
    # then a payment for A-2 reaches only the second
    reached = given.engine.correlate_message("payment", "A-2", {"paid": 100})
    assert reached.id == second.id
    assert given.tasks(second) == []
    assert given.tasks(first) == ["wait_payment"]
    given.engine.correlate_message("shipped", "A-2")
    assert given.refresh(second).state is InstanceStatus.COMPLETED
    assert given.refresh(second).variables == {"order_id": "A-2", "paid": 100}
    # and a message nobody waits for is refused with a clear error
    with pytest.raises(MessageNotCorrelated, match="shipped"):
        given.engine.correlate_message("shipped", "A-9")


def test_a_signal_reaches_every_waiting_instance_and_starts_processes() -> None:
    given = Harness("signals.bpmn")
    traders = [given.start("trader") for _ in range(3)]
    reached = given.engine.broadcast_signal("market_closed")
    assert set(reached) >= {trader.id for trader in traders}
    assert all(given.refresh(trader).state is InstanceStatus.COMPLETED for trader in traders)
    reports = [i for i in given.store.instances.values() if i.process_id == "report"]
    assert len(reports) == 1


def test_a_thrown_signal_is_broadcast_after_the_throwing_step_is_saved() -> None:
    given = Harness("signals.bpmn")
    trader = given.start("trader")
    given.start("announcer")
    assert given.refresh(trader).state is InstanceStatus.COMPLETED


def test_terminate_end_inside_parallel_branches_ends_everything() -> None:
    given = Harness("terminate_parallel.bpmn")
    instance = given.start("terminate_parallel")
    assert given.tasks(instance) == ["a", "b", "x", "y"]
    # when the subprocess's terminate end is reached, only the subprocess ends
    given.complete(instance, "x")
    assert given.tasks(instance) == ["a", "after_sub", "b"]
    assert given.outcomes(instance)["y"] == "terminated"
    # when the process's terminate end is reached, everything ends
    given.complete(instance, "a")
    done = given.refresh(instance)
    assert done.state is InstanceStatus.TERMINATED
    assert given.tasks(instance) == []
    assert given.outcomes(instance)["b"] == "terminated"


def test_link_conditional_event_gateway_and_timers() -> None:
    calendar = BusinessCalendar(time_zone="Europe/Moscow", week=five_day_week())
    given = Harness("events_misc.bpmn", calendar=calendar)
    instance = given.start("events_misc")
    # the link jumped to the conditional event, which waits for `ready`
    assert given.history(instance)[:2] == ["start", "jump"]
    assert [s.node_id for s in given.store.subscriptions(instance.id)] == ["wait_ready"]
    given.engine.set_variables(instance.id, {"ready": True})
    # now the event-based gateway waits for an answer or two days
    waiting = sorted(s.node_id for s in given.store.subscriptions(instance.id))
    assert waiting == ["got_answer"]
    (timeout,) = given.store.instance_jobs(instance.id)
    assert timeout.due_at == given.clock.now + timedelta(days=2)
    given.engine.correlate_message("answer", None, {"answer": "yes"})
    assert given.store.instance_jobs(instance.id)[0].node_id == "until_date"
    assert given.store.instance_jobs(instance.id)[0].due_at == datetime(2030, 1, 1, 6, 0, tzinfo=UTC)
    assert "timeout" not in given.history(instance)
    given.clock.now = datetime(2030, 1, 1, 6, 0, tzinfo=UTC)
    given.fire_due()
    # the working-time timer counts two working days on the business calendar
    (deadline,) = given.store.instance_jobs(instance.id)
    assert deadline.node_id == "work_deadline"
    assert deadline.due_at == calendar.add_working_time(given.clock.now, _two_working_days())
    given.clock.now = deadline.due_at
    given.fire_due()
    assert given.refresh(instance).state is InstanceStatus.COMPLETED


def _two_working_days():  # type: ignore[no-untyped-def]
    from potok.engine.calendar import parse_working_duration

    return parse_working_duration("2 working days")


def test_timer_start_event_cycle_starts_three_instances() -> None:
    given = Harness("events_misc.bpmn")
    (job,) = given.engine.schedule_start_timers(given.process("ticker"))
    assert job.kind is JobKind.START_TIMER
    for _ in range(5):
        given.clock.advance(minutes=10)
        given.fire_due()
    started = [i for i in given.store.instances.values() if i.process_id == "ticker"]
    assert len(started) == 3
    assert all(i.state is InstanceStatus.COMPLETED for i in started)


def test_a_send_task_delivers_its_message_to_the_instance_with_the_same_key() -> None:
    given = Harness("messages.bpmn")
    order = given.engine.correlate_message("new_order", "B-7", {"order_id": "B-7"})
    other = given.engine.correlate_message("new_order", "B-8", {"order_id": "B-8"})
    # when another process sends the payment for B-7
    given.start("payer", {"order_id": "B-7", "paid": 250})
    # then only the order B-7 moves on, and it got the sender's variables as the payload
    assert [s.node_id for s in given.store.subscriptions(order.id)] == ["wait_shipment"]
    assert [s.node_id for s in given.store.subscriptions(other.id)] == ["wait_payment"]
    assert given.refresh(order).variables["paid"] == 250
