"""Reads for the security pages and the middleware."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from potok.access.selectors import is_administrator
from potok.accounts.models import User
from potok.core import clock
from potok.security.models import ApiAuthFailure, UserSession


def session_limits(now: datetime | None = None) -> tuple[datetime, datetime]:
    """(seen after, started after): a session outside either bound has timed out."""
    now = now or clock.now()
    return (
        now - timedelta(minutes=settings.POTOK_SESSION_IDLE_MINUTES),
        now - timedelta(hours=settings.POTOK_SESSION_MAX_HOURS),
    )


def active_sessions() -> QuerySet[UserSession]:
    seen_after, started_after = session_limits()
    return UserSession.objects.filter(
        last_seen_at__gt=seen_after, created_at__gt=started_after, session__expire_date__gt=clock.now()
    ).select_related("user")


def sessions_of(user: Any) -> QuerySet[UserSession]:
    return active_sessions().filter(user=user).order_by("-last_seen_at")


def users_with_sessions() -> QuerySet[User]:
    """Everyone who is logged in somewhere, with how many sessions and when last seen."""
    seen_after, started_after = session_limits()
    live = {
        "security_sessions__last_seen_at__gt": seen_after,
        "security_sessions__created_at__gt": started_after,
    }
    return (
        User.objects.filter(**live)
        .annotate(
            session_count=Count("security_sessions"), last_seen_at=Max("security_sessions__last_seen_at")
        )
        .order_by("-last_seen_at")
    )


def confirmed_device(user: Any) -> TOTPDevice | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_second_factor(user: Any) -> bool:
    return confirmed_device(user) is not None


def second_factor_required(user: Any) -> bool:
    """Administrators must use a second factor when the installation says so."""
    return bool(settings.POTOK_REQUIRE_2FA_FOR_ADMINS) and is_administrator(user)


def api_authentication_blocked(ip_address: str | None) -> bool:
    if not ip_address:
        return False
    since = clock.now() - timedelta(minutes=settings.POTOK_API_AUTH_COOLOFF_MINUTES)
    return ApiAuthFailure.objects.filter(
        ip_address=ip_address,
        failures__gte=settings.POTOK_API_AUTH_FAILURE_LIMIT,
        last_failure_at__gt=since,
    ).exists()
