"""Small shared pieces of the domain layer: errors, pagination, the clock."""
