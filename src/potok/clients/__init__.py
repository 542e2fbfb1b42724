"""Client base."""
