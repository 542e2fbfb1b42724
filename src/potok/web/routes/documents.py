"""URLs of the document pages: the designer under /settings/, documents under /documents/<type>/."""

from django.urls import URLPattern, URLResolver, path

from potok.web.views.documents import designer, records

urlpatterns: list[URLPattern | URLResolver] = [
    # The administrator's designer.
    path("settings/document-types/", designer.document_type_list, name="document_type_list"),
    path("settings/document-types/new/", designer.document_type_create, name="document_type_create"),
    path("settings/document-types/<slug:code>/", designer.document_type_detail, name="document_type_detail"),
    path("settings/document-types/<slug:code>/edit/", designer.document_type_edit, name="document_type_edit"),
    path(
        "settings/document-types/<slug:code>/archive/",
        designer.document_type_archive,
        name="document_type_archive",
    ),
    path(
        "settings/document-types/<slug:code>/statuses/new/",
        designer.status_create,
        name="document_status_create",
    ),
    path(
        "settings/document-types/<slug:code>/statuses/<slug:status_code>/edit/",
        designer.status_edit,
        name="document_status_edit",
    ),
    path(
        "settings/document-types/<slug:code>/statuses/<slug:status_code>/delete/",
        designer.status_delete,
        name="document_status_delete",
    ),
    path(
        "settings/document-types/<slug:code>/fields/new/", designer.field_create, name="document_field_create"
    ),
    path(
        "settings/document-types/<slug:code>/fields/<slug:field_code>/edit/",
        designer.field_edit,
        name="document_field_edit",
    ),
    path(
        "settings/document-types/<slug:code>/fields/<slug:field_code>/archive/",
        designer.field_archive,
        name="document_field_archive",
    ),
    path(
        "settings/document-types/<slug:code>/fields/<slug:field_code>/move/",
        designer.field_move,
        name="document_field_move",
    ),
    # Custom fields of built-in entities (counterparty, contact, deal), with the same field pages.
    path("settings/custom-fields/<slug:entity>/", designer.custom_field_list, name="custom_field_list"),
    path("settings/custom-fields/<slug:entity>/new/", designer.field_create, name="custom_field_create"),
    path(
        "settings/custom-fields/<slug:entity>/<slug:field_code>/edit/",
        designer.field_edit,
        name="custom_field_edit",
    ),
    path(
        "settings/custom-fields/<slug:entity>/<slug:field_code>/archive/",
        designer.field_archive,
        name="custom_field_archive",
    ),
    path(
        "settings/custom-fields/<slug:entity>/<slug:field_code>/move/",
        designer.field_move,
        name="custom_field_move",
    ),
    # Documents.
    path("documents/lookup/<str:target>/", records.reference_lookup, name="document_lookup"),
    path("documents/<slug:code>/", records.document_list, name="document_list"),
    path("documents/<slug:code>/export/", records.document_export, name="document_export"),
    path("documents/<slug:code>/new/", records.document_create, name="document_create"),
    path("documents/<slug:code>/<int:pk>/", records.document_detail, name="document_detail"),
    path("documents/<slug:code>/<int:pk>/edit/", records.document_edit, name="document_edit"),
    path("documents/<slug:code>/<int:pk>/status/", records.document_status, name="document_status"),
    path("documents/<slug:code>/<int:pk>/delete/", records.document_delete, name="document_delete"),
    path(
        "documents/<slug:code>/<int:pk>/files/<slug:field_code>/", records.document_file, name="document_file"
    ),
]
