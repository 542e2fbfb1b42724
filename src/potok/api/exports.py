"""The file answer of the API's list exports (counterparties, contacts, interactions, deals).

The endpoint passes its list's queryset, filtered and ordered as the list is; potok.imports.exports checks
the export right, keeps the rows the export scope covers, leaves out the confidential custom fields the
caller may not see and writes the file. A format other than csv or xlsx is a 400 naming `format`.

Example:
    >>> export_response(request.user, "deal", queryset.order_by("-id"), "xlsx")
"""

from __future__ import annotations

# The response is built where the web's list exports build theirs too.
from potok.imports.exports import export_response

__all__ = ["export_response"]
