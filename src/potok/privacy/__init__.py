"""Personal data under 152-ФЗ: what Potok holds about a person, its export and erasure, and how long
logs and history are kept (retention)."""
