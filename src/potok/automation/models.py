"""Start rules and what they leave behind: versions, evaluations (the explain trace), starts, incidents,
durable timers and retroactive applications.

A rule is edited in place, but every save writes an immutable `RuleVersion`; evaluations, starts and
incidents point at the version that was in force, so "why did this start?" is answered with the rule as
it was then. The outbox (`potok.core.models.DomainEvent`) is the source of truth for what happened; a
`RuleStart` row, unique per (rule version, record, event), is written in the same transaction as the
process start, which makes every start exactly-once however often an event is dispatched.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# A record id for starts that concern no record (a schedule, a webhook).
NO_RECORD = 0


class RuleEvent(models.TextChoices):
    """What a rule listens to. The first seven come from the outbox; the rest from timers and outside."""

    CREATED = "created", _("record created")
    UPDATED = "updated", _("record changed")
    FIELD_CHANGED = "field_changed", _("field changed from / to")
    STATUS_CHANGED = "status_changed", _("status changed")
    DELETED = "deleted", _("record deleted")
    LINKED = "linked", _("linked record added")
    UNLINKED = "unlinked", _("linked record removed")
    TASK_COMPLETED = "task_completed", _("task of a process completed")
    TASK_OVERDUE = "task_overdue", _("task of a process overdue")
    TIME = "time", _("time after a date")
    SCHEDULE = "schedule", _("schedule")
    WEBHOOK = "webhook", _("inbound webhook")


class TriggerMode(models.TextChoices):
    EVERY_TIME = "every_time", _("every time the record matches")
    BECOMES_TRUE = "becomes_true", _("only when the record starts to match")
    DEBOUNCE = "debounce", _("once after a series of saves (debounce)")


class StartRule(models.Model):
    """«When a complaint is created and the client is VIP, start "Complaint review (VIP)"».

    `options` holds what the event needs: `fields` (updated), `field`, `from`, `to` (field_changed,
    status_changed), `related_entity_type` (linked / unlinked), `process_key`, `node_id` (task events),
    `date_field`, `amount`, `unit`, `direction` (time), `cron`, `time_zone` (schedule).
    `variable_mapping` is a list of {"target": variable, "source": field path} or {"target", "expr"}.
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    entity_type = models.CharField(_("record type"), max_length=64, blank=True, default="")
    event = models.CharField(_("event"), max_length=24, choices=RuleEvent.choices)
    options = models.JSONField(_("event settings"), default=dict, blank=True)
    condition = models.JSONField(_("condition"), default=dict, blank=True)
    trigger_mode = models.CharField(
        _("trigger"), max_length=16, choices=TriggerMode.choices, default=TriggerMode.EVERY_TIME
    )
    debounce_seconds = models.PositiveIntegerField(_("debounce window, seconds"), default=60)
    process_key = models.CharField(_("process"), max_length=100)
    process_version = models.PositiveIntegerField(
        _("pinned process version"), null=True, blank=True, help_text=_("Empty: the latest published.")
    )
    variable_mapping = models.JSONField(_("variables"), default=list, blank=True)
    priority = models.IntegerField(_("priority"), default=0, help_text=_("Higher goes first."))
    stop_after_match = models.BooleanField(_("stop after this rule matches"), default=False)
    enabled = models.BooleanField(_("enabled"), default=False)
    # Events that occurred before this moment are not this rule's business ("created later").
    enabled_since = models.DateTimeField(_("enabled since"), null=True, blank=True)
    needs_attention = models.BooleanField(_("needs attention"), default=False)
    attention_reason = models.TextField(_("what needs attention"), blank=True)
    webhook_secret = models.CharField(max_length=80, blank=True, default="")
    version = models.PositiveIntegerField(_("version"), default=0)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("start rule")
        verbose_name_plural = _("start rules")
        ordering = ["entity_type", "-priority", "id"]
        indexes = [models.Index(fields=["enabled", "entity_type", "event"], name="rule_by_type_event")]

    def __str__(self) -> str:
        return self.name


class RuleVersion(models.Model):
    """The rule as one save left it; never changed afterwards."""

    rule = models.ForeignKey(StartRule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("settings"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        ordering = ["rule", "-number"]
        constraints = [models.UniqueConstraint(fields=["rule", "number"], name="unique_rule_version")]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.number}"


class RulesState(models.Model):
    """One row: a counter bumped by every change of any rule, read once per dispatch batch so that each
    worker's cache of compiled rules is refreshed without asking for the rules themselves."""

    generation = models.BigIntegerField(default=0)
    # A fresh random value with every change: a cache can never mistake another database's rules for its own.
    token = models.CharField(max_length=32, default="")

    class Meta:
        verbose_name = _("rules state")
        verbose_name_plural = _("rules state")

    def __str__(self) -> str:
        return str(self.generation)


class Outcome(models.TextChoices):
    MATCHED = "matched", _("matched")
    NOT_MATCHED = "not_matched", _("not matched")
    ERRORED = "errored", _("error")
    REFUSED = "refused", _("refused")
    SKIPPED = "skipped", _("skipped")


class Trigger(models.TextChoices):
    EVENT = "event", _("event")
    TIME = "time", _("time")
    DEBOUNCE = "debounce", _("debounce")
    SCHEDULE = "schedule", _("schedule")
    WEBHOOK = "webhook", _("webhook")
    RETRO = "retro", _("applied to existing records")
    RETRY = "retry", _("retry")


class RuleEvaluation(models.Model):
    """One evaluation of one rule for one record and event, with each clause's value (the explain trace)."""

    rule = models.ForeignKey(StartRule, on_delete=models.CASCADE, related_name="evaluations")
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices, default=Trigger.EVENT)
    event_id = models.BigIntegerField(_("event"), null=True, blank=True)
    event_key = models.CharField(max_length=120, blank=True, default="")
    entity_type = models.CharField(_("record type"), max_length=64, blank=True, default="")
    record_id = models.BigIntegerField(_("record"), default=NO_RECORD)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    trace = models.JSONField(_("clauses"), default=list, blank=True)
    process_instance_id = models.CharField(max_length=40, blank=True, default="")
    error = models.TextField(_("error"), blank=True, default="")
    depth = models.PositiveSmallIntegerField(default=0)
    evaluated_at = models.DateTimeField(_("evaluated"))

    class Meta:
        verbose_name = _("rule evaluation")
        verbose_name_plural = _("rule evaluations")
        indexes = [
            models.Index(fields=["rule", "-id"], name="evaluation_by_rule"),
            models.Index(fields=["rule", "outcome", "-id"], name="evaluation_by_rule_outcome"),
            models.Index(fields=["entity_type", "record_id", "-id"], name="evaluation_by_record"),
            models.Index(fields=["evaluated_at"], name="evaluation_by_age"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.entity_type}#{self.record_id} {self.outcome}"


class RuleStart(models.Model):
    """A process started by a rule. Unique per (rule version, record, event): the exactly-once key."""

    rule = models.ForeignKey(StartRule, on_delete=models.CASCADE, related_name="starts")
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="+")
    entity_type = models.CharField(max_length=64, blank=True, default="")
    record_id = models.BigIntegerField(default=NO_RECORD)
    event_key = models.CharField(max_length=120)
    process_instance_id = models.CharField(max_length=40, blank=True, default="")
    started_at = models.DateTimeField(_("started"))

    class Meta:
        verbose_name = _("start by a rule")
        verbose_name_plural = _("starts by rules")
        constraints = [
            models.UniqueConstraint(
                fields=["rule_version", "entity_type", "record_id", "event_key"], name="start_exactly_once"
            )
        ]
        indexes = [models.Index(fields=["entity_type", "record_id"], name="start_by_record")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.entity_type}#{self.record_id} {self.event_key}"


class IncidentState(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident", "open")
    RESOLVED = "resolved", _("resolved")


class RuleIncident(models.Model):
    """A rule that could not do its work for a record (bad condition, missing process, mapping error,
    a loop cut by the depth limit): kept for an administrator, retried after the fix."""

    # None: the event could not be dispatched at all (a retry dispatches it again for every rule).
    rule = models.ForeignKey(
        StartRule, null=True, blank=True, on_delete=models.CASCADE, related_name="incidents"
    )
    rule_version = models.ForeignKey(
        RuleVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices, default=Trigger.EVENT)
    event_id = models.BigIntegerField(_("event"), null=True, blank=True)
    event_key = models.CharField(max_length=120, blank=True, default="")
    entity_type = models.CharField(_("record type"), max_length=64, blank=True, default="")
    record_id = models.BigIntegerField(_("record"), default=NO_RECORD)
    kind = models.CharField(_("kind"), max_length=24)
    message = models.TextField(_("error"))
    # What a retry needs besides the event: the timer's moment, the webhook body, the old values.
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=IncidentState.choices, default=IncidentState.OPEN
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("rule incident")
        verbose_name_plural = _("rule incidents")
        indexes = [
            models.Index(fields=["state", "-id"], name="rule_incident_by_state"),
            models.Index(fields=["rule", "state"], name="rule_incident_by_rule"),
        ]

    def __str__(self) -> str:
        return self.message[:80]


class TimerKind(models.TextChoices):
    TIME = "time", _("time after a date")
    DEBOUNCE = "debounce", _("debounce")
    SCHEDULE = "schedule", _("schedule")


class RuleTimer(models.Model):
    """When a rule must look at one record again: N days after its date, at the end of a debounce window,
    at a schedule's next moment. Fired by the worker's periodic work, claimed with a lease, so a killed
    worker delays a timer but never loses or doubles it."""

    rule = models.ForeignKey(StartRule, on_delete=models.CASCADE, related_name="timers")
    kind = models.CharField(max_length=16, choices=TimerKind.choices)
    entity_type = models.CharField(max_length=64, blank=True, default="")
    record_id = models.BigIntegerField(default=NO_RECORD)
    due_at = models.DateTimeField(_("due"))
    # Debounce: the first event of the series and the values before it; time: the date it counts from.
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    locked_by = models.CharField(max_length=64, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("rule timer")
        verbose_name_plural = _("rule timers")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "kind", "entity_type", "record_id"], name="one_timer_per_record"
            )
        ]
        # (due_at, id): the worker claims the earliest due timers in that order, and with the id in the index
        # the database reads them in order and stops at the claim's limit instead of sorting every due one.
        indexes = [models.Index(fields=["due_at", "id"], name="rule_timer_by_due")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.kind} {self.entity_type}#{self.record_id} at {self.due_at}"


class ApplicationState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class RuleApplication(models.Model):
    """A rule applied to the existing records that match it, as one background, resumable operation.

    Starts are keyed "retro:<id>", so running it again (after a crash, or twice) starts nothing twice."""

    rule = models.ForeignKey(StartRule, on_delete=models.CASCADE, related_name="applications")
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        _("state"), max_length=16, choices=ApplicationState.choices, default=ApplicationState.QUEUED
    )
    total = models.PositiveIntegerField(_("matching records"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    started = models.PositiveIntegerField(_("processes started"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # The last record id done: the operation resumes after it.
    cursor = models.BigIntegerField(default=0)
    note = models.TextField(_("how records were found"), blank=True, default="")
    message = models.TextField(_("message"), blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    locked_by = models.CharField(max_length=64, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rule application")
        verbose_name_plural = _("rule applications")
        indexes = [
            models.Index(
                fields=["id"],
                name="application_open",
                condition=Q(state__in=["queued", "running"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} #{self.pk} {self.state}"


class ManualStartState(models.TextChoices):
    QUEUED = "queued", _("queued")
    STARTED = "started", _("started")
    FAILED = "failed", _("failed")


class ManualStart(models.Model):
    """A process started by hand from a record, in the background («стартовать в фоновом режиме»)."""

    entity_type = models.CharField(max_length=64)
    record_id = models.BigIntegerField()
    process_key = models.CharField(max_length=100)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"))
    state = models.CharField(
        _("state"), max_length=16, choices=ManualStartState.choices, default=ManualStartState.QUEUED
    )
    process_instance_id = models.CharField(max_length=40, blank=True, default="")
    error = models.TextField(_("error"), blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("manual start")
        verbose_name_plural = _("manual starts")
        indexes = [
            models.Index(fields=["id"], name="manual_start_queued", condition=Q(state="queued")),
            models.Index(fields=["entity_type", "record_id"], name="manual_start_by_record"),
        ]

    def __str__(self) -> str:
        return f"{self.process_key} for {self.entity_type}#{self.record_id}"
