from django.urls import URLPattern, URLResolver, path

from potok.web.views import security as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("security/", views.overview, name="security"),
    path("security/verify/", views.verify, name="security_verify"),
    path("security/confirm/", views.reauthenticate, name="security_reauthenticate"),
    path("security/two-factor/", views.two_factor, name="security_two_factor"),
    path("security/two-factor/remove/", views.two_factor_remove, name="security_two_factor_remove"),
    path("security/sessions/<int:pk>/end/", views.session_end, name="security_session_end"),
    path("security/sessions/end-others/", views.sessions_end_others, name="security_sessions_end_others"),
    path("security/email/", views.email_change, name="security_email"),
    path("security/users/", views.user_list, name="security_users"),
    path("security/users/<int:pk>/", views.user_detail, name="security_user"),
    path("security/users/<int:pk>/end-sessions/", views.user_sessions_end, name="security_user_sessions_end"),
    path(
        "security/users/<int:pk>/reset-two-factor/",
        views.user_two_factor_reset,
        name="security_user_two_factor_reset",
    ),
]
