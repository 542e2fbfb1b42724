"""When the client base merges two counterparties, their deals and leads move to the survivor."""

from __future__ import annotations

from typing import Any


def move_sales_to_survivor(*, actor: Any, survivor: Any, merged: Any) -> None:
    from potok.sales.services.deals import deals_move_to_counterparty

    deals_move_to_counterparty(actor=actor, source=merged, target=survivor)
