"""Writes for sign-in security: the sessions registry, ending sessions, the second factor, e-mail
changes after re-authentication, the API's failed-token counter, and the audit rows of logins.

Every change a person makes here is written to the audit trail under entity type "user".
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from potok.accounts.models import User
from potok.audit.services import audit_record
from potok.core import clock, context
from potok.core.errors import ValidationFailed
from potok.security.models import ApiAuthFailure, UserSession
from potok.security.selectors import second_factor_required, session_limits

logger = logging.getLogger(__name__)
USER_AGENT_LENGTH = 300


def _audit(*, actor: Any, user: Any, action: str, message: str = "", **changes: tuple[Any, Any]) -> None:
    audit_record(
        actor=actor,
        entity_type="user",
        record_id=getattr(user, "pk", None) or "",
        action=action,
        changes=changes or None,
        origin=context.current().origin,
        message=message,
    )


# -- logins ---------------------------------------------------------------------------------------


@transaction.atomic
def login_succeeded(*, user: User, ip_address: str | None) -> None:
    _audit(actor=user, user=user, action="logged_in", message=f"ip={ip_address or '-'}")


@transaction.atomic
def login_failed(*, username: str, ip_address: str | None) -> None:
    user = User.objects.filter(username=username).first() if username else None
    _audit(
        actor=None,
        user=user,
        action="login_failed",
        message=f"username={username[:150]} ip={ip_address or '-'}",
    )


@transaction.atomic
def login_locked_out(*, username: str, ip_address: str | None) -> None:
    user = User.objects.filter(username=username).first() if username else None
    _audit(
        actor=None,
        user=user,
        action="locked_out",
        message=f"username={username[:150]} ip={ip_address or '-'}",
    )


# -- the sessions registry ------------------------------------------------------------------------


def session_register(
    *, user: User, session_key: str, ip_address: str | None, user_agent: str, started_at: datetime
) -> UserSession | None:
    """Enter a logged-in session in the registry; None when its session row is gone already."""
    now = clock.now()
    if not Session.objects.filter(session_key=session_key).exists():
        return None
    try:
        with transaction.atomic():
            entry, _created = UserSession.objects.update_or_create(
                session_id=session_key,
                defaults={
                    "user": user,
                    "ip_address": ip_address,
                    "user_agent": user_agent[:USER_AGENT_LENGTH],
                    "created_at": started_at,
                    "last_seen_at": now,
                },
            )
    except IntegrityError:
        # The session was ended between the request's start and now; nothing to register.
        return None
    return entry


def session_seen(*, session_key: str, at: datetime) -> None:
    UserSession.objects.filter(session_id=session_key).update(last_seen_at=at)


def _session_keys_of(user: User) -> set[str]:
    """Every live Django session of the user, registered or not (sessions from before the registry)."""
    keys = set(UserSession.objects.filter(user=user).values_list("session_id", flat=True))
    store = SessionStore()
    unregistered = (
        Session.objects.filter(expire_date__gt=clock.now())
        .exclude(session_key__in=UserSession.objects.values("session_id"))
        .values_list("session_key", "session_data")
    )
    for key, data in unregistered.iterator():
        if str(store.decode(data).get("_auth_user_id", "")) == str(user.pk):
            keys.add(key)
    return keys


@transaction.atomic
def sessions_end(*, actor: Any, user: User, keep_session_key: str | None = None) -> int:
    """End the user's sessions (all, or all but the caller's own); their next request is logged out."""
    keys = _session_keys_of(user) - {keep_session_key}
    Session.objects.filter(session_key__in=keys).delete()
    count = len(keys)
    _audit(
        actor=actor,
        user=user,
        action="sessions_ended",
        message=f"{count} session(s) ended" + (" (all but the current one)" if keep_session_key else ""),
    )
    return count


@transaction.atomic
def session_end(*, actor: User, entry_id: int) -> None:
    """End one of the actor's own sessions, named by its registry entry."""
    entry = UserSession.objects.filter(pk=entry_id, user=actor).first()
    if entry is None:
        raise ValidationFailed({"session": _("This session has ended already.")})
    Session.objects.filter(session_key=entry.session_id).delete()
    _audit(actor=actor, user=actor, action="sessions_ended", message="1 session ended")


# -- the second factor ----------------------------------------------------------------------------


@transaction.atomic
def second_factor_begin(*, user: User) -> TOTPDevice:
    """A new, not yet confirmed TOTP device; any earlier unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def second_factor_failed(*, user: User, ip_address: str | None) -> None:
    _audit(actor=user, user=user, action="two_factor_failed", message=f"ip={ip_address or '-'}")


def second_factor_verify(*, device: TOTPDevice, code: str) -> bool:
    """Check a code; django-otp refuses replayed codes and slows down repeated failures."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) > 8:
        return False
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return False
    return bool(device.verify_token(code))


@transaction.atomic
def second_factor_confirm(*, actor: User, device: TOTPDevice, code: str) -> TOTPDevice:
    if device.confirmed or device.user_id != actor.pk:
        raise ValidationFailed({"code": _("Start the setup again.")})
    if not second_factor_verify(device=device, code=code):
        raise ValidationFailed(
            {"code": _("The code does not match. Check the time on your phone and enter a fresh code.")}
        )
    TOTPDevice.objects.filter(user=actor, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _audit(actor=actor, user=actor, action="two_factor_enrolled", two_factor=(False, True))
    return device


@transaction.atomic
def second_factor_remove(*, actor: User, user: User) -> int:
    """Remove the user's second factor: by himself (not when it is required of him) or by an administrator."""
    if actor.pk == user.pk and second_factor_required(user):
        raise ValidationFailed(
            {"__all__": _("Administrators must use a second factor here; set up a new device instead.")}
        )
    removed, _details = TOTPDevice.objects.filter(user=user).delete()
    if removed:
        _audit(actor=actor, user=user, action="two_factor_removed", two_factor=(True, False))
    return int(removed)


# -- e-mail ---------------------------------------------------------------------------------------


@transaction.atomic
def email_change(*, actor: User, user: User, email: str) -> User:
    """Change a user's e-mail; the web view asks for the password (and code) again before calling it."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed({"email": _("Enter a valid e-mail address.")}) from None
    if email.lower() == (user.email or "").lower():
        raise ValidationFailed({"email": _("This is your current address.")})
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationFailed({"email": _("Another user has this address.")})
    old = user.email
    user.email = email
    user.save(update_fields=["email"])
    _audit(actor=actor, user=user, action="email_changed", email=(old, email))
    return user


# -- the REST API's failed-token counter ----------------------------------------------------------


def api_authentication_failed(*, ip_address: str | None) -> None:
    """Count one failed API authentication from the address; a new window opens after the cool-off."""
    if not ip_address:
        return
    now = clock.now()
    window_start = now - timedelta(minutes=settings.POTOK_API_AUTH_COOLOFF_MINUTES)
    with transaction.atomic():
        updated = ApiAuthFailure.objects.filter(
            ip_address=ip_address, last_failure_at__gt=window_start
        ).update(failures=F("failures") + 1, last_failure_at=now)
        if updated:
            return
    try:
        with transaction.atomic():
            ApiAuthFailure.objects.update_or_create(
                ip_address=ip_address, defaults={"failures": 1, "last_failure_at": now}
            )
    except IntegrityError:  # another request created the row meanwhile; count on it
        ApiAuthFailure.objects.filter(ip_address=ip_address).update(
            failures=F("failures") + 1, last_failure_at=now
        )


# -- housekeeping ---------------------------------------------------------------------------------


def security_sweep() -> int:
    """Delete expired and timed-out sessions and old failed-token counters (periodic work)."""
    now = clock.now()
    seen_after, started_after = session_limits(now)
    timed_out = UserSession.objects.filter(Q(last_seen_at__lte=seen_after) | Q(created_at__lte=started_after))
    done, _details = Session.objects.filter(
        Q(expire_date__lte=now) | Q(session_key__in=timed_out.values("session_id"))
    ).delete()
    window_start = now - timedelta(minutes=settings.POTOK_API_AUTH_COOLOFF_MINUTES)
    counters, _details = ApiAuthFailure.objects.filter(last_failure_at__lte=window_start).delete()
    return done + counters
