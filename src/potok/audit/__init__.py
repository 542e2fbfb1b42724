"""The audit trail: one immutable row per state change (who, when, what, old → new)."""
