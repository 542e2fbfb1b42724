from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    ANALYSING = "analysing", _("preview being prepared")
    PREVIEWED = "previewed", _("preview ready")
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("importing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


# The allowed moves of a job; services refuse any other (viewflow-style declared transitions).
TRANSITIONS: dict[str, set[str]] = {
    JobStatus.UPLOADED: {JobStatus.ANALYSING, JobStatus.CANCELLED},
    JobStatus.ANALYSING: {JobStatus.PREVIEWED, JobStatus.FAILED, JobStatus.CANCELLED},
    JobStatus.PREVIEWED: {JobStatus.ANALYSING, JobStatus.QUEUED, JobStatus.CANCELLED},
    JobStatus.QUEUED: {JobStatus.RUNNING, JobStatus.CANCELLED},
    JobStatus.RUNNING: {JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED},
    JobStatus.DONE: set(),
    JobStatus.FAILED: {JobStatus.ANALYSING},
    JobStatus.CANCELLED: set(),
}


class ImportJob(models.Model):
    """One file being imported: the file itself, how to read it, the column mapping, the progress.

    The file is kept in the database (not on a local disk), so any worker of a scaled-out installation
    can read it."""

    entity_type = models.CharField(_("what is imported"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_at = models.DateTimeField(_("uploaded"))
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=8)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    content = models.BinaryField()
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)
    message = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_by", "-id"], name="import_by_user")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, round(self.processed_rows * 100 / self.total_rows))

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.ANALYSING, JobStatus.QUEUED, JobStatus.RUNNING)


class RowStatus(models.TextChoices):
    CREATE = "create", _("to create")
    UPDATE = "update", _("to update")
    DUPLICATE = "duplicate", _("duplicate")
    REJECTED = "rejected", _("rejected")
    SKIPPED = "skipped", _("already imported")
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    UNCHANGED = "unchanged", _("unchanged")


class ImportRow(models.Model):
    """The preview and then the report of one row: what happens (happened) to it and why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    status = models.CharField(_("status"), max_length=16, choices=RowStatus.choices)
    messages = models.JSONField(default=list)
    record_id = models.BigIntegerField(null=True, blank=True)
    values = models.JSONField(default=dict)
    # Links the row to the ledger: the record a created row became is found there, so the apply does not
    # rewrite the whole preview to say so.
    row_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        indexes = [
            models.Index(fields=["job", "row_number"], name="import_row_by_job"),
            models.Index(fields=["job", "status", "row_number"], name="import_row_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.status}"


class ImportLedger(models.Model):
    """Rows already imported, by file and row content: re-running the same file skips them."""

    entity_type = models.CharField(max_length=64)
    file_sha256 = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)
    record_id = models.BigIntegerField()
    job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        constraints = [
            models.UniqueConstraint(
                fields=["entity_type", "file_sha256", "row_hash"], name="import_row_once_per_file"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_type} {self.file_sha256[:8]} {self.row_hash[:8]} → {self.record_id}"


class SavedMapping(models.Model):
    """The column mapping a user confirmed for files with this header, offered again for the next one."""

    entity_type = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("saved column mapping")
        verbose_name_plural = _("saved column mappings")
        constraints = [
            models.UniqueConstraint(fields=["entity_type", "signature"], name="one_mapping_per_header")
        ]

    def __str__(self) -> str:
        return f"{self.entity_type} {self.signature[:8]}"
