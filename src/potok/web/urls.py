from django.contrib.auth import views as auth_views
from django.urls import include, path

from potok.web.views import organisation, shell

app_name = "web"

urlpatterns = [
    path("", shell.home, name="home"),
    path("login/", shell.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", shell.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", shell.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("users/", organisation.user_list, name="user_list"),
    path("users/new/", organisation.user_create, name="user_create"),
    path("users/<int:pk>/", organisation.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", organisation.user_edit, name="user_edit"),
    path("users/<int:pk>/roles/", organisation.user_role_assign, name="user_role_assign"),
    path(
        "users/<int:pk>/roles/<int:assignment_id>/remove/",
        organisation.user_role_unassign,
        name="user_role_unassign",
    ),
    path("departments/", organisation.department_list, name="department_list"),
    path("departments/new/", organisation.department_create, name="department_create"),
    path("roles/", organisation.role_list, name="role_list"),
    path("roles/new/", organisation.role_create, name="role_create"),
    path("roles/<slug:code>/rights/", organisation.role_rights, name="role_rights"),
    # One module per domain, so that each grows without touching the others.
    path("", include("potok.web.routes.clients")),
    path("", include("potok.web.routes.documents")),
    path("", include("potok.web.routes.imports")),
    path("", include("potok.web.routes.calendars")),
    path("", include("potok.web.routes.notifications")),
    path("", include("potok.web.routes.sales")),
    path("", include("potok.web.routes.security")),
    path("", include("potok.web.routes.processes")),
    path("", include("potok.web.routes.tasks")),
    path("", include("potok.web.routes.automation")),
    path("", include("potok.web.routes.privacy")),
]
