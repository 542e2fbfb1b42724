"""Processes: definitions with immutable published versions, and the engine's durable, relational runtime
(instances, executions, tasks, jobs, subscriptions, incidents, history)."""
