from django.urls import URLPattern, URLResolver, path

from potok.web.views import clients, custom_values

urlpatterns: list[URLPattern | URLResolver] = [
    path("counterparties/", clients.counterparty_list, name="counterparty_list"),
    path("counterparties/new/", clients.counterparty_create, name="counterparty_create"),
    path("counterparties/export/", clients.counterparty_export, name="counterparty_export"),
    path("counterparties/choices/", clients.counterparty_choices, name="counterparty_choices"),
    path("counterparties/<int:pk>/", clients.counterparty_detail, name="counterparty_detail"),
    path("counterparties/<int:pk>/edit/", clients.counterparty_edit, name="counterparty_edit"),
    path("counterparties/<int:pk>/delete/", clients.counterparty_delete, name="counterparty_delete"),
    path("counterparties/<int:pk>/merge/", clients.counterparty_merge, name="counterparty_merge"),
    path("counterparties/<int:pk>/timeline/", clients.counterparty_timeline, name="counterparty_timeline"),
    path("counterparties/<int:pk>/contacts/new/", clients.contact_create, name="contact_create"),
    path("counterparties/<int:pk>/interactions/new/", clients.interaction_create, name="interaction_create"),
    path("contacts/", clients.contact_list, name="contact_list"),
    path("contacts/export/", clients.contact_export, name="contact_export"),
    path("contacts/<int:pk>/", clients.contact_detail, name="contact_detail"),
    path("interactions/", clients.interaction_list, name="interaction_list"),
    path("interactions/export/", clients.interaction_export, name="interaction_export"),
    path("interactions/<int:pk>/", clients.interaction_edit, name="interaction_edit"),
    # A file in a custom field of a counterparty, contact or deal.
    path(
        "records/<slug:entity>/<int:pk>/files/<slug:field_code>/",
        custom_values.custom_file,
        name="custom_file",
    ),
]
