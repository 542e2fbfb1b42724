"""The calendar API: list, a year of days, changing days (with the right to), deadlines."""

from __future__ import annotations

import pytest

from potok.calendars.models import Calendar

pytestmark = pytest.mark.django_db


def test_list_and_a_year_of_days(api_as) -> None:
    api = api_as("lawyer")
    listed = api.get("/api/v1/calendars").json()
    default = next(c for c in listed if c["is_default"])
    assert default["time_zone"] == "Europe/Moscow"

    year = api.get(f"/api/v1/calendars/{default['id']}", {"year": 2026}).json()

    days = {d["day"]: d for d in year["days"]}
    assert len(days) == 365
    assert days["2026-01-07"]["kind"] == "holiday" and not days["2026-01-07"]["working"]
    assert days["2026-05-08"] == {
        "day": "2026-05-08",
        "kind": "short",
        "working": True,
        "hours": [["09:00", "13:00"], ["14:00", "17:00"]],
        "note": "",
        "source": "production",
    }
    assert sum(d["working"] for d in days.values()) == 247  # the official count for 2026
    assert "holidays" in year["source"]
    assert api_as("reception").get(f"/api/v1/calendars/{default['id']}").status_code == 404


def test_administrators_change_days_and_deadlines_follow(api_as) -> None:
    admin = api_as("admin")
    calendar_id = next(c["id"] for c in admin.get("/api/v1/calendars").json() if c["is_default"])
    deadline_url = f"/api/v1/calendars/{calendar_id}/deadline"
    ask = {"start": "2026-06-05T15:00:00+03:00", "duration": "2 working days"}
    assert (
        admin.post(deadline_url, ask, content_type="application/json").json()["deadline"]
        == "2026-06-09T12:00:00Z"
    )

    changed = admin.put(
        f"/api/v1/calendars/{calendar_id}/days/2026-06-08",
        {"kind": "holiday", "note": "Санитарный день"},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["kind"] == "holiday"
    assert (
        admin.post(deadline_url, ask, content_type="application/json").json()["deadline"]
        == "2026-06-10T12:00:00Z"
    )

    lawyer = api_as("lawyer")
    assert (
        lawyer.put(
            f"/api/v1/calendars/{calendar_id}/days/2026-06-08",
            {"kind": "normal"},
            content_type="application/json",
        ).status_code
        == 403
    )
    # anybody who sees the calendar may compute on it
    assert lawyer.post(deadline_url, ask, content_type="application/json").status_code == 200

    reset = admin.delete(f"/api/v1/calendars/{calendar_id}/days/2026-06-08")
    assert reset.json()["kind"] == "normal"
    assert Calendar.objects.get(pk=calendar_id).version > 1


def test_bad_input_is_a_400_naming_the_field(api_as) -> None:
    admin = api_as("admin")
    calendar_id = next(c["id"] for c in admin.get("/api/v1/calendars").json() if c["is_default"])
    wrong = admin.post(
        f"/api/v1/calendars/{calendar_id}/deadline",
        {"start": "2026-06-05T15:00:00+03:00", "duration": "soonish"},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "duration" in wrong.json()["errors"]
    naive = admin.post(
        f"/api/v1/calendars/{calendar_id}/deadline",
        {"start": "2026-06-05T15:00:00", "duration": "1 working day"},
        content_type="application/json",
    )
    assert naive.status_code == 400 and "start" in naive.json()["errors"]
    hours = admin.put(
        f"/api/v1/calendars/{calendar_id}/days/2026-06-13",
        {"kind": "working", "hours": [["18:00", "10:00"]]},
        content_type="application/json",
    )
    assert hours.status_code == 400 and "hours" in hours.json()["errors"]
