"""Access rights: per entity type and action, a record scope (own, department, department tree, all),
plus read grants that come from tasks. Enforced in selectors and services, so every adapter obeys them."""
