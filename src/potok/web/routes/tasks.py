"""URLs of the task pages: the inbox under /tasks/, one task under /tasks/<id>/."""

from django.urls import URLPattern, URLResolver, path

from potok.web.views import tasks

urlpatterns: list[URLPattern | URLResolver] = [
    path("tasks/", tasks.task_inbox, name="task_inbox"),
    path("tasks/redirect/", tasks.task_redirect_many, name="task_redirect_many"),
    path("tasks/absences/", tasks.absence_list, name="absence_list"),
    path("tasks/<str:task_id>/", tasks.task_page, name="task_page"),
    path("tasks/<str:task_id>/complete/", tasks.task_complete, name="task_complete"),
    path("tasks/<str:task_id>/claim/", tasks.task_claim, name="task_claim"),
    path("tasks/<str:task_id>/unclaim/", tasks.task_unclaim, name="task_unclaim"),
    path("tasks/<str:task_id>/redirect/", tasks.task_redirect, name="task_redirect"),
    path("tasks/<str:task_id>/comments/", tasks.task_comment, name="task_comment"),
    path("tasks/<str:task_id>/attachments/", tasks.task_attach, name="task_attach"),
    path(
        "tasks/<str:task_id>/attachments/<int:attachment_id>/", tasks.task_attachment, name="task_attachment"
    ),
    path("tasks/<str:task_id>/lookup/<slug:field_code>/", tasks.task_lookup, name="task_lookup"),
]
