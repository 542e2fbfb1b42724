from django.urls import URLPattern, URLResolver, path

from potok.web.views import calendars as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/calendars/", views.calendar_list, name="calendar_list"),
    path("settings/calendars/<int:pk>/", views.calendar_detail, name="calendar_detail"),
    path("settings/calendars/<int:pk>/days/<str:day>/", views.calendar_day, name="calendar_day"),
    path("settings/calendars/<int:pk>/week/", views.calendar_week, name="calendar_week"),
    path("settings/calendars/<int:pk>/assignments/", views.calendar_assignment, name="calendar_assignment"),
    path("settings/calendars/<int:pk>/default/", views.calendar_make_default, name="calendar_make_default"),
    path("settings/calendars/<int:pk>/delete/", views.calendar_delete, name="calendar_delete"),
    path("settings/calendars/<int:pk>/deadline/", views.calendar_deadline, name="calendar_deadline"),
]
