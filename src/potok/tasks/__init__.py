"""Tasks for people: addressing, queues, substitution, redirect, deadlines and escalation, forms,
completion checks, comments and attachments, and the history of every task."""
