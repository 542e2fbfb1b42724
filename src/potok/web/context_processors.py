from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from potok.web.navigation import visible_items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = visible_items(user)
    path = request.path
    for item in items:
        item["active"] = item["url"] == path or (item["url"] != "/" and path.startswith(item["url"]))
    return {"nav_items": items}
