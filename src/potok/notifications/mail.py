"""The email backend: built from the administrator's SMTP settings when they are on, else the
installation's EMAIL_BACKEND (settings / POTOK_EMAIL_BACKEND)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import get_connection

from potok.core import memo
from potok.notifications.models import MailSecurity, MailSettings


def mail_settings() -> MailSettings:
    return MailSettings.objects.filter(pk=1).first() or MailSettings(pk=1)


def mail_connection(config: MailSettings | None = None) -> Any:
    config = config or mail_settings()
    if not config.enabled or not config.host:
        return get_connection()
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=config.host,
        port=config.port,
        username=config.username or None,
        password=config.password or None,
        use_tls=config.security == MailSecurity.STARTTLS,
        use_ssl=config.security == MailSecurity.SSL,
        timeout=config.timeout,
    )


def sender_address(config: MailSettings | None = None) -> str:
    config = config or mail_settings()
    return (config.from_email if config.enabled and config.from_email else "") or settings.DEFAULT_FROM_EMAIL


def absolute_link(link: str, config: MailSettings | None = None) -> str:
    if not link or "://" in link:
        return link
    config = config or memo.once("notifications.mail_settings", mail_settings)
    base = (config.site_url or "").rstrip("/")
    return f"{base}{link}" if base else link
