"""The kanban board of a pipeline: a column per stage, 50 cards at a time (the rest load as the column is
scrolled), cards dragged between columns. A drop is a POST that the server checks (stage requirements,
version, rights) and audits; a refused move comes back with the message and the card snaps back."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import can, require
from potok.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from potok.sales import selectors, services
from potok.sales.models import Pipeline
from potok.sales.selectors import DealFilters
from potok.web.views.errors import domain_errors
from potok.web.views.sales.common import error_text, json_error, number, wants_json

PAGE = 50


def _filters(request: HttpRequest) -> DealFilters:
    return DealFilters(
        q=request.GET.get("q", "").strip()[:200], responsible=number(request.GET.get("responsible"))
    )


@login_required
@domain_errors
def board_home(request: HttpRequest) -> HttpResponse:
    require(request.user, "deal", Action.READ)
    first = selectors.pipelines().first()
    if first is None:
        return render(request, "web/sales/board_empty.html", {})
    return redirect("web:sales_board", pk=first.pk)


@login_required
@domain_errors
def board(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "deal", Action.READ)
    pipeline = selectors.pipeline_get(pk)
    filters = _filters(request)
    summary = selectors.board_summary(request.user, pipeline, filters)
    columns = []
    for stage in selectors.stages_of(pipeline):
        page = selectors.board_column(request.user, stage, size=PAGE, filters=filters)
        totals = summary.get(stage.pk)
        columns.append(
            {
                "stage": stage,
                "deals": page.items,
                "more_url": _more_url(request, pipeline, stage.pk, page.next_cursor),
                "count": totals.count if totals else 0,
                "amount": totals.amount if totals else 0,
            }
        )
    return render(
        request,
        "web/sales/board.html",
        {
            "pipeline": pipeline,
            "pipelines": selectors.pipelines(),
            "columns": columns,
            "loss_reasons": selectors.loss_reasons(),
            "query": filters.q,
            "may_create": can(request.user, "deal", Action.CREATE),
        },
    )


def _more_url(request: HttpRequest, pipeline: Pipeline, stage_id: int, cursor: str | None) -> str | None:
    if not cursor:
        return None
    query = request.GET.copy()
    query["after"] = cursor
    return f"{reverse('web:sales_board_column', args=[pipeline.pk, stage_id])}?{query.urlencode()}"


@login_required
@domain_errors
def board_column(request: HttpRequest, pk: int, stage_id: int) -> HttpResponse:
    """The next cards of one column (htmx, when the column's end scrolls into view)."""
    pipeline = selectors.pipeline_get(pk)
    stage = pipeline.stages.filter(pk=stage_id).first()
    if stage is None:
        raise NotFound(f"stage {stage_id}")
    try:
        page = selectors.board_column(
            request.user, stage, after=request.GET.get("after") or None, size=PAGE, filters=_filters(request)
        )
    except ValidationFailed as error:
        return HttpResponse(error_text(error), status=400)
    return render(
        request,
        "web/sales/_cards.html",
        {
            "deals": page.items,
            "more_url": _more_url(request, pipeline, stage.pk, page.next_cursor),
            "stage": stage,
        },
    )


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal (board drop or the stage buttons of the deal page). JSON for the board, a redirect with
    a message for the page."""
    as_json = wants_json(request)
    try:
        deal = selectors.deal_get(request.user, pk, Action.UPDATE)
        stage = deal.pipeline.stages.filter(pk=number(request.POST.get("stage")) or 0).first()
        if stage is None:
            raise ValidationFailed({"stage": _("The deal's pipeline has no such stage.")})
        reason = None
        if request.POST.get("loss_reason"):
            reason = selectors.loss_reasons().filter(pk=number(request.POST.get("loss_reason")) or 0).first()
        moved = services.deal_move(
            actor=request.user,
            deal=deal,
            stage=stage,
            expected_version=number(request.POST.get("version")),
            loss_reason=reason,
            loss_comment=request.POST.get("loss_comment", ""),
        )
    except ValidationFailed as error:
        return _refused(request, pk, as_json, error_text(error), 400, error.errors)
    except Conflict as error:
        return _refused(request, pk, as_json, str(error), 409)
    except PermissionDenied:
        return _refused(request, pk, as_json, _("You may not change this deal."), 403)
    except NotFound:
        return _refused(request, pk, as_json, _("The deal is not found."), 404)
    if not as_json:
        from django.contrib import messages

        messages.success(request, _("The deal is at the stage «%(stage)s».") % {"stage": moved.stage.name})
        return redirect("web:sales_deal_detail", pk=moved.pk)
    summary = selectors.board_summary(request.user, moved.pipeline)
    return JsonResponse(
        {
            "ok": True,
            "version": moved.version,
            "stage": moved.stage_id,
            "stage_name": moved.stage.name,
            "columns": {
                str(stage_id): {"count": totals.count, "amount": _money(totals.amount)}
                for stage_id, totals in summary.items()
            },
            "message": _("«%(deal)s» is at the stage «%(stage)s».")
            % {"deal": moved.title, "stage": moved.stage.name},
        }
    )


def _money(value: Any) -> str:
    return number_format(round(value), 0, force_grouping=True)


def _refused(
    request: HttpRequest, pk: int, as_json: bool, message: str, status: int, errors: Any = None
) -> HttpResponse:
    if as_json:
        return json_error(message, status, errors)
    from django.contrib import messages

    messages.error(request, message)
    if status == 404:
        return HttpResponse(message, status=404)
    return redirect("web:sales_deal_detail", pk=pk)
