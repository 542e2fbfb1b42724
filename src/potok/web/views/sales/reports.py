"""Sales reports: the funnel, the forecast and won/lost by reason, each as a chart with its numbers in a
table beside it, and the three as one XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date

from potok.access.models import Action
from potok.access.selectors import can, require
from potok.core import clock
from potok.sales import reports, selectors
from potok.sales.exports import reports_workbook
from potok.web.views.errors import domain_errors
from potok.web.views.sales.common import number


def _parameters(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate(clock.now())
    start = parse_date(request.GET.get("date_from", "") or "") or (today - dt.timedelta(days=365)).replace(
        day=1
    )
    end = parse_date(request.GET.get("date_to", "") or "") or today
    if end < start:
        start, end = end, start
    pipelines = list(selectors.pipelines())
    chosen = next(
        (p for p in pipelines if p.pk == number(request.GET.get("pipeline"))),
        pipelines[0] if pipelines else None,
    )
    forecast_from = parse_date(request.GET.get("forecast_from", "") or "") or today.replace(day=1)
    forecast_to = parse_date(request.GET.get("forecast_to", "") or "") or forecast_from + dt.timedelta(
        days=182
    )
    return {
        "date_from": start,
        "date_to": end,
        "forecast_from": forecast_from,
        "forecast_to": forecast_to,
        "pipeline": chosen,
        "pipelines": pipelines,
    }


@login_required
@domain_errors
def report_page(request: HttpRequest) -> HttpResponse:
    require(request.user, "deal", Action.READ)
    parameters = _parameters(request)
    pipeline = parameters["pipeline"]
    context: dict[str, Any] = dict(parameters)
    if pipeline is not None:
        funnel = reports.funnel(request.user, pipeline, parameters["date_from"], parameters["date_to"])
        forecast = reports.forecast(
            request.user, parameters["forecast_from"], parameters["forecast_to"], pipeline=pipeline
        )
        won_lost = reports.won_lost(
            request.user, parameters["date_from"], parameters["date_to"], pipeline=pipeline
        )
        managers = sorted({row.responsible for row in forecast.rows})
        context.update(
            funnel=funnel,
            forecast=forecast,
            won_lost=won_lost,
            chart_data={
                "funnel": {
                    "labels": [row.name for row in funnel.rows if row.kind != "lost"],
                    "values": [row.reached for row in funnel.rows if row.kind != "lost"],
                },
                "forecast": {
                    "labels": forecast.months,
                    "datasets": [
                        {
                            "label": manager,
                            "data": [
                                float(
                                    sum(
                                        (
                                            r.weighted
                                            for r in forecast.rows
                                            if r.month == m and r.responsible == manager
                                        ),
                                        0,
                                    )
                                )
                                for m in forecast.months
                            ],
                        }
                        for manager in managers
                    ],
                },
                "reasons": {
                    "labels": [row.reason for row in won_lost.reasons],
                    "values": [row.count for row in won_lost.reasons],
                },
            },
            may_export=can(request.user, "deal", Action.EXPORT),
            export_query=request.GET.urlencode(),
        )
    return render(request, "web/sales/reports.html", context)


@login_required
@domain_errors
def report_export(request: HttpRequest) -> HttpResponse:
    require(request.user, "deal", Action.EXPORT)
    parameters = _parameters(request)
    pipeline = parameters["pipeline"]
    content = reports_workbook(
        reports.funnel(request.user, pipeline, parameters["date_from"], parameters["date_to"])
        if pipeline
        else None,
        reports.forecast(
            request.user, parameters["forecast_from"], parameters["forecast_to"], pipeline=pipeline
        ),
        reports.won_lost(request.user, parameters["date_from"], parameters["date_to"], pipeline=pipeline),
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="sales-report-{parameters["date_from"]}-{parameters["date_to"]}.xlsx"'
    )
    return response
