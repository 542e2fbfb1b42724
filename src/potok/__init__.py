"""Potok: a self-hosted CRM whose business processes start themselves."""

__version__ = "0.1.0"
