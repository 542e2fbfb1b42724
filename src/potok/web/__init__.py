"""The web interface adapter: Django templates with htmx; views parse input, call services, render."""
