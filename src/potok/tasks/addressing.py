"""Deciding who performs a task: the performer rules of the task, tried in order, then the strategy.

    >>> decision = decide(spec, AddressingInput(process_id="complaint", node_id="investigate", ...))
    >>> decision.assignee, decision.addressed_to, decision.role, decision.problem

Rules: a person named in the process, a role (its queue, or one of its holders chosen round robin or by
the fewest open tasks), a role for an addressing object taken from the process data, a field of the
record, the performer of an earlier task or his manager, a department's head, the initiator, or any
expression. Inactive people are never chosen; absent ones are skipped when others qualify, and a task for
an absent person goes to his deputy ("for whom" is kept). A role nobody holds raises the task to the
role's owner and reports an addressing problem — a task is never lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from potok.accounts.models import Department, Role, User
from potok.accounts.selectors import department_head, role_holders
from potok.core import clock, memo
from potok.core.bulk import update_row, write_waiting_rows
from potok.engine.expressions import EvaluationContext, ExpressionError
from potok.processes.models import Task
from potok.processes.sql import Sql
from potok.tasks import data as process_data
from potok.tasks import people
from potok.tasks.models import RoundRobinCursor
from potok.tasks.spec import PerformerRule, TaskSpec


@dataclass
class AddressingInput:
    """What the rules may read about the task being addressed."""

    process_id: str
    node_id: str
    instance_id: str
    data: Mapping[str, Any]
    context: EvaluationContext
    initiator_id: int | None = None
    on: date = field(default_factory=people.today)


@dataclass
class Decision:
    """Where the task goes: a person (maybe the deputy of `addressed_to`), or a role's queue, or nowhere
    (then `problem` says why, and administrators see it)."""

    assignee: User | None = None
    addressed_to: User | None = None
    role: Role | None = None
    object_type: str = ""
    object_id: str = ""
    problem: str = ""
    rule: str = ""
    strategy: str = ""

    @property
    def is_queue(self) -> bool:
        return self.assignee is None and self.role is not None

    def describe(self) -> dict[str, Any]:
        details: dict[str, Any] = {"rule": self.rule}
        if self.strategy:
            details["strategy"] = self.strategy
        if self.role is not None:
            details["role"] = self.role.code
            if self.object_type:
                details["object"] = f"{self.object_type}:{self.object_id}"
        return details


@dataclass
class _Candidates:
    users: list[User]
    role: Role | None = None
    object_type: str = ""
    object_id: str = ""
    problem: str = ""


def _evaluate(expression: Any, source: AddressingInput) -> Any:
    try:
        return expression.evaluate(source.data, context=source.context)
    except (ExpressionError, LookupError, TypeError, ValueError) as error:
        raise _RuleFailed(
            _("The expression %(source)s failed: %(error)s") % {"source": expression.source, "error": error}
        ) from error


class _RuleFailed(Exception):
    pass


def _active(ids: Sequence[int]) -> list[User]:
    if not ids:
        return []
    by_id = {
        user.pk: user
        for user in User.objects.filter(pk__in=list(ids), is_active=True).select_related("department")
    }
    return [by_id[pk] for pk in ids if pk in by_id]


def _earlier_performer(source: AddressingInput, node_id: str) -> User | None:
    write_waiting_rows()  # the performers given to tasks in this batch of starts, not written yet
    earlier = (
        Task.objects.filter(instance_id=source.instance_id, node_id=node_id)
        .exclude(node_id=source.node_id, state="open")
        .order_by("-created_at", "-pk")
        .values_list("assignee_id", "completed_by")
        .first()
    )
    if earlier is None:
        return None
    assignee_id, completed_by = earlier
    if completed_by:
        found = User.objects.filter(username=completed_by).select_related("department").first()
        if found is not None:
            return found
    return User.objects.filter(pk=assignee_id).select_related("department").first() if assignee_id else None


def _candidates(rule: PerformerRule, source: AddressingInput) -> _Candidates:
    if rule.kind == "user":
        return _Candidates(_active(process_data.user_ids(rule.user)))
    if rule.kind == "role":
        # A batch of starts addresses many tasks to the same roles: read each once for the batch.
        role = memo.once(
            f"tasks.role:{rule.role}",
            lambda: Role.objects.select_related("owner").filter(code=rule.role).first(),
        )
        if role is None:
            return _Candidates([], problem=_("There is no role %(code)s.") % {"code": rule.role})
        object_id = ""
        if rule.object is not None:
            object_id = process_data.object_id(_evaluate(rule.object, source))
            if not object_id:
                return _Candidates(
                    [],
                    role=role,
                    object_type=rule.object_type,
                    problem=_("The process data gives no %(type)s for the role «%(role)s» (%(source)s).")
                    % {"type": rule.object_type, "role": role.name, "source": rule.object.source},
                )
        holders = memo.once(
            f"tasks.holders:{role.pk}:{rule.object_type}:{object_id}",
            lambda: list(
                role_holders(role, object_type=rule.object_type, object_id=object_id).select_related(
                    "department"
                )
            ),
        )
        return _Candidates(holders, role=role, object_type=rule.object_type, object_id=object_id)
    if rule.kind == "field":
        value: Any = source.data.get("record")
        if value is None:
            return _Candidates(
                [],
                problem=_("The process has no record to read the field %(field)s of.")
                % {"field": ".".join(rule.field_path)},
            )
        for name in rule.field_path:
            if value is None:
                break
            try:
                value = source.context.resolver(value, name) if source.context.resolver else None
            except LookupError:
                return _Candidates([], problem=_("The record has no field %(field)s.") % {"field": name})
        return _Candidates(_active(process_data.user_ids(value)))
    if rule.kind == "expression":
        return _Candidates(_active(process_data.user_ids(_evaluate(rule.value, source))))
    if rule.kind == "performer-of":
        found = _earlier_performer(source, rule.task)
        return _Candidates([found] if found is not None and found.is_active else [])
    if rule.kind == "manager-of":
        manager = people.manager_of(_earlier_performer(source, rule.task))
        return _Candidates([manager] if manager is not None and manager.is_active else [])
    if rule.kind == "department-head":
        department_id = process_data.object_id(_evaluate(rule.department, source))
        department = (
            Department.objects.filter(pk=int(department_id)).first() if department_id.isdigit() else None
        )
        head = department_head(department)
        return _Candidates([head] if head is not None else [])
    # initiator
    return _Candidates(_active([source.initiator_id]) if source.initiator_id else [])


def _round_robin(candidates: list[User], key: str) -> User:
    """The next person after the one chosen last for `key`, in a stable order (fair to within one).

    The cursor row is made on first use (one made by a parallel transaction meanwhile is kept) and read
    under a row lock on PostgreSQL (SQLite serialises writers); inside a batch of work (`memo.batch`, one
    transaction) it is read once and kept in memory, the lock held to the end, and its moves are written
    with the batch's rows (`update_row`); a savepoint rolled back after it was read or moved takes the
    read and the move back (`memo.rewind`, with the rows' `rows_rewind`)."""
    now = clock.now()
    key = key[:300]
    memo_key = f"tasks.round_robin:{key}"
    cursor = memo.once(memo_key, lambda: _round_robin_cursor(key, now))
    ordered = sorted(candidates, key=lambda user: user.pk)
    last_user_id = cursor["last_user_id"]
    chosen = next(
        (user for user in ordered if last_user_id is not None and user.pk > last_user_id),
        ordered[0],
    )
    # A new value, not a change in place: a savepoint rolled back after this takes it back (`memo.rewind`).
    moved = {"id": cursor["id"], "last_user_id": chosen.pk, "turns": cursor["turns"] + 1}
    memo.put(memo_key, moved)
    update_row(
        RoundRobinCursor,
        moved["id"],
        {"last_user_id": chosen.pk, "turns": moved["turns"], "updated_at": now},
    )
    return chosen


def _round_robin_cursor(key: str, now: Any) -> dict[str, Any]:
    """The cursor of `key` (made if missing), locked on PostgreSQL: two fixed statements."""
    sql = Sql.current()
    table = RoundRobinCursor._meta.db_table
    sql.execute(
        f"INSERT INTO {table} (key, turns, updated_at) VALUES (?, 0, ?) ON CONFLICT (key) DO NOTHING",  # noqa: S608
        [key, sql.time(now)],
    )
    lock = " FOR UPDATE" if sql.postgres else ""
    ((cursor_id, last_user_id, turns),) = sql.rows(
        f"SELECT id, last_user_id, turns FROM {table} WHERE key = ?{lock}",  # noqa: S608
        [key],
    )
    return {"id": cursor_id, "last_user_id": last_user_id, "turns": int(turns)}


def _least_open(candidates: list[User]) -> User:
    write_waiting_rows()  # the tasks given out in this batch of starts count too
    counts = dict(
        Task.objects.filter(state="open", assignee__in=candidates)
        .values("assignee")
        .annotate(open=Count("pk"))
        .values_list("assignee", "open")
    )
    return min(candidates, key=lambda user: (counts.get(user.pk, 0), user.pk))


def _pick(candidates: list[User], strategy: str, key: str) -> User:
    if len(candidates) == 1:
        return candidates[0]
    if strategy == "round_robin":
        return _round_robin(candidates, key)
    return _least_open(candidates)


def _to_person(person: User, source: AddressingInput) -> tuple[User, User | None]:
    """The person, or his deputy when he is away today (then the person is "for whom")."""
    if person.pk in people.absent_ids([person.pk], source.on):
        stand_in = people.deputy(person, source.on, process_id=source.process_id)
        if stand_in is not None:
            return stand_in, person
    return person, None


def _choose(candidates: _Candidates, rule: PerformerRule, source: AddressingInput) -> Decision:
    strategy = rule.effective_strategy
    users = candidates.users
    away = people.absent_ids([user.pk for user in users], source.on)
    present = [user for user in users if user.pk not in away]
    decision = Decision(
        role=candidates.role,
        object_type=candidates.object_type,
        object_id=candidates.object_id,
        rule=rule.kind,
        strategy=strategy if len(users) > 1 else "",
    )
    if strategy == "queue" and candidates.role is not None and len(users) > 1:
        # A queue the holders (and the deputies of those away) take tasks from.
        return decision
    if rule.kind == "role" and candidates.role is not None:
        key = f"role:{candidates.role.code}:{candidates.object_type}:{candidates.object_id}"
    else:
        key = f"node:{source.process_id}:{source.node_id}"
    person = _pick(present or users, strategy, key)
    decision.assignee, decision.addressed_to = _to_person(person, source)
    return decision


def decide(spec: TaskSpec, source: AddressingInput) -> Decision:
    """Try the performer rules in order; the first that names somebody decides."""
    problems: list[str] = []
    first_role: Role | None = None
    first_role_candidates: _Candidates | None = None
    for rule in spec.performers:
        try:
            candidates = _candidates(rule, source)
        except _RuleFailed as error:
            problems.append(str(error))
            continue
        if candidates.role is not None and first_role is None:
            first_role, first_role_candidates = candidates.role, candidates
        if candidates.users:
            return _choose(candidates, rule, source)
        problems.append(candidates.problem or _nobody(rule, candidates))
    if not spec.performers:
        problems.append(_("The process does not say who performs this task."))
    return _fallback(first_role, first_role_candidates, problems, source)


def _nobody(rule: PerformerRule, candidates: _Candidates) -> str:
    if candidates.role is not None:
        scope = f" ({candidates.object_type} {candidates.object_id})" if candidates.object_type else ""
        return _("Nobody active holds the role «%(role)s»%(scope)s.") % {
            "role": candidates.role.name,
            "scope": scope,
        }
    return _("The rule %(kind)s names nobody who is active.") % {"kind": rule.kind}


def _fallback(
    role: Role | None, candidates: _Candidates | None, problems: list[str], source: AddressingInput
) -> Decision:
    """Nobody qualifies: the role's owner gets the task (1C:Документооборот's rule); without an owner it
    waits in the role's queue, or unassigned, for an administrator to redirect it."""
    decision = Decision(
        role=role,
        object_type=candidates.object_type if candidates else "",
        object_id=candidates.object_id if candidates else "",
        rule="fallback",
    )
    owner = role.owner if role is not None else None
    if owner is not None and owner.is_active:
        decision.assignee, decision.addressed_to = _to_person(owner, source)
        decision.role = None
        decision.object_type = decision.object_id = ""
        problems.append(_("The task went to the role's owner, %(owner)s.") % {"owner": owner.display_name})
    else:
        problems.append(_("Nobody could be given the task; an administrator must redirect it."))
    decision.problem = " ".join(problems)
    return decision
