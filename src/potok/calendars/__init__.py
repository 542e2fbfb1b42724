"""Business calendars: working days and hours, public holidays and transferred days, shortened days; one
calendar per company (the default, from the Russian production calendar), department or person.

The rest of Potok asks for deadlines through `potok.calendars.selectors.deadline_in_working_time` and for
the engine's calendar through `potok.calendars.selectors.calendar_for`."""
