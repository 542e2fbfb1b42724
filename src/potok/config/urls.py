from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from potok.api.router import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("maintenance/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("potok.web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
