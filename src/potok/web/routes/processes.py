from django.urls import URLPattern, URLResolver, path

from potok.web.views.processes import designer, instance, migration, monitor

urlpatterns: list[URLPattern | URLResolver] = [
    path("processes/", monitor.monitor, name="process_monitor"),
    path("processes/instances/", monitor.instance_list, name="process_instance_list"),
    path("processes/instances/<str:instance_id>/", instance.instance_detail, name="process_instance"),
    path(
        "processes/instances/<str:instance_id>/diagram/",
        instance.instance_diagram,
        name="process_instance_diagram",
    ),
    path(
        "processes/instances/<str:instance_id>/migrate/",
        migration.instance_migrate,
        name="process_instance_migrate",
    ),
    path(
        "processes/instances/<str:instance_id>/<str:operation>/",
        instance.instance_operate,
        name="process_instance_operate",
    ),
    path(
        "processes/incidents/<str:incident_id>/retry/", instance.incident_retry, name="process_incident_retry"
    ),
    path("processes/definitions/<str:key>/", monitor.definition_detail, name="process_definition"),
    path(
        "processes/definitions/<str:key>/migrate/", migration.version_migrate, name="process_version_migrate"
    ),
    path(
        "processes/definitions/<str:key>/manual-start/",
        monitor.definition_manual_start,
        name="process_definition_manual_start",
    ),
    path("processes/definitions/<str:key>/diff/", monitor.version_diff, name="process_diff"),
    path("processes/definitions/<str:key>/v<int:number>/heatmap/", monitor.heatmap, name="process_heatmap"),
    path(
        "processes/definitions/<str:key>/v<int:number>/download/",
        monitor.version_download,
        name="process_version_download",
    ),
    path("process-designer/", designer.designer_home, name="process_designer_home"),
    path("process-designer/new/", designer.designer, name="process_designer_new"),
    path("process-designer/save/", designer.designer_save, name="process_designer_save"),
    path("process-designer/validate/", designer.designer_validate, name="process_designer_validate"),
    path("process-designer/check/", designer.designer_check, name="process_designer_check"),
    path("process-designer/condition/", designer.designer_condition, name="process_designer_condition"),
    path("process-designer/edit/<str:key>/", designer.designer, name="process_designer"),
]
