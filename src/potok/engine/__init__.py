"""The Potok process engine: pure Python, no Django (BPMN model, runtime, expressions, calendars)."""
