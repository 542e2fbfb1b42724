"""Tables of the process layer. Runtime tables mirror the engine's row classes
(potok.engine.runtime.rows) one to one, so a step writes a few small rows, never a blob per instance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProcessDefinition(models.Model):
    """A process as the administrator knows it («Рассмотрение претензии»), with its versions."""

    key = models.SlugField(_("key"), max_length=100, unique=True, help_text=_("The BPMN process id."))
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    # Record types a person may start this process from by hand (empty: none).
    manual_start_entity_types = models.JSONField(_("may be started by hand from"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class ProcessVersion(models.Model):
    """One version of a definition's BPMN. A published version never changes again."""

    definition = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    bpmn_xml = models.TextField(_("BPMN XML"))
    checksum = models.CharField(max_length=64)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        ordering = ["definition", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="unique_process_version")
        ]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.number}"

    @property
    def version_key(self) -> str:
        return f"{self.definition.key}:{self.number}"


class ProcessInstance(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    process_id = models.CharField(max_length=100)
    # No index of its own: instance_by_version_state (version, state) starts with it.
    version = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, related_name="instances", db_index=False
    )
    state = models.CharField(_("state"), max_length=16, db_index=True)
    business_key = models.CharField(max_length=200, null=True, blank=True)
    variables = models.JSONField(default=dict)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)
    parent_instance_id = models.CharField(max_length=40, null=True, blank=True)
    parent_execution_id = models.CharField(max_length=40, null=True, blank=True)
    # The record the process works on (a complaint, a counterparty, a deal) and who / what started it.
    entity_type = models.CharField(max_length=64, blank=True, default="")
    record_id = models.BigIntegerField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    start_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        indexes = [
            models.Index(fields=["entity_type", "record_id"], name="instance_by_record"),
            models.Index(fields=["version", "state"], name="instance_by_version_state"),
            models.Index(fields=["-started_at"], name="instance_by_start"),
            # Processes started by rules have no person: only the filled keys are indexed.
            models.Index(
                fields=["started_by"], name="instance_by_starter", condition=Q(started_by__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process_id} {self.id}"


class Execution(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="executions")
    node_id = models.CharField(max_length=200)
    parent_id = models.CharField(max_length=40, null=True, blank=True)
    state = models.CharField(max_length=16)
    started_at = models.DateTimeField()
    flow_id = models.CharField(max_length=200, null=True, blank=True)
    loop_counter = models.IntegerField(default=0)
    mi_role = models.CharField(max_length=8, null=True, blank=True)
    mi_total = models.IntegerField(default=0)
    mi_completed = models.IntegerField(default=0)
    variables = models.JSONField(null=True, blank=True)
    called_instance_id = models.CharField(max_length=40, null=True, blank=True)

    class Meta:
        verbose_name = _("execution")
        verbose_name_plural = _("executions")

    def __str__(self) -> str:
        return f"{self.instance_id} @ {self.node_id}"


class Task(models.Model):
    """A task for people (or a receive task waiting for a message). Addressing columns come with the
    tasks layer; the engine's own columns come first."""

    id = models.CharField(primary_key=True, max_length=40)
    # No index of its own: task_by_instance (instance, state) starts with it.
    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="tasks", db_index=False
    )
    process_id = models.CharField(max_length=100)
    node_id = models.CharField(max_length=200)
    execution_id = models.CharField(max_length=40)
    kind = models.CharField(max_length=16)
    state = models.CharField(_("state"), max_length=16)
    name = models.CharField(_("name"), max_length=255)
    created_at = models.DateTimeField(_("created"))
    business_key = models.CharField(max_length=200, null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.CharField(max_length=150, null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    # Addressing and deadlines (the tasks layer fills them when the engine creates the task).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="process_tasks",
        db_index=False,
    )
    # Whom the task was addressed to when a deputy received it instead (absence), or before a redirect.
    addressed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for whom"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    role = models.ForeignKey(
        "accounts.Role",
        verbose_name=_("role queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    role_object_type = models.CharField(max_length=64, blank=True, default="")
    role_object_id = models.CharField(max_length=64, blank=True, default="")
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    priority = models.SmallIntegerField(_("priority"), default=0)
    outcome = models.CharField(_("outcome"), max_length=64, blank=True, default="")
    entity_type = models.CharField(max_length=64, blank=True, default="")
    record_id = models.BigIntegerField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["instance", "state"], name="task_by_instance"),
            models.Index(
                fields=["assignee", "due_at"], name="open_task_by_assignee", condition=Q(state="open")
            ),
            models.Index(fields=["due_at"], name="open_task_by_due", condition=Q(state="open")),
            # The inbox's "my queues": each queue read in page order (deadline, then id) from its own
            # range, so a page over fifty queues is fifty short index scans (potok.tasks.selectors). It
            # also serves every lookup by queue (role, object, deadline), so no narrower index is kept.
            models.Index(
                fields=["role", "role_object_type", "role_object_id", "due_at", "id"],
                name="open_task_queue_page",
                condition=Q(state="open", assignee__isnull=True),
            ),
            # The people and queue keys of every task (closed ones too; what deleting a user or a role
            # looks up): only the filled ones are indexed, so a task nobody holds yet touches none of them.
            models.Index(fields=["assignee"], name="task_by_assignee", condition=Q(assignee__isnull=False)),
            models.Index(
                fields=["addressed_to"], name="task_by_addressed_to", condition=Q(addressed_to__isnull=False)
            ),
            models.Index(fields=["role"], name="task_by_role", condition=Q(role__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name


class Job(models.Model):
    """Work due at a time (timers, async continuations). Workers claim due jobs with a lease, so a worker
    killed mid-job only delays it: the lease expires and another worker runs it."""

    id = models.CharField(primary_key=True, max_length=40)
    instance = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    execution_id = models.CharField(max_length=40, null=True, blank=True)
    kind = models.CharField(max_length=16)
    node_id = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    attempts = models.IntegerField(default=0)
    repeat_count = models.IntegerField(default=0)
    process_id = models.CharField(max_length=100, null=True, blank=True)
    version_key = models.CharField(max_length=120, null=True, blank=True)
    locked_by = models.CharField(max_length=64, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["due_at"], name="job_by_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.node_id} at {self.due_at}"


class Subscription(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="subscriptions")
    execution_id = models.CharField(max_length=40, null=True, blank=True)
    kind = models.CharField(max_length=16)
    node_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, null=True, blank=True)
    correlation_key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField()
    last_result = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [models.Index(fields=["kind", "name", "correlation_key"], name="subscription_by_name")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class Incident(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="incidents")
    execution_id = models.CharField(max_length=40, null=True, blank=True)
    node_id = models.CharField(max_length=200)
    message = models.TextField(_("error"))
    created_at = models.DateTimeField(_("created"))
    state = models.CharField(_("state"), max_length=16, db_index=True)
    job_id = models.CharField(max_length=40, null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # The engine's code of what failed and its details (potok.engine.runtime.incidents), worded in the
    # reader's language by potok.processes.incident_text; "" for incidents older than the codes.
    code = models.CharField(_("code"), max_length=64, blank=True, default="")
    params = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.message[:80]


class HistoryEntry(models.Model):
    """One node instance, appended when it ends."""

    # No index of its own: history_by_instance (instance, ended_at) starts with it.
    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="history", db_index=False
    )
    node_id = models.CharField(max_length=200)
    node_kind = models.CharField(max_length=40)
    execution_id = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    outcome = models.CharField(max_length=16)
    actor = models.CharField(max_length=150, null=True, blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        indexes = [
            models.Index(fields=["instance", "ended_at"], name="history_by_instance"),
            models.Index(fields=["node_id", "ended_at"], name="history_by_node"),
        ]

    def __str__(self) -> str:
        return f"{self.instance_id} {self.node_id} {self.outcome}"


class OperationLog(models.Model):
    """Administrative operations on instances (suspend, cancel, move a token, migrate…), for the audit."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="operations")
    operation = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.operation} {self.instance_id}"
