"""The REST API adapter (/api/v1/, django-ninja, OpenAPI)."""
