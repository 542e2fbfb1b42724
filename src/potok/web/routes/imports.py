from django.urls import URLPattern, URLResolver, path

from potok.web.views import imports

urlpatterns: list[URLPattern | URLResolver] = [
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/apply/", imports.import_apply, name="import_apply"),
    path("imports/<int:pk>/cancel/", imports.import_cancel, name="import_cancel"),
]
