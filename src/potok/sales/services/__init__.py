"""The writers of the sales app; adapters import them from here."""

from potok.sales.services.catalogue import (
    loss_reason_create,
    loss_reason_update,
    price_list_create,
    price_set,
    product_create,
    product_update,
)
from potok.sales.services.deals import (
    deal_checklist_tick,
    deal_create,
    deal_delete,
    deal_move,
    deal_update,
)
from potok.sales.services.documents import (
    company_settings_update,
    sales_document_issue,
    sales_document_send,
)
from potok.sales.services.leads import lead_convert, lead_create, lead_set_status, lead_update
from potok.sales.services.lines import deal_line_add, deal_line_remove, deal_line_update
from potok.sales.services.pipelines import pipeline_create, stage_create, stage_update

__all__ = [
    "company_settings_update",
    "deal_checklist_tick",
    "deal_create",
    "deal_delete",
    "deal_line_add",
    "deal_line_remove",
    "deal_line_update",
    "deal_move",
    "deal_update",
    "lead_convert",
    "lead_create",
    "lead_set_status",
    "lead_update",
    "loss_reason_create",
    "loss_reason_update",
    "pipeline_create",
    "price_list_create",
    "price_set",
    "product_create",
    "product_update",
    "sales_document_issue",
    "sales_document_send",
    "stage_create",
    "stage_update",
]
