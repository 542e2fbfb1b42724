"""The navigation: sections shown only to those whose roles allow them.

Each later domain adds its entry here with the entity type it needs (the adapter knows the domains; the
domains do not know the adapter)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from potok.access.selectors import can, is_administrator
from potok.web.views.documents.navigation import document_items
from potok.web.views.tasks import inbox_badge


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    icon: str
    entity_type: str | None = None
    admin_only: bool = False
    group: str = "work"
    # Computed per request: (number, Bootstrap colour) shown beside the entry, e.g. my open tasks.
    badge: Callable[[Any], tuple[int, str]] | None = None


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "web:home", "house"),
    NavItem(_("Inbox"), "web:task_inbox", "inbox", badge=inbox_badge),
    NavItem(_("Counterparties"), "web:counterparty_list", "building", entity_type="counterparty"),
    NavItem(_("Contacts"), "web:contact_list", "person-lines-fill", entity_type="contact"),
    NavItem(_("Interactions"), "web:interaction_list", "chat-dots", entity_type="interaction"),
    NavItem(_("Deals"), "web:sales_board_home", "kanban", entity_type="deal"),
    NavItem(_("Leads"), "web:sales_lead_list", "funnel", entity_type="lead"),
    NavItem(_("Products and services"), "web:sales_product_list", "box-seam", entity_type="product"),
    NavItem(_("Sales reports"), "web:sales_reports", "bar-chart-line", entity_type="deal"),
    NavItem(_("Processes"), "web:process_monitor", "activity", entity_type="process_instance"),
    NavItem(_("Designer"), "web:process_designer_home", "bezier2", admin_only=True),
    NavItem(_("Notifications"), "web:notification_list", "bell"),
    NavItem(_("Users"), "web:user_list", "people", entity_type="user", group="organisation"),
    NavItem(
        _("Departments"), "web:department_list", "diagram-3", entity_type="department", group="organisation"
    ),
    NavItem(_("Roles"), "web:role_list", "person-badge", admin_only=True, group="organisation"),
    NavItem(
        _("Calendars"), "web:calendar_list", "calendar3", entity_type="business_calendar", group="settings"
    ),
    NavItem(_("Webhooks and email"), "web:webhook_list", "broadcast", admin_only=True, group="settings"),
    NavItem(_("Import"), "web:import_list", "upload", admin_only=True, group="settings"),
    NavItem(_("Sales settings"), "web:sales_settings", "sliders", admin_only=True, group="settings"),
    NavItem(
        _("Document types"), "web:document_type_list", "ui-checks-grid", admin_only=True, group="settings"
    ),
    NavItem(_("Start rules"), "web:start_rule_list", "lightning-charge", admin_only=True, group="settings"),
    NavItem(
        _("Rule incidents"),
        "web:rule_incident_list",
        "exclamation-triangle",
        admin_only=True,
        group="settings",
    ),
]

GROUP_LABELS = {"work": _("Work"), "organisation": _("Organisation"), "settings": _("Settings")}


def visible_items(user: Any) -> list[dict[str, Any]]:
    items = []
    for item in NAV_ITEMS:
        if item.admin_only and not is_administrator(user):
            continue
        if item.entity_type and not can(user, item.entity_type, "read"):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entry = {
            "label": item.label,
            "url": url,
            "icon": item.icon,
            "group": item.group,
            "group_label": GROUP_LABELS.get(item.group, item.group),
        }
        if item.badge is not None:
            entry["badge"], entry["badge_style"] = item.badge(user)
        items.append(entry)
    # Document types are data: their entries are computed per user and shown after the work entries.
    position = max((index + 1 for index, entry in enumerate(items) if entry["group"] == "work"), default=0)
    items[position:position] = document_items(user)
    return items
