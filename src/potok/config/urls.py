from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from potok.api.router import api

# Uploaded files are never served as /media/: every download goes through a view that checks access.
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("maintenance/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("potok.web.urls")),
]
