"""Django project configuration: settings split by concern, URLs, WSGI."""
