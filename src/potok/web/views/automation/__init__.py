"""Pages of automation: start rules (list, editor with the condition builder, page with its evaluations,
test, dry run and application), the "why" screen, rule incidents, and the record page's panel (rules
evaluated for the record, manual start)."""
