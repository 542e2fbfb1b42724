"""Business calendars."""
