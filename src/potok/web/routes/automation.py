from django.urls import URLPattern, URLResolver, path

from potok.web.views.automation import records, rules

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/start-rules/", rules.rule_list, name="start_rule_list"),
    path("settings/start-rules/new/", rules.rule_new, name="start_rule_new"),
    path("settings/start-rules/schema/", rules.rule_schema, name="start_rule_schema"),
    path("settings/start-rules/why/", records.why, name="start_rule_why"),
    path("settings/start-rules/<int:pk>/", rules.rule_detail, name="start_rule_detail"),
    path("settings/start-rules/<int:pk>/edit/", rules.rule_edit, name="start_rule_edit"),
    path("settings/start-rules/<int:pk>/toggle/", rules.rule_toggle, name="start_rule_toggle"),
    path("settings/start-rules/<int:pk>/delete/", rules.rule_delete, name="start_rule_delete"),
    path("settings/start-rules/<int:pk>/test/", rules.rule_test, name="start_rule_test"),
    path("settings/start-rules/<int:pk>/dry-run/", rules.rule_dry_run, name="start_rule_dry_run"),
    path("settings/start-rules/<int:pk>/apply/", rules.rule_apply, name="start_rule_apply"),
    path(
        "settings/start-rules/<int:pk>/versions/<int:number>/", rules.rule_version, name="start_rule_version"
    ),
    path("settings/rule-applications/<int:pk>/", rules.application_progress, name="rule_application"),
    path("settings/rule-incidents/", records.incident_list, name="rule_incident_list"),
    path("settings/rule-incidents/<int:pk>/retry/", records.incident_retry, name="rule_incident_retry"),
    path("automation/record-panel/", records.record_panel, name="automation_record_panel"),
    path("automation/start-from-record/", records.start_from_record, name="start_from_record"),
    path("automation/manual-starts/<int:pk>/", records.manual_start_detail, name="manual_start_detail"),
]
