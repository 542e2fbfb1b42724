from django.urls import URLPattern, URLResolver, path

from potok.web.views import notifications as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/preferences/", views.notification_preferences, name="notification_preferences"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("settings/webhooks/", views.webhook_list, name="webhook_list"),
    path("settings/webhooks/dead-letters/", views.dead_letters, name="dead_letters"),
    path("settings/webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("settings/webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
    path(
        "settings/webhooks/<int:pk>/rotate-secret/", views.webhook_rotate_secret, name="webhook_rotate_secret"
    ),
    path("settings/webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path("settings/deliveries/<int:pk>/", views.delivery_detail, name="delivery_detail"),
    path("settings/deliveries/<int:pk>/resend/", views.delivery_resend, name="delivery_resend"),
    path("settings/mail/", views.mail_settings_page, name="mail_settings"),
]
