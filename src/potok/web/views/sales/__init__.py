"""Sales pages: the kanban board, deals, leads, the catalogue, reports and the sales settings."""
