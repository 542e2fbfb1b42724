from django.urls import URLPattern, URLResolver, path

from potok.web.views.sales import board, catalogue, deals, leads, reports

urlpatterns: list[URLPattern | URLResolver] = [
    path("sales/board/", board.board_home, name="sales_board_home"),
    path("sales/pipelines/<int:pk>/board/", board.board, name="sales_board"),
    path("sales/pipelines/<int:pk>/board/<int:stage_id>/", board.board_column, name="sales_board_column"),
    path("sales/deals/", deals.deal_list, name="sales_deal_list"),
    path("sales/deals/new/", deals.deal_create, name="sales_deal_create"),
    path("sales/deals/<int:pk>/", deals.deal_detail, name="sales_deal_detail"),
    path("sales/deals/<int:pk>/edit/", deals.deal_edit, name="sales_deal_edit"),
    path("sales/deals/<int:pk>/delete/", deals.deal_delete, name="sales_deal_delete"),
    path("sales/deals/<int:pk>/move/", board.deal_move, name="sales_deal_move"),
    path("sales/deals/<int:pk>/checklist/", deals.deal_checklist, name="sales_deal_checklist"),
    path("sales/deals/<int:pk>/lines/", deals.deal_line_add, name="sales_deal_line_add"),
    path(
        "sales/deals/<int:pk>/lines/<int:line_id>/remove/",
        deals.deal_line_remove,
        name="sales_deal_line_remove",
    ),
    path("sales/deals/<int:pk>/documents/<str:kind>/", deals.document_issue, name="sales_document_issue"),
    path("sales/documents/<int:pk>/pdf/", deals.document_pdf, name="sales_document_pdf"),
    path("sales/documents/<int:pk>/send/", deals.document_send, name="sales_document_send"),
    path("sales/leads/", leads.lead_list, name="sales_lead_list"),
    path("sales/leads/new/", leads.lead_create, name="sales_lead_create"),
    path("sales/leads/<int:pk>/", leads.lead_detail, name="sales_lead_detail"),
    path("sales/leads/<int:pk>/edit/", leads.lead_edit, name="sales_lead_edit"),
    path("sales/leads/<int:pk>/status/", leads.lead_status, name="sales_lead_status"),
    path("sales/leads/<int:pk>/convert/", leads.lead_convert, name="sales_lead_convert"),
    path("sales/products/", catalogue.product_list, name="sales_product_list"),
    path("sales/products/new/", catalogue.product_create, name="sales_product_create"),
    path("sales/products/<int:pk>/", catalogue.product_edit, name="sales_product_edit"),
    path("sales/price-lists/<int:pk>/", catalogue.price_list_detail, name="sales_price_list"),
    path("sales/reports/", reports.report_page, name="sales_reports"),
    path("sales/reports/export/", reports.report_export, name="sales_report_export"),
    path("sales/settings/", catalogue.sales_settings, name="sales_settings"),
    path("sales/settings/loss-reasons/", catalogue.loss_reason_save, name="sales_loss_reason_save"),
]
