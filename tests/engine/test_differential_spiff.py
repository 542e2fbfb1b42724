"""Differential tests: the same corpus model, the same data, SpiffWorkflow 3.2 and Potok in lock-step.

Every BPMN file of the corpora is either run here (DIFFERENTIAL) or listed in SKIPPED with the
reason. Spiff conditions are Python; a file runs here only when its conditions mean the same in
Potok's expression language (`amount > 10000`, `x == 'a'`, `not done`).
"""

from __future__ import annotations

import pytest

from tests.engine.differential import Case, run_both
from tests.engine.support import CORPORA

SPIFF = "spiffworkflow/bpmn/data/"
FLOWS = SPIFF + "Test-Workflows/"
CAMUNDA = "spiffworkflow/camunda/data/"
SPIFF_EXT = "spiffworkflow/spiff/data/"
QA = "camunda7-qa/"

# file -> the runs to compare (several when the data picks different paths)
DIFFERENTIAL: dict[str, list[Case]] = {
    QA + "EmbeddedSubprocessPerformanceTest.sync1Subprocess.bpmn": [Case(parser="camunda")],
    QA + "EmbeddedSubprocessPerformanceTest.sync2Subprocesses.bpmn": [Case(parser="camunda")],
    QA + "EmbeddedSubprocessPerformanceTest.sync3Subprocesses.bpmn": [Case(parser="camunda")],
    QA + "IntermediateCatchPerformanceTest.singleMessage.bpmn": [Case(parser="camunda")],
    QA + "SequencePerformanceTest.syncSequence1Step.bpmn": [Case(parser="camunda")],
    QA + "SequencePerformanceTest.syncSequence5Steps.bpmn": [Case(parser="camunda")],
    QA + "SequencePerformanceTest.syncSequence15Steps.bpmn": [Case(parser="camunda")],
    QA + "StartEventPerformanceTest.noneStartEvent.bpmn": [Case(parser="camunda")],
    QA + "UserTaskPerformanceTest.singleTask.bpmn": [Case(parser="camunda")],
    "miwg/bpmn.io-exports/A.4.0-export.bpmn": [Case()],
    "miwg/bpmn.io-exports/A.4.1-export.bpmn": [Case()],
    SPIFF + "Approvals.bpmn": [Case()],
    SPIFF + "ParallelOrder.bpmn": [Case()],
    FLOWS + "Message-Interrupts-SP.bpmn20.xml": [Case()],
    FLOWS + "Message-Interrupts.bpmn20.xml": [Case()],
    FLOWS + "Message-Non-Interrupt-SP.bpmn20.xml": [Case()],
    FLOWS + "Message-Non-Interrupt.bpmn20.xml": [Case()],
    FLOWS + "Messages.bpmn20.xml": [Case()],
    FLOWS + "Multi-Instance.bpmn20.xml": [Case()],
    FLOWS + "Nested-Sub-level1.bpmn20.xml": [Case(also=(FLOWS + "Nested-Sub-level2.bpmn20.xml",))],
    FLOWS + "Nested-Sub-level2.bpmn20.xml": [Case()],
    FLOWS + "Nested-Subprocesses.bpmn20.xml": [
        Case(also=(FLOWS + "Nested-Sub-level1.bpmn20.xml", FLOWS + "Nested-Sub-level2.bpmn20.xml"))
    ],
    FLOWS + "Parallel-Join-Long-Inclusive.bpmn20.xml": [
        Case(variables={"choice": "Yes"}),
        Case(variables={"choice": "No"}),
    ],
    FLOWS + "Parallel-Many-Threads-At-Same-Point.bpmn20.xml": [Case()],
    FLOWS + "Parallel-Multiple-Splits-And-Joins.bpmn20.xml": [Case()],
    FLOWS + "Parallel-One-Path-Ends.bpmn20.xml": [
        Case(variables={"choice": "Yes"}),
        Case(variables={"choice": "No"}),
    ],
    FLOWS + "Parallel-Then-Exclusive.bpmn20.xml": [
        Case(variables={"choice": "Yes"}),
        Case(variables={"choice": "No"}),
    ],
    FLOWS + "Parallel-Then-Exclusive-No-Inclusive.bpmn20.xml": [
        Case(variables={"choice": "Yes"}),
        Case(variables={"choice": "No"}),
    ],
    FLOWS + "Parallel.camunda.bpmn20.xml": [Case()],
    SPIFF + "boundary_event_split.bpmn": [Case()],
    SPIFF + "call_activity_nested/call_activity_level_2b.bpmn": [Case()],
    SPIFF + "diff/v1.bpmn": [Case()],
    SPIFF + "diff/v2.bpmn": [Case()],
    SPIFF + "diff/v3.bpmn": [Case()],
    SPIFF + "diff/v4.bpmn": [Case()],
    SPIFF + "diff/v5.bpmn": [Case()],
    SPIFF + "event-gateway.bpmn": [Case()],
    SPIFF + "exclusive_gateway_no_default.bpmn": [Case(variables={"x": 2})],
    SPIFF + "lanes.bpmn": [
        Case(variables={"NeedClarification": "Yes"}),
        Case(variables={"NeedClarification": "No"}),
    ],
    SPIFF + "multiple-throw.bpmn": [Case()],
    SPIFF + "no-tasks.bpmn": [Case()],
    SPIFF + "reset_with_boundary_event.bpmn": [Case()],
    SPIFF + "resetworkflowA-sublevel.bpmn": [Case()],
    SPIFF + "resetworkflowB-sublevel.bpmn": [Case()],
    SPIFF + "return_to_event.bpmn": [Case()],
    SPIFF + "standard_loop.bpmn": [Case(variables={"done": False})],
    SPIFF + "timer.bpmn": [Case()],
    SPIFF + "uncaught_escalation.bpmn": [Case()],
    CAMUNDA + "MessageBoundary.bpmn": [Case(variables={"interrupt_task": "Yes"}, parser="camunda")],
    CAMUNDA + "no_form.bpmn": [Case(parser="camunda")],
    CAMUNDA + "noninterrupting-MessageBoundary.bpmn": [
        Case(variables={"flag_task": "Yes"}, parser="camunda")
    ],
    CAMUNDA + "parallel_multiinstance_collection.bpmn": [
        Case(variables={"input_data": [1, 2, 3]}, parser="camunda")
    ],
    CAMUNDA + "subWorkflowComplex.bpmn": [Case(parser="camunda")],
    CAMUNDA + "token_trial_nested_parallel.bpmn": [Case(parser="camunda")],
    CAMUNDA + "token_trial_parallel_matrix.bpmn": [Case(parser="camunda")],
    CAMUNDA + "token_trial_subprocess.bpmn": [Case(parser="camunda")],
    SPIFF_EXT + "default_correlation_key.bpmn": [Case(parser="spiff")],
    SPIFF_EXT + "spiff_properties.bpmn": [Case(parser="spiff")],
    SPIFF_EXT + "user_task_variable.bpmn": [Case(parser="spiff")],
    SPIFF_EXT + "waiting_event.bpmn": [Case(parser="spiff")],
}

PYTHON = "Python script task: Potok's reader refuses it"
NOT_EXECUTABLE = (
    "descriptive model: its process is not executable (isExecutable=false), SpiffWorkflow refuses it"
)
DESCRIPTIVE = "descriptive model: conditions, timers or loops are left empty or in prose"
RECEIVE = "receive tasks without a message: Potok (like Camunda) waits at them, SpiffWorkflow passes through"
JUEL = "Camunda JUEL conditions/timers (${...}, PT10S) that SpiffWorkflow evaluates as Python"
MESSAGE_START = (
    "starts by a message or signal start event: the lock-step driver starts instances at a plain start"
)
REAL_TIMER = "SpiffWorkflow timers run on the wall clock (a few ms); the lock-step driver cannot align them"
PYTHON_DATA = (
    "conditions or payloads are Python (dicts, vars(), True/False, data objects) with no Potok equivalent"
)
NO_DMN = "needs a DMN file that is not in the corpus"
UNCONDITIONED = "exclusive gateways without conditions (the old Spiff tests chose the path by hand)"
SPIFF_EXTENSIONS = "SpiffWorkflow's own extensions (pre/post scripts, service operators, payloads) are Python"
INVALID = "deliberately invalid: test_reader_corpora checks the rejection names the element"

SKIPPED: dict[str, str] = {
    QA + "AsyncStartAndTimerPerformanceTest.test.bpmn": JUEL,
    QA + "BoundaryEventPerformanceTest.interruptingOnConcurrentTask.bpmn": RECEIVE,
    QA + "BoundaryEventPerformanceTest.interruptingOnTask.bpmn": RECEIVE,
    QA + "BoundaryEventPerformanceTest.nonInterruptingOnConcurrentTask.bpmn": RECEIVE,
    QA + "BoundaryEventPerformanceTest.nonInterruptingOnTask.bpmn": RECEIVE,
    QA + "DmnBusinessRuleTaskTest.businessRuleTask.bpmn": NO_DMN,
    QA
    + "DmnBusinessRuleTaskTest.noop.bpmn": "a service task with a Camunda Java expression: Potok raises an "
    "incident for the missing action, SpiffWorkflow stops silently",
    QA + "EmbeddedSubprocessPerformanceTest.async1Subprocess.bpmn": RECEIVE,
    QA + "EmbeddedSubprocessPerformanceTest.async2Subprocesses.bpmn": RECEIVE,
    QA + "EmbeddedSubprocessPerformanceTest.async3Subprocesses.bpmn": RECEIVE,
    QA + "ExclusiveGatewayPerformanceTest.sync1gateway.bpmn": JUEL,
    QA + "ExclusiveGatewayPerformanceTest.sync2gateways.bpmn": JUEL,
    QA + "ExclusiveGatewayPerformanceTest.sync5gateways.bpmn": JUEL,
    QA + "MultiInstancePerformanceTest.oneAsyncServiceTask.bpmn": "a service task with a Camunda Java class: "
    "Potok raises an incident for the missing action, SpiffWorkflow stops silently",
    QA + "MultiInstancePerformanceTest.subProcessWithAsyncCallActivity.bpmn": "calls a process whose service "
    "task is a Camunda Java class (see oneAsyncServiceTask); SpiffWorkflow does not enter the subprocess",
    QA + "SequencePerformanceTest.asyncSequence1Step.bpmn": RECEIVE,
    QA + "SequencePerformanceTest.asyncSequence5Steps.bpmn": RECEIVE,
    QA + "SequencePerformanceTest.asyncSequence15Steps.bpmn": RECEIVE,
    QA + "StartEventPerformanceTest.messageStartEvent.bpmn": MESSAGE_START,
    "miwg/A.1.0.bpmn": NOT_EXECUTABLE,
    "miwg/A.2.0.bpmn": NOT_EXECUTABLE,
    "miwg/A.2.1.bpmn": NOT_EXECUTABLE,
    "miwg/A.3.0.bpmn": NOT_EXECUTABLE,
    "miwg/A.4.0.bpmn": NOT_EXECUTABLE,
    "miwg/A.4.1.bpmn": NOT_EXECUTABLE,
    "miwg/B.1.0.bpmn": "data stores without an implementation (SpiffWorkflow refuses them)",
    "miwg/B.2.0.bpmn": DESCRIPTIVE,
    "miwg/C.1.0.bpmn": MESSAGE_START,
    "miwg/C.1.1.bpmn": "XPath conditions (bpmn:getDataObject) and data stores",
    "miwg/C.2.0.bpmn": MESSAGE_START,
    "miwg/C.3.0.bpmn": "conditions written in prose ('Service Level == ...')",
    "miwg/C.4.0.bpmn": "data stores without an implementation (SpiffWorkflow refuses them)",
    "miwg/C.5.0.bpmn": "data stores without an implementation (SpiffWorkflow refuses them)",
    "miwg/C.6.0.bpmn": DESCRIPTIVE,
    "miwg/C.7.0.bpmn": DESCRIPTIVE,
    "miwg/C.8.0.bpmn": "conditions written in prose ('Vacation Approval = ...')",
    "miwg/C.8.1.bpmn": "conditions written in prose ('Vacation Approval = ...')",
    "miwg/C.9.0.bpmn": "FEEL quantified expressions (some ... satisfies) and no decision for its rule task",
    "miwg/C.9.1.bpmn": JUEL,
    "miwg/C.9.2.bpmn": DESCRIPTIVE,
    "miwg/bpmn.io-exports/A.1.0-export.bpmn": NOT_EXECUTABLE,
    "miwg/bpmn.io-exports/A.2.0-export.bpmn": NOT_EXECUTABLE,
    "miwg/bpmn.io-exports/A.2.1-export.bpmn": "a task with several unconditioned outgoing flows: SpiffWorkflow "
    "refuses the file",
    "miwg/bpmn.io-exports/A.3.0-export.bpmn": "a subprocess without a start event: SpiffWorkflow refuses the file",
    "miwg/bpmn.io-exports/B.1.0-export.bpmn": DESCRIPTIVE,
    "miwg/bpmn.io-exports/B.2.0-export.bpmn": DESCRIPTIVE,
    "miwg/bpmn.io-exports/C.1.0-export.bpmn": DESCRIPTIVE,
    "miwg/bpmn.io-exports/C.1.1-export.bpmn": UNCONDITIONED,
    "miwg/bpmn.io-exports/C.2.0-export.bpmn": MESSAGE_START,
    "miwg/bpmn.io-exports/C.3.0-export.bpmn": DESCRIPTIVE,
    "miwg/bpmn.io-exports/C.4.0-export.bpmn": NOT_EXECUTABLE,
    "miwg/bpmn.io-exports/C.5.0-export.bpmn": "data associations SpiffWorkflow cannot resolve",
    "miwg/bpmn.io-exports/C.6.0-export.bpmn": DESCRIPTIVE,
    "miwg/bpmn.io-exports/C.7.0-export.bpmn": DESCRIPTIVE,
    "miwg/bpmn.io-exports/C.8.0-export.bpmn": NOT_EXECUTABLE,
    "miwg/bpmn.io-exports/C.8.1-export.bpmn": NOT_EXECUTABLE,
    "miwg/bpmn.io-exports/C.9.0-export.bpmn": "a business rule task without a decision: SpiffWorkflow refuses it",
    "miwg/bpmn.io-exports/C.9.1-export.bpmn": DESCRIPTIVE,
    "miwg/bpmn.io-exports/C.9.2-export.bpmn": DESCRIPTIVE,
    FLOWS + "Action-Management.bpmn20.xml": UNCONDITIONED,
    FLOWS + "CallActivity-Escalation-Test-Sub.bpmn20.xml": PYTHON_DATA,
    FLOWS + "CallActivity-Escalation-Test.bpmn20.xml": PYTHON,
    FLOWS + "Parallel-Join-Long.bpmn20.xml": UNCONDITIONED,
    FLOWS + "Parallel-Looping-After-Join.bpmn20.xml": UNCONDITIONED,
    FLOWS + "Parallel-Many-Threads-At-Same-Point-Nested.bpmn20.xml": "call activities without calledElement",
    FLOWS + "Parallel-Multiple-Splits.bpmn20.xml": UNCONDITIONED,
    FLOWS
    + "Parallel-Through-Same-Task.bpmn20.xml": "SpiffWorkflow fires the inclusive join while a token that "
    "can still reach it waits at 'Choice 1'; Potok follows the BPMN rule and waits for it",
    FLOWS + "Scripts.bpmn20.xml": PYTHON,
    FLOWS + "Test-Workflows.bpmn20.xml": UNCONDITIONED,
    FLOWS + "Timer-Intermediate.bpmn20.xml": REAL_TIMER,
    SPIFF + "ScriptTest.bpmn": PYTHON,
    SPIFF + "boundary.bpmn": REAL_TIMER,
    SPIFF + "boundary_timer_on_task.bpmn": PYTHON,
    SPIFF + "call_activity_call_activity.bpmn": PYTHON,
    SPIFF + "call_activity_end_event.bpmn": PYTHON,
    SPIFF
    + "call_activity_nested/call_activity_level_2.bpmn": "calls Level3, which calls itself (a call cycle "
    "that validation reports)",
    SPIFF
    + "call_activity_nested/call_activity_level_3.bpmn": "calls itself: a call cycle (validation reports "
    "it; the executor stops it with an incident at depth 20)",
    SPIFF + "call_activity_nested/call_activity_nested.bpmn": "a business rule task needing level2c.dmn",
    SPIFF + "call_activity_with_error.bpmn": PYTHON,
    SPIFF + "collaboration.bpmn": PYTHON_DATA,
    SPIFF + "conditional_event.bpmn": PYTHON_DATA,
    SPIFF + "correlation.bpmn": PYTHON_DATA,
    SPIFF + "correlation_two_conversations.bpmn": PYTHON_DATA,
    SPIFF + "custom_function_test.bpmn": PYTHON,
    SPIFF + "custom_function_test_call_activity.bpmn": PYTHON,
    SPIFF + "data_object.bpmn": PYTHON_DATA,
    SPIFF + "data_object_gateway.bpmn": PYTHON_DATA,
    SPIFF + "data_object_invalid.bpmn": "duplicate ids: Potok's reader refuses it",
    SPIFF + "data_store.bpmn": PYTHON,
    SPIFF + "data_store_read.bpmn": PYTHON,
    SPIFF + "data_store_write.bpmn": PYTHON,
    SPIFF + "event-subprocess.bpmn": "the process signals its own interrupting event subprocess: Potok "
    "interrupts the throwing token, SpiffWorkflow lets it finish first (same end, other step)",
    SPIFF + "gateway_loop_input.bpmn": PYTHON,
    SPIFF + "inclusive_gateway.bpmn": PYTHON,
    SPIFF + "invalid_cancel.bpmn": PYTHON,
    SPIFF + "io_spec.bpmn": PYTHON,
    SPIFF + "io_spec_on_task.bpmn": PYTHON,
    SPIFF + "io_spec_parent.bpmn": PYTHON,
    SPIFF + "multiple-start-parallel.bpmn": MESSAGE_START,
    SPIFF + "multiple-start.bpmn": MESSAGE_START,
    SPIFF + "multiple-throw-start.bpmn": MESSAGE_START,
    SPIFF + "multiple_call_activities.bpmn": "calls a process that is not in the corpus",
    SPIFF + "nested_call_activity.bpmn": "calls a process that is not in the corpus",
    SPIFF
    + "parallel_multiinstance_cardinality.bpmn": "SpiffWorkflow requires the output item of each instance "
    "to be set by a Python script",
    SPIFF
    + "parallel_multiinstance_invalid.bpmn": "both a cardinality and an input collection: SpiffWorkflow "
    "refuses it",
    SPIFF
    + "parallel_multiinstance_loop_input.bpmn": "SpiffWorkflow requires the output item of each instance "
    "to be set by a Python script",
    SPIFF + "performance_test.bpmn": PYTHON,
    SPIFF + "random_fact.bpmn": PYTHON,
    SPIFF + "resetworkflowA-toplevel.bpmn": PYTHON,
    SPIFF + "resetworkflowB-toplevel.bpmn": PYTHON,
    SPIFF + "script-start.bpmn": PYTHON,
    SPIFF + "sequential_multiinstance_cardinality.bpmn": "SpiffWorkflow requires the output item of each "
    "instance to be set by a Python script",
    SPIFF + "sequential_multiinstance_loop_input.bpmn": "SpiffWorkflow requires the output item of each "
    "instance to be set by a Python script",
    SPIFF + "service_task.bpmn": "a service task with no action: Potok raises an incident, SpiffWorkflow's "
    "default engine stops silently",
    SPIFF + "single_call_activity.bpmn": "calls a process that is not in the corpus",
    SPIFF + "standard_loop_invalid.bpmn": "a loop without condition or maximum: both refuse it",
    SPIFF + "start_event_split.bpmn": MESSAGE_START,
    SPIFF
    + "task_data_size.bpmn": "an undeclared script `'a' * 512` is Python string repetition; in Potok it "
    "is an error (incident)",
    SPIFF + "timer-cycle-start.bpmn": PYTHON,
    SPIFF + "timer-cycle.bpmn": PYTHON,
    SPIFF + "timer-date-start.bpmn": PYTHON,
    SPIFF + "timer-non-interrupt-boundary.bpmn": REAL_TIMER,
    SPIFF + "transaction.bpmn": PYTHON,
    SPIFF + "Invalid-Workflows/Disconnected-Boundary-Event.bpmn20.xml": INVALID,
    SPIFF + "Invalid-Workflows/No-Start-Event.bpmn20.xml": INVALID,
    SPIFF + "Invalid-Workflows/Subprocess-Not-Found.bpmn20.xml": INVALID,
    SPIFF + "Invalid-Workflows/Unsupported-Task.bpmn20.xml": INVALID,
    SPIFF + "Invalid-Workflows/non-executable-process.bpmn": INVALID,
    CAMUNDA + "DMNMultiInstance.bpmn": PYTHON,
    CAMUNDA + "ExclusiveGatewayIfElseAndDecision.bpmn": NO_DMN,
    CAMUNDA + "call_activity_with_message.bpmn": PYTHON_DATA,
    CAMUNDA + "call_activity_with_message_parent.bpmn": MESSAGE_START,
    CAMUNDA + "external_message.bpmn": "scriptFormat 'reset' (a Spiff test hook): Potok's reader refuses it",
    CAMUNDA + "invalid/InvalidDecision.bpmn": NO_DMN,
    CAMUNDA + "message_test.bpmn": MESSAGE_START,
    CAMUNDA
    + "parallel_multiinstance_cardinality.bpmn": "camunda:collection is the input collection in Camunda "
    "(and Potok); SpiffWorkflow's Camunda parser treats it as the output",
    CAMUNDA + "random_fact.bpmn": PYTHON,
    CAMUNDA + "token_trial_parallel_simple.bpmn": "the condition `skipParallel == False` uses Python's False",
    SPIFF_EXT + "business_rule_task.bpmn": NO_DMN,
    SPIFF_EXT + "correlation.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "correlation_two_conversations.bpmn": PYTHON,
    SPIFF_EXT + "data_object.bpmn": PYTHON_DATA,
    SPIFF_EXT + "error_event_payload.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "escalation_event_payload.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "human_task_metadata.bpmn": PYTHON,
    SPIFF_EXT + "prescript_postscript.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "prescript_postscript_call_activity.bpmn": PYTHON,
    SPIFF_EXT + "prescript_postscript_data_object.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "prescript_postscript_parent.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "receive_correlations.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "script_on_mi.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "script_task_with_unit_tests.bpmn": PYTHON,
    SPIFF_EXT + "service_task.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "service_task_retry_without_backoff.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "service_task_variable.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "signal_event_payload.bpmn": SPIFF_EXTENSIONS,
    SPIFF_EXT + "spiff_multiinstance.bpmn": SPIFF_EXTENSIONS,
}


def _corpus_files() -> list[str]:
    if not CORPORA.is_dir():
        return []
    return sorted(
        str(path.relative_to(CORPORA))
        for path in CORPORA.rglob("*")
        if path.suffix == ".bpmn" or path.name.endswith(".bpmn20.xml")
    )


def test_every_corpus_file_is_compared_or_skipped_with_a_reason() -> None:
    files = _corpus_files()
    if not files:
        pytest.skip(f"the corpora are absent ({CORPORA})")
    both = set(DIFFERENTIAL) & set(SKIPPED)
    assert not both, f"listed twice: {sorted(both)}"
    unlisted = sorted(set(files) - set(DIFFERENTIAL) - set(SKIPPED))
    assert not unlisted, f"neither compared nor skipped: {unlisted}"
    stale = sorted((set(DIFFERENTIAL) | set(SKIPPED)) - set(files))
    assert not stale, f"listed but not in the corpus: {stale}"
    assert all(reason.strip() for reason in SKIPPED.values())


CASES = [
    pytest.param(relative, case, id=f"{relative}#{index}")
    for relative, cases in DIFFERENTIAL.items()
    for index, case in enumerate(cases)
]


@pytest.mark.parametrize(("relative", "case"), CASES)
def test_potok_and_spiffworkflow_take_the_same_path(relative: str, case: Case) -> None:
    if not (CORPORA / relative).is_file():
        pytest.skip(f"{CORPORA / relative} is absent")
    # given the same model and data in both engines, driven in lock-step
    trace = run_both(CORPORA, relative, case)
    # then the same tasks were ready at every step
    assert trace.ready_mismatch is None, trace.ready_mismatch
    # and every step completed the same nodes
    for step, (spiff, potok) in enumerate(trace.step_sets()):
        assert spiff == potok, (
            f"step {step}: only SpiffWorkflow {sorted(spiff - potok)}, only Potok {sorted(potok - spiff)}"
        )
    # and both end the same way, with the same variables, without incidents
    assert trace.potok_completed == trace.spiff_completed
    assert trace.potok_variables == trace.spiff_variables
    assert trace.potok_incidents == []
