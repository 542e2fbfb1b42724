"""Sales reports over the deals a user may see: the funnel of a pipeline, the forecast by expected close
month and manager, and the analysis of won and lost deals by reason.

Definitions (the tests check them on a hand-computed set):
- funnel: the cohort is the pipeline's deals created in [date_from, date_to]. A deal *reached* an open
  stage when it ever visited that stage or any later open stage or the won stage (skipping counts as
  passing); the won stage is reached by deals that were ever won. Conversion from the previous stage is
  reached(stage) / reached(previous). Time in stage is the mean length of the cohort's visits to the stage
  (an unfinished visit counts until now), in days.
- forecast: open deals with an expected close date in the period, in the given currency; weighted amount =
  amount × stage probability / 100, rounded to kopecks per deal.
- won / lost: deals closed (won or lost) in the period, the lost ones grouped by reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from potok.core import clock
from potok.sales.models import Pipeline, StageKind, StageVisit
from potok.sales.selectors import DealFilters, deal_list, stages_of
from potok.sales.totals import HUNDRED, to_kopecks

DAY = Decimal(86400)


def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class FunnelRow:
    stage_id: int
    code: str
    name: str
    kind: str
    reached: int
    conversion_from_previous: Decimal | None
    conversion_from_first: Decimal | None
    now_count: int
    now_amount: Decimal
    average_days: Decimal | None


@dataclass
class Funnel:
    pipeline: Pipeline
    date_from: dt.date
    date_to: dt.date
    cohort: int
    won: int
    lost: int
    won_amount: Decimal
    rows: list[FunnelRow] = field(default_factory=list)


def funnel(user: Any, pipeline: Pipeline, date_from: dt.date, date_to: dt.date) -> Funnel:
    start, end = _bounds(date_from, date_to)
    deals = {
        row["id"]: row
        for row in deal_list(user, DealFilters(pipeline=pipeline.pk))
        .filter(created_at__gte=start, created_at__lt=end)
        .values("id", "stage_id", "amount", "stage__kind")
    }
    stages = stages_of(pipeline)
    order = {stage.pk: stage.order for stage in stages}
    kinds = {stage.pk: stage.kind for stage in stages}
    progress: dict[int, int] = {}
    ever_won: set[int] = set()
    durations: dict[int, list[Decimal]] = defaultdict(list)
    now = clock.now()
    visits = StageVisit.objects.filter(deal_id__in=list(deals)).values_list(
        "deal_id", "stage_id", "entered_at", "left_at"
    )
    for deal_id, stage_id, entered_at, left_at in visits.iterator():
        kind = kinds.get(stage_id)
        if kind is None:
            continue
        if kind != StageKind.LOST:
            progress[deal_id] = max(progress.get(deal_id, -1), order[stage_id])
        if kind == StageKind.WON:
            ever_won.add(deal_id)
        seconds = Decimal(((left_at or now) - entered_at).total_seconds())
        durations[stage_id].append(seconds / DAY)
    now_counts: dict[int, int] = defaultdict(int)
    now_amounts: dict[int, Decimal] = defaultdict(Decimal)
    for row in deals.values():
        now_counts[row["stage_id"]] += 1
        now_amounts[row["stage_id"]] += row["amount"]
    result = Funnel(
        pipeline=pipeline,
        date_from=date_from,
        date_to=date_to,
        cohort=len(deals),
        won=sum(1 for row in deals.values() if row["stage__kind"] == StageKind.WON),
        lost=sum(1 for row in deals.values() if row["stage__kind"] == StageKind.LOST),
        won_amount=sum(
            (row["amount"] for row in deals.values() if row["stage__kind"] == StageKind.WON), Decimal(0)
        ),
    )
    first: int | None = None
    previous: int | None = None
    for stage in stages:
        if stage.kind == StageKind.LOST:
            reached = sum(1 for row in deals.values() if row["stage__kind"] == StageKind.LOST)
            from_previous = from_first = None
        else:
            if stage.kind == StageKind.WON:
                reached = len(ever_won)
            else:
                reached = sum(1 for value in progress.values() if value >= stage.order)
            from_previous = percent(reached, previous) if previous is not None else None
            from_first = percent(reached, first) if first is not None else None
            if first is None:
                first = reached
            previous = reached
        times = durations.get(stage.pk, [])
        average = (
            (sum(times, Decimal(0)) / len(times)).quantize(Decimal("0.1"))
            if times and stage.kind == StageKind.OPEN
            else None
        )
        result.rows.append(
            FunnelRow(
                stage_id=stage.pk,
                code=stage.code,
                name=stage.name,
                kind=stage.kind,
                reached=reached,
                conversion_from_previous=from_previous,
                conversion_from_first=from_first,
                now_count=now_counts.get(stage.pk, 0),
                now_amount=now_amounts.get(stage.pk, Decimal(0)),
                average_days=average,
            )
        )
    return result


@dataclass
class ForecastRow:
    month: str  # YYYY-MM
    responsible_id: int | None
    responsible: str
    count: int
    amount: Decimal
    weighted: Decimal


@dataclass
class Forecast:
    currency: str
    rows: list[ForecastRow]
    months: list[str]
    by_month: dict[str, Decimal]
    by_month_amount: dict[str, Decimal]
    total_amount: Decimal
    total_weighted: Decimal


def forecast(
    user: Any,
    date_from: dt.date,
    date_to: dt.date,
    *,
    pipeline: Pipeline | None = None,
    currency: str = "RUB",
) -> Forecast:
    queryset = deal_list(
        user, DealFilters(pipeline=pipeline.pk if pipeline else None, kind=StageKind.OPEN)
    ).filter(expected_close_date__gte=date_from, expected_close_date__lte=date_to, currency=currency)
    groups: dict[tuple[str, int | None], ForecastRow] = {}
    for close_date, amount, probability, responsible_id, first, last, username in queryset.values_list(
        "expected_close_date",
        "amount",
        "stage__probability",
        "responsible_id",
        "responsible__first_name",
        "responsible__last_name",
        "responsible__username",
    ).iterator():
        month = f"{close_date:%Y-%m}"
        key = (month, responsible_id)
        row = groups.get(key)
        if row is None:
            name = " ".join(part for part in (first, last) if part) or username or "—"
            row = groups[key] = ForecastRow(month, responsible_id, name, 0, Decimal(0), Decimal(0))
        row.count += 1
        row.amount += amount
        row.weighted += to_kopecks(amount * Decimal(probability) / HUNDRED)
    rows = sorted(groups.values(), key=lambda row: (row.month, row.responsible, row.responsible_id or 0))
    months = sorted({row.month for row in rows})
    by_month = {month: sum((r.weighted for r in rows if r.month == month), Decimal(0)) for month in months}
    by_month_amount = {
        month: sum((r.amount for r in rows if r.month == month), Decimal(0)) for month in months
    }
    return Forecast(
        currency=currency,
        rows=rows,
        months=months,
        by_month=by_month,
        by_month_amount=by_month_amount,
        total_amount=sum((row.amount for row in rows), Decimal(0)),
        total_weighted=sum((row.weighted for row in rows), Decimal(0)),
    )


@dataclass
class ReasonRow:
    reason: str
    count: int
    amount: Decimal
    share: Decimal | None


@dataclass
class WonLost:
    won: int
    won_amount: Decimal
    lost: int
    lost_amount: Decimal
    win_rate: Decimal | None
    reasons: list[ReasonRow]


def won_lost(user: Any, date_from: dt.date, date_to: dt.date, *, pipeline: Pipeline | None = None) -> WonLost:
    start, end = _bounds(date_from, date_to)
    closed = deal_list(user, DealFilters(pipeline=pipeline.pk if pipeline else None)).filter(
        closed_at__gte=start, closed_at__lt=end, stage__kind__in=[StageKind.WON, StageKind.LOST]
    )
    won = lost = 0
    won_amount = lost_amount = Decimal(0)
    by_reason: dict[str, list[Any]] = {}
    for kind, amount, reason in closed.values_list("stage__kind", "amount", "loss_reason__name").iterator():
        if kind == StageKind.WON:
            won += 1
            won_amount += amount
            continue
        lost += 1
        lost_amount += amount
        entry = by_reason.setdefault(reason or "—", [0, Decimal(0)])
        entry[0] += 1
        entry[1] += amount
    reasons = sorted(
        (
            ReasonRow(reason, count, amount, percent(count, lost))
            for reason, (count, amount) in by_reason.items()
        ),
        key=lambda row: (-row.count, row.reason),
    )
    return WonLost(
        won=won,
        won_amount=won_amount,
        lost=lost,
        lost_amount=lost_amount,
        win_rate=percent(won, won + lost),
        reasons=reasons,
    )
