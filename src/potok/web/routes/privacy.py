from django.urls import URLPattern, URLResolver, path

from potok.web.views import privacy

urlpatterns: list[URLPattern | URLResolver] = [
    path("personal-data/<slug:entity_type>/<int:pk>/", privacy.person_page, name="personal_data"),
    path(
        "personal-data/<slug:entity_type>/<int:pk>/export/",
        privacy.person_export_download,
        name="personal_data_export",
    ),
    path(
        "personal-data/<slug:entity_type>/<int:pk>/erase/", privacy.person_erasure, name="personal_data_erase"
    ),
]
