"""The sales reports as an XLSX workbook (openpyxl), one sheet per report.

Text cells that a spreadsheet would read as a formula (=, +, -, @, tab, CR at the start) get a leading
apostrophe, so a deal titled "=HYPERLINK(...)" stays text (CSV/formula injection)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from potok.sales.reports import Forecast, Funnel, WonLost

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe(cell) for cell in row])
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)


def reports_workbook(funnel: Funnel | None, forecast: Forecast | None, won_lost: WonLost | None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    if funnel is not None:
        _sheet(
            workbook,
            _("Funnel"),
            [
                _("Stage"),
                _("Reached"),
                _("Conversion from previous, %"),
                _("Conversion from first, %"),
                _("Now at the stage"),
                _("Amount now"),
                _("Average days in stage"),
            ],
            [
                [
                    row.name,
                    row.reached,
                    row.conversion_from_previous,
                    row.conversion_from_first,
                    row.now_count,
                    row.now_amount,
                    row.average_days,
                ]
                for row in funnel.rows
            ],
        )
    if forecast is not None:
        _sheet(
            workbook,
            _("Forecast"),
            [_("Month"), _("Manager"), _("Deals"), _("Amount"), _("Weighted amount")],
            [[row.month, row.responsible, row.count, row.amount, row.weighted] for row in forecast.rows]
            + [
                [
                    _("Total"),
                    "",
                    sum(r.count for r in forecast.rows),
                    forecast.total_amount,
                    forecast.total_weighted,
                ]
            ],
        )
    if won_lost is not None:
        _sheet(
            workbook,
            _("Won and lost"),
            [_("Reason"), _("Deals"), _("Amount"), _("Share of lost, %")],
            [[row.reason, row.count, row.amount, row.share] for row in won_lost.reasons]
            + [
                [_("Won"), won_lost.won, won_lost.won_amount, None],
                [_("Lost"), won_lost.lost, won_lost.lost_amount, None],
            ],
        )
    if not workbook.sheetnames:
        workbook.create_sheet(_("Report"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
