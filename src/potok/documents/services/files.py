"""Keeping uploaded files: written by Django's storage under a random name, recorded in StoredFile."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from potok.core import clock
from potok.documents.fieldtypes import PendingUpload
from potok.documents.models import StoredFile

logger = logging.getLogger(__name__)


class _Written:
    """Files written by one service call, removed again if that call fails."""

    def __init__(self) -> None:
        self.names: list[str] = []


@contextmanager
def files_removed_on_error() -> Iterator[_Written]:
    written = _Written()
    try:
        yield written
    except BaseException:
        for name in written.names:
            _delete_quietly(name)
        raise


def store_upload(
    *, actor: Any, upload: PendingUpload, entity_type: str, record_id: int, field_code: str, written: _Written
) -> dict[str, Any]:
    """Write the upload and return the value the field stores."""
    digest = hashlib.sha256()
    source = upload.file
    if hasattr(source, "seek"):
        source.seek(0)
    for chunk in source.chunks() if hasattr(source, "chunks") else iter(lambda: source.read(65536), b""):
        digest.update(chunk)
    if hasattr(source, "seek"):
        source.seek(0)
    stored = StoredFile(
        entity_type=entity_type,
        record_id=record_id,
        field_code=field_code,
        token=secrets.token_hex(16),
        original_name=upload.name,
        size=upload.size,
        content_type=upload.content_type,
        sha256=digest.hexdigest(),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=clock.now(),
    )
    stored.file.save(stored.token, source, save=False)
    written.names.append(str(stored.file.name))
    stored.save()
    return {
        "id": stored.pk,
        "name": stored.original_name,
        "size": stored.size,
        "content_type": stored.content_type,
    }


def discard_files(file_ids: list[int]) -> None:
    """Forget the files; their bytes are removed from storage once the transaction commits."""
    files = list(StoredFile.objects.filter(pk__in=file_ids))
    names = [str(stored.file.name) for stored in files]
    StoredFile.objects.filter(pk__in=[stored.pk for stored in files]).delete()

    def remove() -> None:
        for name in names:
            _delete_quietly(name)

    transaction.on_commit(remove)


def _delete_quietly(name: str) -> None:
    from django.core.files.storage import default_storage

    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("could not remove the stored file %s", name)
