"""Tables of the tasks layer, around the engine's task rows (processes.Task).

processes.Task keeps the addressing columns (assignee, addressed_to, role queue, deadline, outcome);
these tables keep what the engine knows nothing of: the history of each task, comments and files,
durable reminder and escalation timers, round-robin cursors and addressing problems.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TaskEventKind(models.TextChoices):
    CREATED = "created", _("created")
    ASSIGNED = "assigned", _("assigned")
    CLAIMED = "claimed", _("taken from the queue")
    UNCLAIMED = "unclaimed", _("returned to the queue")
    REDIRECTED = "redirected", _("redirected")
    REMINDED = "reminded", _("reminder sent")
    OVERDUE = "overdue", _("overdue")
    ESCALATED = "escalated", _("escalated")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")
    COMMENTED = "commented", _("comment added")
    ATTACHED = "attached", _("file attached")
    ADDRESSING_PROBLEM = "addressing_problem", _("addressing problem")


class TaskEvent(models.Model):
    """One row per change of a task: who did what, to whom, for whom, and why.

    The id of a task's "created" event is the task's stable integer number (processes.Task's key is a
    string): domain events name tasks by it (entity_type "task").
    """

    # No index of its own: task_event_by_task (task, id) starts with it.
    task = models.ForeignKey(
        "processes.Task",
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    kind = models.CharField(_("event"), max_length=24, choices=TaskEventKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    # Who did it; empty when the process or the system did.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # To whom the task went (assigned, claimed, redirected, escalated to).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # For whom: the absent person whose deputy received it.
    addressed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for whom"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # From whom (redirected, escalated with a reassignment, unclaimed).
    previous_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    reason = models.CharField(_("reason"), max_length=1000, blank=True, default="")
    tier = models.SmallIntegerField(_("escalation tier"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=64, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        indexes = [
            models.Index(fields=["task", "id"], name="task_event_by_task"),
            # Also serves the actor's foreign key (it starts with it).
            models.Index(fields=["actor", "kind", "task"], name="task_event_by_actor"),
            # The other people's keys are empty in most events: only the filled ones are indexed (a
            # lookup by person, as deleting a user makes, implies "not empty"), so writing an event
            # does not touch three more indexes.
            models.Index(
                fields=["assignee"], name="task_event_by_assignee", condition=Q(assignee__isnull=False)
            ),
            models.Index(
                fields=["addressed_to"],
                name="task_event_by_addressed_to",
                condition=Q(addressed_to__isnull=False),
            ),
            models.Index(
                fields=["previous_assignee"],
                name="task_event_by_previous",
                condition=Q(previous_assignee__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"


class TaskComment(models.Model):
    task = models.ForeignKey(
        "processes.Task", verbose_name=_("task"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written"))

    class Meta:
        verbose_name = _("task comment")
        verbose_name_plural = _("task comments")
        indexes = [models.Index(fields=["task", "created_at"], name="task_comment_by_task")]

    def __str__(self) -> str:
        return self.text[:80]


def attachment_path(instance: TaskAttachment, filename: str) -> str:
    # A random name, never the uploaded one: no path tricks, nothing guessable under MEDIA_ROOT.
    return f"tasks/{instance.uploaded_at:%Y/%m}/{instance.token}"


class TaskAttachment(models.Model):
    """A file attached to a task; handed out only by an access-checked view, as a download."""

    task = models.ForeignKey(
        "processes.Task", verbose_name=_("task"), on_delete=models.CASCADE, related_name="attachments"
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(max_length=200, upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("task attachment")
        verbose_name_plural = _("task attachments")
        indexes = [models.Index(fields=["task", "uploaded_at"], name="task_attachment_by_task")]

    def __str__(self) -> str:
        return self.original_name


class TimerKind(models.TextChoices):
    REMINDER = "reminder", _("reminder")
    OVERDUE = "overdue", _("deadline")
    ESCALATION = "escalation", _("escalation")


class EscalationTimer(models.Model):
    """A durable timer of a task: a reminder before the deadline, the deadline itself, or an escalation
    tier after it. Workers claim due timers with a lease; `fired_at` is set in the same transaction as
    the timer's effect, so each fires exactly once, in order, even after a worker was down."""

    task = models.ForeignKey(
        "processes.Task", verbose_name=_("task"), on_delete=models.CASCADE, related_name="timers"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TimerKind.choices)
    # Reminders and tiers count from 0 in the order the process declares them; the deadline is 0.
    tier = models.SmallIntegerField(_("tier"), default=0)
    # The order timers of one task fire in: reminders, the deadline, then the tiers.
    position = models.SmallIntegerField(default=0)
    due_at = models.DateTimeField(_("due"))
    locked_by = models.CharField(max_length=64, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    fired_at = models.DateTimeField(_("fired"), null=True, blank=True)
    attempts = models.SmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("task timer")
        verbose_name_plural = _("task timers")
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "tier"], name="one_timer_per_task_kind_tier")
        ]
        indexes = [
            models.Index(fields=["due_at"], name="task_timer_due", condition=Q(fired_at__isnull=True)),
            models.Index(fields=["task", "position"], name="task_timer_by_task"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind} {self.tier} at {self.due_at}"


class RoundRobinCursor(models.Model):
    """Whom a round-robin performer rule chose last, per (process, node) or per role (and object).

    Locked with select_for_update while the next person is chosen, so parallel starts never pick the
    same person twice in a row."""

    key = models.CharField(max_length=300, unique=True)
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    turns = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("round-robin cursor")
        verbose_name_plural = _("round-robin cursors")

    def __str__(self) -> str:
        return self.key


class AddressingProblem(models.Model):
    """A task that could not be addressed as the process says (a role nobody holds, a performer who left):
    it went to the role's owner or stays unassigned, and administrators see it here until resolved."""

    # No index of its own: addressing_problem_by_task is it.
    task = models.ForeignKey(
        "processes.Task",
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        related_name="addressing_problems",
        db_index=False,
    )
    message = models.TextField(_("problem"))
    created_at = models.DateTimeField(_("found"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("addressing problem")
        verbose_name_plural = _("addressing problems")
        indexes = [
            models.Index(
                fields=["created_at"], name="open_addressing_problem", condition=Q(resolved_at__isnull=True)
            ),
            models.Index(fields=["task"], name="addressing_problem_by_task"),
            models.Index(
                fields=["resolved_by"],
                name="addressing_problem_resolver",
                condition=Q(resolved_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.message[:80]
