"""Node behaviours; importing this package fills the executor's dispatch table."""

from potok.engine.runtime.behaviours import activities, events, gateways, loops, waits

__all__ = ["activities", "events", "gateways", "loops", "waits"]
