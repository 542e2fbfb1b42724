"""Comments and attached files of a task. Files are kept by Django's storage under a random name and
handed out only by an access-checked download."""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.processes.models import Task
from potok.tasks import events
from potok.tasks.models import TaskAttachment, TaskComment

logger = logging.getLogger(__name__)
MAX_COMMENT = 10_000
MAX_FILE_SIZE = 25 * 1024 * 1024
MAX_NAME = 255


@transaction.atomic
def task_comment_add(*, actor: Any, task: Task, text: str) -> TaskComment:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"text": _("Write the comment.")})
    if len(text) > MAX_COMMENT:
        raise ValidationFailed(
            {"text": _("Keep the comment under %(limit)s characters.") % {"limit": MAX_COMMENT}}
        )
    comment = TaskComment.objects.create(task=task, author=actor, text=text, created_at=clock.now())
    events.task_commented(task, actor=actor, comment_id=comment.pk)
    return comment


def _clean_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return base[:MAX_NAME] or "file"


@transaction.atomic
def task_attachment_add(*, actor: Any, task: Task, upload: Any) -> TaskAttachment:
    """Keep an uploaded file (a Django UploadedFile) with the task."""
    if upload is None:
        raise ValidationFailed({"file": _("Choose a file.")})
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationFailed({"file": _("The file is empty.")})
    if size > MAX_FILE_SIZE:
        raise ValidationFailed(
            {"file": _("The file is larger than %(limit)s MB.") % {"limit": MAX_FILE_SIZE // (1024 * 1024)}}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    now = clock.now()
    attachment = TaskAttachment(
        task=task,
        token=secrets.token_hex(16),
        original_name=_clean_name(getattr(upload, "name", "")),
        size=size,
        content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
        sha256=digest.hexdigest(),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=now,
    )
    attachment.file.save(attachment.token, upload, save=False)
    name = str(attachment.file.name)

    def forget_on_rollback() -> None:
        # Runs only when this transaction rolled back (see below): the bytes must not stay behind.
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not remove the stored file %s", name)

    try:
        attachment.save()
        events.task_attached(task, actor=actor, name=attachment.original_name, attachment_id=attachment.pk)
    except BaseException:
        forget_on_rollback()
        raise
    return attachment
